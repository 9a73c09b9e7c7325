#include "storage/sqlite_reader.hpp"

#include "engine/text.hpp"
#include "storage/json_columns.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace triage::sqlite {
namespace {

Timestamp from_ms(std::int64_t ms) { return Timestamp{std::chrono::milliseconds{ms}}; }

std::optional<Timestamp> optional_time(const StatementUse& row, int column) {
    if (auto ms = row.optional_int64(column)) return from_ms(*ms);
    return std::nullopt;
}

template <class E>
E parsed(std::optional<E> value, std::string_view column, std::string_view text) {
    if (!value) throw std::runtime_error{"corrupt row: " + std::string{column} + " = '" + std::string{text} + "'"};
    return *value;
}

// The engine has no parse function for AuthorKind.
std::optional<AuthorKind> parse_author_kind(std::string_view s) noexcept {
    for (auto k : {AuthorKind::customer, AuthorKind::agent, AuthorKind::system})
        if (to_string(k) == s) return k;
    return std::nullopt;
}

constexpr std::array kStatusOrder{TicketStatus::new_,  TicketStatus::open,   TicketStatus::pending,
                                  TicketStatus::on_hold, TicketStatus::solved, TicketStatus::closed};

#define TRIAGE_TICKET_COLUMNS                                                                          \
    "id, subject, status, priority, queue, category, tags, language, channel, requester_id, assignee_id, " \
    "tier, follow_up_of, reopen_count, created_at, updated_at, first_response_at, solved_at, closed_at"

}  // namespace

Ticket read_ticket(const StatementUse& row) {
    Ticket t;
    t.id = row.int64(0);
    t.subject = row.text(1);
    t.status = parsed(parse_status(row.text_view(2)), "tickets.status", row.text_view(2));
    t.priority = parsed(parse_priority(row.text_view(3)), "tickets.priority", row.text_view(3));
    t.queue = row.text(4);
    t.category = row.text(5);
    t.tags = decode_strings(row.text_view(6));
    t.language = row.text(7);
    t.channel = parsed(parse_channel(row.text_view(8)), "tickets.channel", row.text_view(8));
    t.requester_id = row.int64(9);
    t.assignee_id = row.optional_int64(10);
    t.tier = parsed(parse_tier(row.text_view(11)), "tickets.tier", row.text_view(11));
    t.follow_up_of = row.optional_int64(12);
    t.reopen_count = static_cast<int>(row.int64(13));
    t.created_at = from_ms(row.int64(14));
    t.updated_at = from_ms(row.int64(15));
    t.first_response_at = optional_time(row, 16);
    t.solved_at = optional_time(row, 17);
    t.closed_at = optional_time(row, 18);
    return t;
}

namespace {

#define TRIAGE_AGENT_COLUMNS "id, name, email, role, queues, skills, languages"

Agent read_agent(const StatementUse& row) {
    Agent a;
    a.id = row.int64(0);
    a.name = row.text(1);
    a.email = row.text(2);
    a.role = parsed(parse_agent_role(row.text_view(3)), "agents.role", row.text_view(3));
    a.queues = decode_strings(row.text_view(4));
    a.skills = decode_strings(row.text_view(5));
    a.languages = decode_strings(row.text_view(6));
    return a;
}

// Tickets whose subject or messages hold every phrase of the JSON array ?7. A subject row
// has rowid -ticket id, a message row the message id (see the schema).
constexpr std::string_view kTextFilter =
    " AND id IN (SELECT CASE WHEN ticket_text.rowid < 0 THEN -ticket_text.rowid"
    " ELSE (SELECT ticket_id FROM messages WHERE messages.id = ticket_text.rowid) END AS hit"
    " FROM json_each(?7) AS word JOIN search.ticket_text AS ticket_text ON ticket_text MATCH word.value"
    " GROUP BY hit HAVING count(DISTINCT word.key) = json_array_length(?7))";

constexpr std::chrono::milliseconds kSearchCatchUp{2000};  // at most, under heavy load

}  // namespace

