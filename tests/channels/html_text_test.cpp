#include "channels/html_text.hpp"
#include "channels/html_sanitiser.hpp"
#include "channels/mime_charset.hpp"

#include <doctest/doctest.h>

#include <string>

using triage::channels::html_to_text;
using triage::channels::is_valid_utf8;
using triage::channels::sanitise_html;

TEST_CASE("html is turned into readable text") {
    struct Case {
        const char* name;
        std::string html;
        std::string expected;
    };
    const Case cases[] = {
        {"paragraphs", "<p>Hei,</p><p>kone ei käynnisty.</p>", "Hei,\n\nkone ei käynnisty."},
        {"line breaks and collapsing", "a<br>b  \n  c<br><br>d", "a\nb c\n\nd"},
        {"entities decoded", "<p>1 &lt; 2 &amp; &euro;&nbsp;5</p>", "1 < 2 & € 5"},
        {"script and style skipped", "<style>x{}</style><script>var a;</script>text", "text"},
        {"noscript shown, as mail clients show it", "<script>x</script><noscript>Ota JavaScript käyttöön</noscript>", "Ota JavaScript käyttöön"},
        {"lists", "<ul><li>one</li><li>two</li></ul><ol><li>a</li><li>b</li></ol>", "- one\n- two\n1. a\n2. b"},
        {"table cells tab separated", "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a\tb\nc"},
        {"link with its address", "<a href=\"https://example.com/x\">the form</a>", "the form <https://example.com/x>"},
        {"link that shows its address", "<a href=\"https://example.com\">https://example.com</a>",
         "https://example.com"},
        {"mailto link", "<a href=\"mailto:a@example.com\">a@example.com</a>", "a@example.com"},
        {"image alt", "<img src=\"cid:x\" alt=\"Logo\">", "[Logo]"},
        {"blockquote quoted", "<p>Yes.</p><blockquote><p>Did it work?</p><p>Matti</p></blockquote>",
         "Yes.\n\n> Did it work?\n\n> Matti"},
        {"pre keeps whitespace", "<pre>a  b\n  c</pre>", "a  b\n  c"},
        {"empty", "", ""},
    };
    for (const auto& c : cases) {
        const std::string captured(c.name);
        CAPTURE(captured);
        CHECK(html_to_text(c.html) == c.expected);
    }
}

TEST_CASE("text from hostile nesting falls back to the text between tags") {
    std::string deep;
    for (int i = 0; i < 200000; ++i) deep += "<div><b>";
    deep += "deep &amp; text";
    CHECK(html_to_text(deep) == "deep & text");
    std::string fine;
    for (int i = 0; i < 200; ++i) fine += "<div>";
    fine += "ok";
    CHECK(html_to_text(fine) == "ok");
}

TEST_CASE("a numeric character reference too long for gumbo still gives UTF-8 text and HTML") {
    // Found by fuzz/fuzz_html: gumbo overflows on the digits and wrote a lone byte.
    const std::string html = "<p>x &#x1F6" + std::string(40, 'a') + "`aaaa &#99999999999999999999; y</p>";
    const auto text = html_to_text(html);
    CHECK(is_valid_utf8(text));
    CHECK(text.find('x') != std::string::npos);
    CHECK(text.find('y') != std::string::npos);
    CHECK(is_valid_utf8(sanitise_html(html)));
}
