#include "channels/html_text.hpp"

#include "channels/html_document.hpp"
#include "channels/mime_charset.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <vector>

namespace triage::channels {
namespace {

constexpr std::array kSkipped{"head",   "script", "style",  "title",  "template", "svg",   "math",
                              "object", "iframe", "embed",  "applet", "select",   "textarea", "frameset",
                              "noembed", "noframes"};
constexpr std::array kParagraphs{"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table", "blockquote"};
constexpr std::array kLines{"div",     "ul",     "ol",     "li",     "dl",   "dt",      "dd",         "tr",
                            "section", "article", "header", "footer", "nav", "aside",   "main",       "address",
                            "center",  "figure", "figcaption", "form", "fieldset", "caption", "hr",  "details",
                            "summary", "legend", "thead",  "tbody",  "tfoot"};

template <std::size_t N>
bool in(const std::array<const char*, N>& names, std::string_view name) {
    return std::any_of(names.begin(), names.end(), [&](const char* n) { return name == n; });
}

bool is_html_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Plain text with owed line breaks and spaces written lazily, so that empty elements leave
// no blank lines and whitespace collapses as a browser would show it.
class TextWriter {
public:
    void text(std::string_view s) {
        for (std::size_t i = 0; i < s.size(); ++i) {
            if (is_html_space(s[i])) {
                space_ = true;
            } else if (s.substr(i, 2) == "\xC2\xA0") {  // no-break space: a space in plain text
                space_ = true;
                ++i;
            } else {
                begin_text();
                out_ += s[i];
            }
        }
    }
    void preformatted(std::string_view s) {
        for (char c : s) {
            if (c == '\n') {
                line_break();
            } else if (c != '\r') {
                begin_text();
                out_ += c;
            }
        }
    }
    void raw(std::string_view s) {  // appended as is, after owed breaks
        begin_text();
        out_ += s;
    }
    void line_break() {
        if (out_.empty()) return;
        ++pending_;
        space_ = false;
    }
    void block(int lines) {
        pending_ = std::max(pending_, lines);
        space_ = false;
    }
    void quote(int delta) { quote_ = std::max(0, quote_ + delta); }
    std::size_t size() const noexcept { return out_.size(); }
    std::string_view since(std::size_t at) const { return std::string_view(out_).substr(std::min(at, out_.size())); }

    std::string finish() {
        // Trailing spaces off every line, at most one blank line in a row, none at the ends.
        std::string result;
        std::size_t blank_run = 0;
        std::size_t start = 0;
        while (start <= out_.size()) {
            auto end = out_.find('\n', start);
            if (end == std::string::npos) end = out_.size();
            std::string_view line(out_.data() + start, end - start);
            while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
            const bool blank = line.find_first_not_of("> ") == std::string_view::npos;
            if (blank) {
                ++blank_run;
            } else {
                if (!result.empty()) result += blank_run > 0 ? "\n\n" : "\n";
                result += line;
                blank_run = 0;
            }
            start = end + 1;
        }
        return result;
    }

private:
    void begin_text() {
        if (pending_ > 0 && !out_.empty()) {
            for (int k = 0; k < pending_; ++k) out_ += '\n';
            at_line_start_ = true;
        }
        pending_ = 0;
        if (at_line_start_) {
            if (quote_ > 0) {
                out_.append(static_cast<std::size_t>(quote_), '>');
                out_ += ' ';
            }
            at_line_start_ = false;
        } else if (space_ && !out_.empty()) {
            out_ += ' ';
        }
        space_ = false;
    }

    std::string out_;
    int pending_ = 0;  // line breaks owed before the next text
    bool space_ = false;
    bool at_line_start_ = true;
    int quote_ = 0;
};

class TextExtractor {
public:
    bool enter(const GumboNode* node) {
        if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE || node->type == GUMBO_NODE_CDATA) {
            if (preformatted_ > 0)
                out_.preformatted(node->v.text.text);
            else
                out_.text(node->v.text.text);
            return false;
        }
        if (!is_element(node)) return false;
        const std::string_view name = tag_name(node);
        if (node->v.element.tag_namespace != GUMBO_NAMESPACE_HTML || in(kSkipped, name)) return false;
        if (in(kParagraphs, name)) out_.block(2);
        if (in(kLines, name)) out_.block(1);
        if (name == "br") {
            out_.line_break();
        } else if (name == "hr") {
            out_.raw("----");
            out_.block(1);
        } else if (name == "img") {
            const char* alt = attribute(node, "alt");
            if (alt && *alt) out_.raw("[" + std::string(alt) + "]");
        } else if (name == "blockquote") {
            out_.quote(+1);
        } else if (name == "pre") {
            ++preformatted_;
        } else if (name == "ol" || name == "ul") {
            lists_.push_back(name == "ol" ? 1 : 0);
        } else if (name == "li") {
            if (!lists_.empty() && lists_.back() > 0)
                out_.raw(std::to_string(lists_.back()++) + ". ");
            else
                out_.raw("- ");
        } else if (name == "tr") {
            cells_.push_back(0);
        } else if (name == "td" || name == "th") {
            if (!cells_.empty() && cells_.back()++ > 0) out_.raw("\t");
        } else if (name == "a") {
            links_.push_back(out_.size());
        }
        return true;
    }

