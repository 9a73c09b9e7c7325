#include "escalation/rule_set.hpp"

#include "escalation/business_calendar.hpp"
#include "escalation/rule_template.hpp"
#include "tests/support/result_printer.hpp"
#include "tests/support/time_literals.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace triage;
using triage::test::at;

namespace {

RuleSet compiled(std::string_view yaml) {
    auto set = RuleSet::compile_text(yaml, "rules.yaml");
    REQUIRE_MESSAGE(set, (set ? "" : set.error().message));
    return std::move(*set);
}

Ticket sample_ticket() {
    Ticket t;
    t.id = 7;
    t.subject = "Verkko ei toimi – KATKOS Helsingissä";
    t.priority = Priority::high;
    t.queue = "support";
    t.language = "fi";
    t.tags = {"network", "vip"};
    t.channel = Channel::email;
    t.created_at = at("2026-12-21T08:00:00+02:00");
    t.updated_at = t.created_at;
    return t;
}

std::vector<std::string> fired(const RuleSet& set, const RuleContext& ctx) {
    RuleOutcome out;
    set.evaluate(ctx, out);
    std::vector<std::string> names;
    for (const auto& f : out.firings) names.push_back(set.name(f.rule));
    return names;
}

std::vector<std::string> matched(const RuleSet& set, const RuleContext& ctx) {
    RuleOutcome out;
    set.evaluate(ctx, out);
    std::vector<std::string> words;
    for (const auto& f : out.firings)
        for (auto i = f.matched_begin; i < f.matched_end; ++i) words.push_back(set.describe(out.matched[i]));
    return words;
}

}  // namespace

TEST_CASE("rules fire in order on their events and a later rule sees an earlier rule's changes") {
    auto set = compiled(R"(
rules:
  - name: outage
    on: [created]
    if:
      all:
        - priority: [high, urgent]
        - subject: {contains: "katkos"}
        - not: {channel: fax}
    then:
      - set: {queue: technical, tags: {add: [outage]}}
  - name: technical outage to L2
    on: created
    if: {queue: technical, tags: {has: outage}}
    then:
      - escalate: L2
  - name: replies only
    on: customer_replied
    then:
      - set: {priority: urgent}
)");
    Ticket t = sample_ticket();
    RuleContext ctx;
    ctx.ticket = &t;
    ctx.now = t.created_at;
    CHECK(fired(set, ctx) == std::vector<std::string>{"outage", "technical outage to L2"});
    CHECK(matched(set, ctx) == std::vector<std::string>{"priority in [high, urgent]", "subject contains 'katkos'",
                                                        "not (channel is fax)", "queue is technical", "tags have outage"});
    ctx.trigger = RuleTrigger::customer_replied;
    CHECK(fired(set, ctx) == std::vector<std::string>{"replies only"});
}

TEST_CASE("contains and regex are case-insensitive over Unicode text") {
    auto set = compiled(R"(
rules:
  - name: latvian
    on: created
    if: {body: {contains: "RĒĶINS"}}
    then: [stop]
  - name: finnish regex
    on: created
    if: {subject: {regex: "helsing\\w+"}}
    then: [stop]
)");
    Ticket t = sample_ticket();
    RuleContext ctx;
    ctx.ticket = &t;
    ctx.body = "Kur ir mans rēķins?";
    CHECK(fired(set, ctx) == std::vector<std::string>{"latvian"});  // stop ends the run
    ctx.body = "no invoice here";
    CHECK(fired(set, ctx) == std::vector<std::string>{"finnish regex"});
    t.subject = "HELSINGISSÄ";
    CHECK(fired(set, ctx) == std::vector<std::string>{"finnish regex"});
}

