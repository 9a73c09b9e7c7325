#include "channels/html_sanitiser.hpp"

#include <doctest/doctest.h>

#include <string>

using triage::channels::sanitise_html;

TEST_CASE("the sanitiser keeps only allowlisted elements and attributes") {
    struct Case {
        const char* name;
        std::string html;
        std::string expected;
    };
    const Case cases[] = {
        {"plain paragraph", "<p>Hei <b>Matti</b></p>", "<p>Hei <b>Matti</b></p>"},
        {"script dropped with its content", "<p>a</p><script>alert(1)</script><p>b</p>", "<p>a</p><p>b</p>"},
        {"style dropped with its content", "<style>p{color:red}</style><p>x</p>", "<p>x</p>"},
        {"event attributes removed", "<p onclick=\"steal()\" style=\"x\" class=\"c\" id=\"i\">x</p>", "<p>x</p>"},
        {"javascript link unwrapped", "<a href=\"javascript:alert(1)\">click</a>", "click"},
        {"javascript hidden by whitespace and entities", "<a href=\"  java&#x09;script&colon;alert(1)\">c</a>", "c"},
        {"https link gets rel", "<a href=\"https://example.com/a?b=1&amp;c=2\" target=\"_blank\">x</a>",
         "<a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"noopener noreferrer nofollow\">x</a>"},
        {"mailto link kept", "<a href=\"mailto:a@example.com\">a</a>",
         "<a href=\"mailto:a@example.com\" rel=\"noopener noreferrer nofollow\">a</a>"},
        {"data: link unwrapped", "<a href=\"data:text/html,<script>\">x</a>", "x"},
        {"relative link unwrapped", "<a href=\"/admin\">x</a>", "x"},
        {"remote image dropped", "<p><img src=\"http://tracker.example/p.gif\" alt=\"t\">x</p>", "<p>x</p>"},
        {"cid image kept", "<img src=\"cid:logo@x\" alt=\"Logo\" width=\"5\">",
         "<img src=\"cid:logo@x\" alt=\"Logo\">"},
        {"data png kept", "<img src=\"data:image/png;base64,AAAA\">", "<img src=\"data:image/png;base64,AAAA\">"},
        {"data svg dropped", "<img src=\"data:image/svg+xml;base64,AAAA\">", ""},
        {"iframe object embed form dropped",
         "<iframe src=\"x\">i</iframe><object>o</object><embed src=\"e\"><form action=\"x\"><button>Go</button>"
         "<input value=\"v\"></form>ok",
         "ok"},
        {"meta and link in body dropped", "<meta http-equiv=\"refresh\" content=\"0\"><link rel=\"x\">ok", "ok"},
        {"svg and math dropped", "<svg><script>x</script><text>t</text></svg><math>m</math>ok", "ok"},
        {"unknown tags unwrapped", "<font color=\"red\"><o:p>Hei</o:p></font>", "Hei"},
        {"sections become div", "<section><p>x</p></section>", "<div><p>x</p></div>"},
        {"table attributes", "<table border=1><tr><td colspan=\"2\" rowspan=\"x\" bgcolor=red>a</td></tr></table>",
         "<table><tbody><tr><td colspan=\"2\">a</td></tr></tbody></table>"},
        {"text escaped", "<p>1 &lt; 2 &amp;&amp; 3 &gt; 2 \"q\"</p>", "<p>1 &lt; 2 &amp;&amp; 3 &gt; 2 \"q\"</p>"},
        {"attribute values escaped", "<a href='https://e.com/\"x' title='a\"<b>'>t</a>",
         "<a href=\"https://e.com/&quot;x\" title=\"a&quot;&lt;b&gt;\" rel=\"noopener noreferrer nofollow\">t</a>"},
        {"comments dropped", "<!-- <script>x</script> -->ok", "ok"},
        {"head and title dropped", "<html><head><title>T</title></head><body>ok</body></html>", "ok"},
        {"unclosed tags closed", "<div><b>x", "<div><b>x</b></div>"},
        // Mail clients run no scripts, so they show what noscript holds: unwrapped, sanitised.
        {"noscript unwrapped", "<noscript><img src=x onerror=alert(1)></noscript>ok", "ok"},
        {"noscript with its end tag in an attribute keeps the text after it",
         "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">text after</p></noscript>",
         "<p title=\"&lt;/noscript&gt;&lt;img src=x onerror=alert(1)&gt;\">text after</p>"},
        {"void elements", "a<br>b<hr>", "a<br>b<hr>"},
    };
    for (const auto& c : cases) {
        const std::string captured(c.name);
        CAPTURE(captured);
        CHECK(sanitise_html(c.html) == c.expected);
    }
}

TEST_CASE("hostile nesting is refused within the memory budget instead of exhausting memory") {
    std::string deep;
    for (int i = 0; i < 200000; ++i) deep += "<div><b>";
    deep += "deep text";
    // Gumbo would need tens of gigabytes for this; the budget stops it.
    CHECK(sanitise_html(deep).empty());
    std::string fine;
    for (int i = 0; i < 200; ++i) fine += "<div>";
    fine += "ok";
    CHECK(sanitise_html(fine) == [] {
        std::string s;
        for (int i = 0; i < 200; ++i) s += "<div>";
        s += "ok";
        for (int i = 0; i < 200; ++i) s += "</div>";
        return s;
    }());
}
