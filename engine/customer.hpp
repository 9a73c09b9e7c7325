// Customer: a person who contacts the help desk, known by one or more identities
// (email address, phone or fax number in E.164). Identity values are normalised before
// they are compared, so one person is one customer across channels. Plain values.
#pragma once

#include "engine/ticket.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace triage {

enum class IdentityKind { email, phone, fax };

std::string_view to_string(IdentityKind k) noexcept;
std::optional<IdentityKind> parse_identity_kind(std::string_view s) noexcept;

struct Identity {
    IdentityKind kind = IdentityKind::email;
    std::string value;  // normalised: email lower case; phone/fax E.164 ("+358401234567")

    friend bool operator==(const Identity&, const Identity&) = default;
};

// Lower case by Unicode's rules, not the locale's (so "İ" is not read as Turkish), then NFC,
// so a composed "ü" and a "u" with a combining diaeresis are one letter: an internationalised
// address's local part (RFC 6531), a tag. ASCII text is only lower-cased.
std::string fold_unicode_case(std::string_view s);

// Normalises an identity for comparison; empty value when it is not valid at all.
// Email: trimmed, must contain one '@' with text on both sides; lower case by Unicode's
// rules and in NFC, the domain in its Unicode form (IDNA), so "Ülle@NÄIDE.ee" and
// "ülle@xn--nide-loa.ee" are one address.
// Phone/fax: digits kept, a leading "+" or "00" read as international; numbers without
// a country code are left for the channel to normalise with its default region.
Identity normalise_identity(IdentityKind kind, std::string_view raw);

// An address as SMTP needs it: the domain in its ASCII IDNA form ("ülle@xn--nide-loa.ee"
// for "ülle@näide.ee"); the local part as it is. Unchanged when IDNA refuses the domain.
std::string address_for_smtp(std::string_view address);

// Parses "email:a@b.fi" / "phone:+358..." (or a bare value: '@' means email, else phone).
std::optional<Identity> parse_identity(std::string_view text);

// A fact the desk learnt about one identity, e.g. {email:a@b.fi, "bouncing", when, why}.
struct IdentityFlag {
    Identity identity;
    std::string flag;
    Timestamp at{};  // UTC
    std::string detail;
};
inline constexpr std::string_view kBouncingFlag = "bouncing";

struct Customer {
    CustomerId id = 0;
    std::string name;
    std::string organisation;
    std::string tier = "standard";      // "standard", "premium", ...
    std::string preferred_language;    // "" when unknown
    std::vector<Identity> identities;
    Timestamp created_at{};
    std::vector<IdentityFlag> flags;  // of its identities, e.g. bouncing addresses
};

enum class AgentRole { agent, supervisor, manager, admin };
std::string_view to_string(AgentRole r) noexcept;
std::optional<AgentRole> parse_agent_role(std::string_view s) noexcept;

struct Agent {
    AgentId id = 0;
    std::string name;
    std::string email;
    AgentRole role = AgentRole::agent;
    std::vector<std::string> queues;
    std::vector<std::string> skills;
    std::vector<std::string> languages;
};

}  // namespace triage
