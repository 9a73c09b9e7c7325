// EmailOutbox: decides and writes the mail the desk owes customers — the acknowledgement of
// a new email ticket, an agent's reply — as outbox rows (engine/outbound_mail.hpp) inside the
// same store unit as the ticket change that causes them, so a change and its mail commit
// together or not at all. It also maps our addresses: "support+T-42@…" is the support
// mailbox with a ticket key (the Reply-To we send). Delivery is EmailSender's.
// Immutable after construction; thread-safe (each call works in the caller's StoreTx).
#pragma once

#include "engine/clock.hpp"
#include "engine/enquiry.hpp"
#include "engine/intake.hpp"
#include "engine/outbound_mail.hpp"
#include "engine/store.hpp"
#include "engine/ticket_desk.hpp"
#include "server/config.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace triage::server {

// "support+t-42@x.fi" -> "support@x.fi"; other addresses unchanged.
std::string mailbox_of(std::string_view address);
// The ticket named by a "+T-42" subaddress, if any.
std::optional<TicketId> ticket_of_subaddress(std::string_view address);

class EmailOutbox {
public:
    EmailOutbox(const EmailConfig& config, const Clock& clock);

    // Outbound mail is on when a relay is configured (email.relay); off, nothing is queued.
    bool enabled() const { return config_.relay.has_value(); }

    // In the unit that took `enquiry` in: queues an acknowledgement of a new ticket when
    // decide_acknowledgement allows, and audits either way ("acknowledgement_queued" or
    // "acknowledgement_suppressed" with the reason), appending to outcome.events. The text is
    // in `language` (fi, et, lv, en) when given, else in the ticket's language.
    void acknowledge(StoreTx& tx, const Enquiry& enquiry, IntakeOutcome& outcome, std::string_view language = {}) const;

    // In the unit that posts an agent reply, before the reply is stored: the mail that will
    // carry it (its Message-ID becomes the message's external_id), or nullopt with `why_not`
    // when the requester has no address we may write to.
    // Why a rule's automatic reply on the ticket must not be mailed to `to_address`
    // (automatic_reply_refusal), or nullopt.
    std::optional<std::string> automatic_reply_refused(StoreTx& tx, TicketId ticket, const std::string& to_address) const;
    std::optional<OutboundMail> plan_reply(StoreTx& tx, TicketId ticket, std::string_view body,
                                           std::string& why_not) const;
    // After the reply `message` is stored: the outbox row and its audit event.
    void queue(StoreTx& tx, OutboundMail& mail, const Message& message, std::vector<TicketEvent>& events) const;

    // An escalation notice about `ticket` to desk people or a partner (kind notice, on no
    // thread): From the ticket's mailbox, Reply-To its support+T-42 address and "[T-42]" in
    // the subject, so an answer lands on the ticket; In-Reply-To and References the earlier
    // notices of this ticket to the same address, so they thread in the recipient's mail.
    // Queued as an outbox row (with an "email_queued" audit event); returns its id, or 0 with
    // `why_not` when `to` is no address we may write to (bouncing).
    std::int64_t queue_notice(StoreTx& tx, const Ticket& ticket, std::string_view to, std::string_view subject,
                              std::string_view body, std::vector<TicketEvent>& events, std::string& why_not) const;

private:
    std::string from_address_for(const Ticket& ticket) const;
    std::string reply_to_for(const Ticket& ticket, const std::string& from) const;
    std::string new_message_id(TicketId ticket, std::string_view what) const;

    const EmailConfig& config_;
    const Clock& clock_;
};

// The agent's POST .../messages in one unit: the desk adds the message, and a public reply
// to a customer with a usable email address is queued to go out (its Message-ID stored as
// the message's external_id, so the customer's answer threads by In-Reply-To). A reply that
// cannot be mailed is audited as "reply_not_emailed" with the reason. An automatic reply
// (NewMessage::automatic, a rule's) goes as kind auto_reply.
Result<DeskOutcome> add_message_and_mail(const TicketDesk& desk, const EmailOutbox& outbox, StoreTx& tx, TicketId id,
                                         NewMessage message, const Actor& actor);

}  // namespace triage::server
