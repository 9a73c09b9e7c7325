// Integration: every fax-gateway mail of the shared corpus through `triage import-maildir`
// (the same EmailIntake path as the SMTP listener) becomes a fax ticket with the caller's
// number in E.164, the page count, the document and its OCR text.
#include "tests/support/triaged_process.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

using namespace triage::test;
namespace json = boost::json;

TEST_CASE("every corpus fax becomes a fax ticket with an E.164 number, its pages and its OCR text") {
    auto corpus = std::filesystem::path(TRIAGE_SOURCE_DIR) / ".." / "shared" / "corpus" / "fax";
    if (!std::filesystem::is_directory(corpus)) {
        MESSAGE("../shared/corpus/fax is absent: skipped");
        return;
    }
    TempDir dir;
    auto maildir = dir.path() / "Maildir";
    std::filesystem::create_directories(maildir / "new");
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
        if (entry.path().extension() != ".eml") continue;
        std::filesystem::copy_file(entry.path(), maildir / "new" / entry.path().filename());
        ++files;
    }
    const auto data = (dir.path() / "data").string();
    auto [code, out] = run_command({TRIAGE_CLI_PATH, "import-maildir", maildir.string(), "--data-dir", data});
    CAPTURE(out);
    REQUIRE(code == 0);
    auto [listed, list] = run_command({TRIAGE_CLI_PATH, "ticket", "list", "--json", "--data-dir", data});
    REQUIRE(listed == 0);
    auto tickets = json::parse(list).as_array();
    REQUIRE(static_cast<int>(tickets.size()) == files);
    int readable = 0;
    for (const auto& t : tickets) {
        CAPTURE(json::serialize(t));
        CHECK(t.at("channel").as_string() == "fax");
        const auto& tags = t.at("tags").as_array();
        CHECK(std::find(tags.begin(), tags.end(), json::value("fax")) != tags.end());
        const std::string subject(t.at("subject").as_string());
        CHECK(subject.starts_with("Fax from "));
        const bool unreadable = std::find(tags.begin(), tags.end(), json::value("fax-unreadable")) != tags.end();
        auto [shown, show] = run_command({TRIAGE_CLI_PATH, "ticket", "show", std::to_string(t.at("id").as_int64()), "--json",
                                          "--data-dir", data});
        REQUIRE(shown == 0);
        auto message = json::parse(show).at("messages").at(0);
        if (subject.find("OFFICEJET") != std::string::npos) {  // the gateway's error report: no document, no number
            CHECK(unreadable);
            continue;
        }
        CHECK(subject.starts_with("Fax from +"));
        CHECK(subject.find(" page") != std::string::npos);
        CHECK_FALSE(message.at("attachments").as_array().empty());
        if (!unreadable) {
            ++readable;
            std::string body(message.at("body").as_string());
            CHECK((body.find("Helpdesk") != std::string::npos || body.find("FAX") != std::string::npos));
        }
    }
    CHECK(readable >= 4);
    TriagedProcess server(dir.path() / "data");
    // E.164, a national form in phone.default_region (FI), and a '+' that a query string read as a space.
    for (const char* number : {"%2B35895550199", "%2B3727123456", "09%205550%20199", "+35895550199"}) {
        auto r = server.request("GET", std::string("/api/v1/customers?identity=fax:") + number);
        CAPTURE(r.body);
        REQUIRE(r.status == 200);
        CHECK(json::parse(r.body).at("customers").as_array().size() == 1);
    }
}