template <class Base>
ReadOps<Base>::ReadOps(std::unique_ptr<Connection> connection) : connection_{std::move(connection)} {}

template <class Base>
ReadOps<Base>::~ReadOps() = default;

template <class Base>
void ReadOps<Base>::attach_search(const std::string& search_path, std::shared_ptr<SearchIndexer> wait_on) {
    auto attach = connection_->query("ATTACH DATABASE ?1 AS search");
    attach.bind_all(search_path);
    attach.run();
    indexer_ = std::move(wait_on);
}

template <class Base>
std::optional<Ticket> ReadOps<Base>::ticket(TicketId id) {
    auto row = connection_->query("SELECT " TRIAGE_TICKET_COLUMNS " FROM tickets WHERE id = ?1");
    row.bind_all(id);
    if (!row.step()) return std::nullopt;
    return read_ticket(row);
}

template <class Base>
TicketPage ReadOps<Base>::tickets(const TicketQuery& query) {
    const int limit = std::clamp(query.limit, kMinPageSize, kMaxPageSize);
    std::vector<std::string> phrases;
    if (!query.text.empty()) {
        if (!tokenizer_) tokenizer_ = std::make_unique<SearchTokenizer>(connection_->handle());
        phrases = tokenizer_->phrases(query.text);
        // Words with nothing the index keeps ("🎉", "*", "(") can match nothing: no tickets,
        // not every ticket as if no text had been asked for. Blank text asks for nothing.
        if (phrases.empty() && !trim_space(query.text).empty()) return TicketPage{};
        // Read your writes: what was committed before this search began is searchable.
        if (!phrases.empty() && indexer_) indexer_->wait_until_current(kSearchCatchUp);
    }

    // The SQL follows the filter's shape, so each shape is prepared once per connection;
    // parameters keep fixed numbers whatever the shape, and the highest (?8) is always
    // present, so binding an absent one is never out of range.
    std::string filter;
    if (query.status) filter += " AND status = ?1";
    if (!query.queue.empty()) filter += " AND queue = ?2";
    if (query.channel) filter += " AND channel = ?3";
    if (query.assignee) filter += " AND assignee_id = ?4";
    if (query.unassigned) filter += " AND assignee_id IS NULL";  // with `assignee` too: nothing, as ANDed
    if (query.requester) filter += " AND requester_id = ?5";
    if (query.after) filter += " AND id < ?6";
    if (!phrases.empty()) filter += kTextFilter;
    if (!query.queues.empty()) filter += " AND queue IN (SELECT value FROM json_each(?9))";
    // Queue, channel and assignee filters have no index of their own: the narrow tickets_list
    // (id, status, channel, queue, assignee_id) is read newest first until the page is full,
    // and only the matching rows are read from the table (a million tickets without one match
    // take ~70 ms, a table scan ~230 ms). A requester uses its own index, and so does a
    // status still being worked on (new, open, pending, on hold: a desk's small sets, its
    // agents' queues), whatever else is asked; solved and closed, most of any history, go
    // through tickets_list with the other filters.
    const bool working = query.status && *query.status != TicketStatus::solved && *query.status != TicketStatus::closed;
    const bool narrow = !query.requester && phrases.empty() && !working &&
                        (!query.queue.empty() || query.channel || query.assignee || query.unassigned ||
                         !query.queues.empty());
    std::string sql = "SELECT " TRIAGE_TICKET_COLUMNS " FROM tickets WHERE ";
    if (narrow) sql += "id IN (SELECT id FROM tickets INDEXED BY tickets_list WHERE 1" + filter + " ORDER BY id DESC LIMIT ?8)";
    else sql += "1" + filter;
    sql += narrow ? " ORDER BY id DESC" : " ORDER BY id DESC LIMIT ?8";

    std::string phrases_json = phrases.empty() ? std::string{} : encode_strings(phrases);
    auto rows = connection_->query(sql);
    if (query.status) rows.bind(1, to_string(*query.status));
    if (!query.queue.empty()) rows.bind(2, query.queue);
    if (query.channel) rows.bind(3, to_string(*query.channel));
    if (query.assignee) rows.bind(4, *query.assignee);
    if (query.requester) rows.bind(5, *query.requester);
    if (query.after) rows.bind(6, *query.after);
    if (!phrases.empty()) rows.bind(7, phrases_json);
    std::string queues_json = query.queues.empty() ? std::string{} : encode_strings(query.queues);
    if (!query.queues.empty()) rows.bind(9, queues_json);
    rows.bind(8, limit + 1);  // one extra row tells whether another page exists

    TicketPage page;
    while (rows.step()) {
        if (static_cast<int>(page.tickets.size()) == limit) {
            page.next_cursor = page.tickets.back().id;
            break;
        }
        page.tickets.push_back(read_ticket(rows));
    }
    return page;
}

