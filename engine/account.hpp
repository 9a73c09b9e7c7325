// Accounts: the people (and integrations) who sign in — a User with a role and the queues
// they work, and the login Sessions of the web UI. Declared here, stored by storage/
// (SqliteAccounts). Secrets are never stored in clear: passwords as Argon2id strings,
// session tokens as SHA-256 hex. AccountStore is thread-safe.
#pragma once

#include "engine/clock.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace triage {

using UserId = std::int64_t;

struct User {
    UserId id = 0;
    std::string name;                 // login name, unique (case-insensitive)
    std::string role;                 // agent, supervisor, manager, admin
    std::vector<std::string> queues;  // the queues an agent works
    std::string password_hash;        // crypto_pwhash_str output; "" = cannot log in (token only)
    std::string language = "en";      // UI language: en, fi, et, lv
    std::string agent_email;          // the agent (assignee) this user is, if any
    Timestamp created_at{};
};

struct Session {
    std::string token_hash;  // SHA-256 hex of the cookie value
    UserId user_id = 0;
    std::string csrf_token;  // sent back in X-CSRF-Token on state-changing requests
    Timestamp created_at{};
    Timestamp expires_at{};  // UTC
};

class AccountStore {
public:
    virtual ~AccountStore() = default;

    // Inserts or replaces (by name) a user; returns its id.
    virtual UserId upsert_user(const User& user) = 0;
    virtual std::optional<User> user_by_name(std::string_view name) = 0;
    virtual std::optional<User> user(UserId id) = 0;
    virtual std::vector<User> users() = 0;
    virtual void set_language(UserId id, std::string_view language) = 0;

    virtual void insert_session(const Session& session) = 0;
    // The session and its user, when the session exists and has not expired at `now`.
    virtual std::optional<std::pair<Session, User>> session(std::string_view token_hash, Timestamp now) = 0;
    virtual void delete_session(std::string_view token_hash) = 0;
    virtual void delete_expired_sessions(Timestamp now) = 0;
};

}  // namespace triage
