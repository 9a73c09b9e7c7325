// Report source: one pass over the database for the facts reports keep in memory — each
// ticket with its customer's organisation and tier and its agent replies, the customers, and
// the audit events that escalate or refer a ticket. Opens its own read-only connection; call
// from one thread. Used once at start-up; later changes arrive through the commit observer.
#pragma once

#include "engine/committed_changes.hpp"
#include "engine/store.hpp"
#include "engine/ticket.hpp"
#include "engine/ticket_event.hpp"

#include <filesystem>
#include <functional>
#include <string_view>

namespace triage::sqlite {

struct ReportTicketRow {
    const Ticket& ticket;  // tags left empty
    int replies;           // agent replies: reply messages plus those counted by an import
};

struct ReportCustomerRow {
    CustomerId id;
    std::string_view organisation;
    std::string_view tier;
};

// The highest ids the scan's snapshot holds: changes a commit observer reports with ids up
// to these are already in the scan (ids grow in commit order; tickets are AUTOINCREMENT).
struct ReportSourceMarks {
    TicketId ticket = 0;
    MessageId message = 0;
    std::int64_t event = 0;
};

struct ReportSourceVisitor {
    std::function<void(const ReportCustomerRow&)> customer;  // every customer, by id
    std::function<void(const ReportTicketRow&)> ticket;      // every ticket, by id
    std::function<void(const TicketEvent&)> event;           // escalation and referral events, by id
    std::function<void(const CommittedChanges::SlaFacts&)> sla;  // every ticket_sla clock, after the tickets
    std::function<void(const ReportSourceMarks&)> marks;     // last, once
};

// Throws sqlite::Error when the database cannot be read.
void scan_report_source(const std::filesystem::path& db_path, const ReportSourceVisitor& visit);
// The same inside the writer's transaction (SqliteStore's StoreTx), seeing its writes so far.
void scan_report_source(StoreTx& tx, const ReportSourceVisitor& visit);

}  // namespace triage::sqlite
