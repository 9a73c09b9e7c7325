#include "channels/mime_document.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

namespace triage::channels {
namespace {

struct ParserOptionsFree {
    void operator()(GMimeParserOptions* options) const noexcept { g_mime_parser_options_free(options); }
};

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return (x >= 'A' && x <= 'Z' ? x + 32 : x) == (y >= 'A' && y <= 'Z' ? y + 32 : y);
           });
}

// Headers a message has at most once (RFC 5322 3.6): a repeat of one of these is worth a
// complaint; a repeated Received: or X- header is normal.
bool single_or_content_header(std::string_view name) noexcept {
    static constexpr std::array<std::string_view, 11> kSingle{"bcc",         "cc",       "date",     "from",
                                                              "in-reply-to", "message-id", "references", "reply-to",
                                                              "sender",      "subject",  "to"};
    if (name.size() >= 8 && iequals(name.substr(0, 8), "content-")) return true;
    return std::any_of(kSingle.begin(), kSingle.end(), [&](std::string_view s) { return iequals(name, s); });
}

void on_warning(gint64, GMimeParserWarning code, const gchar* item, gpointer user_data) {
    if ((code == GMIME_WARN_DUPLICATED_HEADER || code == GMIME_CRIT_CONFLICTING_HEADER) &&
        !single_or_content_header(item ? item : ""))
        return;
    auto* warnings = static_cast<std::set<std::string>*>(user_data);
    if (warnings->size() < 32) warnings->insert(mime_warning_name(code));
}

// The wrapper GByteArray (not the bytes, which are the caller's) once the stream is gone.
void free_wrapper(gpointer array) { g_byte_array_free(static_cast<GByteArray*>(array), FALSE); }

// A GMimeStreamMem reading `bytes` in place: GMime never writes to a stream it parses, and
// with the array not owned by the stream nothing frees the caller's bytes.
GObjectPtr<GMimeStream> stream_over(std::string_view bytes) {
    auto* data = reinterpret_cast<guint8*>(const_cast<char*>(bytes.data()));
    GByteArray* array = g_byte_array_new_take(data, bytes.size());
    auto stream = adopt(g_mime_stream_mem_new_with_byte_array(array));
    g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream.get()), FALSE);
    g_object_set_data_full(G_OBJECT(stream.get()), "triage-wrapper", array, free_wrapper);
    return stream;
}

// An mbox "From sender date" line before the headers (GMime's message parser skips it too).
std::string_view skip_mbox_marker(std::string_view raw) {
    std::string_view line = raw;
    if (line.starts_with('>')) line.remove_prefix(1);
    if (!line.starts_with("From ")) return raw;
    const auto eol = raw.find('\n');
    return eol == std::string_view::npos ? std::string_view{} : raw.substr(eol + 1);
}

// One parser and one set of options per thread, reused by every document parsed on it:
// creating a GMimeParser (a GObject with a 4 KiB read buffer) and options with their
// fallback charsets for each message was a twentieth of GMime's parse of small mail.
// g_mime_parser_init_with_stream resets all of the parser's state for the next stream.
struct ThreadParser {
    GObjectPtr<GMimeParser> parser;
    std::unique_ptr<GMimeParserOptions, ParserOptionsFree> options;
};

ThreadParser& thread_parser() {
    thread_local ThreadParser reused = [] {
        ThreadParser made;
        made.parser = adopt(g_mime_parser_new());
        made.options.reset(g_mime_parser_options_new());
        const char* fallback_charsets[] = {"utf-8", "windows-1252", nullptr};
        g_mime_parser_options_set_fallback_charsets(made.options.get(), fallback_charsets);
        return made;
    }();
    return reused;
}

}  // namespace

const char* mime_warning_name(GMimeParserWarning w) noexcept {
    switch (w) {
        case GMIME_WARN_DUPLICATED_HEADER: return "duplicated_header";
        case GMIME_WARN_DUPLICATED_PARAMETER: return "duplicated_parameter";
        case GMIME_WARN_UNENCODED_8BIT_HEADER: return "unencoded_8bit_header";
        case GMIME_WARN_INVALID_CONTENT_TYPE: return "invalid_content_type";
        case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE: return "invalid_rfc2047_header_value";
        case GMIME_WARN_MALFORMED_MULTIPART: return "malformed_multipart";
        case GMIME_WARN_TRUNCATED_MESSAGE: return "truncated_message";
        case GMIME_WARN_MALFORMED_MESSAGE: return "malformed_message";
        case GMIME_CRIT_INVALID_HEADER_NAME: return "invalid_header_name";
        case GMIME_CRIT_CONFLICTING_HEADER: return "conflicting_header";
        case GMIME_CRIT_CONFLICTING_PARAMETER: return "conflicting_parameter";
        case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY: return "multipart_without_boundary";
        case GMIME_WARN_INVALID_PARAMETER: return "invalid_parameter";
        case GMIME_WARN_INVALID_ADDRESS_LIST: return "invalid_address_list";
        case GMIME_CRIT_NESTING_OVERFLOW: return "nesting_overflow";
        case GMIME_WARN_PART_WITHOUT_CONTENT: return "part_without_content";
        case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT: return "part_without_headers_or_content";
    }
    return "unknown";
}

MimeDocument::MimeDocument(std::string_view raw) {
    ensure_gmime();
    raw = skip_mbox_marker(raw);
    if (raw.empty()) return;
    ThreadParser& reused = thread_parser();
    g_mime_parser_options_set_warning_callback(reused.options.get(), on_warning, &warnings_);
    auto stream = stream_over(raw);
    g_mime_parser_init_with_stream(reused.parser.get(), stream.get());
    g_mime_parser_set_persist_stream(reused.parser.get(), TRUE);
    g_mime_parser_set_format(reused.parser.get(), GMIME_FORMAT_MESSAGE);
    top_ = g_mime_parser_construct_part(reused.parser.get(), reused.options.get());
    // The parser keeps its reference to the stream until the next document on this thread;
    // the parts hold their own (their contents are substreams of it).
}

MimeDocument::~MimeDocument() {
    if (top_) g_object_unref(top_);
}

}  // namespace triage::channels
