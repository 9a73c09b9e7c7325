#include "storage/sqlite_connection.hpp"

#include <sqlite3.h>

#include <cassert>

namespace triage::sqlite {
namespace {

// Long enough to ride out a checkpoint or another process's short write; short enough
// that a wedged database shows up as an error instead of a hang.
constexpr int kBusyTimeoutMs = 5000;

[[noreturn]] void fail(sqlite3* db, int code, std::string_view doing) {
    std::string what{doing};
    what += ": ";
    what += db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    throw Error{db ? sqlite3_extended_errcode(db) : code, what};
}

// Process-wide settings, before SQLite initialises itself on the first open. Without
// memory statistics SQLite takes no global mutex on each allocation, which was ~10% of the
// writer's time. If something initialised SQLite first the call fails harmlessly and
// SQLite keeps its defaults.
void configure_sqlite_once() {
    static const bool configured = [] {
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        return true;
    }();
    (void)configured;
}

std::string_view abbreviated(std::string_view sql) {
    constexpr std::size_t kMax = 120;
    return sql.size() <= kMax ? sql : sql.substr(0, kMax);
}

}  // namespace

Error::Error(int code, const std::string& what) : std::runtime_error{what}, code_{code} {}

bool Error::is_constraint() const noexcept { return (code_ & 0xff) == SQLITE_CONSTRAINT; }

// ---- Statement

Statement::Statement(sqlite3* db, std::string_view sql) : db_{db} {
    int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_,
                                nullptr);
    if (rc != SQLITE_OK) fail(db, rc, "preparing \"" + std::string{abbreviated(sql)} + "\"");
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::bind(int index, std::int64_t value) {
    if (int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK) fail(db_, rc, "binding");
}

void Statement::bind(int index, std::string_view value) {
    // SQLITE_STATIC: no copy. Safe because StatementUse clears bindings on reset and callers
    // bind values that outlive the step. A null data() (a default string_view) would bind
    // SQL NULL, not ''.
    const char* data = value.data() ? value.data() : "";
    if (int rc = sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_STATIC, SQLITE_UTF8); rc != SQLITE_OK)
        fail(db_, rc, "binding");
}

void Statement::bind_blob(int index, std::string_view bytes) {
    const char* data = bytes.data() ? bytes.data() : "";  // a zero-length BLOB, not NULL
    if (int rc = sqlite3_bind_blob64(stmt_, index, data, bytes.size(), SQLITE_STATIC); rc != SQLITE_OK)
        fail(db_, rc, "binding");
}

void Statement::bind_null(int index) {
    if (int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK) fail(db_, rc, "binding");
}

bool Statement::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, rc, "running \"" + std::string{abbreviated(sqlite3_sql(stmt_))} + "\"");
}

