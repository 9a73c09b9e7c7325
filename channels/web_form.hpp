// The web form channel: a contact-form post (application/x-www-form-urlencoded,
// multipart/form-data read with GMime, or the JSON of an embedded widget) in, a validated
// WebForm and then an Enquiry out; plus the form's HTML in fi/et/lv/en with per-field
// messages and the user's input kept. Pure functions of their input; thread-safe.
#pragma once

#include "engine/enquiry.hpp"
#include "engine/error.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace triage::channels {

struct FormLimits {
    std::size_t max_fields = 64;           // parameters (or parts) in one post; more: 400
    std::size_t max_name = 200;            // bytes
    std::size_t max_email = 254;
    std::size_t max_phone = 40;
    std::size_t max_subject = 200;
    std::size_t max_message = 20000;
    std::size_t max_attachments = 5;
    std::size_t max_attachment_bytes = 5u << 20;
};

struct FormFile {
    std::string field;
    std::string filename;
    std::string content_type;
    std::string bytes;
};

// The decoded post: every value in arrival order (UTF-8 checked), every non-empty file.
struct FormSubmission {
    std::vector<std::pair<std::string, std::string>> values;
    std::vector<FormFile> files;
    // The first value of `name` ("" when absent): duplicates after the first are ignored.
    std::string first(std::string_view name) const;
    bool has(std::string_view name) const;
};

// Decodes a body by its Content-Type. errc::malformed (400) for an unknown type, bad
// percent-encoding, invalid UTF-8, too many fields, a JSON body that is not a flat object,
// or a multipart body cut off before its final boundary.
Result<FormSubmission> parse_form_body(std::string_view content_type, std::string_view body, const FormLimits& limits);

struct WebForm {
    std::string name, email, phone, category, subject, message;
    std::string phone_e164;  // phone normalised, when given
    std::vector<FormFile> attachments;
    bool honeypot = false;  // the hidden "website" field was filled in: a bot
};

struct FieldError {
    std::string field;  // name, email, phone, category, subject, message, attachment
    std::string code;   // required, invalid, too_long, one_line, file_type, file_size, too_many_files
};

// Reads and validates the fields; `errors` empty means the form can be taken in.
WebForm read_web_form(const FormSubmission& post, const FormLimits& limits, std::string_view region,
                      std::vector<FieldError>& errors);

// The Enquiry of a valid form (channel web; the attachments are for the caller to store
// and list in `attachments`).
Enquiry enquiry_of(const WebForm& form);

// fi, et, lv or en: `?lang=` first, then the Accept-Language list, then en.
std::string form_language(std::string_view query_lang, std::string_view accept_language);
// The same, but "" when the client asked for none of them (form_language's en is then a default).
std::string asked_form_language(std::string_view query_lang, std::string_view accept_language);

// A message for a field error in the language.
std::string field_message(std::string_view lang, const FieldError& error, const FormLimits& limits);

// What a form page carries besides the fields: hidden inputs (the anti-abuse token) and a
// notice above the form (e.g. form_notice's "the form expired, send it again").
struct FormPageExtras {
    std::vector<std::pair<std::string, std::string>> hidden;
    std::string notice;
};

// The form page (values kept, errors shown next to their fields), and the thank-you page.
std::string render_form_page(std::string_view lang, const WebForm& values, const std::vector<FieldError>& errors,
                             const std::vector<std::string>& categories, const FormLimits& limits,
                             const FormPageExtras& extras = {});

// The notice for a refused form token, by its error code (form_expired, form_too_fast,
// form_token_reused, form_token_missing, form_token_invalid), in the language.
std::string form_notice(std::string_view lang, std::string_view code);
// The page after a post: it names the ticket, or (an empty key: a post that made none, as
// a filled-in honeypot) thanks without a reference.
std::string render_thanks_page(std::string_view lang, std::string_view ticket_key);

// Escapes text for HTML element content and attribute values.
std::string html_escape(std::string_view text);

}  // namespace triage::channels
