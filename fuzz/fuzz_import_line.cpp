// Fuzz target: one line of `triage import-tickets` JSON Lines. Any bytes give a ticket or a
// problem that names what is wrong; a ticket has its external id, a known status and
// timestamps in order.
#include "fuzz/fuzz_target.hpp"
#include "server/ticket_import_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto ticket = triage::server::parse_historical_ticket(triage::fuzz::bytes_of(data, size));
    if (!ticket) {
        TRIAGE_FUZZ_CHECK(!ticket.error().message.empty());
        return 0;
    }
    TRIAGE_FUZZ_CHECK(!ticket->external_id.empty());
    if (auto valid = triage::validate(*ticket); !valid) TRIAGE_FUZZ_CHECK(!valid.error().message.empty());
    return 0;
}
