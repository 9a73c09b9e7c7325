#include "escalation/sla_clock.hpp"

#include "engine/clock.hpp"
#include "engine/time_format.hpp"
#include "tests/support/result_printer.hpp"

#include "tests/support/time_literals.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace triage;
using namespace std::chrono;
using triage::test::at;
using triage::test::iso;

namespace {


// Helsinki, mon-fri 08:00-16:00 (06:00-14:00Z in winter), closed 24-25 December 2026.
const BusinessCalendar& helsinki() {
    static const BusinessCalendar calendar = [] {
        auto made = BusinessCalendar::make("fi", "Europe/Helsinki", *parse_hours_spec("mon-fri 08:00-16:00"),
                                           *parse_holidays("2026-12-24,2026-12-25"));
        REQUIRE(made);
        return *made;
    }();
    return calendar;
}

// "kind@time used/left", to compare whole timelines at a glance.
std::string line(const SlaEvent& e) {
    return std::string(to_string(e.kind)) + "@" + iso(e.at) + " " + std::to_string(e.business_minutes_used) + "/" +
           std::to_string(e.business_minutes_left);
}

std::vector<std::string> lines(const SlaTimeline& timeline) {
    std::vector<std::string> out;
    for (const auto& e : timeline) out.push_back(line(e));
    return out;
}

std::vector<std::string> lines(const SlaEvents& events) { return lines(SlaTimeline(events.begin(), events.end())); }

}  // namespace

TEST_CASE("the clock state of one SLA target stays compact") {
    MESSAGE("sizeof(SlaClockState) = " << sizeof(SlaClockState) << ", sizeof(SlaClock) = " << sizeof(SlaClock));
    CHECK(sizeof(SlaClock) == sizeof(SlaClockState));
    CHECK(sizeof(SlaClockState) <= 48);  // 10 million targets in under 0.5 GiB
}

TEST_CASE("a first response clock started before Christmas is due on Monday morning and warns at 80 %") {
    ManualClock clock{at("2026-12-23T15:30:00+02:00")};
    SlaClock sla;
    SlaTimeline timeline;
    sla.start(clock.system_now(), 240, 80, helsinki(), &timeline);
    CHECK(sla.phase() == SlaPhase::running);
    // 240 minutes: 30 on Wednesday, then Monday 08:00 + 210 = 11:30 local = 09:30Z.
    CHECK(iso(sla.deadline()) == "2026-12-28T09:30:00Z");
    // 80 % = 192 minutes: 30 on Wednesday, then Monday 08:00 + 162 = 10:42 local = 08:42Z.
    CHECK(iso(sla.next_due()) == "2026-12-28T08:42:00Z");
    CHECK(iso(sla.warning_at(50, helsinki())) == "2026-12-28T07:30:00Z");  // 120: Monday 09:30 local

    clock.set(at("2026-12-24T12:00:00Z"));  // Christmas Eve: nothing passes
    CHECK(sla.minutes_used(clock.system_now(), helsinki()) == 30);
    CHECK(sla.minutes_left(clock.system_now(), helsinki()) == 210);
    CHECK(sla.due_events(clock.system_now(), &timeline).empty());

    clock.set(at("2026-12-28T09:00:00Z"));
    CHECK(lines(sla.due_events(clock.system_now(), &timeline)) ==
          std::vector<std::string>{"warned@2026-12-28T08:42:00Z 192/48"});
    CHECK(sla.due_events(clock.system_now(), &timeline).empty());
    CHECK(iso(sla.next_due()) == "2026-12-28T09:30:00Z");

    clock.set(at("2026-12-28T09:15:00Z"));  // the first reply, 15 minutes early
    CHECK(lines(sla.stop(clock.system_now(), helsinki(), &timeline)) ==
          std::vector<std::string>{"met@2026-12-28T09:15:00Z 225/15"});
    CHECK(sla.phase() == SlaPhase::met);
    CHECK_FALSE(sla.next_due());
    // Recorded in business and in wall time: 225 business minutes, 4 days 19 h 45 min on the wall.
    CHECK(sla.minutes_used(at("2027-01-10T00:00:00Z"), helsinki()) == 225);
    CHECK(sla.wall_time(at("2027-01-10T00:00:00Z")) == days{4} + hours{19} + minutes{45});
    CHECK(iso(sla.stopped_at()) == "2026-12-28T09:15:00Z");
    CHECK(lines(timeline) == std::vector<std::string>{
                                 "started@2026-12-23T13:30:00Z 0/240",
                                 "warned@2026-12-28T08:42:00Z 192/48",
                                 "met@2026-12-28T09:15:00Z 225/15",
                             });
}

