// PendingBlob: bytes a channel has hashed (SHA-256, off the writer) and hands to a unit of
// work, which stores them in its own transaction (StoreTx::put_blob), so they become durable
// with the ticket change in one group commit. `bytes` is null when the blob was too large for
// the database and is already durable in a file. A plain value; the bytes are shared, never
// copied, and immutable, so copies of an Enquiry may cross threads.
#pragma once

#include <memory>
#include <string>

namespace triage {

struct PendingBlob {
    std::string sha256;                          // lower-case hex: the name messages use
    std::shared_ptr<const std::string> bytes;    // null: already durable elsewhere
};

}  // namespace triage
