#include "server/escalation_mail.hpp"

namespace triage::server {

EscalationOutboxMail::EscalationOutboxMail(const EmailOutbox& outbox, const TicketDesk& desk, std::function<void()> wake)
    : outbox_(outbox), desk_(desk), wake_(std::move(wake)) {}

void EscalationOutboxMail::notice(StoreTx& tx, const Ticket& ticket, NotificationRecord& n,
                                  std::vector<TicketEvent>& events) const {
    if (!outbox_.enabled()) {
        n.status = "unsent";
        n.last_error = "outbound mail is off (no email.relay configured)";
        return;
    }
    std::string why_not;
    const auto id = outbox_.queue_notice(tx, ticket, n.target, n.subject, n.body, events, why_not);
    if (id == 0) {
        n.status = "unsent";
        n.last_error = std::move(why_not);
        return;
    }
    n.status = "queued";
    n.outbox_id = id;
    if (wake_) tx.after_commit(wake_);
}

Result<DeskOutcome> EscalationOutboxMail::reply(StoreTx& tx, TicketId ticket, const NewMessage& message,
                                                const Actor& actor) const {
    auto outcome = add_message_and_mail(desk_, outbox_, tx, ticket, message, actor);
    if (outcome && outbox_.enabled() && wake_) tx.after_commit(wake_);
    return outcome;
}

}  // namespace triage::server
