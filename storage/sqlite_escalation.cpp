// The escalation engine's tables (migration "Escalation" in sqlite_schema.cpp): SLA clocks,
// notification outbox, routing waits and referrals. Reads for ReadOps (pooled readers and
// the writer's Tx alike), writes for Tx.
#include "storage/sqlite_reader.hpp"
#include "storage/sqlite_tx.hpp"

namespace triage::sqlite {
namespace {

Timestamp from_ms(std::int64_t ms) { return Timestamp{std::chrono::milliseconds{ms}}; }
std::int64_t to_ms(Timestamp t) { return t.time_since_epoch().count(); }
std::optional<std::int64_t> to_ms(const std::optional<Timestamp>& t) {
    if (t) return to_ms(*t);
    return std::nullopt;
}

#define TRIAGE_SLA_COLUMNS                                                                                  \
    "ticket_id, target, policy, calendar, started_at, mark, deadline, warning_at, used_ms, target_minutes, " \
    "warning_percent, phase, fired, next_due, wall_minutes, business_minutes, timeline"

TicketSlaRecord read_sla(const StatementUse& row) {
    TicketSlaRecord r;
    r.ticket_id = row.int64(0);
    r.target = row.text(1);
    r.policy = row.text(2);
    r.calendar = row.text(3);
    r.started_at = from_ms(row.int64(4));
    r.mark = from_ms(row.int64(5));
    r.deadline = from_ms(row.int64(6));
    r.warning_at = from_ms(row.int64(7));
    r.used_ms = row.int64(8);
    r.target_minutes = static_cast<std::int32_t>(row.int64(9));
    r.warning_percent = static_cast<int>(row.int64(10));
    r.phase = static_cast<int>(row.int64(11));
    r.fired = static_cast<int>(row.int64(12));
    if (auto due = row.optional_int64(13)) r.next_due = from_ms(*due);
    r.wall_minutes = row.optional_int64(14);
    r.business_minutes = row.optional_int64(15);
    r.timeline = row.text(16);
    return r;
}

#define TRIAGE_NOTIFICATION_COLUMNS \
    "id, ticket_id, channel, target, subject, body, secret_env, status, attempts, next_attempt_at, created_at, last_error, " \
    "outbox_id"

NotificationRecord read_notification(const StatementUse& row) {
    NotificationRecord n;
    n.id = row.int64(0);
    n.ticket_id = row.int64(1);
    n.channel = row.text(2);
    n.target = row.text(3);
    n.subject = row.text(4);
    n.body = row.text(5);
    n.secret_env = row.text(6);
    n.status = row.text(7);
    n.attempts = static_cast<int>(row.int64(8));
    n.next_attempt_at = from_ms(row.int64(9));
    n.created_at = from_ms(row.int64(10));
    n.last_error = row.text(11);
    n.outbox_id = row.int64(12);
    return n;
}

#define TRIAGE_REFERRAL_COLUMNS "id, ticket_id, partner, specialty, state, note, created_at, updated_at"

ReferralRecord read_referral(const StatementUse& row) {
    ReferralRecord r;
    r.id = row.int64(0);
    r.ticket_id = row.int64(1);
    r.partner = row.text(2);
    r.specialty = row.text(3);
    r.state = row.text(4);
    r.note = row.text(5);
    r.created_at = from_ms(row.int64(6));
    r.updated_at = from_ms(row.int64(7));
    return r;
}

}  // namespace

template <class Base>
std::vector<TicketSlaRecord> ReadOps<Base>::ticket_slas(TicketId ticket) {
    auto row = connection().query("SELECT " TRIAGE_SLA_COLUMNS " FROM ticket_sla WHERE ticket_id = ?1 ORDER BY target");
    row.bind_all(ticket);
    std::vector<TicketSlaRecord> out;
    while (row.step()) out.push_back(read_sla(row));
    return out;
}

template <class Base>
void ReadOps<Base>::for_each_pending_sla(const std::function<void(TicketId, std::string_view, Timestamp)>& fn) {
    auto row = connection().query("SELECT ticket_id, target, next_due FROM ticket_sla WHERE next_due IS NOT NULL");
    while (row.step()) fn(row.int64(0), row.text_view(1), from_ms(row.int64(2)));
}

template <class Base>
std::vector<TicketSlaRecord> ReadOps<Base>::escalated_slas(int limit) {
    auto row = connection().query("SELECT " TRIAGE_SLA_COLUMNS
                                  " FROM ticket_sla WHERE fired <> 0 AND phase IN (1, 2) ORDER BY deadline LIMIT ?1");
    row.bind_all(limit);
    std::vector<TicketSlaRecord> out;
    while (row.step()) out.push_back(read_sla(row));
    return out;
}

template <class Base>
std::vector<std::pair<AgentId, int>> ReadOps<Base>::open_tickets_by_assignee() {
    // Kept by triggers on tickets (schema migration 10), so this reads one row per agent.
    auto row = connection().query("SELECT agent_id, open FROM agent_open_tickets WHERE open > 0 ORDER BY agent_id");
    std::vector<std::pair<AgentId, int>> out;
    while (row.step()) out.emplace_back(row.int64(0), static_cast<int>(row.int64(1)));
    return out;
}

template <class Base>
std::vector<std::pair<TicketId, std::string>> ReadOps<Base>::routing_waits() {
    auto row = connection().query("SELECT ticket_id, skill FROM routing_waits ORDER BY since, ticket_id");
    std::vector<std::pair<TicketId, std::string>> out;
    while (row.step()) out.emplace_back(row.int64(0), row.text(1));
    return out;
}

template <class Base>
std::vector<NotificationRecord> ReadOps<Base>::due_notifications(std::string_view channel, Timestamp now, int limit) {
    auto row = connection().query("SELECT " TRIAGE_NOTIFICATION_COLUMNS
                                  " FROM notifications WHERE status = 'pending' AND next_attempt_at <= ?1"
                                  " AND channel = ?3 ORDER BY next_attempt_at, id LIMIT ?2");
    row.bind_all(to_ms(now), limit, channel);
    std::vector<NotificationRecord> out;
    while (row.step()) out.push_back(read_notification(row));
    return out;
}

template <class Base>
std::vector<NotificationRecord> ReadOps<Base>::notifications(TicketId ticket) {
    auto row = connection().query("SELECT " TRIAGE_NOTIFICATION_COLUMNS " FROM notifications WHERE ticket_id = ?1 ORDER BY id");
    row.bind_all(ticket);
    std::vector<NotificationRecord> out;
    while (row.step()) out.push_back(read_notification(row));
    return out;
}

template <class Base>
std::vector<ReferralRecord> ReadOps<Base>::referrals(TicketId ticket) {
    auto row = connection().query("SELECT " TRIAGE_REFERRAL_COLUMNS " FROM referrals WHERE ticket_id = ?1 ORDER BY id");
    row.bind_all(ticket);
    std::vector<ReferralRecord> out;
    while (row.step()) out.push_back(read_referral(row));
    return out;
}

template <class Base>
std::optional<ReferralRecord> ReadOps<Base>::referral(std::int64_t id) {
    auto row = connection().query("SELECT " TRIAGE_REFERRAL_COLUMNS " FROM referrals WHERE id = ?1");
    row.bind_all(id);
    if (!row.step()) return std::nullopt;
    return read_referral(row);
}

template <class Base>
std::vector<std::pair<std::string, int>> ReadOps<Base>::active_referrals_by_partner() {
    auto row = connection().query(
        "SELECT partner, count(*) FROM referrals WHERE state IN ('proposed', 'sent', 'accepted') GROUP BY partner");
    std::vector<std::pair<std::string, int>> out;
    while (row.step()) out.emplace_back(row.text(0), static_cast<int>(row.int64(1)));
    return out;
}

#define TRIAGE_READ_OPS(Base)                                                                                     \
    template std::vector<TicketSlaRecord> ReadOps<Base>::ticket_slas(TicketId);                                    \
    template void ReadOps<Base>::for_each_pending_sla(                                                             \
        const std::function<void(TicketId, std::string_view, Timestamp)>&);                                        \
    template std::vector<TicketSlaRecord> ReadOps<Base>::escalated_slas(int);                                      \
    template std::vector<std::pair<AgentId, int>> ReadOps<Base>::open_tickets_by_assignee();                       \
    template std::vector<std::pair<TicketId, std::string>> ReadOps<Base>::routing_waits();                         \
    template std::vector<NotificationRecord> ReadOps<Base>::due_notifications(std::string_view, Timestamp, int);                     \
    template std::vector<NotificationRecord> ReadOps<Base>::notifications(TicketId);                               \
    template std::vector<ReferralRecord> ReadOps<Base>::referrals(TicketId);                                       \
    template std::optional<ReferralRecord> ReadOps<Base>::referral(std::int64_t);                                  \
    template std::vector<std::pair<std::string, int>> ReadOps<Base>::active_referrals_by_partner();
TRIAGE_READ_OPS(StoreReader)
TRIAGE_READ_OPS(StoreTx)
#undef TRIAGE_READ_OPS

void Tx::upsert_ticket_sla(const TicketSlaRecord& r) {
    auto row = connection().query(
        "INSERT INTO ticket_sla (" TRIAGE_SLA_COLUMNS
        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"
        " ON CONFLICT (ticket_id, target) DO UPDATE SET policy = excluded.policy, calendar = excluded.calendar,"
        " started_at = excluded.started_at, mark = excluded.mark, deadline = excluded.deadline,"
        " warning_at = excluded.warning_at, used_ms = excluded.used_ms, target_minutes = excluded.target_minutes,"
        " warning_percent = excluded.warning_percent, phase = excluded.phase, fired = excluded.fired,"
        " next_due = excluded.next_due, wall_minutes = excluded.wall_minutes,"
        " business_minutes = excluded.business_minutes, timeline = excluded.timeline");
    row.bind_all(r.ticket_id, r.target, r.policy, r.calendar, to_ms(r.started_at), to_ms(r.mark), to_ms(r.deadline),
                 to_ms(r.warning_at), r.used_ms, static_cast<std::int64_t>(r.target_minutes), r.warning_percent,
                 r.phase, r.fired, to_ms(r.next_due), r.wall_minutes, r.business_minutes, r.timeline);
    row.run();
    if (record_changes_)
        changes_.slas.push_back({r.ticket_id, r.target == "first_response", r.started_at, r.mark, r.deadline, r.phase,
                                 r.fired, r.business_minutes});
}

std::int64_t Tx::insert_notification(NotificationRecord& n) {
    auto row = connection().query(
        "INSERT INTO notifications (ticket_id, channel, target, subject, body, secret_env, status, attempts,"
        " next_attempt_at, created_at, last_error, outbox_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    row.bind_all(n.ticket_id, n.channel, n.target, n.subject, n.body, n.secret_env, n.status, n.attempts,
                 to_ms(n.next_attempt_at), to_ms(n.created_at), n.last_error, n.outbox_id);
    row.run();
    n.id = connection().last_insert_rowid();
    return n.id;
}

void Tx::update_notification(const NotificationRecord& n) {
    auto row = connection().query(
        "UPDATE notifications SET status = ?1, attempts = ?2, next_attempt_at = ?3, last_error = ?4, outbox_id = ?5"
        " WHERE id = ?6");
    row.bind_all(n.status, n.attempts, to_ms(n.next_attempt_at), n.last_error, n.outbox_id, n.id);
    row.run();
}

void Tx::put_routing_wait(TicketId ticket, std::string_view skill, Timestamp since) {
    auto row = connection().query(
        "INSERT INTO routing_waits (ticket_id, skill, since) VALUES (?1, ?2, ?3)"
        " ON CONFLICT (ticket_id) DO UPDATE SET skill = excluded.skill");
    row.bind_all(ticket, skill, to_ms(since));
    row.run();
}

void Tx::remove_routing_wait(TicketId ticket) {
    auto row = connection().query("DELETE FROM routing_waits WHERE ticket_id = ?1");
    row.bind_all(ticket);
    row.run();
}

std::int64_t Tx::insert_referral(ReferralRecord& r) {
    auto row = connection().query(
        "INSERT INTO referrals (ticket_id, partner, specialty, state, note, created_at, updated_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    row.bind_all(r.ticket_id, r.partner, r.specialty, r.state, r.note, to_ms(r.created_at), to_ms(r.updated_at));
    row.run();
    r.id = connection().last_insert_rowid();
    return r.id;
}

void Tx::update_referral(const ReferralRecord& r) {
    auto row = connection().query("UPDATE referrals SET state = ?1, note = ?2, updated_at = ?3 WHERE id = ?4");
    row.bind_all(r.state, r.note, to_ms(r.updated_at), r.id);
    row.run();
}

#undef TRIAGE_SLA_COLUMNS
#undef TRIAGE_NOTIFICATION_COLUMNS
#undef TRIAGE_REFERRAL_COLUMNS

}  // namespace triage::sqlite
