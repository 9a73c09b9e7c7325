// BlobStore: raw inbound bytes and attachments, content-addressed by SHA-256. Putting the
// same bytes twice stores them once. `put` returns only after the bytes are durable, so a
// message may reference the hash in a later transaction; `stage` instead leaves small blobs
// to the caller's unit of work (engine/pending_blob.hpp). Thread-safe.
#pragma once

#include "engine/pending_blob.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace triage {

class BlobStore {
public:
    virtual ~BlobStore() = default;
    virtual std::string put(std::string_view bytes) = 0;  // returns the lower-case hex SHA-256
    virtual std::optional<std::string> get(std::string_view sha256) = 0;

    // Hashes `bytes` for a unit of work that will name them: either returns them pending, for
    // the unit to store in its transaction (StoreTx::put_blob; nothing is durable until it
    // commits), or stores them durably now and returns no bytes. Call off the writer thread.
    // `bytes` is shared, not copied: the caller may go on reading it (parsing, OCR).
    virtual PendingBlob stage(std::shared_ptr<const std::string> bytes) { return {put(*bytes), nullptr}; }
    PendingBlob stage(std::string bytes) { return stage(std::make_shared<const std::string>(std::move(bytes))); }
};

}  // namespace triage
