// JSON string escaping for the JSON that is written by hand on hot paths: ticket JSON
// (server/json_codec), storage's JSON columns, notification payloads, and loadgen's lines.
// Escapes '"', '\' and the control bytes; every other byte (UTF-8 included) is copied as it
// is, so callers hand it valid UTF-8. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace triage {

// Appends `s` escaped, without the surrounding quotes.
inline void append_json_escaped(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::size_t plain = 0;  // start of the run of bytes that need no escape
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s.data() + plain, i - plain);
        plain = i + 1;
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                out += "\\u00";
                out += kHex[c >> 4];
                out += kHex[c & 0xF];
        }
    }
    out.append(s.data() + plain, s.size() - plain);
}

// Appends `s` as a JSON string, quotes included.
inline void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    append_json_escaped(out, s);
    out += '"';
}

// `s` escaped, without quotes, for a format string that has them.
inline std::string json_escaped(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 8);
    append_json_escaped(out, s);
    return out;
}

}  // namespace triage
