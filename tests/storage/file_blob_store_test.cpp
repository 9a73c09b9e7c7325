#include "storage/file_blob_store.hpp"
#include "storage/sha256.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

using namespace triage;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path = fs::temp_directory_path() / ("triage-blob-test-" + std::to_string(::getpid()));
    TempDir() { fs::remove_all(path); }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

std::size_t files_under(const fs::path& root) {
    std::size_t n = 0;
    for (const auto& entry : fs::recursive_directory_iterator(root))
        if (entry.is_regular_file()) ++n;
    return n;
}

}  // namespace

TEST_CASE("sha256_hex gives the standard lower-case digests") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("a blob is stored under its hash, read back, and stored once however often it is put") {
    TempDir dir;
    FileBlobStore blobs{dir.path / "blobs"};
    const std::string bytes = std::string{"%PDF-1.7\0binary\xff", 16} + std::string(100000, 'z');
    const std::string hash = blobs.put(bytes);
    CHECK(hash == sha256_hex(bytes));
    CHECK(fs::exists(dir.path / "blobs" / hash.substr(0, 2) / hash.substr(2)));
    CHECK(blobs.get(hash) == bytes);

    CHECK(blobs.put(bytes) == hash);
    CHECK(files_under(dir.path / "blobs") == 1);  // no temp files left either

    const std::string empty_hash = blobs.put("");
    CHECK(blobs.get(empty_hash) == std::string{});
    CHECK(files_under(dir.path / "blobs") == 2);
}

TEST_CASE("getting an unknown or malformed hash finds nothing") {
    TempDir dir;
    FileBlobStore blobs{dir.path / "blobs"};
    CHECK_FALSE(blobs.get(sha256_hex("never stored")));
    CHECK_FALSE(blobs.get("../../etc/passwd"));
    CHECK_FALSE(blobs.get(""));
    std::string upper = sha256_hex("x");
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    blobs.put("x");
    CHECK_FALSE(blobs.get(upper));
}

TEST_CASE("threads putting the same and different blobs at once all succeed") {
    TempDir dir;
    FileBlobStore blobs{dir.path / "blobs"};
    std::vector<std::thread> threads;
    std::atomic<int> wrong{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 20; ++i) {
                const std::string same = "shared attachment";
                const std::string own = "thread " + std::to_string(t) + " blob " + std::to_string(i);
                if (blobs.get(blobs.put(same)) != same) ++wrong;
                if (blobs.get(blobs.put(own)) != own) ++wrong;
            }
        });
    }
    for (auto& th : threads) th.join();
    CHECK(wrong == 0);
    CHECK(files_under(dir.path / "blobs") == 81);
}
