// Intake: the one place that turns an Enquiry into ticket changes, inside ONE store
// transaction: dedupe by channel + external id, find or create the customer by any
// identity, thread onto a hinted ticket or open a new one. Auto-replies and bounces that
// thread become internal notes and change no status; an unthreaded bounce opens nothing. Idempotent: the same enquiry
// twice yields the first outcome with `duplicate` set and writes nothing.
// Stateless apart from its injected clock and defaults; safe to share between threads.
#pragma once

#include "engine/actor.hpp"
#include "engine/clock.hpp"
#include "engine/enquiry.hpp"
#include "engine/error.hpp"
#include "engine/store.hpp"

#include <string>
#include <vector>

namespace triage {

struct IntakeDefaults {
    std::string queue = "support";
};

struct IntakeOutcome {
    Ticket ticket;       // the ticket after the change
    Message message;     // the stored inbound message
    CustomerId customer_id = 0;
    bool created = false;    // a new ticket was opened
    bool duplicate = false;  // already taken in earlier: nothing written
    bool unthreaded = false;  // a bounce that matched no ticket: nothing written (raw bytes are kept by the channel)
    std::string threaded_by;  // how it was threaded: "new", "references <id>", "ticket key", "follow-up of T-n"
    std::vector<TicketEvent> events;  // the audit events written, for the edge to log and publish
};

class Intake {
public:
    explicit Intake(const Clock& clock, IntakeDefaults defaults = {});
    Result<IntakeOutcome> accept(StoreTx& tx, const Enquiry& enquiry) const;

private:
    const Clock& clock_;
    IntakeDefaults defaults_;
};

// The subject a ticket gets when the enquiry has none: the first line of its text,
// cut at a character boundary to at most 80 bytes, or "(no subject)".
std::string subject_from_text(const std::string& subject, const std::string& text);

// A new ticket (status new, no id yet) from `enquiry`, over what `t` already holds (a
// follow-up's queue, category and priority): its subject, queue (else `default_queue`),
// category, priority, tags, language and channel. Intake and the CDR bulk path share it.
void open_ticket(Ticket& t, const Enquiry& enquiry, CustomerId requester, std::string_view default_queue,
                 Timestamp received, Timestamp now);
// The customer's inbound message an enquiry makes (its ticket_id is left for the caller).
Message inbound_message(const Enquiry& enquiry, CustomerId author, Timestamp received);
// An audit event of ticket `t` (its id) at `at` by `actor`. Intake and the CDR bulk path share it.
TicketEvent ticket_event(const Ticket& t, Timestamp at, const std::string& actor, std::string type,
                  std::vector<FieldChange> changes = {}, std::string detail = {});
// The field changes of the "created" event of a ticket open_ticket made.
std::vector<FieldChange> created_fields(const Ticket& t);

}  // namespace triage
