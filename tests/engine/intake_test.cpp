#include "engine/intake.hpp"
#include "engine/ticket_desk.hpp"
#include "storage/sqlite_store.hpp"

#include "tests/support/result_printer.hpp"

#include <doctest/doctest.h>

using namespace triage;
using namespace std::chrono;

namespace {

const Timestamp kStart = Timestamp{sys_days{year{2026} / 11 / 23}.time_since_epoch()} + hours(8);

struct Fixture {
    ManualClock clock{kStart};
    std::unique_ptr<SqliteStore> store = SqliteStore::open_in_memory();
    Intake intake{clock};
    TicketDesk desk{clock};
    Actor agent;

    Fixture() {
        Agent a;
        a.name = "Aino Virtanen";
        a.email = "aino@triage.example";
        auto id = write_sync(*store, [&](StoreTx& tx) { return tx.upsert_agent(a); });
        agent = Actor{"agent:" + std::to_string(id), a.name, id};
    }

    Result<IntakeOutcome> accept(const Enquiry& e) {
        return write_sync(*store, [&](StoreTx& tx) { return intake.accept(tx, e); });
    }
    Result<DeskOutcome> patch(TicketId id, TicketPatch p) {
        return write_sync(*store, [&](StoreTx& tx) { return desk.update(tx, id, p, agent); });
    }
    Result<DeskOutcome> reply(TicketId id, std::string body) {
        return write_sync(*store, [&](StoreTx& tx) {
            return desk.add_message(tx, id, NewMessage{MessageKind::reply, std::move(body), std::nullopt}, agent);
        });
    }
    std::vector<TicketEvent> events(TicketId id) { return store->reader()->events(id); }
};

TicketPatch status_patch(TicketStatus s) {
    TicketPatch p;
    p.status = s;
    return p;
}

Enquiry email(std::string message_id, std::string from = "matti@posti.example.fi", std::string subject = "Lasku puuttuu") {
    Enquiry e;
    e.channel = Channel::email;
    e.external_id = std::move(message_id);
    e.sender_name = "Matti Meikäläinen";
    e.sender.push_back({IdentityKind::email, std::move(from)});
    e.subject = std::move(subject);
    e.text = "Hei, en ole saanut laskua.";
    e.language = "fi";
    return e;
}

}  // namespace

TEST_CASE("a new enquiry opens a new ticket with a new customer and a created event") {
    Fixture f;
    auto out = f.accept(email("<a@x>"));
    REQUIRE(out);
    CHECK(out->created);
    CHECK_FALSE(out->duplicate);
    CHECK(out->ticket.id == 1);
    CHECK(out->ticket.status == TicketStatus::new_);
    CHECK(out->ticket.subject == "Lasku puuttuu");
    CHECK(out->ticket.queue == "support");
    CHECK(out->ticket.language == "fi");
    CHECK(out->ticket.created_at == kStart);
    auto customer = f.store->reader()->customer(out->customer_id);
    REQUIRE(customer);
    CHECK(customer->name == "Matti Meikäläinen");
    REQUIRE(customer->identities.size() == 1);
    CHECK(customer->identities[0].value == "matti@posti.example.fi");
    auto events = f.events(out->ticket.id);
    REQUIRE(events.size() == 1);
    CHECK(events[0].type == "created");
    CHECK(events[0].detail == "new");
}

TEST_CASE("the same enquiry twice is one message on one ticket") {
    Fixture f;
    auto first = f.accept(email("<dup@x>"));
    f.clock.advance(minutes(5));
    auto second = f.accept(email("<dup@x>"));
    REQUIRE(first);
    REQUIRE(second);
    CHECK(second->duplicate);
    CHECK(second->ticket.id == first->ticket.id);
    CHECK(second->message.id == first->message.id);
    CHECK(f.store->reader()->messages(first->ticket.id).size() == 1);
    CHECK(f.store->reader()->tickets({}).tickets.size() == 1);
}

