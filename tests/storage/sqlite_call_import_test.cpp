// The writer's bulk reads and writes (storage/sqlite_call_import.cpp) answer as their
// one-item counterparts do.
#include "storage/sqlite_store.hpp"

#include <doctest/doctest.h>

using namespace triage;
using namespace std::chrono;

namespace {

const Timestamp kAt = Timestamp{sys_days{year{2026} / 11 / 23}.time_since_epoch()};

CustomerId customer(StoreTx& tx, const std::string& phone) {
    Customer c;
    c.name = "Caller";
    c.identities = {{IdentityKind::phone, phone}};
    c.created_at = kAt;
    return tx.insert_customer(c);
}

Ticket ticket(StoreTx& tx, CustomerId requester, int minute) {
    Ticket t;
    t.subject = "Phone call";
    t.queue = "support";
    t.channel = Channel::phone;
    t.requester_id = requester;
    t.created_at = t.updated_at = kAt + minutes(minute);
    tx.insert_ticket(t);
    return t;
}

MessageId message(StoreTx& tx, TicketId ticket, Channel channel, const std::string& external_id) {
    Message m;
    m.ticket_id = ticket;
    m.channel = channel;
    m.body = "call";
    m.external_id = external_id;
    m.created_at = kAt;
    return tx.insert_message(m);
}

}  // namespace

TEST_CASE("bulk lookups find messages by channel and external id and customers by identity, in the asked order") {
    auto store = SqliteStore::open_in_memory();
    write_sync(*store, [&](StoreTx& tx) {
        auto a = customer(tx, "+358401111111");
        auto b = customer(tx, "+358402222222");
        auto t = ticket(tx, a, 0);
        auto m1 = message(tx, t.id, Channel::phone, "1.1");
        message(tx, t.id, Channel::email, "<1.2@x>");
        message(tx, t.id, Channel::phone, "");

        auto refs = tx.messages_by_external_ids(Channel::phone, {"nope", "1.1", "<1.2@x>", "", "1.1"});
        REQUIRE(refs.size() == 5);
        CHECK_FALSE(refs[0]);
        REQUIRE(refs[1]);
        CHECK(refs[1]->message_id == m1);
        CHECK(refs[1]->ticket_id == t.id);
        CHECK_FALSE(refs[2]);  // another channel's id
        CHECK_FALSE(refs[3]);  // no id is never a match
        REQUIRE(refs[4]);
        CHECK(refs[4]->message_id == m1);
        CHECK(tx.messages_by_external_ids(Channel::phone, {}).empty());

        auto who = tx.customers_by_identities({{IdentityKind::phone, "+358402222222"},
                                               {IdentityKind::email, "+358401111111"},
                                               {IdentityKind::phone, "+358401111111"},
                                               {IdentityKind::phone, "+3584099"}});
        REQUIRE(who.size() == 4);
        CHECK(who[0] == b);
        CHECK_FALSE(who[1]);
        CHECK(who[2] == a);
        CHECK_FALSE(who[3]);
    });
}

TEST_CASE("the recent tickets of many requesters are each one's newest, as a requester's ticket page gives them") {
    auto store = SqliteStore::open_in_memory();
    CustomerId a = 0, b = 0, c = 0;
    write_sync(*store, [&](StoreTx& tx) {
        a = customer(tx, "+358401111111");
        b = customer(tx, "+358402222222");
        c = customer(tx, "+358403333333");
        for (int i = 0; i < 5; ++i) {
            ticket(tx, a, i);
            ticket(tx, b, i);
        }
    });
    write_sync(*store, [&](StoreTx& tx) {
        auto got = tx.recent_tickets_of({a, b, c}, 3);
        for (CustomerId who : {a, b}) {
            TicketQuery q;
            q.requester = who;
            q.limit = 3;
            std::vector<TicketId> expected, found;
            for (const auto& t : tx.tickets(q).tickets) expected.push_back(t.id);
            for (const auto& t : got)
                if (t.requester_id == who) found.push_back(t.id);
            std::sort(found.rbegin(), found.rend());
            CHECK(found == expected);
        }
        CHECK(got.size() == 6);
        CHECK(tx.recent_tickets_of({}, 3).empty());
    });
}

TEST_CASE("touching tickets writes their updated_at only, reports them to the commit observer, and refuses a missing one") {
    auto store = SqliteStore::open_in_memory();
    std::vector<Ticket> seen;
    store->observe_commits([&](CommittedChanges&& changes) {
        seen.insert(seen.end(), changes.tickets.begin(), changes.tickets.end());
    });
    Ticket t;
    write_sync(*store, [&](StoreTx& tx) { t = ticket(tx, customer(tx, "+358401111111"), 0); });
    seen.clear();
    Ticket moved = t;
    moved.updated_at = kAt + hours(5);
    write_sync(*store, [&](StoreTx& tx) { tx.touch_tickets({moved}); });
    auto back = store->reader()->ticket(t.id);
    REQUIRE(back);
    CHECK(back->updated_at == kAt + hours(5));
    CHECK(back->created_at == t.created_at);
    CHECK(back->subject == t.subject);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].updated_at == kAt + hours(5));
    Ticket ghost = t;
    ghost.id = 999;
    CHECK_THROWS(write_sync(*store, [&](StoreTx& tx) { tx.touch_tickets({moved, ghost}); }));
}
