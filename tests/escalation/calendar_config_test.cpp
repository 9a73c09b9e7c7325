#include "escalation/calendar_config.hpp"

#include "engine/time_format.hpp"
#include "tests/support/result_printer.hpp"

#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <string>

using namespace triage;
using namespace std::chrono;

namespace {

const std::string kExamples = std::string(TRIAGE_SOURCE_DIR) + "/examples/calendars.yaml";

Timestamp at(std::string_view rfc3339) {
    auto t = parse_rfc3339(rfc3339);
    REQUIRE_MESSAGE(t, rfc3339);
    return *t;
}

std::string iso(Timestamp t) { return format_rfc3339(t); }

// The examples file, loaded once for all cases.
const CalendarMap& examples() {
    static const CalendarMap calendars = [] {
        auto loaded = load_calendars(std::filesystem::path{kExamples});
        REQUIRE(loaded);
        return *loaded;
    }();
    return calendars;
}

Problem load_problem(const char* yaml) {
    auto loaded = load_calendars(YAML::Load(yaml)["calendars"], "calendars.yaml");
    REQUIRE_FALSE(loaded);
    return loaded.error();
}

}  // namespace

TEST_CASE("the example calendars of Finland, Estonia and Latvia load") {
    const auto& calendars = examples();
    REQUIRE(calendars.size() == 3);
    const auto& fi = calendars.at("fi-support");
    CHECK(fi.time_zone_name() == "Europe/Helsinki");
    CHECK(format_hours_spec(fi.hours()) == "mon-fri 08:00-16:00");
    CHECK(fi.holidays().size() == 30);
    CHECK(format_hours_spec(calendars.at("ee-support").hours()) == "mon-fri 09:00-17:00");
    CHECK(calendars.at("ee-support").holidays().size() == 24);
    CHECK(format_hours_spec(calendars.at("lv-support").hours()) == "mon-thu 08:30-17:00; fri 08:30-16:00");
    CHECK(calendars.at("lv-support").holidays().size() == 28);
    CHECK(calendars.at("lv-support").time_zone_name() == "Europe/Riga");
}

TEST_CASE("the Finnish holiday list closes the desk on every holiday of 2026 and 2027") {
    const auto& fi = examples().at("fi-support");
    std::map<std::string, year_month_day> by_name;
    for (const auto& h : fi.holidays()) by_name[h.name + " " + std::to_string(int(h.first.year()))] = h.first;
    CHECK(by_name.at("Itsenäisyyspäivä 2026") == 2026y / 12 / 6);
    CHECK(by_name.at("Pitkäperjantai 2026") == 2026y / 4 / 3);
    CHECK(by_name.at("2. pääsiäispäivä 2027") == 2027y / 3 / 29);
    CHECK(by_name.at("Helatorstai 2026") == 2026y / 5 / 14);
    CHECK(by_name.at("Juhannusaatto 2027") == 2027y / 6 / 25);
    CHECK(by_name.at("Pyhäinpäivä 2027") == 2027y / 11 / 6);

    // Movable holidays fall on their weekday; fixed-date ones on their date.
    const std::map<std::string, weekday> movable{
        {"Pitkäperjantai", Friday}, {"Pääsiäispäivä", Sunday}, {"2. pääsiäispäivä", Monday}, {"Helatorstai", Thursday},
        {"Helluntaipäivä", Sunday}, {"Juhannusaatto", Friday}, {"Juhannuspäivä", Saturday},  {"Pyhäinpäivä", Saturday},
    };
    for (const auto& h : fi.holidays()) {
        CAPTURE(h.name);
        CHECK(h.first == h.last);
        if (auto it = movable.find(h.name); it != movable.end()) CHECK(weekday{sys_days{h.first}} == it->second);
        // Closed all day: 07:00Z and 08:00Z are mid-morning local time in winter and in summer.
        const auto midnight_utc = sys_days{h.first};
        CHECK_FALSE(fi.is_open(Timestamp{midnight_utc + 7h}));
        CHECK_FALSE(fi.is_open(Timestamp{midnight_utc + 8h}));
    }
}

TEST_CASE("Finnish deadlines wait out Easter and Midsummer") {
    const auto& fi = examples().at("fi-support");
    // Thu 2026-04-02 15:00 EEST + 120: 60 on Thursday; Good Friday, the weekend and Easter
    // Monday are closed; Tue 7th 08:00 + 60 = 09:00 EEST = 06:00Z.
    CHECK(iso(fi.add_business_minutes(at("2026-04-02T15:00:00+03:00"), 120)) == "2026-04-07T06:00:00Z");
    // Thu 2026-06-18 15:00 + 120: Juhannusaatto Friday closed; Mon 22nd 09:00 EEST = 06:00Z.
    CHECK(iso(fi.add_business_minutes(at("2026-06-18T15:00:00+03:00"), 120)) == "2026-06-22T06:00:00Z");
    // The example from the issue, with the full list: Tapaninpäivä is a Saturday anyway.
    CHECK(iso(fi.add_business_minutes(at("2026-12-23T15:30:00+02:00"), 240)) == "2026-12-28T09:30:00Z");
}

