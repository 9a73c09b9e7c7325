// The one entry point every fuzz target defines (libFuzzer's). Built with clang and
// -DTRIAGE_FUZZ=ON, each target is a libFuzzer binary; otherwise replay_main.cpp drives it
// over seed files, so ctest replays every seed in every build (sanitizers included).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace triage::fuzz {

inline std::string_view bytes_of(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// Splits "first line\nrest" so one input can carry a parameter (a Content-Type, a format)
// and a body.
inline std::pair<std::string_view, std::string_view> split_first_line(std::string_view in) {
    const auto nl = in.find('\n');
    if (nl == std::string_view::npos) return {in, {}};
    return {in.substr(0, nl), in.substr(nl + 1)};
}

// A fuzz target's own checks: a violated invariant is a crash, so the fuzzer keeps the input.
[[noreturn]] void invariant_failed(const char* what, const char* file, int line);

}  // namespace triage::fuzz

#define TRIAGE_FUZZ_CHECK(cond) \
    ((cond) ? (void)0 : ::triage::fuzz::invariant_failed(#cond, __FILE__, __LINE__))
