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

// An identity as TicketImporter keys it ('0' + kind, then the value) with the key's hash:
// made on the parsing thread, so the writer's unit only looks it up.
struct IdentityKey {
    std::string text;
    std::size_t hash = 0;

    friend bool operator==(const IdentityKey& a, const IdentityKey& b) { return a.text == b.text; }
};
IdentityKey identity_key(const Identity& identity);

// One validated historical ticket as rows: everything but what only the writer can settle
// (ids, requester, assignee), which TicketImporter fills in — again on every run of its unit.
struct ImportDraft {
    std::string external_id;
    int replies = 0;  // agent replies in the source system
    Ticket ticket;
    Message message;                  // the customer's first message
    std::vector<TicketEvent> events;  // escalated / referred, in time order
    std::vector<Identity> identities;  // normalised, valid: email first, then phone
    std::vector<IdentityKey> identity_keys;  // one for each of `identities`
    std::size_t external_id_hash = 0;        // std::hash of external_id
    Customer customer;                 // a new requester's fields, without id and identities
    std::string assignee_email;        // "" when unassigned
};

// A requester new to the store: its fields and identities are its draft's (customer,
// identities), not copied.
struct NewCustomer {
    CustomerId id = 0;
    const ImportDraft* draft = nullptr;
};

struct ImportRows {
    std::vector<NewCustomer> customers;                       // new, in id order
    std::vector<std::pair<CustomerId, Identity>> identities;  // added to customers known before
    std::vector<ImportDraft*> tickets;                        // to write, numbered

    void clear() {
        customers.clear();
        identities.clear();
        tickets.clear();
    }
};

}  // namespace triage
