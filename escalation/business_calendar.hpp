// BusinessCalendar: when a desk is open (IANA zone, weekly local hours, holidays) and the
// business-time arithmetic SLA deadlines are built from. An immutable value made by make(),
// owned by whoever loaded the configuration; all members const and pure, safe from any thread.
#pragma once

#include "engine/clock.hpp"
#include "engine/error.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace date {
class time_zone;  // Howard Hinnant's date/tz; only business_calendar.cpp includes <date/tz.h>
}

namespace triage {

// One opening span of a day in local wall-clock time: [open, close), minutes since local
// midnight, 00:00 <= open < close <= 24:00. Spans never cross midnight: write 22:00-06:00
// as 22:00-24:00 on one day and 00:00-06:00 on the next.
struct OpeningSpan {
    std::chrono::minutes open{0};
    std::chrono::minutes close{0};

    friend bool operator==(const OpeningSpan&, const OpeningSpan&) = default;
};

// Opening hours by weekday. In a calendar each day's spans are sorted and disjoint, and
// touching spans are merged (08:00-12:00 and 12:00-16:00 become 08:00-16:00).
struct WeeklyHours {
    std::array<std::vector<OpeningSpan>, 7> days;  // index: weekday::c_encoding(), 0 = Sunday

    const std::vector<OpeningSpan>& on(std::chrono::weekday d) const { return days[d.c_encoding()]; }
    std::vector<OpeningSpan>& on(std::chrono::weekday d) { return days[d.c_encoding()]; }

    friend bool operator==(const WeeklyHours&, const WeeklyHours&) = default;
};

// Closed local dates, first..last inclusive. A single holiday has first == last.
struct HolidayRange {
    std::chrono::year_month_day first;
    std::chrono::year_month_day last;
    std::string name;  // local name, e.g. "Itsenäisyyspäivä"; may be empty

    friend bool operator==(const HolidayRange&, const HolidayRange&) = default;
};

// "mon-fri 08:00-16:00", "mon-thu 08:00-17:00; fri 08:00-15:00", "mon-fri 08:00-12:00,13:00-16:00",
// "sat 10:00-14:00", "mon,wed 09:00-12:00", "fri-mon 10:00-14:00" (a range may wrap past sunday).
// Day names mon tue wed thu fri sat sun (any case); times H:MM or HH:MM, 24:00 only as an end.
// Spans of one day may not overlap. Errors name the offending token (field "hours").
Result<WeeklyHours> parse_hours_spec(std::string_view spec);

// Adds `more` to `into`, e.g. the specs of a YAML list one after another; refuses overlaps.
Result<void> add_hours(WeeklyHours& into, const WeeklyHours& more);

// The canonical spec of `hours`: "mon-thu 08:00-17:00; fri 08:00-15:00". parse_hours_spec reads it back.
std::string format_hours_spec(const WeeklyHours& hours);

// "2026-12-24,2026-12-25" and "2026-12-24..2026-12-26" (mixed freely; spaces allowed; empty
// means none). Names stay empty. Errors name the offending token (field "holidays").
Result<std::vector<HolidayRange>> parse_holidays(std::string_view list);

// A local calendar date written YYYY-MM-DD.
Result<std::chrono::year_month_day> parse_local_date(std::string_view text);

// Business time is the real (UTC) time that passes while the desk's local wall clock shows
// an opening span on a day that is not a holiday. Across DST changes a span starts at the
// *first* instant its opening time is shown and ends at the *last* instant its closing time
// is shown, so staff who work the whole span are counted for the real time they worked:
// - a local time that does not exist (Europe/Helsinki 2026-03-29 03:00-04:00) stands for
//   the instant the clocks jump; a 03:00-05:00 span that night lasts 60 real minutes;
// - a local time that happens twice (2026-10-25 03:00-04:00) opens at its first and closes
//   at its second occurrence; a 03:00-05:00 span that night lasts 180 real minutes.
// Time counted once is never counted again, even where two spans overlap in UTC that night.
// Note: the system tzdata read by date/tz lists transitions up to 2037; later dates keep the
// last offset (winter time in Europe), so deadlines beyond 2037 ignore DST.
class BusinessCalendar {
public:
    // add_business_minutes clamps to this: a century of round-the-clock minutes.
    static constexpr std::int64_t kMaxBusinessMinutes = 100LL * 366 * 24 * 60;

    // Looks the zone up once ("Europe/Helsinki"; unknown -> invalid_field "timezone"), checks
    // and normalises the hours ("hours") and holidays ("holidays"). A calendar without any
    // opening hours is refused, since no deadline could ever come.
    static Result<BusinessCalendar> make(std::string name, std::string_view time_zone, WeeklyHours hours,
                                         std::vector<HolidayRange> holidays);

    const std::string& name() const noexcept { return name_; }
    std::string_view time_zone_name() const noexcept;
    const date::time_zone* time_zone() const noexcept { return zone_; }
    const WeeklyHours& hours() const noexcept { return hours_; }
    const std::vector<HolidayRange>& holidays() const noexcept { return holidays_; }  // sorted by first day
    std::chrono::minutes minutes_per_week() const noexcept;  // nominal, without holidays or DST
    bool is_holiday(std::chrono::year_month_day local_date) const noexcept;

    // Whether business time is passing at t (UTC).
    bool is_open(Timestamp t) const;
    // The first instant at or after t (UTC) when business time passes: t itself when open.
    Timestamp next_open(Timestamp t) const;

    // The deadline: the instant at which `minutes` business minutes have passed since
    // `start` (UTC). Counting starts at the next opening when `start` is outside hours;
    // 0 minutes gives next_open(start). A deadline that uses up a span ends at its close.
    // minutes are clamped to [0, kMaxBusinessMinutes]; the work is per day, never per minute,
    // and whole weeks without holidays or offset changes are skipped arithmetically.
    Timestamp add_business_minutes(Timestamp start, std::int64_t minutes) const;
    Timestamp add_business_time(Timestamp start, std::chrono::milliseconds business) const;

    // Whole business minutes (rounded down) between a and b (UTC); 0 when b <= a.
    // business_minutes_between(s, add_business_minutes(s, m)) == m.
    std::int64_t business_minutes_between(Timestamp a, Timestamp b) const;
    std::chrono::milliseconds business_time_between(Timestamp a, Timestamp b) const;

private:
    struct ClosedDays {  // merged holiday ranges, local days, inclusive
        std::chrono::local_days first;
        std::chrono::local_days last;
    };
    struct Walk {
        Timestamp at;                    // where the walk stopped (UTC)
        std::chrono::milliseconds used;  // business time passed on the way
    };

    BusinessCalendar() = default;

    // Walks business time forward from `from`, stopping when `budget` is used up or at `until`.
    Walk walk(Timestamp from, std::chrono::milliseconds budget, Timestamp until) const;
    bool skip_weeks(std::chrono::local_days& day, Walk& walked, std::chrono::milliseconds budget,
                    Timestamp until) const;
    const ClosedDays* closed_on(std::chrono::local_days day) const noexcept;
    const ClosedDays* closed_after(std::chrono::local_days day) const noexcept;

    std::string name_;
    const date::time_zone* zone_ = nullptr;  // owned by the date/tz database, lives forever
    WeeklyHours hours_;
    std::vector<HolidayRange> holidays_;
    std::vector<ClosedDays> closed_;     // sorted, disjoint, not touching
    std::chrono::milliseconds week_{0};  // business time in a week without holidays or DST
};

}  // namespace triage
