// CallImport: the bulk path of the call policy (engine/phone_call.hpp) for a PBX's CDR file.
// A chunk of calls is filed in one unit of work with the outcome accept_call would give each
// call in turn (and the customers, tickets, messages and audit events Intake writes for a
// phone enquiry), but with a few statements per call instead of ten: the known unique ids,
// the callers and their recent tickets are looked up once per chunk, and a ticket that takes
// several calls is updated once. Stateless functions over StoreTx; thread-safe.
#pragma once

#include "engine/phone_call.hpp"

#include <span>
#include <string>
#include <vector>

namespace triage {

// What happened to one call of the chunk.
struct FiledCall {
    enum class Result { filed, duplicate, skipped };
    Result result = Result::skipped;
    TicketId ticket_id = 0;   // filed or duplicate: the call's ticket
    bool created = false;     // filed: it opened the ticket
    bool call_back = false;   // filed as (or onto) a call-back ticket
    std::string note;         // filed: how it was threaded ("new", "ticket key T-4"); skipped: why
};

struct CallImportSettings {
    std::string default_queue = "support";  // Intake's default queue (intake.default_queue)
    Timestamp now{};                        // UTC; the unit's time (updated_at of what it writes)
};

// Files `calls` (PBX calls: no ticket_id, not always_open_ticket) in file order inside the
// caller's unit. Returns one FiledCall per call. Throws what the store throws.
std::vector<FiledCall> file_calls(StoreTx& tx, std::span<const PhoneCall> calls, const CallImportSettings& settings);

}  // namespace triage
