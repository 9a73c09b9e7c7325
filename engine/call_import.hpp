// CallImport: the bulk path of the call policy (engine/phone_call.hpp) for a PBX's CDR file.
// A chunk of calls is filed in one unit of work with the outcome accept_call would give each
// call in turn (and the customers, tickets, messages and audit events Intake writes for a
// phone enquiry), but with a few statements per call instead of ten: the known unique ids,
// the callers and their recent tickets are looked up once per chunk, and a ticket that takes
// several calls is updated once. Stateless functions over StoreTx; thread-safe.
#pragma once

#include "engine/phone_call.hpp"

#include <cstdint>
#include <memory>
#include <optional>
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

// What the chunks of one import have read and written of the callers: their customers
// (and the numbers that have none) and their recent tickets, as the database holds them.
// Kept by the caller from one chunk's unit to the next, so a file's later chunks read only
// the callers that are new to it. Used only while StoreTx::unit_serial shows that nothing
// else has written since the previous chunk; otherwise (and after a failed chunk) it is
// read afresh. Bounded: past `max_tickets` tickets it starts over. Writer thread only.
class CallImportCache {
public:
    explicit CallImportCache(std::size_t max_tickets = 200'000);
    ~CallImportCache();
    CallImportCache(const CallImportCache&) = delete;
    CallImportCache& operator=(const CallImportCache&) = delete;
    struct State;
    struct Scratch;

private:
    friend std::vector<FiledCall> file_calls(StoreTx&, std::span<const PhoneCall>, const CallImportSettings&,
                                             CallImportCache*, std::span<const Enquiry>);
    std::unique_ptr<State> state_;
    // Each chunk's working vectors, cleared but not freed between chunks: freeing buffers of a
    // megabyte every chunk made glibc consolidate its free lists (an eighth of the writer).
    std::unique_ptr<Scratch> scratch_;
    std::optional<std::uint64_t> serial_;  // the unit_serial of the chunk that left state_ current
    std::size_t max_tickets_;
};

// Files `calls` (PBX calls: no ticket_id, not always_open_ticket) in file order inside the
// caller's unit. Returns one FiledCall per call. Throws what the store throws. With a
// cache, what an earlier chunk of the same import read is not read again. `enquiries`, when
// given, holds enquiry_of(call) for each call, made beforehand off the writer thread.
std::vector<FiledCall> file_calls(StoreTx& tx, std::span<const PhoneCall> calls, const CallImportSettings& settings,
                                  CallImportCache* cache = nullptr, std::span<const Enquiry> enquiries = {});

}  // namespace triage
