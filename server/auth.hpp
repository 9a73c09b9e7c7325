// Auth: bearer tokens for /api/. Tokens are stored only as SHA-256 hashes (they are long
// random secrets, so a fast hash is enough; passwords get Argon2id elsewhere). Valid tokens
// are cached in memory after the first look-up, so a request costs no hash and no query.
// Thread-safe: cache_ guarded by mutex_.
#pragma once

#include "engine/store.hpp"

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace triage::server {

class Auth {
public:
    explicit Auth(Store& store);

    // The token named by an "Authorization: Bearer …" header value, if it is valid.
    std::optional<ApiToken> authenticate(std::string_view authorization);

    // Stores `token` (hashed) under `name` with `role`; used for TRIAGE_ADMIN_TOKEN at start-up.
    void install(std::string_view name, std::string_view token, std::string_view role);

private:
    Store& store_;
    std::mutex mutex_;
    struct Hash : std::hash<std::string_view> {
        using is_transparent = void;
    };
    static constexpr std::size_t kCacheLimit = 4096;  // distinct valid tokens kept
    // token -> its row, only tokens found valid; in memory only (the database keeps hashes).
    // Guarded by mutex_.
    std::unordered_map<std::string, ApiToken, Hash, std::equal_to<>> cache_;
};

}  // namespace triage::server
