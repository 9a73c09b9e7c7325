#include "storage/json_columns.hpp"

#include <doctest/doctest.h>

#include <stdexcept>

using namespace triage;
using namespace triage::sqlite;

TEST_CASE("string lists survive JSON encoding whatever characters they hold") {
    const std::vector<std::string> values{"", "plain", "quote \" and \\ backslash", "tab\tnew\nline\r",
                                          std::string{"nul\0ctl\x01", 8}, "päivä šūna TÕNU 😀", "/slash/"};
    const std::string json = encode_strings(values);
    CHECK(json.find('\n') == std::string::npos);
    CHECK(decode_strings(json) == values);
    CHECK(encode_strings({}) == "[]");
    CHECK(decode_strings("[]").empty());
    CHECK(encode_strings({"a", "b"}) == R"(["a","b"])");
}

TEST_CASE("JSON written by others decodes, including escapes and surrogate pairs") {
    CHECK(decode_strings(R"( [ "a\u00e4\/" , "\ud83d\ude00" ] )") == std::vector<std::string>{"aä/", "😀"});
    CHECK(decode_changes(R"([{"after":"x","extra":[1,{"y":null}],"field":"f"}])").at(0).after == "x");
}

TEST_CASE("attachments and field changes round-trip through JSON") {
    std::vector<Attachment> attachments{{"lasku \"1\".pdf", "application/pdf", 1234567890123, "ab"}, {}};
    auto back = decode_attachments(encode_attachments(attachments));
    REQUIRE(back.size() == 2);
    CHECK(back[0].filename == attachments[0].filename);
    CHECK(back[0].content_type == attachments[0].content_type);
    CHECK(back[0].size == attachments[0].size);
    CHECK(back[0].sha256 == attachments[0].sha256);
    CHECK(back[1].filename.empty());

    std::vector<FieldChange> changes{{"status", "open", "solved"}, {"tags", "", "[\"a\"]"}};
    auto changed = decode_changes(encode_changes(changes));
    REQUIRE(changed.size() == 2);
    CHECK(changed[1].field == "tags");
    CHECK(changed[1].before.empty());
    CHECK(changed[1].after == "[\"a\"]");
}

TEST_CASE("corrupt JSON text is an error, not a guess") {
    for (const char* bad : {"", "[", "[\"a\"", "[\"a\",]", "{}", "[1]", "[\"\\x\"]", "[] x"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(decode_strings(bad), std::runtime_error);
    }
}
