#include "storage/sqlite_accounts.hpp"

#include "storage/json_columns.hpp"
#include "storage/sqlite_connection.hpp"

namespace triage {
namespace {

#define TRIAGE_USER_COLUMNS "u.id, u.name, u.role, u.queues, u.password_hash, u.language, u.agent_email, u.created_at"

std::int64_t ms(Timestamp t) { return t.time_since_epoch().count(); }
Timestamp at_ms(std::int64_t v) { return Timestamp{std::chrono::milliseconds{v}}; }

User read_user(sqlite::StatementUse& row, int first = 0) {
    User u;
    u.id = row.int64(first);
    u.name = row.text(first + 1);
    u.role = row.text(first + 2);
    u.queues = sqlite::decode_strings(row.text_view(first + 3));
    u.password_hash = row.text(first + 4);
    u.language = row.text(first + 5);
    u.agent_email = row.text(first + 6);
    u.created_at = at_ms(row.int64(first + 7));
    return u;
}

}  // namespace

SqliteAccounts::SqliteAccounts(const std::filesystem::path& db_path)
    : connection_(std::make_unique<sqlite::Connection>(db_path.string(), sqlite::Connection::Mode::read_write)) {
    connection_->exec("PRAGMA foreign_keys = ON");
}

SqliteAccounts::~SqliteAccounts() = default;

UserId SqliteAccounts::upsert_user(const User& user) {
    std::lock_guard lock(mutex_);
    const auto queues = sqlite::encode_strings(user.queues);
    auto row = connection_->query(
        "INSERT INTO users (name, role, queues, password_hash, language, agent_email, created_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        " ON CONFLICT (name) DO UPDATE SET role = excluded.role, queues = excluded.queues,"
        " password_hash = excluded.password_hash, language = excluded.language, agent_email = excluded.agent_email"
        " RETURNING id");
    row.bind_all(user.name, user.role, queues, user.password_hash, user.language, user.agent_email, ms(user.created_at));
    row.step();
    return row.int64(0);
}

std::optional<User> SqliteAccounts::user_by_name(std::string_view name) {
    std::lock_guard lock(mutex_);
    auto row = connection_->query("SELECT " TRIAGE_USER_COLUMNS " FROM users u WHERE u.name = ?1");
    row.bind_all(name);
    if (!row.step()) return std::nullopt;
    return read_user(row);
}

std::optional<User> SqliteAccounts::user(UserId id) {
    std::lock_guard lock(mutex_);
    auto row = connection_->query("SELECT " TRIAGE_USER_COLUMNS " FROM users u WHERE u.id = ?1");
    row.bind_all(id);
    if (!row.step()) return std::nullopt;
    return read_user(row);
}

std::vector<User> SqliteAccounts::users() {
    std::lock_guard lock(mutex_);
    auto row = connection_->query("SELECT " TRIAGE_USER_COLUMNS " FROM users u ORDER BY u.name");
    std::vector<User> out;
    while (row.step()) out.push_back(read_user(row));
    return out;
}

void SqliteAccounts::set_language(UserId id, std::string_view language) {
    std::lock_guard lock(mutex_);
    connection_->query("UPDATE users SET language = ?2 WHERE id = ?1").bind_all(id, language).run();
}

void SqliteAccounts::insert_session(const Session& s) {
    std::lock_guard lock(mutex_);
    connection_
        ->query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)")
        .bind_all(s.token_hash, s.user_id, s.csrf_token, ms(s.created_at), ms(s.expires_at))
        .run();
}

std::optional<std::pair<Session, User>> SqliteAccounts::session(std::string_view token_hash, Timestamp now) {
    std::lock_guard lock(mutex_);
    auto row = connection_->query(
        "SELECT s.token_hash, s.user_id, s.csrf_token, s.created_at, s.expires_at, " TRIAGE_USER_COLUMNS
        " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?1 AND s.expires_at > ?2");
    row.bind_all(token_hash, ms(now));
    if (!row.step()) return std::nullopt;
    Session s;
    s.token_hash = row.text(0);
    s.user_id = row.int64(1);
    s.csrf_token = row.text(2);
    s.created_at = at_ms(row.int64(3));
    s.expires_at = at_ms(row.int64(4));
    return std::pair{std::move(s), read_user(row, 5)};
}

void SqliteAccounts::delete_session(std::string_view token_hash) {
    std::lock_guard lock(mutex_);
    connection_->query("DELETE FROM sessions WHERE token_hash = ?1").bind_all(token_hash).run();
}

void SqliteAccounts::delete_expired_sessions(Timestamp now) {
    std::lock_guard lock(mutex_);
    connection_->query("DELETE FROM sessions WHERE expires_at <= ?1").bind_all(ms(now)).run();
}

}  // namespace triage
