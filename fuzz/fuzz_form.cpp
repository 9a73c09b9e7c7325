// Fuzz target: a web-form post. The first line is the Content-Type (urlencoded, multipart
// with its boundary, or JSON), the rest the body. Whatever the bytes, decoding returns a
// submission or a 400 problem; a submission's values are valid UTF-8, and reading it as a
// form gives per-field errors or an enquiry whose texts are valid UTF-8.
#include "channels/mime_charset.hpp"
#include "channels/web_form.hpp"
#include "fuzz/fuzz_target.hpp"

using namespace triage::channels;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto [content_type, body] = triage::fuzz::split_first_line(triage::fuzz::bytes_of(data, size));
    const FormLimits limits;
    auto post = parse_form_body(content_type, body, limits);
    if (!post) return 0;
    TRIAGE_FUZZ_CHECK(post->values.size() <= limits.max_fields);
    for (const auto& [name, value] : post->values) TRIAGE_FUZZ_CHECK(is_valid_utf8(name) && is_valid_utf8(value));
    std::vector<FieldError> errors;
    const auto form = read_web_form(*post, limits, "FI", errors);
    if (!errors.empty()) {
        const auto page = render_form_page("fi", form, errors, {"billing", "technical"}, limits);
        TRIAGE_FUZZ_CHECK(is_valid_utf8(page));
        return 0;
    }
    TRIAGE_FUZZ_CHECK(form.phone_e164.empty() || form.phone_e164[0] == '+');
    const auto enquiry = enquiry_of(form);
    TRIAGE_FUZZ_CHECK(is_valid_utf8(enquiry.subject) && is_valid_utf8(enquiry.text));
    return 0;
}
