// ImportDraft and ImportRows: a bulk history import's tickets made into rows off the writer
// (ImportDraft, on the parsing thread), then numbered and given their requesters and
// assignees in the writer's unit (TicketImporter, engine/ticket_import.hpp) and written there
// many to a statement (storage/sqlite_bulk_load.hpp). Within its unit the importer is the
// only writer, so the ids it hands out from ImportIds are free. Plain values.
#pragma once

#include "engine/customer.hpp"
#include "engine/message.hpp"
#include "engine/ticket.hpp"
#include "engine/ticket_event.hpp"

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace triage {

// The first free id of each table a bulk import writes.
struct ImportIds {
    CustomerId customer = 1;
    TicketId ticket = 1;
    MessageId message = 1;
    std::int64_t event = 1;

    friend bool operator==(const ImportIds&, const ImportIds&) = default;
};

// One validated historical ticket as rows: everything but what only the writer can settle
// (ids, requester, assignee), which TicketImporter fills in — again on every run of its unit.
struct ImportDraft {
    std::string external_id;
    int replies = 0;  // agent replies in the source system
    Ticket ticket;
    Message message;                  // the customer's first message
    std::vector<TicketEvent> events;  // escalated / referred, in time order
    std::vector<Identity> identities;  // normalised, valid: email first, then phone
    Customer customer;                 // a new requester's fields, without id and identities
    std::string assignee_email;        // "" when unassigned
};

struct ImportRows {
    std::vector<Customer> customers;                          // new, ids set, with their identities
    std::vector<std::pair<CustomerId, Identity>> identities;  // added to customers known before
    std::vector<ImportDraft*> tickets;                        // to write, numbered

    void clear() {
        customers.clear();
        identities.clear();
        tickets.clear();
    }
};

}  // namespace triage
