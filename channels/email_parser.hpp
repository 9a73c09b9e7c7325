// The email channel's parser: raw RFC 5322 bytes in, an Enquiry out, with the attachments'
// bytes and a loop/noise classification. Nothing is dropped: what GMime cannot read still
// becomes an enquiry tagged parse_error with the raw source attached. A pure function of its
// input; thread-safe (separate messages may be parsed on separate threads at once). It is CPU
// work (a 25 MB message takes about 0.25 s; hostile MIME or HTML nesting is refused before it
// costs more than about a second): run it off the I/O threads.
#pragma once

#include "channels/email_classification.hpp"
#include "channels/email_quotes.hpp"
#include "channels/html_sanitiser.hpp"
#include "channels/html_text.hpp"
#include "engine/enquiry.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace triage::channels {

struct EmailAttachment {
    std::string filename;      // decoded (RFC 2231 / RFC 2047), no directories or control characters
    std::string content_type;  // "type/subtype", lower case
    std::string content_id;    // without <>; "" when none
    std::string bytes;         // transfer encoding undone; an embedded message as MIME bytes
    bool inline_part = false;  // Content-Disposition: inline, or a related part (cid: image)
};

struct ParsedEmail {
    // channel email; external_id = Message-ID with <> (when missing: "<sha256-hex@sha256.invalid>"
    // of the raw bytes, and metadata["message_id_synthesised"] = "true"); sender = From's
    // address (else Reply-To, else Sender); sender_name and subject decoded (subject trimmed,
    // "Re:" kept); text = the new text only, metadata["full_text"] = the whole body text;
    // html = the sanitised HTML body; thread hints (In-Reply-To, then References newest first,
    // then a bounce's bounced Message-ID; ticket key "[T-1042]" from the subject);
    // received_at from Date when it parses, else zero (the caller stamps it); tags
    // parse_error, auto_reply, bounce, bulk. Metadata also: "to", "cc", "reply_to", "date"
    // (as written), "charset_fallback" (charsets guessed or substituted), "mime_warnings"
    // (GMime's complaints), "auto_reason", "parse_error". attachments and raw_sha256 are
    // left for the caller, who stores the bytes.
    Enquiry enquiry;
    std::vector<EmailAttachment> attachments;  // at most 1,000 (metadata "attachments_omitted" counts the rest)
    EmailClassification classification;
    std::vector<std::string> recipients;  // To, Cc, Delivered-To, X-Original-To addresses, lower case, unique
};

// Never throws on bad input and never crashes on it.
ParsedEmail parse_email(std::string_view raw);

}  // namespace triage::channels
