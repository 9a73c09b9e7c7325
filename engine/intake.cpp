#include "engine/intake.hpp"

#include "engine/lifecycle.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace triage {
namespace {

constexpr std::size_t kMaxDerivedSubject = 80;

// Cuts a UTF-8 string to at most `max` bytes without splitting a character.
std::string cut_utf8(std::string_view s, std::size_t max) {
    if (s.size() <= max) return std::string(s);
    std::size_t end = max;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
    return std::string(s.substr(0, end)) + "…";
}

// The customer of an enquiry: the first identity we know wins and learns the others;
// with none known, a new customer with all of them.
CustomerId resolve_customer(StoreTx& tx, const Enquiry& enquiry, Timestamp now) {
    std::vector<Identity> identities;
    for (const auto& raw : enquiry.sender) {
        auto id = normalise_identity(raw.kind, raw.value);
        if (!id.value.empty() && std::find(identities.begin(), identities.end(), id) == identities.end())
            identities.push_back(std::move(id));
    }
    // An email address first: it is where the desk answers. A known phone or fax number with
    // an unknown address joins that customer only when they have no address yet (the caller
    // now writes in); a customer with another address is someone else who typed that number,
    // and gets no stranger's address added (the number stays with its customer).
    std::stable_partition(identities.begin(), identities.end(),
                          [](const Identity& id) { return id.kind == IdentityKind::email; });
    const bool gives_email = !identities.empty() && identities.front().kind == IdentityKind::email;
    std::vector<Identity> taken;  // numbers that are another customer's
    for (const auto& id : identities) {
        auto known = tx.customer_by_identity(id);
        if (!known) continue;
        if (id.kind != IdentityKind::email && gives_email) {
            auto customer = tx.customer(*known);
            const bool has_email = customer && std::any_of(customer->identities.begin(), customer->identities.end(),
                                                           [](const Identity& i) { return i.kind == IdentityKind::email; });
            if (has_email) {
                taken.push_back(id);
                continue;
            }
        }
        for (const auto& other : identities)
            if (&other != &id && std::find(taken.begin(), taken.end(), other) == taken.end())
                tx.add_identity(*known, other);  // `id` is known to be theirs
        return *known;
    }
    std::erase_if(identities, [&](const Identity& id) { return std::find(taken.begin(), taken.end(), id) != taken.end(); });
    Customer c;
    c.name = enquiry.sender_name;
    c.organisation = enquiry.organisation;
    c.identities = std::move(identities);
    c.preferred_language = enquiry.language == "und" ? "" : enquiry.language;
    c.created_at = now;
    return tx.insert_customer(c);
}

// A bounce flags the addresses it names as failed (any customer's: the desk wrote to them),
// or, naming none, the requester's email addresses. Returns the flagged ones, comma-separated.
std::string flag_bounced_addresses(StoreTx& tx, const Enquiry& enquiry, CustomerId requester, Timestamp now) {
    std::vector<Identity> addresses;
    if (auto failed = enquiry.metadata.find("failed_recipients"); failed != enquiry.metadata.end()) {
        std::string_view list = failed->second;
        while (!list.empty()) {
            auto comma = list.find(',');
            auto id = normalise_identity(IdentityKind::email, list.substr(0, comma));
            if (!id.value.empty() && tx.customer_by_identity(id)) addresses.push_back(std::move(id));
            list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        }
    }
    if (addresses.empty()) {
        if (auto customer = tx.customer(requester))
            for (const auto& id : customer->identities)
                if (id.kind == IdentityKind::email) addresses.push_back(id);
    }
    auto reason = enquiry.metadata.find("auto_reason");
    std::string flagged;
    for (const auto& id : addresses) {
        tx.flag_identity({id, std::string(kBouncingFlag), now,
                          fmt::format("bounce {}{}", enquiry.external_id,
                                      reason == enquiry.metadata.end() ? "" : " (" + reason->second + ")")});
        flagged += (flagged.empty() ? "" : ", ") + id.value;
    }
    return flagged;
}

// What differs between a request repeated under a client's idempotency key and the one first
// sent under it, as far as what was stored can tell: the text, the sender's name and
// identities, and (for the ticket it opened) the subject as first filed. "" when nothing.
std::string idempotency_mismatch(StoreTx& tx, const Enquiry& enquiry, const Ticket& ticket, MessageId first) {
    const auto messages = tx.messages(ticket.id);
    const auto m = std::find_if(messages.begin(), messages.end(), [&](const Message& x) { return x.id == first; });
    if (m == messages.end()) return {};
    if (m->body != enquiry.text) return "body";
    if (m->author_name != enquiry.sender_name) return "sender name";
    if (auto customer = tx.customer(m->author_id)) {  // gone when merged since: not comparable
        for (const auto& given : enquiry.sender) {
            const auto id = normalise_identity(given.kind, given.value);
            if (std::find(customer->identities.begin(), customer->identities.end(), id) == customer->identities.end())
                return id.kind == IdentityKind::email ? "requester email" : "requester phone";
        }
    }
    if (m == messages.begin()) {  // the message opened the ticket: its subject was the request's
        std::string filed = ticket.subject;
        for (const auto& e : tx.events(ticket.id)) {
            const auto change = std::find_if(e.changes.begin(), e.changes.end(),
                                             [](const FieldChange& c) { return c.field == "subject"; });
            if (change != e.changes.end() && e.type != "created") {
                filed = change->before;  // renamed since: the first name it had
                break;
            }
        }
        if (filed != subject_from_text(enquiry.subject, enquiry.text)) return "subject";
    }
    return {};
}

}  // namespace

