// The writer's bulk reads and writes for imports (engine/call_import.hpp): each takes a whole
// chunk's keys as one JSON array bound to one statement (json_each), so a chunk of thousands
// of calls costs a few statements, not thousands. CROSS JOIN keeps json_each the outer loop:
// left to itself the planner may scan the table and probe the array for every row.
#include "storage/json_columns.hpp"
#include "storage/sqlite_multi_insert.hpp"
#include "storage/sqlite_reader.hpp"
#include "storage/sqlite_tx.hpp"

#include <stdexcept>

namespace triage::sqlite {
namespace {

std::int64_t to_ms(Timestamp t) { return t.time_since_epoch().count(); }
std::optional<std::int64_t> to_ms(const std::optional<Timestamp>& t) {
    if (t) return to_ms(*t);
    return std::nullopt;
}

// The columns of storage/sqlite_reader.cpp's ticket reads (read_ticket decodes them), with the table named t.
#define TRIAGE_BULK_TICKET_COLUMNS                                                                                   \
    "t.id, t.subject, t.status, t.priority, t.queue, t.category, t.tags, t.language, t.channel, t.requester_id, "    \
    "t.assignee_id, t.tier, t.follow_up_of, t.reopen_count, t.created_at, t.updated_at, t.first_response_at, "       \
    "t.solved_at, t.closed_at"

// The first column of the one row `sql` gives: the next free id of a table.
std::int64_t next_id(Connection& c, const char* sql) {
    auto row = c.query(sql);
    if (!row.step()) throw std::runtime_error{std::string("no row from ") + sql};
    return row.int64(0);
}

template <class Ints>
std::string int_array(const Ints& values) {
    std::string out = "[";
    for (const auto& v : values) {
        if (out.size() > 1) out += ',';
        out += std::to_string(v);
    }
    out += ']';
    return out;
}

}  // namespace

std::vector<std::optional<MessageRef>> Tx::messages_by_external_ids(Channel channel,
                                                                   const std::vector<std::string>& external_ids) {
    std::vector<std::optional<MessageRef>> out(external_ids.size());
    if (external_ids.empty()) return out;
    const std::string keys = encode_strings(external_ids);
    // `external_id <> ''` lets the partial unique index (channel, external_id) serve the join.
    auto rows = connection().query(
        "SELECT j.key, m.ticket_id, m.id FROM json_each(?2) AS j CROSS JOIN messages AS m"
        " ON m.channel = ?1 AND m.external_id = j.value WHERE m.external_id <> ''");
    rows.bind_all(to_string(channel), keys);
    while (rows.step()) out[static_cast<std::size_t>(rows.int64(0))] = MessageRef{rows.int64(1), rows.int64(2)};
    return out;
}

std::vector<std::optional<CustomerId>> Tx::customers_by_identities(const std::vector<Identity>& identities) {
    std::vector<std::optional<CustomerId>> out(identities.size());
    if (identities.empty()) return out;
    std::string keys = "[";
    for (const auto& id : identities) {
        if (keys.size() > 1) keys += ',';
        keys += '[';
        append_json_string(keys, to_string(id.kind));
        keys += ',';
        append_json_string(keys, id.value);
        keys += ']';
    }
    keys += ']';
    auto rows = connection().query(
        "SELECT j.key, i.customer_id FROM json_each(?1) AS j CROSS JOIN identities AS i"
        " ON i.kind = j.value ->> 0 AND i.value = j.value ->> 1");
    rows.bind_all(keys);
    while (rows.step()) out[static_cast<std::size_t>(rows.int64(0))] = rows.int64(1);
    return out;
}

std::vector<Ticket> Tx::recent_tickets_of(const std::vector<CustomerId>& requesters, int per_requester) {
    std::vector<Ticket> out;
    if (requesters.empty() || per_requester <= 0) return out;
    const std::string keys = int_array(requesters);
    // Each requester's tickets from its per_requester-th newest on (tickets_by_requester is
    // in id order within a requester).
    auto rows = connection().query(
        "SELECT " TRIAGE_BULK_TICKET_COLUMNS " FROM json_each(?1) AS r CROSS JOIN tickets AS t ON t.requester_id = r.value"
        " WHERE t.id >= coalesce((SELECT id FROM tickets WHERE requester_id = r.value ORDER BY id DESC"
        " LIMIT 1 OFFSET ?2 - 1), 0)");
    rows.bind_all(keys, per_requester);
    while (rows.step()) out.push_back(read_ticket(rows));
    return out;
}

void Tx::touch_tickets(const std::vector<Ticket>& tickets) {
    if (tickets.empty()) return;
    // updated_at is in no index: only the rows' pages change. One prepared statement stepped
    // per ticket costs less than binding them all as JSON and reading it back.
    for (const Ticket& t : tickets) {
        auto row = connection().query("UPDATE tickets SET updated_at = ?2 WHERE id = ?1");
        row.bind_all(t.id, to_ms(t.updated_at));
        row.run();
        if (connection().changes() != 1) throw std::runtime_error{"touch_tickets: no ticket " + ticket_key(t.id)};
    }
    if (record_changes_) changes_.tickets.insert(changes_.tickets.end(), tickets.begin(), tickets.end());
}

TicketId Tx::next_ticket_id() {
    // AUTOINCREMENT: past every id ever used, as SQLite would number the next insert.
    return next_id(connection(),
                   "SELECT max((SELECT coalesce(max(id), 0) FROM tickets),"
                   " coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'tickets'), 0)) + 1");
}

void bind_ticket_row(StatementUse& use, int i, const Ticket& t, const std::string& tags) {
    use.bind(i, t.id).bind(i + 1, t.subject).bind(i + 2, to_string(t.status));
    use.bind(i + 3, to_string(t.priority)).bind(i + 4, t.queue).bind(i + 5, t.category);
    use.bind(i + 6, tags).bind(i + 7, t.language).bind(i + 8, to_string(t.channel));
    use.bind(i + 9, t.requester_id).bind(i + 10, t.assignee_id).bind(i + 11, to_string(t.tier));
    use.bind(i + 12, t.follow_up_of).bind(i + 13, t.reopen_count).bind(i + 14, to_ms(t.created_at));
    use.bind(i + 15, to_ms(t.updated_at)).bind(i + 16, to_ms(t.first_response_at));
    use.bind(i + 17, to_ms(t.solved_at)).bind(i + 18, to_ms(t.closed_at));
}

void bind_message_row(StatementUse& use, int i, const Message& m, const std::string& attachments) {
    use.bind(i, m.id).bind(i + 1, m.ticket_id).bind(i + 2, to_string(m.kind));
    use.bind(i + 3, to_string(m.author_kind)).bind(i + 4, m.author_id).bind(i + 5, m.author_name);
    use.bind(i + 6, to_string(m.channel)).bind(i + 7, m.body).bind(i + 8, m.html);
    use.bind(i + 9, attachments).bind(i + 10, m.external_id).bind(i + 11, m.raw_sha256);
    use.bind(i + 12, to_ms(m.created_at));
}

void bind_event_row(StatementUse& use, int i, const TicketEvent& e, const std::string& changes) {
    use.bind(i, e.id).bind(i + 1, e.ticket_id).bind(i + 2, to_ms(e.at)).bind(i + 3, e.actor);
    use.bind(i + 4, e.type).bind(i + 5, changes).bind(i + 6, e.detail);
}

void Tx::insert_tickets(std::span<const Ticket> tickets) {
    std::vector<std::string> tags;
    tags.reserve(tickets.size());
    for (const Ticket& t : tickets) tags.push_back(encode_strings(t.tags));
    std::size_t tag = 0;
    insert_all(connection(), kTicketRowHead, kTicketRowColumns, tickets,
               [&](StatementUse& use, int i, const Ticket& t) { bind_ticket_row(use, i, t, tags[tag++]); });
    for (const Ticket& t : tickets) {
        queue_index_change(-t.id, t.subject, false);
        if (record_changes_) changes_.tickets.push_back(t);
    }
}

void Tx::insert_messages(std::span<Message> messages) {
    if (messages.empty()) return;
    MessageId next = next_id(connection(), "SELECT coalesce(max(id), 0) + 1 FROM messages");
    std::vector<std::string> attachments;
    attachments.reserve(messages.size());
    for (Message& m : messages) {
        m.id = next++;
        attachments.push_back(encode_attachments(m.attachments));
    }
    std::size_t attachment = 0;
    insert_all(connection(), kMessageRowHead, kMessageRowColumns, messages, [&](StatementUse& use, int i, const Message& m) {
        bind_message_row(use, i, m, attachments[attachment++]);
    });
    for (const Message& m : messages) {
        queue_index_change(m.id, m.body, false);
        if (record_changes_) changes_.messages.push_back({m.ticket_id, m.kind, m.author_kind, m.author_id, m.created_at, m.id});
    }
}

void Tx::append_events(std::span<TicketEvent> events) {
    if (events.empty()) return;
    std::int64_t next = next_id(connection(), "SELECT coalesce(max(id), 0) + 1 FROM events");
    std::vector<std::string> changes;
    changes.reserve(events.size());
    for (TicketEvent& e : events) {
        e.id = next++;
        changes.push_back(encode_changes(e.changes));
    }
    std::size_t change = 0;
    insert_all(connection(), kEventRowHead, kEventRowColumns, events, [&](StatementUse& use, int i, const TicketEvent& e) {
        bind_event_row(use, i, e, changes[change++]);
    });
    if (record_changes_) changes_.events.insert(changes_.events.end(), events.begin(), events.end());
}

#undef TRIAGE_BULK_TICKET_COLUMNS

}  // namespace triage::sqlite
