// Ticket: one customer's case, from first enquiry to closure. A plain value; the engine
// changes it only through the lifecycle (lifecycle.hpp) and Intake / TicketDesk, which
// also produce the audit events. Not thread-safe; copies are cheap enough to pass around.
#pragma once

#include "engine/clock.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace triage {

using TicketId = std::int64_t;
using CustomerId = std::int64_t;
using AgentId = std::int64_t;
using MessageId = std::int64_t;

enum class TicketStatus { new_, open, pending, on_hold, solved, closed };
enum class Priority { low, normal, high, urgent };
enum class Channel { email, fax, web, phone, api };
enum class Tier { l1, l2, supervisor, external };

std::string_view to_string(TicketStatus s) noexcept;
std::string_view to_string(Priority p) noexcept;
std::string_view to_string(Channel c) noexcept;
std::string_view to_string(Tier t) noexcept;
std::optional<TicketStatus> parse_status(std::string_view s) noexcept;
std::optional<Priority> parse_priority(std::string_view s) noexcept;
std::optional<Channel> parse_channel(std::string_view s) noexcept;
std::optional<Tier> parse_tier(std::string_view s) noexcept;

// "T-1042" for 1042; parse_ticket_key accepts "T-1042" (any case) and returns 1042.
std::string ticket_key(TicketId id);
std::optional<TicketId> parse_ticket_key(std::string_view key) noexcept;
// A ticket named either way people write it: "42" or "T-42".
std::optional<TicketId> parse_ticket_ref(std::string_view text) noexcept;

struct Ticket {
    TicketId id = 0;  // 0 until stored; sequential from 1
    std::string subject;
    TicketStatus status = TicketStatus::new_;
    Priority priority = Priority::normal;
    std::string queue;
    std::string category;
    std::vector<std::string> tags;  // sorted, unique, lower case
    std::string language;           // BCP 47 primary tag ("fi", "et"); "und" when unknown
    Channel channel = Channel::api;  // origin channel
    CustomerId requester_id = 0;
    std::optional<AgentId> assignee_id;
    Tier tier = Tier::l1;
    std::optional<TicketId> follow_up_of;  // a closed ticket this one continues
    int reopen_count = 0;

    Timestamp created_at{};
    Timestamp updated_at{};
    std::optional<Timestamp> first_response_at;
    std::optional<Timestamp> solved_at;
    std::optional<Timestamp> closed_at;
};

// Normalises tags: trimmed, lower case (ASCII), sorted, unique, empty ones dropped.
std::vector<std::string> normalise_tags(std::vector<std::string> tags);

}  // namespace triage