TEST_CASE("Estonian and Latvian holidays close their desks") {
    const auto& ee = examples().at("ee-support");
    const auto& lv = examples().at("lv-support");
    // Võidupüha and jaanipäev, Tue-Wed 2026-06-23/24: Mon 22nd 16:30 + 60 -> Thu 25th 09:30 EEST.
    CHECK(iso(ee.add_business_minutes(at("2026-06-22T16:30:00+03:00"), 60)) == "2026-06-25T06:30:00Z");
    CHECK(ee.is_holiday(2026y / 2 / 24));
    // Līgo and Jāņi the same days in Riga; Vecgada vakars Thu 2026-12-31 and New Year: Wed 30th
    // 16:30 + 60 -> 30 that day, then Mon 2027-01-04 08:30 + 30 = 09:00 EET = 07:00Z.
    CHECK(iso(lv.add_business_minutes(at("2026-12-30T16:30:00+02:00"), 60)) == "2027-01-04T07:00:00Z");
    CHECK(lv.is_holiday(2026y / 5 / 4));
    CHECK_FALSE(ee.is_holiday(2026y / 12 / 31));
}

TEST_CASE("calendar configuration problems carry file, line and column") {
    struct Row {
        const char* yaml;
        const char* message;
        const char* field;
    };
    const Row rows[] = {
        {"calendars:\n"
         "  fi:\n"
         "    timezone: Europe/Helsinkii\n"
         "    hours: mon-fri 08:00-16:00\n",
         "calendars.yaml:3:15: unknown time zone 'Europe/Helsinkii'", "calendars.fi.timezone"},
        {"calendars:\n"
         "  fi:\n"
         "    timezone: Europe/Helsinki\n"
         "    hours:\n"
         "      - mon-thu 08:00-17:00\n"
         "      - fri 08:00-15:00\n"
         "      - fri 14:00-18:00\n",
         "calendars.yaml:7:9: overlapping spans on fri: 08:00-15:00 and 14:00-18:00", "calendars.fi.hours"},
        {"calendars:\n"
         "  fi:\n"
         "    timezone: Europe/Helsinki\n"
         "    hours: mon-fri 08:00-16:00\n"
         "    holidays:\n"
         "      - 2026-12-24\n"
         "      - {date: 2026-12-32, name: Joulupäivä}\n",
         "calendars.yaml:7:16: '2026-12-32' is not a date", "calendars.fi.holidays"},
        {"calendars:\n"
         "  fi:\n"
         "    timezone: Europe/Helsinki\n"
         "    hours: mon-fri 08:00-16:00\n"
         "    holiday: [2026-12-24]\n",
         "calendars.yaml:5:5: unknown key 'holiday'; expected timezone, hours, holidays", "calendars.fi"},
        {"calendars:\n"
         "  fi:\n"
         "    timezone: Europe/Helsinki\n",
         "calendars.yaml:3:5: calendar 'fi' has no hours, e.g. 'mon-fri 08:00-16:00'", "calendars.fi"},
        {"calendars:\n"
         "  fi:\n"
         "    timezone: Europe/Helsinki\n"
         "    hours: mon-fri 22:00-06:00\n",
         "calendars.yaml:4:12: span '22:00-06:00' ends before it starts; spans may not cross midnight: write "
         "22:00-24:00 and 00:00-06:00 on the next day",
         "calendars.fi.hours"},
        {"calendars:\n"
         "  fi:\n"
         "    timezone: Europe/Helsinki\n"
         "    hours: mon-fri 08:00-16:00\n"
         "    holidays:\n"
         "      - {from: 2026-12-26, to: 2026-12-24, name: Joulu}\n",
         "calendars.yaml:6:32: holiday range ends before it starts", "calendars.fi.holidays"},
        {"calendars: [fi-support]\n", "calendars.yaml:1:12: calendars must be a map of name -> calendar, not a list",
         "calendars"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.yaml);
        auto p = load_problem(row.yaml);
        CHECK(p.code == errc::invalid_field);
        CHECK(p.message == row.message);
        CHECK(p.field == row.field);
    }
}

TEST_CASE("calendars load from a section of a larger file and a missing file is reported") {
    auto root = YAML::Load(
        "http: {listen: 127.0.0.1:8080}\n"
        "calendars:\n"
        "  night:\n"
        "    timezone: UTC\n"
        "    hours: ['mon-fri 00:00-06:00', 'mon-fri 22:00-24:00']\n"
        "    holidays: ['2026-12-24..2026-12-26', {from: 2026-12-31, to: 2027-01-01, name: New Year}]\n");
    auto loaded = load_calendars(root["calendars"], "triage.yaml");
    REQUIRE(loaded);
    const auto& night = loaded->at("night");
    CHECK(format_hours_spec(night.hours()) == "mon-fri 00:00-06:00,22:00-24:00");
    CHECK(night.holidays().size() == 2);
    CHECK(night.holidays().at(1).name == "New Year");
    CHECK(night.is_holiday(2027y / 1 / 1));

    auto none = load_calendars(root["no-such-section"], "triage.yaml");
    REQUIRE(none);
    CHECK(none->empty());

    auto missing = load_calendars(std::filesystem::path{TRIAGE_SOURCE_DIR} / "examples" / "no-such-calendars.yaml");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == errc::not_found);
}
