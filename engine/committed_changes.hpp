// CommittedChanges: what one group commit wrote to tickets, customers, messages and the
// audit log, handed by the store to an observer after the commit (reports keep their
// in-memory facts current with it). A plain value, moved to the observer; not thread-safe.
#pragma once

#include "engine/message.hpp"
#include "engine/ticket.hpp"
#include "engine/ticket_event.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
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
        MessageId id = 0;
    };
    struct ImportFacts {
        TicketId ticket_id = 0;
        int replies = 0;
    };
    // An SLA clock as the escalation engine stored it (engine/escalation_records.hpp).
    struct SlaFacts {
        TicketId ticket_id = 0;
        bool first_response = false;  // else resolution
        Timestamp started_at{}, mark{}, deadline{};  // UTC
        int phase = 0;  // SlaPhase: 0 idle, 1 running, 2 paused, 3 met, 4 breached
        int fired = 0;  // bit 2: a breach was reported
        std::optional<std::int64_t> business_minutes;  // once stopped
    };

    std::vector<Ticket> tickets;  // each insert and update, in commit order (the latest value last)
    std::vector<CustomerFacts> customers;  // new customers
    std::vector<MessageFacts> messages;
    std::vector<TicketEvent> events;
    std::vector<ImportFacts> imports;
    std::vector<SlaFacts> slas;  // each upsert of a ticket_sla row, in commit order

    bool empty() const noexcept {
        return tickets.empty() && customers.empty() && messages.empty() && events.empty() && imports.empty() &&
               slas.empty();
    }

    // Sizes at the start of a unit of work, to forget its entries when it rolls back.
    struct Mark {
        std::size_t tickets = 0, customers = 0, messages = 0, events = 0, imports = 0, slas = 0;
    };
    Mark mark() const noexcept {
        return {tickets.size(), customers.size(), messages.size(), events.size(), imports.size(), slas.size()};
    }
    void truncate(const Mark& m) {
        tickets.resize(m.tickets);
        customers.resize(m.customers);
        messages.resize(m.messages);
        events.resize(m.events);
        imports.resize(m.imports);
        slas.resize(m.slas);
    }
};

}  // namespace triage
