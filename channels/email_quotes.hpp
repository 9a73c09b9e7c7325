// Quoted history and signatures in a reply's plain text, separated from what the sender
// newly wrote. Line-based and linear in the text; no regular expressions. Pure function;
// thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace triage::channels {

struct SplitBody {
    std::string new_text;   // what is left: the new text, trimmed of blank lines at the ends
    std::string quoted;     // the quoted history, lines as they were ("" when none)
    std::string signature;  // after the last "-- " line (or a mobile footer), without it
};

// Recognises, wherever they start:
//  - attribution lines ending in ':' with a whole word wrote / kirjoitti (fi) / kirjutas (et)
//    / rakstīja (lv) / rašė (lt) / skrev (sv) / schrieb (de) / écrit (fr), when they hold an
//    address or a digit or are followed by "> " lines; a wrapped attribution ("On ... <" +
//    "x@y> wrote:") counts from its first line;
//  - Outlook header blocks: From/Sent/To (or Date, Subject) within six lines, in English,
//    Finnish, Estonian, Latvian, Lithuanian, Swedish and German, with a separator line of
//    underscores above it; and "-----Original Message-----" (or "Alkuperäinen viesti", ...);
//  - runs of '>'-quoted lines (so bottom posting and interleaved answers keep their answers).
// An attribution followed by '>' lines quotes only those lines; an Outlook block or an
// attribution without '>' lines quotes everything after it.
SplitBody split_quoted(std::string_view text);

}  // namespace triage::channels
