#include "channels/mime_parts.hpp"

#include "engine/text.hpp"

namespace triage::channels {
namespace {

std::string lower(std::string_view s) { return ascii_lower(s); }

}  // namespace

namespace {

// The bytes of a content stream that is a window on a memory stream (what MimeDocument's
// persisted parse makes of every part), read in place; nullopt for any other stream.
std::optional<std::string_view> bytes_in_place(GMimeStream* stream) {
    if (!stream || !GMIME_IS_STREAM_MEM(stream)) return std::nullopt;
    GByteArray* array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
    if (!array) return std::nullopt;
    const gint64 start = stream->bound_start;
    const gint64 end = stream->bound_end < 0 ? static_cast<gint64>(array->len) : stream->bound_end;
    if (start < 0 || end < start || end > static_cast<gint64>(array->len)) return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(array->data) + start, static_cast<std::size_t>(end - start));
}

// Quoted-printable without the white space that ends its lines (RFC 2045 6.7 (3): transport
// agents add it; a space the sender meant is "=20"). A soft break "=  " becomes "=" too.
std::string without_trailing_blanks(std::string_view qp) {
    std::string out;
    out.reserve(qp.size());
    std::size_t pending = 0;  // blanks held until we know whether the line goes on
    for (std::size_t i = 0; i < qp.size(); ++i) {
        const char c = qp[i];
        if (c == ' ' || c == '\t') {
            ++pending;
            continue;
        }
        const bool line_end = c == '\n' || (c == '\r' && i + 1 < qp.size() && qp[i + 1] == '\n');
        if (!line_end) out.append(qp.substr(i - pending, pending));
        pending = 0;
        out += c;
    }
    return out;  // blanks at the very end are a line's end too
}

}  // namespace

std::string part_content(GMimePart* part) {
    GMimeDataWrapper* content = part ? g_mime_part_get_content(part) : nullptr;
    if (!content) return {};
    // Base64 and quoted-printable decoded straight from the message's bytes into the string
    // (GMime's decoder, as its filter uses it), and unencoded content copied once: writing
    // through a filtered stream into a GMimeStreamMem and copying that out was a sixth of
    // parse_email. uuencode (its "begin" line is the filter's business) takes the stream way.
    const GMimeContentEncoding encoding = g_mime_data_wrapper_get_encoding(content);
    const auto raw = bytes_in_place(g_mime_data_wrapper_get_stream(content));
    if (raw && encoding != GMIME_CONTENT_ENCODING_UUENCODE) {
        if (encoding != GMIME_CONTENT_ENCODING_BASE64 && encoding != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE)
            return std::string(*raw);
        std::string stripped;
        std::string_view encoded = *raw;
        if (encoding == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE) {
            stripped = without_trailing_blanks(encoded);
            encoded = stripped;
        }
        GMimeEncoding state;
        g_mime_encoding_init_decode(&state, encoding);
        std::string out(g_mime_encoding_outlen(&state, encoded.size()) + 16, '\0');
        const std::size_t n = g_mime_encoding_flush(&state, encoded.data(), encoded.size(), out.data());
        out.resize(n);
        return out;
    }
    auto stream = adopt(g_mime_stream_mem_new());
    g_mime_data_wrapper_write_to_stream(content, stream.get());
    return std::string(stream_bytes(GMIME_STREAM_MEM(stream.get())));
}

std::string object_bytes(GMimeObject* object) {
    if (!object) return {};
    auto stream = adopt(g_mime_stream_mem_new());
    g_mime_object_write_to_stream(object, nullptr, stream.get());
    return std::string(stream_bytes(GMIME_STREAM_MEM(stream.get())));
}

std::optional<std::string> first_raw_header(GMimeHeaderList* headers, std::string_view name) {
    if (!headers) return std::nullopt;
    // Compared in place, case-blind: parse_email asks for some thirty headers of a message
    // with some thirty headers, and a lower-cased copy of each name was a tenth of its time.
    auto fold = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; };
    auto same = [&](const char* candidate) {
        std::size_t i = 0;
        for (; i < name.size(); ++i)
            if (candidate[i] == '\0' || fold(candidate[i]) != fold(name[i])) return false;
        return candidate[i] == '\0';
    };
    const int count = g_mime_header_list_get_count(headers);
    for (int i = 0; i < count; ++i) {
        GMimeHeader* header = g_mime_header_list_get_header_at(headers, i);
        const char* header_name = g_mime_header_get_name(header);
        if (!header_name || !same(header_name)) continue;
        const char* raw = g_mime_header_get_raw_value(header);
        return std::string(raw ? raw : "");
    }
    return std::nullopt;
}

std::optional<std::string> first_raw_header(GMimeObject* object, std::string_view name) {
    return object ? first_raw_header(g_mime_object_get_header_list(object), name) : std::nullopt;
}

std::optional<std::string> raw_header_in_bytes(std::string_view bytes, std::string_view name) {
    const std::string wanted = lower(name) + ":";
    std::optional<std::string> found;
    for (std::size_t start = 0; start < bytes.size();) {
        auto end = bytes.find('\n', start);
        if (end == std::string_view::npos) end = bytes.size();
        std::string_view line = bytes.substr(start, end - start);
        start = end + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) break;  // end of the header block
        if (line.front() == ' ' || line.front() == '\t') {
            if (found) *found += std::string(" ") + std::string(line.substr(1));
            continue;
        }
        if (found) break;
        if (line.size() >= wanted.size() && lower(line.substr(0, wanted.size())) == wanted)
            found = std::string(line.substr(wanted.size()));
    }
    return found;
}

std::string_view sniffed_media_type(std::string_view bytes) noexcept {
    using namespace std::string_view_literals;
    if (bytes.starts_with("\x89PNG\r\n\x1a\n"sv)) return "image/png";
    if (bytes.starts_with("\xff\xd8\xff"sv)) return "image/jpeg";
    if (bytes.starts_with("GIF87a"sv) || bytes.starts_with("GIF89a"sv)) return "image/gif";
    if (bytes.starts_with("%PDF-"sv)) return "application/pdf";
    if (bytes.starts_with("II*\0"sv) || bytes.starts_with("MM\0*"sv)) return "image/tiff";
    return "";
}

std::string mime_type(GMimeObject* object) {
    GMimeContentType* type = object ? g_mime_object_get_content_type(object) : nullptr;
    if (!type) return "text/plain";
    const char* media = g_mime_content_type_get_media_type(type);
    const char* sub = g_mime_content_type_get_media_subtype(type);
    // RFC 2045 5.2: a missing or invalid Content-Type ("text", "", ";;;") means text/plain.
    if (!media || !*media || !sub || !*sub) return "text/plain";
    std::string out = lower(media) + "/" + lower(sub);
    if (out == "application/octet-stream") {  // GMime's reading of a header it could not parse
        const char* raw = g_mime_object_get_header(object, "Content-Type");
        std::string_view declared = raw ? trim_space(raw) : std::string_view{};
        declared = trim_space(declared.substr(0, declared.find(';')));
        const auto slash = declared.find('/');
        if (raw && (slash == std::string_view::npos || slash == 0 || slash + 1 == declared.size())) return "text/plain";
    }
    return out;
}

std::string content_type_parameter(GMimeObject* object, const char* name) {
    GMimeContentType* type = object ? g_mime_object_get_content_type(object) : nullptr;
    const char* value = type ? g_mime_content_type_get_parameter(type, name) : nullptr;
    return value ? std::string(value) : std::string();
}

}  // namespace triage::channels
