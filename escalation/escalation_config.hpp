// Escalation settings: everything the escalation engine is configured with — calendars,
// SLA policies, queues (routing strategy, calendar), agents' capacity and shifts, the
// people of each tier, the rules file and the partner directory — read from the
// `escalation:` section of triaged's config. Built once at start-up (and again on reload);
// an immutable value shared by pointer, safe to read from any thread.
//
//   calendars_file: calendars.yaml        # or an inline calendars: section
//   escalation:
//     rules: rules.yaml
//     partners: partners.yaml
//     default_calendar: fi-support
//     time_rules_every: 300               # seconds between runs of `on: time` rules
//     sla_policies:
//       - {name: urgent, priority: urgent, first_response: 60, resolution: 480, warning_percent: 80}
//       - {name: standard, first_response: 480, next_response: 240, resolution: 2400}
//                                         # next_response: from each customer follow-up after
//                                         # a response to the next public reply
//                                         # automatic_replies_count: true  (rule replies count
//                                         # as responses; default false, as in Zendesk)
//     queues:
//       support: {routing: round_robin, calendar: fi-support}
//     agents:                             # by email, adding to the top-level agents: list
//       aino.virtanen@triage.example: {capacity: 15, shift: fi-support}
//     tiers:                              # who is told when a ticket reaches a tier
//       L2: [mikko.korhonen@triage.example]
//       supervisor: [sarah.mitchell@triage.example]
#pragma once

#include "engine/error.hpp"
#include "engine/ticket.hpp"
#include "escalation/agent_router.hpp"
#include "escalation/calendar_config.hpp"
#include "escalation/partner_directory.hpp"
#include "escalation/sla_policy.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace triage {

struct QueueSettings {
    RoutingStrategy routing = RoutingStrategy::round_robin;
    std::string calendar;  // "": the default calendar
};

struct AgentSettings {
    int capacity = 0;    // open tickets at once; 0: no limit
    std::string shift;   // calendar name; "": always on shift
};

struct EscalationSettings {
    CalendarMap calendars;
    std::string default_calendar;  // "": a round-the-clock calendar in UTC
    std::vector<SlaPolicy> policies;
    std::map<std::string, QueueSettings> queues;
    std::map<std::string, AgentSettings> agents;  // lower-case email
    std::map<Tier, std::vector<std::string>> tier_people;  // emails told when a ticket reaches the tier
    std::filesystem::path rules_file;     // "": no rules
    std::filesystem::path partners_file;  // "": no partners
    std::vector<Partner> partners;
    std::chrono::seconds time_rules_every{300};
    std::vector<std::string> deprecations;  // deprecated keys still accepted, for the log

    // The calendar a queue's SLA counts in.
    const BusinessCalendar& calendar_for(std::string_view queue) const;
    const BusinessCalendar* calendar_named(std::string_view name) const;

    EscalationSettings();

private:
    BusinessCalendar always_;  // 24/7 UTC, when nothing is configured
};

// Reads the escalation settings of a triaged config file (its `escalation:` section, its
// calendars and partners files). Every problem comes with file:line:column.
Result<EscalationSettings> load_escalation_settings(const std::filesystem::path& config_file);

}  // namespace triage
