// Fuzz target: header values and body text in any declared charset. The first line names
// the charset, the rest is the bytes. Decoding gives valid UTF-8 every time: headers on one
// line without control characters, bodies without NUL bytes.
#include "channels/mime_charset.hpp"
#include "channels/mime_header_decoder.hpp"
#include "fuzz/fuzz_target.hpp"

#include <algorithm>

using namespace triage::channels;

namespace {

bool one_clean_line(std::string_view s) {
    return std::none_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto [charset, bytes] = triage::fuzz::split_first_line(triage::fuzz::bytes_of(data, size));
    const auto header = decode_header_text(bytes, charset);
    TRIAGE_FUZZ_CHECK(is_valid_utf8(header.text));
    TRIAGE_FUZZ_CHECK(one_clean_line(header.text));
    for (const auto& a : decode_address_list(bytes, charset)) {
        TRIAGE_FUZZ_CHECK(is_valid_utf8(a.name) && one_clean_line(a.name));
        TRIAGE_FUZZ_CHECK(is_valid_utf8(a.address));
    }
    const auto body = decode_text(bytes, charset);
    TRIAGE_FUZZ_CHECK(is_valid_utf8(body.text));
    TRIAGE_FUZZ_CHECK(body.text.find('\0') == std::string::npos);
    TRIAGE_FUZZ_CHECK(is_valid_utf8(repair_utf8(bytes)));
    return 0;
}
