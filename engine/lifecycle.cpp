#include "engine/lifecycle.hpp"

#include <array>
#include <fmt/format.h>

namespace triage {
namespace {

constexpr std::size_t kCount = 6;
using S = TicketStatus;

// kAllowed[from][to]; rows and columns in enum order: new, open, pending, on_hold, solved, closed.
constexpr std::array<std::array<bool, kCount>, kCount> kAllowed{{
    /* new     */ {false, true, true, true, true, false},
    /* open    */ {false, false, true, true, true, false},
    /* pending */ {false, true, false, true, true, false},
    /* on_hold */ {false, true, true, false, true, false},
    /* solved  */ {false, true, true, true, false, true},
    /* closed  */ {false, false, false, false, false, false},
}};

}  // namespace

bool can_transition(TicketStatus from, TicketStatus to) noexcept {
    return kAllowed[static_cast<std::size_t>(from)][static_cast<std::size_t>(to)];
}

Result<void> apply_transition(Ticket& ticket, TicketStatus to, Timestamp now) {
    if (ticket.status == to) return {};
    if (!can_transition(ticket.status, to)) {
        std::string why = ticket.status == S::closed ? "; a closed ticket cannot change, open a follow-up instead" : "";
        return problem(errc::invalid_transition,
                       fmt::format("cannot change status from {} to {}{}", to_string(ticket.status), to_string(to), why),
                       "status");
    }
    if (ticket.status == S::solved && to != S::closed) {
        ticket.solved_at.reset();
        ++ticket.reopen_count;
    }
    if (to == S::solved) ticket.solved_at = now;
    if (to == S::closed) ticket.closed_at = now;
    ticket.status = to;
    ticket.updated_at = now;
    return {};
}

}  // namespace triage
