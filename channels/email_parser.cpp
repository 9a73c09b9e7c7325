#include "channels/email_parser.hpp"

#include "engine/text.hpp"

#include "channels/mime_charset.hpp"
#include "channels/mime_document.hpp"
#include "channels/mime_flowed.hpp"
#include "channels/mime_gobject.hpp"
#include "channels/mime_header_decoder.hpp"
#include "channels/mime_parts.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <set>

namespace triage::channels {
namespace {

constexpr std::size_t kMaxAttachments = 1000;
constexpr int kMaxDepth = 1100;  // GMime stops nesting at 1,024 levels
constexpr std::size_t kMaxFilename = 255;  // bytes
constexpr std::size_t kMaxUnparsedText = 1u << 20;  // text of an unparsable message; the raw bytes are attached
constexpr std::size_t kMaxSubject = 998;  // bytes, RFC 5322's line limit; the raw message keeps the rest
constexpr std::size_t kMaxName = 256;     // bytes of a display name
// GMime compares every line that starts with "--" with every open boundary, so hostile
// nesting makes parsing slow (1,000 boundaries and a million such lines: 5 s). Above this
// many comparisons (about a second) the message is kept raw, as unparsable.
constexpr std::size_t kMaxBoundaryWork = 200'000'000;
constexpr std::size_t kGMimeMaxNesting = 1024;

std::string lower(std::string_view s) { return ascii_lower(s); }

std::string_view trim(std::string_view s) noexcept { return trim_space(s); }

bool blank(std::string_view s) noexcept { return trim(s).empty(); }

void add_unique(std::vector<std::string>& list, std::string value) {
    if (!value.empty() && std::find(list.begin(), list.end(), value) == list.end()) list.push_back(std::move(value));
}

// "<a@b>" tokens of In-Reply-To / References, in order; a bare id is given its <>.
std::vector<std::string> message_ids(std::string_view raw) {
    std::vector<std::string> ids;
    const std::string value = decode_header_text(raw).text;
    std::size_t at = 0;
    while ((at = value.find('<', at)) != std::string::npos) {
        const auto end = value.find('>', at);
        if (end == std::string::npos) break;
        if (end > at + 1 && value.find_first_of(" <", at + 1) > end) add_unique(ids, value.substr(at, end - at + 1));
        at = end + 1;
    }
    if (ids.empty() && !value.empty() && value.find_first_of(" \t<>") == std::string::npos)
        ids.push_back("<" + value + ">");
    return ids;
}

// "[T-1042]" anywhere in the subject; the bracket may hold more words ("[Tuki T-1042]").
std::optional<TicketId> ticket_in_subject(std::string_view subject) {
    std::size_t at = 0;
    while ((at = subject.find('[', at)) != std::string_view::npos) {
        const auto end = subject.find(']', at);
        if (end == std::string_view::npos) break;
        const auto inside = trim(subject.substr(at + 1, end - at - 1));
        if (inside.size() <= 40) {
            if (auto id = parse_ticket_key(inside)) return id;
            const auto space = inside.find_last_of(" \t");
            if (space != std::string_view::npos)
                if (auto id = parse_ticket_key(inside.substr(space + 1))) return id;
        }
        at = at + 1;
    }
    return std::nullopt;
}

// Cuts at a UTF-8 boundary; true when something was cut.
bool truncate_utf8(std::string& s, std::size_t max) {
    if (s.size() <= max) return false;
    std::size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    s.resize(cut);
    return true;
}

std::string clean_filename(std::string_view name) {
    std::string decoded = name.find("=?") != std::string_view::npos ? decode_header_text(name).text
                                                                     : repair_utf8(name);
    // Only the last path component: "C:\x\y.pdf" or "../../etc/passwd" are not paths here.
    if (auto slash = decoded.find_last_of("/\\"); slash != std::string::npos) decoded.erase(0, slash + 1);
    std::string out;
    for (char c : decoded) {
        const auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7F) ? '_' : c;
    }
    out = std::string(trim(out));
    while (!out.empty() && out.front() == '.') out.erase(0, 1);  // no hidden files, no ".."
    truncate_utf8(out, kMaxFilename);
    return out;
}

bool is_message_type(std::string_view type) {
    return type == "message/rfc822" || type == "message/global" || type == "message/news";
}

// text/enriched (RFC 1896) and its ancestor text/richtext, as HTML (GMime's filter).
std::string enriched_to_html(std::string_view text, bool richtext) {
    auto sink = adopt(g_mime_stream_mem_new());
    auto filtered = adopt(g_mime_stream_filter_new(sink.get()));
    auto filter = adopt(g_mime_filter_enriched_new(richtext ? GMIME_FILTER_ENRICHED_IS_RICHTEXT : 0));
    g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered.get()), filter.get());
    g_mime_stream_write(filtered.get(), text.data(), text.size());
    g_mime_stream_flush(filtered.get());
    return repair_utf8(stream_bytes(GMIME_STREAM_MEM(sink.get())));
}

