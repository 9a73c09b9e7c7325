#include "escalation/business_calendar.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace triage {
namespace {

using std::chrono::days;
using std::chrono::local_days;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::weekday;
using std::chrono::year_month_day;
using LocalTime = std::chrono::local_time<milliseconds>;

constexpr minutes kDay{24 * 60};
constexpr days kWeek{7};
constexpr days kOffsetChangeMargin{2};
constexpr std::array<std::string_view, 7> kDayNames{"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
// A walk that reaches this local date gives up: only a calendar whose open time is all but
// erased by holidays up to the year 9999 gets here.
constexpr local_days kLastDay{std::chrono::sys_days{std::chrono::year{10000} / 1 / 1}.time_since_epoch()};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

std::string without_spaces(std::string_view s) {
    std::string out;
    for (char c : s)
        if (!is_space(c)) out += c;
    return out;
}

// Splits on `sep`, trimming each piece; keeps empty pieces so callers can decide.
std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    for (;;) {
        auto pos = s.find(sep);
        out.push_back(trim(s.substr(0, pos)));
        if (pos == std::string_view::npos) return out;
        s.remove_prefix(pos + 1);
    }
}

Problem hours_problem(std::string message) { return problem(errc::invalid_field, std::move(message), "hours"); }
Problem holidays_problem(std::string message) { return problem(errc::invalid_field, std::move(message), "holidays"); }

std::string format_time(minutes m) { return fmt::format("{:02}:{:02}", m.count() / 60, m.count() % 60); }
std::string format_span(const OpeningSpan& s) { return format_time(s.open) + "-" + format_time(s.close); }

bool read_digits(std::string_view s, int& out) {
    if (s.empty() || s.size() > 2) return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && end == s.data() + s.size();
}

// "8:00", "08:00", "24:00" (only when `closing`).
Result<minutes> parse_clock_time(std::string_view text, bool closing, std::string_view span) {
    auto colon = text.find(':');
    int h = 0, m = 0;
    if (colon == std::string_view::npos || text.size() - colon != 3 || !read_digits(text.substr(0, colon), h) ||
        !read_digits(text.substr(colon + 1), m) || h > 24 || m > 59 || (h == 24 && m != 0))
        return hours_problem(fmt::format("bad time '{}' in '{}'; expected HH:MM", text, span));
    if (h == 24 && !closing) return hours_problem(fmt::format("'24:00' can only end a span, in '{}'", span));
    return minutes{h * 60 + m};
}

Result<OpeningSpan> parse_span(std::string_view text) {
    auto dash = text.find('-');
    if (dash == std::string_view::npos)
        return hours_problem(fmt::format("bad span '{}'; expected e.g. 08:00-16:00", text));
    OpeningSpan span;
    TRIAGE_TRY(span.open, parse_clock_time(text.substr(0, dash), false, text));
    TRIAGE_TRY(span.close, parse_clock_time(text.substr(dash + 1), true, text));
    if (span.close == span.open) return hours_problem(fmt::format("span '{}' is empty", text));
    if (span.close < span.open)
        return hours_problem(
            fmt::format("span '{}' ends before it starts; spans may not cross midnight: write {}-24:00 "
                        "and 00:00-{} on the next day",
                        text, format_time(span.open), format_time(span.close)));
    return span;
}

Result<unsigned> parse_day_name(std::string_view name, std::string_view group) {
    std::string lower;
    for (char c : name) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    for (unsigned i = 0; i < kDayNames.size(); ++i)
        if (lower == kDayNames[i]) return i;
    return hours_problem(
        fmt::format("unknown day '{}' in '{}'; expected mon, tue, wed, thu, fri, sat or sun", name, group));
}

// "mon-fri", "sat", "mon,wed,fri", "fri-mon" -> the days by c_encoding.
Result<std::array<bool, 7>> parse_days(std::string_view text, std::string_view group) {
    std::array<bool, 7> days{};
    for (auto item : split(text, ',')) {
        if (item.empty()) return hours_problem(fmt::format("empty day in '{}'", group));
        auto dash = item.find('-');
        unsigned first = 0, last = 0;
        TRIAGE_TRY(first, parse_day_name(item.substr(0, dash), group));
        last = first;
        if (dash != std::string_view::npos) {
            TRIAGE_TRY(last, parse_day_name(item.substr(dash + 1), group));
        }
        for (unsigned d = first;; d = (d + 1) % 7) {  // a range wraps past sunday: fri-mon
            days[d] = true;
            if (d == last) break;
        }
    }
    return days;
}

// Sorts each day's spans, refuses overlaps and merges touching spans.
Result<void> normalise(WeeklyHours& hours) {
    for (unsigned d = 0; d < 7; ++d) {
        auto& spans = hours.days[d];
        for (const auto& s : spans)
            if (s.open < minutes{0} || s.close > kDay || s.open >= s.close)
                return hours_problem(fmt::format("span {} on {} is not within one day", format_span(s), kDayNames[d]));
        std::sort(spans.begin(), spans.end(), [](const auto& a, const auto& b) { return a.open < b.open; });
        std::vector<OpeningSpan> merged;
        for (const auto& s : spans) {
            if (!merged.empty() && s.open < merged.back().close)
                return hours_problem(fmt::format("overlapping spans on {}: {} and {}", kDayNames[d],
                                                 format_span(merged.back()), format_span(s)));
            if (!merged.empty() && s.open == merged.back().close)
                merged.back().close = s.close;
            else
                merged.push_back(s);
        }
        spans = std::move(merged);
    }
    return {};
}

// UTC instant of a local wall-clock time, by the DST rule in the header: a time that does not
// exist is the instant the clocks jump; a time shown twice is its first occurrence when a span
// opens and its last when a span closes.
enum class Edge { opening, closing };

Timestamp to_utc(const date::time_zone& zone, LocalTime local, Edge edge) {
    auto info = zone.get_info(date::local_time<milliseconds>{local.time_since_epoch()});
    switch (info.result) {
        case date::local_info::unique: break;
        case date::local_info::nonexistent: return std::chrono::time_point_cast<milliseconds>(info.second.begin);
        case date::local_info::ambiguous:
            if (edge == Edge::closing) return Timestamp{local.time_since_epoch() - info.second.offset};
            break;
    }
    return Timestamp{local.time_since_epoch() - info.first.offset};
}

LocalTime to_local(const date::time_zone& zone, Timestamp t) {
    auto info = zone.get_info(std::chrono::floor<std::chrono::seconds>(t));
    return LocalTime{t.time_since_epoch() + info.offset};
}

local_days to_local_days(year_month_day d) { return local_days{d}; }

}  // namespace

