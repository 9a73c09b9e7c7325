#include "channels/cdr_csv.hpp"
#include "channels/pbx_time.hpp"
#include "engine/time_format.hpp"
#include "tests/support/result_printer.hpp"

#include <doctest/doctest.h>

using namespace triage;
using namespace triage::channels;

namespace {

PbxTimeZone zone(const char* name) {
    auto z = PbxTimeZone::make(name);
    REQUIRE(z);
    return *z;
}

std::string utc(const PbxTimeReader& r, const char* local, int which = 0) {
    auto t = r.read(local, "start");
    REQUIRE(t);
    REQUIRE(which < t->count);
    return format_rfc3339(t->at[static_cast<std::size_t>(which)]);
}

// One Asterisk Master.csv row (18 columns) with the given times and duration.
std::string asterisk_row(const std::string& id, const std::string& start, const std::string& end, int duration) {
    return "\"\",\"+358401234567\",\"600\",\"ext-queues\",\"\"\"Matti\"\" <+358401234567>\",\"c\",\"d\",\"Queue\",\"q\",\"" +
           start + "\",\"" + start + "\",\"" + end + "\"," + std::to_string(duration) + "," + std::to_string(duration) +
           ",\"ANSWERED\",\"OMIT\",\"" + id + "\",\"\"\n";
}

}  // namespace

TEST_CASE("PBX wall-clock times become UTC with the zone's offset in winter and in summer") {
    const auto helsinki = zone("Europe/Helsinki");
    PbxTimeReader r(helsinki);
    CHECK(utc(r, "2024-03-11 10:00:00") == "2024-03-11T08:00:00Z");  // EET, +02:00
    CHECK(utc(r, "2024-07-01 10:00:00") == "2024-07-01T07:00:00Z");  // EEST, +03:00
    CHECK(utc(r, "2024-03-12 00:30:00") == "2024-03-11T22:30:00Z");  // the cached offset, next day
    const PbxTimeZone utc_zone;
    PbxTimeReader plain(utc_zone);
    CHECK(utc(plain, "2024-07-01 10:00:00") == "2024-07-01T10:00:00Z");
    const auto riga = zone("Europe/Riga");
    CHECK(utc(PbxTimeReader(riga), "2024-12-31 23:59:59") == "2024-12-31T21:59:59Z");
}

TEST_CASE("the autumn's repeated hour names two instants and spring's skipped hour none") {
    const auto helsinki = zone("Europe/Helsinki");
    PbxTimeReader r(helsinki);
    // 2024-10-27 04:00 EEST the clocks went back to 03:00 EET: 03:30 happened twice.
    auto twice = r.read("2024-10-27 03:30:00", "start");
    REQUIRE(twice);
    REQUIRE(twice->count == 2);
    CHECK(format_rfc3339(twice->at[0]) == "2024-10-27T00:30:00Z");
    CHECK(format_rfc3339(twice->at[1]) == "2024-10-27T01:30:00Z");
    CHECK(utc(r, "2024-10-27 02:59:59") == "2024-10-26T23:59:59Z");
    CHECK(utc(r, "2024-10-27 04:00:00") == "2024-10-27T02:00:00Z");
    // 2024-03-31 03:00 EET the clocks went forward to 04:00 EEST: 03:30 never happened.
    auto never = r.read("2024-03-31 03:30:00", "start");
    REQUIRE_FALSE(never);
    CHECK(never.error().message.find("does not exist in Europe/Helsinki") != std::string::npos);
    CHECK(utc(r, "2024-03-31 02:59:59") == "2024-03-31T00:59:59Z");
    CHECK(utc(r, "2024-03-31 04:00:00") == "2024-03-31T01:00:00Z");
}

TEST_CASE("epochs are UTC whatever the zone, and malformed times are refused") {
    const auto tallinn = zone("Europe/Tallinn");
    PbxTimeReader r(tallinn);
    CHECK(utc(r, "1710151200") == "2024-03-11T10:00:00Z");
    CHECK(utc(r, "1710151200123456") == "2024-03-11T10:00:00.123Z");
    CHECK_FALSE(r.read("2024-13-01 10:00:00", "start"));
    CHECK_FALSE(r.read("2024-02-30 10:00:00", "start"));
    CHECK_FALSE(r.read("2024-03-11T10:00:00", "start"));
    CHECK_FALSE(r.read("17101512", "start"));
    CHECK_FALSE(PbxTimeZone::make("Europe/Atlantis"));
    CHECK(PbxTimeZone::make("UTC")->is_utc());
}

TEST_CASE("a call across the repeated hour is placed by its duration") {
    const auto helsinki = zone("Europe/Helsinki");
    CdrOptions options;
    options.time_zone = helsinki;
    // Started 03:50 in the first pass (EEST), ended 03:10 in the second (EET): 20 minutes.
    // Then a 10-minute call wholly inside the hour: both passes fit, the first is taken.
    // And one ending after the hour: 03:55 must be the second pass to last 10 minutes.
    const std::string csv = asterisk_row("1.1", "2024-10-27 03:50:00", "2024-10-27 03:10:00", 1200) +
                            asterisk_row("1.2", "2024-10-27 03:10:00", "2024-10-27 03:20:00", 600) +
                            asterisk_row("1.3", "2024-10-27 03:55:00", "2024-10-27 04:05:00", 600) +
                            asterisk_row("1.4", "2024-03-31 03:30:00", "2024-03-31 04:40:00", 600);
    auto batch = parse_cdr(csv, options);
    REQUIRE(batch.calls.size() == 3);
    CHECK(format_rfc3339(batch.calls[0].started_at) == "2024-10-27T00:50:00Z");
    CHECK(batch.calls[0].duration_s == 1200);
    CHECK(format_rfc3339(batch.calls[1].started_at) == "2024-10-27T00:10:00Z");
    CHECK(batch.calls[1].duration_s == 600);
    CHECK(format_rfc3339(batch.calls[2].started_at) == "2024-10-27T01:55:00Z");
    CHECK(batch.calls[2].duration_s == 600);
    REQUIRE(batch.errors.size() == 1);  // 03:30 on the spring day does not exist
    CHECK(batch.errors[0].line == 4);
    CHECK(batch.errors[0].message.find("does not exist") != std::string::npos);
}

TEST_CASE("FreeSWITCH rows in local time and with epochs land on the same UTC instant") {
    const auto tallinn = zone("Europe/Tallinn");
    CdrOptions options;
    options.format = CdrFormat::freeswitch;
    options.time_zone = tallinn;
    const std::string csv =
        R"("Jüri Tamm","+3725123456","helpdesk","public","2024-07-01 12:00:00","2024-07-01 12:00:05","2024-07-01 12:02:00","120","115","NORMAL_CLEARING","u-1","","","PCMU","PCMU")"
        "\n"
        R"("Jüri Tamm","+3725123456","helpdesk","public","1719824400","1719824405","1719824520","120","115","NORMAL_CLEARING","u-2","","","PCMU","PCMU")"
        "\n";
    auto batch = parse_cdr(csv, options);
    CHECK(batch.errors.empty());
    REQUIRE(batch.calls.size() == 2);
    CHECK(format_rfc3339(batch.calls[0].started_at) == "2024-07-01T09:00:00Z");
    CHECK(batch.calls[0].started_at == batch.calls[1].started_at);
    CHECK(batch.calls[1].duration_s == 120);
}
