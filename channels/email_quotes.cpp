#include "channels/email_quotes.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace triage::channels {
namespace {

constexpr std::size_t kOutlookWindow = 6;  // lines a header block may span after "From:"

std::string_view trim(std::string_view s) noexcept {
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    // A no-break space (U+00A0), common in text made from HTML.
    while (s.substr(0, 2) == "\xC2\xA0") s.remove_prefix(2);
    while (s.size() >= 2 && s.substr(s.size() - 2) == "\xC2\xA0") s.remove_suffix(2);
    return s;
}

bool blank(std::string_view line) noexcept { return trim(line).empty(); }

bool quoted(std::string_view line) noexcept {
    const auto t = trim(line);
    return !t.empty() && t.front() == '>';
}

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_ci(std::string_view s, std::string_view prefix) noexcept {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (lower(s[i]) != lower(prefix[i])) return false;
    return true;
}

bool contains_ci(std::string_view s, std::string_view needle) noexcept {
    if (needle.size() > s.size()) return false;
    for (std::size_t i = 0; i + needle.size() <= s.size(); ++i)
        if (starts_with_ci(s.substr(i), needle)) return true;
    return false;
}

bool is_word_byte(char c) noexcept {
    const auto u = static_cast<unsigned char>(c);
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || u >= 0x80;
}

bool contains_word(std::string_view s, std::string_view word) noexcept {
    for (std::size_t at = 0; (at = s.find(word, at)) != std::string_view::npos; ++at) {
        const bool left = at == 0 || !is_word_byte(s[at - 1]);
        const std::size_t end = at + word.size();
        const bool right = end >= s.size() || !is_word_byte(s[end]);
        if (left && right) return true;
    }
    return false;
}

// A header-ish line without the bold markers that text made from HTML carries ("*From:*").
std::string_view header_line(std::string_view line) noexcept {
    auto t = trim(line);
    while (!t.empty() && t.front() == '*') t.remove_prefix(1);
    return t;
}

bool starts_with_any(std::string_view line, std::initializer_list<std::string_view> keys) noexcept {
    const auto t = header_line(line);
    return std::any_of(keys.begin(), keys.end(), [&](std::string_view k) { return starts_with_ci(t, k); });
}

bool is_from_line(std::string_view line) {
    return starts_with_any(line, {"From:", "Von:", "Lähettäjä:", "Saatja:", "Från:", "Sūtītājs:", "No:", "Nuo:",
                                  "Fra:", "De:", "De :", "Od:"});
}
bool is_sent_line(std::string_view line) {
    return starts_with_any(line, {"Sent:", "Date:", "Lähetetty:", "Päivämäärä:", "Saadetud:", "Kuupäev:", "Skickat:",
                                  "Datum:", "Gesendet:", "Nosūtīts:", "Datums:", "Išsiųsta:", "Data:", "Sendt:",
                                  "Envoyé :", "Envoyé:", "Enviado el:", "Enviado:", "Fecha:"});
}
bool is_to_or_subject_line(std::string_view line) {
    return starts_with_any(line, {"To:", "Subject:", "Cc:", "Vastaanottaja:", "Aihe:", "Kopio:", "Adressaat:",
                                  "Saaja:", "Teema:", "Koopia:", "Till:", "Ämne:", "Kopia:", "An:", "Betreff:",
                                  "Kam:", "Tēma:", "Tema:", "Kopija:", "Til:", "Emne:", "À :", "Objet :", "Para:",
                                  "Asunto:"});
}

bool is_outlook_header(const std::vector<std::string_view>& lines, std::size_t i) {
    if (!is_from_line(lines[i])) return false;
    bool sent = false, to = false;
    for (std::size_t k = i + 1; k < lines.size() && k <= i + kOutlookWindow; ++k) {
        sent = sent || is_sent_line(lines[k]);
        to = to || is_to_or_subject_line(lines[k]);
    }
    return sent && to;
}

bool is_original_message_line(std::string_view line) {
    const auto t = trim(line);
    if (t.size() < 8 || t.substr(0, 3) != "---" || t.substr(t.size() - 3) != "---") return false;
    for (std::string_view marker : {"original message", "alkuperäinen viesti", "algne sõnum", "originaalsõnum",
                                    "sākotnējais ziņojums", "oriģinālais ziņojums", "originalus laiškas",
                                    "pradinis laiškas", "ursprungligt meddelande", "ursprüngliche nachricht",
                                    "mensaje original", "message d'origine"})
        if (contains_ci(t, marker)) return true;
    return false;
}

bool is_separator_line(std::string_view line) {
    const auto t = trim(line);
    return t.size() >= 10 && t.find_first_not_of('_') == std::string_view::npos;
}

std::size_t next_non_blank(const std::vector<std::string_view>& lines, std::size_t i) {
    while (i < lines.size() && blank(lines[i])) ++i;
    return i;
}

// The first line of an attribution ending at line i, or npos when line i ends none.
std::size_t attribution_start(const std::vector<std::string_view>& lines, std::size_t i) {
    const auto t = trim(lines[i]);
    if (t.empty() || t.back() != ':' || t.size() > 400) return std::string_view::npos;
    static constexpr std::array<std::string_view, 9> kWords{"wrote",  "kirjoitti", "kirjutas", "rakstīja", "rašė",
                                                            "skrev",  "schrieb",   "écrit",    "escribió"};
    // A wrapped attribution counts from its first line: an earlier line belongs to it when it
    // opens one ("On ..."), breaks an address ("... <"), or holds the word the last line lacks
    // ("Den ... skrev Matti" + "<m@x>:").
    std::size_t start = i;
    bool has_word = false;
    std::string window;
    // The word alone ("kirjoitti:", "wrote:"): a client wrapped the attribution before it, and
    // the line above is the rest ("su 6.12.2026 klo 21.02 Tuki (tuki@x.fi)").
    const auto lone = t.substr(0, t.size() - 1);
    const bool word_alone = std::any_of(kWords.begin(), kWords.end(), [&](auto w) { return trim(lone) == w; });
    for (std::size_t k = 0; k <= 2 && k <= i; ++k) {
        const std::size_t at = i - k;
        const auto line = trim(lines[at]);
        if (k > 0 && (line.empty() || quoted(line))) break;
        const bool word = std::any_of(kWords.begin(), kWords.end(), [&](auto w) { return contains_word(line, w); });
        const bool opener = starts_with_any(line, {"On ", "Am ", "Den ", "Le ", "El ", "Il "});
        const bool broken_address = line.find('<') != std::string_view::npos && line.find('>') == std::string_view::npos;
        if (k > 0 && !opener && !broken_address && !(word && !has_word) && !(k == 1 && word_alone)) break;
        window = std::string(line) + " " + window;
        has_word = has_word || word;
        start = at;
        if (opener) break;
    }
    if (!has_word) return std::string_view::npos;
    const bool evidence = window.find('@') != std::string::npos ||
                          std::any_of(window.begin(), window.end(), [](char c) { return c >= '0' && c <= '9'; });
    const auto next = next_non_blank(lines, i + 1);
    if (!evidence && !(next < lines.size() && quoted(lines[next]))) return std::string_view::npos;
    return start;
}

bool is_signature_delimiter(std::string_view line) {
    std::string_view t = line;
    if (!t.empty() && t.back() == '\r') t.remove_suffix(1);
    return t == "-- " || t == "--";
}

bool is_mobile_footer(std::string_view line) {
    const auto t = trim(line);
    for (std::string_view footer : {"Sent from my ", "Get Outlook for ", "Lähetetty iPhonesta", "Lähetetty Androidista",
                                    "Lähetetty Outlookista", "Saadetud minu ", "Skickat från min "})
        if (starts_with_ci(t, footer)) return true;
    return false;
}

// Blank lines at both ends are dropped; with `squeeze`, runs of blank lines (left where
// quotes were taken out) become one.
std::string join(const std::vector<std::string_view>& lines, std::size_t begin, std::size_t end, bool squeeze = false) {
    while (begin < end && blank(lines[begin])) ++begin;
    while (end > begin && blank(lines[end - 1])) --end;
    std::string out;
    for (std::size_t i = begin; i < end; ++i) {
        if (squeeze && i > begin && blank(lines[i]) && blank(lines[i - 1])) continue;
        if (i > begin) out += '\n';
        auto line = lines[i];
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        out += line;
    }
    return out;
}

}  // namespace

