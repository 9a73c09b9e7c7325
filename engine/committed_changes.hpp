// CommittedChanges: what one group commit wrote to tickets, customers, messages and the
// audit log, handed by the store to an observer after the commit (reports keep their
// in-memory facts current with it). A plain value, moved to the observer; not thread-safe.
#pragma once

#include "engine/message.hpp"
#include "engine/ticket.hpp"
#include "engine/ticket_event.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace triage {

struct CommittedChanges {
    struct CustomerFacts {
        CustomerId id = 0;
        std::string organisation;
        std::string tier;
    };
    struct MessageFacts {
        TicketId ticket_id = 0;
        MessageKind kind = MessageKind::inbound;
        AuthorKind author_kind = AuthorKind::customer;
        std::int64_t author_id = 0;
        Timestamp created_at{};
    };
    struct ImportFacts {
        TicketId ticket_id = 0;
        int replies = 0;
    };

    std::vector<Ticket> tickets;  // each insert and update, in commit order (the latest value last)
    std::vector<CustomerFacts> customers;  // new customers
    std::vector<MessageFacts> messages;
    std::vector<TicketEvent> events;
    std::vector<ImportFacts> imports;

    bool empty() const noexcept {
        return tickets.empty() && customers.empty() && messages.empty() && events.empty() && imports.empty();
    }

    // Sizes at the start of a unit of work, to forget its entries when it rolls back.
    struct Mark {
        std::size_t tickets = 0, customers = 0, messages = 0, events = 0, imports = 0;
    };
    Mark mark() const noexcept { return {tickets.size(), customers.size(), messages.size(), events.size(), imports.size()}; }
    void truncate(const Mark& m) {
        tickets.resize(m.tickets);
        customers.resize(m.customers);
        messages.resize(m.messages);
        events.resize(m.events);
        imports.resize(m.imports);
    }
};

}  // namespace triage
