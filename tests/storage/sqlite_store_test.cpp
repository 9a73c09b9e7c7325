#include "storage/sqlite_store.hpp"

#include "storage/sqlite_connection.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <set>
#include <thread>

using namespace triage;
namespace fs = std::filesystem;

namespace {

Timestamp at_ms(std::int64_t ms) { return Timestamp{std::chrono::milliseconds{ms}}; }

// A directory under the system temp directory, removed with everything in it.
struct TempDir {
    fs::path path;
    TempDir() {
        static std::atomic<int> next{0};
        path = fs::temp_directory_path() /
               ("triage-storage-test-" + std::to_string(::getpid()) + "-" + std::to_string(next++));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

Customer make_customer(std::string name, std::string email) {
    Customer c;
    c.name = std::move(name);
    c.identities.push_back({IdentityKind::email, std::move(email)});
    c.created_at = at_ms(1'700'000'000'000);
    return c;
}

Ticket make_ticket(CustomerId requester, std::string subject) {
    Ticket t;
    t.subject = std::move(subject);
    t.requester_id = requester;
    t.created_at = t.updated_at = at_ms(1'700'000'000'000);
    return t;
}

Message make_message(TicketId ticket, std::string body, std::string external_id = {}, Channel channel = Channel::email) {
    Message m;
    m.ticket_id = ticket;
    m.body = std::move(body);
    m.external_id = std::move(external_id);
    m.channel = channel;
    m.created_at = at_ms(1'700'000'000'000);
    return m;
}

// A customer, a ticket with `subject`, and a first message with `body`; returns the ticket id.
TicketId create_ticket(Store& store, std::string subject, std::string body = "hello") {
    return write_sync(store, [&](StoreTx& tx) {
        Customer c = make_customer("Asiakas", "");
        c.identities.clear();
        tx.insert_customer(c);
        Ticket t = make_ticket(c.id, subject);
        tx.insert_ticket(t);
        Message m = make_message(t.id, body);
        tx.insert_message(m);
        return t.id;
    });
}

std::vector<TicketId> search(Store& store, std::string text) {
    TicketQuery q;
    q.text = std::move(text);
    q.limit = 200;
    std::vector<TicketId> ids;
    for (const Ticket& t : store.reader()->tickets(q).tickets) ids.push_back(t.id);
    return ids;
}

void set_user_version(const fs::path& path, int version) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, ("PRAGMA user_version = " + std::to_string(version)).c_str(), nullptr, nullptr, nullptr) ==
            SQLITE_OK);
    sqlite3_close(db);
}

// Holds the writer inside a unit until released, so everything posted meanwhile runs as
// one later batch.
struct WriterGate {
    std::promise<void> entered;
    std::promise<void> open;
    void hold(Store& store) {
        auto opened = open.get_future().share();
        store.post_write(
            [this, opened](StoreTx&) {
                entered.set_value();
                opened.wait();
                return true;
            },
            nullptr);
        entered.get_future().wait();
    }
    void release() { open.set_value(); }
};

}  // namespace

TEST_CASE("a new database is migrated to the latest schema and re-opening it changes nothing") {
    TempDir dir;
    const auto path = dir.path / "triage.db";
    REQUIRE(SqliteStore::latest_schema_version() >= 1);
    TicketId id = 0;
    {
        auto store = SqliteStore::open(path);
        CHECK(store->schema_version() == SqliteStore::latest_schema_version());
        id = create_ticket(*store, "Printer on fire");
    }
    {
        auto store = SqliteStore::open(path);
        CHECK(store->schema_version() == SqliteStore::latest_schema_version());
        CHECK(store->reader()->ticket(id));
    }
}

TEST_CASE("schema 12 normalises stored non-ASCII email addresses and keeps both customers of a clash") {
    TempDir dir;
    const auto path = dir.path / "triage.db";
    SqliteStore::open(path).reset();
    {
        // Rows as schema 11 stored them: only ASCII letters lower-cased.
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
        const char* sql = "INSERT INTO customers (id, name, created_at) VALUES (1, 'Ülle', 0), (2, 'Jānis', 0), (3, 'J', 0);"
                          "INSERT INTO identities (kind, value, customer_id) VALUES"
                          " ('email', 'Ülle@nÄide.ee', 1), ('email', 'jĀnis@pasts.lv', 2), ('email', 'jānis@pasts.lv', 3),"
                          " ('phone', '+3725551234', 1);"
                          "INSERT INTO identity_flags (kind, value, flag, at) VALUES ('email', 'Ülle@nÄide.ee', 'bouncing', 0);"
                          "ALTER TABLE messages DROP COLUMN full_body;"  // schema 13's
                          "PRAGMA user_version = 11;";
        REQUIRE(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(db);
    }
    auto store = SqliteStore::open(path);
    CHECK(store->schema_version() == SqliteStore::latest_schema_version());
    auto reader = store->reader();
    auto email = [](std::string_view raw) { return normalise_identity(IdentityKind::email, raw); };
    CHECK(reader->customer_by_identity(email("ÜLLE@NÄIDE.EE")) == CustomerId{1});
    CHECK(reader->customer_by_identity(email("ülle@xn--nide-loa.ee")) == CustomerId{1});
    CHECK(reader->customer_by_identity(Identity{IdentityKind::phone, "+3725551234"}) == CustomerId{1});
    // The clash: the row already in the new form keeps the address; the other stays as it was.
    CHECK(reader->customer_by_identity(email("JĀNIS@pasts.lv")) == CustomerId{3});
    CHECK(reader->customer(2));
    const auto ulle = reader->customer(1);
    REQUIRE(ulle);
    REQUIRE(ulle->flags.size() == 1);
    CHECK(ulle->flags[0].identity.value == "ülle@näide.ee");
}

TEST_CASE("re-opening an up-to-date database writes nothing, so it opens while another process writes") {
    TempDir dir;
    const auto path = dir.path / "triage.db";
    SqliteStore::open(path).reset();
    sqlite3* other = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &other) == SQLITE_OK);
    REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
    const auto start = std::chrono::steady_clock::now();
    CHECK_NOTHROW(SqliteStore::open(path).reset());
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds{2});  // never waited for the lock
    sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(other);
}