// A Content-ID as HTML refers to it ("cid:..."): without <>, control characters or spaces.
std::string clean_content_id(std::string_view id) {
    std::string out;
    for (char c : repair_utf8(trim(id))) {
        const auto u = static_cast<unsigned char>(c);
        if (u > 0x20 && u != 0x7F) out += c;
    }
    if (!out.empty() && out.front() == '<') out.erase(0, 1);
    if (!out.empty() && out.back() == '>') out.pop_back();
    truncate_utf8(out, kMaxFilename);
    return out;
}

// What the body walk collects.
struct Body {
    std::vector<std::string> plain;  // text/plain parts, UTF-8
    std::vector<std::string> html;   // text/html parts, UTF-8, not yet sanitised
    bool has_plain() const {
        return std::any_of(plain.begin(), plain.end(), [](const std::string& s) { return !blank(s); });
    }
    void append(Body&& other) {
        for (auto& p : other.plain) plain.push_back(std::move(p));
        for (auto& h : other.html) html.push_back(std::move(h));
    }
};

class BodyWalker {
public:
    // `collect_attachments` false: only the text is wanted (a forwarded message's body).
    BodyWalker(ParsedEmail& result, std::vector<std::string>& fallbacks, bool collect_attachments = true)
        : result_(result), fallbacks_(fallbacks), collect_attachments_(collect_attachments) {}

    Body walk(GMimeObject* object, int depth, bool related_part = false) {
        Body body;
        if (!object) return body;
        if (depth > kMaxDepth) {
            add_attachment(object, related_part);
            return body;
        }
        const std::string type = mime_type(object);
        if (GMIME_IS_MULTIPART(object)) {
            walk_multipart(GMIME_MULTIPART(object), type, depth, body);
        } else if (GMIME_IS_PART(object)) {
            GMimePart* part = GMIME_PART(object);
            const char* disposition = g_mime_object_get_disposition(object);
            const bool attachment = disposition && lower(disposition) == "attachment";
            const char* filename = g_mime_part_get_filename(part);
            const bool text_type = type == "text/plain" || type == "text/html" || type == "text/enriched" ||
                                   type == "text/richtext";
            const bool body_text =
                text_type && !attachment && !(filename && *filename) && !related_part && !GMIME_IS_MESSAGE_PARTIAL(object);
            if (body_text)
                add_text(object, part, type, body);
            else if (is_message_type(type))
                add_message(object);
            else
                add_attachment(object, related_part);
        }
        return body;
    }