template <class Base>
std::vector<Message> ReadOps<Base>::messages(TicketId ticket) {
    auto rows = connection_->query(
        "SELECT id, ticket_id, kind, author_kind, author_id, author_name, channel, body, html, attachments,"
        " external_id, raw_sha256, created_at, full_body FROM messages WHERE ticket_id = ?1 ORDER BY id");
    rows.bind_all(ticket);
    std::vector<Message> out;
    while (rows.step()) {
        Message& m = out.emplace_back();
        m.id = rows.int64(0);
        m.ticket_id = rows.int64(1);
        m.kind = parsed(parse_message_kind(rows.text_view(2)), "messages.kind", rows.text_view(2));
        m.author_kind = parsed(parse_author_kind(rows.text_view(3)), "messages.author_kind", rows.text_view(3));
        m.author_id = rows.int64(4);
        m.author_name = rows.text(5);
        m.channel = parsed(parse_channel(rows.text_view(6)), "messages.channel", rows.text_view(6));
        m.body = rows.text(7);
        if (!rows.is_null(8)) m.html = rows.text(8);
        m.attachments = decode_attachments(rows.text_view(9));
        m.external_id = rows.text(10);
        m.raw_sha256 = rows.text(11);
        m.created_at = from_ms(rows.int64(12));
        if (!rows.is_null(13)) m.full_body = rows.text(13);
    }
    return out;
}

template <class Base>
std::vector<TicketEvent> ReadOps<Base>::events(TicketId ticket) {
    auto rows = connection_->query(
        "SELECT id, ticket_id, at, actor, type, changes, detail FROM events WHERE ticket_id = ?1 ORDER BY id");
    rows.bind_all(ticket);
    std::vector<TicketEvent> out;
    while (rows.step()) {
        TicketEvent& e = out.emplace_back();
        e.id = rows.int64(0);
        e.ticket_id = rows.int64(1);
        e.at = from_ms(rows.int64(2));
        e.actor = rows.text(3);
        e.type = rows.text(4);
        e.changes = decode_changes(rows.text_view(5));
        e.detail = rows.text(6);
    }
    return out;
}

template <class Base>
std::optional<Customer> ReadOps<Base>::customer(CustomerId id) {
    Customer c;
    {
        auto row = connection_->query(
            "SELECT id, name, organisation, tier, preferred_language, created_at FROM customers WHERE id = ?1");
        row.bind_all(id);
        if (!row.step()) return std::nullopt;
        c.id = row.int64(0);
        c.name = row.text(1);
        c.organisation = row.text(2);
        c.tier = row.text(3);
        c.preferred_language = row.text(4);
        c.created_at = from_ms(row.int64(5));
    }
    auto rows = connection_->query("SELECT kind, value FROM identities WHERE customer_id = ?1 ORDER BY rowid");
    rows.bind_all(id);
    while (rows.step())
        c.identities.push_back(
            {parsed(parse_identity_kind(rows.text_view(0)), "identities.kind", rows.text_view(0)), rows.text(1)});
    for (const auto& identity : c.identities)
        for (auto& flag : identity_flags(identity)) c.flags.push_back(std::move(flag));
    return c;
}

