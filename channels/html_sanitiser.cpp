#include "channels/html_sanitiser.hpp"

#include "channels/html_document.hpp"
#include "channels/mime_charset.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

namespace triage::channels {
namespace {

constexpr std::array kKept{"p",     "br",    "div", "span",  "b",  "strong", "i",  "em", "u",  "a",  "ul",
                           "ol",    "li",    "blockquote",  "pre", "code",   "table", "thead", "tbody", "tr",
                           "td",    "th",    "h1",  "h2",    "h3", "h4",     "h5", "h6", "hr", "img"};
constexpr std::array kDropped{"script", "style",  "iframe",   "frame",  "frameset", "object", "embed", "applet",
                              "form",   "link",   "meta",     "base",   "head",     "title",  "template",
                              "svg",  "math",     "audio",  "video",    "canvas", "select",
                              "textarea", "button", "input",  "noembed", "noframes", "xmp",   "plaintext"};
constexpr std::array kAsDiv{"section", "article", "header", "footer", "main",   "nav",     "aside", "center",
                            "address", "figure",  "figcaption", "details", "summary", "dl", "dt",  "dd",
                            "caption", "fieldset", "legend", "hgroup"};
constexpr std::array kVoid{"br", "hr", "img"};

template <std::size_t N>
bool in(const std::array<const char*, N>& names, std::string_view name) {
    return std::any_of(names.begin(), names.end(), [&](const char* n) { return name == n; });
}

void escape_into(std::string& out, std::string_view text, bool attribute) {
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"':
                if (attribute)
                    out += "&quot;";
                else
                    out += c;
                break;
            case '\'':
                if (attribute)
                    out += "&#39;";
                else
                    out += c;
                break;
            case '\0': break;
            default: out += c;
        }
    }
}

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// A URL as browsers read it: surrounding spaces trimmed, tabs and newlines inside removed
// ("java\tscript:" is javascript:). Control characters make it unusable.
std::optional<std::string> clean_url(const char* value) {
    if (!value) return std::nullopt;
    std::string_view v(value);
    std::string out;
    for (char c : v) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\t' || c == '\n' || c == '\r') continue;
        if (u < 0x20 || u == 0x7F) return std::nullopt;
        out += c;
    }
    const auto first = out.find_first_not_of(' ');
    if (first == std::string::npos) return std::nullopt;
    out.erase(0, first);
    out.erase(out.find_last_not_of(' ') + 1);
    return out;
}

std::optional<std::string> safe_href(const char* value) {
    auto url = clean_url(value);
    if (!url) return std::nullopt;
    const std::string lower = lower_ascii(url->substr(0, 8));
    if (lower.rfind("http://", 0) == 0 || lower.rfind("https://", 0) == 0 || lower.rfind("mailto:", 0) == 0)
        return url;
    return std::nullopt;
}

std::optional<std::string> safe_img_src(const char* value) {
    auto url = clean_url(value);
    if (!url) return std::nullopt;
    const std::string lower = lower_ascii(url->substr(0, 32));
    if (lower.rfind("cid:", 0) == 0) return url;
    for (std::string_view prefix : {"data:image/png", "data:image/jpeg", "data:image/jpg", "data:image/gif",
                                    "data:image/webp", "data:image/bmp"}) {
        if (lower.rfind(prefix, 0) == 0) {
            const char next = lower.size() > prefix.size() ? lower[prefix.size()] : '\0';
            if (next == ';' || next == ',') return url;
        }
    }
    return std::nullopt;
}

bool numeric(const char* value) {
    if (!value || !*value || std::strlen(value) > 4) return false;
    return std::all_of(value, value + std::strlen(value), [](char c) { return c >= '0' && c <= '9'; });
}

void add_attribute(std::string& out, std::string_view name, std::string_view value) {
    out += ' ';
    out += name;
    out += "=\"";
    escape_into(out, value, true);
    out += '"';
}

class Sanitiser {
public:
    bool enter(const GumboNode* node) {
        switch (node->type) {
            case GUMBO_NODE_TEXT:
            case GUMBO_NODE_WHITESPACE:
            case GUMBO_NODE_CDATA:
                escape_into(out_, node->v.text.text, false);
                return false;
            case GUMBO_NODE_ELEMENT:
            case GUMBO_NODE_TEMPLATE: break;
            default: return false;  // comments, the document
        }
        const std::string_view name = tag_name(node);
        const auto ns = node->v.element.tag_namespace;
        // Not entered: leave() is not called, so nothing is pushed.
        if (ns != GUMBO_NAMESPACE_HTML || in(kDropped, name)) return false;
        std::string open, close;
        if (in(kKept, name)) {
            if (!start_tag(node, name, open)) {
                if (name == "img") return false;
                closing_.push_back({});  // an <a> without a safe href: keep its text
                return true;
            }
            if (!in(kVoid, name)) close = "</" + std::string(name) + ">";
        } else if (in(kAsDiv, name)) {
            open = "<div>";
            close = "</div>";
        } else if (name == "tfoot") {
            open = "<tbody>";
            close = "</tbody>";
        }
        out_ += open;
        closing_.push_back(std::move(close));
        return true;
    }

    void leave(const GumboNode*) {
        out_ += closing_.back();
        closing_.pop_back();
    }

    std::string take() { return std::move(out_); }

private:
    // Writes the allowlisted start tag; false when the element must be unwrapped or dropped.
    bool start_tag(const GumboNode* node, std::string_view name, std::string& open) {
        open = "<" + std::string(name);
        if (name == "a") {
            auto href = safe_href(attribute(node, "href"));
            if (!href) return false;
            add_attribute(open, "href", *href);
        } else if (name == "img") {
            auto src = safe_img_src(attribute(node, "src"));
            if (!src) return false;
            add_attribute(open, "src", *src);
            if (const char* alt = attribute(node, "alt")) add_attribute(open, "alt", alt);
        } else if (name == "td" || name == "th") {
            for (const char* span : {"colspan", "rowspan"})
                if (const char* v = attribute(node, span); numeric(v)) add_attribute(open, span, v);
        }
        if (const char* title = attribute(node, "title")) add_attribute(open, "title", title);
        if (name == "a") add_attribute(open, "rel", "noopener noreferrer nofollow");
        open += '>';
        return true;
    }

    std::string out_;
    std::vector<std::string> closing_;  // end tag of each entered element, "" when unwrapped
};

}  // namespace

std::string sanitise_html(std::string_view html) {
    HtmlDocument document(html);
    Sanitiser sanitiser;
    document.walk([&](const GumboNode* node) { return sanitiser.enter(node); },
                  [&](const GumboNode* node) { sanitiser.leave(node); });
    auto out = sanitiser.take();
    // Gumbo 0.10 overflows on a numeric reference with many digits and writes a stray byte.
    return is_valid_utf8(out) ? out : repair_utf8(out);
}

}  // namespace triage::channels
