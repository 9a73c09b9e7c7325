// Escalation records: what the escalation engine keeps per ticket besides the ticket row —
// the persisted state of each SLA clock (so the scheduler can rebuild its timers after a
// restart), outbound notification intents (email, webhook), tickets waiting for an
// eligible agent, and referrals to external partners. Plain values that storage/ persists
// and escalation/ interprets; the engine itself only carries them through the Store.
#pragma once

#include "engine/clock.hpp"
#include "engine/ticket.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace triage {

// One SLA clock of one ticket ("first_response" or "resolution"), as stored. Times UTC.
struct TicketSlaRecord {
    TicketId ticket_id = 0;
    std::string target;    // "first_response", "resolution"
    std::string policy;    // SlaPolicy::name
    std::string calendar;  // BusinessCalendar::name
    Timestamp started_at{};
    Timestamp mark{};
    Timestamp deadline{};
    Timestamp warning_at{};
    std::int64_t used_ms = 0;
    std::int32_t target_minutes = 0;
    int warning_percent = 0;
    int phase = 0;  // SlaPhase
    int fired = 0;  // SlaClockState::kFired* bits
    std::optional<Timestamp> next_due;  // when the scheduler must look again; none: nothing pending
    std::optional<std::int64_t> wall_minutes;      // once stopped: wall-clock minutes it took
    std::optional<std::int64_t> business_minutes;  // once stopped: business minutes it took
    std::string timeline;  // the clock's timeline, encoded by escalation/ (opaque here)
};

// A notification a rule or an escalation wants sent, kept durably until it is.
struct NotificationRecord {
    std::int64_t id = 0;
    TicketId ticket_id = 0;
    std::string channel;  // "email" or "webhook"
    std::string target;   // address or URL
    std::string subject;
    std::string body;     // text (email) or JSON (webhook)
    std::string secret_env;  // webhook: the environment variable holding its HMAC key
    // webhook: pending, sent, failed. email: queued (an outbox row carries it: outbox_id), or
    // unsent (no relay configured, or no address to send to; last_error says which).
    std::string status = "pending";
    int attempts = 0;
    Timestamp next_attempt_at{};
    Timestamp created_at{};
    std::string last_error;
    std::int64_t outbox_id = 0;  // email: the outbox row (engine/outbound_mail.hpp); 0: none
};

// A referral of a ticket to an external partner, with its state.
struct ReferralRecord {
    std::int64_t id = 0;
    TicketId ticket_id = 0;
    std::string partner;    // partner id from the directory
    std::string specialty;
    std::string state = "proposed";  // proposed, sent, accepted, declined, completed
    std::string note;
    Timestamp created_at{};
    Timestamp updated_at{};
};

}  // namespace triage
