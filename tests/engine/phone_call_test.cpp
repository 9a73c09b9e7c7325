#include "engine/phone_call.hpp"
#include "storage/sqlite_store.hpp"

#include "tests/support/result_printer.hpp"

#include <doctest/doctest.h>

using namespace triage;
using namespace std::chrono;

namespace {

const Timestamp kDay = Timestamp{sys_days{year{2026} / 11 / 23}.time_since_epoch()};

struct Fixture {
    ManualClock clock{kDay + hours(20)};
    std::unique_ptr<SqliteStore> store = SqliteStore::open_in_memory();
    Intake intake{clock};

    Result<CallOutcome> file(const PhoneCall& c) {
        return write_sync(*store, [&](StoreTx& tx) { return accept_call(intake, tx, c); });
    }
};

PhoneCall call(std::string id, CallDisposition d, Timestamp at, std::string number = "+358401234567") {
    PhoneCall c;
    c.external_id = std::move(id);
    c.number = std::move(number);
    c.disposition = d;
    c.started_at = at;
    c.duration_s = 30;
    c.line = "600";
    return c;
}

}  // namespace

TEST_CASE("missed calls from one caller open one call-back ticket a day") {
    Fixture f;
    auto first = f.file(call("a", CallDisposition::no_answer, kDay + hours(9)));
    REQUIRE(first);
    REQUIRE(first->intake);
    CHECK(first->intake->created);
    CHECK(first->intake->ticket.channel == Channel::phone);
    CHECK(first->intake->ticket.tags == std::vector<std::string>{"call-back"});
    auto second = f.file(call("b", CallDisposition::busy, kDay + hours(11)));
    REQUIRE(second->intake);
    CHECK_FALSE(second->intake->created);
    CHECK(second->intake->ticket.id == first->intake->ticket.id);
    auto next_day = f.file(call("c", CallDisposition::failed, kDay + hours(33)));
    REQUIRE(next_day->intake);
    CHECK(next_day->intake->created);
    CHECK(next_day->intake->ticket.id != first->intake->ticket.id);
}

TEST_CASE("call-backs are counted per day of the PBX's calendar, not of UTC's") {
    Fixture f;
    auto helsinki = [](PhoneCall c) {  // UTC+2 in November
        c.utc_offset = hours(2);
        return c;
    };
    // 21:30 UTC is 23:30 in Helsinki on the 23rd; 22:30 UTC is already 00:30 on the 24th.
    auto late = f.file(helsinki(call("a", CallDisposition::no_answer, kDay + hours(21) + minutes(30))));
    auto after_midnight = f.file(helsinki(call("b", CallDisposition::no_answer, kDay + hours(22) + minutes(30))));
    auto next_morning = f.file(helsinki(call("c", CallDisposition::busy, kDay + hours(33))));
    REQUIRE(late->intake);
    REQUIRE(after_midnight->intake);
    REQUIRE(next_morning->intake);
    CHECK(after_midnight->intake->created);  // the same UTC day, another Helsinki day
    CHECK(after_midnight->intake->ticket.id != late->intake->ticket.id);
    CHECK_FALSE(next_morning->intake->created);  // another UTC day, the same Helsinki day
    CHECK(next_morning->intake->ticket.id == after_midnight->intake->ticket.id);
}

TEST_CASE("an answered call goes onto the caller's open ticket, and opens one when there is none") {
    Fixture f;
    auto missed = f.file(call("a", CallDisposition::no_answer, kDay + hours(9)));
    auto answered = f.file(call("b", CallDisposition::answered, kDay + hours(10)));
    REQUIRE(answered->intake);
    CHECK(answered->intake->ticket.id == missed->intake->ticket.id);
    auto stranger = f.file(call("c", CallDisposition::answered, kDay + hours(10), "+37251234567"));
    REQUIRE(stranger->intake);
    CHECK(stranger->intake->created);
    CHECK(stranger->intake->customer_id != missed->intake->customer_id);
}

TEST_CASE("the same call filed twice is one message, and a missed call from a withheld number files nothing") {
    Fixture f;
    auto once = f.file(call("a", CallDisposition::answered, kDay + hours(9)));
    auto twice = f.file(call("a", CallDisposition::answered, kDay + hours(9)));
    REQUIRE(twice->intake);
    CHECK(twice->intake->duplicate);
    CHECK(twice->intake->ticket.id == once->intake->ticket.id);
    auto withheld = f.file(call("w", CallDisposition::no_answer, kDay + hours(9), ""));
    REQUIRE(withheld);
    CHECK_FALSE(withheld->intake);
    CHECK(withheld->skipped.find("withheld") != std::string::npos);
}

TEST_CASE("a missed call to a line that is not support opens no call-back ticket") {
    Fixture f;
    auto c = call("a", CallDisposition::no_answer, kDay + hours(9));
    c.to_support_line = false;
    auto out = f.file(c);
    REQUIRE(out);
    CHECK_FALSE(out->intake);
}

TEST_CASE("an agent's logged call with a ticket id is added to that ticket, without one it opens a ticket") {
    Fixture f;
    auto c = call("", CallDisposition::answered, kDay + hours(9));
    c.always_open_ticket = true;
    auto first = f.file(c);
    auto second = f.file(c);
    REQUIRE(first->intake);
    REQUIRE(second->intake);
    CHECK(second->intake->ticket.id != first->intake->ticket.id);
    c.ticket_id = first->intake->ticket.id;
    auto onto = f.file(c);
    CHECK(onto->intake->ticket.id == first->intake->ticket.id);
    c.ticket_id = 999;
    auto missing = f.file(c);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == errc::not_found);
}
