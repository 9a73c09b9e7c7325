// MimeDocument: one message's MIME structure and headers, parsed by GMime over the caller's
// bytes without copying them. The parse is driven for speed without losing anything
// parse_email reads:
//  - the stream wraps the bytes in place (no copy) and the parser persists it, so every
//    part's content is a substream (offsets into the bytes), decoded only when asked for;
//  - the message is built as a part (g_mime_parser_construct_part), not a GMimeMessage:
//    GMimeMessage would decode From/To/Cc/Subject/Date/References into its own objects,
//    which parse_email never reads (it decodes the raw header values itself), and which
//    was a third of GMime's work. The top part keeps every header of the message, in order.
//    An mbox "From " line before the headers is stepped over, as GMime's message parser does.
//  - GMime's complaints are collected by name (at most 32), as a GMimeMessage parse reports
//    them: a repeated header is a complaint only for the RFC 5322 single headers and
//    Content-* (not for Received: and the like).
//  - one GMimeParser and one GMimeParserOptions per thread, reset for each message
//    (g_mime_parser_init_with_stream), rather than a new parser GObject for every message;
//  - the part classes are GMime's own, subclassed (channels/mime_gobject.cpp) so that a
//    header other than Content-* is not decoded merely to be validated unless it holds an
//    encoded word: the same complaints, a fifth less work.
// The bytes must outlive the document (and any part taken from it). Not thread-safe; separate
// documents may be used on separate threads.
#pragma once

#include "channels/mime_gobject.hpp"

#include <set>
#include <string>
#include <string_view>

namespace triage::channels {

class MimeDocument {
public:
    explicit MimeDocument(std::string_view raw);
    ~MimeDocument();
    MimeDocument(const MimeDocument&) = delete;
    MimeDocument& operator=(const MimeDocument&) = delete;

    // The top part, carrying every header of the message; nullptr when GMime found no message.
    GMimeObject* top() const noexcept { return top_; }
    const std::set<std::string>& warnings() const noexcept { return warnings_; }

private:
    GMimeObject* top_ = nullptr;
    std::set<std::string> warnings_;
};

// GMime's name for a parser warning, as parse_email reports it in "mime_warnings".
const char* mime_warning_name(GMimeParserWarning warning) noexcept;

}  // namespace triage::channels
