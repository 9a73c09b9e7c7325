#include "escalation/sla_policy.hpp"

#include <doctest/doctest.h>

#include <vector>

using namespace triage;

TEST_CASE("the most specific SLA policy applies, and the first listed settles a tie") {
    const std::vector<SlaPolicy> policies{
        {"default", std::nullopt, "", 480, 960, 2400, 80},
        {"urgent", Priority::urgent, "", 60, 120, 480, 80},
        {"premium", std::nullopt, "premium", 120, 240, 960, 75},
        {"premium-urgent", Priority::urgent, "premium", 30, 60, 240, 50},
        {"premium-high", Priority::high, "premium", 60, 120, 480, 80},
    };
    struct Row {
        Priority priority;
        const char* tier;
        const char* policy;
    };
    const Row rows[] = {
        {Priority::normal, "standard", "default"},
        {Priority::urgent, "standard", "urgent"},
        {Priority::low, "premium", "premium"},
        {Priority::urgent, "premium", "premium-urgent"},
        {Priority::high, "premium", "premium-high"},
        {Priority::high, "Premium", "default"},  // tiers are compared exactly
    };
    for (const auto& row : rows) {
        CAPTURE(row.tier);
        CAPTURE(to_string(row.priority));
        const auto* chosen = select_policy(policies, row.priority, row.tier);
        REQUIRE(chosen);
        CHECK(chosen->name == row.policy);
    }

    // Without "premium-urgent", "urgent" and "premium" are equally specific: the first listed wins.
    const std::vector<SlaPolicy> tie{policies[0], policies[1], policies[2]};
    CHECK(select_policy(tie, Priority::urgent, "premium")->name == "urgent");
    CHECK(select_policy(std::vector<SlaPolicy>{policies[1]}, Priority::low, "standard") == nullptr);

    CHECK(policies[3].minutes_for(SlaTarget::first_response) == 30);
    CHECK(policies[3].minutes_for(SlaTarget::next_response) == 60);
    CHECK(policies[3].minutes_for(SlaTarget::resolution) == 240);
}
