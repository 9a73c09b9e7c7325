// TicketEvent: one entry of a ticket's append-only audit log — who did what, when, and
// each field's value before and after. Escalation and reports consume the same events.
#pragma once

#include "engine/ticket.hpp"

#include <string>
#include <vector>

namespace triage {

struct FieldChange {
    std::string field;
    std::string before;  // "" when unset
    std::string after;
};

struct TicketEvent {
    std::int64_t id = 0;
    TicketId ticket_id = 0;
    Timestamp at{};
    std::string actor;  // "customer:12", "agent:3", "token:admin", "system"
    std::string type;   // "created", "message_added", "status_changed", "updated", "reopened", ...
    std::vector<FieldChange> changes;
    std::string detail;  // free text, e.g. how a message was threaded
};

}  // namespace triage