TEST_CASE("the clock pauses while the ticket is pending and resumes with the rest of its minutes") {
    SlaClock sla;
    SlaTimeline timeline;
    // Mon 2026-11-23 08:00 local (06:00Z), a resolution target of 240 minutes.
    sla.start(at("2026-11-23T06:00:00Z"), 240, 0, helsinki(), &timeline);
    CHECK(iso(sla.deadline()) == "2026-11-23T10:00:00Z");

    // 09:00 local: waiting for the customer, 60 minutes used.
    sla.pause(at("2026-11-23T07:00:00Z"), helsinki(), &timeline);
    CHECK(sla.phase() == SlaPhase::paused);
    CHECK_FALSE(sla.deadline());
    CHECK_FALSE(sla.next_due());
    CHECK(sla.minutes_used(at("2026-11-24T12:00:00Z"), helsinki()) == 60);
    CHECK(sla.due_events(at("2026-11-30T00:00:00Z"), &timeline).empty());         // nothing falls due while paused
    CHECK(sla.pause(at("2026-11-23T09:00:00Z"), helsinki(), &timeline).empty());  // pending -> on_hold

    // The customer answers Tue 10:00 local (08:00Z): 180 left, due Tue 13:00 local = 11:00Z.
    sla.resume(at("2026-11-24T08:00:00Z"), helsinki(), &timeline);
    CHECK(iso(sla.deadline()) == "2026-11-24T11:00:00Z");
    CHECK(sla.minutes_left(at("2026-11-24T09:00:00Z"), helsinki()) == 120);
    CHECK(sla.resume(at("2026-11-24T08:30:00Z"), helsinki(), &timeline).empty());  // already running

    // Paused again on Tuesday, resumed on Saturday: counting restarts on Monday.
    sla.pause(at("2026-11-24T09:00:00Z"), helsinki(), &timeline);   // Tue 11:00 local, 120 used
    sla.resume(at("2026-11-28T10:00:00Z"), helsinki(), &timeline);  // Saturday
    CHECK(iso(sla.deadline()) == "2026-11-30T08:00:00Z");           // Mon 08:00 + 120 = 10:00 local

    sla.stop(at("2026-11-30T07:00:00Z"), helsinki(), &timeline);
    CHECK(lines(timeline) == std::vector<std::string>{
                                 "started@2026-11-23T06:00:00Z 0/240",
                                 "paused@2026-11-23T07:00:00Z 60/180",
                                 "resumed@2026-11-24T08:00:00Z 60/180",
                                 "paused@2026-11-24T09:00:00Z 120/120",
                                 "resumed@2026-11-28T10:00:00Z 120/120",
                                 "met@2026-11-30T07:00:00Z 180/60",
                             });
    CHECK(sla.stop(at("2026-11-30T08:00:00Z"), helsinki(), &timeline).empty());  // stopped once
}