Result<WeeklyHours> parse_hours_spec(std::string_view spec) {
    WeeklyHours hours;
    if (trim(spec).empty()) return hours_problem("opening hours are empty; expected e.g. 'mon-fri 08:00-16:00'");
    for (auto group : split(spec, ';')) {
        if (group.empty()) continue;  // "mon-fri 08:00-16:00;" is fine
        auto digit = group.find_first_of("0123456789");
        auto day_text = without_spaces(group.substr(0, digit));
        if (digit == std::string_view::npos)
            return hours_problem(fmt::format("'{}' has no opening times; expected e.g. 'mon-fri 08:00-16:00'", group));
        if (day_text.empty())
            return hours_problem(
                fmt::format("'{}' does not say which days; expected e.g. 'mon-fri 08:00-16:00'", group));
        std::array<bool, 7> days{};
        TRIAGE_TRY(days, parse_days(day_text, group));
        std::vector<OpeningSpan> spans;
        for (auto item : split(group.substr(digit), ',')) {
            auto text = without_spaces(item);
            if (text.empty()) return hours_problem(fmt::format("empty span in '{}'", group));
            OpeningSpan span;
            TRIAGE_TRY(span, parse_span(text));
            spans.push_back(span);
        }
        for (unsigned d = 0; d < 7; ++d)
            if (days[d]) hours.days[d].insert(hours.days[d].end(), spans.begin(), spans.end());
    }
    auto normalised = normalise(hours);
    if (!normalised) return normalised.error();
    return hours;
}

Result<void> add_hours(WeeklyHours& into, const WeeklyHours& more) {
    WeeklyHours sum = into;
    for (unsigned d = 0; d < 7; ++d) sum.days[d].insert(sum.days[d].end(), more.days[d].begin(), more.days[d].end());
    auto normalised = normalise(sum);
    if (!normalised) return normalised;
    into = std::move(sum);
    return {};
}

