#include "storage/sqlite_store.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

using namespace triage;
namespace fs = std::filesystem;

namespace {

Timestamp at_ms(std::int64_t ms) { return Timestamp{std::chrono::milliseconds{ms}}; }

TicketId a_ticket(StoreTx& tx) {
    Customer c;
    c.name = "Liisa";
    c.identities = {{IdentityKind::email, "liisa@example.fi"}};
    c.created_at = at_ms(1);
    tx.insert_customer(c);
    Ticket t;
    t.subject = "Lasku";
    t.requester_id = c.id;
    t.channel = Channel::email;
    t.created_at = t.updated_at = at_ms(1);
    return tx.insert_ticket(t);
}

OutboundMail a_mail(TicketId ticket, OutboundKind kind, std::string id, std::int64_t created_ms) {
    OutboundMail m;
    m.ticket_id = ticket;
    m.kind = kind;
    m.rfc_message_id = std::move(id);
    m.from_address = "support@triage.test";
    m.to_address = "liisa@example.fi";
    m.subject = "[T-1] Vastaanotettu: Lasku";
    m.body = "Kiitos viestistäsi.";
    m.in_reply_to = "<c@example.fi>";
    m.references = {"<a@example.fi>", "<c@example.fi>"};
    m.created_at = m.next_attempt_at = at_ms(created_ms);
    return m;
}

}  // namespace

TEST_CASE("the outbox keeps unsent mail across a reopen of the database, soonest first, and counts acknowledgements per address") {
    const fs::path dir = fs::temp_directory_path() / ("triage-outbox-test-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    {
        auto store = SqliteStore::open(dir / "t.db", {.durable = false});
        write_sync(*store, [](StoreTx& tx) {
            auto ticket = a_ticket(tx);
            auto ack = a_mail(ticket, OutboundKind::acknowledgement, "<ack@t>", 1'000);
            auto reply = a_mail(ticket, OutboundKind::reply, "<reply@t>", 500);
            tx.insert_outbound(ack);
            tx.insert_outbound(reply);
            auto again = a_mail(ticket, OutboundKind::reply, "<reply@t>", 600);
            CHECK_THROWS(tx.insert_outbound(again));  // one row per Message-ID
        });
    }
    auto store = SqliteStore::open(dir / "t.db", {.durable = false});
    auto unsent = store->reader()->outbound_unsent(10);
    REQUIRE(unsent.size() == 2);
    CHECK(unsent[0].rfc_message_id == "<reply@t>");
    CHECK(unsent[1].references == std::vector<std::string>{"<a@example.fi>", "<c@example.fi>"});
    CHECK(unsent[1].body == "Kiitos viestistäsi.");
    CHECK(store->reader()->acknowledgements_since("liisa@example.fi", at_ms(1'000)) == 1);
    CHECK(store->reader()->acknowledgements_since("liisa@example.fi", at_ms(1'001)) == 0);

    write_sync(*store, [&](StoreTx& tx) {
        auto sent = unsent[0];
        sent.state = OutboundState::sent;
        sent.attempts = 1;
        sent.sent_at = at_ms(2'000);
        tx.update_outbound(sent);
        auto sending = unsent[1];
        sending.state = OutboundState::sending;
        tx.update_outbound(sending);
        tx.flag_identity({{IdentityKind::email, "liisa@example.fi"}, "bouncing", at_ms(3'000), "550 5.1.1"});
        tx.flag_identity({{IdentityKind::email, "liisa@example.fi"}, "bouncing", at_ms(4'000), "again"});
    });
    auto reader = store->reader();
    unsent = reader->outbound_unsent(10);
    REQUIRE(unsent.size() == 1);  // `sending` is still unsent: the relay's answer was not recorded
    CHECK(unsent[0].state == OutboundState::sending);
    auto all = reader->outbound_for_ticket(1);
    REQUIRE(all.size() == 2);
    CHECK(all[1].state == OutboundState::sent);
    CHECK(all[1].sent_at == at_ms(2'000));
    auto customer = reader->customer(1);
    REQUIRE(customer->flags.size() == 1);
    CHECK(customer->flags[0].detail == "again");
    reader.reset();
    store.reset();
    fs::remove_all(dir);
}
