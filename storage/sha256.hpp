// SHA-256 in lower-case hex (libsodium): names blobs in the BlobStore and hashes API tokens
// for storage. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace triage {

std::string sha256_hex(std::string_view bytes);

}  // namespace triage
