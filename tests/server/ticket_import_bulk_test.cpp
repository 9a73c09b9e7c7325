// Bulk import (TicketImporter + sqlite::insert_import_rows): the rows it writes are the rows
// the ticket-by-ticket path (import_ticket) writes, across unit boundaries, with duplicates
// and bad lines inside a unit, into an empty store and into one that already has customers,
// and when another writer changes the store between two of its units.
#include "engine/ticket_import.hpp"
#include "server/ticket_import_json.hpp"
#include "storage/sqlite_bulk_load.hpp"
#include "storage/sqlite_connection.hpp"
#include "storage/sqlite_store.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <sstream>
#include <unordered_map>
#include <string>
#include <vector>

using namespace triage;
using namespace triage::server;

namespace {

std::string line(int n, const std::string& requester, const std::string& extra = "") {
    return fmt::format(
        R"({{"external_id":"x{}","channel":"email","subject":"Lasku {}","body":"Hei, lasku {} puuttuu.","requester":{{{}}},"queue":"billing","created_at":"2026-11-02T06:{:02}:00Z","status":"open"{}}})",
        n, n, n, requester, n % 60, extra);
}

// Twelve lines for units of three: customers met again in later units, an email and a phone
// joined on one customer, a duplicate inside one unit and one across units, a bad line
// inside a unit, escalations and a referral, an assignee.
std::vector<std::string> history() {
    return {
        line(1, R"("name":"Aino","email":"aino@example.fi")"),
        line(2, R"("name":"Bea","phone":"+358401111111")"),
        line(3, R"("name":"Aino","email":"AINO@example.fi","phone":"+358402222222")", R"(,"assignee":"kadri@triage.example")"),
        line(4, R"("name":"Cecilia","email":"cecilia@example.fi","organisation":"Tamm OÜ","tier":"premium")"),
        line(4, R"("name":"Cecilia","email":"cecilia@example.fi")"),  // duplicate inside the unit
        R"({"external_id":"bad","created_at":"yesterday"})",           // bad line inside the unit
        line(5, R"("name":"Bea","phone":"+358401111111","email":"bea@example.fi")",
             R"(,"tier":"external","escalations":[{"at":"2026-11-02T07:00:00Z","tier":"l2","reason":"complexity"},{"at":"2026-11-02T08:00:00Z","tier":"external"}],"referral":{"partner":"Tīkls SIA","outcome":"completed"})"),
        line(6, R"("name":"Aino","phone":"+358402222222")"),
        line(1, R"("name":"Aino","email":"aino@example.fi")"),  // duplicate across units
        line(7, R"("name":"Dan","email":"dan@example.com")", R"(,"assignee":"kadri@triage.example","tags":["billing"])"),
        line(8, R"("name":"Eve","email":"eve@example.com")"),
        line(9, R"("name":"Dan","email":"dan@example.com")"),
    };
}

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

// Every row a history import writes, table by table, in a stable order.
std::string dump(SqliteStore& store) {
    store.stop();
    sqlite::Connection c{store.path().string(), sqlite::Connection::Mode::read_only};
    std::string out;
    const std::pair<const char*, int> tables[] = {
        {"SELECT id, name, organisation, tier, preferred_language, created_at FROM customers ORDER BY id", 6},
        {"SELECT kind, value, customer_id FROM identities ORDER BY kind, value", 3},
        {"SELECT id, subject, status, priority, queue, category, tags, language, channel, requester_id,"
         " coalesce(assignee_id, 0), tier, created_at, updated_at, coalesce(solved_at, 0) FROM tickets ORDER BY id",
         15},
        {"SELECT id, ticket_id, kind, author_kind, author_id, author_name, channel, body, created_at FROM messages"
         " ORDER BY id",
         9},
        {"SELECT id, ticket_id, at, actor, type, changes, detail FROM events ORDER BY id", 7},
        {"SELECT external_id, ticket_id, replies FROM ticket_imports ORDER BY external_id", 3},
        {"SELECT id, name, email FROM agents ORDER BY id", 3},
        {"SELECT name, seq FROM sqlite_sequence ORDER BY name", 2},
    };
    for (const auto& [sql, columns] : tables) {
        auto rows = c.query(sql);
        while (rows.step()) {
            for (int i = 0; i < columns; ++i) out += std::string(rows.text_view(i)) + "|";
            out += '\n';
        }
        out += "--\n";
    }
    return out;
}

// The reference: the same lines through import_ticket, one ticket at a time, one unit each.
std::string reference_dump(const std::vector<std::string>& lines) {
    auto store = SqliteStore::open_in_memory();
    std::unordered_map<std::string, AgentId> agents;
    for (const auto& l : lines) {
        auto parsed = parse_historical_ticket(l);
        if (!parsed) continue;
        write_sync(*store, [&](StoreTx& tx) { return import_ticket(tx, *parsed, agents).has_value(); });
    }
    return dump(*store);
}

// One unit of the bulk import as the CLI's writer runs it: rows numbered by `importer`
// and inserted; a refused unit makes the importer forget what it remembered.
auto import_unit(SqliteStore& store, TicketImporter& importer, const std::vector<std::string>& lines) {
    std::vector<ImportDraft> drafts;
    for (const auto& l : lines) drafts.push_back(*draft_of(*parse_historical_ticket(l)));
    return write_sync(store, [&](StoreTx& tx) {
        ImportRows rows;
        auto outcomes = importer.rows_of(tx, drafts, sqlite::next_import_ids(tx), rows);
        try {
            sqlite::insert_import_rows(tx, rows);
        } catch (...) {
            importer.forget();
            throw;
        }
        return outcomes;
    });
}

}  // namespace

