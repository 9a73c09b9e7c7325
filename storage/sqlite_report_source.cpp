#include "storage/sqlite_report_source.hpp"

#include "storage/json_columns.hpp"
#include "storage/sqlite_connection.hpp"
#include "storage/sqlite_tx.hpp"

#include <chrono>
#include <stdexcept>
#include <unordered_map>

namespace triage::sqlite {
namespace {

Timestamp from_ms(std::int64_t ms) { return Timestamp{std::chrono::milliseconds{ms}}; }

std::optional<Timestamp> optional_time(const StatementUse& row, int column) {
    if (auto ms = row.optional_int64(column)) return from_ms(*ms);
    return std::nullopt;
}

void scan(Connection& connection, const ReportSourceVisitor& visit) {
    {
        auto row = connection.query("SELECT id, organisation, tier FROM customers ORDER BY id");
        while (row.step())
            if (visit.customer) visit.customer({row.int64(0), row.text_view(1), row.text_view(2)});
    }
    std::unordered_map<TicketId, int> replies;
    {
        auto row = connection.query(
            "SELECT ticket_id, COUNT(*) FROM messages WHERE kind = 'reply' AND author_kind = 'agent' GROUP BY ticket_id");
        while (row.step()) replies[row.int64(0)] = static_cast<int>(row.int64(1));
        auto imported = connection.query("SELECT ticket_id, replies FROM ticket_imports");
        while (imported.step()) replies[imported.int64(0)] += static_cast<int>(imported.int64(1));
    }
    {
        auto row = connection.query(
            "SELECT id, subject, status, priority, queue, category, language, channel, requester_id, assignee_id, tier,"
            " reopen_count, created_at, updated_at, first_response_at, solved_at, closed_at FROM tickets ORDER BY id");
        Ticket t;
        while (row.step()) {
            t.id = row.int64(0);
            t.subject.assign(row.text_view(1));
            t.status = parse_status(row.text_view(2)).value_or(TicketStatus::open);
            t.priority = parse_priority(row.text_view(3)).value_or(Priority::normal);
            t.queue.assign(row.text_view(4));
            t.category.assign(row.text_view(5));
            t.language.assign(row.text_view(6));
            t.channel = parse_channel(row.text_view(7)).value_or(Channel::api);
            t.requester_id = row.int64(8);
            t.assignee_id = row.optional_int64(9);
            t.tier = parse_tier(row.text_view(10)).value_or(Tier::l1);
            t.reopen_count = static_cast<int>(row.int64(11));
            t.created_at = from_ms(row.int64(12));
            t.updated_at = from_ms(row.int64(13));
            t.first_response_at = optional_time(row, 14);
            t.solved_at = optional_time(row, 15);
            t.closed_at = optional_time(row, 16);
            auto it = replies.find(t.id);
            if (visit.ticket) visit.ticket({t, it == replies.end() ? 0 : it->second});
        }
    }
    {
        // Imported escalations are `escalated` events; the escalation engine's changes of
        // tier and referrals are found by the field they change.
        auto row = connection.query(
            "SELECT id, ticket_id, at, actor, type, changes, detail FROM events"
            " WHERE type IN ('escalated', 'referred') OR changes LIKE '%\"field\":\"tier\"%'"
            " OR changes LIKE '%\"field\":\"referral%' ORDER BY id");
        TicketEvent e;
        while (row.step()) {
            e.id = row.int64(0);
            e.ticket_id = row.int64(1);
            e.at = from_ms(row.int64(2));
            e.actor.assign(row.text_view(3));
            e.type.assign(row.text_view(4));
            e.changes = decode_changes(row.text_view(5));
            e.detail.assign(row.text_view(6));
            if (visit.event) visit.event(e);
        }
    }
    if (visit.sla) {
        auto row = connection.query(
            "SELECT ticket_id, target, started_at, mark, deadline, phase, fired, business_minutes FROM ticket_sla"
            " WHERE target IN ('first_response', 'resolution')");
        CommittedChanges::SlaFacts f;
        while (row.step()) {
            f.ticket_id = row.int64(0);
            f.first_response = row.text_view(1) == "first_response";
            f.started_at = from_ms(row.int64(2));
            f.mark = from_ms(row.int64(3));
            f.deadline = from_ms(row.int64(4));
            f.phase = static_cast<int>(row.int64(5));
            f.fired = static_cast<int>(row.int64(6));
            f.business_minutes = row.optional_int64(7);
            visit.sla(f);
        }
    }
    if (visit.marks) {
        ReportSourceMarks marks;
        marks.ticket = connection.query_int64("SELECT coalesce(max(id), 0) FROM tickets");
        marks.message = connection.query_int64("SELECT coalesce(max(id), 0) FROM messages");
        marks.event = connection.query_int64("SELECT coalesce(max(id), 0) FROM events");
        visit.marks(marks);
    }
}

}  // namespace

void scan_report_source(const std::filesystem::path& db_path, const ReportSourceVisitor& visit) {
    Connection connection{db_path.string(), Connection::Mode::read_only};
    // One read snapshot for all four queries, so a ticket never lacks its customer.
    connection.exec("BEGIN");
    scan(connection, visit);
    connection.exec("COMMIT");
}

void scan_report_source(StoreTx& tx, const ReportSourceVisitor& visit) {
    auto* writer = dynamic_cast<Tx*>(&tx);
    if (!writer) throw std::logic_error("scan_report_source: not the SQLite store's transaction");
    scan(writer->connection(), visit);
}

}  // namespace triage::sqlite
