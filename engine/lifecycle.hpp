// Lifecycle: the explicit table of allowed ticket status transitions, and the one
// function that applies a transition with its timestamps. Pure and stateless.
//
//   new      -> open, pending, on_hold, solved
//   open     -> pending, on_hold, solved
//   pending  -> open, on_hold, solved
//   on_hold  -> open, pending, solved
//   solved   -> open (reopen), pending, on_hold, closed
//   closed   -> (terminal: a customer reply opens a linked follow-up ticket)
// Nothing returns to `new`. Setting the current status again is a no-op, not an error.
#pragma once

#include "engine/error.hpp"
#include "engine/ticket.hpp"

namespace triage {

bool can_transition(TicketStatus from, TicketStatus to) noexcept;

// Moves `ticket` to `to` at `now`: sets solved_at / closed_at, clears solved_at and
// counts a reopen when a solved ticket opens again. Returns invalid_transition otherwise.
Result<void> apply_transition(Ticket& ticket, TicketStatus to, Timestamp now);

}  // namespace triage
