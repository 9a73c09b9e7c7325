#include "fuzz/fuzz_target.hpp"

#include <cstdio>
#include <cstdlib>

namespace triage::fuzz {

void invariant_failed(const char* what, const char* file, int line) {
    std::fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, what);
    std::abort();
}

}  // namespace triage::fuzz
