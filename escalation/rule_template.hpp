// Rule templates: the text of replies and notifications a rule sends, with placeholders
// such as {{ticket.key}} and {{requester.name}}. Checked when the rules are compiled,
// rendered when a rule fires. Pure functions; thread-safe.
#pragma once

#include "engine/ticket.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace triage {

struct TemplateValues {
    const Ticket* ticket = nullptr;
    std::string_view requester_name;
    std::string_view rule_name;
};

// The placeholders a template may use: ticket.key ticket.subject ticket.queue ticket.priority
// ticket.status ticket.tier ticket.language requester.name rule.name.
// Returns what is wrong ("unknown placeholder {{ticket.foo}}"), or none.
std::optional<std::string> check_rule_template(std::string_view text);

// Replaces every placeholder; unknown ones (not possible after check) are left as they are.
std::string render_rule_template(std::string_view text, const TemplateValues& values);

}  // namespace triage