void Statement::reset() noexcept {
    // The error code of reset repeats the step's, which step() already reported.
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::int64_t Statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::optional<std::int64_t> Statement::optional_int64(int column) const {
    if (is_null(column)) return std::nullopt;
    return int64(column);
}

std::string_view Statement::text_view(int column) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    if (!p) return {};
    return {p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

std::string_view Statement::blob_view(int column) const {
    auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
    if (!p) return {};
    return {p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
}

// ---- StatementUse

StatementUse::StatementUse(Statement& statement) : statement_{statement} {
    assert(!statement.in_use_ && "a cached statement used re-entrantly");
    statement_.in_use_ = true;
}

StatementUse::~StatementUse() {
    statement_.reset();
    statement_.in_use_ = false;
}

void StatementUse::run() {
    while (statement_.step()) {
    }
}

// ---- Connection

Connection::Connection(const std::string& path, Mode mode) : path_{path} {
    configure_sqlite_once();
    // NOMUTEX: each connection is confined to one thread at a time, so SQLite's own
    // per-connection mutex would only cost time.
    int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    flags |= mode == Mode::read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string what = "cannot open database " + path + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
        int code = db_ ? sqlite3_extended_errcode(db_) : rc;
        sqlite3_close(db_);
        throw Error{code, what};
    }
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
}

Connection::~Connection() {
    statements_.clear();  // finalize before close, or close fails with SQLITE_BUSY
    sqlite3_close(db_);
}

void Connection::exec(const char* sql) {
    if (int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); rc != SQLITE_OK)
        fail(db_, rc, "running \"" + std::string{abbreviated(sql)} + "\"");
}

Statement& Connection::prepare(std::string_view sql) {
    if (auto known = by_address_.find(sql.data()); known != by_address_.end() && *known->second.sql == sql)
        return *known->second.statement;
    auto it = statements_.find(sql);
    if (it == statements_.end()) it = statements_.emplace(std::string{sql}, std::make_unique<Statement>(db_, sql)).first;
    if (by_address_.size() >= 4096) by_address_.clear();  // texts built at run time: keep it bounded
    by_address_[sql.data()] = Known{&it->first, it->second.get()};
    return *it->second;
}

std::int64_t Connection::query_int64(const char* sql) {
    Statement statement{db_, sql};
    StatementUse use{statement};
    if (!use.step()) throw Error{SQLITE_ERROR, std::string{"no row from \""} + sql + "\""};
    return use.int64(0);
}

std::int64_t Connection::last_insert_rowid() const noexcept { return sqlite3_last_insert_rowid(db_); }

std::int64_t Connection::total_changes() const noexcept { return sqlite3_total_changes64(db_); }

std::int64_t Connection::changes() const noexcept { return sqlite3_changes64(db_); }

bool Connection::autocommit() const noexcept { return sqlite3_get_autocommit(db_) != 0; }

// ---- Transaction

Transaction::Transaction(Connection& connection, Lock lock) : connection_{connection} {
    if (lock == Lock::every_database) {
        connection_.query("BEGIN IMMEDIATE").run();
        return;
    }
    // A deferred BEGIN whose first statement writes main (a no-op on the schema's tickets
    // table), so main's write lock is taken at once, as IMMEDIATE would, before anything is
    // read, and no other database's is.
    connection_.query("BEGIN").run();
    try {
        connection_.query("UPDATE main.tickets SET id = id WHERE 0").run();
    } catch (...) {
        sqlite3_exec(connection_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

Transaction::~Transaction() {
    // After some errors (I/O, disk full) SQLite has already rolled back; rolling back again
    // would only fail. A ROLLBACK that fails leaves nothing to do: the changes are not committed.
    if (open_ && !connection_.autocommit()) sqlite3_exec(connection_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
    connection_.query("COMMIT").run();
    open_ = false;
}

// ---- Savepoint

Savepoint::Savepoint(Connection& connection) : connection_{connection} {
    connection_.query("SAVEPOINT unit").run();
}

Savepoint::~Savepoint() {
    // Reached with the savepoint open only while an exception unwinds to the enclosing
    // Transaction, which rolls everything back; so a failure here loses nothing.
    if (open_ && !connection_.autocommit())
        sqlite3_exec(connection_.handle(), "ROLLBACK TO unit; RELEASE unit", nullptr, nullptr, nullptr);
}

void Savepoint::release() {
    connection_.query("RELEASE unit").run();
    open_ = false;
}

void Savepoint::rollback() {
    connection_.query("ROLLBACK TO unit").run();
    connection_.query("RELEASE unit").run();
    open_ = false;
}

ForeignKeysOff::ForeignKeysOff(Connection& c) : db_{c.handle()} {
    int was = 0;
    sqlite3_db_config(db_, SQLITE_DBCONFIG_ENABLE_FKEY, -1, &was);  // -1: query only
    if (!was) {
        db_ = nullptr;  // off already: nothing to restore
        return;
    }
    int now = 1;
    sqlite3_db_config(db_, SQLITE_DBCONFIG_ENABLE_FKEY, 0, &now);
    if (now) throw std::runtime_error{"foreign keys could not be switched off"};
}

ForeignKeysOff::~ForeignKeysOff() {
    if (!db_) return;
    int now = 0;
    sqlite3_db_config(db_, SQLITE_DBCONFIG_ENABLE_FKEY, 1, &now);
}

}  // namespace triage::sqlite
