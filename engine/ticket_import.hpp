// Ticket import: historical tickets migrated from another help desk, written with their own
// timestamps (created, first response, solved, closed) in the caller's store transaction.
// Idempotent by the source system's external id. Stateless functions over values; the
// caller (the CLI or the API) owns parsing and batching. Safe from any thread.
#pragma once

#include "engine/error.hpp"
#include "engine/store.hpp"

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace triage {

// One escalation of an imported ticket: at `at` it moved to `tier` for `reason`.
struct HistoricalEscalation {
    Timestamp at{};  // UTC
    Tier tier = Tier::l2;
    std::string reason;  // e.g. "sla_breach", "complexity"; may be empty
};

// A referral of an imported ticket to an external partner and how it ended.
struct HistoricalReferral {
    std::string partner;
    std::string outcome;  // "proposed", "sent", "accepted", "declined", "completed"
    std::optional<Timestamp> at;
};

struct HistoricalTicket {
    std::string external_id;  // unique in the source system; the import key
    Channel channel = Channel::email;
    std::string subject;
    std::string body;  // the customer's first message
    std::string requester_name;
    std::string requester_email;  // "" when unknown
    std::string requester_phone;  // "" when unknown
    std::string organisation;     // "" when none
    std::string customer_tier;    // "" means "standard"
    std::string queue;
    std::string category;
    Priority priority = Priority::normal;
    std::string language = "und";
    TicketStatus status = TicketStatus::new_;
    Tier tier = Tier::l1;
    std::string assignee_email;  // "" when unassigned; an unknown agent is created
    std::vector<std::string> tags;
    int replies = -1;  // agent replies in the source system; -1: 1 if it was answered, else 0
    Timestamp created_at{};
    std::optional<Timestamp> first_response_at;
    std::optional<Timestamp> solved_at;
    std::optional<Timestamp> closed_at;
    std::vector<HistoricalEscalation> escalations;  // in time order
    std::optional<HistoricalReferral> referral;
};

// Checks what a parser cannot: times in order, a status that agrees with the times.
// The problem names the field.
Result<void> validate(const HistoricalTicket& ticket);

struct ImportedTicket {
    TicketId id = 0;
    bool duplicate = false;  // the external id was imported before: nothing written
};

// Writes one historical ticket: finds or creates its customer (by email, then phone), the
// assignee (by email), the ticket with its own timestamps, the first message (inbound, at
// created_at), the import record (StoreTx::record_import), one `escalated` audit event per
// escalation and a `referred` event for a referral. `agents` caches email -> id across calls in one unit.
Result<ImportedTicket> import_ticket(StoreTx& tx, const HistoricalTicket& ticket,
                                     std::unordered_map<std::string, AgentId>& agents);

}  // namespace triage
