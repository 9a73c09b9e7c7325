#include "server/email_outbox.hpp"

#include "engine/acknowledgement.hpp"
#include "engine/text.hpp"

#include <fmt/format.h>
#include <random>

namespace triage::server {
namespace {

constexpr auto kAckWindow = std::chrono::hours(1);
constexpr std::size_t kMaxReferences = 20;

bool is_real_message_id(const std::string& id) {
    return id.size() > 2 && id.front() == '<' && !id.ends_with("@sha256.invalid>");
}

bool bouncing(StoreTx& tx, const Identity& id) {
    for (const auto& f : tx.identity_flags(id))
        if (f.flag == kBouncingFlag) return true;
    return false;
}

TicketEvent audit(TicketId ticket, Timestamp at, std::string type, std::string detail) {
    TicketEvent e;
    e.ticket_id = ticket;
    e.at = at;
    e.actor = "system";
    e.type = std::move(type);
    e.detail = std::move(detail);
    return e;
}

}  // namespace

std::string mailbox_of(std::string_view address) {
    auto at = address.rfind('@');
    if (at == std::string_view::npos) return std::string(address);
    auto plus = address.substr(0, at).find('+');
    if (plus == std::string_view::npos) return std::string(address);
    return std::string(address.substr(0, plus)) + std::string(address.substr(at));
}

std::optional<TicketId> ticket_of_subaddress(std::string_view address) {
    auto at = address.rfind('@');
    if (at == std::string_view::npos) return std::nullopt;
    auto local = address.substr(0, at);
    auto plus = local.find('+');
    if (plus == std::string_view::npos) return std::nullopt;
    return parse_ticket_key(local.substr(plus + 1));
}

EmailOutbox::EmailOutbox(const EmailConfig& config, const Clock& clock) : config_(config), clock_(clock) {}

std::string EmailOutbox::from_address_for(const Ticket& ticket) const {
    for (const auto& [address, queue] : config_.mailboxes)
        if (queue == ticket.queue) return address;
    if (!config_.from_address.empty()) return config_.from_address;
    if (!config_.mailboxes.empty()) return config_.mailboxes.begin()->first;
    return "support@" + config_.hostname;
}

std::string EmailOutbox::reply_to_for(const Ticket& ticket, const std::string& from) const {
    auto at = from.rfind('@');
    if (at == std::string::npos) return from;
    return from.substr(0, at) + "+" + ticket_key(ticket.id) + from.substr(at);
}

std::string EmailOutbox::new_message_id(TicketId ticket, std::string_view what) const {
    thread_local std::mt19937_64 random{std::random_device{}()};
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.system_now().time_since_epoch()).count();
    return fmt::format("<{}.{}.{}.{:016x}@{}>", ticket_key(ticket), what, ms, random(), config_.hostname);
}

