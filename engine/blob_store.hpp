// BlobStore: raw inbound bytes and attachments, content-addressed by SHA-256. Putting the
// same bytes twice stores them once. `put` returns only after the bytes are durable, so a
// message may reference the hash in a later transaction. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace triage {

class BlobStore {
public:
    virtual ~BlobStore() = default;
    virtual std::string put(std::string_view bytes) = 0;  // returns the lower-case hex SHA-256
    virtual std::optional<std::string> get(std::string_view sha256) = 0;
};

}  // namespace triage
