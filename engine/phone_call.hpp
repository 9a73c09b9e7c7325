// PhoneCall: one call as a help desk sees it (from an agent's log or a PBX CDR), and the
// call policy that files it: a missed inbound call to a support line opens one call-back
// ticket per caller per day (UTC); an answered call goes onto the caller's open ticket when
// there is one, else opens a ticket; an explicit ticket wins. Plain values and a stateless
// function over StoreTx; thread-safe.
#pragma once

#include "engine/enquiry.hpp"
#include "engine/error.hpp"
#include "engine/intake.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace triage {

enum class CallDirection { inbound, outbound, internal };
enum class CallDisposition { answered, no_answer, busy, failed, congestion };

std::string_view to_string(CallDirection d) noexcept;
std::string_view to_string(CallDisposition d) noexcept;
std::optional<CallDirection> parse_call_direction(std::string_view s) noexcept;
// "answered", "no_answer", also Asterisk's "ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION".
std::optional<CallDisposition> parse_call_disposition(std::string_view s) noexcept;

struct PhoneCall {
    std::string external_id;   // CDR unique id, or the API's idempotency key; "" = none
    bool client_idempotency_key = false;  // external_id is the API client's key (Enquiry's)
    std::string number;        // the customer's number, E.164; "" when withheld
    std::string caller_name;   // from caller ID or the agent's log
    CallDirection direction = CallDirection::inbound;
    CallDisposition disposition = CallDisposition::answered;
    Timestamp started_at{};    // UTC
    std::int64_t duration_s = 0;
    std::string line;          // the number or extension called (inbound) / the agent's (outbound)
    bool to_support_line = true;  // inbound to one of the configured support lines
    std::string notes;
    std::string category;
    std::optional<TicketId> ticket_id;  // file it on this ticket
    std::string raw_sha256;    // raw bytes kept: the request body or the CDR file
    std::string source;        // "api", "cdr:asterisk", "cdr:freeswitch"
    std::string created_by;    // actor when an agent logged it ("token:…")
    bool always_open_ticket = false;  // an agent's log without ticket_id opens its own ticket
    // The PBX's offset from UTC when the call started: a caller's missed calls make one
    // call-back ticket per day of the PBX's calendar, not of UTC's.
    std::chrono::seconds utc_offset{0};
};

// What happened to a call: filed (outcome) or skipped with a reason (nothing written).
// Whether two instants fall on the same calendar day at a PBX `utc_offset` from UTC.
inline bool same_pbx_day(Timestamp a, Timestamp b, std::chrono::seconds utc_offset) {
    return std::chrono::floor<std::chrono::days>(a + utc_offset) == std::chrono::floor<std::chrono::days>(b + utc_offset);
}

// Whether `call` goes onto the caller's ticket `t` (of the caller's open tickets, newest
// first, the first that takes it): a call-back (missed, to a support line) only onto that PBX
// day's call-back ticket, even one a later call opened (a PBX writes rows as calls end, not in
// order); any other call onto an open ticket that existed when it was made, so a re-import
// decides the same way. The one rule of accept_call and file_calls.
bool call_goes_onto(const Ticket& t, const PhoneCall& call, bool call_back);

struct CallOutcome {
    std::optional<IntakeOutcome> intake;
    std::string skipped;  // e.g. "internal call", "withheld number, nothing to call back"
    bool call_back = false;  // filed as (or onto) a call-back ticket
};

// The Enquiry a call becomes (channel phone; the subject and text say what happened).
Enquiry enquiry_of(const PhoneCall& call);

// Files one call inside the caller's transaction (see the header comment).
Result<CallOutcome> accept_call(const Intake& intake, StoreTx& tx, const PhoneCall& call);

}  // namespace triage
