// Actor: who causes a change, as written into the audit log ("agent:3", "token:ci",
// "customer:12", "system"). A plain value.
#pragma once

#include "engine/ticket.hpp"

#include <optional>
#include <string>

namespace triage {

struct Actor {
    std::string id;                  // audit-log form, e.g. "agent:3"
    std::string name;                // display name
    std::optional<AgentId> agent_id;  // set when the actor is an agent

    static Actor system() { return {"system", "Triage", std::nullopt}; }
};

}  // namespace triage