TEST_CASE("any, not, customer and sender fields, attachments and reopen counts are conditions") {
    auto set = compiled(R"(
rules:
  - name: premium or reopened
    on: created
    if:
      all:
        - any:
            - customer.tier: premium
            - reopen_count: {gte: 2}
        - sender.domain: [Example.FI]
        - has_attachment: true
        - customer.organisation: {contains: "oy"}
        - language: [fi, et]
    then: [{escalate: supervisor}]
)");
    Ticket t = sample_ticket();
    RuleContext ctx;
    ctx.ticket = &t;
    ctx.customer_tier = "standard";
    ctx.organisation = "Kone Oy";
    ctx.sender_domain = "EXAMPLE.fi";
    ctx.has_attachment = true;
    CHECK(fired(set, ctx).empty());
    t.reopen_count = 2;
    CHECK(fired(set, ctx).size() == 1);
    t.reopen_count = 0;
    ctx.customer_tier = "premium";
    CHECK(fired(set, ctx).size() == 1);
    ctx.has_attachment = false;
    CHECK(fired(set, ctx).empty());
}

TEST_CASE("hours since created count in business or wall time") {
    auto set = compiled(R"(
rules:
  - name: stale business
    on: time
    if: {hours_since_created: {gte: 8, clock: business}}
    then: [{set: {priority: urgent}}]
  - name: stale wall
    on: time
    if: {hours_since_created: {gte: 24}}
    then: [{set: {tags: {add: [old]}}}]
)");
    auto calendar = BusinessCalendar::make("fi", "Europe/Helsinki", *parse_hours_spec("mon-fri 08:00-16:00"), {});
    REQUIRE(calendar);
    Ticket t = sample_ticket();  // Monday 08:00 local
    RuleContext ctx;
    ctx.trigger = RuleTrigger::time;
    ctx.ticket = &t;
    ctx.now = at("2026-12-21T15:00:00+02:00");
    ctx.calendar = &*calendar;
    CHECK(fired(set, ctx).empty());  // 7 business hours
    ctx.now = at("2026-12-22T07:00:00+02:00");  // 23 wall hours, still 8 business hours
    CHECK(fired(set, ctx) == std::vector<std::string>{"stale business"});
    ctx.now = at("2026-12-22T08:00:00+02:00");
    CHECK(fired(set, ctx) == std::vector<std::string>{"stale business", "stale wall"});
}

TEST_CASE("an invalid rules file reports every error with its line and column") {
    auto set = RuleSet::compile_text(R"(rules:
  - name: one
    on: [created, shipped]
    if: {prioritee: high}
    then:
      - set: {priority: highest}
  - name: two
    on: created
    if: {subject: {regex: "(unclosed"}}
    then:
      - escalate: L9
      - notify: {email: ops@example.fi, body: "{{ticket.nope}}"}
  - name: one
    on: created
    then: [stop]
)",
                                     "rules.yaml");
    REQUIRE_FALSE(set);
    const auto& m = set.error().message;
    CHECK(m.find("rules.yaml:3:19: unknown event 'shipped'") != std::string::npos);
    CHECK(m.find("rules.yaml:4:10: unknown field 'prioritee'") != std::string::npos);
    CHECK(m.find("rules.yaml:6:25: priority must be low, normal, high or urgent") != std::string::npos);
    CHECK(m.find("rules.yaml:9:27: bad regex '(unclosed'") != std::string::npos);
    CHECK(m.find("rules.yaml:11:19: escalate needs a tier") != std::string::npos);
    CHECK(m.find("unknown placeholder {{ticket.nope}}") != std::string::npos);
    CHECK(m.find("rules.yaml:13:11: rule 'one' is defined twice") != std::string::npos);
    CHECK(std::count(m.begin(), m.end(), '\n') == 6);  // seven errors, one a line
}

TEST_CASE("a rule template renders ticket and requester fields") {
    Ticket t = sample_ticket();
    CHECK(render_rule_template("Hei {{requester.name}}, {{ ticket.key }} on {{ticket.queue}}",
                               TemplateValues{&t, "Aino", ""}) == "Hei Aino, T-7 on support");
    CHECK_FALSE(check_rule_template("{{ticket.key}} {{rule.name}}"));
    CHECK(check_rule_template("{{ticket.key"));
}
