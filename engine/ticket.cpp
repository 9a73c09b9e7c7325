#include "engine/ticket.hpp"

#include "engine/customer.hpp"
#include "engine/text.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

namespace triage {
namespace {

template <class E, std::size_t N>
std::optional<E> lookup(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view s) {
    for (const auto& [value, name] : table)
        if (name == s) return value;
    return std::nullopt;
}

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E e) {
    for (const auto& [value, name] : table)
        if (value == e) return name;
    return "unknown";
}

constexpr std::array<std::pair<TicketStatus, std::string_view>, 6> kStatuses{{
    {TicketStatus::new_, "new"},
    {TicketStatus::open, "open"},
    {TicketStatus::pending, "pending"},
    {TicketStatus::on_hold, "on_hold"},
    {TicketStatus::solved, "solved"},
    {TicketStatus::closed, "closed"},
}};
constexpr std::array<std::pair<Priority, std::string_view>, 4> kPriorities{{
    {Priority::low, "low"},
    {Priority::normal, "normal"},
    {Priority::high, "high"},
    {Priority::urgent, "urgent"},
}};
constexpr std::array<std::pair<Channel, std::string_view>, 5> kChannels{{
    {Channel::email, "email"},
    {Channel::fax, "fax"},
    {Channel::web, "web"},
    {Channel::phone, "phone"},
    {Channel::api, "api"},
}};
constexpr std::array<std::pair<Tier, std::string_view>, 4> kTiers{{
    {Tier::l1, "L1"},
    {Tier::l2, "L2"},
    {Tier::supervisor, "supervisor"},
    {Tier::external, "external"},
}};

}  // namespace

std::string_view to_string(TicketStatus s) noexcept { return name_of(kStatuses, s); }
std::string_view to_string(Priority p) noexcept { return name_of(kPriorities, p); }
std::string_view to_string(Channel c) noexcept { return name_of(kChannels, c); }
std::string_view to_string(Tier t) noexcept { return name_of(kTiers, t); }
std::optional<TicketStatus> parse_status(std::string_view s) noexcept { return lookup(kStatuses, s); }
std::optional<Priority> parse_priority(std::string_view s) noexcept { return lookup(kPriorities, s); }
std::optional<Channel> parse_channel(std::string_view s) noexcept { return lookup(kChannels, s); }
std::optional<Tier> parse_tier(std::string_view s) noexcept { return lookup(kTiers, s); }

std::string ticket_key(TicketId id) { return "T-" + std::to_string(id); }

std::optional<TicketId> parse_ticket_key(std::string_view key) noexcept {
    if (key.size() < 3 || (key[0] != 'T' && key[0] != 't') || key[1] != '-') return std::nullopt;
    key.remove_prefix(2);
    TicketId id = 0;
    auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), id);
    if (ec != std::errc{} || end != key.data() + key.size() || id <= 0) return std::nullopt;
    return id;
}

std::optional<TicketId> parse_ticket_ref(std::string_view text) noexcept {
    if (auto key = parse_ticket_key(text)) return key;
    TicketId id = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc{} || end != text.data() + text.size() || id <= 0) return std::nullopt;
    return id;
}

std::vector<std::string> normalise_tags(std::vector<std::string> tags) {
    for (auto& t : tags) {
        t = fold_unicode_case(trim_space(t));  // "ÄITI", "Äiti" and a decomposed "äiti" are one tag
    }
    std::erase_if(tags, [](const std::string& t) { return t.empty(); });
    std::sort(tags.begin(), tags.end());
    tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
    return tags;
}

}  // namespace triage
