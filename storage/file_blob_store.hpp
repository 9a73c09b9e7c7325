// FileBlobStore: the BlobStore on a directory, one file per blob at <root>/ab/cdef... (hex
// SHA-256). Written to a temp file, fsynced, renamed into place, directory fsynced: a blob is
// absent or complete, never partial. Thread-safe.
#pragma once

#include "engine/blob_store.hpp"

#include <array>
#include <atomic>
#include <filesystem>

namespace triage {

class FileBlobStore final : public BlobStore {
public:
    // Creates `root` when missing; throws std::system_error when it cannot.
    explicit FileBlobStore(std::filesystem::path root);
    ~FileBlobStore() override;
    FileBlobStore(const FileBlobStore&) = delete;
    FileBlobStore& operator=(const FileBlobStore&) = delete;

    std::string put(std::string_view bytes) override;  // throws std::system_error on I/O failure
    // nullopt when absent or when `sha256` is not 64 lower-case hex digits.
    std::optional<std::string> get(std::string_view sha256) override;

    const std::filesystem::path& root() const noexcept { return root_; }

private:
    // The open descriptor of <root>/ab/, made on first use and kept: a put then costs no
    // mkdir, no directory open and shorter path walks (openat/renameat in it).
    int directory_fd(unsigned index, const std::filesystem::path& dir);

    std::filesystem::path root_;
    std::array<std::atomic<int>, 256> dir_fds_;  // -1 until opened; set once (compare-exchange)
};

}  // namespace triage
