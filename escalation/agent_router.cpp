#include "escalation/agent_router.hpp"

#include "escalation/business_calendar.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace triage {
namespace {

bool has(const std::vector<std::string>& list, std::string_view value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

std::optional<RoutingStrategy> parse_routing_strategy(std::string_view s) noexcept {
    if (s == "round_robin") return RoutingStrategy::round_robin;
    if (s == "least_loaded") return RoutingStrategy::least_loaded;
    return std::nullopt;
}

std::string ineligibility(const RoutableAgent& a, const RoutingRequest& r) {
    if (!a.queues.empty() && !has(a.queues, r.queue)) return fmt::format("not in queue {}", r.queue);
    if (!r.skill.empty() && !has(a.skills, r.skill)) return fmt::format("lacks skill {}", r.skill);
    if (!r.language.empty() && r.language != "und" && !has(a.languages, r.language))
        return fmt::format("does not speak {}", r.language);
    if (a.capacity > 0 && a.open_tickets >= a.capacity) return fmt::format("at capacity ({} open)", a.open_tickets);
    if (a.shift && !a.shift->is_open(r.now)) return "off shift";
    return {};
}

RoutingDecision AgentRouter::route(std::span<const RoutableAgent> agents, const RoutingRequest& r,
                                   RoutingStrategy strategy) {
    std::vector<const RoutableAgent*> eligible;
    for (const auto& a : agents)
        if (ineligibility(a, r).empty()) eligible.push_back(&a);
    std::string wanted = fmt::format("queue {}{}{}", r.queue,
                                     r.language.empty() || r.language == "und" ? "" : fmt::format(", language {}", r.language),
                                     r.skill.empty() ? "" : fmt::format(", skill {}", r.skill));
    if (eligible.empty()) return {std::nullopt, fmt::format("nobody eligible for {}; waiting in the queue", wanted)};
    std::sort(eligible.begin(), eligible.end(), [](auto* x, auto* y) { return x->id < y->id; });

    auto cursor = last_by_queue_.find(r.queue);
    const AgentId last = cursor == last_by_queue_.end() ? 0 : cursor->second;
    // Round-robin order: the first after the last one picked in this queue, wrapping around.
    auto rotated = eligible;
    auto pivot = std::find_if(rotated.begin(), rotated.end(), [&](auto* a) { return a->id > last; });
    std::rotate(rotated.begin(), pivot, rotated.end());
    const RoutableAgent* pick = rotated.front();
    if (strategy == RoutingStrategy::least_loaded)
        pick = *std::min_element(rotated.begin(), rotated.end(),
                                 [](auto* x, auto* y) { return x->open_tickets < y->open_tickets; });
    if (cursor == last_by_queue_.end()) last_by_queue_.emplace(std::string(r.queue), pick->id);
    else cursor->second = pick->id;
    return {pick->id, fmt::format("{} ({} open) picked {} among {} eligible for {}", pick->email, pick->open_tickets,
                                  strategy == RoutingStrategy::round_robin ? "round-robin" : "least-loaded",
                                  eligible.size(), wanted)};
}

}  // namespace triage
