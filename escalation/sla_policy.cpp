#include "escalation/sla_policy.hpp"

namespace triage {

std::string_view to_string(SlaTarget target) noexcept {
    switch (target) {
        case SlaTarget::first_response: return "first_response";
        case SlaTarget::next_response: return "next_response";
        case SlaTarget::resolution: return "resolution";
    }
    return "unknown";
}

std::int32_t SlaPolicy::minutes_for(SlaTarget target) const noexcept {
    switch (target) {
        case SlaTarget::first_response: return first_response_minutes;
        case SlaTarget::next_response: return next_response_minutes;
        case SlaTarget::resolution: return resolution_minutes;
    }
    return 0;
}

const SlaPolicy* select_policy(std::span<const SlaPolicy> policies, Priority priority,
                               std::string_view customer_tier) noexcept {
    const SlaPolicy* best = nullptr;
    int best_score = -1;
    for (const auto& policy : policies) {
        if (policy.priority && *policy.priority != priority) continue;
        if (!policy.customer_tier.empty() && policy.customer_tier != customer_tier) continue;
        const int score = (policy.priority ? 1 : 0) + (policy.customer_tier.empty() ? 0 : 1);
        if (score > best_score) best = &policy, best_score = score;  // strictly: the first listed keeps a tie
    }
    return best;
}

}  // namespace triage