TEST_CASE("a database with a newer schema than this build knows is refused") {
    TempDir dir;
    const auto path = dir.path / "triage.db";
    SqliteStore::open(path).reset();
    set_user_version(path, SqliteStore::latest_schema_version() + 1);
    try {
        SqliteStore::open(path);
        FAIL("opened a database from the future");
    } catch (const std::runtime_error& e) {
        CHECK(std::string{e.what()}.find("newer") != std::string::npos);
        CHECK(std::string{e.what()}.find(path.string()) != std::string::npos);
    }
}

TEST_CASE("a database that cannot be opened is reported with its path") {
    TempDir dir;
    const auto missing = dir.path / "no-such-dir" / "triage.db";
    try {
        SqliteStore::open(missing);
        FAIL("opened a database in a missing directory");
    } catch (const std::runtime_error& e) {
        CHECK(std::string{e.what()}.find(missing.string()) != std::string::npos);
    }

    const auto junk = dir.path / "junk.db";
    std::ofstream{junk} << std::string(8192, 'x');
    CHECK_THROWS_AS(SqliteStore::open(junk), std::runtime_error);
}

TEST_CASE("a ticket, its messages, events and customer read back field for field") {
    auto store = SqliteStore::open_in_memory();

    Customer customer = make_customer("Päivi Järvinen", "paivi@example.fi");
    customer.organisation = "Oy Esimerkki Ab";
    customer.tier = "premium";
    customer.preferred_language = "fi";
    customer.identities.push_back({IdentityKind::phone, "+358401234567"});
    Agent agent{0, "Tõnu Tamm", "tonu@example.ee", AgentRole::supervisor, {"billing", "tech"}, {"sql"}, {"et", "fi"}};
    Ticket first, full;
    Message inbound, note;
    TicketEvent event;

    write_sync(*store, [&](StoreTx& tx) {
        tx.insert_customer(customer);
        tx.upsert_agent(agent);
        first = make_ticket(customer.id, "Vanha tiketti");
        tx.insert_ticket(first);

        full.subject = "Lasku \"väärin\" — ŠŪNA";
        full.status = TicketStatus::on_hold;
        full.priority = Priority::urgent;
        full.queue = "billing";
        full.category = "invoice";
        full.tags = {"lasku", "tärkeä", "with \"quote\"\n"};
        full.language = "fi";
        full.channel = Channel::fax;
        full.requester_id = customer.id;
        full.assignee_id = agent.id;
        full.tier = Tier::l2;
        full.follow_up_of = first.id;
        full.reopen_count = 3;
        full.created_at = at_ms(1'700'000'000'123);
        full.updated_at = at_ms(1'700'000'100'456);
        full.first_response_at = at_ms(1'700'000'050'000);
        full.solved_at = at_ms(1'700'000'060'000);
        full.closed_at = at_ms(1'700'000'070'000);
        tx.insert_ticket(full);

        inbound = make_message(full.id, "Hei,\nlasku on väärin.\t\"Kiitos\"", "<abc@mail.example.fi>", Channel::email);
        inbound.author_kind = AuthorKind::customer;
        inbound.author_id = customer.id;
        inbound.author_name = customer.name;
        inbound.html = "<p>Hei</p>";
        inbound.attachments = {{"lasku.pdf", "application/pdf", 12345, std::string(64, 'a')},
                               {"kuva \"1\".png", "image/png", 0, std::string(64, 'b')}};
        inbound.raw_sha256 = std::string(64, 'c');
        tx.insert_message(inbound);

        note = make_message(full.id, "internal");
        note.kind = MessageKind::note;
        note.author_kind = AuthorKind::agent;
        note.author_id = agent.id;
        tx.insert_message(note);

        event.ticket_id = full.id;
        event.at = at_ms(1'700'000'000'999);
        event.actor = "agent:" + std::to_string(agent.id);
        event.type = "status_changed";
        event.changes = {{"status", "open", "on_hold"}, {"assignee", "", "Tõnu \\ Tamm"}};
        event.detail = "by rule \"vip\"";
        tx.append_event(event);
    });

    auto reader = store->reader();
    auto t = reader->ticket(full.id);
    REQUIRE(t);
    CHECK(t->id == full.id);
    CHECK(t->subject == full.subject);
    CHECK(t->status == full.status);
    CHECK(t->priority == full.priority);
    CHECK(t->queue == full.queue);
    CHECK(t->category == full.category);
    CHECK(t->tags == full.tags);
    CHECK(t->language == full.language);
    CHECK(t->channel == full.channel);
    CHECK(t->requester_id == full.requester_id);
    CHECK(t->assignee_id == full.assignee_id);
    CHECK(t->tier == full.tier);
    CHECK(t->follow_up_of == full.follow_up_of);
    CHECK(t->reopen_count == full.reopen_count);
    CHECK(t->created_at == full.created_at);
    CHECK(t->updated_at == full.updated_at);
    CHECK(t->first_response_at == full.first_response_at);
    CHECK(t->solved_at == full.solved_at);
    CHECK(t->closed_at == full.closed_at);

    auto bare = reader->ticket(first.id);
    REQUIRE(bare);
    CHECK(bare->tags.empty());
    CHECK_FALSE(bare->assignee_id);
    CHECK_FALSE(bare->follow_up_of);
    CHECK_FALSE(bare->first_response_at);
    CHECK_FALSE(bare->solved_at);
    CHECK_FALSE(bare->closed_at);
    CHECK(bare->status == TicketStatus::new_);
    CHECK_FALSE(reader->ticket(9999));

    auto messages = reader->messages(full.id);
    REQUIRE(messages.size() == 2);
    const Message& m = messages[0];
    CHECK(m.id == inbound.id);
    CHECK(m.ticket_id == full.id);
    CHECK(m.kind == MessageKind::inbound);
    CHECK(m.author_kind == AuthorKind::customer);
    CHECK(m.author_id == customer.id);
    CHECK(m.author_name == customer.name);
    CHECK(m.channel == Channel::email);
    CHECK(m.body == inbound.body);
    CHECK(m.html == inbound.html);
    REQUIRE(m.attachments.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        CHECK(m.attachments[i].filename == inbound.attachments[i].filename);
        CHECK(m.attachments[i].content_type == inbound.attachments[i].content_type);
        CHECK(m.attachments[i].size == inbound.attachments[i].size);
        CHECK(m.attachments[i].sha256 == inbound.attachments[i].sha256);
    }
    CHECK(m.external_id == inbound.external_id);
    CHECK(m.raw_sha256 == inbound.raw_sha256);
    CHECK(m.created_at == inbound.created_at);
    CHECK(messages[1].id == note.id);
    CHECK(messages[1].kind == MessageKind::note);
    CHECK(messages[1].author_kind == AuthorKind::agent);
    CHECK_FALSE(messages[1].html);
    CHECK(messages[1].attachments.empty());

    auto events = reader->events(full.id);
    REQUIRE(events.size() == 1);
    CHECK(events[0].id == event.id);
    CHECK(events[0].ticket_id == full.id);
    CHECK(events[0].at == event.at);
    CHECK(events[0].actor == event.actor);
    CHECK(events[0].type == event.type);
    REQUIRE(events[0].changes.size() == 2);
    CHECK(events[0].changes[1].field == "assignee");
    CHECK(events[0].changes[1].before.empty());
    CHECK(events[0].changes[1].after == "Tõnu \\ Tamm");
    CHECK(events[0].detail == event.detail);

    auto c = reader->customer(customer.id);
    REQUIRE(c);
    CHECK(c->name == customer.name);
    CHECK(c->organisation == customer.organisation);
    CHECK(c->tier == customer.tier);
    CHECK(c->preferred_language == customer.preferred_language);
    CHECK(c->created_at == customer.created_at);
    CHECK(c->identities == customer.identities);
    CHECK(reader->customer_by_identity({IdentityKind::phone, "+358401234567"}) == customer.id);
    CHECK_FALSE(reader->customer_by_identity({IdentityKind::fax, "+358401234567"}));

    auto a = reader->agent(agent.id);
    REQUIRE(a);
    CHECK(a->name == agent.name);
    CHECK(a->email == agent.email);
    CHECK(a->role == agent.role);
    CHECK(a->queues == agent.queues);
    CHECK(a->skills == agent.skills);
    CHECK(a->languages == agent.languages);
}

