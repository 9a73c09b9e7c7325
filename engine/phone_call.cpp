#include "engine/phone_call.hpp"

#include "engine/text.hpp"
#include "engine/time_format.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace triage {
namespace {

constexpr const char* kCallBackTag = "call-back";

bool is_open(TicketStatus s) {
    return s == TicketStatus::new_ || s == TicketStatus::open || s == TicketStatus::pending ||
           s == TicketStatus::on_hold;
}

bool missed(CallDisposition d) { return d != CallDisposition::answered; }

std::string duration_text(std::int64_t s) {
    if (s < 60) return fmt::format("{} s", s);
    return fmt::format("{} min {} s", s / 60, s % 60);
}

}  // namespace

bool call_goes_onto(const Ticket& t, const PhoneCall& call, bool call_back) {
    if (!is_open(t.status)) return false;
    if (!call_back) return t.created_at <= call.started_at;
    return std::find(t.tags.begin(), t.tags.end(), kCallBackTag) != t.tags.end() &&
           same_pbx_day(t.created_at, call.started_at, call.utc_offset);
}

std::string_view to_string(CallDirection d) noexcept {
    switch (d) {
        case CallDirection::inbound: return "inbound";
        case CallDirection::outbound: return "outbound";
        case CallDirection::internal: return "internal";
    }
    return "inbound";
}

std::string_view to_string(CallDisposition d) noexcept {
    switch (d) {
        case CallDisposition::answered: return "answered";
        case CallDisposition::no_answer: return "no_answer";
        case CallDisposition::busy: return "busy";
        case CallDisposition::failed: return "failed";
        case CallDisposition::congestion: return "congestion";
    }
    return "answered";
}

std::optional<CallDirection> parse_call_direction(std::string_view s) noexcept {
    for (auto d : {CallDirection::inbound, CallDirection::outbound, CallDirection::internal})
        if (to_string(d) == s) return d;
    return std::nullopt;
}

std::optional<CallDisposition> parse_call_disposition(std::string_view s) noexcept {
    std::string v = ascii_lower(s);
    for (char& c : v)
        if (c == ' ' || c == '-') c = '_';
    for (auto d : {CallDisposition::answered, CallDisposition::no_answer, CallDisposition::busy, CallDisposition::failed,
                   CallDisposition::congestion})
        if (to_string(d) == v) return d;
    if (v == "missed") return CallDisposition::no_answer;
    return std::nullopt;
}

Enquiry enquiry_of(const PhoneCall& call) {
    Enquiry e;
    e.channel = Channel::phone;
    e.received_at = call.started_at;
    e.external_id = call.external_id;
    e.client_idempotency_key = call.client_idempotency_key;
    e.sender_name = call.caller_name;
    if (!call.number.empty()) e.sender.push_back({IdentityKind::phone, call.number});
    const std::string who = call.number.empty() ? std::string("a withheld number") : call.number;
    const bool call_back = call.direction == CallDirection::inbound && missed(call.disposition) && call.to_support_line;
    if (call_back) {
        e.subject = fmt::format("Call back {}: missed call", who);
        e.tags.push_back(kCallBackTag);
    } else {
        e.subject = fmt::format("Phone call {} {}", call.direction == CallDirection::outbound ? "to" : "from", who);
    }
    e.text = fmt::format("{} call {} {}, {}, {} ({}), at {}.", call.direction == CallDirection::outbound ? "Outbound" : "Inbound",
                         call.direction == CallDirection::outbound ? "to" : "from", who,
                         std::string(to_string(call.disposition)), duration_text(call.duration_s),
                         call.line.empty() ? std::string("line unknown") : "line " + call.line,
                         format_rfc3339(call.started_at));
    if (!is_blank(call.notes)) e.text += "\n\n" + call.notes;
    e.category = call.category;
    e.thread.ticket_id = call.ticket_id;
    e.raw_sha256 = call.raw_sha256;
    e.metadata["direction"] = std::string(to_string(call.direction));
    e.metadata["disposition"] = std::string(to_string(call.disposition));
    e.metadata["duration_s"] = std::to_string(call.duration_s);
    if (!call.line.empty()) e.metadata["line"] = call.line;
    if (!call.source.empty()) e.metadata["source"] = call.source;
    if (!call.created_by.empty()) e.metadata["created_by"] = call.created_by;
    return e;
}

Result<CallOutcome> accept_call(const Intake& intake, StoreTx& tx, const PhoneCall& call) {
    CallOutcome out;
    if (!call.ticket_id) {
        if (call.direction == CallDirection::internal) {
            out.skipped = "internal call";
            return out;
        }
    }
    Enquiry e = enquiry_of(call);
    const bool call_back =
        call.direction == CallDirection::inbound && missed(call.disposition) && call.to_support_line;
    out.call_back = call_back;

    if (!call.ticket_id && call.always_open_ticket) {
        // the agent asked for a ticket of its own
    } else if (!call.ticket_id) {
        const bool known = !call.external_id.empty() && tx.message_by_external_id(Channel::phone, call.external_id);
        if (known) {
            // already taken in: let Intake answer the duplicate
        } else if (call.number.empty()) {
            if (missed(call.disposition)) {
                out.skipped = "missed call from a withheld number: nothing to call back";
                return out;
            }
        } else if (auto customer = tx.customer_by_identity({IdentityKind::phone, call.number})) {
            TicketQuery q;
            q.requester = *customer;
            q.limit = 50;
            auto page = tx.tickets(q);
            for (const auto& t : page.tickets) {
                if (!call_goes_onto(t, call, call_back)) continue;
                e.thread.ticket_id = t.id;
                break;
            }
        }
        if (!known && !e.thread.ticket_id && !call_back && missed(call.disposition)) {
            // A missed call that is not a call-back (outbound, or to a line that is not
            // support) is only worth keeping on a ticket that already exists.
            out.skipped = "missed call with no open ticket";
            return out;
        }
    } else if (!tx.ticket(*call.ticket_id)) {
        return problem(errc::not_found, fmt::format("ticket {} does not exist", ticket_key(*call.ticket_id)), "ticket_id");
    }
    TRIAGE_TRY(auto filed, intake.accept(tx, e));
    out.intake = std::move(filed);
    return out;
}

}  // namespace triage
