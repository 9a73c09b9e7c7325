#include "escalation/sla_clock.hpp"

#include <algorithm>

namespace triage {

// Ten million clocks must fit in well under 1 GiB.
static_assert(sizeof(SlaClock) == sizeof(SlaClockState) && sizeof(SlaClockState) <= 48);

using std::chrono::milliseconds;

std::string_view to_string(SlaEventKind kind) noexcept {
    switch (kind) {
        case SlaEventKind::started: return "started";
        case SlaEventKind::paused: return "paused";
        case SlaEventKind::resumed: return "resumed";
        case SlaEventKind::warned: return "warned";
        case SlaEventKind::breached: return "breached";
        case SlaEventKind::met: return "met";
        case SlaEventKind::stopped: return "stopped";
    }
    return "unknown";
}

milliseconds SlaClock::target() const noexcept { return std::chrono::minutes{state_.target_minutes}; }

milliseconds SlaClock::warning_share() const noexcept { return target() * state_.warning_percent / 100; }

SlaEvent SlaClock::entry(SlaEventKind kind, Timestamp at, milliseconds used) const {
    auto used_minutes = std::chrono::floor<std::chrono::minutes>(used).count();
    return SlaEvent{kind, at, used_minutes, state_.target_minutes - used_minutes};
}

SlaEvents SlaClock::record(SlaEvents events, SlaTimeline* timeline) {
    if (timeline) timeline->insert(timeline->end(), events.begin(), events.end());
    return events;
}

void SlaClock::plan(const BusinessCalendar& calendar) {
    const milliseconds used{state_.used_ms};
    if (used < target()) state_.deadline = calendar.add_business_time(state_.mark, target() - used);
    if (warning_share() > milliseconds{0} && used < warning_share())
        state_.warning_at = calendar.add_business_time(state_.mark, warning_share() - used);
}

void SlaClock::fire_due(Timestamp now, SlaEvents& out) {
    if (state_.phase != SlaPhase::running) return;
    if (warning_share() > milliseconds{0} && !(state_.fired & SlaClockState::kFiredWarning) &&
        state_.warning_at <= now) {
        state_.fired |= SlaClockState::kFiredWarning;
        out.push_back(entry(SlaEventKind::warned, state_.warning_at, warning_share()));
    }
    if (!(state_.fired & SlaClockState::kFiredBreach) && state_.deadline <= now) {
        state_.fired |= SlaClockState::kFiredBreach;
        out.push_back(entry(SlaEventKind::breached, state_.deadline, target()));
    }
}

SlaEvents SlaClock::start(Timestamp at, std::int32_t target_minutes, int warning_percent,
                          const BusinessCalendar& calendar, SlaTimeline* timeline) {
    if (state_.phase != SlaPhase::idle || target_minutes <= 0) return {};
    state_ = SlaClockState{};
    state_.started_at = at;
    state_.mark = at;
    state_.target_minutes = target_minutes;
    state_.warning_percent =
        warning_percent >= 1 && warning_percent <= 99 ? static_cast<std::uint8_t>(warning_percent) : 0;
    state_.phase = SlaPhase::running;
    plan(calendar);
    SlaEvents out;
    out.push_back(entry(SlaEventKind::started, at, milliseconds{0}));
    return record(std::move(out), timeline);
}

SlaEvents SlaClock::pause(Timestamp at, const BusinessCalendar& calendar, SlaTimeline* timeline) {
    if (state_.phase != SlaPhase::running) return {};
    at = std::max(at, state_.mark);
    SlaEvents out;
    fire_due(at, out);
    state_.used_ms += calendar.business_time_between(state_.mark, at).count();
    state_.mark = at;
    state_.phase = SlaPhase::paused;
    out.push_back(entry(SlaEventKind::paused, at, milliseconds{state_.used_ms}));
    return record(std::move(out), timeline);
}

SlaEvents SlaClock::resume(Timestamp at, const BusinessCalendar& calendar, SlaTimeline* timeline) {
    if (state_.phase != SlaPhase::paused) return {};
    at = std::max(at, state_.mark);
    state_.mark = at;
    state_.phase = SlaPhase::running;
    plan(calendar);
    SlaEvents out;
    out.push_back(entry(SlaEventKind::resumed, at, milliseconds{state_.used_ms}));
    return record(std::move(out), timeline);
}

SlaEvents SlaClock::stop(Timestamp at, const BusinessCalendar& calendar, SlaTimeline* timeline) {
    if (state_.phase != SlaPhase::running && state_.phase != SlaPhase::paused) return {};
    at = std::max(at, state_.mark);
    SlaEvents out;
    if (state_.phase == SlaPhase::running) {
        fire_due(at, out);
        state_.used_ms += calendar.business_time_between(state_.mark, at).count();
    }
    state_.mark = at;
    // Decided by the reported breach, so the timeline never says both "met" and "breached".
    const bool late = state_.fired & SlaClockState::kFiredBreach;
    state_.phase = late ? SlaPhase::breached : SlaPhase::met;
    out.push_back(entry(late ? SlaEventKind::stopped : SlaEventKind::met, at, milliseconds{state_.used_ms}));
    return record(std::move(out), timeline);
}

SlaEvents SlaClock::due_events(Timestamp now, SlaTimeline* timeline) {
    SlaEvents out;
    fire_due(now, out);
    return record(std::move(out), timeline);
}

std::optional<Timestamp> SlaClock::next_due() const noexcept {
    if (state_.phase != SlaPhase::running) return std::nullopt;
    if (warning_share() > milliseconds{0} && !(state_.fired & SlaClockState::kFiredWarning)) return state_.warning_at;
    if (!(state_.fired & SlaClockState::kFiredBreach)) return state_.deadline;
    return std::nullopt;
}

milliseconds SlaClock::business_time_used(Timestamp t, const BusinessCalendar& calendar) const {
    milliseconds used{state_.used_ms};
    if (state_.phase == SlaPhase::running) used += calendar.business_time_between(state_.mark, t);
    return used;
}

std::int64_t SlaClock::minutes_used(Timestamp t, const BusinessCalendar& calendar) const {
    return std::chrono::floor<std::chrono::minutes>(business_time_used(t, calendar)).count();
}

std::int64_t SlaClock::minutes_left(Timestamp t, const BusinessCalendar& calendar) const {
    return state_.target_minutes - minutes_used(t, calendar);
}

milliseconds SlaClock::wall_time(Timestamp t) const noexcept {
    switch (state_.phase) {
        case SlaPhase::idle: return milliseconds{0};
        case SlaPhase::met:
        case SlaPhase::breached: return state_.mark - state_.started_at;
        case SlaPhase::running:
        case SlaPhase::paused: break;
    }
    return std::max(t, state_.started_at) - state_.started_at;
}

std::optional<Timestamp> SlaClock::stopped_at() const noexcept {
    if (!stopped()) return std::nullopt;
    return state_.mark;
}

std::optional<Timestamp> SlaClock::deadline() const noexcept {
    if (state_.phase == SlaPhase::running || stopped()) return state_.deadline;
    return std::nullopt;
}

std::optional<Timestamp> SlaClock::warning_at(int threshold_percent, const BusinessCalendar& calendar) const {
    if (state_.phase != SlaPhase::running || threshold_percent < 1 || threshold_percent > 100) return std::nullopt;
    const auto share = target() * threshold_percent / 100;
    const milliseconds used{state_.used_ms};
    if (share <= used) return std::nullopt;
    return calendar.add_business_time(state_.mark, share - used);
}

}  // namespace triage