template <class Base>
std::optional<CustomerId> ReadOps<Base>::customer_by_identity(const Identity& identity) {
    auto row = connection_->query("SELECT customer_id FROM identities WHERE kind = ?1 AND value = ?2");
    row.bind_all(to_string(identity.kind), identity.value);
    if (!row.step()) return std::nullopt;
    return row.int64(0);
}

template <class Base>
std::optional<Agent> ReadOps<Base>::agent(AgentId id) {
    auto row = connection_->query("SELECT " TRIAGE_AGENT_COLUMNS " FROM agents WHERE id = ?1");
    row.bind_all(id);
    if (!row.step()) return std::nullopt;
    return read_agent(row);
}

template <class Base>
std::optional<Agent> ReadOps<Base>::agent_by_email(std::string_view email) {
    // The column's NOCASE collation makes this case-insensitive (ASCII) and uses its index.
    auto row = connection_->query("SELECT " TRIAGE_AGENT_COLUMNS " FROM agents WHERE email = ?1");
    row.bind_all(email);
    if (!row.step()) return std::nullopt;
    return read_agent(row);
}

template <class Base>
std::vector<Agent> ReadOps<Base>::agents() {
    auto rows = connection_->query("SELECT " TRIAGE_AGENT_COLUMNS " FROM agents ORDER BY id");
    std::vector<Agent> out;
    while (rows.step()) out.push_back(read_agent(rows));
    return out;
}

template <class Base>
std::optional<MessageRef> ReadOps<Base>::message_by_external_id(Channel channel, std::string_view external_id) {
    if (external_id.empty()) return std::nullopt;
    auto row = connection_->query(
        "SELECT ticket_id, id FROM messages WHERE channel = ?1 AND external_id = ?2 AND external_id <> ''");
    row.bind_all(to_string(channel), external_id);
    if (!row.step()) return std::nullopt;
    return MessageRef{row.int64(0), row.int64(1)};
}

template <class Base>
std::optional<std::pair<TicketId, std::string>> ReadOps<Base>::ticket_by_message_ids(
    const std::vector<std::string>& external_ids) {
    // One indexed lookup per id, in the caller's order, because the first id that names a
    // message wins (In-Reply-To before the oldest References).
    for (const std::string& id : external_ids) {
        if (id.empty()) continue;
        auto row = connection_->query(
            "SELECT ticket_id FROM messages WHERE external_id = ?1 AND external_id <> '' ORDER BY id LIMIT 1");
        row.bind_all(id);
        if (row.step()) return std::pair{row.int64(0), id};
    }
    return std::nullopt;
}

template <class Base>
std::vector<std::pair<TicketStatus, std::int64_t>> ReadOps<Base>::count_by_status() {
    std::vector<std::pair<TicketStatus, std::int64_t>> out;
    for (auto status : kStatusOrder) out.emplace_back(status, 0);  // every status, zeros included
    auto rows = connection_->query("SELECT status, count(*) FROM tickets GROUP BY status");
    while (rows.step()) {
        auto status = parsed(parse_status(rows.text_view(0)), "tickets.status", rows.text_view(0));
        std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == status; })->second =
            rows.int64(1);
    }
    return out;
}

template <class Base>
std::optional<ApiToken> ReadOps<Base>::token_by_hash(std::string_view token_hash) {
    auto row = connection_->query("SELECT id, name, role FROM api_tokens WHERE token_hash = ?1");
    row.bind_all(token_hash);
    if (!row.step()) return std::nullopt;
    return ApiToken{row.int64(0), row.text(1), row.text(2)};
}

template <class Base>
std::optional<TicketId> ReadOps<Base>::ticket_by_import_id(std::string_view external_id) {
    auto row = connection_->query("SELECT ticket_id FROM ticket_imports WHERE external_id = ?1");
    row.bind_all(external_id);
    if (!row.step()) return std::nullopt;
    return row.int64(0);
}

template class ReadOps<StoreReader>;
template class ReadOps<StoreTx>;

#undef TRIAGE_TICKET_COLUMNS
#undef TRIAGE_AGENT_COLUMNS

}  // namespace triage::sqlite
