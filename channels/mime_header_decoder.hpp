// Header values to UTF-8: RFC 2047 encoded words in any charset (adjacent words in one
// charset are joined before conversion, so a character split across two words survives),
// raw 8-bit text read with the fallbacks of mime_charset.hpp, folding and control characters
// turned into spaces. Address lists are parsed by GMime. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace triage::channels {

struct DecodedHeader {
    std::string text;      // valid UTF-8, one line, no control characters, trimmed
    std::string fallback;  // a charset guessed or substituted for part of it; "" when none
};

// An unstructured value (Subject, Comments, X-*): `raw` as it appears after the colon,
// folded. `charset_hint` is tried first for raw 8-bit text (the body's declared charset:
// mailers that put raw bytes in headers use the body's charset).
DecodedHeader decode_header_text(std::string_view raw, std::string_view charset_hint = {});

struct MailAddress {
    std::string name;     // decoded display name, "" when none
    std::string address;  // as given (not lower-cased), "" for a group or garbage
};

// An address list (From, To, Cc, Reply-To, ...): groups are flattened into their members.
// Encoded words are decoded even where RFC 2047 forbids them (inside quoted strings).
std::vector<MailAddress> decode_address_list(std::string_view raw, std::string_view charset_hint = {},
                                             std::string* fallback = nullptr);

// "Name <a@b.fi>, c@d.fi" for display.
std::string format_address_list(const std::vector<MailAddress>& addresses);

}  // namespace triage::channels
