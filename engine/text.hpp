// Small ASCII text helpers shared by the channels and the engine: case folding for
// protocol keywords and header names, and trimming of ASCII white space. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace triage {

// Lower-cases ASCII letters only; other bytes (UTF-8 included) are kept as they are.
inline std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// Without leading and trailing spaces, tabs, CR and LF.
inline std::string_view trim_space(std::string_view s) noexcept {
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// A C0 control character other than tab (CR, LF, NUL, ESC...) or DEL: what a one-line field
// (a subject, a name) must not hold.
inline bool has_line_control(std::string_view s) noexcept {
    for (char c : s) {
        const auto b = static_cast<unsigned char>(c);
        if ((b < 0x20 && b != '\t') || b == 0x7F) return true;
    }
    return false;
}

// Without a leading UTF-8 byte-order mark, which editors, spreadsheet exports and some PBXs
// put at the start of a text file.
inline std::string_view without_bom(std::string_view s) noexcept {
    if (s.starts_with("\xEF\xBB\xBF")) s.remove_prefix(3);
    return s;
}

// Appends `text` to `out` with each CRLF as LF: stored text has LF line ends, whether it
// came as mail (CRLF on the wire) or from a browser's textarea (CRLF by the HTML spec).
inline void append_with_lf_line_ends(std::string& out, std::string_view text) {
    out.reserve(out.size() + text.size());
    for (std::size_t i = 0; i < text.size(); ++i)
        if (text[i] != '\r' || i + 1 == text.size() || text[i + 1] != '\n') out += text[i];
}

// True when `s` holds nothing but spaces, tabs, CR and LF.
inline bool is_blank(std::string_view s) noexcept { return trim_space(s).empty(); }

}  // namespace triage
