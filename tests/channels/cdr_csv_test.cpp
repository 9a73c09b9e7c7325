#include "channels/cdr_csv.hpp"
#include "channels/phone_number.hpp"
#include "engine/time_format.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <filesystem>
#include <fstream>

using namespace triage;
using namespace triage::channels;

namespace {

std::string read(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const std::filesystem::path kPhoneCorpus = std::filesystem::path(TRIAGE_SOURCE_DIR) / ".." / "shared" / "corpus" / "phone";

}  // namespace

TEST_CASE("phone numbers become E.164 in the default region and withheld caller ids are no number") {
    CHECK(to_e164("+358 40 123 4567", "FI") == "+358401234567");
    CHECK(to_e164("040 123 4567", "FI") == "+358401234567");
    CHECK(to_e164("0451234567", "FI") == "+358451234567");
    CHECK(to_e164("00372 5123 456", "FI") == "+3725123456");
    CHECK(to_e164("5123 4567", "EE") == "+37251234567");
    CHECK_FALSE(to_e164("anonymous", "FI"));
    CHECK_FALSE(to_e164("0000000000", "FI"));
    CHECK_FALSE(to_e164("", "FI"));
    CHECK_FALSE(to_e164("not a number", "FI"));
}

TEST_CASE("a CSV record splits with doubled quotes, commas inside quotes and empty unquoted fields") {
    std::vector<std::string> f;
    REQUIRE(split_csv_line(R"("a","""Big"" Bob, Jr"" <1>",,12,"")", f));
    REQUIRE(f.size() == 5);
    CHECK(f[1] == R"("Big" Bob, Jr" <1>)");
    CHECK(f[2].empty());
    CHECK(f[3] == "12");
    CHECK(f[4].empty());
    CHECK_FALSE(split_csv_line(R"("a","unterminated)", f));
    CHECK_FALSE(split_csv_line(R"("a"x,"b")", f));
}

TEST_CASE("queue attempts of one Asterisk call with one unique id merge into one answered inbound call") {
    const std::string csv =
        R"("helpdesk","anonymous","600","ext-queues","""Anonymous"" <anonymous>","PJSIP/t-1","PJSIP/2002-1","Queue","helpdesk,tTr,,,300","2024-03-11 09:02:46",,"2024-03-11 09:02:56",10,0,"NO ANSWER","OMIT","1710147766.1007","")"
        "\n"
        R"("","+358401234567","600","ext-queues","""Matti Virtanen"" <+358401234567>","PJSIP/t-2","PJSIP/2001-2","Queue","helpdesk,tTr,,,300","2024-03-11 10:00:00",,"2024-03-11 10:00:20",20,0,"NO ANSWER","OMIT","1.2","")"
        "\n"
        R"("","+358401234567","600","ext-queues","""Matti Virtanen"" <+358401234567>","PJSIP/t-2","PJSIP/2002-3","Queue","helpdesk,tTr,,,300","2024-03-11 10:00:20","2024-03-11 10:00:25","2024-03-11 10:05:00",280,275,"ANSWERED","OMIT","1.2","")"
        "\n";
    CdrOptions options;
    options.support_lines = {"600"};
    auto batch = parse_cdr(csv, options);
    CHECK(batch.errors.empty());
    CHECK(batch.rows == 3);
    REQUIRE(batch.calls.size() == 2);
    CHECK(batch.calls[0].number.empty());  // anonymous
    const auto& call = batch.calls[1];
    CHECK(call.external_id == "1.2");
    CHECK(call.number == "+358401234567");
    CHECK(call.caller_name == "Matti Virtanen");
    CHECK(call.direction == CallDirection::inbound);
    CHECK(call.disposition == CallDisposition::answered);
    CHECK(call.duration_s == 300);
    CHECK(call.to_support_line);
    CHECK(format_rfc3339(call.started_at) == "2024-03-11T10:00:00Z");
    CHECK(batch.first_line[1] == 2);
}

TEST_CASE("read in steps, a CDR file hands out each call only after its last row, in parse_cdr's order") {
    auto row = [](const char* id, const char* start, const char* disposition, const char* answer = "") {
        return fmt::format(R"("","+358401234567","600","ext-queues","x","c","","Queue","q","{}",{},"{}",20,0,"{}","OMIT","{}","")",
                           start, answer, "2024-03-11 10:30:00", disposition, id) + "\n";
    };
    // Call A's second attempt comes four lines after its first; B and C lie in between, and
    // a bad row and a blank line too.
    const std::string csv = row("A", "2024-03-11 10:00:00", "NO ANSWER") + row("B", "2024-03-11 10:01:00", "BUSY") +
                            "not,a,row\n" + "\n" + row("C", "2024-03-11 10:02:00", "BUSY") +
                            row("A", "2024-03-11 10:00:20", "ANSWERED", "\"2024-03-11 10:00:25\"") +
                            row("D", "2024-03-11 10:03:00", "BUSY");
    const auto whole = parse_cdr(csv, {}, "sha");
    REQUIRE(whole.calls.size() == 4);
    CHECK(whole.calls[0].disposition == CallDisposition::answered);  // A, merged

    CdrReader reader(csv, {});
    CdrBatch stepped;
    std::vector<std::size_t> handed_after;  // calls handed out after each line
    while (reader.read(1)) {
        reader.take(stepped);
        handed_after.push_back(stepped.calls.size());
    }
    reader.take(stepped);
    handed_after.push_back(stepped.calls.size());
    // Nothing until A's last row (line 6) is read; then A, B, C; D once the file ends.
    CHECK(handed_after == std::vector<std::size_t>{0, 0, 0, 0, 0, 3, 4});
    REQUIRE(stepped.calls.size() == whole.calls.size());
    for (std::size_t i = 0; i < whole.calls.size(); ++i) {
        CAPTURE(i);
        CHECK(stepped.calls[i].external_id == whole.calls[i].external_id);
        CHECK(stepped.calls[i].disposition == whole.calls[i].disposition);
        CHECK(stepped.calls[i].started_at == whole.calls[i].started_at);
        CHECK(stepped.calls[i].duration_s == whole.calls[i].duration_s);
        CHECK(stepped.first_line[i] == whole.first_line[i]);
    }
    CHECK(stepped.rows == whole.rows);
    REQUIRE(stepped.errors.size() == 1);
    CHECK(stepped.errors[0].line == 3);
}

TEST_CASE("bad CDR rows are reported with their line numbers and the good rows still parse") {
    const std::string good =
        R"("","+358401234567","600","ext-queues","x","c","","Queue","q","2024-03-11 10:00:00",,"2024-03-11 10:00:20",20,0,"BUSY","OMIT","9.1","")";
    const std::string csv = good + "\n" +
                            R"("","+358401234567","600","too","few","columns")" + "\n" +
                            R"("","+358401234567","600","ctx","x","c","","Queue","q","2024-13-45 10:00:00",,"2024-03-11 10:00:20",20,0,"BUSY","OMIT","9.2","","")" + "\n" +
                            R"("","+358401234567","600","ctx","x","c","","Queue","q","2024-03-11 10:00:00",,"2024-03-11 10:00:20",20,0,"HUNG UP","OMIT","9.3","")" + "\n" +
                            R"("","+358401234567","600","ctx","x","c","","Queue","q","2024-03-11 10:00:00",,"2024-03-11 10:00:20",twenty,0,"BUSY","OMIT","9.4","")" + "\n" +
                            "\"cut off,\"in the mid\n" + "\xff\xfe\n";
    auto batch = parse_cdr(csv, {});
    CHECK(batch.calls.size() == 1);
    REQUIRE(batch.errors.size() == 6);
    CHECK(batch.errors[0].line == 2);
    CHECK(batch.errors[0].message.find("columns") != std::string::npos);
    CHECK(batch.errors[1].line == 3);
    CHECK(batch.errors[2].line == 4);
    CHECK(batch.errors[2].message.find("HUNG UP") != std::string::npos);
    CHECK(batch.errors[3].line == 5);
    CHECK(batch.errors[4].line == 6);
    CHECK(batch.errors[5].line == 7);
    CHECK(batch.errors[5].message.find("columns") != std::string::npos);  // read as windows-1252, then too short
}

namespace {

// An Asterisk row from `src` (and clid `name`) to support line 600, missed; `id` its unique id.
std::string missed_from(std::string_view src, std::string_view name, std::string_view id) {
    return fmt::format(R"("","{}","600","ext-queues","""{}"" <{}>","PJSIP/t","","Queue","q","2024-03-11 10:00:00",,)"
                       R"("2024-03-11 10:00:20",20,0,"NO ANSWER","OMIT","{}","")",
                       src, name, src, id) + "\n";
}

}  // namespace

TEST_CASE("a row of megabytes (a 2 MB caller name) is a bad row, not a customer's name") {
    const std::string csv = missed_from("+358401234567", std::string(2'000'000, 'x'), "1") +
                            missed_from("+358401234568", "Aino", "2");
    auto batch = parse_cdr(csv, {});
    REQUIRE(batch.errors.size() == 1);
    CHECK(batch.errors[0].line == 1);
    CHECK(batch.errors[0].message.find("bytes long") != std::string::npos);
    REQUIRE(batch.calls.size() == 1);
    CHECK(batch.calls[0].caller_name == "Aino");
}

TEST_CASE("caller ids written with spaces, dashes, brackets or as tel:/sip: URIs are outside numbers, not extensions") {
    const std::string csv = missed_from("040-123 4567", "A", "1") + missed_from("(09) 4242 100", "B", "2") +
                            missed_from("tel:+37251234567", "C", "3") +
                            missed_from("sip:+358401234567@pbx.example;user=phone", "D", "4") +
                            missed_from("+44 20 7946 0958", "E", "5") + missed_from("2001", "F", "6") +
                            missed_from("s", "G", "7");
    CdrOptions options;
    options.region = "FI";
    auto batch = parse_cdr(csv, options);
    CHECK(batch.errors.empty());
    REQUIRE(batch.calls.size() == 5);  // 2001 -> 600 and s -> 600 are internal calls
    CHECK(batch.skipped_rows == 2);
    REQUIRE(batch.skipped.size() == 2);  // each listed with its line and why
    CHECK(batch.skipped[0].line == 6);
    CHECK(batch.skipped[0].message == "an internal call (2001 to 600)");
    CHECK(batch.skipped[1].line == 7);
    const char* expected[] = {"+358401234567", "+35894242100", "+37251234567", "+358401234567", "+442079460958"};
    for (std::size_t i = 0; i < 5; ++i) {
        CAPTURE(i);
        CHECK(batch.calls[i].direction == CallDirection::inbound);
        CHECK(batch.calls[i].number == expected[i]);
    }
    CHECK(looks_like_phone_number("+358 (0)40 123"));
    CHECK_FALSE(looks_like_phone_number("20011"));
    CHECK_FALSE(looks_like_phone_number("vmu2001"));
    CHECK(caller_id_user(" sips:+3581234567@host ") == "+3581234567");
}

TEST_CASE("a CDR file with a UTF-8 byte-order mark, and a row in windows-1252, import as calls") {
    const std::string csv = "\xEF\xBB\xBF" + missed_from("+358401234567", "Matti", "1") +
                            missed_from("+358401234568", "J\xFCrgen M\xFCller", "2");
    CdrOptions options;
    options.support_lines = {"600"};
    auto batch = parse_cdr(csv, options);
    CHECK(batch.errors.empty());
    REQUIRE(batch.calls.size() == 2);
    CHECK(batch.calls[0].caller_name == "Matti");
    CHECK(batch.calls[1].caller_name == "J\u00fcrgen M\u00fcller");
}

TEST_CASE("a CDR row that ends before it starts is reported with its line, not filed as a call of negative length") {
    const std::string csv =
        R"("","+358401234567","600","ctx","x","c","","Dial","q","2027-10-25 03:30:00",,"2026-10-25 03:30:40",40,0,"BUSY","OMIT","8.1","")"
        "\n"
        R"("Liga","+37126123456","2000","default","2026-11-30 10:05:00","","2026-11-30 10:00:00","300","0","NO_ANSWER","fs-1","","","","")"
        "\n";
    auto asterisk = parse_cdr(csv.substr(0, csv.find('\n') + 1), {});
    CHECK(asterisk.calls.empty());
    REQUIRE(asterisk.errors.size() == 1);
    CHECK(asterisk.errors[0].line == 1);
    CHECK(asterisk.errors[0].message.find("ends before it starts") != std::string::npos);
    CdrOptions fs;
    fs.format = CdrFormat::freeswitch;
    auto freeswitch = parse_cdr(csv.substr(csv.find('\n') + 1), fs);
    CHECK(freeswitch.calls.empty());
    REQUIRE(freeswitch.errors.size() == 1);
    CAPTURE(freeswitch.errors[0].message);
    CHECK(freeswitch.errors[0].message.find("ends before it starts") != std::string::npos);
}

TEST_CASE("each CDR call carries the PBX zone's offset from UTC at its start, for its calendar day") {
    const std::string csv =
        R"("","+358401234567","600","ctx","x","c","","Dial","q","2026-01-15 23:30:00",,"2026-01-15 23:30:40",40,0,"BUSY","OMIT","7.1","")"
        "\n"
        R"("","+358401234567","600","ctx","x","c","","Dial","q","2026-07-15 23:30:00",,"2026-07-15 23:30:40",40,0,"BUSY","OMIT","7.2","")"
        "\n";
    CdrOptions helsinki;
    helsinki.time_zone = *PbxTimeZone::make("Europe/Helsinki");
    auto batch = parse_cdr(csv, helsinki);
    REQUIRE(batch.calls.size() == 2);
    CHECK(batch.calls[0].utc_offset == std::chrono::hours(2));
    CHECK(batch.calls[1].utc_offset == std::chrono::hours(3));
    CHECK(parse_cdr(csv, {}).calls[0].utc_offset == std::chrono::seconds(0));
}

TEST_CASE("every row of the shared Asterisk and FreeSWITCH corpus parses into calls with E.164 numbers") {
    if (!std::filesystem::is_directory(kPhoneCorpus)) {
        MESSAGE("../shared/corpus/phone is absent: skipped");
        return;
    }
    CdrOptions options;
    auto asterisk = parse_cdr(read(kPhoneCorpus / "Master.csv"), options);
    CHECK(asterisk.errors.empty());
    CHECK(asterisk.rows == 200);
    CHECK(asterisk.calls.size() > 100);
    for (const auto& c : asterisk.calls) {
        CAPTURE(c.external_id);
        if (!c.number.empty()) CHECK(c.number.starts_with('+'));
    }
    options.format = CdrFormat::freeswitch;
    auto fs = parse_cdr(read(kPhoneCorpus / "freeswitch-cdr-csv-Master.csv"), options);
    CHECK(fs.errors.empty());
    CHECK(fs.rows == 40);
    bool busy = false;
    for (const auto& c : fs.calls) busy = busy || c.disposition == CallDisposition::busy;
    CHECK(busy);
}
