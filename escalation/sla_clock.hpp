// SlaClock: one SLA target of one ticket (first response, next response or resolution),
// counted in business time of a BusinessCalendar and paused while the ticket is pending or
// on hold. A compact value owned by the ticket's escalation state; not thread-safe.
#pragma once

#include "engine/clock.hpp"
#include "escalation/business_calendar.hpp"

#include <boost/container/static_vector.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace triage {

enum class SlaEventKind : std::uint8_t {
    started,
    paused,
    resumed,
    warned,    // the warning share of the target was used
    breached,  // the deadline passed (the target was fully used) before the clock stopped
    met,       // stopped before the deadline
    stopped,   // stopped after the deadline; the breach is an earlier entry
};
std::string_view to_string(SlaEventKind kind) noexcept;

// One line of a clock's timeline, as GET /api/v1/tickets/{id}/sla shows it.
struct SlaEvent {
    SlaEventKind kind = SlaEventKind::started;
    Timestamp at{};                          // UTC
    std::int64_t business_minutes_used = 0;  // whole minutes, rounded down
    std::int64_t business_minutes_left = 0;  // target - used; negative once overdue

    friend bool operator==(const SlaEvent&, const SlaEvent&) = default;
};

// What one operation produced, in time order: at most a warning, a breach and its own entry.
using SlaEvents = boost::container::static_vector<SlaEvent, 3>;
// The whole history of one clock; optional, kept by whoever shows it.
using SlaTimeline = std::vector<SlaEvent>;

enum class SlaPhase : std::uint8_t { idle, running, paused, met, breached };

// The whole state of a clock, plain data so storage can persist it and a scheduler can
// rebuild the clock after a restart. All times UTC; business time in milliseconds.
struct SlaClockState {
    Timestamp started_at{};
    Timestamp mark{};                  // running: last start or resume; paused: the pause; stopped: the stop
    Timestamp deadline{};              // when the target is used up if the clock keeps running from `mark`
    Timestamp warning_at{};            // likewise for the warning share
    std::int64_t used_ms = 0;          // business time used before `mark`
    std::int32_t target_minutes = 0;   // business minutes
    std::uint8_t warning_percent = 0;  // 1..99; 0 never warns
    SlaPhase phase = SlaPhase::idle;
    std::uint8_t fired = 0;  // kFiredWarning | kFiredBreach: transitions already reported

    static constexpr std::uint8_t kFiredWarning = 1;
    static constexpr std::uint8_t kFiredBreach = 2;

    friend bool operator==(const SlaClockState&, const SlaClockState&) = default;
};

// Every operation takes its instant as a parameter (no clock reads) and the calendar the
// target counts in (the same one each time). An instant earlier than the last operation is
// taken as that operation's instant. Operations that make no sense in the current phase
// (pause a paused clock, stop a stopped one) change nothing and return no events.
// Each operation returns the events it produced and, when given a timeline, appends them to it.
class SlaClock {
public:
    SlaClock() = default;
    explicit SlaClock(const SlaClockState& state) : state_(state) {}  // after a restart

    const SlaClockState& state() const noexcept { return state_; }
    SlaPhase phase() const noexcept { return state_.phase; }
    bool stopped() const noexcept { return state_.phase == SlaPhase::met || state_.phase == SlaPhase::breached; }

    // Starts counting `target_minutes` business minutes at `at`; warns when warning_percent
    // of them are used (1..99; anything else never warns). A target <= 0 means "no SLA": the
    // clock stays idle. Only an idle clock starts.
    SlaEvents start(Timestamp at, std::int32_t target_minutes, int warning_percent, const BusinessCalendar& calendar,
                    SlaTimeline* timeline = nullptr);
    // Freezes the business time used (ticket pending or on hold). Reports the warning and
    // breach reached before `at` first.
    SlaEvents pause(Timestamp at, const BusinessCalendar& calendar, SlaTimeline* timeline = nullptr);
    // Counts again from `at`: the deadline becomes the remaining business time added to `at`.
    SlaEvents resume(Timestamp at, const BusinessCalendar& calendar, SlaTimeline* timeline = nullptr);
    // The target is done (first reply sent, ticket solved): met before the deadline, else breached.
    // A paused clock may be stopped too.
    SlaEvents stop(Timestamp at, const BusinessCalendar& calendar, SlaTimeline* timeline = nullptr);
    // The warning and breach that `now` has reached and that were not reported yet: each is
    // reported once in the clock's life, at its own instant (not at `now`), so a scheduler
    // that calls this late or after a restart from the stored state fires it exactly once.
    SlaEvents due_events(Timestamp now, SlaTimeline* timeline = nullptr);

    // The next instant at which due_events will report something, for the scheduler's
    // timer; none when paused, stopped or everything was reported.
    std::optional<Timestamp> next_due() const noexcept;

    std::chrono::milliseconds business_time_used(Timestamp t, const BusinessCalendar& calendar) const;
    std::int64_t minutes_used(Timestamp t, const BusinessCalendar& calendar) const;  // rounded down
    std::int64_t minutes_left(Timestamp t, const BusinessCalendar& calendar) const;  // target - used; < 0 overdue
    // Wall-clock time since the start, up to the stop once stopped (for "first response took 3 h").
    std::chrono::milliseconds wall_time(Timestamp t) const noexcept;

    std::int32_t target_minutes() const noexcept { return state_.target_minutes; }
    Timestamp started_at() const noexcept { return state_.started_at; }
    std::optional<Timestamp> stopped_at() const noexcept;
    // Running: when the target will be used up. Stopped: the last deadline it had.
    // Idle or paused: none, since the deadline moves with the pause.
    std::optional<Timestamp> deadline() const noexcept;
    // When `threshold_percent` of the target will have been used if the clock keeps running;
    // none unless running and the threshold still lies ahead of the last start or resume.
    std::optional<Timestamp> warning_at(int threshold_percent, const BusinessCalendar& calendar) const;

private:
    std::chrono::milliseconds target() const noexcept;
    std::chrono::milliseconds warning_share() const noexcept;  // 0 when never warning
    SlaEvent entry(SlaEventKind kind, Timestamp at, std::chrono::milliseconds used) const;
    void fire_due(Timestamp now, SlaEvents& out);
    void plan(const BusinessCalendar& calendar);  // deadline and warning from mark and used
    static SlaEvents record(SlaEvents events, SlaTimeline* timeline);

    SlaClockState state_;
};

}  // namespace triage