void EmailOutbox::acknowledge(StoreTx& tx, const Enquiry& enquiry, IntakeOutcome& outcome, std::string_view language) const {
    if (!config_.relay) return;  // no relay: outbound mail is off, nothing piles up unsent
    const Timestamp now = clock_.system_now();
    const Ticket& ticket = outcome.ticket;
    const Identity* to = nullptr;
    Identity normalised;
    for (const auto& id : enquiry.sender) {
        if (id.kind != IdentityKind::email) continue;
        normalised = normalise_identity(id.kind, id.value);
        if (!normalised.value.empty()) {
            to = &normalised;
            break;
        }
    }
    AckContext context;
    context.enabled = config_.acknowledgements;
    context.limit_per_window = config_.ack_limit_per_hour;
    if (to) {
        context.address_bouncing = bouncing(tx, *to);
        context.sent_in_window = tx.acknowledgements_since(to->value, now - kAckWindow);
    }
    auto decision = decide_acknowledgement(enquiry, outcome.created, context);
    if (decision.send && !to) decision = {false, "no valid sender address"};
    if (!decision.send) {
        if (outcome.created) {
            auto e = audit(ticket.id, now, "acknowledgement_suppressed", decision.reason);
            tx.append_event(e);
            outcome.events.push_back(std::move(e));
        }
        return;
    }
    MailText text;
    if (language.empty()) text = acknowledgement_text(ticket, enquiry.sender_name);
    else {
        Ticket in_language = ticket;  // the language the customer asked for, e.g. the web form's
        in_language.language = std::string(language);
        text = acknowledgement_text(in_language, enquiry.sender_name);
    }
    OutboundMail mail;
    mail.ticket_id = ticket.id;
    mail.kind = OutboundKind::acknowledgement;
    mail.rfc_message_id = new_message_id(ticket.id, "ack");
    mail.from_name = config_.from_name;
    mail.from_address = from_address_for(ticket);
    mail.to_name = enquiry.sender_name;
    mail.to_address = to->value;
    mail.reply_to = reply_to_for(ticket, mail.from_address);
    mail.subject = text.subject;
    mail.body = text.body;
    if (is_real_message_id(enquiry.external_id)) {
        mail.in_reply_to = enquiry.external_id;
        mail.references = {enquiry.external_id};
    }
    mail.language = text.language;
    mail.created_at = now;
    mail.next_attempt_at = now;

    // The acknowledgement is on the thread too, so a reply to it threads by In-Reply-To.
    Message m;
    m.ticket_id = ticket.id;
    m.kind = MessageKind::reply;
    m.author_kind = AuthorKind::system;
    m.author_name = config_.from_name;
    m.channel = Channel::email;
    m.body = mail.body;
    m.external_id = mail.rfc_message_id;
    m.created_at = now;
    tx.insert_message(m);
    mail.message_id = m.id;
    tx.insert_outbound(mail);
    auto e = audit(ticket.id, now, "acknowledgement_queued",
                   fmt::format("{} to {} ({})", mail.rfc_message_id, mail.to_address, mail.language));
    tx.append_event(e);
    outcome.events.push_back(std::move(e));
}

std::optional<std::string> EmailOutbox::automatic_reply_refused(StoreTx& tx, TicketId ticket_id,
                                                              const std::string& to_address) const {
    auto ticket = tx.ticket(ticket_id);
    if (!ticket) return "no such ticket";
    const auto sent = tx.acknowledgements_since(to_address, clock_.system_now() - kAckWindow);
    return automatic_reply_refusal(*ticket, to_address, sent, config_.ack_limit_per_hour);
}

std::optional<OutboundMail> EmailOutbox::plan_reply(StoreTx& tx, TicketId ticket_id, std::string_view body,
                                                    std::string& why_not) const {
    auto ticket = tx.ticket(ticket_id);
    if (!ticket) {
        why_not = "no such ticket";
        return std::nullopt;
    }
    auto customer = tx.customer(ticket->requester_id);
    if (!customer) {
        why_not = "no requester";
        return std::nullopt;
    }
    const Identity* to = nullptr;
    bool any_email = false;
    for (const auto& id : customer->identities) {
        if (id.kind != IdentityKind::email) continue;
        any_email = true;
        if (!bouncing(tx, id)) {
            to = &id;
            break;
        }
    }
    if (!to) {
        why_not = any_email ? "the requester's address is bouncing" : "the requester has no email address";
        return std::nullopt;
    }
    const Timestamp now = clock_.system_now();
    OutboundMail mail;
    mail.ticket_id = ticket->id;
    mail.kind = OutboundKind::reply;
    mail.rfc_message_id = new_message_id(ticket->id, "reply");
    mail.from_name = config_.from_name;
    mail.from_address = from_address_for(*ticket);
    mail.to_name = customer->name;
    mail.to_address = to->value;
    mail.reply_to = reply_to_for(*ticket, mail.from_address);
    mail.subject = reply_subject(*ticket);
    mail.body = std::string(body);
    // In-Reply-To: the customer's last email; References: the thread's email ids, oldest first.
    for (const auto& m : tx.messages(ticket->id)) {
        if (!is_real_message_id(m.external_id) || m.channel != Channel::email) continue;
        mail.references.push_back(m.external_id);
        if (m.kind == MessageKind::inbound && m.author_kind == AuthorKind::customer) mail.in_reply_to = m.external_id;
    }
    if (mail.references.size() > kMaxReferences)  // the first and the latest, as RFC 5322 3.6.4 suggests
        mail.references.erase(mail.references.begin() + 1,
                              mail.references.end() - static_cast<std::ptrdiff_t>(kMaxReferences - 1));
    mail.language = template_language(ticket->language);
    mail.created_at = now;
    mail.next_attempt_at = now;
    return mail;
}

