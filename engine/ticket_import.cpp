#include "engine/ticket_import.hpp"

#include "engine/intake.hpp"
#include "engine/time_format.hpp"

#include <algorithm>
#include <string_view>
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
    // Years 1970 to 2100: a mistyped year (9999, 1900) would stretch every report's range
    // (a day series from 1970 to 10000 is three million rows).
    constexpr auto kEarliest = Timestamp{std::chrono::seconds{1}};                 // 1970-01-01T00:00:01Z
    constexpr auto kLatest = Timestamp{std::chrono::seconds{4102444800}};          // 2100-01-01T00:00:00Z
    for (const auto& [t, field] : {std::pair{std::optional{h.created_at}, "created_at"},
                                   std::pair{h.first_response_at, "first_response_at"}, std::pair{h.solved_at, "solved_at"},
                                   std::pair{h.closed_at, "closed_at"}})
        if (t && (*t < kEarliest || *t >= kLatest))
            return problem(errc::invalid_field, fmt::format("{} must be in the years 1970 to 2099", field), field);
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

namespace {

Ticket ticket_of(const HistoricalTicket& h) {
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
    // Solved once and open again now (a status other than solved or closed): a reopened
    // ticket, not a solved one, in the reports too.
    if (h.status != TicketStatus::solved && h.status != TicketStatus::closed && (t.solved_at || t.closed_at)) {
        t.reopen_count = 1;
        t.solved_at.reset();
        t.closed_at.reset();
    }
    t.updated_at = std::max({h.created_at, h.first_response_at.value_or(Timestamp{}), h.solved_at.value_or(Timestamp{}),
                             h.closed_at.value_or(Timestamp{})});
    if (!h.escalations.empty() && h.escalations.back().at > t.updated_at) t.updated_at = h.escalations.back().at;
    return t;
}

AgentId assignee_of(StoreTx& tx, const std::string& email, std::unordered_map<std::string, AgentId>& agents) {
    auto it = agents.find(email);
    if (it == agents.end()) {
        std::optional<AgentId> id;
        if (auto agent = tx.agent_by_email(email)) id = agent->id;
        else {
            Agent a;
            a.email = email;
            a.name = email.substr(0, email.find('@'));
            id = tx.upsert_agent(a);
        }
        it = agents.emplace(email, *id).first;
    }
    return it->second;
}

// The customer's first message: inbound, at created_at.
Message first_message_of(const HistoricalTicket& h, const Ticket& t) {
    Message m;
    m.ticket_id = t.id;
    m.kind = MessageKind::inbound;
    m.author_kind = AuthorKind::customer;
    m.author_id = t.requester_id;
    m.author_name = h.requester_name;
    m.channel = h.channel;
    m.body = h.body;
    m.created_at = h.created_at;
    return m;
}

int replies_of(const HistoricalTicket& h) { return h.replies >= 0 ? h.replies : (h.first_response_at ? 1 : 0); }

// One `escalated` event per escalation and a `referred` event for a referral, in order.
template <class Append>
void events_of(const HistoricalTicket& h, TicketId id, Append&& append) {
    Tier from = Tier::l1;
    for (const auto& e : h.escalations) {
        append(event_of(id, e.at, "escalated",
                        {FieldChange{"tier", std::string(to_string(from)), std::string(to_string(e.tier))}}, e.reason));
        from = e.tier;
    }
    if (h.referral)
        append(event_of(id, h.referral->at.value_or(h.escalations.empty() ? h.created_at : h.escalations.back().at),
                        "referred", {FieldChange{"referral", "", h.referral->outcome}}, h.referral->partner));
}

}  // namespace

Result<ImportedTicket> import_ticket(StoreTx& tx, const HistoricalTicket& h,
                                     std::unordered_map<std::string, AgentId>& agents) {
    if (auto ok = validate(h); !ok) return ok.error();
    if (auto known = tx.ticket_by_import_id(h.external_id)) return ImportedTicket{*known, true};

    Ticket t = ticket_of(h);
    t.requester_id = resolve_customer(tx, h);
    if (!h.assignee_email.empty()) t.assignee_id = assignee_of(tx, h.assignee_email, agents);
    tx.insert_ticket(t);

    Message m = first_message_of(h, t);
    tx.insert_message(m);

    // The import itself is recorded by record_import (ticket_imports), not as an audit
    // event: one event row per ticket would cost a tenth of the import's speed.
    tx.record_import(h.external_id, t.id, replies_of(h));
    events_of(h, t.id, [&](TicketEvent e) { tx.append_event(e); });
    return ImportedTicket{t.id, false};
}