TEST_CASE("an identity is added once and names one customer") {
    auto store = SqliteStore::open_in_memory();
    Customer c = make_customer("Ilze", "ilze@example.lv");
    write_sync(*store, [&](StoreTx& tx) {
        tx.insert_customer(c);
        tx.add_identity(c.id, {IdentityKind::fax, "+37167000000"});
        tx.add_identity(c.id, {IdentityKind::fax, "+37167000000"});
    });
    CHECK(store->reader()->customer(c.id)->identities.size() == 2);

    Customer other = make_customer("Other", "ilze@example.lv");
    CHECK_THROWS_AS(write_sync(*store, [&](StoreTx& tx) { tx.insert_customer(other); }), sqlite::Error);
}

TEST_CASE("agents are upserted by email regardless of case") {
    auto store = SqliteStore::open_in_memory();
    Agent agent{0, "Anna", "Anna@Example.fi", AgentRole::agent, {"tech"}, {}, {"fi"}};
    auto id = write_sync(*store, [&](StoreTx& tx) { return tx.upsert_agent(agent); });
    Agent again{0, "Anna K.", "anna@example.FI", AgentRole::admin, {"billing"}, {"vip"}, {"fi", "sv"}};
    CHECK(write_sync(*store, [&](StoreTx& tx) { return tx.upsert_agent(again); }) == id);
    CHECK(again.id == id);

    auto reader = store->reader();
    auto found = reader->agent_by_email("ANNA@example.fi");
    REQUIRE(found);
    CHECK(found->id == id);
    CHECK(found->name == "Anna K.");
    CHECK(found->role == AgentRole::admin);
    CHECK(found->queues == std::vector<std::string>{"billing"});
    CHECK(found->skills == std::vector<std::string>{"vip"});
    CHECK(found->languages == std::vector<std::string>{"fi", "sv"});
    CHECK(reader->agents().size() == 1);
    CHECK_FALSE(reader->agent_by_email("nobody@example.fi"));
}

TEST_CASE("an api token is found by its hash and replaced by name") {
    auto store = SqliteStore::open_in_memory();
    write_sync(*store, [](StoreTx& tx) {
        tx.upsert_token("ci", "hash-1", "agent");
        tx.upsert_token("ops", "hash-2", "admin");
    });
    auto reader = store->reader();
    auto ci = reader->token_by_hash("hash-1");
    REQUIRE(ci);
    CHECK(ci->name == "ci");
    CHECK(ci->role == "agent");

    write_sync(*store, [](StoreTx& tx) { tx.upsert_token("ci", "hash-3", "admin"); });
    write_sync(*store, [](StoreTx& tx) { tx.upsert_token("empty-role", "hash-4", std::string_view{}); });
    CHECK(reader->token_by_hash("hash-4")->role.empty());
    CHECK_FALSE(reader->token_by_hash("hash-1"));
    auto rotated = reader->token_by_hash("hash-3");
    REQUIRE(rotated);
    CHECK(rotated->id == ci->id);
    CHECK(rotated->role == "admin");
    CHECK(reader->token_by_hash("hash-2")->name == "ops");
}

TEST_CASE("a channel accepts a given external id only once") {
    auto store = SqliteStore::open_in_memory();
    TicketId ticket = create_ticket(*store, "dedupe");
    auto add = [&](std::string external_id, Channel channel) {
        return write_sync(*store, [&](StoreTx& tx) {
            Message m = make_message(ticket, "x", external_id, channel);
            return tx.insert_message(m);
        });
    };
    MessageId first = add("<m1@example.fi>", Channel::email);
    try {
        add("<m1@example.fi>", Channel::email);
        FAIL("a duplicate external id was stored");
    } catch (const sqlite::Error& e) {
        CHECK(e.is_constraint());
    }
    MessageId web = add("<m1@example.fi>", Channel::web);
    add("", Channel::email);
    add("", Channel::email);  // messages without an external id never collide

    auto reader = store->reader();
    auto ref = reader->message_by_external_id(Channel::email, "<m1@example.fi>");
    REQUIRE(ref);
    CHECK(ref->ticket_id == ticket);
    CHECK(ref->message_id == first);
    CHECK(reader->message_by_external_id(Channel::web, "<m1@example.fi>")->message_id == web);
    CHECK_FALSE(reader->message_by_external_id(Channel::fax, "<m1@example.fi>"));
    CHECK_FALSE(reader->message_by_external_id(Channel::email, ""));
    CHECK(reader->messages(ticket).size() == 5);
}

