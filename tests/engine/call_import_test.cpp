// The bulk call path (engine/call_import.hpp) against the one-call-at-a-time policy
// (accept_call + Intake): the same calls filed both ways into two stores must leave the same
// customers, tickets, messages and audit events, and give each call the same outcome.
#include "engine/call_import.hpp"
#include "storage/sqlite_store.hpp"
#include "tests/support/result_printer.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace triage;
using namespace std::chrono;

namespace {

const Timestamp kDay = Timestamp{sys_days{year{2026} / 11 / 23}.time_since_epoch()};

struct Desk {
    ManualClock clock{kDay + hours(100)};
    std::unique_ptr<SqliteStore> store = SqliteStore::open_in_memory();
    Intake intake{clock};
};

PhoneCall call(std::string id, std::string number, CallDisposition d, Timestamp at) {
    PhoneCall c;
    c.external_id = std::move(id);
    c.number = std::move(number);
    c.disposition = d;
    c.started_at = at;
    c.duration_s = 42;
    c.line = "600";
    c.caller_name = c.number.empty() ? "" : "Caller " + c.number.substr(c.number.size() - 2);
    c.raw_sha256 = "ab12";
    c.source = "cdr:asterisk";
    return c;
}

// A deterministic mix: 40 callers (two withheld), inbound and outbound, answered and missed,
// support and other lines, over four days, some unique ids twice.
std::vector<PhoneCall> mixed_calls(std::size_t count) {
    std::vector<PhoneCall> calls;
    std::uint64_t x = 12345;
    auto next = [&] {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        return static_cast<std::uint32_t>(x >> 33);
    };
    const CallDisposition dispositions[] = {CallDisposition::answered, CallDisposition::answered, CallDisposition::no_answer,
                                            CallDisposition::busy, CallDisposition::failed, CallDisposition::congestion};
    for (std::size_t i = 0; i < count; ++i) {
        const auto who = next() % 40;
        std::string number = who < 2 ? "" : fmt::format("+3584012345{:02}", who);
        auto c = call(fmt::format("{}.{}", 1710140000 + i, i), number, dispositions[next() % 6],
                      kDay + minutes(static_cast<int>(i * 11 % (4 * 24 * 60))) + seconds(static_cast<int>(i)));
        if (next() % 7 == 0) c.direction = CallDirection::outbound;
        if (next() % 9 == 0) c.to_support_line = false;
        if (next() % 13 == 0 && i > 0) c.external_id = calls[next() % calls.size()].external_id;  // a repeated id
        calls.push_back(std::move(c));
    }
    return calls;
}

// Callers with history: an open ticket, a pending one, one on hold, a solved and a closed
// one, and a caller whose open ticket is older than their 50 newest (closed) tickets.
void seed(Desk& d) {
    write_sync(*d.store, [&](StoreTx& tx) {
        auto ticket_for = [&](const std::string& number, TicketStatus status, Timestamp at, bool call_back) {
            auto c = call("", number, call_back ? CallDisposition::no_answer : CallDisposition::answered, at);
            c.always_open_ticket = true;
            auto out = accept_call(d.intake, tx, c);
            if (!out || !out->intake) throw std::runtime_error("seed call not filed");
            Ticket t = out->intake->ticket;
            t.status = status;
            tx.update_ticket(t);
        };
        ticket_for("+358401234503", TicketStatus::open, kDay - hours(30), false);
        ticket_for("+358401234504", TicketStatus::pending, kDay - hours(30), false);
        ticket_for("+358401234505", TicketStatus::on_hold, kDay - hours(30), false);
        ticket_for("+358401234506", TicketStatus::solved, kDay - hours(30), false);
        ticket_for("+358401234507", TicketStatus::closed, kDay - hours(30), false);
        ticket_for("+358401234508", TicketStatus::open, kDay + hours(1), true);  // a call-back ticket that day
        ticket_for("+358401234509", TicketStatus::open, kDay - hours(300), false);
        for (int i = 0; i < 52; ++i) ticket_for("+358401234509", TicketStatus::closed, kDay - hours(200), false);
    });
}

std::string outcome_text(const Result<CallOutcome>& r) {
    REQUIRE(r);
    if (!r->intake) return "skipped: " + r->skipped;
    const auto& in = *r->intake;
    if (in.duplicate) return fmt::format("duplicate {}", in.ticket.id);
    return fmt::format("filed {} created={} call_back={} {}", in.ticket.id, in.created, r->call_back, in.threaded_by);
}

std::string outcome_text(const FiledCall& f) {
    switch (f.result) {
        case FiledCall::Result::skipped: return "skipped: " + f.note;
        case FiledCall::Result::duplicate: return fmt::format("duplicate {}", f.ticket_id);
        case FiledCall::Result::filed: break;
    }
    return fmt::format("filed {} created={} call_back={} {}", f.ticket_id, f.created, f.call_back, f.note);
}

// Everything the desk shows of the store, as text.
std::string dump(Store& store) {
    auto r = store.reader();
    std::string out;
    for (TicketId id = 1;; ++id) {
        auto t = r->ticket(id);
        if (!t) break;
        out += fmt::format("T-{} '{}' {} {} q={} c={} tags={} lang={} req={} created={} updated={} reopen={}\n", t->id,
                           t->subject, to_string(t->status), to_string(t->channel), t->queue, t->category,
                           fmt::join(t->tags, ","), t->language, t->requester_id,
                           t->created_at.time_since_epoch().count(), t->updated_at.time_since_epoch().count(),
                           t->reopen_count);
        for (const auto& m : r->messages(id))
            out += fmt::format("  M-{} {} {} by {} '{}' ext={} raw={} at={}\n  {}\n", m.id, to_string(m.kind),
                               to_string(m.channel), m.author_id, m.author_name, m.external_id, m.raw_sha256,
                               m.created_at.time_since_epoch().count(), m.body);
        for (const auto& e : r->events(id)) {
            out += fmt::format("  E-{} {} {} '{}' at={}", e.id, e.type, e.actor, e.detail, e.at.time_since_epoch().count());
            for (const auto& c : e.changes) out += fmt::format(" {}:{}->{}", c.field, c.before, c.after);
            out += "\n";
        }
    }
    for (CustomerId id = 1;; ++id) {
        auto c = r->customer(id);
        if (!c) break;
        out += fmt::format("C-{} '{}' lang={} at={}", c->id, c->name, c->preferred_language,
                           c->created_at.time_since_epoch().count());
        for (const auto& i : c->identities) out += fmt::format(" {}:{}", to_string(i.kind), i.value);
        out += "\n";
    }
    return out;
}

std::vector<std::string> file_one_by_one(Desk& d, const std::vector<PhoneCall>& calls) {
    std::vector<std::string> out;
    for (const auto& c : calls)
        out.push_back(outcome_text(write_sync(*d.store, [&](StoreTx& tx) { return accept_call(d.intake, tx, c); })));
    return out;
}

// With a cache, kept across the chunks as import_cdr keeps it, and the enquiries made
// beforehand as import_cdr makes them.
std::vector<std::string> file_in_chunks(Desk& d, const std::vector<PhoneCall>& calls, std::size_t chunk,
                                        CallImportCache* cache = nullptr) {
    std::vector<std::string> out;
    for (std::size_t first = 0; first < calls.size(); first += chunk) {
        auto part = std::span(calls).subspan(first, std::min(chunk, calls.size() - first));
        std::vector<Enquiry> enquiries;
        if (cache)
            for (const auto& c : part) enquiries.push_back(enquiry_of(c));
        auto filed = write_sync(*d.store, [&](StoreTx& tx) {
            return file_calls(tx, part, CallImportSettings{"support", d.clock.system_now()}, cache, enquiries);
        });
        for (const auto& f : filed) out.push_back(outcome_text(f));
    }
    return out;
}

}  // namespace

