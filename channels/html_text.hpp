// HTML to readable plain text, for HTML-only mail: block elements and <br> become line breaks,
// list items "- ", table cells tab-separated, links "text <url>", images "[alt]",
// <blockquote> lines prefixed "> " (so quoted history can be split off like plain-text
// quoting); script, style, head and the like are skipped. Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace triage::channels {

// When the document is too deeply nested for the parser's memory budget, falls back to the
// text between tags, with &amp; &lt; &gt; &quot; &nbsp; and numeric references decoded.
std::string html_to_text(std::string_view html);

}  // namespace triage::channels
