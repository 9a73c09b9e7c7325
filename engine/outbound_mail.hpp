// OutboundMail: one email the desk owes a customer — an acknowledgement of a new ticket, an
// agent's or a rule's reply — or an escalation notice to desk people or a partner, as a row
// of the durable outbox, written in the same transaction as the ticket change that caused
// it, and delivered by the sender (server/email_sender.hpp) exactly once per Message-ID.
// A plain value.
#pragma once

#include "engine/customer.hpp"
#include "engine/ticket.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace triage {

// acknowledgement: of a new email ticket. reply: an agent's. auto_reply: a rule's automatic
// reply to the requester (RFC 3834 auto-replied, null return path, as acknowledgements).
// notice: escalation mail to desk people or a partner (tier notices, rule notices, case
// summaries; Auto-Submitted: auto-generated), not on the ticket's thread. report: a message
// to staff that belongs to no ticket (the weekly report), carried whole in OutboundMail::raw
// and sent as it is.
enum class OutboundKind { acknowledgement, reply, auto_reply, notice, report };
// pending: waiting for its next attempt. sending: the relay may have the message (the final
// "." was about to go out, or went out, and no 250 was recorded) — found at start-up it means
// a crash in that window. sent: the relay said 250. failed: given up (5xx, too many attempts,
// a bouncing address).
enum class OutboundState { pending, sending, sent, failed };

std::string_view to_string(OutboundKind k) noexcept;
std::optional<OutboundKind> parse_outbound_kind(std::string_view s) noexcept;
std::string_view to_string(OutboundState s) noexcept;
std::optional<OutboundState> parse_outbound_state(std::string_view s) noexcept;

struct OutboundMail {
    std::int64_t id = 0;
    TicketId ticket_id = 0;    // 0: no ticket (kind report)
    MessageId message_id = 0;  // the thread entry this mail carries (0: a notice or report, on no thread)
    OutboundKind kind = OutboundKind::reply;
    std::string rfc_message_id;  // "<...>"; also the carried message's external_id
    std::string from_name;
    std::string from_address;
    std::string to_name;
    std::string to_address;  // lower case; kind report: every recipient, separated by ", "
    std::string reply_to;    // e.g. support+T-42@example.fi
    std::string subject;     // UTF-8
    std::string body;        // UTF-8 text
    std::string in_reply_to;              // "<...>" or ""
    std::vector<std::string> references;  // oldest first, each "<...>"
    std::string language;                 // of the text: en, fi, et, lv
    OutboundState state = OutboundState::pending;
    int attempts = 0;
    Timestamp created_at{};       // UTC; also the Date: header, so a resend is byte-identical
    Timestamp next_attempt_at{};  // UTC
    std::optional<Timestamp> sent_at;
    std::string last_error;
    std::string raw;  // kind report: the complete RFC 5322 message; "" otherwise
};

}  // namespace triage
