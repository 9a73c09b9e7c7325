#include "engine/customer.hpp"

#include "engine/text.hpp"

#include <algorithm>

namespace triage {
namespace {

std::string_view trim(std::string_view s) {
    auto first = s.find_first_not_of(" \t\r\n<");
    if (first == std::string_view::npos) return {};
    auto last = s.find_last_not_of(" \t\r\n>");
    return s.substr(first, last - first + 1);
}

}  // namespace

std::string_view to_string(IdentityKind k) noexcept {
    switch (k) {
        case IdentityKind::email: return "email";
        case IdentityKind::phone: return "phone";
        case IdentityKind::fax: return "fax";
    }
    return "unknown";
}

std::optional<IdentityKind> parse_identity_kind(std::string_view s) noexcept {
    if (s == "email") return IdentityKind::email;
    if (s == "phone") return IdentityKind::phone;
    if (s == "fax") return IdentityKind::fax;
    return std::nullopt;
}

Identity normalise_identity(IdentityKind kind, std::string_view raw) {
    auto s = trim(raw);
    Identity id{kind, {}};
    if (kind == IdentityKind::email) {
        auto at = s.find('@');
        if (at == std::string_view::npos || at == 0 || at + 1 >= s.size() || s.find('@', at + 1) != std::string_view::npos)
            return id;
        if (std::any_of(s.begin(), s.end(), [](unsigned char c) { return c <= ' ' || c == 0x7f; })) return id;
        id.value = ascii_lower(s);
        return id;
    }
    std::string digits;
    bool international = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '+' && digits.empty()) international = true;
        else if (c >= '0' && c <= '9') digits.push_back(c);
        else if (c == ' ' || c == '-' || c == '(' || c == ')' || c == '.' || c == '/') continue;
        else return id;  // letters or other junk: not a number
    }
    if (!international && digits.starts_with("00")) {
        international = true;
        digits.erase(0, 2);
    }
    if (digits.size() < 3 || digits.size() > 15) return id;
    id.value = international ? "+" + digits : digits;
    return id;
}

std::optional<Identity> parse_identity(std::string_view text) {
    auto colon = text.find(':');
    IdentityKind kind;
    if (colon != std::string_view::npos) {
        auto k = parse_identity_kind(text.substr(0, colon));
        if (!k) return std::nullopt;
        kind = *k;
        text.remove_prefix(colon + 1);
    } else {
        kind = text.find('@') != std::string_view::npos ? IdentityKind::email : IdentityKind::phone;
    }
    auto id = normalise_identity(kind, text);
    if (id.value.empty()) return std::nullopt;
    return id;
}

std::string_view to_string(AgentRole r) noexcept {
    switch (r) {
        case AgentRole::agent: return "agent";
        case AgentRole::supervisor: return "supervisor";
        case AgentRole::manager: return "manager";
        case AgentRole::admin: return "admin";
    }
    return "unknown";
}

std::optional<AgentRole> parse_agent_role(std::string_view s) noexcept {
    if (s == "agent") return AgentRole::agent;
    if (s == "supervisor") return AgentRole::supervisor;
    if (s == "manager") return AgentRole::manager;
    if (s == "admin") return AgentRole::admin;
    return std::nullopt;
}

}  // namespace triage
