#include "escalation/rule_template.hpp"

#include "engine/text.hpp"

#include <array>
#include <fmt/format.h>

namespace triage {
namespace {

constexpr std::array<std::string_view, 9> kPlaceholders{"ticket.key",      "ticket.subject", "ticket.queue",
                                                        "ticket.priority", "ticket.status",  "ticket.tier",
                                                        "ticket.language", "requester.name", "rule.name"};

std::string value_of(std::string_view name, const TemplateValues& v) {
    const Ticket* t = v.ticket;
    if (name == "requester.name") return std::string(v.requester_name);
    if (name == "rule.name") return std::string(v.rule_name);
    if (!t) return {};
    if (name == "ticket.key") return ticket_key(t->id);
    if (name == "ticket.subject") return t->subject;
    if (name == "ticket.queue") return t->queue;
    if (name == "ticket.priority") return std::string(to_string(t->priority));
    if (name == "ticket.status") return std::string(to_string(t->status));
    if (name == "ticket.tier") return std::string(to_string(t->tier));
    if (name == "ticket.language") return t->language;
    return {};
}

}  // namespace

std::optional<std::string> check_rule_template(std::string_view text) {
    std::size_t pos = 0;
    while ((pos = text.find("{{", pos)) != std::string_view::npos) {
        auto end = text.find("}}", pos);
        if (end == std::string_view::npos) return fmt::format("template has '{{{{' without '}}}}' at character {}", pos);
        auto name = trim_space(text.substr(pos + 2, end - pos - 2));
        bool known = false;
        for (auto p : kPlaceholders) known = known || p == name;
        if (!known)
            return fmt::format("unknown placeholder {{{{{}}}}}; expected one of {}", name,
                               "ticket.key, ticket.subject, ticket.queue, ticket.priority, ticket.status, ticket.tier, "
                               "ticket.language, requester.name, rule.name");
        pos = end + 2;
    }
    return std::nullopt;
}

std::string render_rule_template(std::string_view text, const TemplateValues& values) {
    std::string out;
    std::size_t pos = 0;
    while (true) {
        auto open = text.find("{{", pos);
        if (open == std::string_view::npos) break;
        auto end = text.find("}}", open);
        if (end == std::string_view::npos) break;
        out.append(text.substr(pos, open - pos));
        auto name = trim_space(text.substr(open + 2, end - open - 2));
        bool known = false;
        for (auto p : kPlaceholders) known = known || p == name;
        if (known) out += value_of(name, values);
        else out.append(text.substr(open, end + 2 - open));
        pos = end + 2;
    }
    out.append(text.substr(pos));
    return out;
}

}  // namespace triage
