// The full-text index file, its own writer thread, read-your-writes and crash recovery.
#include "storage/search_indexer.hpp"
#include "storage/sqlite_bulk_load.hpp"
#include "storage/sqlite_store.hpp"
#include "tests/support/triaged_process.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <future>
#include <thread>

using namespace triage;

namespace {

TicketId add_ticket(Store& store, const std::string& subject, const std::string& body) {
    return write_sync(store, [&](StoreTx& tx) {
        Customer c;
        c.name = "Asiakas";
        tx.insert_customer(c);
        Ticket t;
        t.subject = subject;
        t.queue = "support";
        t.language = "fi";
        t.requester_id = c.id;
        tx.insert_ticket(t);
        Message m;
        m.ticket_id = t.id;
        m.body = body;
        tx.insert_message(m);
        return t.id;
    });
}

std::size_t count_matches(Store& store, const std::string& text) {
    TicketQuery q;
    q.text = text;
    q.limit = 200;
    return store.reader()->tickets(q).tickets.size();
}

void run_sql(const std::filesystem::path& db, const char* sql) {
    sqlite3* handle = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &handle) == SQLITE_OK);
    char* error = nullptr;
    int rc = sqlite3_exec(handle, sql, nullptr, nullptr, &error);
    INFO((error ? error : ""));
    sqlite3_free(error);
    sqlite3_close(handle);
    REQUIRE(rc == SQLITE_OK);
}

}  // namespace

TEST_CASE("a search right after a write finds it while other writes pour in") {
    auto store = SqliteStore::open_in_memory();
    std::atomic<bool> stop{false};
    std::thread noise([&] {
        for (int i = 0; !stop && i < 5000; ++i)
            store->post_write([](StoreTx& tx) {
                Customer c;
                tx.insert_customer(c);
                Ticket t;
                t.subject = "Päivitys epäonnistui";
                t.queue = "support";
                t.requester_id = c.id;
                tx.insert_ticket(t);
                return true;
            }, nullptr);
    });
    for (int i = 0; i < 20; ++i) {
        const std::string word = "ainutlaatuinen" + std::to_string(i);
        add_ticket(*store, "Kysymys " + word, "Tämä viesti on " + word);
        CHECK(count_matches(*store, word) == 1);
    }
    stop = true;
    noise.join();
}

TEST_CASE("rows the index missed before a crash are indexed at the next open") {
    test::TempDir dir;
    const auto db = dir.path() / "triage.db";
    {
        auto store = SqliteStore::open(db);
        add_ticket(*store, "Lasku puuttuu", "Hei, en ole saanut laskua");
        add_ticket(*store, "Arve puudub", "Tere, ma ei saanud arvet");
        add_ticket(*store, "Rēķins nav saņemts", "Labdien, nesaņēmu rēķinu");
        CHECK(count_matches(*store, "lasku") == 1);
    }
    // As if the process died after the main commit and before the index caught up.
    run_sql(sqlite::SearchIndexer::path_for(db),
            "INSERT INTO ticket_text (ticket_text) VALUES ('delete-all');"
            "UPDATE search_watermark SET message_id = 0, ticket_id = 0");
    {
        auto store = SqliteStore::open(db);
        CHECK(count_matches(*store, "lasku") == 1);
        CHECK(count_matches(*store, "rekins") == 1);
        CHECK(count_matches(*store, "TERE") == 1);
    }
    // A complete index is left alone: opening again adds nothing twice.
    auto store = SqliteStore::open(db);
    CHECK(count_matches(*store, "laskua") == 1);
}

TEST_CASE("rows indexed while another process holds the index file longer than the busy timeout are searchable once it lets go") {
    test::TempDir dir;
    const auto db = dir.path() / "triage.db";
    auto store = SqliteStore::open(db, SqliteOptions{false, 1024, 1});
    add_ticket(*store, "Lasku puuttuu", "Hei");
    REQUIRE(count_matches(*store, "lasku") == 1);

    // Another process's writer (say, the CLI importing) holds the search file's write lock
    // for longer than the indexer's 5 s busy timeout.
    sqlite3* other = nullptr;
    REQUIRE(sqlite3_open(sqlite::SearchIndexer::path_for(db).c_str(), &other) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
    add_ticket(*store, "Arve puudub", "Tere");  // committed; its index rows wait for the lock
    std::this_thread::sleep_for(std::chrono::milliseconds(6500));
    REQUIRE(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(other);

    // The indexer tries again after its pause: the row is found without a restart.
    std::size_t found = 0;
    for (int i = 0; i < 100 && found == 0; ++i) {
        found = count_matches(*store, "arve");
        if (found == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(found == 1);
}

TEST_CASE("the writer's open batch leaves the search file free for the indexer: only main is write-locked") {
    test::TempDir dir;
    const auto db = dir.path() / "triage.db";
    auto store = SqliteStore::open(db, SqliteOptions{false, 1024, 1});
    add_ticket(*store, "Lasku puuttuu", "Hei");
    // A schema change (as a bulk import's index drop makes) has SQLite prepare the writer's
    // statements again, now with the search file attached: a BEGIN IMMEDIATE would lock it.
    write_sync(*store, [](StoreTx& tx) {
        sqlite::drop_bulk_load_indexes(tx);
        sqlite::restore_bulk_load_indexes(tx);
    });
    // A unit that holds the writer's transaction open until the checks below are done.
    std::promise<void> inside, release;
    auto held = std::async(std::launch::async, [&] {
        write_sync(*store, [&](StoreTx&) {
            inside.set_value();
            release.get_future().wait();
        });
    });
    inside.get_future().wait();
    auto try_lock = [](const std::filesystem::path& file) {
        sqlite3* other = nullptr;
        REQUIRE(sqlite3_open(file.c_str(), &other) == SQLITE_OK);
        const int rc = sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);  // no busy timeout
        if (rc == SQLITE_OK) sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
        sqlite3_close(other);
        return rc;
    };
    CHECK(try_lock(sqlite::SearchIndexer::path_for(db)) == SQLITE_OK);  // the indexer could write now
    CHECK(try_lock(db) == SQLITE_BUSY);                                  // main is the writer's
    release.set_value();
    held.get();
}
