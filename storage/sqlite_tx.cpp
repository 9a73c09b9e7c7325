#include "storage/sqlite_tx.hpp"

#include "storage/json_columns.hpp"

#include <algorithm>
#include <stdexcept>

namespace triage::sqlite {
namespace {

std::int64_t to_ms(Timestamp t) { return t.time_since_epoch().count(); }

std::optional<std::int64_t> to_ms(const std::optional<Timestamp>& t) {
    if (t) return to_ms(*t);
    return std::nullopt;
}

// Binds ?1..?18 in the column order of the INSERT and UPDATE below. `tags` is the caller's
// buffer for the encoded tags: bound text must outlive the step.
void bind_ticket(StatementUse& row, const Ticket& t, const std::string& tags) {
    row.bind_all(t.subject, to_string(t.status), to_string(t.priority), t.queue, t.category, tags, t.language,
                 to_string(t.channel), t.requester_id, t.assignee_id, to_string(t.tier), t.follow_up_of,
                 t.reopen_count, to_ms(t.created_at), to_ms(t.updated_at), to_ms(t.first_response_at),
                 to_ms(t.solved_at), to_ms(t.closed_at));
}

}  // namespace

TicketId Tx::insert_ticket(Ticket& ticket) {
    const std::string tags = encode_strings(ticket.tags);
    auto row = connection().query(
        "INSERT INTO tickets (subject, status, priority, queue, category, tags, language, channel, requester_id,"
        " assignee_id, tier, follow_up_of, reopen_count, created_at, updated_at, first_response_at, solved_at,"
        " closed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)");
    bind_ticket(row, ticket, tags);
    row.run();
    ticket.id = connection().last_insert_rowid();
    queue_index_change(-ticket.id, ticket.subject, false);
    if (record_changes_) changes_.tickets.push_back(ticket);
    return ticket.id;
}

void Tx::update_ticket(const Ticket& ticket) {
    bool indexed_changed = true;  // a column of a tickets index (status, queue, channel, assignee, requester)
    {
        auto old = connection().query(
            "SELECT subject, status, queue, channel, assignee_id, requester_id FROM tickets WHERE id = ?1");
        old.bind_all(ticket.id);
        if (!old.step()) throw std::runtime_error{"update_ticket: no ticket " + ticket_key(ticket.id)};
        if (old.text_view(0) != ticket.subject) {
            queue_index_change(-ticket.id, old.text_view(0), true);
            queue_index_change(-ticket.id, ticket.subject, false);
        }
        indexed_changed = old.text_view(1) != to_string(ticket.status) || old.text_view(2) != ticket.queue ||
                          old.text_view(3) != to_string(ticket.channel) || old.optional_int64(4) != ticket.assignee_id ||
                          old.int64(5) != ticket.requester_id;
    }
    const std::string tags = encode_strings(ticket.tags);
    if (!indexed_changed) {
        // SQLite rewrites the entries of every index whose columns are SET, changed or not:
        // the common update (a message added, a timestamp moved) sets only unindexed columns.
        auto row = connection().query(
            "UPDATE tickets SET subject = ?1, priority = ?3, category = ?5, tags = ?6, language = ?7, tier = ?11,"
            " follow_up_of = ?12, reopen_count = ?13, created_at = ?14, updated_at = ?15, first_response_at = ?16,"
            " solved_at = ?17, closed_at = ?18 WHERE id = ?19");
        bind_ticket(row, ticket, tags);
        row.bind(19, ticket.id);
        row.run();
        if (record_changes_) changes_.tickets.push_back(ticket);
        return;
    }
    auto row = connection().query(
        "UPDATE tickets SET subject = ?1, status = ?2, priority = ?3, queue = ?4, category = ?5, tags = ?6,"
        " language = ?7, channel = ?8, requester_id = ?9, assignee_id = ?10, tier = ?11, follow_up_of = ?12,"
        " reopen_count = ?13, created_at = ?14, updated_at = ?15, first_response_at = ?16, solved_at = ?17,"
        " closed_at = ?18 WHERE id = ?19");
    bind_ticket(row, ticket, tags);
    row.bind(19, ticket.id);
    row.run();
    if (record_changes_) changes_.tickets.push_back(ticket);
}

CustomerId Tx::insert_customer(Customer& customer) {
    auto row = connection().query(
        "INSERT INTO customers (name, organisation, tier, preferred_language, created_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5)");
    row.bind_all(customer.name, customer.organisation, customer.tier, customer.preferred_language,
                 to_ms(customer.created_at));
    row.run();
    customer.id = connection().last_insert_rowid();
    if (record_changes_) changes_.customers.push_back({customer.id, customer.organisation, customer.tier});
    // Plain INSERT: an identity that already names another customer is the caller's bug and
    // fails the unit, where add_identity below would hide it.
    for (const Identity& identity : customer.identities) {
        auto add = connection().query("INSERT INTO identities (kind, value, customer_id) VALUES (?1, ?2, ?3)");
        add.bind_all(to_string(identity.kind), identity.value, customer.id);
        add.run();
    }
    return customer.id;
}

void Tx::add_identity(CustomerId customer, const Identity& identity) {
    auto row = connection().query(
        "INSERT INTO identities (kind, value, customer_id) VALUES (?1, ?2, ?3)"
        " ON CONFLICT (kind, value) DO NOTHING");
    row.bind_all(to_string(identity.kind), identity.value, customer);
    row.run();
}

MessageId Tx::insert_message(Message& message) {
    const std::string attachments = encode_attachments(message.attachments);
    auto row = connection().query(
        "INSERT INTO messages (ticket_id, kind, author_kind, author_id, author_name, channel, body, html,"
        " attachments, external_id, raw_sha256, created_at, full_body)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
    row.bind_all(message.ticket_id, to_string(message.kind), to_string(message.author_kind), message.author_id,
                 message.author_name, to_string(message.channel), message.body, message.html, attachments,
                 message.external_id, message.raw_sha256, to_ms(message.created_at), message.full_body);
    row.run();
    message.id = connection().last_insert_rowid();
    queue_index_change(message.id, message.body, false);
    if (record_changes_)
        changes_.messages.push_back(
            {message.ticket_id, message.kind, message.author_kind, message.author_id, message.created_at, message.id});
    return message.id;
}

void Tx::append_event(TicketEvent& event) {
    const std::string changes = encode_changes(event.changes);
    auto row = connection().query(
        "INSERT INTO events (ticket_id, at, actor, type, changes, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    row.bind_all(event.ticket_id, to_ms(event.at), event.actor, event.type, changes, event.detail);
    row.run();
    event.id = connection().last_insert_rowid();
    if (record_changes_) changes_.events.push_back(event);
}

AgentId Tx::upsert_agent(Agent& agent) {
    const std::string queues = encode_strings(agent.queues);
    const std::string skills = encode_strings(agent.skills);
    const std::string languages = encode_strings(agent.languages);
    auto row = connection().query(
        "INSERT INTO agents (name, email, role, queues, skills, languages) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        " ON CONFLICT (email) DO UPDATE SET name = excluded.name, role = excluded.role, queues = excluded.queues,"
        " skills = excluded.skills, languages = excluded.languages RETURNING id");
    row.bind_all(agent.name, agent.email, to_string(agent.role), queues, skills, languages);
    if (!row.step()) throw std::runtime_error{"upsert_agent: no id returned for " + agent.email};
    agent.id = row.int64(0);
    return agent.id;
}

void Tx::upsert_token(std::string_view name, std::string_view token_hash, std::string_view role) {
    // created_at is bookkeeping for operators, never read by the engine, so SQLite's clock
    // (UTC ms) serves. A replaced token is a new token: it gets a new created_at.
    auto row = connection().query(
        "INSERT INTO api_tokens (name, token_hash, role, created_at)"
        " VALUES (?1, ?2, ?3, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))"
        " ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash, role = excluded.role,"
        " created_at = excluded.created_at");
    row.bind_all(name, token_hash, role);
    row.run();
}

void Tx::record_import(std::string_view external_id, TicketId ticket, int replies) {
    auto row = connection().query("INSERT INTO ticket_imports (external_id, ticket_id, replies) VALUES (?1, ?2, ?3)");
    row.bind_all(external_id, ticket, replies);
    row.run();
    if (record_changes_) changes_.imports.push_back({ticket, replies});
}

CommittedChanges Tx::take_changes() noexcept {
    CommittedChanges out;
    std::swap(out, changes_);
    changes_mark_ = {};
    return out;
}

void Tx::queue_index_change(std::int64_t rowid, std::string_view text, bool remove) {
    index_changes_.push_back({rowid, std::string{text}, remove});
}

void Tx::rollback_unit() noexcept {
    ++serial_;
    changes_.truncate(changes_mark_);
    after_commit_.resize(after_commit_mark_);
    index_changes_.erase(index_changes_.begin() + static_cast<std::ptrdiff_t>(unit_start_), index_changes_.end());
}

std::vector<IndexChange> Tx::take_index_changes() noexcept {
    std::vector<IndexChange> out;
    out.swap(index_changes_);
    unit_start_ = 0;
    return out;
}

std::vector<std::function<void()>> Tx::take_after_commit() noexcept {
    std::vector<std::function<void()>> out;
    out.swap(after_commit_);
    after_commit_mark_ = 0;
    return out;
}

void Tx::begin_batch() {
    std::int64_t version = 0;
    {
        auto row = connection().query("PRAGMA main.data_version");
        if (row.step()) version = row.int64(0);
    }
    if (version != data_version_) ++serial_;
    data_version_ = version;
}

void Tx::discard_index_changes() noexcept {
    ++serial_;  // the batch was undone
    after_commit_.clear();
    after_commit_mark_ = 0;
    changes_ = {};
    changes_mark_ = {};
    index_changes_.clear();
    unit_start_ = 0;
}

}  // namespace triage::sqlite
