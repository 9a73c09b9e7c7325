#include "escalation/business_calendar.hpp"

#include "engine/time_format.hpp"
#include "tests/support/result_printer.hpp"

#include "tests/support/time_literals.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

using namespace triage;
using namespace std::chrono;
using triage::test::at;
using triage::test::iso;

namespace {


// A calendar the way the CLI builds one: --tz, --hours, --holidays.
BusinessCalendar inline_calendar(std::string_view tz, std::string_view hours_spec, std::string_view holiday_list = "") {
    auto hours = parse_hours_spec(hours_spec);
    REQUIRE(hours);
    auto holidays = parse_holidays(holiday_list);
    REQUIRE(holidays);
    auto calendar = BusinessCalendar::make("test", tz, *hours, *holidays);
    REQUIRE(calendar);
    return *calendar;
}

}  // namespace

TEST_CASE("240 business minutes from Wednesday 15:30 before Christmas land after the holidays") {
    // triage sla deadline --start 2026-12-23T15:30:00+02:00 --minutes 240 --tz Europe/Helsinki
    //   --hours 'mon-fri 08:00-16:00' --holidays 2026-12-24,2026-12-25
    // Wed 23rd 15:30-16:00 local: 30 minutes, 210 left. Thu 24th and Fri 25th: holidays.
    // Sat 26th and Sun 27th: weekend. Mon 28th 08:00 + 210 min = 11:30 local (EET, +02:00)
    // = 09:30Z.
    auto fi = inline_calendar("Europe/Helsinki", "mon-fri 08:00-16:00", "2026-12-24,2026-12-25");
    auto start = at("2026-12-23T15:30:00+02:00");
    auto deadline = fi.add_business_minutes(start, 240);
    CHECK(iso(deadline) == "2026-12-28T09:30:00Z");
    CHECK(fi.business_minutes_between(start, deadline) == 240);

    // The same holidays written as a range, with the weekend inside it, change nothing.
    auto range = inline_calendar("Europe/Helsinki", "mon-fri 08:00-16:00", "2026-12-24..2026-12-26");
    CHECK(iso(range.add_business_minutes(start, 240)) == "2026-12-28T09:30:00Z");
    CHECK(range.is_holiday(2026y / 12 / 26));
    CHECK_FALSE(range.is_holiday(2026y / 12 / 27));
}

TEST_CASE("business minutes skip the weekend and start counting at the next opening") {
    // November 2026: Helsinki is on winter time, 08:00-16:00 local is 06:00-14:00Z.
    // Fri 20th, Sat 21st, Sun 22nd, Mon 23rd, Wed 25th.
    auto fi = inline_calendar("Europe/Helsinki", "mon-fri 08:00-16:00");
    struct Row {
        const char* start;
        std::int64_t minutes;
        const char* deadline;
        const char* why;
    };
    const Row rows[] = {
        {"2026-11-20T15:00:00+02:00", 60, "2026-11-20T14:00:00Z", "a deadline that uses up a day ends at the close"},
        {"2026-11-20T15:00:00+02:00", 120, "2026-11-23T07:00:00Z", "60 on Friday, 60 from Monday 08:00"},
        {"2026-11-20T16:00:00+02:00", 0, "2026-11-23T06:00:00Z", "at the close it is closed: the next opening"},
        {"2026-11-21T12:00:00+02:00", 0, "2026-11-23T06:00:00Z", "Saturday: Monday's opening"},
        {"2026-11-21T12:00:00+02:00", 30, "2026-11-23T06:30:00Z", "Saturday: counted from Monday 08:00"},
        {"2026-11-22T23:59:00+02:00", 1, "2026-11-23T06:01:00Z", "Sunday night"},
        {"2026-11-23T07:00:00+02:00", 480, "2026-11-23T14:00:00Z", "a whole day from before the opening"},
        {"2026-11-23T08:00:00+02:00", 481, "2026-11-24T06:01:00Z", "one minute into Tuesday"},
        {"2026-11-23T10:00:00+02:00", 0, "2026-11-23T08:00:00Z", "zero minutes while open: the start"},
        {"2026-11-25T12:00:00+02:00", 2400, "2026-12-02T10:00:00Z", "one business week: next Wednesday 12:00"},
        {"2026-11-25T12:00:30.250+02:00", 1, "2026-11-25T10:01:30.250Z", "seconds and milliseconds are kept"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.why);
        auto start = at(row.start);
        auto deadline = fi.add_business_minutes(start, row.minutes);
        CHECK(iso(deadline) == row.deadline);
        CHECK(fi.business_minutes_between(start, deadline) == row.minutes);
    }
    CHECK(fi.business_minutes_between(at("2026-11-20T06:00:00Z"), at("2026-11-23T14:00:00Z")) == 2 * 480);
    CHECK(fi.business_minutes_between(at("2026-11-23T14:00:00Z"), at("2026-11-20T06:00:00Z")) == 0);
    CHECK(fi.add_business_minutes(at("2026-11-23T08:00:00Z"), -5) == at("2026-11-23T08:00:00Z"));
}

