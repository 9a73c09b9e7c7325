// AgentRouter: picks the agent for a ticket among those eligible — on shift (their shift
// calendar is open), in the ticket's queue, with the skill asked for and the ticket's
// language, below their capacity of open tickets — round-robin or least-loaded, as the
// queue is configured. Nobody eligible: no agent, and the ticket waits in its queue.
// Pure apart from the round-robin cursors it keeps per queue; not thread-safe (it lives
// with the escalation engine on the store's writer thread).
#pragma once

#include "engine/clock.hpp"
#include "engine/ticket.hpp"

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace triage {

class BusinessCalendar;

enum class RoutingStrategy : std::uint8_t { round_robin, least_loaded };
std::optional<RoutingStrategy> parse_routing_strategy(std::string_view s) noexcept;

struct RoutableAgent {
    AgentId id = 0;
    std::string email;
    std::vector<std::string> queues;     // empty: every queue
    std::vector<std::string> skills;
    std::vector<std::string> languages;  // BCP 47 primary tags
    int capacity = 0;                    // most open tickets at once; 0: no limit
    int open_tickets = 0;                // assigned and not solved or closed, now
    const BusinessCalendar* shift = nullptr;  // null: always on shift
};

struct RoutingRequest {
    std::string_view queue;
    std::string_view language;  // "und" or "": any agent will do
    std::string_view skill;     // "": any
    Timestamp now{};
};

struct RoutingDecision {
    std::optional<AgentId> agent;
    std::string reason;  // for the audit log: who and why, or why nobody
};

// Why `agent` may not take the ticket, or "" when it may.
std::string ineligibility(const RoutableAgent& agent, const RoutingRequest& request);

class AgentRouter {
public:
    RoutingDecision route(std::span<const RoutableAgent> agents, const RoutingRequest& request,
                          RoutingStrategy strategy);

private:
    std::map<std::string, AgentId, std::less<>> last_by_queue_;  // round-robin cursor per queue
};

}  // namespace triage
