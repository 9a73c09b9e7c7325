#include "engine/ticket_import.hpp"

#include "engine/intake.hpp"
#include "engine/time_format.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace triage {
namespace {

TicketEvent event_of(TicketId id, Timestamp at, std::string type, std::vector<FieldChange> changes,
                     std::string detail) {
    TicketEvent e;
    e.ticket_id = id;
    e.at = at;
    e.actor = "system";
    e.type = std::move(type);
    e.changes = std::move(changes);
    e.detail = std::move(detail);
    return e;
}

CustomerId resolve_customer(StoreTx& tx, const HistoricalTicket& h) {
    std::vector<Identity> identities;
    if (!h.requester_email.empty()) identities.push_back(normalise_identity(IdentityKind::email, h.requester_email));
    if (!h.requester_phone.empty()) identities.push_back(normalise_identity(IdentityKind::phone, h.requester_phone));
    std::erase_if(identities, [](const Identity& i) { return i.value.empty(); });
    for (const auto& id : identities) {
        if (auto known = tx.customer_by_identity(id)) {
            for (const auto& other : identities)
                if (!(other == id)) tx.add_identity(*known, other);
            return *known;
        }
    }
    Customer c;
    c.name = h.requester_name;
    c.organisation = h.organisation;
    if (!h.customer_tier.empty()) c.tier = h.customer_tier;
    c.preferred_language = h.language == "und" ? "" : h.language;
    c.identities = std::move(identities);
    c.created_at = h.created_at;
    return tx.insert_customer(c);
}

}  // namespace

Result<void> validate(const HistoricalTicket& h) {
    if (h.external_id.empty()) return problem(errc::invalid_field, "external_id is required", "external_id");
    if (h.subject.empty() && h.body.empty())
        return problem(errc::invalid_field, "a ticket needs a subject or a body", "subject");
    if (h.created_at == Timestamp{}) return problem(errc::invalid_field, "created_at is required", "created_at");
    auto not_before_created = [&](const std::optional<Timestamp>& t, const char* field) -> Result<void> {
        if (t && *t < h.created_at)
            return problem(errc::invalid_field, fmt::format("{} is before created_at", field), field);
        return {};
    };
    if (auto r = not_before_created(h.first_response_at, "first_response_at"); !r) return r;
    if (auto r = not_before_created(h.solved_at, "solved_at"); !r) return r;
    if (auto r = not_before_created(h.closed_at, "closed_at"); !r) return r;
    if (h.closed_at && h.solved_at && *h.closed_at < *h.solved_at)
        return problem(errc::invalid_field, "closed_at is before solved_at", "closed_at");
    const bool done = h.status == TicketStatus::solved || h.status == TicketStatus::closed;
    if (done && !h.solved_at && !h.closed_at)
        return problem(errc::invalid_field, fmt::format("a {} ticket needs solved_at", to_string(h.status)), "solved_at");
    if (h.status == TicketStatus::closed && !h.closed_at)
        return problem(errc::invalid_field, "a closed ticket needs closed_at", "closed_at");
    Timestamp last = h.created_at;
    for (const auto& e : h.escalations) {
        if (e.at < last) return problem(errc::invalid_field, "escalations must be in time order, after created_at", "escalations");
        if (e.tier == Tier::l1) return problem(errc::invalid_field, "an escalation goes to L2, supervisor or external", "escalations");
        last = e.at;
    }
    return {};
}

Result<ImportedTicket> import_ticket(StoreTx& tx, const HistoricalTicket& h,
                                     std::unordered_map<std::string, AgentId>& agents) {
    if (auto ok = validate(h); !ok) return ok.error();
    if (auto known = tx.ticket_by_import_id(h.external_id)) return ImportedTicket{*known, true};

    Ticket t;
    t.subject = h.subject.empty() ? subject_from_text(h.subject, h.body) : h.subject;
    t.status = h.status;
    t.priority = h.priority;
    t.queue = h.queue;
    t.category = h.category;
    t.tags = normalise_tags(h.tags);
    t.language = h.language.empty() ? "und" : h.language;
    t.channel = h.channel;
    t.tier = h.tier;
    t.created_at = h.created_at;
    t.first_response_at = h.first_response_at;
    t.solved_at = h.solved_at;
    if (!t.solved_at && h.closed_at) t.solved_at = h.closed_at;
    t.closed_at = h.closed_at;
    t.updated_at = std::max({h.created_at, h.first_response_at.value_or(Timestamp{}), t.solved_at.value_or(Timestamp{}),
                             h.closed_at.value_or(Timestamp{})});
    if (!h.escalations.empty() && h.escalations.back().at > t.updated_at) t.updated_at = h.escalations.back().at;
    t.requester_id = resolve_customer(tx, h);
    if (!h.assignee_email.empty()) {
        auto it = agents.find(h.assignee_email);
        if (it == agents.end()) {
            std::optional<AgentId> id;
            if (auto agent = tx.agent_by_email(h.assignee_email)) id = agent->id;
            else {
                Agent a;
                a.email = h.assignee_email;
                a.name = h.assignee_email.substr(0, h.assignee_email.find('@'));
                id = tx.upsert_agent(a);
            }
            it = agents.emplace(h.assignee_email, *id).first;
        }
        t.assignee_id = it->second;
    }
    tx.insert_ticket(t);

    Message m;
    m.ticket_id = t.id;
    m.kind = MessageKind::inbound;
    m.author_kind = AuthorKind::customer;
    m.author_id = t.requester_id;
    m.author_name = h.requester_name;
    m.channel = h.channel;
    m.body = h.body;
    m.created_at = h.created_at;
    tx.insert_message(m);

    const int replies = h.replies >= 0 ? h.replies : (h.first_response_at ? 1 : 0);
    // The import itself is recorded by record_import (ticket_imports), not as an audit
    // event: one event row per ticket would cost a tenth of the import's speed.
    tx.record_import(h.external_id, t.id, replies);
    Tier from = Tier::l1;
    for (const auto& e : h.escalations) {
        auto escalated = event_of(t.id, e.at, "escalated",
                                  {FieldChange{"tier", std::string(to_string(from)), std::string(to_string(e.tier))}},
                                  e.reason);
        tx.append_event(escalated);
        from = e.tier;
    }
    if (h.referral) {
        auto referred = event_of(t.id, h.referral->at.value_or(h.escalations.empty() ? h.created_at : h.escalations.back().at),
                                 "referred", {FieldChange{"referral", "", h.referral->outcome}}, h.referral->partner);
        tx.append_event(referred);
    }
    return ImportedTicket{t.id, false};
}

}  // namespace triage