TEST_CASE("a bulk import in units of three writes the rows a ticket-by-ticket import writes") {
    const auto lines = history();
    const auto expected = reference_dump(lines);
    for (std::size_t batch : {1, 3, 4096}) {
        CAPTURE(batch);
        auto store = SqliteStore::open_in_memory();
        std::istringstream in(joined(lines));
        auto summary = import_jsonl(*store, in, batch, {}, {}, 16, 2);  // bulk from two tickets
        CHECK(summary.imported == 9);
        CHECK(summary.duplicates == 2);
        REQUIRE(summary.problems.size() == 1);
        CHECK(summary.problems[0].line == 6);
        CHECK(dump(*store) == expected);
    }
}

TEST_CASE("a bulk import into a store that has customers and imports finds them instead of adding them") {
    auto lines = history();
    const auto expected = reference_dump(lines);
    auto store = SqliteStore::open_in_memory();
    {
        std::vector<std::string> first(lines.begin(), lines.begin() + 4);
        std::istringstream in(joined(first));
        CHECK(import_jsonl(*store, in, 2).imported == 4);
    }
    std::istringstream in(joined(lines));
    auto summary = import_jsonl(*store, in, 3, {}, {}, 16, 2);
    CHECK(summary.imported == 5);
    CHECK(summary.duplicates == 6);
    CHECK(dump(*store) == expected);
}

TEST_CASE("the importer asks the store again when another writer changed it between its units") {
    auto store = SqliteStore::open_in_memory();
    TicketImporter importer;
    auto unit = [&](const std::vector<std::string>& lines) { return import_unit(*store, importer, lines); };
    auto email = [](const char* address) { return normalise_identity(IdentityKind::email, address); };
    const auto first = unit({line(1, R"("name":"Aino","email":"aino@example.fi")")});
    REQUIRE(first.size() == 1);
    const auto aino = store->reader()->ticket(first[0].id)->requester_id;

    // An identity added to a known customer changes no next id: into an empty store the
    // importer trusts its own records, so it takes the address for a new customer's; the
    // clash fails the unit, which runs again (store.hpp) and asks the store.
    write_sync(*store, [&](StoreTx& tx) { tx.add_identity(aino, email("aino@work.example")); });
    auto second = unit({line(2, R"("name":"Aino","email":"aino@work.example")")});
    REQUIRE(second.size() == 1);
    CHECK(store->reader()->ticket(second[0].id)->requester_id == aino);

    // A new customer changes the next ids: the importer forgets and asks.
    const auto bea = write_sync(*store, [&](StoreTx& tx) {
        Customer c;
        c.name = "Bea";
        c.identities = {email("bea@example.fi")};
        return tx.insert_customer(c);
    });
    auto third = unit({line(3, R"("name":"Bea","email":"bea@example.fi")"), line(1, R"("name":"Aino","email":"aino@example.fi")"),
                       line(4, R"("name":"Aino","email":"aino@work.example")")});
    REQUIRE(third.size() == 3);
    auto reader = store->reader();
    CHECK(reader->ticket(third[0].id)->requester_id == bea);
    CHECK(third[1].duplicate);
    CHECK(third[1].id == first[0].id);
    CHECK(reader->ticket(third[2].id)->requester_id == aino);
    CHECK(reader->customer(aino)->identities.size() == 2);
}

