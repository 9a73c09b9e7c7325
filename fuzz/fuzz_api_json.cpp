// Fuzz target: the JSON bodies of POST /api/v1/tickets and POST /api/v1/calls. Any bytes
// give a parse error, a problem naming the field at fault, or a complete enquiry / call.
#include "channels/api_enquiry.hpp"
#include "channels/call_json.hpp"
#include "channels/mime_charset.hpp"
#include "fuzz/fuzz_target.hpp"

#include <boost/json/parse.hpp>

using namespace triage::channels;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    boost::system::error_code ec;
    const auto body = boost::json::parse(triage::fuzz::bytes_of(data, size), ec);
    if (ec) return 0;
    if (auto enquiry = enquiry_from_api_json(body, triage::Timestamp{})) {
        TRIAGE_FUZZ_CHECK(!enquiry->sender.empty());
        TRIAGE_FUZZ_CHECK(is_valid_utf8(enquiry->subject) && is_valid_utf8(enquiry->text));
        for (const auto& id : enquiry->sender) TRIAGE_FUZZ_CHECK(!id.value.empty());
    } else {
        TRIAGE_FUZZ_CHECK(!enquiry.error().message.empty());
    }
    if (auto call = call_from_api_json(body, "FI", triage::Timestamp{std::chrono::hours{24 * 365 * 56}})) {
        TRIAGE_FUZZ_CHECK(call->number.empty() || call->number[0] == '+');
        TRIAGE_FUZZ_CHECK(call->duration_s >= 0);
    } else {
        TRIAGE_FUZZ_CHECK(!call.error().message.empty());
    }
    return 0;
}
