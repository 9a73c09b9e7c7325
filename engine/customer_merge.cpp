#include "engine/customer_merge.hpp"

#include <fmt/format.h>

namespace triage {

Result<MergeOutcome> merge_customers(StoreTx& tx, CustomerId keep, CustomerId gone, const Actor& actor, Timestamp now) {
    if (keep == gone) return problem(errc::invalid_field, "a customer cannot be merged with itself", "customer_id");
    auto kept = tx.customer(keep);
    if (!kept) return problem(errc::not_found, fmt::format("customer {} does not exist", keep));
    auto other = tx.customer(gone);
    if (!other) return problem(errc::not_found, fmt::format("customer {} does not exist", gone), "customer_id");
    MergeOutcome out;
    out.moved_tickets = tx.merge_customer(gone, keep);
    for (TicketId id : out.moved_tickets) {
        TicketEvent e;
        e.ticket_id = id;
        e.at = now;
        e.actor = actor.id;
        e.type = "requester_merged";
        e.changes = {{"requester", std::to_string(gone), std::to_string(keep)}};
        e.detail = fmt::format("customer {} ({}) merged into customer {}", gone, other->name, keep);
        tx.append_event(e);
        out.events.push_back(std::move(e));
    }
    if (kept->name.empty()) kept->name = other->name;  // the identities moved; the name only fills a gap
    out.customer = *tx.customer(keep);
    return out;
}

}  // namespace triage
