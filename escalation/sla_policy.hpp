// SlaPolicy: the response and resolution targets, in business minutes, for tickets of a
// priority and customer tier, and the pure choice of the policy that applies. Plain values
// from configuration, owned by the engine's settings; safe to read from any thread.
#pragma once

#include "engine/ticket.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace triage {

enum class SlaTarget : std::uint8_t { first_response, next_response, resolution };
std::string_view to_string(SlaTarget target) noexcept;

struct SlaPolicy {
    std::string name;
    std::optional<Priority> priority;         // none: any priority
    std::string customer_tier;                // Customer::tier ("premium"); empty: any tier
    std::int32_t first_response_minutes = 0;  // business minutes; 0: no target
    std::int32_t next_response_minutes = 0;
    std::int32_t resolution_minutes = 0;
    int warning_percent = 80;  // warn when this share of a target is used; 0: never
    // Whether a rule's automatic reply is a response (stops first and next response). Off,
    // as in Zendesk: an automatic reply is not an agent's answer.
    bool automatic_replies_count = false;

    std::int32_t minutes_for(SlaTarget target) const noexcept;
};

// The policy for a ticket, or nullptr when none matches. A policy matches when each field it
// sets equals the ticket's (tiers compared exactly). The most specific match wins: one that
// sets both priority and tier, then one that sets either, then a catch-all; among equally
// specific matches the one listed first wins, so list order settles priority-vs-tier ties.
const SlaPolicy* select_policy(std::span<const SlaPolicy> policies, Priority priority,
                               std::string_view customer_tier) noexcept;

}  // namespace triage