TEST_CASE("threading picks the first message id in the given order that names a stored message") {
    auto store = SqliteStore::open_in_memory();
    TicketId a = create_ticket(*store, "a");
    TicketId b = create_ticket(*store, "b");
    write_sync(*store, [&](StoreTx& tx) {
        Message in = make_message(a, "x", "<a1@x>");
        tx.insert_message(in);
        Message reply = make_message(b, "y", "<b1@x>", Channel::web);
        reply.kind = MessageKind::reply;
        tx.insert_message(reply);
    });
    auto reader = store->reader();
    using Hit = std::optional<std::pair<TicketId, std::string>>;
    CHECK(reader->ticket_by_message_ids({"<none@x>", "<b1@x>", "<a1@x>"}) == Hit{{b, "<b1@x>"}});
    CHECK(reader->ticket_by_message_ids({"<a1@x>", "<b1@x>"}) == Hit{{a, "<a1@x>"}});
    CHECK(reader->ticket_by_message_ids({"", "<none@x>"}) == std::nullopt);
    CHECK(reader->ticket_by_message_ids({}) == std::nullopt);
}

TEST_CASE("cursor pagination visits every matching ticket once, newest first, for each filter") {
    auto store = SqliteStore::open_in_memory();
    const std::array statuses{TicketStatus::new_,    TicketStatus::open,   TicketStatus::pending,
                              TicketStatus::on_hold, TicketStatus::solved, TicketStatus::closed};
    const std::array channels{Channel::email, Channel::fax, Channel::web, Channel::phone, Channel::api};
    std::vector<Ticket> all;
    std::vector<CustomerId> customers;
    std::vector<AgentId> agents;
    write_sync(*store, [&](StoreTx& tx) {
        for (int i = 0; i < 3; ++i) {
            Customer c = make_customer("c" + std::to_string(i), "c" + std::to_string(i) + "@example.fi");
            customers.push_back(tx.insert_customer(c));
        }
        for (int i = 0; i < 2; ++i) {
            Agent a{0, "a", "agent" + std::to_string(i) + "@example.fi", AgentRole::agent, {}, {}, {}};
            agents.push_back(tx.upsert_agent(a));
        }
        for (int i = 0; i < 120; ++i) {
            Ticket t = make_ticket(customers[i % 3], i % 5 == 0 ? "Alpha ticket" : "Other ticket");
            t.status = statuses[i % 6];
            t.queue = i % 3 == 0 ? "billing" : "tech";
            t.channel = channels[i % 5];
            if (i % 4 != 0) t.assignee_id = agents[i % 2];
            tx.insert_ticket(t);
            Message m = make_message(t.id, i % 7 == 0 ? "mentions beta here" : "nothing");
            tx.insert_message(m);
            all.push_back(t);
        }
    });
    CHECK(all.front().id == 1);  // sequential from 1
    CHECK(all.back().id == 120);

    struct Case {
        const char* name;
        TicketQuery query;
        std::function<bool(const Ticket&)> matches;
    };
    std::vector<Case> cases;
    cases.push_back({"no filter", {}, [](const Ticket&) { return true; }});
    {
        TicketQuery q;
        q.status = TicketStatus::pending;
        cases.push_back({"status", q, [](const Ticket& t) { return t.status == TicketStatus::pending; }});
    }
    {
        TicketQuery q;
        q.queue = "billing";
        cases.push_back({"queue", q, [](const Ticket& t) { return t.queue == "billing"; }});
    }
    {
        TicketQuery q;
        q.channel = Channel::web;
        cases.push_back({"channel", q, [](const Ticket& t) { return t.channel == Channel::web; }});
    }
    {
        TicketQuery q;
        q.assignee = agents[1];
        cases.push_back({"assignee", q, [&](const Ticket& t) { return t.assignee_id == agents[1]; }});
    }
    {
        TicketQuery q;
        q.unassigned = true;
        cases.push_back({"unassigned", q, [](const Ticket& t) { return !t.assignee_id; }});
    }
    {
        TicketQuery q;
        q.requester = customers[2];
        cases.push_back({"requester", q, [&](const Ticket& t) { return t.requester_id == customers[2]; }});
    }
    {
        TicketQuery q;
        q.status = TicketStatus::open;
        q.queue = "tech";
        q.assignee = agents[1];
        cases.push_back({"status, queue and assignee", q, [&](const Ticket& t) {
                             return t.status == TicketStatus::open && t.queue == "tech" && t.assignee_id == agents[1];
                         }});
    }
    {
        TicketQuery q;
        q.queues = {"tech", "nowhere"};
        q.channel = Channel::email;
        cases.push_back({"an agent's queues and a channel", q,
                         [](const Ticket& t) { return t.queue == "tech" && t.channel == Channel::email; }});
    }
    {
        TicketQuery q;
        q.text = "alpha";
        cases.push_back({"subject text", q, [](const Ticket& t) { return t.subject == "Alpha ticket"; }});
    }
    {
        TicketQuery q;
        q.text = "BETA ticket";  // one word in the message, one in the subject
        cases.push_back({"text across subject and message", q, [](const Ticket& t) { return (t.id - 1) % 7 == 0; }});
    }
    {
        TicketQuery q;
        q.status = TicketStatus::open;
        q.queue = "tech";
        q.unassigned = false;
        q.text = "ticket";
        cases.push_back({"combined", q,
                         [](const Ticket& t) { return t.status == TicketStatus::open && t.queue == "tech"; }});
    }

    auto reader = store->reader();
    for (auto& c : cases) {
        for (int limit : {7, 50, 200}) {
            CAPTURE(c.name);
            CAPTURE(limit);
            std::vector<TicketId> expected;
            for (auto it = all.rbegin(); it != all.rend(); ++it)
                if (c.matches(*it)) expected.push_back(it->id);
            REQUIRE(!expected.empty());

            TicketQuery q = c.query;
            q.limit = limit;
            std::vector<TicketId> seen;
            for (int pages = 0;; ++pages) {
                REQUIRE(pages < 200);
                TicketPage page = reader->tickets(q);
                CHECK(static_cast<int>(page.tickets.size()) <= limit);
                for (const Ticket& t : page.tickets) seen.push_back(t.id);
                if (!page.next_cursor) break;
                CHECK(static_cast<int>(page.tickets.size()) == limit);
                CHECK(*page.next_cursor == page.tickets.back().id);
                q.after = page.next_cursor;
            }
            CHECK(seen == expected);
        }
    }
}

