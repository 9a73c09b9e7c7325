#include "channels/mime_header_decoder.hpp"

#include "channels/mime_charset.hpp"
#include "channels/mime_gobject.hpp"

#include <optional>

namespace triage::channels {
namespace {

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

struct EncodedWord {
    std::size_t end = 0;  // one past "?="
    std::string charset;  // cleaned; "" when unusable
    std::string bytes;    // payload after B or Q decoding
};

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string decode_q(std::string_view payload) {
    std::string out;
    out.reserve(payload.size());
    for (std::size_t i = 0; i < payload.size(); ++i) {
        const char c = payload[i];
        if (c == '_') {
            out += ' ';
        } else if (c == '=' && i + 2 < payload.size() && hex_value(payload[i + 1]) >= 0 &&
                   hex_value(payload[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(payload[i + 1]) * 16 + hex_value(payload[i + 2]));
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

std::string decode_b(std::string_view payload) {
    std::string out((payload.size() * 3) / 4 + 3, '\0');
    gint state = 0;
    guint save = 0;
    const gsize n = g_base64_decode_step(payload.data(), payload.size(), reinterpret_cast<guchar*>(out.data()), &state,
                                         &save);
    out.resize(n);
    return out;
}

// Parses "=?charset?X?payload?=" at raw[at]. Lenient: whitespace inside the payload (a
// word broken by folding) is dropped; an RFC 2231 language ("utf-8*fi") is ignored.
std::optional<EncodedWord> parse_encoded_word(std::string_view raw, std::size_t at) {
    if (raw.substr(at, 2) != "=?") return std::nullopt;
    std::size_t i = at + 2;
    const std::size_t charset_start = i;
    while (i < raw.size() && raw[i] != '?' && !is_space(raw[i]) && i - charset_start < 64) ++i;
    if (i >= raw.size() || raw[i] != '?' || i == charset_start) return std::nullopt;
    const auto charset = raw.substr(charset_start, i - charset_start);
    if (i + 2 >= raw.size() || raw[i + 2] != '?') return std::nullopt;
    const char encoding = raw[i + 1];
    if (encoding != 'B' && encoding != 'b' && encoding != 'Q' && encoding != 'q') return std::nullopt;
    i += 3;
    std::string payload;
    while (i < raw.size() && raw[i] != '?') {
        if (!is_space(raw[i])) payload += raw[i];
        ++i;
    }
    if (i + 1 >= raw.size() || raw[i + 1] != '=') return std::nullopt;
    // A B payload with bytes outside base64's alphabet is not an encoded word but text that
    // looks like one ("=?utf-8?B?not base64!?="): it stays as written, not as decoded noise.
    if ((encoding == 'B' || encoding == 'b') &&
        payload.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != std::string::npos)
        return std::nullopt;
    EncodedWord word;
    word.end = i + 2;
    word.charset = clean_charset_name(charset);
    word.bytes = (encoding == 'B' || encoding == 'b') ? decode_b(payload) : decode_q(payload);
    return word;
}

// Control characters (folding included) become spaces: a decoded header is one line.
std::string one_line(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\r' || c == '\n') {
            // A fold: the line break and the whitespace after it read as one space.
            while (i + 1 < text.size() && is_space(text[i + 1])) ++i;
            out += ' ';
        } else if (c < 0x20 || c == 0x7F) {
            out += ' ';
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

void note_fallback(const Utf8Text& decoded, std::string& fallback) {
    if (!decoded.fallback || decoded.charset == "utf-8" || decoded.charset == "us-ascii") return;
    if (fallback.empty()) fallback = decoded.charset;
}

// The value with every encoded word decoded: `on_word` receives each run of adjacent
// encoded words (joined, converted), `on_text` each stretch of other text (raw bytes).
template <class OnText, class OnWord>
void scan_encoded_words(std::string_view raw, OnText on_text, OnWord on_word) {
    std::size_t text_start = 0;
    std::size_t i = 0;
    while (i < raw.size()) {
        auto word = raw[i] == '=' ? parse_encoded_word(raw, i) : std::nullopt;
        if (!word) {
            ++i;
            continue;
        }
        on_text(raw.substr(text_start, i - text_start));
        // Join the run: words separated only by whitespace, the same charset joined as bytes.
        std::string charset = word->charset;
        std::string bytes = std::move(word->bytes);
        std::string joined;  // converted text of the run so far
        std::string fallback;
        auto flush = [&] {
            auto decoded = decode_text(bytes, charset);
            note_fallback(decoded, fallback);
            joined += decoded.text;
            bytes.clear();
        };
        std::size_t end = word->end;
        for (;;) {
            std::size_t next = end;
            while (next < raw.size() && is_space(raw[next])) ++next;
            auto following = next < raw.size() && raw[next] == '=' ? parse_encoded_word(raw, next) : std::nullopt;
            if (!following) break;
            if (following->charset != charset) {
                flush();
                charset = following->charset;
            }
            bytes += following->bytes;
            end = following->end;
        }
        flush();
        on_word(joined, fallback);
        i = text_start = end;
    }
    on_text(raw.substr(text_start));
}

std::string quote_for_phrase(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

void collect(InternetAddressList* list, std::vector<MailAddress>& out, int depth) {
    if (!list || depth > 3) return;
    const int n = internet_address_list_length(list);
    for (int i = 0; i < n; ++i) {
        InternetAddress* address = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_GROUP(address)) {
            collect(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(address)), out, depth + 1);
            continue;
        }
        if (!INTERNET_ADDRESS_IS_MAILBOX(address)) continue;
        MailAddress m;
        if (const char* name = internet_address_get_name(address)) m.name = std::string(trim(one_line(repair_utf8(name))));
        if (const char* addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(address)))
            m.address = std::string(trim(one_line(repair_utf8(addr))));
        if (!m.name.empty() || !m.address.empty()) out.push_back(std::move(m));
    }
}

}  // namespace

DecodedHeader decode_header_text(std::string_view raw, std::string_view charset_hint) {
    DecodedHeader result;
    std::string text;
    scan_encoded_words(
        raw,
        [&](std::string_view segment) {
            auto decoded = decode_text(segment, charset_hint);
            note_fallback(decoded, result.fallback);
            text += decoded.text;
        },
        [&](const std::string& word, const std::string& fallback) {
            text += word;
            if (result.fallback.empty()) result.fallback = fallback;
        });
    result.text = std::string(trim(one_line(text)));
    return result;
}

std::vector<MailAddress> decode_address_list(std::string_view raw, std::string_view charset_hint,
                                             std::string* fallback) {
    ensure_gmime();
    // Raw 8-bit text first (encoded words are ASCII, so unaffected), then encoded words
    // rewritten as quoted text so that GMime's address parser sees plain UTF-8.
    auto decoded = decode_text(raw, charset_hint);
    if (fallback) note_fallback(decoded, *fallback);
    const std::string utf8 = one_line(decoded.text);

    std::string rewritten;
    bool in_quotes = false;
    int comment_depth = 0;
    int angle_depth = 0;
    auto copy_structure = [&](std::string_view segment) {
        for (std::size_t i = 0; i < segment.size(); ++i) {
            const char c = segment[i];
            rewritten += c;
            if (c == '\\' && (in_quotes || comment_depth > 0) && i + 1 < segment.size()) {
                rewritten += segment[++i];
                continue;
            }
            if (in_quotes) {
                if (c == '"') in_quotes = false;
            } else if (comment_depth > 0) {
                if (c == '(') ++comment_depth;
                if (c == ')') --comment_depth;
            } else if (c == '"') {
                in_quotes = true;
            } else if (c == '(') {
                ++comment_depth;
            } else if (c == '<') {
                ++angle_depth;
            } else if (c == '>' && angle_depth > 0) {
                --angle_depth;
            }
        }
    };
    // Encoded words inside <...> are not words; inside comments they are dropped by GMime anyway.
    scan_encoded_words(
        utf8, [&](std::string_view segment) { copy_structure(segment); },
        [&](const std::string& word, const std::string& word_fallback) {
            if (fallback && fallback->empty()) *fallback = word_fallback;
            const std::string clean = one_line(word);
            if (in_quotes || comment_depth > 0)
                rewritten += quote_for_phrase(clean);
            else if (angle_depth > 0)
                rewritten += clean;
            else
                rewritten += '"' + quote_for_phrase(clean) + '"';
        });

    std::vector<MailAddress> out;
    GObjectPtr<InternetAddressList> list(internet_address_list_parse(nullptr, rewritten.c_str()));
    collect(list.get(), out, 0);
    return out;
}

std::string format_address_list(const std::vector<MailAddress>& addresses) {
    std::string out;
    for (const auto& a : addresses) {
        if (!out.empty()) out += ", ";
        if (a.name.empty()) {
            out += a.address;
        } else if (a.address.empty()) {
            out += a.name;
        } else {
            out += a.name;
            out += " <";
            out += a.address;
            out += '>';
        }
    }
    return out;
}

}  // namespace triage::channels
