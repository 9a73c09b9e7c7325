// Mail text to UTF-8: the declared charset first, with fallbacks when the declaration is
// missing, unknown or evidently wrong. Conversion goes through GMime's iconv wrappers (no
// charset tables of ours); invalid bytes become U+FFFD, never an error. Pure functions;
// thread-safe (they call ensure_gmime(); GMime's iconv cache is locked).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace triage::channels {

struct Utf8Text {
    std::string text;        // valid UTF-8, NUL bytes replaced by U+FFFD
    std::string charset;     // lower case, what was actually used: "utf-8", "windows-1257", ...
    bool fallback = false;   // `charset` is not the declared one (or nothing was declared)
};

// Decodes `bytes` declared as `declared_charset` ("" when none). In order:
//  1. 8-bit text that is valid UTF-8 is UTF-8, whatever the label says (a single-byte
//     charset almost never yields valid multi-byte UTF-8 by chance);
//  2. the declared charset, when iconv knows it and it converts without invalid bytes or
//     C1 control characters (the mark of windows-125x bytes labelled ISO-8859-x);
//  3. its Windows or CJK superset (iso-8859-1/-15 -> windows-1252, iso-8859-13 ->
//     windows-1257, gb2312 -> gb18030, ...);
//  4. the declared charset with U+FFFD for at most 1% invalid bytes (damaged, not mislabelled);
//  5. guess_charset().
Utf8Text decode_text(std::string_view bytes, std::string_view declared_charset);

// For 8-bit text with no usable label: "utf-8" when the bytes are (mostly) UTF-8; else
// "windows-1257" when Baltic letters (ā č ē ģ ī ķ ļ ņ š ū ž ą ę ė į ų) outnumber the marks of
// western text (é, æ, ø, windows-1252's š/ž/œ, bytes windows-1257 leaves undefined); else
// "iso-8859-15" when its š/ž (bytes windows-1252 reads as ¦ ¨ ´ ¸) stand inside words; else
// "windows-1252". Finnish and Estonian read the same in all three, except š/ž. Text labelled
// ISO-8859-1 with those bytes inside words is read as ISO-8859-15 too.
std::string guess_charset(std::string_view bytes);

// Converts with iconv (via GMime's charset aliases); nullopt when the charset is unknown.
// Invalid or truncated input becomes U+FFFD; `invalid` counts those bytes.
std::optional<std::string> convert_to_utf8(std::string_view bytes, std::string_view charset,
                                           std::size_t* invalid = nullptr);

// Keeps glibc's iconv module for `charset` loaded for good, by opening one converter that is
// never closed. GMime 3 opens and closes an iconv descriptor for every encoded word and body
// it converts; when the last descriptor using a module closes, glibc unloads it, and the next
// conversion dlopen()s it again: that was 14% of parsing the email corpus. convert_to_utf8
// keeps each charset it converts from (up to 64); keep_charset_modules_loaded(), called by
// ensure_gmime(), keeps the common European ones (about 32 KB of mapped module each).
void keep_charset_module_loaded(std::string_view charset);
void keep_charset_modules_loaded();

// Strict UTF-8 (no overlong forms, surrogates or code points above U+10FFFF).
bool is_valid_utf8(std::string_view bytes) noexcept;

// Valid UTF-8 left as is; each invalid byte becomes U+FFFD.
std::string repair_utf8(std::string_view bytes);

// A charset parameter as iconv should see it: trimmed, unquoted, lower case, RFC 2231
// language suffix removed; "" when absent, implausible (not [a-z0-9._:+-]) or a
// placeholder such as "x-unknown" / "unknown-8bit".
std::string clean_charset_name(std::string_view charset);

}  // namespace triage::channels
