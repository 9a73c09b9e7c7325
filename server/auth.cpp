#include "server/auth.hpp"

#include "storage/sha256.hpp"

namespace triage::server {

Auth::Auth(Store& store) : store_(store) {}

std::optional<ApiToken> Auth::authenticate(std::string_view authorization) {
    constexpr std::string_view kScheme = "Bearer ";
    if (authorization.size() <= kScheme.size()) return std::nullopt;
    for (std::size_t i = 0; i < kScheme.size(); ++i)  // the scheme is case-insensitive (RFC 7235)
        if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
            std::tolower(static_cast<unsigned char>(kScheme[i])))
            return std::nullopt;
    auto token = authorization.substr(kScheme.size());
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    if (token.empty() || token.size() > 512) return std::nullopt;
    {
        std::lock_guard lock(mutex_);
        if (auto it = cache_.find(token); it != cache_.end()) return it->second;
    }
    auto found = store_.reader()->token_by_hash(sha256_hex(token));
    if (found) {
        std::lock_guard lock(mutex_);
        if (cache_.size() >= kCacheLimit) cache_.clear();
        cache_.emplace(std::string(token), *found);
    }
    return found;
}

void Auth::install(std::string_view name, std::string_view token, std::string_view role) {
    auto hash = sha256_hex(token);
    write_sync(store_, [&](StoreTx& tx) { tx.upsert_token(name, hash, role); });
    std::lock_guard lock(mutex_);
    cache_.clear();  // an older token of the same name must stop working
}

}  // namespace triage::server