TEST_CASE("a page size outside 1..200 is clamped") {
    auto store = SqliteStore::open_in_memory();
    write_sync(*store, [&](StoreTx& tx) {
        Customer c = make_customer("c", "c@example.fi");
        tx.insert_customer(c);
        for (int i = 0; i < 230; ++i) {
            Ticket t = make_ticket(c.id, "t");
            tx.insert_ticket(t);
        }
    });
    auto reader = store->reader();
    TicketQuery q;
    q.limit = 0;
    CHECK(reader->tickets(q).tickets.size() == 1);
    q.limit = -5;
    CHECK(reader->tickets(q).tickets.size() == 1);
    q.limit = 100000;
    auto page = reader->tickets(q);
    CHECK(page.tickets.size() == 200);
    CHECK(page.next_cursor == 31);
}

TEST_CASE("search ignores case and accents in Finnish, Estonian and Latvian text") {
    auto store = SqliteStore::open_in_memory();
    TicketId fi = create_ticket(*store, "Hyvää päivää", "Tämä päivä: laskussa on virhe, äiti ja öljy maksettu.");
    TicketId et = create_ticket(*store, "TÕNU küsimus", "Šokolaad ja žürii, õun ja ülikool.");
    TicketId lv = create_ticket(*store, "Rēķins", "Šūna, ģimene, ķirsis, ļoti, ņemt, ābols, čau, ēst, īss, ūdens.");

    CHECK(search(*store, "paiva") == std::vector{fi});
    CHECK(search(*store, "paivaa") == std::vector{fi});
    CHECK(search(*store, "paiv").empty());  // whole words unless asked for a prefix
    CHECK(search(*store, "PÄIVÄÄ") == std::vector{fi});
    CHECK(search(*store, "paiv*") == std::vector{fi});
    CHECK(search(*store, "oljy aiti") == std::vector{fi});
    CHECK(search(*store, "Tõnu") == std::vector{et});
    CHECK(search(*store, "tonu") == std::vector{et});
    CHECK(search(*store, "sokolaad ZURII") == std::vector{et});
    CHECK(search(*store, "Õun Ülikool") == std::vector{et});
    CHECK(search(*store, "ŠŪNA") == std::vector{lv});
    CHECK(search(*store, "suna gimene kirsis loti nemt") == std::vector{lv});
    CHECK(search(*store, "rekins ABOLS cau est iss udens") == std::vector{lv});
    CHECK(search(*store, "tonu suna").empty());  // every word must match the same ticket
    CHECK(search(*store, "ja") == std::vector{et, fi});
}

TEST_CASE("hostile search text never throws and never errors") {
    auto store = SqliteStore::open_in_memory();
    TicketId t = create_ticket(*store, "Printer jam", "The printer says NEAR and AND or NOT.");
    const std::vector<std::string> hostile{
        "\"",        "\"\"",        "*",          "**",          "AND OR NOT (",   "NEAR(",         "NEAR(a b, 2)",
        "-",         "- printer",   "😀",         "printer 😀",  "a:b",            "subject:jam",   "{col}",
        "^printer",  "printer*\"",  "\"printer",  "p\"r\"i",     "')--",           "'; DROP TABLE tickets; --",
        "\\",        "+",           "( )",        "printer)",    std::string{"\0x", 2}, "\xff\xfe",  " \t\n ",
        "AND",       "OR",          "NOT",        "*printer",    "pr*nter",        "printer AND",  "NOT printer",
    };
    for (const auto& q : hostile) {
        CAPTURE(q);
        CHECK_NOTHROW(search(*store, q));
    }
    CHECK(search(*store, "printer 😀") == std::vector{t});  // the emoji is no word
    CHECK(search(*store, "😀").empty());  // nothing searchable: nothing matches (not every ticket)
    CHECK(search(*store, "*").empty());
    CHECK(search(*store, "( )").empty());
    CHECK(search(*store, " \t\n ").size() == 1);  // blank: no text asked for, no text filter
    CHECK(search(*store, "AND OR NOT (") == std::vector{t});  // plain words here
    CHECK(search(*store, "NEAR(") == std::vector{t});
    CHECK(search(*store, "- printer") == std::vector{t});
    CHECK(search(*store, "pri*") == std::vector{t});
    CHECK(search(*store, "zzz*").empty());
}

TEST_CASE("a changed subject is searchable and the old one no longer is") {
    auto store = SqliteStore::open_in_memory();
    TicketId id = create_ticket(*store, "Kahvinkeitin rikki", "body");
    write_sync(*store, [&](StoreTx& tx) {
        auto t = tx.ticket(id);
        REQUIRE(t);
        t->subject = "Teekeitin rikki";
        t->status = TicketStatus::open;
        tx.update_ticket(*t);
    });
    CHECK(search(*store, "kahvinkeitin").empty());
    CHECK(search(*store, "teekeitin") == std::vector{id});
    CHECK(search(*store, "rikki") == std::vector{id});
    CHECK(store->reader()->ticket(id)->status == TicketStatus::open);

    Ticket ghost = make_ticket(1, "ghost");
    ghost.id = 4242;
    CHECK_THROWS(write_sync(*store, [&](StoreTx& tx) { tx.update_ticket(ghost); }));
}