TEST_CASE("a client's idempotency key reused for another text or sender is refused; the same request is a duplicate") {
    Fixture f;
    auto e = email("key-1");
    e.channel = Channel::api;
    e.client_idempotency_key = true;
    auto first = f.accept(e);
    REQUIRE(first);
    auto retry = f.accept(e);
    REQUIRE(retry);
    CHECK(retry->duplicate);
    CHECK(retry->ticket.id == first->ticket.id);

    auto other_text = e;
    other_text.text += " And one more thing.";
    auto refused = f.accept(other_text);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == errc::invalid_field);
    CHECK(refused.error().field == "idempotency_key");
    CHECK(refused.error().message.find("body") != std::string::npos);
    auto other_sender = e;
    other_sender.sender_name = "Somebody Else";
    auto refused_too = f.accept(other_sender);
    REQUIRE_FALSE(refused_too);
    CHECK(refused_too.error().message.find("sender name") != std::string::npos);
    // Another requester under the key: somebody else's enquiry, not a retry.
    auto other_address = e;
    other_address.sender = {{IdentityKind::email, "toinen@posti.example.fi"}};
    auto refused_address = f.accept(other_address);
    REQUIRE_FALSE(refused_address);
    CHECK(refused_address.error().message.find("requester email") != std::string::npos);
    auto same_address_other_case = e;
    same_address_other_case.sender = {{IdentityKind::email, "Matti@Posti.Example.FI"}};
    CHECK(f.accept(same_address_other_case));  // the same address, as normalised
    auto other_subject = e;
    other_subject.subject = "Toinen asia";
    auto refused_subject = f.accept(other_subject);
    REQUIRE_FALSE(refused_subject);
    CHECK(refused_subject.error().message.find("subject") != std::string::npos);
    // An agent renaming the ticket since does not make the retry another request.
    TicketPatch rename;
    rename.subject = "Lasku puuttuu (marraskuu)";
    REQUIRE(f.patch(first->ticket.id, rename));
    auto after_rename = f.accept(e);
    REQUIRE(after_rename);
    CHECK(after_rename->duplicate);

    // Mail keeps its silent dedupe: a list's copy of one Message-ID may carry a footer.
    auto mail = email("<list@x>");
    REQUIRE(f.accept(mail));
    mail.text += "\n--\nlist footer";
    auto copy = f.accept(mail);
    REQUIRE(copy);
    CHECK(copy->duplicate);
    CHECK(f.store->reader()->tickets({}).tickets.size() == 2);
}

TEST_CASE("the same external id on another channel is not a duplicate") {
    Fixture f;
    auto a = f.accept(email("42"));
    auto e = email("42");
    e.channel = Channel::phone;
    auto b = f.accept(e);
    REQUIRE(a);
    REQUIRE(b);
    CHECK_FALSE(b->duplicate);
    CHECK(b->ticket.id != a->ticket.id);
}

TEST_CASE("a reply threads onto its ticket by references, and the audit log says how") {
    Fixture f;
    auto first = f.accept(email("<orig@x>"));
    auto r = email("<reply@x>");
    r.thread.references = {"<unknown@x>", "<orig@x>"};
    auto second = f.accept(r);
    REQUIRE(second);
    CHECK_FALSE(second->created);
    CHECK(second->ticket.id == first->ticket.id);
    CHECK(second->threaded_by == "references <orig@x>");
    auto events = f.events(first->ticket.id);
    REQUIRE(events.size() == 2);
    CHECK(events[1].type == "message_added");
    CHECK(events[1].detail == "references <orig@x>");
}

TEST_CASE("a reply threads by the ticket key when no reference matches") {
    Fixture f;
    auto first = f.accept(email("<orig@x>"));
    auto r = email("<other@x>");
    r.thread.references = {"<nothing@x>"};
    r.thread.ticket_id = first->ticket.id;
    auto second = f.accept(r);
    REQUIRE(second);
    CHECK(second->ticket.id == first->ticket.id);
    CHECK(second->threaded_by == "ticket key T-1");
}

TEST_CASE("a hint naming a ticket that does not exist opens a new ticket") {
    Fixture f;
    auto r = email("<x@x>");
    r.thread.ticket_id = 999;
    auto out = f.accept(r);
    REQUIRE(out);
    CHECK(out->created);
    CHECK(out->ticket.id == 1);
}

TEST_CASE("a reply to a solved ticket reopens it") {
    Fixture f;
    auto first = f.accept(email("<orig@x>"));
    REQUIRE(f.reply(first->ticket.id, "Lähetin laskun uudelleen."));
    f.clock.advance(hours(1));
    REQUIRE(f.patch(first->ticket.id, status_patch(TicketStatus::solved)));
    f.clock.advance(hours(1));
    auto r = email("<again@x>");
    r.thread.references = {"<orig@x>"};
    auto out = f.accept(r);
    REQUIRE(out);
    CHECK(out->ticket.id == first->ticket.id);
    CHECK(out->ticket.status == TicketStatus::open);
    CHECK(out->ticket.reopen_count == 1);
    CHECK_FALSE(out->ticket.solved_at.has_value());
    auto events = f.events(first->ticket.id);
    CHECK(events.back().type == "reopened");
    CHECK(events.back().changes.at(0).before == "solved");
}

