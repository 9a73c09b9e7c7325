// Customer merge: two customer records found to be one person (the same caller wrote on the
// web form and phoned from another number) become one. The kept customer gains every
// ticket, message and identity of the other, which is then removed; each moved ticket gets
// a "requester_merged" audit event. Stateless over StoreTx; thread-safe.
#pragma once

#include "engine/actor.hpp"
#include "engine/error.hpp"
#include "engine/store.hpp"

#include <vector>

namespace triage {

struct MergeOutcome {
    Customer customer;                 // the kept customer, after the merge
    std::vector<TicketId> moved_tickets;
    std::vector<TicketEvent> events;
};

// not_found when either is missing; invalid_field when both are the same customer.
Result<MergeOutcome> merge_customers(StoreTx& tx, CustomerId keep, CustomerId gone, const Actor& actor, Timestamp now);

}  // namespace triage
