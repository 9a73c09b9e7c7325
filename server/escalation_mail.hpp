// EscalationOutboxMail: the escalation engine's email (EscalationMail in
// escalation/escalation_engine.hpp) through the email outbox (server/email_outbox.hpp) —
// tier notices, rule notices and partner case summaries as `notice` rows, a rule's reply as
// the desk's message mailed like an agent's reply (kind auto_reply) — written in the
// engine's unit, so each commits with the change that caused it and is delivered once; the
// sender is woken after that commit. Immutable after construction; thread-safe.
#pragma once

#include "escalation/escalation_engine.hpp"
#include "server/email_outbox.hpp"

#include <functional>

namespace triage::server {

class EscalationOutboxMail final : public EscalationMail {
public:
    // `wake` tells the sender that mail was queued (App::mail_queued); called after commit.
    EscalationOutboxMail(const EmailOutbox& outbox, const TicketDesk& desk, std::function<void()> wake);

    void notice(StoreTx& tx, const Ticket& ticket, NotificationRecord& n,
                std::vector<TicketEvent>& events) const override;
    Result<DeskOutcome> reply(StoreTx& tx, TicketId ticket, const NewMessage& message,
                              const Actor& actor) const override;

private:
    const EmailOutbox& outbox_;
    const TicketDesk& desk_;
    std::function<void()> wake_;
};

}  // namespace triage::server