TEST_CASE("a reply to a closed ticket opens a new ticket linked to the old one") {
    Fixture f;
    auto first = f.accept(email("<orig@x>"));
    REQUIRE(f.patch(first->ticket.id, status_patch(TicketStatus::solved)));
    REQUIRE(f.patch(first->ticket.id, status_patch(TicketStatus::closed)));
    auto r = email("<late@x>");
    r.thread.references = {"<orig@x>"};
    auto out = f.accept(r);
    REQUIRE(out);
    CHECK(out->created);
    CHECK(out->ticket.id != first->ticket.id);
    CHECK(out->ticket.follow_up_of == first->ticket.id);
    CHECK(out->threaded_by == "follow-up of T-1");
    CHECK(f.store->reader()->ticket(first->ticket.id)->status == TicketStatus::closed);
}

TEST_CASE("a customer reply to a pending ticket puts it back to open") {
    Fixture f;
    auto first = f.accept(email("<orig@x>"));
    REQUIRE(f.patch(first->ticket.id, status_patch(TicketStatus::pending)));
    auto r = email("<more@x>");
    r.thread.references = {"<orig@x>"};
    auto out = f.accept(r);
    REQUIRE(out);
    CHECK(out->ticket.status == TicketStatus::open);
}

TEST_CASE("one customer is found by any of their identities and learns new ones") {
    Fixture f;
    auto a = f.accept(email("<1@x>", "liisa@example.fi"));
    Enquiry call;
    call.channel = Channel::phone;
    call.sender = {{IdentityKind::phone, "+358 40 123 4567"}, {IdentityKind::email, "LIISA@example.fi"}};
    call.text = "Soittopyyntö";
    auto b = f.accept(call);
    REQUIRE(b);
    CHECK(b->customer_id == a->customer_id);
    Enquiry call2;
    call2.channel = Channel::phone;
    call2.sender = {{IdentityKind::phone, "+358401234567"}};
    call2.text = "Toinen soitto";
    auto c = f.accept(call2);
    CHECK(c->customer_id == a->customer_id);
    CHECK(f.store->reader()->customer(a->customer_id)->identities.size() == 2);
}

TEST_CASE("a known number with a new address joins its customer only when they have no address") {
    Fixture f;
    auto web = [&](std::string email, std::string phone, std::string id) {
        Enquiry e;
        e.channel = Channel::web;
        e.external_id = std::move(id);
        e.sender = {{IdentityKind::email, std::move(email)}, {IdentityKind::phone, std::move(phone)}};
        e.text = "Hei";
        return f.accept(e);
    };
    Enquiry call;
    call.channel = Channel::phone;
    call.sender = {{IdentityKind::phone, "+358401112222"}};
    call.text = "Soitto";
    auto caller = f.accept(call);
    REQUIRE(caller);
    // The caller writes in: their number, their first address, one customer.
    auto writes = web("mari@example.fi", "+358401112222", "w1");
    REQUIRE(writes);
    CHECK(writes->customer_id == caller->customer_id);
    // Someone else types the same number with another address: not that customer.
    auto stranger = web("tonu@example.ee", "+358401112222", "w2");
    REQUIRE(stranger);
    CHECK(stranger->customer_id != caller->customer_id);
    const auto kept = f.store->reader()->customer(caller->customer_id)->identities;
    CHECK(std::none_of(kept.begin(), kept.end(), [](const Identity& i) { return i.value == "tonu@example.ee"; }));
    const auto other = f.store->reader()->customer(stranger->customer_id)->identities;
    REQUIRE(other.size() == 1);
    CHECK(other[0].value == "tonu@example.ee");
}

TEST_CASE("the first agent reply stamps first_response_at and opens a new ticket") {
    Fixture f;
    auto t = f.accept(email("<1@x>"));
    f.clock.advance(minutes(42));
    auto note = write_sync(*f.store, [&](StoreTx& tx) {
        return f.desk.add_message(tx, t->ticket.id, NewMessage{MessageKind::note, "sisäinen", std::nullopt}, f.agent);
    });
    REQUIRE(note);
    CHECK_FALSE(note->ticket.first_response_at.has_value());
    auto r = f.reply(t->ticket.id, "Hei Matti!");
    REQUIRE(r);
    CHECK(r->ticket.first_response_at == kStart + minutes(42));
    CHECK(r->ticket.status == TicketStatus::open);
}

TEST_CASE("an invalid status change through the desk is refused and writes nothing") {
    Fixture f;
    auto t = f.accept(email("<1@x>"));
    auto r = f.patch(t->ticket.id, status_patch(TicketStatus::closed));
    REQUIRE(r.has_error());
    CHECK(r.error().code == errc::invalid_transition);
    CHECK(f.store->reader()->ticket(t->ticket.id)->status == TicketStatus::new_);
    CHECK(f.events(t->ticket.id).size() == 1);
}

