// SqliteAccounts: AccountStore on the main SQLite file (tables from the users migration),
// over its own connection: logins are rare and small, so they stay off the ticket writer's
// group-commit path and wait on SQLite's busy timeout instead. Thread-safe: one mutex
// guards the connection.
#pragma once

#include "engine/account.hpp"

#include <filesystem>
#include <memory>
#include <mutex>

namespace triage {

namespace sqlite {
class Connection;
}

class SqliteAccounts final : public AccountStore {
public:
    // The database must exist and be migrated (SqliteStore::open does that).
    explicit SqliteAccounts(const std::filesystem::path& db_path);
    ~SqliteAccounts() override;

    UserId upsert_user(const User& user) override;
    std::optional<User> user_by_name(std::string_view name) override;
    std::optional<User> user(UserId id) override;
    std::vector<User> users() override;
    void set_language(UserId id, std::string_view language) override;

    void insert_session(const Session& session) override;
    std::optional<std::pair<Session, User>> session(std::string_view token_hash, Timestamp now) override;
    void delete_session(std::string_view token_hash) override;
    void delete_expired_sessions(Timestamp now) override;

private:
    std::mutex mutex_;
    std::unique_ptr<sqlite::Connection> connection_;  // guarded by mutex_
};

}  // namespace triage
