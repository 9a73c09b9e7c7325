#include "escalation/escalation_config.hpp"

#include "engine/text.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

namespace triage {
namespace {

BusinessCalendar round_the_clock() {
    return BusinessCalendar::make("always", "UTC", *parse_hours_spec("mon-sun 00:00-24:00"), {}).value();
}

std::filesystem::path resolve(const std::filesystem::path& file, const std::string& p) {
    std::filesystem::path path(p);
    return path.is_absolute() ? path : file.parent_path() / path;
}

}  // namespace

EscalationSettings::EscalationSettings() : always_(round_the_clock()) {}

const BusinessCalendar* EscalationSettings::calendar_named(std::string_view name) const {
    auto it = calendars.find(std::string(name));
    return it == calendars.end() ? nullptr : &it->second;
}

const BusinessCalendar& EscalationSettings::calendar_for(std::string_view queue) const {
    if (auto q = queues.find(std::string(queue)); q != queues.end() && !q->second.calendar.empty())
        if (auto* c = calendar_named(q->second.calendar)) return *c;
    if (auto* c = calendar_named(default_calendar)) return *c;
    return always_;
}

Result<EscalationSettings> load_escalation_settings(const std::filesystem::path& file) {
    const auto name = file.string();
    YAML::Node root;
    try {
        root = YAML::LoadFile(name);
    } catch (const YAML::BadFile&) {
        return problem(errc::not_found, fmt::format("{}: cannot read the config file", name));
    } catch (const YAML::ParserException& e) {
        return problem(errc::malformed, fmt::format("{}:{}:{}: {}", name, e.mark.line + 1, e.mark.column + 1, e.msg));
    }
    EscalationSettings s;
    if (!root.IsMap()) return s;
    const YAML::Node& top = root;
    if (top["calendars"]) {
        TRIAGE_TRY(s.calendars, load_calendars(top["calendars"], name));
    } else if (auto other = top["calendars_file"]) {
        TRIAGE_TRY(s.calendars, load_calendars(resolve(file, other.as<std::string>())));
    }
    const YAML::Node e0 = top["escalation"];
    const YAML::Node e = e0 && !e0.IsNull() ? e0 : YAML::Node(YAML::NodeType::Map);

    std::vector<std::string> errors;
    auto error = [&](const YAML::Node& at, const std::string& message) {
        auto mark = at.Mark();
        errors.push_back(mark.is_null() ? fmt::format("{}: {}", name, message)
                                        : fmt::format("{}:{}:{}: {}", name, mark.line + 1, mark.column + 1, message));
    };
    auto number = [&](const YAML::Node& n, const char* what, int max) {
        int v = -1;
        if (!n.IsScalar() || !YAML::convert<int>::decode(n, v) || v < 0 || v > max) {
            error(n, fmt::format("{} must be a whole number from 0 to {}", what, max));
            return 0;
        }
        return v;
    };
    // `old_keys`: the deprecated top-level list, whose targets were named *_minutes.
    auto parse_policies = [&](const YAML::Node& v, bool old_keys) {
        if (!v.IsSequence()) {
            error(v, "sla_policies must be a list");
            return;
        }
        for (const auto& p : v) {
            SlaPolicy policy;
            if (!p.IsMap() || (!old_keys && !p["name"])) {
                error(p, "an SLA policy needs a name");
                continue;
            }
            for (const auto& pk : p) {
                auto k = pk.first.Scalar();
                if (old_keys && k.ends_with("_minutes")) k.resize(k.size() - 8);
                if (k == "name") policy.name = pk.second.as<std::string>();
                else if (k == "priority") {
                    policy.priority = parse_priority(pk.second.as<std::string>());
                    if (!policy.priority) error(pk.second, "priority must be low, normal, high or urgent");
                } else if (k == "customer_tier") policy.customer_tier = pk.second.as<std::string>();
                else if (k == "first_response") policy.first_response_minutes = number(pk.second, "first_response (business minutes)", 1000000);
                else if (k == "next_response") policy.next_response_minutes = number(pk.second, "next_response (business minutes)", 1000000);
                else if (k == "resolution") policy.resolution_minutes = number(pk.second, "resolution (business minutes)", 1000000);
                else if (k == "warning_percent") policy.warning_percent = number(pk.second, "warning_percent", 99);
                else if (k == "automatic_replies_count") {
                    if (!pk.second.IsScalar() || (pk.second.Scalar() != "true" && pk.second.Scalar() != "false"))
                        error(pk.second, "automatic_replies_count must be true or false");
                    else policy.automatic_replies_count = pk.second.Scalar() == "true";
                } else error(pk.first, fmt::format("unknown key '{}' in an SLA policy; expected name, priority, customer_tier, "
                                                   "first_response, next_response, resolution, warning_percent, "
                                                   "automatic_replies_count", k));
            }
            s.policies.push_back(std::move(policy));
        }
    };
    if (!e.IsMap()) return problem(errc::invalid_field, fmt::format("{}: escalation must be a map", name), "escalation");
    for (const auto& kv : e) {
        const auto& key = kv.first.Scalar();
        const YAML::Node v = kv.second;
        if (key == "rules") s.rules_file = resolve(file, v.as<std::string>());
        else if (key == "partners") s.partners_file = resolve(file, v.as<std::string>());
        else if (key == "default_calendar") {
            s.default_calendar = v.as<std::string>();
            if (!s.calendar_named(s.default_calendar)) error(v, fmt::format("no calendar '{}'", s.default_calendar));
        } else if (key == "time_rules_every") {
            s.time_rules_every = std::chrono::seconds(std::max(1, number(v, "time_rules_every", 86400)));
        } else if (key == "sla_policies") {
            parse_policies(v, false);
        } else if (key == "queues") {
            if (!v.IsMap()) {
                error(v, "queues must map queue names to {routing, calendar}");
                continue;
            }
            for (const auto& q : v) {
                QueueSettings qs;
                for (const auto& qk : q.second) {
                    const auto& k = qk.first.Scalar();
                    if (k == "routing") {
                        auto r = parse_routing_strategy(qk.second.as<std::string>());
                        if (!r) error(qk.second, "routing must be round_robin or least_loaded");
                        else qs.routing = *r;
                    } else if (k == "calendar") {
                        qs.calendar = qk.second.as<std::string>();
                        if (!s.calendar_named(qs.calendar)) error(qk.second, fmt::format("no calendar '{}'", qs.calendar));
                    } else error(qk.first, fmt::format("unknown key '{}' in a queue; expected routing, calendar", k));
                }
                s.queues[q.first.Scalar()] = qs;
            }
        } else if (key == "agents") {
            if (!v.IsMap()) {
                error(v, "escalation.agents must map agent emails to {capacity, shift}");
                continue;
            }
            for (const auto& a : v) {
                AgentSettings as;
                for (const auto& ak : a.second) {
                    const auto& k = ak.first.Scalar();
                    if (k == "capacity") as.capacity = number(ak.second, "capacity", 100000);
                    else if (k == "shift") {
                        as.shift = ak.second.as<std::string>();
                        if (!s.calendar_named(as.shift)) error(ak.second, fmt::format("no calendar '{}'", as.shift));
                    } else error(ak.first, fmt::format("unknown key '{}' for an agent; expected capacity, shift", k));
                }
                s.agents[ascii_lower(a.first.Scalar())] = as;
            }
        } else if (key == "tiers") {
            if (!v.IsMap()) {
                error(v, "tiers must map L1, L2, supervisor, external to lists of emails");
                continue;
            }
            for (const auto& t : v) {
                auto tier = parse_tier(t.first.Scalar());
                if (!tier) {
                    error(t.first, "tiers are L1, L2, supervisor and external");
                    continue;
                }
                for (const auto& who : t.second) s.tier_people[*tier].push_back(ascii_lower(who.as<std::string>()));
            }
        } else {
            error(kv.first, fmt::format("unknown key '{}' in escalation; expected rules, partners, default_calendar, "
                                        "time_rules_every, sla_policies, queues, agents, tiers",
                                        key));
        }
    }
    // One list of SLA policies for escalation and reports: escalation.sla_policies. The
    // top-level `sla_policies` the reports once read is still taken when that is absent.
    if (auto old = top["sla_policies"]) {
        if (e["sla_policies"]) {
            s.deprecations.push_back(fmt::format("{}:{}: the top-level sla_policies is deprecated and ignored: "
                                                 "escalation.sla_policies is the one list of SLA policies",
                                                 name, old.Mark().line + 1));
        } else {
            parse_policies(old, true);
            s.deprecations.push_back(fmt::format("{}:{}: the top-level sla_policies is deprecated: move the list to "
                                                 "escalation.sla_policies (keys first_response, next_response, resolution)",
                                                 name, old.Mark().line + 1));
        }
    }
    if (!errors.empty()) return problem(errc::invalid_field, fmt::format("{}", fmt::join(errors, "\n")), "escalation");
    if (!s.partners_file.empty()) {
        TRIAGE_TRY(s.partners, load_partners(s.partners_file));
    }
    return s;
}

}  // namespace triage