std::string format_hours_spec(const WeeklyHours& hours) {
    std::string out;
    constexpr std::array<unsigned, 7> kMondayFirst{1, 2, 3, 4, 5, 6, 0};
    for (unsigned i = 0; i < 7;) {
        const auto& spans = hours.days[kMondayFirst[i]];
        unsigned j = i + 1;
        while (j < 7 && hours.days[kMondayFirst[j]] == spans) ++j;
        if (!spans.empty()) {
            if (!out.empty()) out += "; ";
            out += kDayNames[kMondayFirst[i]];
            if (j - i > 1) out += fmt::format("-{}", kDayNames[kMondayFirst[j - 1]]);
            out += ' ';
            for (std::size_t k = 0; k < spans.size(); ++k) out += (k ? "," : "") + format_span(spans[k]);
        }
        i = j;
    }
    return out;
}

Result<year_month_day> parse_local_date(std::string_view text) {
    int y = 0;
    unsigned m = 0, d = 0;
    auto digits = [&](std::size_t pos, std::size_t len) {
        if (pos + len > text.size()) return false;
        for (std::size_t i = pos; i < pos + len; ++i)
            if (text[i] < '0' || text[i] > '9') return false;
        return true;
    };
    if (text.size() != 10 || !digits(0, 4) || text[4] != '-' || !digits(5, 2) || text[7] != '-' || !digits(8, 2))
        return holidays_problem(fmt::format("bad date '{}'; expected YYYY-MM-DD", text));
    std::from_chars(text.data(), text.data() + 4, y);
    std::from_chars(text.data() + 5, text.data() + 7, m);
    std::from_chars(text.data() + 8, text.data() + 10, d);
    year_month_day date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
    if (!date.ok()) return holidays_problem(fmt::format("'{}' is not a date", text));
    return date;
}

Result<std::vector<HolidayRange>> parse_holidays(std::string_view list) {
    std::vector<HolidayRange> out;
    for (auto item : split(list, ',')) {
        if (item.empty()) continue;
        auto dots = item.find("..");
        HolidayRange range;
        TRIAGE_TRY(range.first, parse_local_date(trim(item.substr(0, dots))));
        range.last = range.first;
        if (dots != std::string_view::npos) {
            TRIAGE_TRY(range.last, parse_local_date(trim(item.substr(dots + 2))));
            if (range.last < range.first)
                return holidays_problem(fmt::format("holiday range '{}' ends before it starts", item));
        }
        out.push_back(std::move(range));
    }
    return out;
}

