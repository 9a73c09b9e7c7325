// Multi-row INSERT OR IGNORE for the writer's bulk writes (history import, CDR filing): many
// rows to a statement, a clash found by counting the rows each statement changed.
#pragma once

#include "engine/message.hpp"
#include "engine/ticket.hpp"
#include "engine/ticket_event.hpp"
#include "storage/sqlite_connection.hpp"

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace triage::sqlite {

// Rows a multi-row INSERT carries: fewer statements (each opens its cursors, checks its
// foreign keys' tables and, for tickets, reads and writes sqlite_sequence once).
constexpr std::size_t kRowsPerInsert = 64;

// "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)" for `rows` rows of `columns` values.
inline std::string multi_row_insert(std::string_view head, int columns, std::size_t rows) {
    std::string group = "(";
    for (int i = 0; i < columns; ++i) group += i ? ", ?" : "?";
    group += ")";
    std::string sql{head};
    sql += " VALUES ";
    for (std::size_t r = 0; r < rows; ++r) {
        if (r) sql += ", ";
        sql += group;
    }
    return sql;
}

// How insert_all treats a row that clashes with a stored one (a key taken, a NOT NULL broken).
enum class OnClash {
    fail,  // the unit fails: it runs again (store.hpp) with an importer that asks the store
    skip,  // the row is left out; insert_all returns how many were
};

// Writes `rows` kRowsPerInsert to a statement (the rest one by one), `bind(use, index, row)`
// binding one row's `columns` values from `index` on. `head` is "INTO table (columns)"; the
// statements are INSERT OR IGNORE, prepared once and kept by the connection. OR IGNORE, not a
// plain INSERT or an upsert: a statement that may abort half-way makes SQLite copy every page it
// touches into a statement journal first, and the identities' unique index takes its keys at
// random places, so a 64-row INSERT touched ~64 leaves and copied them all (a quarter of that
// table's insert time). A clash is found by counting instead: OnClash::fail throws when a
// statement changed fewer rows than it carried. Returns the rows skipped.
template <class Rows, class Bind>
std::size_t insert_all(Connection& c, std::string_view head, int columns, const Rows& rows, Bind&& bind,
                       OnClash on_clash = OnClash::fail) {
    const std::string verb = "INSERT OR IGNORE ";
    const std::string many = multi_row_insert(verb + std::string(head), columns, kRowsPerInsert);
    const std::string one = multi_row_insert(verb + std::string(head), columns, 1);
    std::size_t inserted = 0;
    std::size_t i = 0;
    // changes(): the rows the statement itself wrote, not those its triggers wrote
    // (agent_open_tickets counts).
    auto ran = [&](std::size_t carried) {
        const auto changed = static_cast<std::size_t>(c.changes());
        if (on_clash == OnClash::fail && changed != carried)
            throw std::runtime_error{"bulk import: a row clashed with one stored meanwhile (" + std::string(head) + ")"};
        inserted += changed;
    };
    for (; i + kRowsPerInsert <= rows.size(); i += kRowsPerInsert) {
        auto use = c.query(many);
        for (std::size_t r = 0; r < kRowsPerInsert; ++r) bind(use, static_cast<int>(r) * columns + 1, rows[i + r]);
        use.run();
        ran(kRowsPerInsert);
    }
    for (; i < rows.size(); ++i) {
        auto use = c.query(one);
        bind(use, 1, rows[i]);
        use.run();
        ran(1);
    }
    return rows.size() - inserted;
}

// The rows of the bulk writes, ids included (storage/sqlite_call_import.cpp): the insert_all
// head, its column count, and a binder for one row from `index` on. The JSON columns come
// encoded by the caller (tags, attachments, changes), so bound text outlives the step.
inline constexpr std::string_view kTicketRowHead =
    "INTO tickets (id, subject, status, priority, queue, category, tags, language, channel,"
    " requester_id, assignee_id, tier, follow_up_of, reopen_count, created_at, updated_at,"
    " first_response_at, solved_at, closed_at)";
inline constexpr int kTicketRowColumns = 19;
void bind_ticket_row(StatementUse& use, int index, const Ticket& t, const std::string& tags);

inline constexpr std::string_view kMessageRowHead =
    "INTO messages (id, ticket_id, kind, author_kind, author_id, author_name, channel, body, html,"
    " attachments, external_id, raw_sha256, created_at)";
inline constexpr int kMessageRowColumns = 13;
void bind_message_row(StatementUse& use, int index, const Message& m, const std::string& attachments);

inline constexpr std::string_view kEventRowHead = "INTO events (id, ticket_id, at, actor, type, changes, detail)";
inline constexpr int kEventRowColumns = 7;
void bind_event_row(StatementUse& use, int index, const TicketEvent& e, const std::string& changes);

}  // namespace triage::sqlite
