#include "storage/sqlite_bulk_load.hpp"

#include "storage/sqlite_connection.hpp"
#include "storage/sqlite_tx.hpp"

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace triage::sqlite {
namespace {

// Indexes no write of an import reads: only list queries and per-ticket reads use them.
constexpr const char* kListIndexes =
    "'tickets_by_status', 'tickets_by_queue', 'tickets_by_channel', 'tickets_by_assignee', 'tickets_by_requester',"
    " 'tickets_open_by_assignee', 'messages_by_ticket', 'events_by_ticket', 'identities_by_customer'";

Connection& writer_connection(StoreTx& tx) {
    auto* writer = dynamic_cast<Tx*>(&tx);
    if (!writer) throw std::logic_error("bulk load: not the SQLite store's transaction");
    return writer->connection();
}

bool has_memory_table(Connection& c) {
    auto row = c.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'bulk_load_indexes'");
    return row.step();
}

std::size_t restore(Connection& c) {
    if (!has_memory_table(c)) return 0;
    std::vector<std::pair<std::string, std::string>> indexes;
    {
        auto rows = c.query("SELECT name, sql FROM bulk_load_indexes ORDER BY name");
        while (rows.step()) indexes.emplace_back(rows.text(0), rows.text(1));
    }
    for (const auto& [name, sql] : indexes) {
        auto exists = c.query("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?1");
        exists.bind_all(name);
        if (!exists.step()) c.exec(sql.c_str());
    }
    c.exec("DROP TABLE bulk_load_indexes");
    return indexes.size();
}

}  // namespace

std::size_t drop_bulk_load_indexes(StoreTx& tx) {
    auto& c = writer_connection(tx);
    c.exec("CREATE TABLE IF NOT EXISTS bulk_load_indexes (name TEXT PRIMARY KEY, sql TEXT NOT NULL) STRICT");
    std::vector<std::pair<std::string, std::string>> indexes;
    {
        auto rows = c.query(std::string("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN (") +
                            kListIndexes + ")");
        while (rows.step()) indexes.emplace_back(rows.text(0), rows.text(1));
    }
    for (const auto& [name, sql] : indexes) {
        auto remember = c.query("INSERT OR REPLACE INTO bulk_load_indexes (name, sql) VALUES (?1, ?2)");
        remember.bind_all(name, sql);
        remember.run();
        c.exec(("DROP INDEX " + name).c_str());
    }
    return indexes.size();
}

std::size_t restore_bulk_load_indexes(StoreTx& tx) { return restore(writer_connection(tx)); }

std::size_t restore_bulk_load_indexes(Connection& connection) {
    if (!has_memory_table(connection)) return 0;
    Transaction transaction{connection};
    auto n = restore(connection);
    transaction.commit();
    return n;
}

}  // namespace triage::sqlite
