#include "channels/web_form.hpp"

#include "tests/support/result_printer.hpp"

#include <doctest/doctest.h>

using namespace triage;
using namespace triage::channels;

namespace {

std::vector<FieldError> errors_of(const FormSubmission& post, WebForm* out = nullptr) {
    std::vector<FieldError> errors;
    auto form = read_web_form(post, {}, "FI", errors);
    if (out) *out = form;
    return errors;
}

bool has(const std::vector<FieldError>& errors, std::string_view field, std::string_view code) {
    for (const auto& e : errors)
        if (e.field == field && e.code == code) return true;
    return false;
}

}  // namespace

TEST_CASE("an urlencoded form decodes + and %XX, keeps the first of duplicated fields and normalises the phone") {
    auto post = parse_form_body("application/x-www-form-urlencoded; charset=UTF-8",
                                "name=J%C3%BCri+Tamm&email=juri%40naidis.ee&phone=5123+4567&category=billing&category=x"
                                "&message=Tere%0D%0Ail&website=",
                                {});
    REQUIRE(post);
    WebForm form;
    CHECK(errors_of(*post, &form).empty());
    CHECK(form.name == "Jüri Tamm");
    CHECK(form.category == "billing");
    CHECK(form.message == "Tere\nil");
    CHECK(form.phone_e164 == "+35851234567");  // read in the default region FI
    CHECK_FALSE(form.honeypot);
}

TEST_CASE("undecodable form bodies are malformed: invalid UTF-8, a cut-off escape, a field flood, a wrong type") {
    for (const char* body : {"name=%C3%28", "name=%E2%82", "name=%zz", "name=%4"}) {
        CAPTURE(body);
        auto post = parse_form_body("application/x-www-form-urlencoded", body, {});
        REQUIRE_FALSE(post);
        CHECK(post.error().code == errc::malformed);
    }
    std::string flood;
    for (int i = 0; i < 100; ++i) flood += "f" + std::to_string(i) + "=1&";
    CHECK_FALSE(parse_form_body("application/x-www-form-urlencoded", flood, {}));
    CHECK_FALSE(parse_form_body("application/x-www-form-urlencoded", R"({"name":"x"})", {}));
    CHECK_FALSE(parse_form_body("text/plain", "name=x", {}));
}

TEST_CASE("a Content-Type with 8-bit bytes is refused before GMime reads it, which would loop for ever") {
    // Found by fuzz/fuzz_form: GMime re-encodes such a boundary parameter without end.
    const std::string type = "multipart/form-data;" + std::string(32, '\xff') + "oundary=X\xf9" "anonymZ";
    auto post = parse_form_body(type, "--X\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--X--\r\n", {});
    REQUIRE_FALSE(post);
    CHECK(post.error().code == errc::malformed);
    CHECK(post.error().message.find("ASCII") != std::string::npos);
    CHECK_FALSE(parse_form_body("text/pl\xc3\xa4in", "x", {}));  // and no invalid bytes in the message
}

TEST_CASE("multipart forms are read with their files, an empty file input is ignored and a cut-off upload refused") {
    const std::string body =
        "--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nLiisa\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"attachment\"; filename=\"vpn.log\"\r\nContent-Type: text/plain\r\n\r\nerror 809\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"attachment2\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n"
        "--XyZ--\r\n";
    auto post = parse_form_body("multipart/form-data; boundary=XyZ", body, {});
    REQUIRE(post);
    CHECK(post->first("name") == "Liisa");
    REQUIRE(post->files.size() == 1);
    CHECK(post->files[0].filename == "vpn.log");
    CHECK(post->files[0].bytes == "error 809");
    auto cut = parse_form_body("multipart/form-data; boundary=XyZ", body.substr(0, body.size() - 9), {});
    REQUIRE_FALSE(cut);
    CHECK(cut.error().message.find("final boundary") != std::string::npos);
}

TEST_CASE("validation names each bad field: required, email syntax, header injection, length, file type") {
    FormSubmission post;
    post.values = {{"name", ""}, {"email", "x@example.com\r\nBcc: all@example.com"}, {"subject", std::string(300, 'a')}};
    auto errors = errors_of(post);
    CHECK(has(errors, "name", "required"));
    CHECK(has(errors, "email", "one_line"));
    CHECK(has(errors, "subject", "too_long"));
    CHECK(has(errors, "message", "required"));

    post.values = {{"name", "A"}, {"email", "a@example.fi"}, {"message", "m"}};
    post.files = {{"attachment", "photo.jpg.php", "image/jpeg", "\xff\xd8\xff\xe0<?php system($_GET['c']); ?>"}};
    CHECK(has(errors_of(post), "attachment", "file_type"));
    post.files = {{"attachment", "photo.jpg", "image/jpeg", "\xff\xd8\xff\xe0 jpeg bytes"}};
    WebForm form;
    CHECK(errors_of(post, &form).empty());
    CHECK(form.attachments.at(0).content_type == "image/jpeg");
    post.files = {{"attachment", "report.pdf", "application/pdf", "\x89PNG\r\n\x1a\n"}};  // a PNG calling itself PDF
    CHECK(has(errors_of(post), "attachment", "file_type"));
}

TEST_CASE("the form's language comes from ?lang=, then the best Accept-Language, then English") {
    CHECK(form_language("lv", "fi") == "lv");
    CHECK(form_language("", "de-DE,et;q=0.8,fi;q=0.9") == "fi");
    CHECK(form_language("xx", "de") == "en");
    CHECK(html_escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST_CASE("field limits count characters as the page's maxlength does, and a NUL is refused in any field") {
    const FormLimits limits;
    std::string umlauts;
    for (std::size_t i = 0; i < limits.max_message; ++i) umlauts += "ä";  // twice as many bytes
    FormSubmission post;
    post.values = {{"name", "Äijä"}, {"email", "a@example.fi"}, {"message", umlauts}};
    CHECK(errors_of(post).empty());
    post.values = {{"name", "Äijä"}, {"email", "a@example.fi"}, {"message", umlauts + "ö"}};
    CHECK(has(errors_of(post), "message", "too_long"));

    auto json = parse_form_body("application/json", R"({"name":"A","email":"a@example.fi","message":"a\u0000b"})", limits);
    REQUIRE(json);
    CHECK(has(errors_of(*json), "message", "invalid"));
}
