// TieredBlobStore: the BlobStore of a data directory. Blobs up to `inline_limit` bytes live in
// the database's `blobs` table, written by the unit of work that names them (stage, then the
// unit's StoreTx::put_blob): durable with the ticket in one group commit, no file or fsync of
// their own. Larger blobs are FileBlobStore files (fsynced before the unit runs). Reads look in
// the table, then the files, so data directories from before the table still read.
// Thread-safe; `put` must not be called on the store's writer thread (it waits for a commit).
#pragma once

#include "engine/blob_store.hpp"
#include "engine/store.hpp"
#include "storage/file_blob_store.hpp"

#include <cstddef>
#include <filesystem>
#include <functional>

namespace triage {

// Largest blob kept in the database, bytes: a typical email, form post or attachment (the
// HTTP body limit is 1 MiB too); bigger ones are files, off the WAL.
inline constexpr std::size_t kInlineBlobLimit = std::size_t{1} << 20;

class TieredBlobStore final : public BlobStore {
public:
    // `store` must outlive this. Creates `files_root` when missing (throws std::system_error).
    TieredBlobStore(Store& store, std::filesystem::path files_root, std::size_t inline_limit = kInlineBlobLimit);

    // Durable on return: a small blob in a unit of its own (one commit), a large one a file.
    std::string put(std::string_view bytes) override;
    // Small: hashed here and returned with the bytes for the caller's unit. Large: a file now.
    PendingBlob stage(std::shared_ptr<const std::string> bytes) override;
    using BlobStore::stage;
    std::optional<std::string> get(std::string_view sha256) override;

    std::size_t inline_limit() const noexcept { return inline_limit_; }

    // Every blob of the data directory `data_dir` (triage.db's table, then the blobs/ files),
    // read without opening the store (another process may be using it); stops when `fn`
    // returns false. For tools and tests; throws when the database cannot be read.
    static void for_each_blob(const std::filesystem::path& data_dir,
                              const std::function<bool(std::string_view sha256, std::string_view bytes)>& fn);
    FileBlobStore& files() noexcept { return files_; }

private:
    Store& store_;
    FileBlobStore files_;
    const std::size_t inline_limit_;
};

}  // namespace triage