void EmailOutbox::queue(StoreTx& tx, OutboundMail& mail, const Message& message, std::vector<TicketEvent>& events) const {
    mail.message_id = message.id;
    tx.insert_outbound(mail);
    auto e = audit(mail.ticket_id, mail.created_at, "email_queued",
                   fmt::format("{} to {}", mail.rfc_message_id, mail.to_address));
    tx.append_event(e);
    events.push_back(std::move(e));
}

std::int64_t EmailOutbox::queue_notice(StoreTx& tx, const Ticket& ticket, std::string_view to_address,
                                       std::string_view subject, std::string_view body,
                                       std::vector<TicketEvent>& events, std::string& why_not) const {
    const Identity to = normalise_identity(IdentityKind::email, to_address);
    if (to.value.empty()) {
        why_not = fmt::format("'{}' is not an email address", to_address);
        return 0;
    }
    if (bouncing(tx, to)) {
        why_not = fmt::format("{} is bouncing", to.value);
        return 0;
    }
    const Timestamp now = clock_.system_now();
    OutboundMail mail;
    mail.ticket_id = ticket.id;
    mail.kind = OutboundKind::notice;
    mail.rfc_message_id = new_message_id(ticket.id, "notice");
    mail.from_name = config_.from_name;
    mail.from_address = from_address_for(ticket);
    mail.to_address = to.value;
    mail.reply_to = reply_to_for(ticket, mail.from_address);
    mail.subject = std::string(subject);
    if (mail.subject.find("[" + ticket_key(ticket.id) + "]") == std::string::npos)
        mail.subject = fmt::format("[{}] {}", ticket_key(ticket.id), subject);
    mail.body = std::string(body);
    for (const auto& earlier : tx.outbound_for_ticket(ticket.id))
        if (earlier.kind == OutboundKind::notice && earlier.to_address == mail.to_address)
            mail.references.push_back(earlier.rfc_message_id);
    if (mail.references.size() > kMaxReferences)
        mail.references.erase(mail.references.begin() + 1,
                              mail.references.end() - static_cast<std::ptrdiff_t>(kMaxReferences - 1));
    if (!mail.references.empty()) mail.in_reply_to = mail.references.back();
    mail.language = "en";
    mail.created_at = now;
    mail.next_attempt_at = now;
    tx.insert_outbound(mail);
    auto e = audit(ticket.id, now, "email_queued", fmt::format("{} to {} (notice)", mail.rfc_message_id, mail.to_address));
    tx.append_event(e);
    events.push_back(std::move(e));
    return mail.id;
}

Result<DeskOutcome> add_message_and_mail(const TicketDesk& desk, const EmailOutbox& outbox, StoreTx& tx, TicketId id,
                                         NewMessage message, const Actor& actor) {
    std::optional<OutboundMail> mail;
    std::string why_not;
    const bool mailing = message.kind == MessageKind::reply && outbox.enabled();
    if (mailing) mail = outbox.plan_reply(tx, id, message.body, why_not);
    if (mail && message.automatic) {  // a rule's reply: loop protection as for acknowledgements
        if (auto why = outbox.automatic_reply_refused(tx, id, mail->to_address)) {
            mail.reset();
            why_not = std::move(*why);
        }
    }
    auto outcome = desk.add_message(tx, id, message, actor);
    if (!outcome || !mailing) return outcome;
    if (mail) {
        if (message.automatic) mail->kind = OutboundKind::auto_reply;
        tx.set_message_external_id(outcome->message->id, Channel::email, mail->rfc_message_id);
        outcome->message->channel = Channel::email;
        outcome->message->external_id = mail->rfc_message_id;
        outbox.queue(tx, *mail, *outcome->message, outcome->events);
    } else {
        auto e = audit(id, outcome->message->created_at, "reply_not_emailed", why_not);
        tx.append_event(e);
        outcome->events.push_back(std::move(e));
    }
    return outcome;
}

}  // namespace triage::server
