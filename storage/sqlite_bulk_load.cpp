#include "storage/sqlite_bulk_load.hpp"

#include "storage/json_columns.hpp"
#include "storage/sqlite_connection.hpp"
#include "storage/sqlite_multi_insert.hpp"
#include "storage/sqlite_tx.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace triage::sqlite {
namespace {

// Indexes no write of an import reads (only list queries use them) and whose keys an import
// writes at scattered places: a ticket's status and requester. Each costs about as much to
// keep up row by row as to build again at the end (~0.6 s a million tickets either way), but
// the build needs no page of it in the cache meanwhile. Indexes keyed by ticket or customer
// id (messages and events by ticket, identities by customer, tickets_list by ticket id) stay:
// an import appends to their end, which costs little, while building them again means
// reading every row again (for messages, every body: ~1.9 s a million).
constexpr const char* kListIndexes = "'tickets_by_status', 'tickets_by_requester'";

Connection& writer_connection(StoreTx& tx) {
    auto* writer = dynamic_cast<Tx*>(&tx);
    if (!writer) throw std::logic_error("bulk load: not the SQLite store's transaction");
    return writer->connection();
}

bool has_memory_table(Connection& c) {
    auto row = c.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'bulk_load_indexes'");
    return row.step();
}

// A bulk load's page cache: the lookup indexes it keeps (identities, ticket_imports) are
// written in key order that is not insertion order, and a million tickets' worth of their
// pages no longer fits the writer's usual 16 MiB; the index builds sort in it too.
constexpr const char* kBulkCacheSize = "PRAGMA cache_size = -262144";  // KiB: 256 MiB
constexpr const char* kUsualCacheSize = "PRAGMA cache_size = -16384";  // as SqliteStore::open sets it

std::size_t restore(Connection& c) {
    if (!has_memory_table(c)) return 0;
    std::vector<std::pair<std::string, std::string>> indexes;
    {
        // Only indexes the schema still has: a load cut off before an upgrade may remember
        // one that a migration has since replaced.
        auto rows = c.query(std::string("SELECT name, sql FROM bulk_load_indexes WHERE name IN (") + kListIndexes +
                            ") ORDER BY name");
        while (rows.step()) indexes.emplace_back(rows.text(0), rows.text(1));
    }
    // The builds sort a million keys each; at the end of an import the parsing thread is done,
    // so the sorter may use the other core too (worker threads for its sorts and merges).
    c.exec("PRAGMA threads = 2");
    try {
        for (const auto& [name, sql] : indexes) {
            auto exists = c.query("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?1");
            exists.bind_all(name);
            if (!exists.step()) c.exec(sql.c_str());
        }
    } catch (...) {
        c.exec("PRAGMA threads = 0");
        throw;
    }
    c.exec("PRAGMA threads = 0");
    c.exec("DROP TABLE bulk_load_indexes");
    c.exec(kUsualCacheSize);
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
    c.exec(kBulkCacheSize);
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

// The bulk import's writes. Tx::insert_import_rows is here, with the bulk load it serves,
// rather than in sqlite_tx.cpp.
namespace triage::sqlite {
namespace {

std::int64_t ms(Timestamp t) { return t.time_since_epoch().count(); }

// Foreign-key checks off for one unit's import rows (ForeignKeysOff). The importer's rows
// refer only to rows of the same unit (messages, events and ticket_imports to its tickets;
// tickets and identities to its customers) or to customers and agents that references_exist()
// has just found, so the checks (a parent b-tree seek for every child row, ~13% of the
// writer's CPU) cannot fail.

// Whether every customer and agent the rows refer to, beyond the customers they create,
// exists now: the importer remembers ids from earlier units, and a merge may have removed a
// customer since. One rowid seek per distinct id, instead of one per referring row.
bool references_exist(Connection& c, const ImportRows& rows) {
    std::vector<std::int64_t> customers, agents;
    auto is_new = [&](CustomerId id) {
        return !rows.customers.empty() && id >= rows.customers.front().id && id <= rows.customers.back().id;
    };
    for (const auto& [customer, identity] : rows.identities)
        if (!is_new(customer)) customers.push_back(customer);
    for (const ImportDraft* d : rows.tickets) {
        if (!is_new(d->ticket.requester_id)) customers.push_back(d->ticket.requester_id);
        if (d->ticket.assignee_id) agents.push_back(*d->ticket.assignee_id);
        if (d->ticket.follow_up_of) return false;  // not made by the importer: let SQLite check it
    }
    auto all_exist = [&](std::vector<std::int64_t>& ids, const char* sql) {
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        for (const auto id : ids) {
            auto row = c.query(sql);
            row.bind_all(id);
            if (!row.step()) return false;
        }
        return true;
    };
    return all_exist(customers, "SELECT 1 FROM customers WHERE id = ?1") &&
           all_exist(agents, "SELECT 1 FROM agents WHERE id = ?1");
}

}  // namespace

ImportIds next_import_ids(StoreTx& tx) {
    auto row = writer_connection(tx).query(
        "SELECT max((SELECT coalesce(max(id), 0) FROM customers),"
        "     coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'customers'), 0)),"
        " max((SELECT coalesce(max(id), 0) FROM tickets),"
        "     coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'tickets'), 0)),"
        " (SELECT coalesce(max(id), 0) FROM messages), (SELECT coalesce(max(id), 0) FROM events)");
    if (!row.step()) throw std::runtime_error{"next_import_ids: no row"};
    return ImportIds{row.int64(0) + 1, row.int64(1) + 1, row.int64(2) + 1, row.int64(3) + 1};
}

std::size_t Tx::insert_import_rows(ImportRows& rows) {
    auto& c = connection();
    // A reference that does not check out (a customer merged away since an earlier unit)
    // leaves the checks on, so SQLite refuses the unit as before.
    std::optional<ForeignKeysOff> unchecked;
    if (references_exist(c, rows)) unchecked.emplace(c);
    insert_all(c, "INTO customers (id, name, organisation, tier, preferred_language, created_at)", 6,
               rows.customers, [](StatementUse& use, int i, const NewCustomer& n) {
                   const Customer& r = n.draft->customer;
                   use.bind(i, n.id).bind(i + 1, r.name).bind(i + 2, r.organisation).bind(i + 3, r.tier);
                   use.bind(i + 4, r.preferred_language).bind(i + 5, ms(r.created_at));
               });
    auto bind_identity = [](StatementUse& use, int i, const std::pair<CustomerId, const Identity*>& r) {
        use.bind(i, to_string(r.second->kind)).bind(i + 1, r.second->value).bind(i + 2, r.first);
    };
    // A new customer's identities: each must be new, as insert_customer's. The importer found
    // them free; when another writer took one meanwhile, the clash fails the unit, which then
    // runs again (store.hpp) with an importer that asks the store.
    std::vector<std::pair<CustomerId, const Identity*>> identities;
    for (const NewCustomer& customer : rows.customers)
        for (const Identity& identity : customer.draft->identities) identities.emplace_back(customer.id, &identity);
    insert_all(c, "INTO identities (kind, value, customer_id)", 3, identities, bind_identity);
    // Identities joining a known customer: a no-op when present, as add_identity.
    identities.clear();
    for (const auto& [customer, identity] : rows.identities) identities.emplace_back(customer, &identity);
    const auto taken =
        insert_all(c, "INTO identities (kind, value, customer_id)", 3, identities, bind_identity, OnClash::skip);
    // Encoded lists live until their statement has run: bound text is not copied.
    std::vector<std::string> tags;
    tags.reserve(rows.tickets.size());
    for (const ImportDraft* d : rows.tickets) tags.push_back(encode_strings(d->ticket.tags));
    std::size_t tag = 0;
    insert_all(c, kTicketRowHead, kTicketRowColumns, rows.tickets, [&](StatementUse& use, int i, const ImportDraft* d) {
        bind_ticket_row(use, i, d->ticket, tags[tag++]);
    });
    std::vector<std::string> attachments;
    attachments.reserve(rows.tickets.size());
    for (const ImportDraft* d : rows.tickets) attachments.push_back(encode_attachments(d->message.attachments));
    std::size_t attachment = 0;
    insert_all(c, kMessageRowHead, kMessageRowColumns, rows.tickets, [&](StatementUse& use, int i, const ImportDraft* d) {
        bind_message_row(use, i, d->message, attachments[attachment++]);
    });
    std::vector<const TicketEvent*> events;
    for (const ImportDraft* d : rows.tickets)
        for (const TicketEvent& e : d->events) events.push_back(&e);
    std::vector<std::string> changes;
    changes.reserve(events.size());
    for (const TicketEvent* e : events) changes.push_back(encode_changes(e->changes));
    std::size_t change = 0;
    insert_all(c, kEventRowHead, kEventRowColumns, events, [&](StatementUse& use, int i, const TicketEvent* e) {
        bind_event_row(use, i, *e, changes[change++]);
    });
    insert_all(c, "INTO ticket_imports (external_id, ticket_id, replies)", 3, rows.tickets,
               [](StatementUse& use, int i, const ImportDraft* d) {
                   use.bind(i, d->external_id).bind(i + 1, d->ticket.id).bind(i + 2, d->replies);
               });

    // As the single-row writes do: search rows, then what a commit observer sees. Copies:
    // the unit may run again from the same drafts.
    for (const ImportDraft* d : rows.tickets) {
        queue_index_change(-d->ticket.id, d->ticket.subject, false);
        queue_index_change(d->message.id, d->message.body, false);
    }
    if (!record_changes_) return taken;
    for (const NewCustomer& customer : rows.customers)
        changes_.customers.push_back({customer.id, customer.draft->customer.organisation, customer.draft->customer.tier});
    for (const ImportDraft* d : rows.tickets) {
        const Message& m = d->message;
        changes_.tickets.push_back(d->ticket);
        changes_.messages.push_back({m.ticket_id, m.kind, m.author_kind, m.author_id, m.created_at, m.id});
        for (const TicketEvent& e : d->events) changes_.events.push_back(e);
        changes_.imports.push_back({d->ticket.id, d->replies});
    }
    return taken;
}

std::size_t insert_import_rows(StoreTx& tx, ImportRows& rows) {
    auto* writer = dynamic_cast<Tx*>(&tx);
    if (!writer) throw std::logic_error("bulk import: not the SQLite store's transaction");
    return writer->insert_import_rows(rows);
}

}  // namespace triage::sqlite
