// TicketDesk: the commands agents and integrations give an existing ticket — change its
// fields (PATCH) or add a reply or internal note — each validated, applied through the
// lifecycle, and written with its audit events in the caller's store transaction.
// Stateless apart from the injected clock; safe to share between threads.
#pragma once

#include "engine/actor.hpp"
#include "engine/clock.hpp"
#include "engine/error.hpp"
#include "engine/store.hpp"

#include <optional>
#include <string>
#include <vector>

namespace triage {

struct TicketPatch {
    std::optional<TicketStatus> status;
    std::optional<Priority> priority;
    std::optional<std::string> queue;
    std::optional<std::string> category;
    std::optional<std::optional<AgentId>> assignee;  // engaged nullopt = unassign
    std::optional<std::vector<std::string>> tags;
    std::optional<std::string> subject;
    std::optional<Tier> tier;  // escalation: L1, L2, supervisor, external
    std::optional<std::string> language;  // BCP 47 primary tag, e.g. from language detection

    bool empty() const {
        return !status && !priority && !queue && !category && !assignee && !tags && !subject && !tier && !language;
    }
};

struct NewMessage {
    MessageKind kind = MessageKind::reply;  // reply or note
    std::string body;                       // UTF-8
    std::optional<std::string> html;
    // A rule's automatic reply ("auto_replied"): public, but it changes no status and is not
    // the first response unless `counts_as_response` (the SLA policy's
    // automatic_replies_count) — automatic replies do not count, as in Zendesk.
    bool automatic = false;
    bool counts_as_response = false;
};

struct DeskOutcome {
    Ticket ticket;
    std::optional<Message> message;
    std::vector<TicketEvent> events;  // written; empty when nothing changed
};

class TicketDesk {
public:
    explicit TicketDesk(const Clock& clock);
    Result<DeskOutcome> update(StoreTx& tx, TicketId id, const TicketPatch& patch, const Actor& actor) const;
    Result<DeskOutcome> add_message(StoreTx& tx, TicketId id, const NewMessage& message, const Actor& actor) const;

private:
    const Clock& clock_;
};

}  // namespace triage