    const std::string& first_charset() const { return first_charset_; }
    // Indexes into result.attachments of the embedded messages, in order.
    const std::vector<std::size_t>& messages() const { return messages_; }

private:
    void walk_multipart(GMimeMultipart* multipart, const std::string& type, int depth, Body& body) {
        const int count = g_mime_multipart_get_count(multipart);
        if (count == 0) {
            // No boundary (or none found): GMime keeps the whole body as the prologue.
            std::string text;
            if (const char* prologue = g_mime_multipart_get_prologue(multipart)) text += prologue;
            if (const char* epilogue = g_mime_multipart_get_epilogue(multipart)) text += epilogue;
            if (!blank(text)) {
                auto decoded = decode_text(text, content_type_parameter(GMIME_OBJECT(multipart), "charset"));
                note(decoded);
                body.plain.push_back(std::move(decoded.text));
            }
            return;
        }
        auto child = [&](int i) { return g_mime_multipart_get_part(multipart, i); };
        if (type == "multipart/alternative") {
            // One body in several forms: plain text from the first child that has it, HTML
            // from the last (the richest); the others' attachments are still collected.
            std::vector<Body> forms;
            for (int i = 0; i < count; ++i) forms.push_back(walk(child(i), depth + 1));
            Body chosen;
            for (auto& f : forms)
                if (f.has_plain()) {
                    chosen.plain = std::move(f.plain);
                    break;
                }
            for (auto it = forms.rbegin(); it != forms.rend(); ++it)
                if (!it->html.empty()) {
                    chosen.html = std::move(it->html);
                    break;
                }
            body.append(std::move(chosen));
        } else if (type == "multipart/related") {
            // The root (the "start" part, else the first) is the body; the rest are its images.
            const std::string start = trim_angles(content_type_parameter(GMIME_OBJECT(multipart), "start"));
            int root = 0;
            for (int i = 0; i < count && !start.empty(); ++i) {
                const char* id = g_mime_object_get_content_id(child(i));
                if (id && start == id) root = i;
            }
            for (int i = 0; i < count; ++i) body.append(walk(child(i), depth + 1, i != root));
        } else if (type == "multipart/signed") {
            for (int i = 0; i < count; ++i) {
                if (i == 0)
                    body.append(walk(child(i), depth + 1));
                else
                    add_attachment(child(i), false);
            }
        } else if (type == "multipart/encrypted") {
            for (int i = 0; i < count; ++i) add_attachment(child(i), false);
        } else {
            for (int i = 0; i < count; ++i) body.append(walk(child(i), depth + 1));
        }
        // Text after the closing boundary: usually nothing, sometimes a signature.
        if (depth == 0)
            if (const char* epilogue = g_mime_multipart_get_epilogue(multipart); epilogue && !blank(epilogue))
                body.plain.push_back(decode_text(epilogue, {}).text);
    }

    static std::string trim_angles(std::string s) {
        auto t = trim(s);
        if (!t.empty() && t.front() == '<') t.remove_prefix(1);
        if (!t.empty() && t.back() == '>') t.remove_suffix(1);
        return std::string(t);
    }

    void note(const Utf8Text& decoded) {
        if (decoded.fallback) add_unique(fallbacks_, decoded.charset);
    }

    void add_text(GMimeObject* object, GMimePart* part, const std::string& type, Body& body) {
        const std::string charset = content_type_parameter(object, "charset");
        if (first_charset_.empty()) first_charset_ = clean_charset_name(charset);
        auto decoded = decode_text(part_content(part), charset);
        note(decoded);
        if (type == "text/html") {
            body.html.push_back(std::move(decoded.text));
            return;
        }
        if (type == "text/enriched" || type == "text/richtext") {
            body.html.push_back(enriched_to_html(decoded.text, type == "text/richtext"));
            return;
        }
        if (lower(content_type_parameter(object, "format")) == "flowed")
            decoded.text = unflow_text(decoded.text, lower(content_type_parameter(object, "delsp")) == "yes");
        body.plain.push_back(std::move(decoded.text));
    }

    bool room() {
        if (!collect_attachments_) return false;
        if (result_.attachments.size() < kMaxAttachments) return true;
        ++omitted_;
        result_.enquiry.metadata["attachments_omitted"] = std::to_string(omitted_);
        return false;
    }

