#include "channels/mime_charset.hpp"

#include "channels/mime_gobject.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <iconv.h>
#include <map>
#include <mutex>
#include <set>
#include <string>

namespace triage::channels {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at s[i], 0 when there is none.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    if (c < 0x80) return 1;
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;  // overlong
        if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;  // overlong
        if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < n; ++k)
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
    return n;
}

struct Utf8Stats {
    std::size_t multibyte = 0;  // valid sequences of 2 to 4 bytes
    std::size_t invalid = 0;    // bytes that start no valid sequence
    bool ascii_only = true;
};

Utf8Stats utf8_stats(std::string_view s) noexcept {
    Utf8Stats stats;
    for (std::size_t i = 0; i < s.size();) {
        const auto n = utf8_sequence_length(s, i);
        if (static_cast<unsigned char>(s[i]) >= 0x80) stats.ascii_only = false;
        if (n == 0) {
            ++stats.invalid;
            ++i;
        } else {
            if (n > 1) ++stats.multibyte;
            i += n;
        }
    }
    return stats;
}

bool mostly_utf8(const Utf8Stats& stats) noexcept {
    return stats.invalid == 0 || (stats.multibyte > 0 && stats.multibyte >= stats.invalid);
}

// Decodes valid UTF-8 into code points, calling f for each.
template <class F>
void for_each_code_point(std::string_view s, F f) {
    for (std::size_t i = 0; i < s.size();) {
        const auto n = utf8_sequence_length(s, i);
        if (n == 0) {
            ++i;
            continue;
        }
        const auto c = static_cast<unsigned char>(s[i]);
        char32_t cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
        for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        f(cp);
        i += n;
    }
}

bool has_c1_controls(std::string_view utf8) noexcept {
    for (std::size_t i = 0; i + 1 < utf8.size(); ++i)
        if (static_cast<unsigned char>(utf8[i]) == 0xC2 && static_cast<unsigned char>(utf8[i + 1]) >= 0x80 &&
            static_cast<unsigned char>(utf8[i + 1]) <= 0x9F)
            return true;
    return false;
}

void replace_nul(std::string& s) {
    if (s.find('\0') == std::string::npos) return;
    std::string out;
    out.reserve(s.size() + 16);
    for (char c : s) {
        if (c == '\0')
            out += kReplacement;
        else
            out += c;
    }
    s.swap(out);
}

bool is_utf8_name(std::string_view cs) noexcept { return cs == "utf-8" || cs == "utf8"; }

bool is_ascii_name(std::string_view cs) noexcept {
    return cs == "us-ascii" || cs == "ascii" || cs == "ansi_x3.4-1968" || cs == "iso646-us";
}

// Encodings whose ASCII-looking bytes still need converting, and which valid UTF-8 must
// not override (UTF-16 text of ASCII is "valid UTF-8" full of NULs).
bool is_special_encoding(std::string_view cs) noexcept {
    for (std::string_view prefix : {"utf-7", "utf7", "iso-2022", "hz", "utf-16", "utf16", "utf-32", "utf32", "ucs"})
        if (cs.substr(0, prefix.size()) == prefix) return true;
    return false;
}

bool latin1_name(std::string_view cs) noexcept {
    return cs == "iso-8859-1" || cs == "iso8859-1" || cs == "latin1" || cs == "l1";
}

// A charset that reads every text of `cs` the same way and more besides, as mailers
// really mean it (the WHATWG encoding standard makes the same substitutions).
std::string_view superset_of(std::string_view cs) noexcept {
    if (latin1_name(cs) || cs == "iso-8859-15" || cs == "iso8859-15" || cs == "latin-9" || cs == "latin9" ||
        is_ascii_name(cs))
        return "windows-1252";
    if (cs == "iso-8859-13" || cs == "iso8859-13" || cs == "latin7") return "windows-1257";
    if (cs == "iso-8859-9" || cs == "iso8859-9" || cs == "latin5") return "windows-1254";
    if (cs == "tis-620" || cs == "iso-8859-11") return "windows-874";
    if (cs == "gb2312" || cs == "gbk" || cs == "x-gbk" || cs == "euc-cn" || cs == "cp936") return "gb18030";
    if (cs == "euc-kr" || cs == "ks_c_5601-1987" || cs == "ks_c_5601" || cs == "ksc5601") return "cp949";
    if (cs == "shift_jis" || cs == "shift-jis" || cs == "sjis" || cs == "x-sjis") return "cp932";
    if (cs == "big5") return "big5-hkscs";
    return {};
}

bool contains(std::u32string_view set, char32_t c) noexcept { return set.find(c) != std::u32string_view::npos; }

}  // namespace