void open_ticket(Ticket& t, const Enquiry& enquiry, CustomerId requester, std::string_view default_queue,
                 Timestamp received, Timestamp now) {
    t.subject = subject_from_text(enquiry.subject, enquiry.text);
    if (!enquiry.queue.empty()) t.queue = enquiry.queue;
    if (t.queue.empty()) t.queue = std::string(default_queue);
    if (!enquiry.category.empty()) t.category = enquiry.category;
    if (enquiry.priority) t.priority = *enquiry.priority;
    t.tags = normalise_tags(enquiry.tags);
    t.language = enquiry.language.empty() ? "und" : enquiry.language;
    t.channel = enquiry.channel;
    t.requester_id = requester;
    t.status = TicketStatus::new_;
    t.created_at = received;
    t.updated_at = now;
}

Message inbound_message(const Enquiry& enquiry, CustomerId author, Timestamp received) {
    Message message;
    message.kind = MessageKind::inbound;
    message.author_kind = AuthorKind::customer;
    message.author_id = author;
    message.author_name = enquiry.sender_name;
    message.channel = enquiry.channel;
    message.body = enquiry.text;
    // Email's whole text, when the new text was split from quoted history or a signature.
    if (auto full = enquiry.metadata.find("full_text");
        enquiry.channel == Channel::email && full != enquiry.metadata.end() && full->second != enquiry.text)
        message.full_body = full->second;
    message.html = enquiry.html;
    message.attachments = enquiry.attachments;
    message.external_id = enquiry.external_id;
    message.raw_sha256 = enquiry.raw_sha256;
    message.created_at = received;
    return message;
}

TicketEvent ticket_event(const Ticket& t, Timestamp at, const std::string& actor, std::string type,
                  std::vector<FieldChange> changes, std::string detail) {
    TicketEvent e;
    e.ticket_id = t.id;
    e.at = at;
    e.actor = actor;
    e.type = std::move(type);
    e.changes = std::move(changes);
    e.detail = std::move(detail);
    return e;
}

std::vector<FieldChange> created_fields(const Ticket& t) {
    std::vector<FieldChange> fields{
        {"status", "", "new"},
        {"priority", "", std::string(to_string(t.priority))},
        {"queue", "", t.queue},
        {"channel", "", std::string(to_string(t.channel))},
    };
    if (!t.category.empty()) fields.push_back({"category", "", t.category});
    return fields;
}

std::string subject_from_text(const std::string& subject, const std::string& text) {
    auto first = subject.find_first_not_of(" \t\r\n");
    if (first != std::string::npos) {
        auto last = subject.find_last_not_of(" \t\r\n");
        return subject.substr(first, last - first + 1);
    }
    auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos) return "(no subject)";
    auto end = text.find_first_of("\r\n", begin);
    auto line = std::string_view(text).substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    return cut_utf8(line, kMaxDerivedSubject);
}

Intake::Intake(const Clock& clock, IntakeDefaults defaults) : clock_(clock), defaults_(std::move(defaults)) {}

