// Fuzz target: HTML bodies (gumbo). Sanitising and converting to text return for any bytes;
// the sanitised HTML keeps no script, no event attribute and no javascript: URL, and both
// outputs are valid UTF-8.
#include "channels/html_sanitiser.hpp"
#include "channels/html_text.hpp"
#include "channels/mime_charset.hpp"
#include "fuzz/fuzz_target.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <string>

using namespace triage::channels;

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

bool starts(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Reads the sanitiser's own serialisation (tags `<name attr="value">`, text and values
// escaped) and checks each tag and attribute against the allowlist it documents.
void check_allowlisted(std::string_view html) {
    static const std::set<std::string, std::less<>> elements{
        "p", "br", "div", "span", "b", "strong", "i", "em", "u", "a", "ul", "ol", "li", "blockquote", "pre", "code",
        "table", "thead", "tbody", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "img"};
    for (std::size_t at = html.find('<'); at != std::string_view::npos; at = html.find('<', at + 1)) {
        const auto end = html.find('>', at);
        TRIAGE_FUZZ_CHECK(end != std::string_view::npos);
        auto tag = html.substr(at + 1, end - at - 1);
        if (!tag.empty() && tag[0] == '/') tag.remove_prefix(1);
        const auto name_end = std::min(tag.find(' '), tag.size());
        const auto name = lower(tag.substr(0, name_end));
        TRIAGE_FUZZ_CHECK(elements.count(name) == 1);
        auto rest = tag.substr(name_end);
        while (!rest.empty()) {
            if (rest[0] == ' ' || rest[0] == '/') {
                rest.remove_prefix(1);
                continue;
            }
            const auto eq = rest.find("=\"");
            TRIAGE_FUZZ_CHECK(eq != std::string_view::npos);
            const auto attr = lower(rest.substr(0, eq));
            const auto close = rest.find('"', eq + 2);
            TRIAGE_FUZZ_CHECK(close != std::string_view::npos);
            const auto value = lower(rest.substr(eq + 2, close - eq - 2));
            rest.remove_prefix(close + 1);
            if (attr == "href") {
                TRIAGE_FUZZ_CHECK(name == "a");
                TRIAGE_FUZZ_CHECK(starts(value, "http://") || starts(value, "https://") || starts(value, "mailto:"));
            } else if (attr == "src") {
                TRIAGE_FUZZ_CHECK(name == "img");
                TRIAGE_FUZZ_CHECK(starts(value, "cid:") || starts(value, "data:image/png") ||
                                  starts(value, "data:image/jpeg") || starts(value, "data:image/gif") ||
                                  starts(value, "data:image/webp") || starts(value, "data:image/bmp"));
            } else {
                TRIAGE_FUZZ_CHECK(attr == "title" || attr == "alt" || attr == "rel" || attr == "colspan" ||
                                  attr == "rowspan");
            }
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // The channels hand these functions UTF-8 (decode_text runs first); so does the target.
    const auto html = repair_utf8(triage::fuzz::bytes_of(data, size));
    const auto text = html_to_text(html);
    TRIAGE_FUZZ_CHECK(is_valid_utf8(text));
    const auto clean = sanitise_html(html);
    TRIAGE_FUZZ_CHECK(is_valid_utf8(clean));
    check_allowlisted(clean);
    return 0;
}