TEST_CASE("several spans a day, a lunch break and different Friday hours are honoured") {
    auto lunch = inline_calendar("Europe/Tallinn", "mon-fri 08:00-12:00,13:00-16:00");
    // Tue 2026-11-24 11:30 EET + 60: 30 before lunch, 30 after = 13:30 local = 11:30Z.
    CHECK(iso(lunch.add_business_minutes(at("2026-11-24T11:30:00+02:00"), 60)) == "2026-11-24T11:30:00Z");
    CHECK_FALSE(lunch.is_open(at("2026-11-24T12:30:00+02:00")));
    CHECK(iso(lunch.next_open(at("2026-11-24T12:30:00+02:00"))) == "2026-11-24T11:00:00Z");

    auto riga = inline_calendar("Europe/Riga", "mon-thu 08:30-17:00; fri 08:30-16:00");
    CHECK(riga.minutes_per_week() == minutes{4 * 510 + 450});
    // Fri 2026-11-27 15:30 local + 60: 30 on Friday (closes 16:00), 30 from Monday 08:30.
    CHECK(iso(riga.add_business_minutes(at("2026-11-27T15:30:00+02:00"), 60)) == "2026-11-30T07:00:00Z");
    // Thu 2026-11-26 16:30 + 60: 30 on Thursday (closes 17:00), 30 from Friday 08:30.
    CHECK(iso(riga.add_business_minutes(at("2026-11-26T16:30:00+02:00"), 60)) == "2026-11-27T07:00:00Z");
}

TEST_CASE("an 08:00-16:00 day in Helsinki moves in UTC with daylight saving time") {
    auto fi = inline_calendar("Europe/Helsinki", "mon-fri 08:00-16:00");
    // Winter (EET, +02:00): 06:00-14:00Z. Summer (EEST, +03:00): 05:00-13:00Z.
    CHECK(fi.is_open(at("2026-01-14T06:00:00Z")));
    CHECK_FALSE(fi.is_open(at("2026-01-14T05:59:59Z")));
    CHECK(fi.is_open(at("2026-01-14T13:59:59Z")));
    CHECK(fi.is_open(at("2026-07-15T05:00:00Z")));
    CHECK_FALSE(fi.is_open(at("2026-07-15T04:59:59Z")));
    CHECK_FALSE(fi.is_open(at("2026-07-15T13:00:00Z")));

    // Clocks go forward on Sunday 2026-03-29: Friday is a winter day, Monday a summer day.
    CHECK(iso(fi.next_open(at("2026-03-27T14:00:00Z"))) == "2026-03-30T05:00:00Z");
    CHECK(iso(fi.add_business_minutes(at("2026-03-27T15:00:00+02:00"), 120)) == "2026-03-30T06:00:00Z");
    CHECK(fi.business_minutes_between(at("2026-03-27T06:00:00Z"), at("2026-03-30T13:00:00Z")) == 960);
    // Clocks go back on Sunday 2026-10-25: Friday is a summer day, Monday a winter day.
    CHECK(iso(fi.add_business_minutes(at("2026-10-23T15:00:00+03:00"), 120)) == "2026-10-26T07:00:00Z");
    CHECK(fi.business_minutes_between(at("2026-10-23T05:00:00Z"), at("2026-10-26T14:00:00Z")) == 960);
}

