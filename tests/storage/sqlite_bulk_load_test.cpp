// Bulk load: the list indexes a large import drops come back exactly as the schema made them,
// at the end of the load and, after a crash mid-load, when the store is opened again.
#include "storage/sqlite_bulk_load.hpp"

#include "server/ticket_import_json.hpp"
#include "storage/sqlite_connection.hpp"
#include "storage/sqlite_store.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <sstream>

using namespace triage;
namespace fs = std::filesystem;

namespace {

struct Dir {
    fs::path path;
    Dir() {
        static std::atomic<int> next{0};
        path = fs::temp_directory_path() / ("triage-bulk-test-" + std::to_string(::getpid()) + "-" + std::to_string(next++));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~Dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

// Every index of the database: name -> its CREATE statement.
std::map<std::string, std::string> indexes(const fs::path& db) {
    sqlite::Connection c{db.string(), sqlite::Connection::Mode::read_only};
    std::map<std::string, std::string> out;
    auto rows = c.query("SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'index'"
                        " AND tbl_name <> 'bulk_load_indexes'");
    while (rows.step()) out[rows.text(0)] = rows.text(1);
    return out;
}

std::string history(int n) {
    std::string out;
    for (int i = 1; i <= n; ++i)
        out += fmt::format(
            R"({{"external_id":"b{}","channel":"email","subject":"Lasku {}","body":"Hei","requester":{{"name":"A","email":"a{}@example.fi"}},"queue":"billing","created_at":"2026-11-02T06:00:00Z","status":"open"}})"
            "\n",
            i, i, i % 50);
    return out;
}

}  // namespace

TEST_CASE("a large import drops the list indexes and builds them again as the schema made them") {
    Dir dir;
    const auto db = dir.path / "triage.db";
    auto store = SqliteStore::open(db, SqliteOptions{.durable = false});
    const auto before = indexes(db);
    REQUIRE(before.contains("tickets_by_requester"));
    REQUIRE(before.contains("messages_by_ticket"));
    std::istringstream in(history(300));
    std::size_t during = 0;
    // Units of 100 tickets; bulk from 200: the indexes go after the second unit is read.
    auto summary = server::import_jsonl(*store, in, 100, {}, [&] {
        during = std::max(during, before.size() - indexes(db).size());
    }, 1, 200);
    CHECK(summary.imported == 300);
    CHECK(during == 2);  // the tickets' status and requester indexes were gone meanwhile (tickets_list stays)
    CHECK(indexes(db) == before);
    // Idempotent on re-import, and the lists work on the rebuilt indexes.
    std::istringstream again(history(300));
    CHECK(server::import_jsonl(*store, again, 100, {}, {}, 16, 200).duplicates == 300);
    TicketQuery q;
    q.queue = "billing";
    q.limit = 5;
    CHECK(store->reader()->tickets(q).tickets.front().id == 300);
    CHECK(indexes(db) == before);
}

TEST_CASE("a store opened after a bulk load stopped half-way has its list indexes back") {
    Dir dir;
    const auto db = dir.path / "triage.db";
    std::map<std::string, std::string> before;
    {
        auto store = SqliteStore::open(db, SqliteOptions{.durable = false});
        before = indexes(db);
        CHECK(write_sync(*store, [](StoreTx& tx) { return sqlite::drop_bulk_load_indexes(tx); }) == 2);
        const auto during = indexes(db);
        CHECK(during.size() == before.size() - 2);
        CHECK(!during.contains("tickets_by_requester"));
        CHECK(during.contains("tickets_list"));  // an import appends to it too
        CHECK(during.contains("messages_by_ticket"));  // an import appends to it: kept up row by row
        CHECK(during.contains("identities_by_customer"));
    }  // as if the import died here
    {
        // A load cut off under an older schema may remember an index a migration has since
        // replaced (tickets_by_queue became part of tickets_list): it does not come back.
        sqlite::Connection c{db.string(), sqlite::Connection::Mode::read_write};
        c.exec("INSERT INTO bulk_load_indexes (name, sql) VALUES"
               " ('tickets_by_queue', 'CREATE INDEX tickets_by_queue ON tickets(queue, id DESC)')");
    }
    auto store = SqliteStore::open(db, SqliteOptions{.durable = false});
    CHECK(indexes(db) == before);
    CHECK(!indexes(db).contains("tickets_by_queue"));
}