    void add_attachment(GMimeObject* object, bool related_part) {
        if (!object || !room()) return;
        EmailAttachment a;
        a.content_type = mime_type(object);
        if (const char* id = g_mime_object_get_content_id(object)) a.content_id = clean_content_id(id);
        const char* disposition = g_mime_object_get_disposition(object);
        a.inline_part = related_part || (disposition && lower(disposition) == "inline");
        if (GMIME_IS_PART(object)) {
            if (is_message_type(a.content_type)) {
                add_message(object);
                return;
            }
            if (const char* name = g_mime_part_get_filename(GMIME_PART(object))) a.filename = clean_filename(name);
            a.bytes = part_content(GMIME_PART(object));
        } else {
            a.bytes = object_bytes(object);  // a multipart where only a part was expected
        }
        result_.attachments.push_back(std::move(a));
    }

    // A nested message (message/rfc822, a forwarded mail): kept whole, as its bytes.
    void add_message(GMimeObject* object) {
        if (!room()) return;
        EmailAttachment a;
        a.content_type = "message/rfc822";
        a.bytes = part_content(GMIME_PART(object));
        const char* given = g_mime_part_get_filename(GMIME_PART(object));
        std::string name = given ? given : "";
        if (name.empty())
            if (auto subject = raw_header_in_bytes(a.bytes, "Subject"); subject) {
                name = decode_header_text(*subject).text;
                if (!name.empty()) name += ".eml";
            }
        a.filename = clean_filename(name);
        if (a.filename.empty()) a.filename = "message.eml";
        if (const char* id = g_mime_object_get_content_id(object)) a.content_id = clean_content_id(id);
        const char* disposition = g_mime_object_get_disposition(object);
        a.inline_part = disposition && lower(disposition) == "inline";
        if (!collect_attachments_) return;
        messages_.push_back(result_.attachments.size());
        result_.attachments.push_back(std::move(a));
    }

    ParsedEmail& result_;
    std::vector<std::string>& fallbacks_;
    bool collect_attachments_;
    std::string first_charset_;
    std::size_t omitted_ = 0;
    std::vector<std::size_t> messages_;
};

std::string sha256_message_id(std::string_view raw) {
    GCharPtr hex(g_compute_checksum_for_data(G_CHECKSUM_SHA256, reinterpret_cast<const guchar*>(raw.data()), raw.size()));
    return "<" + std::string(hex ? hex.get() : "") + "@sha256.invalid>";
}

// Where `raw` goes on after the trace header lines at its top (Return-Path:, Received:,
// Delivered-To:, X-Original-To:, each with its folded lines): those are the MTAs', not the
// sender's, and would be the start of an unparsable message's text.
std::size_t after_trace_headers(std::string_view raw) {
    static constexpr std::string_view kTrace[] = {"return-path:", "received:", "delivered-to:", "x-original-to:"};
    std::size_t at = 0;
    auto starts_with_trace = [&] {
        return std::any_of(std::begin(kTrace), std::end(kTrace), [&](std::string_view name) {
            if (raw.size() - at < name.size()) return false;
            for (std::size_t i = 0; i < name.size(); ++i)
                if (g_ascii_tolower(raw[at + i]) != name[i]) return false;
            return true;
        });
    };
    while (at < raw.size() && starts_with_trace()) {
        do {  // the line, then any folded line after it
            const auto end = raw.find('\n', at);
            at = end == std::string_view::npos ? raw.size() : end + 1;
        } while (at < raw.size() && (raw[at] == ' ' || raw[at] == '\t'));
    }
    return at;
}

// The enquiry for bytes that are not a message at all; its text from `text_from` on (after
// the trace lines MTAs add). The attachment keeps every byte.
void unparsable(ParsedEmail& result, std::string_view raw, std::string why, std::size_t text_from = 0) {
    Enquiry& e = result.enquiry;
    e.tags = {"parse_error"};
    e.metadata["parse_error"] = std::move(why);
    e.external_id = sha256_message_id(raw);
    e.metadata["message_id_synthesised"] = "true";
    auto text = decode_text(raw.substr(std::min(text_from, raw.size()), kMaxUnparsedText), {});
    if (text.fallback && text.charset != "utf-8") e.metadata["charset_fallback"] = text.charset;
    // As a parsed body's text: LF line ends, no trailing blank lines.
    append_with_lf_line_ends(e.text, text.text);
    while (!e.text.empty() && (e.text.back() == '\n' || e.text.back() == '\r' || e.text.back() == ' ')) e.text.pop_back();
    e.metadata["full_text"] = e.text;
    if (!raw.empty()) {
        EmailAttachment a;
        a.filename = "unparsed-message.eml";
        a.content_type = "application/octet-stream";
        a.bytes = std::string(raw);
        result.attachments.push_back(std::move(a));
    }
}