TEST_CASE("a span across the DST change at night counts the real time the desk is open") {
    // Helsinki: 2026-03-29 at 03:00 EET the clocks jump to 04:00 EEST (01:00Z); 2026-10-25 at
    // 04:00 EEST they go back to 03:00 EET (01:00Z), so 03:00-04:00 is shown twice.
    auto night = inline_calendar("Europe/Helsinki", "sun 03:00-05:00");

    SUBCASE("spring forward: 03:00 does not exist, the span opens when the clocks jump") {
        auto saturday = at("2026-03-28T12:00:00Z");
        CHECK(iso(night.next_open(saturday)) == "2026-03-29T01:00:00Z");                 // 04:00 EEST
        CHECK(iso(night.add_business_minutes(saturday, 60)) == "2026-03-29T02:00:00Z");  // 05:00 EEST
        CHECK(night.business_minutes_between(saturday, at("2026-03-29T12:00:00Z")) == 60);
        // The 61st minute is a week later: 2026-04-05 03:00 EEST = 00:00Z.
        CHECK(iso(night.add_business_minutes(saturday, 61)) == "2026-04-05T00:01:00Z");
    }
    SUBCASE("fall back: 03:00-04:00 happens twice, the span lasts three hours") {
        auto saturday = at("2026-10-24T12:00:00Z");
        CHECK(iso(night.next_open(saturday)) == "2026-10-25T00:00:00Z");                  // first 03:00, EEST
        CHECK(iso(night.add_business_minutes(saturday, 90)) == "2026-10-25T01:30:00Z");   // second 03:30, EET
        CHECK(iso(night.add_business_minutes(saturday, 180)) == "2026-10-25T03:00:00Z");  // 05:00 EET
        CHECK(night.business_minutes_between(saturday, at("2026-10-25T12:00:00Z")) == 180);
        CHECK(night.is_open(at("2026-10-25T01:15:00Z")));
    }
    SUBCASE("an ordinary Sunday night has two hours") {
        CHECK(night.business_minutes_between(at("2026-10-31T12:00:00Z"), at("2026-11-01T12:00:00Z")) == 120);
        CHECK(iso(night.next_open(at("2026-10-31T12:00:00Z"))) == "2026-11-01T01:00:00Z");  // 03:00 EET
    }
    SUBCASE("a span entirely inside the skipped hour is not open that night") {
        auto gap = inline_calendar("Europe/Helsinki", "sun 03:15-03:45");
        CHECK_FALSE(gap.is_open(at("2026-03-29T01:00:00Z")));
        CHECK(iso(gap.next_open(at("2026-03-28T12:00:00Z"))) == "2026-04-05T00:15:00Z");
    }
}

TEST_CASE("a deadline and the business minutes back to it agree for random starts") {
    const BusinessCalendar calendars[] = {
        inline_calendar("Europe/Helsinki", "mon-fri 08:00-16:00",
                        "2026-01-01,2026-01-06,2026-04-03..2026-04-06,2026-05-01,2026-05-14,2026-06-19,"
                        "2026-12-24..2026-12-26,2027-01-01,2027-01-06,2027-03-26..2027-03-29"),
        inline_calendar("Europe/Riga", "mon-thu 08:30-12:00,12:30-17:00; fri 08:30-16:00; sun 02:00-05:00"),
        inline_calendar("Europe/Tallinn", "mon-sun 00:00-24:00", "2026-06-23..2026-06-24"),
    };
    std::mt19937_64 random{20261223};
    const auto first = at("2026-01-01T00:00:00Z");
    std::uniform_int_distribution<std::int64_t> offset_ms{0, 2LL * 365 * 24 * 3600 * 1000};
    std::uniform_int_distribution<std::int64_t> minutes_of{0, 12000};
    for (const auto& calendar : calendars) {
        for (int i = 0; i < 300; ++i) {
            const auto start = first + milliseconds{offset_ms(random)};
            const auto m = i % 10 == 0 ? 0 : minutes_of(random);
            const auto deadline = calendar.add_business_minutes(start, m);
            CAPTURE(iso(start));
            CAPTURE(m);
            REQUIRE(calendar.business_minutes_between(start, deadline) == m);
            CHECK(deadline >= start);
            if (m > 0) {
                CHECK(calendar.is_open(deadline - milliseconds{1}));  // the last counted instant is open
                CHECK(calendar.business_minutes_between(start, deadline - milliseconds{1}) == m - 1);
            } else {
                CHECK(deadline == calendar.next_open(start));
            }
        }
    }
}

TEST_CASE("adding business minutes in small steps reaches the same deadline as adding them at once") {
    // Steps shorter than a week are walked day by day; the whole sum skips weeks arithmetically.
    // America/Santiago changes its clocks at midnight, right where these spans begin and end.
    const BusinessCalendar calendars[] = {
        inline_calendar("Europe/Helsinki", "mon-fri 08:00-16:00", "2026-04-03..2026-04-06,2026-12-24..2026-12-26"),
        inline_calendar("America/Santiago", "mon-sat 00:00-01:00,23:00-24:00"),
    };
    std::mt19937_64 random{7};
    std::uniform_int_distribution<std::int64_t> offset_ms{0, 3LL * 365 * 24 * 3600 * 1000};
    for (const auto& calendar : calendars) {
        for (int i = 0; i < 20; ++i) {
            const auto start = at("2026-01-01T00:00:00Z") + milliseconds{offset_ms(random)};
            constexpr std::int64_t kTotal = 60'000, kStep = 997;
            auto stepped = start;
            for (std::int64_t done = 0; done < kTotal; done += kStep)
                stepped = calendar.add_business_minutes(stepped, std::min(kStep, kTotal - done));
            CAPTURE(iso(start));
            CHECK(iso(calendar.add_business_minutes(start, kTotal)) == iso(stepped));
        }
    }
}