Result<ImportDraft> draft_of(HistoricalTicket h) {
    if (auto ok = validate(h); !ok) return ok.error();
    ImportDraft d;
    d.ticket = ticket_of(h);
    d.message = first_message_of(h, d.ticket);
    events_of(h, 0, [&](TicketEvent e) { d.events.push_back(std::move(e)); });
    d.replies = replies_of(h);
    if (!h.requester_email.empty()) d.identities.push_back(normalise_identity(IdentityKind::email, h.requester_email));
    if (!h.requester_phone.empty()) d.identities.push_back(normalise_identity(IdentityKind::phone, h.requester_phone));
    std::erase_if(d.identities, [](const Identity& i) { return i.value.empty(); });
    for (const auto& identity : d.identities) d.identity_keys.push_back(identity_key(identity));
    d.external_id_hash = std::hash<std::string_view>{}(h.external_id);
    Customer& c = d.customer;
    c.name = std::move(h.requester_name);
    c.organisation = std::move(h.organisation);
    if (!h.customer_tier.empty()) c.tier = std::move(h.customer_tier);
    c.preferred_language = h.language == "und" ? "" : h.language;
    c.created_at = h.created_at;
    d.external_id = std::move(h.external_id);
    d.assignee_email = std::move(h.assignee_email);
    return d;
}

IdentityKey identity_key(const Identity& identity) {
    IdentityKey key;
    key.text.reserve(identity.value.size() + 1);
    key.text += static_cast<char>('0' + static_cast<int>(identity.kind));
    key.text += identity.value;
    key.hash = std::hash<std::string_view>{}(key.text);
    return key;
}

void TicketImporter::forget() noexcept {
    identities_.clear();
    imported_.clear();
    agents_.clear();
    expected_.reset();
    complete_ = false;
}

std::vector<ImportedTicket> TicketImporter::rows_of(StoreTx& tx, std::span<ImportDraft> drafts, ImportIds next,
                                                    ImportRows& rows) {
    rows.clear();
    if (!started_) {
        started_ = true;
        complete_ = next.customer == 1 && next.ticket == 1;  // no customers, so no identities; no tickets, so no imports
    } else if (!expected_ || *expected_ != next) {
        forget();  // another unit wrote in between, or ours was undone: ask the store again
    }
    expected_.reset();  // until this unit's rows are numbered
    std::vector<ImportedTicket> out;
    out.reserve(drafts.size());
    const TicketId first = next.ticket;  // rows.tickets[id - first] is the draft of ticket `id`
    // This unit's external ids whose hash an earlier one of the unit has too: rare.
    std::unordered_map<std::string_view, TicketId> collided;
    auto customer_of = [&](const ImportDraft& d, std::size_t i) -> CustomerId& {
        auto [it, fresh] = identities_.try_emplace(d.identity_keys[i], 0);
        if (fresh && !complete_) it->second = tx.customer_by_identity(d.identities[i]).value_or(0);
        return it->second;
    };
    // A ticket imported before with this draft's external id; `same_hash`: the last one
    // imported whose external id has the draft's hash, if any.
    auto earlier_import = [&](const ImportDraft& d, const TicketId* same_hash) -> std::optional<TicketId> {
        if (same_hash && *same_hash >= first &&
            rows.tickets[static_cast<std::size_t>(*same_hash - first)]->external_id == d.external_id)
            return *same_hash;
        if (auto it = collided.find(d.external_id); it != collided.end()) return it->second;
        if (same_hash || !complete_) return tx.ticket_by_import_id(d.external_id);
        return std::nullopt;
    };
    for (ImportDraft& d : drafts) {
        auto hit = imported_.find(d.external_id_hash);
        const bool hashed = hit != imported_.end();
        if (auto known = earlier_import(d, hashed ? &hit->second : nullptr)) {
            out.push_back({*known, true});
            continue;
        }
        d.ticket.id = next.ticket++;
        // The requester: by email, then phone (as import_ticket); its other identities join it.
        CustomerId requester = 0;
        for (std::size_t i = 0; i < d.identities.size(); ++i) {
            if (CustomerId known = customer_of(d, i)) {
                requester = known;
                for (std::size_t j = 0; j < d.identities.size(); ++j) {
                    if (j == i) continue;
                    if (CustomerId& owner = customer_of(d, j); owner == 0) {
                        owner = known;
                        rows.identities.emplace_back(known, d.identities[j]);
                    }
                }
                break;
            }
        }
        if (requester == 0) {
            requester = next.customer++;
            rows.customers.push_back({requester, &d});
            for (std::size_t i = 0; i < d.identities.size(); ++i) customer_of(d, i) = requester;  // looked up above: no query
        }
        d.ticket.requester_id = requester;
        d.ticket.assignee_id.reset();
        if (!d.assignee_email.empty()) d.ticket.assignee_id = assignee_of(tx, d.assignee_email, agents_);
        d.message.id = next.message++;
        d.message.ticket_id = d.ticket.id;
        d.message.author_id = requester;
        for (TicketEvent& e : d.events) {
            e.id = next.event++;
            e.ticket_id = d.ticket.id;
        }
        if (!hashed) imported_.emplace(d.external_id_hash, d.ticket.id);
        else if (hit->second >= first) collided.emplace(d.external_id, d.ticket.id);
        else hit->second = d.ticket.id;
        rows.tickets.push_back(&d);
        out.push_back({d.ticket.id, false});
    }
    expected_ = next;
    return out;
}

}  // namespace triage