TEST_CASE("assigning a ticket to an unknown agent is an invalid field") {
    Fixture f;
    auto t = f.accept(email("<1@x>"));
    TicketPatch p;
    p.assignee.emplace(AgentId{77});
    auto r = f.patch(t->ticket.id, p);
    REQUIRE(r.has_error());
    CHECK(r.error().code == errc::invalid_field);
    CHECK(r.error().field == "assignee");
}

TEST_CASE("a patch records every changed field in one audit event") {
    Fixture f;
    auto t = f.accept(email("<1@x>"));
    TicketPatch p;
    p.priority = Priority::urgent;
    p.queue = "billing";
    p.tags = std::vector<std::string>{"VIP", "invoice"};
    p.assignee.emplace(f.agent.agent_id);
    auto r = f.patch(t->ticket.id, p);
    REQUIRE(r);
    auto events = f.events(t->ticket.id);
    REQUIRE(events.size() == 2);
    CHECK(events[1].type == "updated");
    CHECK(events[1].actor == f.agent.id);
    CHECK(events[1].changes.size() == 4);
    CHECK(r->ticket.tags == std::vector<std::string>{"invoice", "vip"});
}

TEST_CASE("an auto-reply to an existing ticket becomes a note and changes no status") {
    Fixture f;
    auto first = f.accept(email("<orig@x>"));
    REQUIRE(f.patch(first->ticket.id, status_patch(TicketStatus::solved)));
    auto ooo = email("<ooo@x>");
    ooo.kind = EnquiryKind::auto_reply;
    ooo.thread.references = {"<orig@x>"};
    auto out = f.accept(ooo);
    REQUIRE(out);
    CHECK_FALSE(out->created);
    CHECK(out->ticket.status == TicketStatus::solved);
    CHECK(out->message.kind == MessageKind::note);
    CHECK(f.events(first->ticket.id).back().type == "auto_reply_attached");
}

TEST_CASE("a bounce that matches no ticket opens nothing and creates no customer") {
    Fixture f;
    auto dsn = email("<dsn@x>", "mailer-daemon@mx.example");
    dsn.kind = EnquiryKind::bounce;
    dsn.thread.references = {"<never-sent@x>"};
    auto out = f.accept(dsn);
    REQUIRE(out);
    CHECK(out->unthreaded);
    CHECK(f.store->reader()->tickets({}).tickets.empty());
    CHECK_FALSE(f.store->reader()->customer_by_identity({IdentityKind::email, "mailer-daemon@mx.example"}));
}

TEST_CASE("a bounce of a ticket's message is attached to that ticket as a note") {
    Fixture f;
    auto first = f.accept(email("<orig@x>"));
    auto dsn = email("<dsn@x>", "mailer-daemon@mx.example");
    dsn.kind = EnquiryKind::bounce;
    dsn.thread.references = {"<orig@x>"};
    auto out = f.accept(dsn);
    REQUIRE(out);
    CHECK(out->ticket.id == first->ticket.id);
    CHECK(f.events(first->ticket.id).back().type == "bounce_attached");
    CHECK(f.events(first->ticket.id).back().actor == "system");
}

TEST_CASE("a report that delivery is only delayed, or went well, is a note that flags no address") {
    Fixture f;
    auto first = f.accept(email("<orig@x>"));
    REQUIRE(first);
    auto delayed = email("<delay@x>", "mailer-daemon@mx.example");
    delayed.kind = EnquiryKind::bounce;
    delayed.thread.references = {"<orig@x>"};
    delayed.metadata["delivery_failed"] = "false";
    auto out = f.accept(delayed);
    REQUIRE(out);
    CHECK(out->ticket.id == first->ticket.id);
    const auto event = f.events(first->ticket.id).back();
    CHECK(event.type == "delivery_report_attached");
    CHECK(event.changes.empty());  // no "bouncing" change
    auto reader = f.store->reader();
    auto requester = reader->customer(first->customer_id);
    REQUIRE(requester);
    for (const auto& id : requester->identities) CHECK(reader->identity_flags(id).empty());
    // A failure report of the same message does flag the address.
    auto failed = email("<fail@x>", "mailer-daemon@mx.example");
    failed.kind = EnquiryKind::bounce;
    failed.thread.references = {"<orig@x>"};
    failed.metadata["delivery_failed"] = "true";
    REQUIRE(f.accept(failed));
    CHECK(f.events(first->ticket.id).back().type == "bounce_attached");
    CHECK_FALSE(f.events(first->ticket.id).back().changes.empty());
}
