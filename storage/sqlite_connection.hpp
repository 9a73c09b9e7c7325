// SQLite plumbing for storage/: a Connection that prepares each SQL text once and reuses it,
// a StatementUse guard that resets the statement after each query, and Transaction /
// Savepoint objects that roll back unless committed. Not thread-safe: one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace triage::sqlite {

// A failed SQLite call: the extended result code and SQLite's message.
class Error : public std::runtime_error {
public:
    Error(int code, const std::string& what);
    int code() const noexcept { return code_; }  // extended result code, e.g. SQLITE_CONSTRAINT_UNIQUE
    bool is_constraint() const noexcept;

private:
    int code_;
};

class Statement {
public:
    Statement(sqlite3* db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Text is bound without a copy: the bytes must stay alive until the statement is reset.
    void bind(int index, std::int64_t value);
    void bind(int index, int value) { bind(index, static_cast<std::int64_t>(value)); }
    void bind(int index, std::string_view value);
    void bind(int index, const std::string& value) { bind(index, std::string_view{value}); }
    void bind(int index, const char* value) { bind(index, std::string_view{value}); }
    void bind_null(int index);
    void bind_blob(int index, std::string_view bytes);  // as a BLOB, not text; no copy either
    template <class T>
    void bind(int index, const std::optional<T>& value) {
        if (value) bind(index, *value);
        else bind_null(index);
    }

    bool step();  // true when a row is ready, false when done; throws Error
    void reset() noexcept;  // also clears bindings, so no stale pointer outlives its bytes

    bool is_null(int column) const;
    std::int64_t int64(int column) const;
    std::optional<std::int64_t> optional_int64(int column) const;
    std::string_view text_view(int column) const;  // valid until the next step or reset
    std::string text(int column) const { return std::string{text_view(column)}; }
    std::string_view blob_view(int column) const;  // a BLOB's bytes; valid until the next step or reset

private:
    friend class StatementUse;
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
    bool in_use_ = false;  // a cached statement is never used re-entrantly
};

// One use of a cached statement: binds, steps, and resets it on scope exit so the
// connection holds no read snapshot between queries.
class StatementUse {
public:
    explicit StatementUse(Statement& statement);
    ~StatementUse();
    StatementUse(const StatementUse&) = delete;
    StatementUse& operator=(const StatementUse&) = delete;

    template <class... Args>
    StatementUse& bind_all(const Args&... args) {
        int index = 1;
        (statement_.bind(index++, args), ...);
        return *this;
    }
    template <class T>
    StatementUse& bind(int index, const T& value) {
        statement_.bind(index, value);
        return *this;
    }
    bool step() { return statement_.step(); }
    void run();  // steps to completion, for statements that return no rows

    bool is_null(int column) const { return statement_.is_null(column); }
    std::int64_t int64(int column) const { return statement_.int64(column); }
    std::optional<std::int64_t> optional_int64(int column) const { return statement_.optional_int64(column); }
    std::string_view text_view(int column) const { return statement_.text_view(column); }
    std::string text(int column) const { return statement_.text(column); }
    std::string_view blob_view(int column) const { return statement_.blob_view(column); }
    StatementUse& bind_blob(int index, std::string_view bytes) {
        statement_.bind_blob(index, bytes);
        return *this;
    }

private:
    Statement& statement_;
};

class Connection {
public:
    enum class Mode { read_write, read_only };

    // Opens (read_write: creates) the database at `path`; throws Error naming the path.
    Connection(const std::string& path, Mode mode);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    sqlite3* handle() const noexcept { return db_; }
    const std::string& path() const noexcept { return path_; }

    // Runs one or more statements that return nothing useful (DDL, pragmas), uncached.
    void exec(const char* sql);
    // The cached statement for `sql`, prepared on first use.
    Statement& prepare(std::string_view sql);
    StatementUse query(std::string_view sql) { return StatementUse{prepare(sql)}; }
    std::int64_t query_int64(const char* sql);  // first column of the first row, uncached

    std::int64_t last_insert_rowid() const noexcept;
    std::int64_t changes() const noexcept;  // rows changed by the last statement, triggers excluded
    std::int64_t total_changes() const noexcept;  // rows changed since the connection opened, triggers included
    bool autocommit() const noexcept;        // true when no transaction is open

private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    sqlite3* db_ = nullptr;
    std::string path_;
    std::unordered_map<std::string, std::unique_ptr<Statement>, Hash, std::equal_to<>> statements_;
    // Most SQL texts are literals, the same address every call: looked up by address and
    // checked by comparing the text, they skip hashing a few hundred bytes on every prepare.
    struct Known {
        const std::string* sql;  // a key of statements_ (stable: the map is node-based)
        Statement* statement;
    };
    std::unordered_map<const char*, Known> by_address_;
};

// A write transaction that takes its write lock at once, so a busy database fails here, not mid-way.
class Transaction {
public:
    // What the transaction write-locks from its start. BEGIN IMMEDIATE takes every attached
    // database's write lock; main_only takes main's alone (the writer, whose attached
    // search database is written only by the search indexer's own connection).
    enum class Lock { every_database, main_only };
    explicit Transaction(Connection& connection, Lock lock = Lock::every_database);
    ~Transaction();  // rolls back unless committed
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Connection& connection_;
    bool open_ = true;
};

// A savepoint inside an open transaction: one unit of work's writes.
class Savepoint {
public:
    explicit Savepoint(Connection& connection);
    ~Savepoint();  // rolls back unless released; best effort, see the definition
    Savepoint(const Savepoint&) = delete;
    Savepoint& operator=(const Savepoint&) = delete;
    void release();   // keeps the writes
    void rollback();  // undoes the writes; throws when SQLite cannot

private:
    Connection& connection_;
    bool open_ = true;
};

// Foreign-key checks off on `c` for this scope, on again at its end (when they were on).
// sqlite3_db_config, unlike PRAGMA foreign_keys, also works inside a transaction; no
// constraint is deferred (none is DEFERRABLE), so no violation counter is pending across
// the switch. Throws when SQLite keeps them on.
class ForeignKeysOff {
public:
    explicit ForeignKeysOff(Connection& c);
    ~ForeignKeysOff();
    ForeignKeysOff(const ForeignKeysOff&) = delete;
    ForeignKeysOff& operator=(const ForeignKeysOff&) = delete;
    bool were_on() const noexcept { return db_ != nullptr; }

private:
    sqlite3* db_;
};

}  // namespace triage::sqlite