// Lines starting with "--" times the boundaries that could be open at once: an upper bound on
// the work of GMime's boundary scan.
std::size_t boundary_work(std::string_view raw) {
    std::size_t dash_lines = 0, boundaries = 0;
    for (std::size_t at = 0; at < raw.size();) {
        if (raw.substr(at, 2) == "--") ++dash_lines;
        const auto next = raw.find('\n', at);
        if (next == std::string_view::npos) break;
        at = next + 1;
    }
    // Only a message with very many "--" lines can be slow: below that, the boundaries need
    // no counting (the byte loop below was a tenth of parse_email on ordinary mail).
    if (dash_lines * kGMimeMaxNesting <= kMaxBoundaryWork) return dash_lines * kGMimeMaxNesting;
    constexpr std::string_view kWord = "boundary";
    // A plain byte loop: find_first_of("bB") tests each byte against the set one call at a
    // time, and was a sixth of the parse in callgrind.
    const char* data = raw.data();
    for (std::size_t at = 0; at + kWord.size() <= raw.size(); ++at) {
        if ((data[at] | 0x20) != 'b') continue;
        std::size_t k = 1;
        while (k < kWord.size() && (raw[at + k] | 0x20) == kWord[k]) ++k;
        if (k == kWord.size()) ++boundaries;
    }
    return dash_lines * std::min(boundaries, kGMimeMaxNesting);
}

std::optional<Timestamp> parse_date(const std::string& raw) {
    GDateTime* parsed = g_mime_utils_header_decode_date(raw.c_str());
    if (!parsed) return std::nullopt;
    const gint64 seconds = g_date_time_to_unix(parsed);
    g_date_time_unref(parsed);
    // GMime answers the epoch for dates it could not read.
    if (seconds <= 0) return std::nullopt;
    return Timestamp{std::chrono::seconds{seconds}};
}

}  // namespace