TEST_CASE("a million business minutes are added by whole weeks, not minute by minute") {
    // UTC has no offset changes: 1,000,000 minutes of mon-fri 08:00-16:00 are 416 weeks of
    // 2,400 minutes plus 1,600 minutes (three days and 160 minutes).
    auto utc = inline_calendar("UTC", "mon-fri 08:00-16:00");
    auto monday = at("2026-01-05T08:00:00Z");
    auto expected = monday + weeks{416} + days{3} + minutes{160};
    CHECK(utc.add_business_minutes(monday, 1'000'000) == expected);
    CHECK(utc.business_minutes_between(monday, expected) == 1'000'000);

    // Helsinki changes offset twice a year and has holidays: still consistent.
    auto fi = inline_calendar("Europe/Helsinki", "mon-fri 08:00-16:00", "2026-12-24..2027-01-06");
    auto deadline = fi.add_business_minutes(monday, 1'000'000);
    CHECK(fi.business_minutes_between(monday, deadline) == 1'000'000);
    CHECK(fi.add_business_minutes(monday, BusinessCalendar::kMaxBusinessMinutes + 1) ==
          fi.add_business_minutes(monday, BusinessCalendar::kMaxBusinessMinutes));
}

TEST_CASE("opening hours specs are read in their several forms and written back canonically") {
    struct Row {
        const char* spec;
        const char* canonical;
    };
    const Row rows[] = {
        {"mon-fri 08:00-16:00", "mon-fri 08:00-16:00"},
        {"mon-thu 08:00-17:00; fri 08:00-15:00", "mon-thu 08:00-17:00; fri 08:00-15:00"},
        {"mon-fri 08:00-12:00,13:00-16:00", "mon-fri 08:00-12:00,13:00-16:00"},
        {"sat 10:00-14:00", "sat 10:00-14:00"},
        {"fri-mon 10:00-14:00", "mon 10:00-14:00; fri-sun 10:00-14:00"},
        {"Mon, Wed 9:00-12:00", "mon 09:00-12:00; wed 09:00-12:00"},
        {"mon-fri 08:00-12:00, 12:00-16:00;", "mon-fri 08:00-16:00"},
        {"sun 00:00-24:00", "sun 00:00-24:00"},
        {"mon 13:00-16:00; mon 08:00-12:00", "mon 08:00-12:00,13:00-16:00"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.spec);
        auto hours = parse_hours_spec(row.spec);
        REQUIRE(hours);
        CHECK(format_hours_spec(*hours) == row.canonical);
        auto again = parse_hours_spec(format_hours_spec(*hours));
        REQUIRE(again);
        CHECK(*again == *hours);
    }
    auto split = parse_hours_spec("mon-fri 08:00-12:00,13:00-16:00");
    REQUIRE(split);
    CHECK(split->on(Monday) == std::vector<OpeningSpan>{{8h, 12h}, {13h, 16h}});
    CHECK(split->on(Saturday).empty());
}

TEST_CASE("a bad opening hours spec is refused with the offending token") {
    struct Row {
        const char* spec;
        const char* message;
    };
    const Row rows[] = {
        {"", "opening hours are empty; expected e.g. 'mon-fri 08:00-16:00'"},
        {"mnday 08:00-16:00",
         "unknown day 'mnday' in 'mnday 08:00-16:00'; expected mon, tue, wed, thu, fri, sat or sun"},
        {"mon-fri 8.00-16:00", "bad time '8.00' in '8.00-16:00'; expected HH:MM"},
        {"mon 08:00-16:60", "bad time '16:60' in '08:00-16:60'; expected HH:MM"},
        {"mon 08:00", "bad span '08:00'; expected e.g. 08:00-16:00"},
        {"mon-fri 22:00-06:00",
         "span '22:00-06:00' ends before it starts; spans may not cross midnight: write 22:00-24:00 and 00:00-06:00 "
         "on the next day"},
        {"mon 24:00-24:00", "'24:00' can only end a span, in '24:00-24:00'"},
        {"mon 09:00-09:00", "span '09:00-09:00' is empty"},
        {"mon-fri 08:00-12:00,11:00-16:00", "overlapping spans on mon: 08:00-12:00 and 11:00-16:00"},
        {"mon-fri", "'mon-fri' has no opening times; expected e.g. 'mon-fri 08:00-16:00'"},
        {"08:00-16:00", "'08:00-16:00' does not say which days; expected e.g. 'mon-fri 08:00-16:00'"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.spec);
        auto hours = parse_hours_spec(row.spec);
        REQUIRE_FALSE(hours);
        CHECK(hours.error().code == errc::invalid_field);
        CHECK(hours.error().field == "hours");
        CHECK(hours.error().message == row.message);
    }
}

