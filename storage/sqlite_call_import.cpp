// The writer's bulk reads and writes for imports (engine/call_import.hpp): each takes a whole
// chunk's keys as one JSON array bound to one statement (json_each), so a chunk of thousands
// of calls costs a few statements, not thousands. CROSS JOIN keeps json_each the outer loop:
// left to itself the planner may scan the table and probe the array for every row.
#include "storage/json_columns.hpp"
#include "storage/sqlite_reader.hpp"
#include "storage/sqlite_tx.hpp"

#include <stdexcept>

namespace triage::sqlite {
namespace {

std::int64_t to_ms(Timestamp t) { return t.time_since_epoch().count(); }

// The columns of storage/sqlite_reader.cpp's ticket reads (read_ticket decodes them), with the table named t.
#define TRIAGE_BULK_TICKET_COLUMNS                                                                                   \
    "t.id, t.subject, t.status, t.priority, t.queue, t.category, t.tags, t.language, t.channel, t.requester_id, "    \
    "t.assignee_id, t.tier, t.follow_up_of, t.reopen_count, t.created_at, t.updated_at, t.first_response_at, "       \
    "t.solved_at, t.closed_at"

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
    std::string keys = "[";
    for (const auto& t : tickets) {
        if (keys.size() > 1) keys += ',';
        keys += '[' + std::to_string(t.id) + ',' + std::to_string(to_ms(t.updated_at)) + ']';
    }
    keys += ']';
    // updated_at is in no index: only the rows' pages change.
    auto row = connection().query(
        "UPDATE tickets SET updated_at = j.value ->> 1 FROM json_each(?1) AS j WHERE tickets.id = j.value ->> 0");
    row.bind_all(keys);
    row.run();
    if (connection().changes() != static_cast<std::int64_t>(tickets.size()))
        throw std::runtime_error{"touch_tickets: a ticket is missing"};
    if (record_changes_) changes_.tickets.insert(changes_.tickets.end(), tickets.begin(), tickets.end());
}

#undef TRIAGE_BULK_TICKET_COLUMNS

}  // namespace triage::sqlite
