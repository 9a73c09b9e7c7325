// PbxTimeZone: the time zone a PBX writes its call-detail times in (Asterisk's Master.csv is
// the PBX's local time unless usegmtime=yes; FreeSWITCH's *_stamp variables are local, its
// *_epoch ones are not), and the reading of those times as UTC instants, DST-correct: a
// wall time in the autumn's repeated hour names two instants, one in spring's skipped hour
// none. Only pbx_time.cpp includes Howard Hinnant's <date/tz.h>. An immutable value;
// thread-safe. A PbxTimeReader caches the zone's current offset: one per thread.
#pragma once

#include "engine/clock.hpp"
#include "engine/error.hpp"

#include <array>
#include <chrono>
#include <string>
#include <string_view>

namespace date {
class time_zone;
}

namespace triage::channels {

class PbxTimeZone {
public:
    PbxTimeZone() = default;  // UTC
    // An IANA zone ("Europe/Helsinki", "UTC"); errc::invalid_field naming it when unknown.
    static Result<PbxTimeZone> make(std::string_view iana);

    const std::string& name() const noexcept { return name_; }
    bool is_utc() const noexcept { return zone_ == nullptr; }
    const date::time_zone* zone() const noexcept { return zone_; }

private:
    std::string name_ = "UTC";
    const date::time_zone* zone_ = nullptr;  // nullptr: UTC; the tz database outlives us
};

// The UTC instants a CDR time names: one; two in a repeated hour (earlier first); none in a
// skipped hour (count 0).
struct PbxInstants {
    std::array<Timestamp, 2> at{};
    int count = 0;
};

class PbxTimeReader {
public:
    explicit PbxTimeReader(const PbxTimeZone& zone) : zone_(zone) {}

    // A wall-clock time of the zone, seconds since the local epoch.
    PbxInstants from_local(std::chrono::seconds local) const;

    // "YYYY-MM-DD HH:MM:SS" (local in the zone), or a Unix epoch (UTC, whatever the zone): seconds
    // (9 to 11 digits) or microseconds (16 digits, FreeSWITCH's *_uepoch). errc::invalid_field
    // naming `field` when it is neither, or when the wall time does not exist in the zone.
    Result<PbxInstants> read(std::string_view text, std::string_view field) const;

    const PbxTimeZone& zone() const noexcept { return zone_; }

private:
    const PbxTimeZone& zone_;
    // A span of local times with one offset and no transition near it: [begin, end).
    mutable std::chrono::seconds cached_begin_{1};
    mutable std::chrono::seconds cached_end_{0};
    mutable std::chrono::seconds cached_offset_{0};
};

// The zone's offset from UTC at instant `t` (0 for UTC), e.g. +3 h in a Helsinki summer:
// what turns a call's UTC start into the PBX's calendar day.
std::chrono::seconds utc_offset_at(const PbxTimeZone& zone, Timestamp t);

// The start among `start` and `end` candidates that best fits the PBX's own duration
// (end - start == duration_s), the earlier on a tie; with it, the end. Returns {start, end}.
std::pair<Timestamp, Timestamp> fit_call_times(const PbxInstants& start, const PbxInstants& end, std::int64_t duration_s);

}  // namespace triage::channels