TEST_CASE("filing calls in chunks leaves the same tickets, messages and events as filing them one by one") {
    const auto calls = mixed_calls(600);
    for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{100}, std::size_t{600}}) {
        CAPTURE(chunk);
        Desk one, bulk;
        seed(one);
        seed(bulk);
        REQUIRE(dump(*one.store) == dump(*bulk.store));
        auto expected = file_one_by_one(one, calls);
        auto got = file_in_chunks(bulk, calls, chunk);
        REQUIRE(got.size() == expected.size());
        for (std::size_t i = 0; i < got.size(); ++i) {
            CAPTURE(i);
            CHECK(got[i] == expected[i]);
        }
        CHECK(dump(*bulk.store) == dump(*one.store));
        // A second import of the same calls files nothing.
        auto again = file_in_chunks(bulk, calls, chunk);
        for (std::size_t i = 0; i < again.size(); ++i)
            if (got[i].starts_with("filed") || got[i].starts_with("duplicate"))
                CHECK(again[i].starts_with("duplicate"));
        CHECK(dump(*bulk.store) == dump(*one.store));
    }
}

TEST_CASE("chunks that keep what they read in a cache file the same as one by one") {
    const auto calls = mixed_calls(600);
    for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{100}}) {
        CAPTURE(chunk);
        Desk one, bulk;
        seed(one);
        seed(bulk);
        auto expected = file_one_by_one(one, calls);
        CallImportCache cache;
        auto got = file_in_chunks(bulk, calls, chunk, &cache);
        REQUIRE(got.size() == expected.size());
        for (std::size_t i = 0; i < got.size(); ++i) {
            CAPTURE(i);
            CHECK(got[i] == expected[i]);
        }
        CHECK(dump(*bulk.store) == dump(*one.store));
        CallImportCache again_cache;
        auto again = file_in_chunks(bulk, calls, chunk, &again_cache);
        for (std::size_t i = 0; i < again.size(); ++i)
            if (got[i].starts_with("filed") || got[i].starts_with("duplicate"))
                CHECK(again[i].starts_with("duplicate"));
        CHECK(dump(*bulk.store) == dump(*one.store));
    }
}