bool is_valid_utf8(std::string_view bytes) noexcept {
    for (std::size_t i = 0; i < bytes.size();) {
        const auto n = utf8_sequence_length(bytes, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

std::string repair_utf8(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    for (std::size_t i = 0; i < bytes.size();) {
        const auto n = utf8_sequence_length(bytes, i);
        if (n == 0) {
            out += kReplacement;
            ++i;
        } else {
            out.append(bytes.substr(i, n));
            i += n;
        }
    }
    return out;
}

std::string clean_charset_name(std::string_view charset) {
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!charset.empty() && (is_space(charset.front()) || charset.front() == '"' || charset.front() == '\''))
        charset.remove_prefix(1);
    while (!charset.empty() && (is_space(charset.back()) || charset.back() == '"' || charset.back() == '\''))
        charset.remove_suffix(1);
    if (auto star = charset.find('*'); star != std::string_view::npos) charset = charset.substr(0, star);  // RFC 2231
    if (charset.empty() || charset.size() > 40) return {};
    std::string out;
    for (char c : charset) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                        c == '_' || c == '.' || c == ':' || c == '+';
        if (!ok) return {};
        out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    for (std::string_view placeholder : {"x-unknown", "unknown", "unknown-8bit", "x-user-defined", "default", "none",
                                         "charset", "8bit", "binary"})
        if (out == placeholder) return {};
    return out;
}

std::optional<std::string> convert_to_utf8(std::string_view bytes, std::string_view charset, std::size_t* invalid) {
    ensure_gmime();
    std::size_t bad = 0;
    if (invalid) *invalid = 0;
    const std::string name = clean_charset_name(charset);
    if (name.empty()) return std::nullopt;
    if (is_utf8_name(name)) {
        for (std::size_t i = 0; i < bytes.size();) {
            const auto n = utf8_sequence_length(bytes, i);
            if (n == 0) ++bad;
            i += n == 0 ? 1 : n;
        }
        if (invalid) *invalid = bad;
        return bad == 0 ? std::string(bytes) : repair_utf8(bytes);
    }
    iconv_t cd = g_mime_iconv_open("UTF-8", name.c_str());
    if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
    keep_charset_module_loaded(name);
    struct Close {
        iconv_t cd;
        ~Close() { g_mime_iconv_close(cd); }
    } close{cd};

    std::string out;
    out.reserve(bytes.size() + bytes.size() / 2);
    std::array<char, 16384> buffer;
    char* in = const_cast<char*>(bytes.data());  // iconv's signature; it does not write
    std::size_t in_left = bytes.size();
    for (;;) {
        char* out_ptr = buffer.data();
        std::size_t out_left = buffer.size();
        const std::size_t rc = g_mime_iconv(cd, &in, &in_left, &out_ptr, &out_left);
        const int err = errno;
        out.append(buffer.data(), static_cast<std::size_t>(out_ptr - buffer.data()));
        if (rc != static_cast<std::size_t>(-1)) break;
        if (err == E2BIG) continue;
        if (err == EILSEQ && in_left > 0) {
            out += kReplacement;
            ++in;
            --in_left;
            ++bad;
            continue;
        }
        // EINVAL: an incomplete sequence at the end; anything else: give up on the rest.
        if (in_left > 0) {
            out += kReplacement;
            bad += in_left;
        }
        break;
    }
    // Flush a stateful encoding's shift state (ISO-2022-JP).
    char* out_ptr = buffer.data();
    std::size_t out_left = buffer.size();
    g_mime_iconv(cd, nullptr, nullptr, &out_ptr, &out_left);
    out.append(buffer.data(), static_cast<std::size_t>(out_ptr - buffer.data()));
    if (invalid) *invalid = bad;
    // glibc writes valid UTF-8; keep the promise even if another iconv does not.
    if (!is_valid_utf8(out)) out = repair_utf8(out);
    return out;
}

namespace {

bool letter_byte(unsigned char b) noexcept { return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || b >= 0xC0; }

// ISO-8859-15's Š š Ž ž (0xA6 0xA8 0xB4 0xB8) in words: in windows-1252, ISO-8859-1 and
// windows-1257 those bytes are ¦ ¨ ´ ¸ (Ø ø), which text does not put next to letters
// ("¦okolaad", "¸iletid"). The capitals count only where a word starts: "it´s" is an acute
// accent typed for an apostrophe. 0 when a C1 byte says windows-125x instead.
std::size_t latin9_letters(std::string_view bytes) noexcept {
    std::size_t letters = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const auto b = static_cast<unsigned char>(bytes[i]);
        if (b >= 0x80 && b <= 0x9F) return 0;
        if (b != 0xA6 && b != 0xA8 && b != 0xB4 && b != 0xB8) continue;
        const bool before = i > 0 && letter_byte(static_cast<unsigned char>(bytes[i - 1]));
        const bool after = i + 1 < bytes.size() && letter_byte(static_cast<unsigned char>(bytes[i + 1]));
        const bool capital = b == 0xA6 || b == 0xB4;
        if (capital ? after && !before : after || before) ++letters;
    }
    return letters;
}

}  // namespace

std::string guess_charset(std::string_view bytes) {
    if (mostly_utf8(utf8_stats(bytes))) return "utf-8";
    static constexpr std::u32string_view kBaltic = U"āčēģīķļņšūžąęėįųĀČĒĢĪĶĻŅŠŪŽĄĘĖĮŲ";
    static constexpr std::u32string_view kWestern = U"æøœšžÆØŒŠŽ";
    static constexpr std::u32string_view kWesternStrong = U"éÉ";
    std::size_t baltic_undefined = 0;
    const auto baltic = convert_to_utf8(bytes, "windows-1257", &baltic_undefined).value_or(std::string());
    const auto western = convert_to_utf8(bytes, "windows-1252").value_or(std::string());
    std::size_t baltic_score = 0, western_score = 2 * baltic_undefined;
    for_each_code_point(baltic, [&](char32_t c) {
        if (contains(kBaltic, c)) ++baltic_score;
        if (c >= 0x80 && c <= 0x9F) western_score += 2;  // a C1 control: undefined in windows-1257
    });
    for_each_code_point(western, [&](char32_t c) {
        if (contains(kWestern, c)) ++western_score;
        if (contains(kWesternStrong, c)) western_score += 2;
    });
    const std::size_t latin9 = latin9_letters(bytes);
    if (latin9 > 0 && latin9 >= baltic_score) return "iso-8859-15";  // Estonian or Finnish š/ž
    return baltic_score > western_score ? "windows-1257" : "windows-1252";
}

Utf8Text decode_text(std::string_view bytes, std::string_view declared_charset) {
    const std::string declared = clean_charset_name(declared_charset);
    const auto stats = utf8_stats(bytes);
    auto finish = [&](std::string text, std::string charset) {
        Utf8Text result;
        result.text = std::move(text);
        replace_nul(result.text);
        result.fallback = !declared.empty() ? charset != declared : !stats.ascii_only;
        if (is_utf8_name(declared) && charset == "utf-8") result.fallback = false;
        result.charset = std::move(charset);
        return result;
    };
    if (stats.ascii_only && (declared.empty() || !is_special_encoding(declared)))
        return finish(std::string(bytes), declared.empty() ? "us-ascii" : declared);
    if (declared.empty() || is_utf8_name(declared)) {
        if (mostly_utf8(stats)) return finish(stats.invalid == 0 ? std::string(bytes) : repair_utf8(bytes), "utf-8");
        auto guess = guess_charset(bytes);
        auto text = convert_to_utf8(bytes, guess).value_or(repair_utf8(bytes));
        return finish(std::move(text), std::move(guess));
    }
    if (!is_special_encoding(declared) && stats.invalid == 0 && stats.multibyte > 0)
        return finish(std::string(bytes), "utf-8");

    std::optional<std::string> damaged;  // the declared reading, when only lightly damaged
    std::string damaged_charset;
    // Latin-9 labelled Latin-1 (its Š š Ž ž read as ¦ ¨ ´ ¸): the label's own reading would
    // convert without a fault, so it is checked first.
    if (latin1_name(declared) && latin9_letters(bytes) > 0)
        if (auto text = convert_to_utf8(bytes, "iso-8859-15")) return finish(std::move(*text), "iso-8859-15");
    for (std::string_view candidate : {std::string_view(declared), superset_of(declared)}) {
        if (candidate.empty()) continue;
        std::size_t invalid = 0;
        auto text = convert_to_utf8(bytes, candidate, &invalid);
        if (!text) continue;
        const bool c1 = has_c1_controls(*text);
        if (invalid == 0 && !c1) return finish(std::move(*text), std::string(candidate));
        if (!damaged && !c1 && invalid * 100 <= bytes.size()) {
            damaged = std::move(text);
            damaged_charset = candidate;
        }
    }
    if (mostly_utf8(stats) && stats.multibyte > 0) return finish(repair_utf8(bytes), "utf-8");
    if (damaged) return finish(std::move(*damaged), std::move(damaged_charset));
    auto guess = guess_charset(bytes);
    auto text = convert_to_utf8(bytes, guess).value_or(repair_utf8(bytes));
    return finish(std::move(text), std::move(guess));
}

void keep_charset_module_loaded(std::string_view charset) {
    thread_local std::set<std::string, std::less<>> kept_here;  // no lock for the common case
    if (kept_here.contains(charset)) return;
    static std::mutex mutex;
    // Never closed, the point being that they stay open; never destroyed either, so the
    // descriptors stay reachable (not leaks) when static objects are destroyed at exit.
    static auto* kept = new std::map<std::string, iconv_t, std::less<>>;
    std::lock_guard lock(mutex);
    if (!kept->contains(charset)) {
        if (kept->size() >= 64) return;  // a bound against mail declaring a new charset each time
        iconv_t cd = g_mime_iconv_open("UTF-8", std::string(charset).c_str());
        if (cd == reinterpret_cast<iconv_t>(-1)) return;
        kept->emplace(std::string(charset), cd);
    }
    kept_here.emplace(charset);
}

void keep_charset_modules_loaded() {
    // Western, Nordic, Baltic, central European and Cyrillic mail; each is one glibc module
    // (about 32 KB). Others are kept once convert_to_utf8 meets them.
    for (const char* charset : {"iso-8859-1", "iso-8859-2", "iso-8859-4", "iso-8859-13", "iso-8859-15", "windows-1250",
                                "windows-1251", "windows-1252", "windows-1257", "koi8-r"})
        keep_charset_module_loaded(charset);
}

}  // namespace triage::channels