TEST_CASE("a customer the importer remembers but a merge removed is not given a ticket") {
    // The bulk rows are written without foreign-key checks only when every earlier customer
    // they name still exists; a merge that changes no next id leaves the importer's records
    // stale, the checks stay on and refuse the unit (as before), and the importer forgets.
    auto store = SqliteStore::open_in_memory();
    auto email = [](const char* address) { return normalise_identity(IdentityKind::email, address); };
    const auto zed = write_sync(*store, [&](StoreTx& tx) {
        Customer c;
        c.name = "Zed";
        c.identities = {email("zed@example.fi")};
        return tx.insert_customer(c);
    });
    TicketImporter importer;
    auto unit = [&](const std::vector<std::string>& lines) { return import_unit(*store, importer, lines); };
    const auto first = unit({line(1, R"("name":"Aino","email":"aino@example.fi")")});
    const auto aino = store->reader()->ticket(first.at(0).id)->requester_id;
    unit({line(2, R"("name":"Bea","email":"bea@example.fi")")});  // the highest customer id is Bea's now
    write_sync(*store, [&](StoreTx& tx) { tx.merge_customer(aino, zed); });
    REQUIRE_FALSE(store->reader()->customer(aino));
    CHECK_THROWS_WITH(unit({line(3, R"("name":"Aino","email":"aino@example.fi")")}),
                      doctest::Contains("FOREIGN KEY constraint failed"));
    const auto third = unit({line(3, R"("name":"Aino","email":"aino@example.fi")")});  // asks the store
    REQUIRE(third.size() == 1);
    CHECK_FALSE(third[0].duplicate);
    CHECK(store->reader()->ticket(third[0].id)->requester_id == zed);
}

TEST_CASE("bulk imported tickets are found by full-text search and seen by a commit observer") {
    auto store = SqliteStore::open_in_memory();
    std::size_t tickets = 0, messages = 0, customers = 0, imports = 0, events = 0;
    store->observe_commits([&](CommittedChanges changes) {
        tickets += changes.tickets.size();
        messages += changes.messages.size();
        customers += changes.customers.size();
        imports += changes.imports.size();
        events += changes.events.size();
    });
    std::istringstream in(joined(history()));
    CHECK(import_jsonl(*store, in, 3, {}, {}, 16, 2).imported == 9);
    CHECK(tickets == 9);
    CHECK(messages == 9);
    CHECK(customers == 5);
    CHECK(imports == 9);
    CHECK(events == 3);
    TicketQuery q;
    q.text = "puuttuu";
    q.limit = 50;
    CHECK(store->reader()->tickets(q).tickets.size() == 9);
    q.text = "Lasku 7";
    CHECK(store->reader()->tickets(q).tickets.size() == 1);
}

TEST_CASE("a history line is refused, by field, for what no channel would accept: sizes, garbage numbers, no requester") {
    auto field_of = [](const std::string& l) {
        auto parsed = parse_historical_ticket(l, "FI");
        return parsed ? std::string{} : parsed.error().field;
    };
    CHECK(field_of(line(1, R"("name":"Aino","email":"aino@example.fi")")).empty());
    CHECK(field_of(line(2, R"("name":"Aino","phone":"garbage-phone")")) == "requester.phone");
    CHECK(field_of(line(3, R"("name":"Aino","email":"not-an-address")")) == "requester.email");
    CHECK(field_of(line(4, R"("organisation":"Oy")")) == "requester.name");
    CHECK(field_of(line(5, R"("name":")" + std::string(300, 'a') + R"(","email":"a@example.fi")")) == "requester.name");
    CHECK(field_of(line(6, R"("email":"a@example.fi")", R"(,"subject":")" + std::string(2000, 's') + "\"")) == "subject");
    CHECK(field_of(line(7, R"("email":"a@example.fi")", R"(,"body":")" + std::string((1 << 20) + 1, 'b') + "\"")) == "body");
    std::string tags = ",\"tags\":[";
    for (int i = 0; i < 101; ++i) tags += (i ? ",\"t" : "\"t") + std::to_string(i) + "\"";
    CHECK(field_of(line(8, R"("email":"a@example.fi")", tags + "]")) == "tags");
}
