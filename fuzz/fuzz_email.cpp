// Fuzz target: one raw email through the whole parse (GMime, charsets, HTML to text and
// sanitising, quote splitting, classification, fax recognition). Whatever the bytes, the
// parse returns, and every text it hands on is valid UTF-8.
#include "channels/email_parser.hpp"
#include "channels/fax_profile.hpp"
#include "channels/mime_charset.hpp"
#include "fuzz/fuzz_target.hpp"

using triage::channels::is_valid_utf8;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto raw = triage::fuzz::bytes_of(data, size);
    const auto mail = triage::channels::parse_email(raw);
    const auto& e = mail.enquiry;
    TRIAGE_FUZZ_CHECK(is_valid_utf8(e.subject));
    TRIAGE_FUZZ_CHECK(is_valid_utf8(e.text));
    TRIAGE_FUZZ_CHECK(is_valid_utf8(e.sender_name));
    TRIAGE_FUZZ_CHECK(!e.html || is_valid_utf8(*e.html));
    for (const auto& [key, value] : e.metadata) TRIAGE_FUZZ_CHECK(is_valid_utf8(value));
    for (const auto& a : mail.attachments) TRIAGE_FUZZ_CHECK(is_valid_utf8(a.filename));
    static const auto profiles = triage::channels::default_fax_profiles();
    (void)triage::channels::recognise_fax(raw, mail, profiles, "FI");
    return 0;
}
