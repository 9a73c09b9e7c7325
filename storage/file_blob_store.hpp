// FileBlobStore: the BlobStore on a directory, one file per blob at <root>/ab/cdef... (hex
// SHA-256). Written to a temp file, fsynced, renamed into place, directory fsynced: a blob is
// absent or complete, never partial. Thread-safe.
#pragma once

#include "engine/blob_store.hpp"

#include <filesystem>

namespace triage {

class FileBlobStore final : public BlobStore {
public:
    // Creates `root` when missing; throws std::system_error when it cannot.
    explicit FileBlobStore(std::filesystem::path root);

    std::string put(std::string_view bytes) override;  // throws std::system_error on I/O failure
    // nullopt when absent or when `sha256` is not 64 lower-case hex digits.
    std::optional<std::string> get(std::string_view sha256) override;

    const std::filesystem::path& root() const noexcept { return root_; }

private:
    std::filesystem::path root_;
};

}  // namespace triage