TEST_CASE("a cache of callers' tickets is read afresh once anything else has written") {
    Desk d;
    CallImportCache cache;
    const auto number = std::string("+358401111111");
    auto file = [&](const PhoneCall& c) {
        return write_sync(*d.store, [&](StoreTx& tx) {
            return file_calls(tx, std::span(&c, 1), CallImportSettings{"support", d.clock.system_now()}, &cache);
        }).at(0);
    };
    const auto first = file(call("1", number, CallDisposition::answered, kDay + hours(9)));
    REQUIRE(first.created);
    // Straight after: the cached ticket is still open, so the next call goes onto it.
    CHECK(file(call("2", number, CallDisposition::answered, kDay + hours(10))).ticket_id == first.ticket_id);

    // Another unit closes the ticket: the cache must not file the next call onto it.
    write_sync(*d.store, [&](StoreTx& tx) {
        auto t = tx.ticket(first.ticket_id);
        REQUIRE(t);
        t->status = TicketStatus::closed;
        tx.update_ticket(*t);
    });
    const auto third = file(call("3", number, CallDisposition::answered, kDay + hours(11)));
    CHECK(third.created);
    CHECK(third.ticket_id != first.ticket_id);

    // A chunk that fails leaves nothing behind in the cache: its ticket was never written.
    CHECK_THROWS(write_sync(*d.store, [&](StoreTx& tx) {
        auto out = file_calls(tx, std::vector{call("4", "+358402222222", CallDisposition::answered, kDay + hours(12))},
                              CallImportSettings{"support", d.clock.system_now()}, &cache);
        REQUIRE(out.at(0).created);
        throw std::runtime_error("the unit fails after filing");
        return out;
    }));
    const auto fifth = file(call("5", "+358402222222", CallDisposition::answered, kDay + hours(13)));
    CHECK(fifth.created);
    CHECK(d.store->reader()->ticket(fifth.ticket_id));
    CHECK(d.store->reader()->messages(fifth.ticket_id).size() == 1);
}

TEST_CASE("the chunk policy: one call-back ticket per caller per day, answered calls on the open ticket") {
    Desk d;
    const std::vector<PhoneCall> calls{
        call("1", "+358401111111", CallDisposition::no_answer, kDay + hours(9)),
        call("2", "+358401111111", CallDisposition::busy, kDay + hours(10)),
        call("3", "+358401111111", CallDisposition::answered, kDay + hours(11)),
        call("4", "+358401111111", CallDisposition::failed, kDay + hours(33)),
        call("5", "", CallDisposition::no_answer, kDay + hours(9)),
    };
    auto out = write_sync(*d.store, [&](StoreTx& tx) {
        return file_calls(tx, calls, CallImportSettings{"support", d.clock.system_now()});
    });
    REQUIRE(out.size() == 5);
    CHECK(out[0].created);
    CHECK(out[0].call_back);
    CHECK(out[1].ticket_id == out[0].ticket_id);
    CHECK_FALSE(out[1].created);
    CHECK(out[2].ticket_id == out[0].ticket_id);  // answered: onto the open call-back ticket
    CHECK(out[3].created);                        // the next day: a call-back ticket of its own
    CHECK(out[3].ticket_id != out[0].ticket_id);
    CHECK(out[4].result == FiledCall::Result::skipped);
    CHECK(out[4].note.find("withheld") != std::string::npos);
    auto t = d.store->reader()->ticket(out[0].ticket_id);
    REQUIRE(t);
    CHECK(t->tags == std::vector<std::string>{"call-back"});
    CHECK(d.store->reader()->messages(out[0].ticket_id).size() == 3);
}

TEST_CASE("missed calls of one day out of time order (rows written as calls end) make one call-back ticket") {
    Desk d;
    const std::vector<PhoneCall> calls{
        call("1", "+358401111112", CallDisposition::no_answer, kDay + hours(13)),
        call("2", "+358401111112", CallDisposition::busy, kDay + hours(8)),  // earlier, written later
    };
    auto out = write_sync(*d.store, [&](StoreTx& tx) {
        return file_calls(tx, calls, CallImportSettings{"support", d.clock.system_now()});
    });
    REQUIRE(out.size() == 2);
    CHECK(out[0].created);
    CHECK(out[1].ticket_id == out[0].ticket_id);
    CHECK_FALSE(out[1].created);
    // One call at a time (accept_call, as POST /api/v1/calls and the spool's single calls file) decides alike.
    Desk single;
    auto first = write_sync(*single.store, [&](StoreTx& tx) { return accept_call(single.intake, tx, calls[0]); });
    auto second = write_sync(*single.store, [&](StoreTx& tx) { return accept_call(single.intake, tx, calls[1]); });
    REQUIRE(first);
    REQUIRE(second);
    REQUIRE(first->intake);
    REQUIRE(second->intake);
    CHECK(second->intake->ticket.id == first->intake->ticket.id);
}