TEST_CASE("count_by_status counts every status, zeros included") {
    auto store = SqliteStore::open_in_memory();
    write_sync(*store, [&](StoreTx& tx) {
        Customer c = make_customer("c", "c@example.fi");
        tx.insert_customer(c);
        for (auto s : {TicketStatus::open, TicketStatus::open, TicketStatus::solved}) {
            Ticket t = make_ticket(c.id, "t");
            t.status = s;
            tx.insert_ticket(t);
        }
    });
    std::map<TicketStatus, std::int64_t> counts;
    for (auto [status, n] : store->reader()->count_by_status()) counts[status] = n;
    CHECK(counts.size() == 6);
    CHECK(counts[TicketStatus::open] == 2);
    CHECK(counts[TicketStatus::solved] == 1);
    CHECK(counts[TicketStatus::new_] == 0);
}

TEST_CASE("a unit that refuses or throws rolls back only itself while its batch-mates commit") {
    auto store = SqliteStore::open_in_memory();
    CustomerId customer = write_sync(*store, [](StoreTx& tx) {
        Customer c = make_customer("c", "c@example.fi");
        return tx.insert_customer(c);
    });

    WriterGate gate;
    gate.hold(*store);  // everything below is queued behind the gate: one batch

    struct Outcome {
        std::promise<std::exception_ptr> done;
        TicketId id = 0;
    };
    std::array<Outcome, 4> units;
    auto post = [&](int i, std::function<bool(StoreTx&, TicketId)> after_insert) {
        store->post_write(
            [&, i, after_insert](StoreTx& tx) {
                Ticket t = make_ticket(customer, "unit " + std::to_string(i));
                units[i].id = tx.insert_ticket(t);
                return after_insert(tx, units[i].id);
            },
            [&, i](std::exception_ptr e) { units[i].done.set_value(e); });
    };
    post(0, [](StoreTx&, TicketId) { return true; });
    post(1, [](StoreTx&, TicketId) { return false; });
    post(2, [](StoreTx&, TicketId) -> bool { throw std::runtime_error{"unit 2 failed"}; });
    TicketId seen_by_3 = 0;
    post(3, [&](StoreTx& tx, TicketId) {
        auto earlier = tx.ticket(units[0].id);  // a batch-mate's writes are visible
        if (earlier) seen_by_3 = earlier->id;
        return true;
    });
    gate.release();

    std::array<std::exception_ptr, 4> errors;
    for (int i = 0; i < 4; ++i) errors[i] = units[i].done.get_future().get();
    CHECK_FALSE(errors[0]);
    CHECK_FALSE(errors[1]);  // a refused command is not an error
    REQUIRE(errors[2]);
    CHECK_THROWS_WITH(std::rethrow_exception(errors[2]), "unit 2 failed");
    CHECK_FALSE(errors[3]);
    CHECK(seen_by_3 == units[0].id);

    // Rolled-back inserts leave no trace, not even a used ticket number: ids stay dense.
    CHECK(units[3].id == units[0].id + 1);
    std::vector<std::string> subjects;
    for (const Ticket& t : store->reader()->tickets({}).tickets) subjects.push_back(t.subject);
    CHECK(subjects == std::vector<std::string>{"unit 3", "unit 0"});
    CHECK(search(*store, "unit").size() == 2);  // the search index rolled back with them
}

TEST_CASE("a batch runs again with savepoints only when a unit fails after writing") {
    auto store = SqliteStore::open_in_memory();
    CustomerId customer = write_sync(*store, [](StoreTx& tx) {
        Customer c = make_customer("c", "c@example.fi");
        return tx.insert_customer(c);
    });
    auto run_batch = [&](bool refuse_after_writing) {
        WriterGate gate;
        gate.hold(*store);
        std::atomic<int> first_runs{0};
        std::promise<void> first_done, second_done;
        store->post_write(
            [&](StoreTx& tx) {
                ++first_runs;
                Ticket t = make_ticket(customer, "kept");
                tx.insert_ticket(t);
                return true;
            },
            [&](std::exception_ptr) { first_done.set_value(); });
        store->post_write(
            [&, refuse_after_writing](StoreTx& tx) {
                if (refuse_after_writing) {
                    Ticket t = make_ticket(customer, "refused");
                    tx.insert_ticket(t);
                }
                return false;
            },
            [&](std::exception_ptr) { second_done.set_value(); });
        gate.release();
        first_done.get_future().get();
        second_done.get_future().get();
        return first_runs.load();
    };
    CHECK(run_batch(false) == 1);  // refused before any write: nothing to undo, no second run
    CHECK(run_batch(true) == 2);   // refused after a write: the batch ran again, in savepoints
    std::vector<std::string> subjects;
    for (const Ticket& t : store->reader()->tickets({}).tickets) subjects.push_back(t.subject);
    CHECK(subjects == std::vector<std::string>{"kept", "kept"});
}

TEST_CASE("after_commit runs once per committed unit, before its done, and never for a unit rolled back") {
    auto store = SqliteStore::open_in_memory();
    CustomerId customer = write_sync(*store, [](StoreTx& tx) {
        Customer c = make_customer("c", "c@example.fi");
        return tx.insert_customer(c);
    });
    WriterGate gate;
    gate.hold(*store);  // one batch: the refusal after a write makes it run again, in savepoints
    std::vector<std::string> ran;  // the writer's side: the callbacks and dones run in turn
    std::promise<void> all_done;
    int runs_of_kept = 0;
    store->post_write(
        [&](StoreTx& tx) {
            ++runs_of_kept;
            Ticket t = make_ticket(customer, "kept");
            tx.insert_ticket(t);
            tx.after_commit([&] { ran.push_back("kept committed"); });
            return true;
        },
        [&](std::exception_ptr e) { ran.push_back(e ? "kept failed" : "kept done"); });
    store->post_write(
        [&](StoreTx& tx) {
            Ticket t = make_ticket(customer, "refused");
            tx.insert_ticket(t);
            tx.after_commit([&] { ran.push_back("refused committed"); });
            return false;
        },
        [&](std::exception_ptr) { ran.push_back("refused done"); });
    store->post_write(
        [&](StoreTx& tx) -> bool {
            tx.after_commit([&] { ran.push_back("thrown committed"); });
            throw std::runtime_error{"no"};
        },
        [&](std::exception_ptr) {
            ran.push_back("thrown done");
            all_done.set_value();
        });
    gate.release();
    all_done.get_future().get();
    CHECK(runs_of_kept == 2);  // the first run's callback was dropped with that run
    CHECK(ran == std::vector<std::string>{"kept committed", "kept done", "refused done", "thrown done"});
}

