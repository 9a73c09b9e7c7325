#include "engine/time_format.hpp"

#include <charconv>
#include <fmt/format.h>

namespace triage {

std::string format_rfc5322(Timestamp t) {
    using namespace std::chrono;
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss<seconds> hms{floor<seconds>(t - day)};
    return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000", kDays[weekday{day}.c_encoding()],
                       static_cast<unsigned>(ymd.day()), kMonths[static_cast<unsigned>(ymd.month()) - 1],
                       static_cast<int>(ymd.year()), hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

std::string format_rfc3339(Timestamp t) {
    using namespace std::chrono;
    auto day = floor<days>(t);
    year_month_day ymd{day};
    hh_mm_ss<milliseconds> hms{t - day};
    const int year = static_cast<int>(ymd.year());
    if (year < 0 || year > 9999) {  // outside RFC 3339's four-digit years: the slow, general path
        auto base = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", year, static_cast<unsigned>(ymd.month()),
                                static_cast<unsigned>(ymd.day()), hms.hours().count(), hms.minutes().count(),
                                hms.seconds().count());
        if (hms.subseconds().count() != 0) base += fmt::format(".{:03}", hms.subseconds().count());
        return base + 'Z';
    }
    // Hot: every ticket in every API answer carries several of these.
    char buf[24];
    auto put = [&buf](int at, long value, int width) {
        for (int i = width - 1; i >= 0; --i, value /= 10) buf[at + i] = static_cast<char>('0' + value % 10);
    };
    put(0, year, 4);
    buf[4] = '-';
    put(5, static_cast<unsigned>(ymd.month()), 2);
    buf[7] = '-';
    put(8, static_cast<unsigned>(ymd.day()), 2);
    buf[10] = 'T';
    put(11, hms.hours().count(), 2);
    buf[13] = ':';
    put(14, hms.minutes().count(), 2);
    buf[16] = ':';
    put(17, hms.seconds().count(), 2);
    int end = 19;
    if (const auto ms = hms.subseconds().count(); ms != 0) {
        buf[19] = '.';
        put(20, ms, 3);
        end = 23;
    }
    buf[end++] = 'Z';
    return std::string(buf, static_cast<std::size_t>(end));
}

namespace {

bool read_int(std::string_view s, std::size_t pos, std::size_t len, int& out) {
    if (pos + len > s.size()) return false;
    for (std::size_t i = pos; i < pos + len; ++i)
        if (s[i] < '0' || s[i] > '9') return false;
    std::from_chars(s.data() + pos, s.data() + pos + len, out);
    return true;
}

}  // namespace

std::optional<Timestamp> parse_rfc3339(std::string_view s) noexcept {
    using namespace std::chrono;
    int y, mo, d, h, mi, sec;
    if (!read_int(s, 0, 4, y) || s.size() < 19 || s[4] != '-' || !read_int(s, 5, 2, mo) || s[7] != '-' ||
        !read_int(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !read_int(s, 11, 2, h) ||
        s[13] != ':' || !read_int(s, 14, 2, mi) || s[16] != ':' || !read_int(s, 17, 2, sec))
        return std::nullopt;
    year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
    std::size_t pos = 19;
    milliseconds frac{0};
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int digits = 0, value = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (digits < 3) value = value * 10 + (s[pos] - '0'), ++digits;
            ++pos;
        }
        if (digits == 0) return std::nullopt;
        while (digits < 3) value *= 10, ++digits;
        frac = milliseconds{value};
    }
    minutes offset{0};
    if (pos == s.size()) return std::nullopt;  // a zone is required
    if (s[pos] == 'Z' || s[pos] == 'z') {
        ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
        int oh, om;
        if (!read_int(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !read_int(s, pos + 4, 2, om) ||
            oh > 23 || om > 59)
            return std::nullopt;
        offset = hours{oh} + minutes{om};
        if (s[pos] == '-') offset = -offset;
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;
    auto local = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} + frac;
    return time_point_cast<milliseconds>(local - offset);
}

}  // namespace triage
