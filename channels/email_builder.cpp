#include "channels/email_builder.hpp"

#include "channels/mime_gobject.hpp"

#include <string_view>

namespace triage::channels {
namespace {

std::string without_brackets(std::string_view id) {
    if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
    return std::string(id);
}

}  // namespace

std::string build_email(const OutgoingEmail& e) {
    ensure_gmime();
    auto message = adopt(g_mime_message_new(TRUE));
    auto* object = GMIME_OBJECT(message.get());
    g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_FROM, e.from_name.c_str(), e.from_address.c_str());
    g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_TO, e.to_name.c_str(), e.to_address.c_str());
    if (!e.reply_to.empty())
        g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_REPLY_TO, e.from_name.c_str(), e.reply_to.c_str());
    g_mime_message_set_subject(message.get(), e.subject.c_str(), "utf-8");

    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(e.date.time_since_epoch()).count();
    GDateTime* date = g_date_time_new_from_unix_utc(seconds);
    g_mime_message_set_date(message.get(), date);
    g_date_time_unref(date);
    g_mime_message_set_message_id(message.get(), without_brackets(e.message_id).c_str());
    if (!e.in_reply_to.empty()) g_mime_object_set_header(object, "In-Reply-To", e.in_reply_to.c_str(), nullptr);
    if (!e.references.empty()) {
        std::string refs;
        for (const auto& r : e.references) refs += (refs.empty() ? "" : " ") + r;
        g_mime_object_set_header(object, "References", refs.c_str(), nullptr);
    }
    if (e.auto_submitted) {
        g_mime_object_set_header(object, "Auto-Submitted", "auto-replied", nullptr);
        // Asks Exchange-style autoresponders not to answer the acknowledgement.
        g_mime_object_set_header(object, "X-Auto-Response-Suppress", "All", nullptr);
    } else if (e.auto_generated) {
        g_mime_object_set_header(object, "Auto-Submitted", "auto-generated", nullptr);
        g_mime_object_set_header(object, "X-Auto-Response-Suppress", "All", nullptr);
    }

    // The body in LF form: GMime's DOS newline filter writes CRLF once.
    std::string text;
    text.reserve(e.body.size() + 1);
    for (char c : e.body)
        if (c != '\r') text += c;
    if (text.empty() || text.back() != '\n') text += '\n';
    auto part = adopt(g_mime_text_part_new_with_subtype("plain"));
    g_mime_text_part_set_charset(part.get(), "utf-8");
    auto stream = adopt(g_mime_stream_mem_new_with_buffer(text.data(), text.size()));
    auto wrapper = adopt(g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
    g_mime_part_set_content(GMIME_PART(part.get()), wrapper.get());
    g_mime_part_set_content_encoding(GMIME_PART(part.get()), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
    g_mime_message_set_mime_part(message.get(), GMIME_OBJECT(part.get()));

    GMimeFormatOptions* options = g_mime_format_options_new();
    g_mime_format_options_set_newline_format(options, GMIME_NEWLINE_FORMAT_DOS);
    auto out = adopt(GMIME_STREAM_MEM(g_mime_stream_mem_new()));
    g_mime_object_write_to_stream(object, options, GMIME_STREAM(out.get()));
    g_mime_format_options_free(options);
    return std::string(stream_bytes(out.get()));
}

}  // namespace triage::channels
