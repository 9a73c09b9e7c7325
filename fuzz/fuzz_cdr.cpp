// Fuzz target: a CDR file (the first byte picks Asterisk or FreeSWITCH, and a PBX zone with
// DST or UTC). Whatever the bytes, parsing returns; each bad row is reported with a line
// inside the file, and what it keeps is valid UTF-8 with numbers in E.164.
#include "channels/cdr_csv.hpp"
#include "channels/mime_charset.hpp"
#include "fuzz/fuzz_target.hpp"

#include <algorithm>

using namespace triage::channels;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const auto bytes = triage::fuzz::bytes_of(data + 1, size - 1);
    static const CdrOptions options[] = {
        {CdrFormat::asterisk, "FI", {}, {}},
        {CdrFormat::freeswitch, "FI", {}, {}},
        {CdrFormat::asterisk, "EE", {"100", "+358201234567"}, *PbxTimeZone::make("Europe/Helsinki")},
        {CdrFormat::freeswitch, "LV", {"2000"}, *PbxTimeZone::make("Europe/Riga")},
    };
    const auto& opts = options[data[0] % std::size(options)];
    const auto batch = parse_cdr(bytes, opts, "sha");
    const auto lines = static_cast<std::size_t>(std::count(bytes.begin(), bytes.end(), '\n')) + 1;
    TRIAGE_FUZZ_CHECK(batch.first_line.size() == batch.calls.size());
    for (const auto& e : batch.errors) {
        TRIAGE_FUZZ_CHECK(e.line >= 1 && e.line <= lines);
        TRIAGE_FUZZ_CHECK(is_valid_utf8(e.message));
    }
    for (const auto& call : batch.calls) {
        TRIAGE_FUZZ_CHECK(is_valid_utf8(call.caller_name));
        TRIAGE_FUZZ_CHECK(is_valid_utf8(call.external_id));
        TRIAGE_FUZZ_CHECK(is_valid_utf8(call.line));
        TRIAGE_FUZZ_CHECK(call.number.empty() || call.number[0] == '+');
        TRIAGE_FUZZ_CHECK(call.duration_s >= 0);
    }
    return 0;
}