TEST_CASE("write_sync returns the unit's value and rethrows what it threw") {
    auto store = SqliteStore::open_in_memory();
    CHECK(write_sync(*store, [](StoreTx&) { return 42; }) == 42);
    CHECK_THROWS_WITH(write_sync(*store, [](StoreTx&) -> int { throw std::runtime_error{"no"}; }), "no");
    CHECK_NOTHROW(write_sync(*store, [](StoreTx&) {}));
}

TEST_CASE("many threads posting 10000 units all get done exactly once and every row is stored") {
    auto store = SqliteStore::open_in_memory({.durable = false, .max_batch = 256, .readers = 2});
    constexpr int kThreads = 8;
    constexpr int kPerThread = 1250;
    constexpr int kUnits = kThreads * kPerThread;
    std::vector<std::atomic<int>> done_calls(kUnits);
    std::atomic<int> finished{0};
    std::promise<void> all_done;

    std::vector<std::thread> threads;
    for (int th = 0; th < kThreads; ++th) {
        threads.emplace_back([&, th] {
            for (int i = 0; i < kPerThread; ++i) {
                const int unit = th * kPerThread + i;
                store->post_write(
                    [unit](StoreTx& tx) {
                        Customer c = make_customer("c", "u" + std::to_string(unit) + "@example.fi");
                        tx.insert_customer(c);
                        Ticket t = make_ticket(c.id, "unit " + std::to_string(unit));
                        tx.insert_ticket(t);
                        return true;
                    },
                    [&, unit](std::exception_ptr e) {
                        CHECK_FALSE(e);
                        done_calls[unit]++;
                        if (++finished == kUnits) all_done.set_value();
                    });
            }
        });
    }
    for (auto& t : threads) t.join();
    REQUIRE(all_done.get_future().wait_for(std::chrono::seconds{60}) == std::future_status::ready);
    store->stop();  // nothing may run after the last done
    CHECK(std::all_of(done_calls.begin(), done_calls.end(), [](const auto& n) { return n == 1; }));

    std::int64_t total = 0;
    for (auto [status, n] : store->reader()->count_by_status()) total += n;
    CHECK(total == kUnits);
    TicketQuery q;
    q.limit = 1;
    CHECK(store->reader()->tickets(q).tickets.at(0).id == kUnits);  // ids are dense: 1..kUnits
}

TEST_CASE("readers on several threads read at once while the writer writes") {
    auto store = SqliteStore::open_in_memory();
    TicketId id = create_ticket(*store, "shared");
    std::atomic<bool> writing{true};
    std::thread writer{[&] {
        for (int i = 0; i < 200; ++i) create_ticket(*store, "more");
        writing = false;
    }};
    std::vector<std::thread> readers;
    std::atomic<int> failures{0};
    for (int r = 0; r < 6; ++r) {
        readers.emplace_back([&] {
            do {
                auto reader = store->reader();
                if (!reader->ticket(id) || reader->messages(id).size() != 1) ++failures;
                TicketQuery q;
                q.text = "more";
                reader->tickets(q);
            } while (writing);
        });
    }
    writer.join();
    for (auto& r : readers) r.join();
    CHECK(failures == 0);
    CHECK(search(*store, "more").size() == 200);
}

TEST_CASE("a reader lease may outlive its store") {
    std::shared_ptr<StoreReader> reader;
    TicketId id = 0;
    {
        auto store = SqliteStore::open_in_memory();
        id = create_ticket(*store, "lasting");
        reader = store->reader();
    }
    CHECK(reader->ticket(id));
    reader.reset();
}

TEST_CASE("a write posted after stop fails without running") {
    auto store = SqliteStore::open_in_memory();
    store->stop();
    bool ran = false;
    std::exception_ptr error;
    store->post_write(
        [&](StoreTx&) {
            ran = true;
            return true;
        },
        [&](std::exception_ptr e) { error = e; });
    CHECK_FALSE(ran);
    CHECK(error);
    store->stop();  // idempotent
}

TEST_CASE("unit serials follow on from unit to unit and break at an undone unit or another process's commit") {
    TempDir dir;
    const auto path = dir.path / "triage.db";
    auto store = SqliteStore::open(path, {.durable = false, .max_batch = 16, .readers = 1});
    auto serial = [&] { return write_sync(*store, [](StoreTx& tx) { return tx.unit_serial(); }); };
    const auto first = serial();
    CHECK(serial() == first + 1);
    CHECK(serial() == first + 2);
    // A unit that throws is undone: the next one does not follow on.
    CHECK_THROWS(write_sync(*store, [](StoreTx& tx) {
        Customer c = make_customer("gone", "gone@example.fi");
        tx.insert_customer(c);
        throw std::runtime_error("undone");
    }));
    const auto after_undo = serial();
    CHECK(after_undo > first + 4);
    CHECK(serial() == after_undo + 1);
    // Another connection commits: the next unit's serial jumps.
    {
        sqlite::Connection other{path.string(), sqlite::Connection::Mode::read_write};
        other.exec("INSERT INTO customers (name, organisation, tier, preferred_language, created_at)"
                   " VALUES ('other', '', 'standard', '', 0)");
    }
    CHECK(serial() > after_undo + 2);
}