Result<IntakeOutcome> Intake::accept(StoreTx& tx, const Enquiry& enquiry) const {
    const Timestamp now = clock_.system_now();
    const Timestamp received = enquiry.received_at == Timestamp{} ? now : enquiry.received_at;
    IntakeOutcome out;
    // The channel's raw bytes and attachments first: they are kept whatever follows.
    for (const auto& blob : enquiry.blobs)
        if (blob.bytes) tx.put_blob(blob.sha256, *blob.bytes);

    if (!enquiry.external_id.empty()) {
        if (auto seen = tx.message_by_external_id(enquiry.channel, enquiry.external_id)) {
            auto ticket = tx.ticket(seen->ticket_id);
            if (!ticket) return problem(errc::unavailable, "duplicate enquiry points at a missing ticket");
            if (enquiry.client_idempotency_key) {
                // A retry sends the same request; another text, sender or subject under the
                // key is a client's mistake that would otherwise lose the new enquiry silently.
                if (auto differs = idempotency_mismatch(tx, enquiry, *ticket, seen->message_id); !differs.empty())
                    return problem(errc::invalid_field,
                                   fmt::format("the idempotency key '{}' was already used for another request (ticket {}, "
                                               "with a different {}): use a new key for a new enquiry",
                                               enquiry.external_id, ticket_key(seen->ticket_id), differs),
                                   "idempotency_key");
            }
            out.ticket = std::move(*ticket);
            out.message.id = seen->message_id;
            out.message.ticket_id = seen->ticket_id;
            out.customer_id = out.ticket.requester_id;
            out.duplicate = true;
            out.threaded_by = "duplicate";
            return out;
        }
    }

    // Threading: message references first, then an explicit ticket hint.
    std::optional<Ticket> existing;
    if (!enquiry.thread.references.empty()) {
        if (auto hit = tx.ticket_by_message_ids(enquiry.thread.references)) {
            existing = tx.ticket(hit->first);
            out.threaded_by = fmt::format("references {}", hit->second);
        }
    }
    if (!existing && enquiry.thread.ticket_id) {
        existing = tx.ticket(*enquiry.thread.ticket_id);
        if (existing) out.threaded_by = fmt::format("ticket key {}", ticket_key(existing->id));
    }
    if (enquiry.kind == EnquiryKind::bounce && !existing) {
        out.unthreaded = true;  // a bounce never opens a ticket, nor a customer for mailer-daemon
        out.threaded_by = "unthreaded bounce";
        return out;
    }

    const CustomerId customer_id = enquiry.kind == EnquiryKind::bounce
                                       ? existing->requester_id  // mailer-daemon is nobody: the bounce is about the requester
                                       : resolve_customer(tx, enquiry, now);
    out.customer_id = customer_id;
    // Who acts: the system for a bounce, the API client that filed it on the customer's
    // behalf, or the customer who wrote.
    std::string actor = fmt::format("customer:{}", customer_id);
    if (enquiry.kind == EnquiryKind::bounce) actor = "system";
    else if (auto by = enquiry.metadata.find("created_by"); by != enquiry.metadata.end()) actor = by->second;


    Message message = inbound_message(enquiry, customer_id, received);

    if (enquiry.kind != EnquiryKind::message) {
        if (existing) {  // machine mail: a note on its ticket, whatever the status; no reopen
            Ticket& t = *existing;
            message.kind = MessageKind::note;
            message.author_kind = AuthorKind::system;
            message.ticket_id = t.id;
            tx.insert_message(message);
            t.updated_at = now;
            tx.update_ticket(t);
            // A bounce flags the addresses that failed; the event names them as a change.
            // A report that delivery is only delayed, or went well, flags nothing.
            std::vector<FieldChange> flagged;
            const auto failed = enquiry.metadata.find("delivery_failed");
            const bool delivery_report = enquiry.kind == EnquiryKind::bounce && failed != enquiry.metadata.end() &&
                                         failed->second == "false";
            if (enquiry.kind == EnquiryKind::bounce && !delivery_report) {
                if (auto addresses = flag_bounced_addresses(tx, enquiry, t.requester_id, now); !addresses.empty())
                    flagged.push_back({"bouncing", "", std::move(addresses)});
            }
            out.events.push_back(ticket_event(t, now, actor,
                                       delivery_report                       ? "delivery_report_attached"
                                       : enquiry.kind == EnquiryKind::bounce ? "bounce_attached"
                                                                             : "auto_reply_attached",
                                       std::move(flagged), out.threaded_by));
            for (auto& e : out.events) tx.append_event(e);
            out.ticket = std::move(t);
            out.message = std::move(message);
            return out;
        }
    }

    if (existing && existing->status != TicketStatus::closed) {
        Ticket& t = *existing;
        const auto before = t.status;
        // A customer's word puts the ball back in the agents' court.
        if (t.status == TicketStatus::solved || t.status == TicketStatus::pending || t.status == TicketStatus::on_hold) {
            if (auto r = apply_transition(t, TicketStatus::open, now); !r) return r.error();
        }
        t.updated_at = now;
        message.ticket_id = t.id;
        tx.insert_message(message);
        tx.update_ticket(t);
        out.events.push_back(ticket_event(t, now, actor, "message_added", {}, out.threaded_by));
        if (before != t.status) {
            out.events.push_back(ticket_event(t, now, actor, before == TicketStatus::solved ? "reopened" : "status_changed",
                                       {{"status", std::string(to_string(before)), std::string(to_string(t.status))}},
                                       "customer replied"));
        }
        for (auto& e : out.events) tx.append_event(e);
        out.ticket = std::move(t);
        out.message = std::move(message);
        return out;
    }

    Ticket t;
    if (existing) {  // closed: a reply opens a linked follow-up
        t.follow_up_of = existing->id;
        out.threaded_by = fmt::format("follow-up of {}", ticket_key(existing->id));
        t.queue = existing->queue;
        t.category = existing->category;
        t.priority = existing->priority;
    } else {
        out.threaded_by = "new";
    }
    open_ticket(t, enquiry, customer_id, defaults_.queue, received, now);
    tx.insert_ticket(t);
    message.ticket_id = t.id;
    tx.insert_message(message);
    out.events.push_back(ticket_event(t, now, actor, "created", created_fields(t), out.threaded_by));
    for (auto& e : out.events) tx.append_event(e);
    out.created = true;
    out.ticket = std::move(t);
    out.message = std::move(message);
    return out;
}

}  // namespace triage
