// Replays inputs through a fuzz target without libFuzzer: every file named, and every file
// under every directory named (sorted, so runs are repeatable). A missing path is skipped
// with a note, so ctest can name ../shared/corpus where it may be absent. A crash or a
// failed invariant aborts with the input's name printed first.
#include "fuzz/fuzz_target.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace fs = std::filesystem;

int main(int argc, char** argv) {
    std::vector<fs::path> files;
    int missing = 0;
    for (int i = 1; i < argc; ++i) {
        const fs::path path{argv[i]};
        std::error_code ec;
        if (fs::is_directory(path, ec)) {
            for (const auto& entry : fs::recursive_directory_iterator(path, ec))
                if (entry.is_regular_file()) files.push_back(entry.path());
        } else if (fs::is_regular_file(path, ec)) {
            files.push_back(path);
        } else {
            std::printf("skipped %s: not found (the shared corpus is optional)\n", argv[i]);
            ++missing;
        }
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) {
        std::fprintf(stderr, "no input files: name seed files or directories\n");
        return 2;
    }
    for (const auto& file : files) {
        std::ifstream in(file, std::ios::binary);
        const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        std::fprintf(stderr, "%s\n", file.c_str());  // the input a crash belongs to
        LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    }
    std::printf("replayed %zu inputs (%d paths absent)\n", files.size(), missing);
    return 0;
}