SplitBody split_quoted(std::string_view text) {
    std::vector<std::string_view> lines;
    for (std::size_t start = 0; start <= text.size();) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }

    // Mark quoted lines; everything else is new text (and perhaps a signature).
    std::vector<bool> in_quote(lines.size(), false);
    auto quote_to_end = [&](std::size_t from) { std::fill(in_quote.begin() + static_cast<long>(from), in_quote.end(), true); };
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (is_outlook_header(lines, i) || is_original_message_line(lines[i])) {
            std::size_t from = i;
            // A separator (or "Original Message" line) just above belongs to the block.
            for (std::size_t k = i; k > 0;) {
                --k;
                if (blank(lines[k])) continue;
                if (is_separator_line(lines[k]) || is_original_message_line(lines[k])) from = k;
                break;
            }
            quote_to_end(from);
            break;
        }
        if (const auto start = attribution_start(lines, i); start != std::string_view::npos) {
            const auto next = next_non_blank(lines, i + 1);
            if (next >= lines.size() || !quoted(lines[next])) {
                quote_to_end(start);
                break;
            }
            std::size_t end = next;
            while (end < lines.size() && (quoted(lines[end]) || (blank(lines[end]) && [&] {
                                              const auto n = next_non_blank(lines, end);
                                              return n < lines.size() && quoted(lines[n]);
                                          }())))
                ++end;
            std::fill(in_quote.begin() + static_cast<long>(start), in_quote.begin() + static_cast<long>(end), true);
            i = end - 1;
            continue;
        }
        if (quoted(lines[i])) in_quote[i] = true;
    }

    SplitBody result;
    std::vector<std::string_view> fresh, quotes;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (in_quote[i]) {
            // Keep one blank line between separate quoted runs.
            if (i > 0 && !in_quote[i - 1] && !quotes.empty()) quotes.push_back({});
            quotes.push_back(lines[i]);
        } else {
            fresh.push_back(lines[i]);
        }
    }
    // The signature: after the last "-- " line, or a trailing mobile footer.
    std::size_t signature_at = fresh.size();
    for (std::size_t i = fresh.size(); i > 0; --i) {
        if (is_signature_delimiter(fresh[i - 1])) {
            signature_at = i - 1;
            break;
        }
    }
    if (signature_at == fresh.size()) {
        const auto last = [&] {
            std::size_t n = fresh.size();
            while (n > 0 && blank(fresh[n - 1])) --n;
            return n;
        }();
        if (last > 0 && is_mobile_footer(fresh[last - 1])) signature_at = last - 1;
    }
    result.new_text = join(fresh, 0, signature_at, true);
    if (signature_at < fresh.size()) {
        const bool delimiter = is_signature_delimiter(fresh[signature_at]);
        result.signature = join(fresh, signature_at + (delimiter ? 1 : 0), fresh.size());
    }
    result.quoted = join(quotes, 0, quotes.size());
    return result;
}

}  // namespace triage::channels