    void leave(const GumboNode* node) {
        const std::string_view name = tag_name(node);
        if (name == "a") {
            const auto start = links_.empty() ? out_.size() : links_.back();
            if (!links_.empty()) links_.pop_back();
            append_url(node, start);
        } else if (name == "blockquote") {
            out_.block(2);
            out_.quote(-1);
        } else if (name == "pre") {
            --preformatted_;
        } else if ((name == "ol" || name == "ul") && !lists_.empty()) {
            lists_.pop_back();
        } else if (name == "tr" && !cells_.empty()) {
            cells_.pop_back();
        }
        if (in(kParagraphs, name)) out_.block(2);
        if (in(kLines, name)) out_.block(1);
    }

    std::string finish() { return out_.finish(); }

private:
    // "text <url>" unless the text already says the URL.
    void append_url(const GumboNode* node, std::size_t start) {
        const char* href = attribute(node, "href");
        if (!href) return;
        std::string_view url(href);
        while (!url.empty() && is_html_space(url.front())) url.remove_prefix(1);
        while (!url.empty() && is_html_space(url.back())) url.remove_suffix(1);
        auto lower_starts = [&](std::string_view prefix) {
            if (url.size() < prefix.size()) return false;
            for (std::size_t i = 0; i < prefix.size(); ++i)
                if ((url[i] | 0x20) != prefix[i]) return false;
            return true;
        };
        if (!lower_starts("http://") && !lower_starts("https://") && !lower_starts("mailto:")) return;
        std::string_view shown = out_.since(start);
        while (!shown.empty() && is_html_space(shown.front())) shown.remove_prefix(1);
        std::string_view bare = lower_starts("mailto:") ? url.substr(7) : url;
        if (shown.find(bare) != std::string_view::npos || (shown.empty() && bare.empty())) return;
        out_.raw(shown.empty() ? std::string(url) : " <" + std::string(bare) + ">");
    }

    TextWriter out_;
    int preformatted_ = 0;
    std::vector<int> lists_;             // per open list: next number for <ol>, 0 for <ul>
    std::vector<int> cells_;             // per open row: cells so far
    std::vector<std::size_t> links_;     // per open <a>: where its text starts
};

void append_code_point(std::string& out, std::uint32_t cp) {
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// The last resort for documents gumbo was not allowed to parse: text between tags.
std::string strip_tags(std::string_view html) {
    TextWriter out;
    std::string text;
    auto flush = [&] {
        out.text(text);
        text.clear();
    };
    std::size_t i = 0;
    while (i < html.size()) {
        const char c = html[i];
        if (c == '<') {
            flush();
            const auto end = html.find('>', i);
            if (end == std::string_view::npos) break;
            std::string tag(html.substr(i + 1, std::min<std::size_t>(end - i - 1, 16)));
            for (char& t : tag) t = static_cast<char>(t >= 'A' && t <= 'Z' ? t - 'A' + 'a' : t);
            i = end + 1;
            for (std::string_view skipped : {"script", "style"}) {
                if (tag.rfind(skipped, 0) == 0) {
                    const auto close = html.find("</", i);
                    i = close == std::string_view::npos ? html.size() : close;
                }
            }
            if (tag.rfind("br", 0) == 0 || tag.rfind("p", 0) == 0 || tag.rfind("/p", 0) == 0 ||
                tag.rfind("div", 0) == 0 || tag.rfind("/div", 0) == 0 || tag.rfind("li", 0) == 0 ||
                tag.rfind("tr", 0) == 0)
                out.line_break();
            continue;
        }
        if (c == '&') {
            const auto semi = html.find(';', i);
            if (semi != std::string_view::npos && semi - i <= 10) {
                const std::string_view entity = html.substr(i + 1, semi - i - 1);
                std::optional<std::uint32_t> cp;
                if (entity == "amp") cp = '&';
                if (entity == "lt") cp = '<';
                if (entity == "gt") cp = '>';
                if (entity == "quot") cp = '"';
                if (entity == "apos") cp = '\'';
                if (entity == "nbsp") cp = ' ';
                if (entity.size() > 1 && entity[0] == '#') {
                    const bool hex = entity[1] == 'x' || entity[1] == 'X';
                    const std::string digits(entity.substr(hex ? 2 : 1));
                    char* end = nullptr;
                    const unsigned long v = std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
                    if (!digits.empty() && end && *end == '\0') cp = static_cast<std::uint32_t>(std::min(v, 0x110000ul));
                }
                if (cp) {
                    append_code_point(text, *cp);
                    i = semi + 1;
                    continue;
                }
            }
        }
        text += c;
        ++i;
    }
    flush();
    return out.finish();
}

}  // namespace

std::string html_to_text(std::string_view html) {
    HtmlDocument document(html);
    if (!document.root()) return strip_tags(is_valid_utf8(html) ? std::string(html) : repair_utf8(html));
    TextExtractor extractor;
    document.walk([&](const GumboNode* node) { return extractor.enter(node); },
                  [&](const GumboNode* node) { extractor.leave(node); });
    auto text = extractor.finish();
    // Gumbo 0.10 overflows on a numeric reference with many digits (&#x1F6aaaaaaaa…) and
    // writes a stray byte; the text we hand on is UTF-8 whatever the input.
    return is_valid_utf8(text) ? text : repair_utf8(text);
}

}  // namespace triage::channels
