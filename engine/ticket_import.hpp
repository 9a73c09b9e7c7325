// Ticket import: historical tickets migrated from another help desk, written with their own
// timestamps (created, first response, solved, closed) in the caller's store transaction.
// Idempotent by the source system's external id. Stateless functions over values; the
// caller (the CLI or the API) owns parsing and batching. Safe from any thread.
#pragma once

#include "engine/error.hpp"
#include "engine/import_rows.hpp"
#include "engine/store.hpp"

#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
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

// Bulk import. A validated ticket as rows (engine/import_rows.hpp): pure, any thread, so a
// parsing thread makes them while the writer writes the unit before.
Result<ImportDraft> draft_of(HistoricalTicket ticket);

// Numbers drafts and settles their requesters and assignees, in the writer's units, for
// the caller to write in the same unit (storage/sqlite_bulk_load.hpp). Keeps what it learnt
// (identities, external ids, agents) from one unit to the next as long as nothing else
// wrote in between (the next free ids are then exactly those its last unit left), and
// trusts its own records alone — no lookup — when the store had no customers and no tickets
// at its first unit. Writer thread only (it lives in the units of one import).
class TicketImporter {
public:
    // Fills in `drafts` (again on every run of a unit) and lists in `rows` what to write:
    // the new customers, identities new to known customers, and the drafts that are not
    // duplicates. `next`: the first free ids, read in this unit. One outcome per draft, in
    // order; an external id already imported, or twice in the drafts, is a duplicate.
    // Creates unknown assignees at once (StoreTx::upsert_agent).
    std::vector<ImportedTicket> rows_of(StoreTx& tx, std::span<ImportDraft> drafts, ImportIds next, ImportRows& rows);
    // Forgets everything learnt: the unit failed or was rolled back.
    void forget() noexcept;

private:
    struct KeyHash {
        std::size_t operator()(const IdentityKey& key) const noexcept { return key.hash; }  // made by draft_of
    };
    struct SameHash {
        std::size_t operator()(std::size_t hash) const noexcept { return hash; }
    };
    bool started_ = false;
    bool complete_ = false;  // identities_ and imported_ are all the store has
    std::optional<ImportIds> expected_;  // the next free ids once the last unit's rows are written
    std::unordered_map<IdentityKey, CustomerId, KeyHash> identities_;  // -> customer; 0: none
    // The hash of each external id imported -> the last ticket imported with that hash. A hit
    // is checked against the text (this unit's drafts, else the store); a miss, when
    // complete_, means a new external id without any lookup.
    std::unordered_map<std::size_t, TicketId, SameHash> imported_;
    std::unordered_map<std::string, AgentId> agents_;  // email -> id
};

}  // namespace triage
