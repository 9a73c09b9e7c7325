// RuleSet: the ordered escalation rules of one rules file, compiled once (field lookups
// interned, regexes compiled with PCRE2 and JIT) and evaluated against ticket events without
// allocating. Immutable after compile(); evaluate() is safe from any number of threads (each
// thread keeps its own PCRE2 match data). Swapped whole on reload by whoever owns it.
//
//   rules:
//     - name: urgent outage to L2
//       on: [created, customer_replied]          # created customer_replied agent_replied
//                                                # status_changed sla_warning sla_breached time
//       if:
//         all:
//           - priority: [high, urgent]            # a value or a list: equals one of them
//           - subject: {contains: "katkos"}       # case-insensitive, Unicode-aware
//           - body: {regex: "ei\\s+toimi"}
//           - any: [{tags: {has: vip}}, {customer.tier: premium}]
//           - not: {channel: fax}
//           - hours_since_created: {gte: 4, clock: business}
//       then:
//         - set: {priority: urgent, queue: technical, tags: {add: [outage]}}
//         - assign: {skill: network}              # or {agent: a@b.fi}
//         - escalate: L2
//         - notify: {email: ops@example.fi, subject: "...", body: "..."}
//         - stop
#pragma once

#include "engine/clock.hpp"
#include "engine/error.hpp"
#include "engine/ticket.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace YAML {
class Node;
}

namespace triage {

class BusinessCalendar;

enum class RuleTrigger : std::uint8_t {
    created,
    customer_replied,
    agent_replied,
    status_changed,
    sla_warning,
    sla_breached,
    time,  // periodic automations: the scheduler offers every open ticket now and then
};
std::string_view to_string(RuleTrigger t) noexcept;
std::optional<RuleTrigger> parse_rule_trigger(std::string_view s) noexcept;

// What rules read about one event: views into values the caller owns for the call.
struct RuleContext {
    RuleTrigger trigger = RuleTrigger::created;
    const Ticket* ticket = nullptr;
    std::string_view customer_tier;
    std::string_view organisation;
    std::string_view sender_domain;  // of the requester's email address, any case
    std::string_view body;           // the text of the message that caused the event ("" if none)
    bool has_attachment = false;
    Timestamp now{};
    const BusinessCalendar* calendar = nullptr;  // business-hour conditions; null: count wall time
};

enum class RuleActionKind : std::uint8_t {
    set_queue,
    set_category,
    set_priority,
    set_tags,
    add_tags,
    remove_tags,
    assign_agent,  // text: agent email
    assign_skill,  // text: skill; routing picks the agent
    escalate,      // tier
    refer,         // text: partner specialty
    notify_email,  // text: address; subject, body templates
    notify_webhook,  // text: URL; secret: name of the environment variable with the HMAC key
    reply,         // body template: a public reply to the requester
    stop,
};
std::string_view to_string(RuleActionKind k) noexcept;

struct RuleAction {
    RuleActionKind kind = RuleActionKind::stop;
    std::string text;
    std::vector<std::string> list;  // tags
    Priority priority = Priority::normal;
    Tier tier = Tier::l1;
    std::string subject;  // notify_email
    std::string body;     // notify_email, reply: template with {{ticket.key}} and friends
    std::string secret;   // notify_webhook
};

// One rule that fired: its index in the set and the conditions that held, as a range of
// RuleOutcome::matched (node indices; RuleSet::describe names them).
struct RuleFiring {
    std::uint32_t rule = 0;
    std::uint32_t matched_begin = 0;
    std::uint32_t matched_end = 0;
};

// The result of one evaluation, reused from call to call so that its buffers keep their
// capacity: after the first few events, evaluating allocates nothing.
struct RuleOutcome {
    std::vector<RuleFiring> firings;
    std::vector<std::uint32_t> matched;
    void clear() noexcept { firings.clear(), matched.clear(); }
};

class RuleSet {
public:
    struct Rule;
    struct Node;
    struct Regex;
    struct Impl;  // defined in rule_set.cpp

    RuleSet();
    ~RuleSet();
    RuleSet(RuleSet&&) noexcept;
    RuleSet& operator=(RuleSet&&) noexcept;

    // Reads a rules file (top level `rules:`, a list). Every problem is reported, one a line,
    // "rules.yaml:12:7: unknown field 'prioritee'" (1-based); the Problem's message holds them
    // all and its field is "rules". A file that cannot be read is not_found.
    static Result<RuleSet> load(const std::filesystem::path& file);
    // The same for a parsed document (tests, and the CLI): `root` is the whole file.
    static Result<RuleSet> compile(const YAML::Node& root, std::string_view file_name);
    static Result<RuleSet> compile_text(std::string_view yaml, std::string_view file_name);

    std::size_t size() const noexcept;
    bool listens_to(RuleTrigger trigger) const noexcept;  // some rule has it in `on`
    const std::string& name(std::uint32_t rule) const noexcept;
    const std::vector<RuleAction>& actions(std::uint32_t rule) const noexcept;
    // The words of a condition node, e.g. "priority in [high, urgent]".
    const std::string& describe(std::uint32_t node) const noexcept;
    std::string source() const;  // the file it came from

    // Runs every rule listening to ctx.trigger in order, each seeing the field changes of the
    // rules before it; `stop` ends the run. Appends firings to `out` (cleared first).
    void evaluate(const RuleContext& ctx, RuleOutcome& out) const;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace triage