namespace {

ParsedEmail parse_mail(std::string_view raw) {
    ensure_gmime();
    ParsedEmail result;
    Enquiry& e = result.enquiry;
    e.channel = Channel::email;
    if (blank(raw)) {
        unparsable(result, raw, "empty message");
        return result;
    }

    if (boundary_work(raw) > kMaxBoundaryWork) {
        unparsable(result, raw, "too many nested MIME boundaries");
        return result;
    }

    // A NUL in the header block (never valid there, RFC 5322 section 2.2) would end the C
    // string GMime gives for that header, and the rest of a Subject would be lost: such a
    // block is parsed from a copy with each NUL as U+FFFD. The body may hold any byte.
    std::string without_nul;
    std::string_view parsed = raw;
    {
        auto end = raw.find("\n\n");
        end = std::min(end, raw.find("\n\r\n"));
        const auto head = raw.substr(0, end);
        if (head.find('\0') != std::string_view::npos) {
            without_nul.reserve(raw.size() + 16);
            for (char c : head) {
                if (c == '\0') without_nul.append("\xEF\xBF\xBD");
                else without_nul.push_back(c);
            }
            if (end != std::string_view::npos) without_nul.append(raw.substr(end));
            parsed = without_nul;
        }
    }

    // GMime's parse of the structure and headers, over `parsed` in place (channels/mime_document.hpp).
    MimeDocument document(parsed);
    if (!document.top()) {
        unparsable(result, raw, "not a MIME message");
        return result;
    }
    GMimeObject* top = document.top();  // every header of the message, and its body
    auto header = [&](std::string_view name) { return first_raw_header(top, name); };
    // Trace headers (Received:, Return-Path:) do not count: every MTA on the way adds them,
    // our own listener too, so garbage delivered by SMTP has them.
    static constexpr std::array<std::string_view, 10> kMailHeaders{
        "From", "Sender", "Reply-To", "To", "Cc", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"};
    const bool looks_like_mail = std::any_of(kMailHeaders.begin(), kMailHeaders.end(),
                                             [&](std::string_view name) { return header(name).has_value(); });
    if (!looks_like_mail) {
        unparsable(result, raw, "no message headers", after_trace_headers(raw));
        return result;
    }

    // The body first: its declared charset is the best guess for raw 8-bit headers.
    std::vector<std::string> fallbacks;
    BodyWalker walker(result, fallbacks);
    Body body = walker.walk(top, 0);
    const std::string hint = walker.first_charset();

    auto text_header = [&](std::string_view name) -> std::string {
        auto raw_value = header(name);
        if (!raw_value) return {};
        auto decoded = decode_header_text(*raw_value, hint);
        if (!decoded.fallback.empty()) add_unique(fallbacks, decoded.fallback);
        return decoded.text;
    };
    auto address_header = [&](std::string_view name) -> std::vector<MailAddress> {
        auto raw_value = header(name);
        if (!raw_value) return {};
        std::string fallback;
        auto list = decode_address_list(*raw_value, hint, &fallback);
        add_unique(fallbacks, fallback);
        return list;
    };

    e.subject = text_header("Subject");
    if (truncate_utf8(e.subject, kMaxSubject)) e.metadata["subject_truncated"] = "true";
    e.thread.ticket_id = ticket_in_subject(e.subject);

    const auto from = address_header("From");
    const auto reply_to = address_header("Reply-To");
    const auto sender = address_header("Sender");
    for (const auto* list : {&from, &reply_to, &sender}) {
        for (const auto& a : *list) {
            auto id = normalise_identity(IdentityKind::email, a.address);
            if (id.value.empty()) continue;
            e.sender.push_back(std::move(id));
            break;
        }
        if (!e.sender.empty()) break;
    }
    for (const auto& a : from)
        if (!a.name.empty()) {
            e.sender_name = a.name;
            truncate_utf8(e.sender_name, kMaxName);
            break;
        }

    const auto to = address_header("To");
    const auto cc = address_header("Cc");
    if (!to.empty()) e.metadata["to"] = format_address_list(to);
    if (!cc.empty()) e.metadata["cc"] = format_address_list(cc);
    if (!reply_to.empty()) e.metadata["reply_to"] = format_address_list(reply_to);
    for (const auto* list : {&to, &cc}) {
        for (const auto& a : *list) add_unique(result.recipients, lower(trim(a.address)));
    }
    for (std::string_view name : {"Delivered-To", "X-Original-To"})
        for (const auto& a : address_header(name)) add_unique(result.recipients, lower(trim(a.address)));

    if (auto id = header("Message-ID"); id && !message_ids(*id).empty()) {
        e.external_id = message_ids(*id).front();
    } else {
        e.external_id = sha256_message_id(raw);
        e.metadata["message_id_synthesised"] = "true";
    }
    if (auto v = header("In-Reply-To"))
        for (auto& id : message_ids(*v)) add_unique(e.thread.references, std::move(id));
    if (auto v = header("References")) {
        auto ids = message_ids(*v);
        for (auto it = ids.rbegin(); it != ids.rend(); ++it) add_unique(e.thread.references, std::move(*it));
    }

    if (auto date = header("Date")) {
        const std::string value = decode_header_text(*date).text;
        e.metadata["date"] = value;
        if (auto when = parse_date(value)) e.received_at = *when;
    }

    // Text: plain parts when there are any, else the HTML made readable; HTML kept sanitised.
    // Lines end in LF, as the text split from the quotes does, whatever the wire had (CRLF).
    std::string full_text;
    auto join = [](std::vector<std::string>& pieces, std::string& out) {
        for (auto& p : pieces) {
            const auto t = trim(p);
            if (t.empty()) continue;
            if (!out.empty()) out += "\n\n";
            append_with_lf_line_ends(out, t);
        }
    };
    if (body.has_plain()) {
        join(body.plain, full_text);
    } else {
        std::vector<std::string> converted;
        for (const auto& h : body.html) converted.push_back(html_to_text(h));
        join(converted, full_text);
    }
    std::set<std::string> inner_warnings;
    if (blank(full_text) && !walker.messages().empty()) {
        // Nothing but a forwarded message (GroupWise forwards, digests): show its text.
        const std::string& inner = result.attachments[walker.messages().front()].bytes;
        MimeDocument inner_document(inner);
        inner_warnings = inner_document.warnings();
        if (GMimeObject* inner_top = inner_document.top()) {
            BodyWalker text_only(result, fallbacks, false);
            Body inner_body = text_only.walk(inner_top, 0);
            if (inner_body.has_plain()) {
                join(inner_body.plain, full_text);
            } else {
                std::vector<std::string> converted;
                for (const auto& h : inner_body.html) converted.push_back(html_to_text(h));
                join(converted, full_text);
            }
        }
    }
    std::string html;
    for (const auto& h : body.html) html += sanitise_html(h);
    if (!blank(html)) e.html = std::move(html);

    // The first text part, for the wording of bounces.
    std::string first_text = full_text;
    for (const auto& piece : body.plain)
        if (!blank(piece)) {
            first_text = piece;
            break;
        }
    auto split = split_quoted(full_text);
    e.text = blank(split.new_text) ? full_text : std::move(split.new_text);  // nothing but quotes: keep it all
    e.metadata["full_text"] = std::move(full_text);

    result.classification = classify_email(top, e.subject, first_text);
    const auto& c = result.classification;
    if (c.bounce) {
        e.tags.push_back("bounce");
        // engine/intake: a report of a delay or a success is a note that flags no address.
        e.metadata["delivery_failed"] = c.delivery_failed ? "true" : "false";
    } else if (c.auto_submitted) {
        e.tags.push_back("auto_reply");
    }
    if (c.bulk) e.tags.push_back("bulk");
    if (!c.reason.empty()) e.metadata["auto_reason"] = c.reason;
    if (!c.bounced_message_id.empty()) {
        e.metadata["bounced_message_id"] = c.bounced_message_id;
        add_unique(e.thread.references, c.bounced_message_id);
    }
    if (!c.failed_recipients.empty()) {
        std::string list;
        for (const auto& r : c.failed_recipients) list += (list.empty() ? "" : ", ") + r;
        e.metadata["failed_recipients"] = list;
    }

    if (!fallbacks.empty()) {
        std::string list;
        for (const auto& f : fallbacks) list += (list.empty() ? "" : ",") + f;
        e.metadata["charset_fallback"] = list;
    }
    std::set<std::string> warnings = document.warnings();
    warnings.insert(inner_warnings.begin(), inner_warnings.end());
    if (!warnings.empty()) {
        std::string list;
        for (const auto& w : warnings) list += (list.empty() ? "" : ",") + w;
        e.metadata["mime_warnings"] = list;
    }
    return result;
}

}  // namespace

ParsedEmail parse_email(std::string_view raw) {
    ParsedEmail result = parse_mail(raw);
    // Values taken from headers as written (Message-ID, Date, Auto-Submitted, addresses) may
    // carry bytes that are not UTF-8; nothing leaves the parser that is not.
    auto utf8 = [](std::string& s) {
        if (!is_valid_utf8(s)) s = repair_utf8(s);
    };
    Enquiry& e = result.enquiry;
    utf8(e.external_id);
    for (auto& r : e.thread.references) utf8(r);
    for (auto& id : e.sender) utf8(id.value);
    for (auto& [key, value] : e.metadata)
        if (key != "full_text") utf8(value);  // the decoded body, UTF-8 already (as e.text)
    for (auto& r : result.recipients) utf8(r);
    for (auto& a : result.attachments) {
        utf8(a.filename);
        utf8(a.content_type);
        utf8(a.content_id);
    }
    return result;
}

}  // namespace triage::channels
