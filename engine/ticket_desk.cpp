#include "engine/ticket_desk.hpp"

#include "engine/lifecycle.hpp"
#include "engine/text.hpp"

#include <fmt/format.h>

namespace triage {
namespace {

constexpr std::size_t kMaxQueueName = 64;
constexpr std::size_t kMaxSubject = 998;  // RFC 5322's line limit; any longer is a mistake
constexpr std::size_t kMaxBody = 1 << 20;

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
    return out;
}

std::string agent_label(std::optional<AgentId> id) { return id ? std::to_string(*id) : std::string{}; }


}  // namespace

TicketDesk::TicketDesk(const Clock& clock) : clock_(clock) {}

Result<DeskOutcome> TicketDesk::update(StoreTx& tx, TicketId id, const TicketPatch& patch, const Actor& actor) const {
    auto found = tx.ticket(id);
    if (!found) return problem(errc::not_found, fmt::format("ticket {} does not exist", ticket_key(id)));
    Ticket t = std::move(*found);
    const Timestamp now = clock_.system_now();
    std::vector<FieldChange> changes;

    if (t.status == TicketStatus::closed && !(patch.status && *patch.status == TicketStatus::closed))
        return problem(errc::invalid_transition,
                       fmt::format("{} is closed and cannot change; a customer reply opens a follow-up", ticket_key(id)),
                       "status");
    if (patch.subject) {
        if (is_blank(*patch.subject)) return problem(errc::invalid_field, "subject must not be empty", "subject");
        if (patch.subject->size() > kMaxSubject) return problem(errc::invalid_field, "subject is too long", "subject");
        if (*patch.subject != t.subject) changes.push_back({"subject", t.subject, *patch.subject}), t.subject = *patch.subject;
    }
    if (patch.priority && *patch.priority != t.priority) {
        changes.push_back({"priority", std::string(to_string(t.priority)), std::string(to_string(*patch.priority))});
        t.priority = *patch.priority;
    }
    if (patch.queue) {
        if (is_blank(*patch.queue) || patch.queue->size() > kMaxQueueName)
            return problem(errc::invalid_field, "queue must be a name of 1 to 64 characters", "queue");
        if (*patch.queue != t.queue) changes.push_back({"queue", t.queue, *patch.queue}), t.queue = *patch.queue;
    }
    if (patch.category && *patch.category != t.category) {
        if (patch.category->size() > kMaxQueueName)
            return problem(errc::invalid_field, "category must be at most 64 characters", "category");
        changes.push_back({"category", t.category, *patch.category});
        t.category = *patch.category;
    }
    if (patch.assignee && *patch.assignee != t.assignee_id) {
        if (*patch.assignee && !tx.agent(**patch.assignee))
            return problem(errc::invalid_field, fmt::format("agent {} does not exist", **patch.assignee), "assignee");
        changes.push_back({"assignee", agent_label(t.assignee_id), agent_label(*patch.assignee)});
        t.assignee_id = *patch.assignee;
    }
    if (patch.tags) {
        auto tags = normalise_tags(*patch.tags);
        if (tags != t.tags) changes.push_back({"tags", join(t.tags), join(tags)}), t.tags = std::move(tags);
    }
    if (patch.tier && *patch.tier != t.tier) {
        changes.push_back({"tier", std::string(to_string(t.tier)), std::string(to_string(*patch.tier))});
        t.tier = *patch.tier;
    }
    if (patch.language && *patch.language != t.language) {
        if (patch.language->empty() || patch.language->size() > 16)
            return problem(errc::invalid_field, "language must be a language tag such as fi or en", "language");
        changes.push_back({"language", t.language, *patch.language});
        t.language = *patch.language;
    }
    bool status_changed = false;
    if (patch.status && *patch.status != t.status) {
        auto before = t.status;
        if (auto r = apply_transition(t, *patch.status, now); !r) return r.error();
        changes.push_back({"status", std::string(to_string(before)), std::string(to_string(t.status))});
        status_changed = true;
    }

    DeskOutcome out;
    if (!changes.empty()) {
        t.updated_at = now;
        tx.update_ticket(t);
        TicketEvent e;
        e.ticket_id = t.id;
        e.at = now;
        e.actor = actor.id;
        e.type = status_changed ? "status_changed" : "updated";
        e.changes = std::move(changes);
        tx.append_event(e);
        out.events.push_back(std::move(e));
    }
    out.ticket = std::move(t);
    return out;
}

Result<DeskOutcome> TicketDesk::add_message(StoreTx& tx, TicketId id, const NewMessage& in, const Actor& actor) const {
    if (in.kind == MessageKind::inbound)
        return problem(errc::invalid_field, "kind must be \"reply\" or \"note\"", "kind");
    if (is_blank(in.body)) return problem(errc::invalid_field, "body must not be empty", "body");
    if (in.body.size() > kMaxBody) return problem(errc::too_large, "body is larger than 1 MiB", "body");
    auto found = tx.ticket(id);
    if (!found) return problem(errc::not_found, fmt::format("ticket {} does not exist", ticket_key(id)));
    Ticket t = std::move(*found);
    if (t.status == TicketStatus::closed && in.kind == MessageKind::reply)
        return problem(errc::invalid_transition,
                       fmt::format("{} is closed; replies go to a follow-up ticket", ticket_key(id)), "status");
    const Timestamp now = clock_.system_now();

    Message m;
    m.ticket_id = t.id;
    m.kind = in.kind;
    m.author_kind = actor.agent_id ? AuthorKind::agent : AuthorKind::system;
    m.author_id = actor.agent_id.value_or(0);
    m.author_name = actor.name;
    m.channel = Channel::api;
    m.body = in.body;
    m.html = in.html;
    m.created_at = now;
    tx.insert_message(m);

    DeskOutcome out;
    TicketEvent added;
    added.ticket_id = t.id;
    added.at = now;
    added.actor = actor.id;
    added.type = in.kind != MessageKind::reply ? "note_added" : in.automatic ? "auto_replied" : "agent_replied";
    added.detail = fmt::format("message {}", m.id);
    std::vector<FieldChange> changes;
    if (in.kind == MessageKind::reply && in.automatic) {
        if (in.counts_as_response && !t.first_response_at) {
            t.first_response_at = now;
            changes.push_back({"first_response_at", "", "set"});
        }
    } else if (in.kind == MessageKind::reply) {
        if (!t.first_response_at) {
            t.first_response_at = now;
            changes.push_back({"first_response_at", "", "set"});
        }
        if (t.status == TicketStatus::new_) {
            // A public answer means someone is on it.
            apply_transition(t, TicketStatus::open, now).value();
            changes.push_back({"status", "new", "open"});
        }
    }
    added.changes = std::move(changes);
    t.updated_at = now;
    tx.update_ticket(t);
    tx.append_event(added);
    out.events.push_back(std::move(added));
    out.ticket = std::move(t);
    out.message = std::move(m);
    return out;
}

}  // namespace triage
