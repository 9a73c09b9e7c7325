#include "channels/pbx_time.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <cstdlib>
#include <limits>

namespace triage::channels {
namespace {

using std::chrono::seconds;

bool all_digits(std::string_view s) {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return !s.empty();
}

int two(std::string_view s, std::size_t at) { return (s[at] - '0') * 10 + (s[at + 1] - '0'); }

Timestamp at_seconds(seconds s) { return Timestamp{std::chrono::duration_cast<std::chrono::milliseconds>(s)}; }

}  // namespace

Result<PbxTimeZone> PbxTimeZone::make(std::string_view iana) {
    PbxTimeZone z;
    if (iana.empty() || iana == "UTC" || iana == "Etc/UTC" || iana == "Z") return z;
    try {
        z.zone_ = date::locate_zone(std::string(iana));
    } catch (const std::exception&) {
        return problem(errc::invalid_field, fmt::format("'{}' is not an IANA time zone such as Europe/Helsinki", iana),
                       "time_zone");
    }
    z.name_ = std::string(iana);
    return z;
}

PbxInstants PbxTimeReader::from_local(seconds local) const {
    PbxInstants out;
    if (zone_.is_utc()) {
        out.at[0] = at_seconds(local);
        out.count = 1;
        return out;
    }
    if (local >= cached_begin_ && local < cached_end_) {
        out.at[0] = at_seconds(local - cached_offset_);
        out.count = 1;
        return out;
    }
    const auto info = zone_.zone()->get_info(date::local_seconds{local});
    switch (info.result) {
        case date::local_info::unique: {
            out.at[0] = at_seconds(local - info.first.offset);
            out.count = 1;
            // Well inside this offset's span (a day clear of either transition) every local
            // time is unique with the same offset.
            const auto day = std::chrono::days(1);
            cached_begin_ = info.first.begin == date::sys_seconds::min()
                                ? seconds::min()
                                : info.first.begin.time_since_epoch() + info.first.offset + day;
            cached_end_ = info.first.end == date::sys_seconds::max()
                              ? seconds::max()
                              : info.first.end.time_since_epoch() + info.first.offset - day;
            cached_offset_ = info.first.offset;
            break;
        }
        case date::local_info::ambiguous:
            out.at[0] = at_seconds(local - info.first.offset);   // the first pass, before clocks went back
            out.at[1] = at_seconds(local - info.second.offset);  // the second
            out.count = 2;
            break;
        default:  // nonexistent: the hour the clocks skipped
            break;
    }
    return out;
}

Result<PbxInstants> PbxTimeReader::read(std::string_view s, std::string_view field) const {
    if (all_digits(s)) {
        std::int64_t v = 0;
        for (char c : s) v = v * 10 + (c - '0');
        PbxInstants out;
        out.count = 1;
        if (s.size() >= 9 && s.size() <= 11) out.at[0] = at_seconds(seconds(v));
        else if (s.size() == 16) out.at[0] = Timestamp{std::chrono::milliseconds(v / 1000)};
        else
            return problem(errc::invalid_field, fmt::format("{} '{}' is no epoch in seconds or microseconds", field, s),
                           std::string(field));
        return out;
    }
    // "YYYY-MM-DD HH:MM:SS"
    const bool shaped = s.size() == 19 && s[4] == '-' && s[7] == '-' && s[10] == ' ' && s[13] == ':' && s[16] == ':' &&
                        all_digits(s.substr(0, 4)) && all_digits(s.substr(5, 2)) && all_digits(s.substr(8, 2)) &&
                        all_digits(s.substr(11, 2)) && all_digits(s.substr(14, 2)) && all_digits(s.substr(17, 2));
    if (!shaped)
        return problem(errc::invalid_field, fmt::format("{} '{}' is not YYYY-MM-DD HH:MM:SS", field, s), std::string(field));
    const int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + two(s, 2);
    const std::chrono::year_month_day day{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(two(s, 5))),
                                          std::chrono::day(static_cast<unsigned>(two(s, 8)))};
    const int h = two(s, 11), m = two(s, 14), sec = two(s, 17);
    if (!day.ok() || h > 23 || m > 59 || sec > 59)
        return problem(errc::invalid_field, fmt::format("{} '{}' is not a valid time", field, s), std::string(field));
    const seconds local = std::chrono::sys_days(day).time_since_epoch() + std::chrono::hours(h) + std::chrono::minutes(m) +
                          seconds(sec);
    auto out = from_local(local);
    if (out.count == 0)
        return problem(errc::invalid_field,
                       fmt::format("{} '{}' does not exist in {} (the hour skipped when clocks went forward)", field, s,
                                   zone_.name()),
                       std::string(field));
    return out;
}

std::pair<Timestamp, Timestamp> fit_call_times(const PbxInstants& start, const PbxInstants& end, std::int64_t duration_s) {
    std::pair<Timestamp, Timestamp> best{start.at[0], end.at[0]};
    auto misfit = std::numeric_limits<std::int64_t>::max();
    for (int i = 0; i < start.count; ++i) {
        for (int j = 0; j < end.count; ++j) {
            const auto length = std::chrono::duration_cast<seconds>(end.at[j] - start.at[i]).count();
            const auto off = length < 0 ? std::numeric_limits<std::int64_t>::max() / 2 - length
                                        : std::llabs(length - duration_s);
            if (off < misfit) {  // strictly better: earlier candidates win ties
                misfit = off;
                best = {start.at[i], end.at[j]};
            }
        }
    }
    return best;
}

std::chrono::seconds utc_offset_at(const PbxTimeZone& zone, Timestamp t) {
    if (zone.is_utc()) return std::chrono::seconds{0};
    return zone.zone()->get_info(std::chrono::floor<std::chrono::seconds>(t)).offset;
}

}  // namespace triage::channels
