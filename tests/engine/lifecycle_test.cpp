#include "engine/lifecycle.hpp"

#include "tests/support/result_printer.hpp"

#include <doctest/doctest.h>

using namespace triage;
using S = TicketStatus;

namespace {
const Timestamp kNow = Timestamp{std::chrono::sys_days{std::chrono::year{2026} / 11 / 23}.time_since_epoch()};
}

TEST_CASE("the lifecycle table allows exactly the documented transitions") {
    struct Row {
        S from, to;
        bool allowed;
    };
    const Row rows[] = {
        {S::new_, S::open, true},      {S::new_, S::pending, true},    {S::new_, S::on_hold, true},
        {S::new_, S::solved, true},    {S::new_, S::closed, false},    {S::open, S::new_, false},
        {S::open, S::pending, true},   {S::open, S::on_hold, true},    {S::open, S::solved, true},
        {S::open, S::closed, false},   {S::pending, S::open, true},    {S::pending, S::on_hold, true},
        {S::pending, S::solved, true}, {S::pending, S::new_, false},   {S::on_hold, S::open, true},
        {S::on_hold, S::pending, true}, {S::on_hold, S::solved, true}, {S::on_hold, S::closed, false},
        {S::solved, S::open, true},    {S::solved, S::pending, true},  {S::solved, S::on_hold, true},
        {S::solved, S::closed, true},  {S::solved, S::new_, false},    {S::closed, S::open, false},
        {S::closed, S::solved, false}, {S::closed, S::new_, false},    {S::closed, S::pending, false},
    };
    for (const auto& r : rows) {
        CAPTURE(to_string(r.from));
        CAPTURE(to_string(r.to));
        CHECK(can_transition(r.from, r.to) == r.allowed);
    }
}

TEST_CASE("an invalid transition is an error naming both statuses and leaves the ticket alone") {
    Ticket t;
    t.status = S::closed;
    auto r = apply_transition(t, S::open, kNow);
    REQUIRE(r.has_error());
    CHECK(r.error().code == errc::invalid_transition);
    CHECK(r.error().message.find("closed") != std::string::npos);
    CHECK(r.error().field == "status");
    CHECK(t.status == S::closed);
}

TEST_CASE("solving stamps solved_at and reopening clears it and counts the reopen") {
    Ticket t;
    t.status = S::open;
    REQUIRE(apply_transition(t, S::solved, kNow));
    CHECK(t.solved_at == kNow);
    REQUIRE(apply_transition(t, S::open, kNow + std::chrono::hours(1)));
    CHECK_FALSE(t.solved_at.has_value());
    CHECK(t.reopen_count == 1);
    REQUIRE(apply_transition(t, S::solved, kNow + std::chrono::hours(2)));
    REQUIRE(apply_transition(t, S::closed, kNow + std::chrono::hours(3)));
    CHECK(t.closed_at == kNow + std::chrono::hours(3));
    CHECK(t.reopen_count == 1);
}

TEST_CASE("setting the current status again is a no-op") {
    Ticket t;
    t.status = S::pending;
    t.updated_at = kNow;
    REQUIRE(apply_transition(t, S::pending, kNow + std::chrono::hours(1)));
    CHECK(t.updated_at == kNow);
}