TEST_CASE("a breach is reported at the deadline, before a later pause, and a late stop says so") {
    SlaClock sla;
    SlaTimeline timeline;
    sla.start(at("2026-11-23T06:00:00Z"), 60, 50, helsinki(), &timeline);  // due 07:00Z, warn 06:30Z
    // Nobody looked until the ticket was put on hold at 09:00Z: the warning and the breach come
    // first, at their own instants.
    CHECK(lines(sla.pause(at("2026-11-23T09:00:00Z"), helsinki(), &timeline)) ==
          std::vector<std::string>{
              "warned@2026-11-23T06:30:00Z 30/30",
              "breached@2026-11-23T07:00:00Z 60/0",
              "paused@2026-11-23T09:00:00Z 180/-120",
          });
    // Resuming an overdue clock keeps the deadline it missed.
    sla.resume(at("2026-11-23T10:00:00Z"), helsinki(), &timeline);
    CHECK(iso(sla.deadline()) == "2026-11-23T07:00:00Z");
    CHECK(sla.due_events(at("2026-11-23T11:00:00Z"), &timeline).empty());
    CHECK(lines(sla.stop(at("2026-11-23T11:00:00Z"), helsinki(), &timeline)) ==
          std::vector<std::string>{"stopped@2026-11-23T11:00:00Z 240/-180"});
    CHECK(sla.phase() == SlaPhase::breached);
    CHECK(sla.minutes_left(at("2026-11-23T12:00:00Z"), helsinki()) == -180);
}

TEST_CASE("due events fire exactly once across a scheduler restart") {
    SlaClock before_restart;
    before_restart.start(at("2026-11-23T06:00:00Z"), 120, 75, helsinki());  // warn 07:30Z, due 08:00Z
    const SlaClockState stored = before_restart.state();                    // persisted at start

    SUBCASE("the scheduler was down past the deadline: both fire once after the restart") {
        SlaClock after_restart{stored};
        auto events = after_restart.due_events(at("2026-11-23T12:00:00Z"));
        CHECK(lines(events) == std::vector<std::string>{
                                   "warned@2026-11-23T07:30:00Z 90/30",
                                   "breached@2026-11-23T08:00:00Z 120/0",
                               });
        CHECK(after_restart.due_events(at("2026-11-23T12:00:01Z")).empty());
        SlaClock second_restart{after_restart.state()};  // the state saved after firing
        CHECK(second_restart.due_events(at("2026-11-23T13:00:00Z")).empty());
        CHECK_FALSE(second_restart.next_due());
    }
    SUBCASE("the warning fired before the restart and only the breach fires after it") {
        CHECK(lines(before_restart.due_events(at("2026-11-23T07:45:00Z"))) ==
              std::vector<std::string>{"warned@2026-11-23T07:30:00Z 90/30"});
        SlaClock after_restart{before_restart.state()};
        CHECK(after_restart.state() == before_restart.state());
        CHECK(iso(after_restart.next_due()) == "2026-11-23T08:00:00Z");
        CHECK(lines(after_restart.due_events(at("2026-11-23T08:00:00Z"))) ==
              std::vector<std::string>{"breached@2026-11-23T08:00:00Z 120/0"});
        CHECK(after_restart.due_events(at("2026-11-23T09:00:00Z")).empty());
    }
}

TEST_CASE("clock operations out of order or back in time change nothing harmful") {
    SlaClock idle;
    CHECK(idle.pause(at("2026-11-23T06:00:00Z"), helsinki()).empty());
    CHECK(idle.stop(at("2026-11-23T06:00:00Z"), helsinki()).empty());
    CHECK(idle.due_events(at("2026-11-23T06:00:00Z")).empty());
    CHECK_FALSE(idle.deadline());
    CHECK(idle.start(at("2026-11-23T06:00:00Z"), 0, 80, helsinki()).empty());  // no target, no SLA
    CHECK(idle.phase() == SlaPhase::idle);

    SlaClock sla;
    sla.start(at("2026-11-23T08:00:00Z"), 60, 80, helsinki());
    CHECK(sla.start(at("2026-11-23T08:05:00Z"), 60, 80, helsinki()).empty());  // started once
    // A pause stamped before the start (a clock stepping back) counts as at the start.
    CHECK(lines(sla.pause(at("2026-11-23T07:00:00Z"), helsinki())) ==
          std::vector<std::string>{"paused@2026-11-23T08:00:00Z 0/60"});
    // A paused clock can be stopped: the ticket was solved while waiting on the customer.
    CHECK(lines(sla.stop(at("2026-11-25T08:00:00Z"), helsinki())) ==
          std::vector<std::string>{"met@2026-11-25T08:00:00Z 0/60"});
    CHECK(sla.wall_time(at("2026-12-01T00:00:00Z")) == hours{48});
}