TEST_CASE("committed data survives closing and re-opening a file database") {
    TempDir dir;
    const auto path = dir.path / "triage.db";
    TicketId id = 0;
    {
        auto store = SqliteStore::open(path, {.durable = true, .max_batch = 16, .readers = 1});
        id = create_ticket(*store, "Muistaa minut", "kestävä viesti");
        write_sync(*store, [](StoreTx& tx) { tx.upsert_token("cli", "h", "admin"); });
        store->checkpoint();
        id = create_ticket(*store, "Toinen", "after the checkpoint");  // lives only in the WAL
    }
    {
        auto store = SqliteStore::open(path);
        auto reader = store->reader();
        REQUIRE(reader->ticket(id));
        CHECK(reader->ticket(id)->subject == "Toinen");
        CHECK(reader->ticket(id - 1)->subject == "Muistaa minut");
        CHECK(reader->messages(id - 1).at(0).body == "kestävä viesti");
        CHECK(reader->token_by_hash("h"));
        CHECK(search(*store, "kestava") == std::vector{id - 1});
        CHECK(create_ticket(*store, "Kolmas") == id + 1);  // ids continue, never reused
    }
}

// A writer with a queue that never runs dry: the WAL restarts from its top only when a write
// transaction begins with every frame already in the database file, which a passive
// checkpoint beside a busy writer never gets to. Without the writer's wait for it, the WAL
// grows by every commit (1 GiB over a 1M-ticket import).
TEST_CASE("a writer that never pauses keeps the WAL short: it starts again from the top once long") {
    auto wal_after_a_long_stream = [](int wal_restart_pages) {
        TempDir dir;
        const auto path = dir.path / "triage.db";
        auto store = SqliteStore::open(path, {.durable = false, .max_batch = 4, .readers = 1,
                                              .wal_restart_pages = wal_restart_pages});
        const std::string name(48 * 1024, 'x');  // overflow pages: ~13 pages a customer
        std::vector<std::future<void>> done;
        WriterGate gate;
        gate.hold(*store);  // everything below queues first, then runs without a pause
        for (int i = 0; i < 480; ++i) {
            auto promise = std::make_shared<std::promise<void>>();
            done.push_back(promise->get_future());
            store->post_write(
                [&name, i](StoreTx& tx) {
                    Customer c;
                    c.name = name + std::to_string(i);
                    tx.insert_customer(c);
                    return true;
                },
                [promise](std::exception_ptr e) { e ? promise->set_exception(e) : promise->set_value(); });
        }
        gate.release();
        for (auto& f : done) f.get();
        const auto wal = fs::file_size(path.string() + "-wal");
        CHECK(store->reader()->customer(480));  // every unit ran
        return wal;
    };
    // ~24 MiB written in 120 commits, none after a pause.
    const auto restarting = wal_after_a_long_stream(256);  // 1 MiB
    const auto growing = wal_after_a_long_stream(1 << 30);
    CHECK(growing > 20u * 1024 * 1024);  // the stream as SQLite alone leaves it
    CHECK(restarting < 6u * 1024 * 1024);
}

TEST_CASE("\":memory:\" opens a private database shared by the writer and the readers") {
    auto store = SqliteStore::open(":memory:");
    TicketId id = create_ticket(*store, "muisti");
    CHECK(store->reader()->ticket(id));
}

TEST_CASE("an in-memory store leaves no files behind") {
    fs::path path;
    {
        auto store = SqliteStore::open_in_memory();
        path = store->path();
        create_ticket(*store, "temporary");
        CHECK(fs::exists(path));
    }
    CHECK_FALSE(fs::exists(path));
    CHECK_FALSE(fs::exists(path.string() + "-wal"));
    CHECK_FALSE(fs::exists(path.string() + "-shm"));
}

TEST_CASE("each agent's open-ticket count follows every insert, bulk insert, reassignment, solve and reopen") {
    auto store = SqliteStore::open_in_memory();
    std::vector<AgentId> agents;
    CustomerId requester = 0;
    write_sync(*store, [&](StoreTx& tx) {
        auto c = make_customer("Liis Rebane", "liis@example.ee");
        requester = tx.insert_customer(c);
        for (const char* email : {"a@triage.test", "b@triage.test", "c@triage.test"}) {
            Agent a{0, email, email, AgentRole::agent, {"support"}, {}, {"et"}};
            agents.push_back(tx.upsert_agent(a));
        }
    });
    std::vector<Ticket> tickets;
    std::uint32_t seed = 12345;
    auto next = [&](std::uint32_t n) {
        seed = seed * 1103515245u + 12345u;
        return (seed >> 16) % n;
    };
    auto random_assignee = [&]() -> std::optional<AgentId> {
        const auto k = next(4);
        return k == 3 ? std::nullopt : std::optional<AgentId>{agents[k]};
    };
    constexpr std::array kStatuses{TicketStatus::new_, TicketStatus::open, TicketStatus::pending,
                                   TicketStatus::on_hold, TicketStatus::solved, TicketStatus::closed};
    for (int round = 0; round < 40; ++round) {
        write_sync(*store, [&](StoreTx& tx) {
            for (int i = 0; i < 5; ++i) {  // one at a time
                Ticket t = make_ticket(requester, "Arve " + std::to_string(round));
                t.assignee_id = random_assignee();
                t.status = kStatuses[next(6)];
                tx.insert_ticket(t);
                tickets.push_back(t);
            }
            std::vector<Ticket> bulk;  // many to a statement, as the imports write them
            TicketId id = tx.next_ticket_id();
            for (int i = 0; i < 4; ++i) {
                Ticket t = make_ticket(requester, "Import " + std::to_string(round));
                t.id = id++;
                t.assignee_id = random_assignee();
                t.status = kStatuses[next(6)];
                bulk.push_back(t);
            }
            tx.insert_tickets(bulk);
            tickets.insert(tickets.end(), bulk.begin(), bulk.end());
            for (int i = 0; i < 6; ++i) {  // reassign, solve, reopen, close, leave as is
                Ticket& t = tickets[next(static_cast<std::uint32_t>(tickets.size()))];
                if (next(2)) t.assignee_id = random_assignee();
                if (next(2)) t.status = kStatuses[next(6)];
                tx.update_ticket(t);
            }
        });
        std::map<AgentId, int> expected;
        for (const auto& t : tickets)
            if (t.assignee_id && t.status != TicketStatus::solved && t.status != TicketStatus::closed)
                ++expected[*t.assignee_id];
        auto counted = write_sync(*store, [](StoreTx& tx) { return tx.open_tickets_by_assignee(); });
        std::map<AgentId, int> actual(counted.begin(), counted.end());
        REQUIRE(actual == expected);
    }
}
