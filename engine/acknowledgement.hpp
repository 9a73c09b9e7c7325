// Acknowledgements of new tickets: whether one may be sent (RFC 3834: never to machine or
// bulk mail, never to a bouncing address, at most N per sender address per hour so two
// autoresponders cannot loop), and its text in the ticket's language (en, fi, et, lv; other
// languages get English). Also the outbound helpers shared by replies: subjects carrying the
// ticket key, and the retry back-off. Pure functions; thread-safe.
#pragma once

#include "engine/enquiry.hpp"
#include "engine/ticket.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace triage {

struct AckDecision {
    bool send = false;
    std::string reason;  // why not (or "ok"), for the audit log
};

struct AckContext {
    bool enabled = true;
    bool address_bouncing = false;
    std::int64_t sent_in_window = 0;  // acknowledgements to this address in the last hour
    int limit_per_window = 3;         // 0: never acknowledge
};

// `enquiry` as intake took it; `created` whether it opened a new ticket. Email and web-form
// tickets are acknowledged (to the sender's address); other channels are not.
AckDecision decide_acknowledgement(const Enquiry& enquiry, bool created, const AckContext& context);

// True for mailer-daemon, postmaster and no-reply style local parts.
bool is_no_reply_address(std::string_view address);

// Why a rule's automatic reply on `ticket` must not be mailed to `to_address`, or nullopt:
// the loop protection of acknowledgements (RFC 3834) for every automatic mail. A ticket that
// machine-sent, bounced or bulk mail opened (its tags say so), a no-reply address, or
// `sent_in_window` automatic mails to it in the last hour reaching `limit_per_window`.
std::optional<std::string> automatic_reply_refusal(const Ticket& ticket, std::string_view to_address,
                                                   std::int64_t sent_in_window, int limit_per_window);

struct MailText {
    std::string subject;
    std::string body;
    std::string language;  // the template's: en, fi, et or lv
};

// The language a template exists for: fi, et, lv or en ("fi-FI" -> fi; "und", "sv" -> en).
std::string template_language(std::string_view ticket_language);

// The acknowledgement of `ticket` in its language, addressed to `customer_name` (may be "").
MailText acknowledgement_text(const Ticket& ticket, std::string_view customer_name);

// "Re: <subject> [T-42]": one "Re:" and the ticket key once, whatever the subject had.
std::string reply_subject(const Ticket& ticket);

// The wait before attempt `attempts + 1`: `initial` doubled per failed attempt, at most `max`.
std::chrono::milliseconds retry_delay(int attempts, std::chrono::milliseconds initial, std::chrono::milliseconds max);

}  // namespace triage