Result<BusinessCalendar> BusinessCalendar::make(std::string name, std::string_view time_zone, WeeklyHours hours,
                                                std::vector<HolidayRange> holidays) {
    BusinessCalendar cal;
    cal.name_ = std::move(name);
    if (trim(time_zone).empty())
        return problem(errc::invalid_field, "a time zone is required, e.g. 'Europe/Helsinki'", "timezone");
    try {
        cal.zone_ = date::locate_zone(time_zone);
    } catch (const std::runtime_error&) {  // date/tz's only way to say "no such zone"
        return problem(errc::invalid_field, fmt::format("unknown time zone '{}'", time_zone), "timezone");
    }

    auto normalised = normalise(hours);
    if (!normalised) return normalised.error();
    cal.hours_ = std::move(hours);
    for (const auto& day : cal.hours_.days)
        for (const auto& span : day) cal.week_ += span.close - span.open;
    if (cal.week_ == milliseconds{0})
        return hours_problem(
            fmt::format("calendar '{}' has no opening hours, so nothing could ever fall due", cal.name_));

    for (const auto& h : holidays) {
        if (!h.first.ok() || !h.last.ok())
            return holidays_problem(fmt::format("holiday '{}' has an invalid date", h.name));
        if (h.last < h.first) return holidays_problem(fmt::format("holiday '{}' ends before it starts", h.name));
    }
    std::stable_sort(holidays.begin(), holidays.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    cal.holidays_ = std::move(holidays);
    for (const auto& h : cal.holidays_) {
        auto first = to_local_days(h.first), last = to_local_days(h.last);
        if (!cal.closed_.empty() && first <= cal.closed_.back().last + days{1})
            cal.closed_.back().last = std::max(cal.closed_.back().last, last);
        else
            cal.closed_.push_back({first, last});
    }
    return cal;
}

std::string_view BusinessCalendar::time_zone_name() const noexcept { return zone_->name(); }

minutes BusinessCalendar::minutes_per_week() const noexcept { return std::chrono::duration_cast<minutes>(week_); }

bool BusinessCalendar::is_holiday(year_month_day local_date) const noexcept {
    return local_date.ok() && closed_on(to_local_days(local_date)) != nullptr;
}

const BusinessCalendar::ClosedDays* BusinessCalendar::closed_on(local_days day) const noexcept {
    auto it = std::upper_bound(closed_.begin(), closed_.end(), day,
                               [](local_days d, const ClosedDays& c) { return d < c.first; });
    if (it == closed_.begin()) return nullptr;
    --it;
    return day <= it->last ? &*it : nullptr;
}

const BusinessCalendar::ClosedDays* BusinessCalendar::closed_after(local_days day) const noexcept {
    auto it = std::upper_bound(closed_.begin(), closed_.end(), day,
                               [](local_days d, const ClosedDays& c) { return d < c.first; });
    return it == closed_.end() ? nullptr : &*it;
}

// At the start of an open local day with nothing of it walked yet: jumps over whole weeks
// that hold no holiday and no UTC offset change (each is worth exactly week_), as long as
// more than a week of budget remains and `until` lies beyond them.
bool BusinessCalendar::skip_weeks(local_days& day, Walk& walked, milliseconds budget, Timestamp until) const {
    auto remaining = budget - walked.used;
    if (remaining <= week_) return false;
    auto info = zone_->get_info(date::local_days{day.time_since_epoch()});
    if (info.result != date::local_info::unique) return false;
    Timestamp day_start{day.time_since_epoch() - info.first.offset};
    if (walked.at > day_start) return false;
    std::int64_t weeks = (remaining - milliseconds{1}) / week_;  // leave some budget to walk day by day
    // Stay clear of the next offset change by two days, so that the last skipped day's closing
    // time is not a time shown twice (a clock going back at midnight makes 24:00 ambiguous).
    weeks = std::min<std::int64_t>(weeks, (info.first.end - day_start - kOffsetChangeMargin) / kWeek);
    if (until != Timestamp::max()) weeks = std::min<std::int64_t>(weeks, (until - day_start) / kWeek);
    if (const auto* next = closed_after(day)) weeks = std::min<std::int64_t>(weeks, (next->first - day) / kWeek);
    if (weeks <= 0) return false;
    day += weeks * kWeek;
    walked.at = day_start + weeks * kWeek;
    walked.used += weeks * week_;
    return true;
}

BusinessCalendar::Walk BusinessCalendar::walk(Timestamp from, milliseconds budget, Timestamp until) const {
    Walk walked{from, milliseconds{0}};
    if (until <= from) return walked;
    const auto& zone = *zone_;
    // Start a day early: on a night the clocks go back, yesterday's closing can come after
    // the first instants of today.
    auto day = std::chrono::floor<days>(to_local(zone, from)) - days{1};
    for (;;) {
        if (day >= kLastDay) return {Timestamp::max(), walked.used};
        if (const auto* closed = closed_on(day)) {
            day = closed->last + days{1};
            continue;
        }
        if (skip_weeks(day, walked, budget, until)) continue;
        for (const auto& span : hours_.on(weekday{day})) {
            auto open = to_utc(zone, day + span.open, Edge::opening);
            auto close = to_utc(zone, day + span.close, Edge::closing);
            auto begin = std::max(walked.at, open);
            if (close <= begin) continue;
            if (begin >= until) return {until, walked.used};
            auto end = std::min(close, until);
            auto left = budget - walked.used;
            if (left <= end - begin) return {begin + left, budget};
            walked.used += end - begin;
            walked.at = end;
            if (end == until) return walked;
        }
        day += days{1};
    }
}

bool BusinessCalendar::is_open(Timestamp t) const { return next_open(t) == t; }

Timestamp BusinessCalendar::next_open(Timestamp t) const { return walk(t, milliseconds{0}, Timestamp::max()).at; }

Timestamp BusinessCalendar::add_business_minutes(Timestamp start, std::int64_t minutes) const {
    minutes = std::clamp<std::int64_t>(minutes, 0, kMaxBusinessMinutes);
    return add_business_time(start, std::chrono::minutes{minutes});
}

Timestamp BusinessCalendar::add_business_time(Timestamp start, milliseconds business) const {
    business = std::clamp<milliseconds>(business, milliseconds{0}, minutes{kMaxBusinessMinutes});
    return walk(start, business, Timestamp::max()).at;
}

std::int64_t BusinessCalendar::business_minutes_between(Timestamp a, Timestamp b) const {
    return std::chrono::floor<minutes>(business_time_between(a, b)).count();
}

milliseconds BusinessCalendar::business_time_between(Timestamp a, Timestamp b) const {
    return walk(a, milliseconds::max(), b).used;
}

}  // namespace triage