TEST_CASE("holiday lists take single dates and inclusive ranges") {
    auto two = parse_holidays("2026-12-24,2026-12-25");
    REQUIRE(two);
    REQUIRE(two->size() == 2);
    CHECK(two->at(1).first == 2026y / 12 / 25);
    CHECK(two->at(1).last == 2026y / 12 / 25);

    auto mixed = parse_holidays(" 2026-12-24 .. 2026-12-26 , 2027-01-01 ");
    REQUIRE(mixed);
    REQUIRE(mixed->size() == 2);
    CHECK(mixed->at(0).first == 2026y / 12 / 24);
    CHECK(mixed->at(0).last == 2026y / 12 / 26);

    auto none = parse_holidays("");
    REQUIRE(none);
    CHECK(none->empty());

    struct Row {
        const char* list;
        const char* message;
    };
    const Row rows[] = {
        {"2026-12-32", "'2026-12-32' is not a date"},
        {"2026-12-24,24.12.2026", "bad date '24.12.2026'; expected YYYY-MM-DD"},
        {"2026-12-26..2026-12-24", "holiday range '2026-12-26..2026-12-24' ends before it starts"},
        {"2026-12-24..", "bad date ''; expected YYYY-MM-DD"},
    };
    for (const auto& row : rows) {
        CAPTURE(row.list);
        auto parsed = parse_holidays(row.list);
        REQUIRE_FALSE(parsed);
        CHECK(parsed.error().field == "holidays");
        CHECK(parsed.error().message == row.message);
    }
}

TEST_CASE("a calendar with an unknown zone or without opening hours is refused") {
    auto hours = parse_hours_spec("mon-fri 08:00-16:00");
    REQUIRE(hours);
    auto misspelt = BusinessCalendar::make("fi", "Europe/Helsinkii", *hours, {});
    REQUIRE_FALSE(misspelt);
    CHECK(misspelt.error().message == "unknown time zone 'Europe/Helsinkii'");
    CHECK(misspelt.error().field == "timezone");

    auto closed = BusinessCalendar::make("never", "Europe/Helsinki", WeeklyHours{}, {});
    REQUIRE_FALSE(closed);
    CHECK(closed.error().message == "calendar 'never' has no opening hours, so nothing could ever fall due");
    CHECK(closed.error().field == "hours");

    WeeklyHours past_midnight;
    past_midnight.on(Friday).push_back({22h, 30h});
    auto crossing = BusinessCalendar::make("late", "Europe/Helsinki", past_midnight, {});
    REQUIRE_FALSE(crossing);
    CHECK(crossing.error().message == "span 22:00-30:00 on fri is not within one day");

    auto fi = BusinessCalendar::make("fi", "Europe/Helsinki", *hours, {});
    REQUIRE(fi);
    CHECK(fi->time_zone_name() == "Europe/Helsinki");
    CHECK(fi->name() == "fi");
}

TEST_CASE("a calendar closed by holidays for years still finds its next opening") {
    auto hours = parse_hours_spec("mon-fri 08:00-16:00");
    REQUIRE(hours);
    auto long_closed = BusinessCalendar::make("sabbatical", "Europe/Helsinki", *hours,
                                              {{2026y / 1 / 1, 2035y / 12 / 31, "sabbatical"}});
    REQUIRE(long_closed);
    // 2036-01-01 is a Tuesday; 08:00 EET = 06:00Z.
    CHECK(iso(long_closed->next_open(at("2026-06-01T00:00:00Z"))) == "2036-01-01T06:00:00Z");
    CHECK(long_closed->business_minutes_between(at("2026-06-01T00:00:00Z"), at("2035-12-31T23:00:00Z")) == 0);
}
