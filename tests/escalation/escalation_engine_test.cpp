#include "escalation/escalation_engine.hpp"

#include "escalation/language_detector.hpp"
#include "escalation/sla_timer_heap.hpp"
#include "storage/sqlite_store.hpp"
#include "tests/support/result_printer.hpp"
#include "tests/support/time_literals.hpp"
#include "tests/support/triaged_process.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <yaml-cpp/yaml.h>

using namespace triage;
using namespace std::chrono;
using triage::test::at;

namespace {

// Helsinki office hours, Monday 21 December 2026 08:00 local is 06:00Z.
std::shared_ptr<EscalationSettings> desk_settings() {
    auto s = std::make_shared<EscalationSettings>();
    auto calendar = BusinessCalendar::make("fi-support", "Europe/Helsinki", *parse_hours_spec("mon-fri 08:00-16:00"),
                                           *parse_holidays("2026-12-24,2026-12-25"));
    REQUIRE(calendar);
    s->calendars.emplace("fi-support", std::move(*calendar));
    s->default_calendar = "fi-support";
    SlaPolicy standard;
    standard.name = "standard";
    standard.first_response_minutes = 60;
    standard.resolution_minutes = 120;
    standard.warning_percent = 80;
    s->policies.push_back(standard);
    s->tier_people[Tier::l2] = {"mikko@triage.example"};
    s->tier_people[Tier::supervisor] = {"sarah@triage.example"};
    s->queues["support"].routing = RoutingStrategy::round_robin;
    return s;
}

Agent agent(std::string name, std::string email, std::vector<std::string> languages, std::vector<std::string> skills,
            AgentRole role = AgentRole::agent) {
    Agent a;
    a.name = std::move(name);
    a.email = std::move(email);
    a.role = role;
    a.queues = {"support"};
    a.languages = std::move(languages);
    a.skills = std::move(skills);
    return a;
}

Enquiry enquiry(std::string subject, std::string text, std::string email, std::string language = "") {
    Enquiry e;
    e.channel = Channel::email;
    e.sender_name = "Asiakas";
    e.sender = {{IdentityKind::email, std::move(email)}};
    e.subject = std::move(subject);
    e.text = std::move(text);
    e.language = std::move(language);
    return e;
}

// The engine over a store, driven like triaged drives it: every timer it asks for goes into
// one heap, and run_due() rings the due ones, as the scheduler does.
struct Desk {
    ManualClock& clock;
    std::unique_ptr<SqliteStore> store;
    std::shared_ptr<EscalationSettings> settings;
    Intake intake{clock};
    TicketDesk desk{clock};
    EscalationEngine engine;
    SlaTimerHeap heap;

    Desk(ManualClock& c, std::unique_ptr<SqliteStore> s, std::shared_ptr<EscalationSettings> settings_,
         std::shared_ptr<const RuleSet> rules = nullptr, const LanguageDetector* detector = nullptr)
        : clock(c), store(std::move(s)), settings(std::move(settings_)),
          engine(clock, desk, settings, std::move(rules), detector) {}

    void arm(const EscalationOutcome& out) {
        for (const auto& t : out.timers) heap.push(t.due, t.ticket);
    }
    void restore() {
        auto reader = store->reader();
        EscalationEngine::restore_timers(*reader, [&](const SlaTimer& t) { heap.append_unordered(t.due, t.ticket); });
        heap.heapify();
    }
    Ticket open(const Enquiry& e) {
        EscalationOutcome out;
        auto outcome = write_sync(*store, [&](StoreTx& tx) {
            auto r = intake.accept(tx, e);
            if (r) engine.after_intake(tx, *r, out);
            return r;
        });
        REQUIRE(outcome);
        arm(out);
        return outcome->ticket;
    }
    Ticket patch(TicketId id, TicketPatch p) {
        EscalationOutcome out;
        auto outcome = write_sync(*store, [&](StoreTx& tx) {
            auto r = desk.update(tx, id, p, Actor{"agent:1", "Agent", std::nullopt});
            if (r) engine.after_desk(tx, *r, out);
            return r;
        });
        REQUIRE(outcome);
        arm(out);
        return outcome->ticket;
    }
    void run_due() {
        std::vector<TicketId> due;
        heap.pop_due(clock.system_now(), [&](TicketId id) { due.push_back(id); });
        if (due.empty()) return;
        EscalationOutcome out;
        write_sync(*store, [&](StoreTx& tx) {
            for (auto id : due) engine.on_timer(tx, id, out);
        });
        arm(out);
    }
    // The customer writes again on ticket `id` (a follow-up threaded to it).
    Ticket follow_up(TicketId id, std::string text, std::string email = "matti@example.fi") {
        Enquiry e = enquiry("Re: follow-up", std::move(text), std::move(email));
        e.thread.ticket_id = id;
        e.received_at = clock.system_now();
        return open(e);
    }
    // An agent's public reply through the desk, as POST .../messages does it.
    Ticket reply(TicketId id, std::string text) {
        EscalationOutcome out;
        auto outcome = write_sync(*store, [&](StoreTx& tx) {
            auto r = desk.add_message(tx, id, NewMessage{MessageKind::reply, std::move(text), std::nullopt},
                                      Actor{"agent:1", "Agent", std::nullopt});
            if (r) engine.after_desk(tx, *r, out);
            return r;
        });
        REQUIRE(outcome);
        arm(out);
        return outcome->ticket;
    }
    std::optional<TicketSlaRecord> sla(TicketId id, std::string_view target) {
        for (auto& r : store->reader()->ticket_slas(id))
            if (r.target == target) return r;
        return std::nullopt;
    }
    Ticket ticket(TicketId id) { return *store->reader()->ticket(id); }
    std::vector<std::string> events_of(TicketId id, std::string_view type) {
        std::vector<std::string> out;
        for (const auto& e : store->reader()->events(id))
            if (e.type == type) out.push_back(e.detail);
        return out;
    }
    std::vector<std::string> notified(TicketId id) {
        std::vector<std::string> out;
        for (const auto& n : store->reader()->notifications(id)) out.push_back(n.target);
        return out;
    }
};

std::int64_t count(const std::vector<std::string>& v) { return static_cast<std::int64_t>(v.size()); }

}  // namespace

TEST_CASE("a ticket nobody answers climbs L1 -> L2 -> supervisor, each tier's people told once") {
    ManualClock clock{at("2026-12-21T08:00:00+02:00")};
    Desk d{clock, SqliteStore::open_in_memory(), desk_settings()};
    auto t = d.open(enquiry("Tilaus kateissa", "Hei, tilaukseni ei ole tullut.", "matti@example.fi"));
    CHECK(t.tier == Tier::l1);

    clock.set(at("2026-12-21T08:50:00+02:00"));  // 80 % of the first-response hour
    d.run_due();
    CHECK(count(d.events_of(t.id, "sla_warning")) == 1);
    CHECK(d.ticket(t.id).tier == Tier::l1);

    clock.set(at("2026-12-21T09:00:30+02:00"));
    d.run_due();
    CHECK(d.ticket(t.id).tier == Tier::l2);
    CHECK(d.notified(t.id) == std::vector<std::string>{"mikko@triage.example"});

    clock.set(at("2026-12-21T10:00:30+02:00"));  // the two-hour resolution target
    d.run_due();
    CHECK(d.ticket(t.id).tier == Tier::supervisor);
    CHECK(d.notified(t.id) == std::vector<std::string>{"mikko@triage.example", "sarah@triage.example"});
    CHECK(count(d.events_of(t.id, "sla_breached")) == 2);

    clock.set(at("2026-12-22T10:00:00+02:00"));  // nothing more to report, ever
    d.run_due();
    CHECK(count(d.events_of(t.id, "sla_breached")) == 2);
    CHECK(d.ticket(t.id).tier == Tier::supervisor);

    auto escalated = d.store->reader()->escalated_slas(10);
    REQUIRE(escalated.size() == 2);
    CHECK(escalated[0].target == "first_response");  // soonest deadline first
}

TEST_CASE("the clock pauses while pending and the first reply records wall and business minutes") {
    ManualClock clock{at("2026-12-21T15:30:00+02:00")};
    Desk d{clock, SqliteStore::open_in_memory(), desk_settings()};
    auto t = d.open(enquiry("Kysymys", "Hei, kysymys laskusta.", "aino@example.fi"));
    TicketPatch pending;
    pending.status = TicketStatus::pending;
    clock.set(at("2026-12-21T15:45:00+02:00"));
    d.patch(t.id, pending);
    clock.set(at("2026-12-22T12:00:00+02:00"));  // paused: no breach, though 60 business minutes passed
    d.run_due();
    CHECK(count(d.events_of(t.id, "sla_breached")) == 0);
    TicketPatch open;
    open.status = TicketStatus::open;
    d.patch(t.id, open);  // resumes with 45 of 60 minutes left
    clock.set(at("2026-12-22T12:30:00+02:00"));
    EscalationOutcome out;
    write_sync(*d.store, [&](StoreTx& tx) {
        auto r = d.desk.add_message(tx, t.id, NewMessage{MessageKind::reply, "Vastaus", std::nullopt},
                                    Actor{"agent:1", "Agent", std::nullopt});
        REQUIRE(r);
        d.engine.after_desk(tx, *r, out);
    });
    auto slas = d.store->reader()->ticket_slas(t.id);
    auto first = std::find_if(slas.begin(), slas.end(), [](auto& s) { return s.target == "first_response"; });
    REQUIRE(first != slas.end());
    CHECK(first->business_minutes == 45);  // 15 on Monday, 30 on Tuesday
    CHECK(first->wall_minutes == 21 * 60);
    CHECK(first->phase == static_cast<int>(SlaPhase::met));
    auto timeline = decode_sla_timeline(first->timeline);
    std::vector<std::string> kinds;
    for (const auto& e : timeline) kinds.emplace_back(to_string(e.kind));
    CHECK(kinds == std::vector<std::string>{"started", "paused", "resumed", "met"});
}

TEST_CASE("after a restart, deadlines that passed while the server was down fire exactly once") {
    test::TempDir dir;
    const auto db = dir.path() / "triage.db";
    SqliteOptions options;
    options.durable = false;
    ManualClock clock{at("2026-12-21T08:00:00+02:00")};
    TicketId id = 0;
    {
        Desk d{clock, SqliteStore::open(db, options), desk_settings()};
        id = d.open(enquiry("Palautus", "Haluan palauttaa tuotteen.", "liisa@example.fi")).id;
        CHECK(d.heap.size() >= 1);
    }  // the server goes down before any deadline

    clock.set(at("2026-12-21T14:00:00+02:00"));  // both targets passed meanwhile
    for (int restart = 0; restart < 3; ++restart) {
        Desk d{clock, SqliteStore::open(db, options), desk_settings()};
        d.restore();
        d.run_due();
        d.run_due();
        write_sync(*d.store, [&](StoreTx& tx) {  // a stray extra ring changes nothing either
            EscalationOutcome out;
            d.engine.on_timer(tx, id, out);
            CHECK(out.events.empty());
        });
        CHECK(count(d.events_of(id, "sla_warning")) == 2);
        CHECK(count(d.events_of(id, "sla_breached")) == 2);
        CHECK(d.ticket(id).tier == Tier::supervisor);
        CHECK(d.notified(id).size() == 2);
        CHECK(d.heap.size() == 0);
    }
}

TEST_CASE("routing picks an agent with the ticket's language and the skill a rule asks for") {
    ManualClock clock{at("2026-12-21T10:00:00+02:00")};
    auto rules = RuleSet::compile_text(R"(
rules:
  - name: billing needs the skill
    on: created
    if: {subject: {regex: "lasku|rēķin|arve"}}
    then: [{assign: {skill: billing}}]
)",
                                       "rules.yaml");
    REQUIRE(rules);
    auto settings = desk_settings();
    settings->agents["kadri@triage.example"].capacity = 1;
    Desk d{clock, SqliteStore::open_in_memory(), settings, std::make_shared<const RuleSet>(std::move(*rules))};
    std::map<std::string, AgentId> ids;
    write_sync(*d.store, [&](StoreTx& tx) {
        for (auto a : {agent("Aino", "aino@triage.example", {"fi", "en"}, {"billing"}),
                       agent("Mikko", "mikko@triage.example", {"fi"}, {"network"}),
                       agent("Kadri", "kadri@triage.example", {"et", "en"}, {"returns"}),
                       agent("Līga", "liga@triage.example", {"lv", "en"}, {"billing"}),
                       agent("Sarah", "sarah@triage.example", {"en", "fi", "et", "lv"}, {"billing"}, AgentRole::supervisor)})
            ids[a.email] = tx.upsert_agent(a);
    });

    auto lv = d.open(enquiry("Rēķins nav saņemts", "Labdien, es nesaņēmu rēķinu.", "janis@example.lv", "lv"));
    CHECK(lv.assignee_id == ids["liga@triage.example"]);
    auto fi = d.open(enquiry("Lasku puuttuu", "Hei, lasku puuttuu.", "matti@example.fi", "fi"));
    CHECK(fi.assignee_id == ids["aino@triage.example"]);  // Mikko speaks Finnish but has no billing skill
    CHECK_FALSE(d.events_of(fi.id, "routed").empty());

    auto et1 = d.open(enquiry("Tagastus", "Tere, soovin toote tagastada.", "mari@example.ee", "et"));
    CHECK(et1.assignee_id == ids["kadri@triage.example"]);
    auto et2 = d.open(enquiry("Teine tagastus", "Tere, veel üks tagastus.", "toomas@example.ee", "et"));
    CHECK_FALSE(et2.assignee_id);  // Kadri is at capacity (1), nobody else speaks Estonian
    CHECK(d.events_of(et2.id, "routing_waiting").size() == 1);

    TicketPatch solved;
    solved.status = TicketStatus::solved;
    d.patch(et1.id, solved);  // Kadri has room again: the waiting ticket is routed
    CHECK(d.ticket(et2.id).assignee_id == ids["kadri@triage.example"]);
    CHECK(d.store->reader()->routing_waits().empty());
}

TEST_CASE("a rule's firing is audited with the rule's name and the conditions that matched") {
    ManualClock clock{at("2026-12-21T10:00:00+02:00")};
    auto rules = RuleSet::compile_text(R"(
rules:
  - name: outage
    on: created
    if: {all: [{subject: {contains: "KATKOS"}}, {not: {channel: fax}}]}
    then: [{set: {priority: urgent, tags: {add: [outage]}}}, {escalate: L2}]
)",
                                       "rules.yaml");
    REQUIRE(rules);
    Desk d{clock, SqliteStore::open_in_memory(), desk_settings(), std::make_shared<const RuleSet>(std::move(*rules))};
    auto t = d.open(enquiry("Verkon katkos", "Ei toimi.", "a@example.fi"));
    CHECK(t.priority == Priority::urgent);
    CHECK(t.tier == Tier::l2);
    CHECK(t.tags == std::vector<std::string>{"outage"});
    auto fired = d.events_of(t.id, "rule_fired");
    REQUIRE(fired.size() == 1);
    CHECK(fired[0] == "rule 'outage' on created: matched subject contains 'KATKOS'; not (channel is fax); then set "
                      "priority urgent, add tags outage, escalate L2");
    bool attributed = false;
    for (const auto& e : d.store->reader()->events(t.id))
        attributed = attributed || (e.actor == "rule:outage" && e.type == "updated" && !e.changes.empty());
    CHECK(attributed);
}

TEST_CASE("a referral goes to the best partner, moves the ticket to external, and a decline tries the next") {
    ManualClock clock{at("2026-12-21T10:00:00+02:00")};
    auto settings = desk_settings();
    auto partners = load_partners(YAML::Load(R"(
- {id: ee-law, name: Tamm, email: ee@law.example, specialties: [legal], regions: [EE], languages: [et], agreement: {hourly_fee: 140}}
- {id: fi-law, name: Koskinen, email: fi@law.example, specialties: [legal], regions: [FI], languages: [fi], agreement: {hourly_fee: 180, commission_percent: 5}}
- {id: off, name: Off, email: off@law.example, specialties: [legal], languages: [fi], active: false, agreement: {commission_percent: 1}}
)"),
                                  "partners.yaml");
    REQUIRE(partners);
    settings->partners = *partners;
    Desk d{clock, SqliteStore::open_in_memory(), settings};
    auto t = d.open(enquiry("Riita", "Harkitsen kannetta.", "a@example.fi", "fi"));
    EscalationOutcome out;
    auto referral = write_sync(*d.store, [&](StoreTx& tx) {
        return d.engine.refer(tx, t.id, "legal", "", Actor{"agent:1", "A", std::nullopt}, out);
    });
    REQUIRE(referral);
    CHECK(referral->partner == "fi-law");
    CHECK(referral->state == "sent");
    CHECK(d.ticket(t.id).tier == Tier::external);
    auto notes = d.store->reader()->notifications(t.id);
    REQUIRE_FALSE(notes.empty());
    CHECK(notes.back().target == "fi@law.example");
    CHECK(notes.back().body.find("Harkitsen kannetta.") != std::string::npos);

    auto declined = write_sync(*d.store, [&](StoreTx& tx) {
        return d.engine.move_referral(tx, referral->id, "declined", "full", Actor{"agent:1", "A", std::nullopt}, out);
    });
    REQUIRE(declined);
    auto all = d.store->reader()->referrals(t.id);
    REQUIRE(all.size() == 2);
    CHECK(all[1].partner == "ee-law");  // the inactive one is never picked
    auto bad = write_sync(*d.store, [&](StoreTx& tx) {
        return d.engine.move_referral(tx, all[1].id, "completed", "", Actor{"agent:1", "A", std::nullopt}, out);
    });
    CHECK_FALSE(bad);  // sent -> completed skips accepted
}

TEST_CASE("language detection tells Finnish, Estonian, Latvian and English apart") {
    LanguageDetector detector;
    CHECK(detector.detect("Hei, en ole saanut laskua joulukuulta. Voisitteko lähettää sen uudelleen sähköpostiini?") == "fi");
    CHECK(detector.detect("Tere, ma ei ole saanud detsembri arvet. Kas te saaksite selle mulle uuesti saata?") == "et");
    CHECK(detector.detect("Labdien, es neesmu saņēmis decembra rēķinu. Vai jūs varētu to man nosūtīt vēlreiz?") == "lv");
    CHECK(detector.detect("Hello, I have not received my December invoice. Could you please send it again?") == "en");
    CHECK(detector.detect("ok") == "und");
}

namespace {

std::vector<std::string> timeline_kinds(const TicketSlaRecord& r) {
    std::vector<std::string> kinds;
    for (const auto& e : decode_sla_timeline(r.timeline)) kinds.emplace_back(to_string(e.kind));
    return kinds;
}

std::shared_ptr<const RuleSet> reply_rules() {
    auto rules = RuleSet::compile_text(R"(
rules:
  - name: thank you
    on: created
    then: [{reply: "Kiitos viestistäsi {{requester.name}}, vastaamme pian ({{ticket.key}})."}]
)",
                                       "rules.yaml");
    REQUIRE(rules);
    return std::make_shared<const RuleSet>(std::move(*rules));
}

}  // namespace

TEST_CASE("a rule's reply is a public message on the ticket, audited, and not the first response") {
    ManualClock clock{at("2026-12-21T09:00:00+02:00")};
    Desk d{clock, SqliteStore::open_in_memory(), desk_settings(), reply_rules()};
    auto t = d.open(enquiry("Tilaus", "Hei, missä tilaukseni on?", "matti@example.fi"));
    auto messages = d.store->reader()->messages(t.id);
    REQUIRE(messages.size() == 2);
    CHECK(messages[1].kind == MessageKind::reply);
    CHECK(messages[1].author_kind == AuthorKind::system);
    CHECK(messages[1].body == "Kiitos viestistäsi Asiakas, vastaamme pian (T-1).");
    CHECK(d.events_of(t.id, "auto_replied").size() == 1);
    bool by_rule = false;
    for (const auto& e : d.store->reader()->events(t.id)) by_rule = by_rule || (e.type == "auto_replied" && e.actor == "rule:thank you");
    CHECK(by_rule);
    // Automatic replies do not count (as in Zendesk): the status and the first-response clock stay.
    CHECK(t.status == TicketStatus::new_);
    CHECK_FALSE(t.first_response_at);
    CHECK(d.sla(t.id, "first_response")->phase == static_cast<int>(SlaPhase::running));
    // Without an outbox (no EscalationMail) nothing is mailed and no notification waits for it.
    CHECK(d.notified(t.id).empty());
}

TEST_CASE("a policy with automatic_replies_count makes a rule's reply the first response") {
    ManualClock clock{at("2026-12-21T09:00:00+02:00")};
    auto settings = desk_settings();
    settings->policies[0].automatic_replies_count = true;
    Desk d{clock, SqliteStore::open_in_memory(), settings, reply_rules()};
    auto t = d.open(enquiry("Tilaus", "Hei, missä tilaukseni on?", "matti@example.fi"));
    CHECK(t.first_response_at == at("2026-12-21T09:00:00+02:00"));
    CHECK(t.status == TicketStatus::new_);  // still nobody's answer: the status stays
    auto first = d.sla(t.id, "first_response");
    REQUIRE(first);
    CHECK(first->phase == static_cast<int>(SlaPhase::met));
    CHECK(first->business_minutes == 0);
}

TEST_CASE("the next-response clock runs in business hours from a follow-up to the next reply, pauses, breaches once") {
    ManualClock clock{at("2026-12-21T08:00:00+02:00")};  // Monday, Helsinki office hours 08-16
    auto settings = desk_settings();
    settings->policies[0].first_response_minutes = 480;
    settings->policies[0].next_response_minutes = 30;
    settings->policies[0].resolution_minutes = 10000;
    Desk d{clock, SqliteStore::open_in_memory(), settings};
    auto t = d.open(enquiry("Laskutus", "Hei, laskussa on virhe.", "matti@example.fi"));

    clock.set(at("2026-12-21T15:00:00+02:00"));
    d.follow_up(t.id, "Lisätietoa: virhe on rivillä 3.");
    CHECK_FALSE(d.sla(t.id, "next_response"));  // no response yet: first response covers it

    clock.set(at("2026-12-21T15:10:00+02:00"));
    d.reply(t.id, "Tarkistamme asian.");
    CHECK(d.sla(t.id, "first_response")->phase == static_cast<int>(SlaPhase::met));
    CHECK_FALSE(d.sla(t.id, "next_response"));

    clock.set(at("2026-12-21T15:50:00+02:00"));
    d.follow_up(t.id, "Onko asia edennyt?");
    auto next = d.sla(t.id, "next_response");
    REQUIRE(next);
    CHECK(next->phase == static_cast<int>(SlaPhase::running));
    CHECK(next->started_at == at("2026-12-21T15:50:00+02:00"));
    CHECK(next->deadline == at("2026-12-22T08:20:00+02:00"));  // 10 minutes on Monday, 20 on Tuesday
    CHECK(d.events_of(t.id, "sla_started").size() == 2);

    clock.set(at("2026-12-21T15:55:00+02:00"));
    d.follow_up(t.id, "Hei?");  // the oldest unanswered follow-up keeps counting
    CHECK(d.sla(t.id, "next_response")->started_at == at("2026-12-21T15:50:00+02:00"));

    clock.set(at("2026-12-22T08:05:00+02:00"));
    TicketPatch pending;
    pending.status = TicketStatus::pending;
    d.patch(t.id, pending);  // 15 business minutes used
    CHECK(d.sla(t.id, "next_response")->phase == static_cast<int>(SlaPhase::paused));
    clock.set(at("2026-12-23T09:00:00+02:00"));
    d.run_due();  // paused: nothing due though the deadline passed on the wall clock
    CHECK(d.events_of(t.id, "sla_breached").empty());

    d.follow_up(t.id, "Vastaisitteko?");  // reopens the ticket: the clock resumes with 15 minutes left
    next = d.sla(t.id, "next_response");
    CHECK(next->phase == static_cast<int>(SlaPhase::running));
    CHECK(next->deadline == at("2026-12-23T09:15:00+02:00"));

    clock.set(at("2026-12-23T09:16:00+02:00"));
    d.run_due();
    d.run_due();
    auto breached = d.events_of(t.id, "sla_breached");
    REQUIRE(breached.size() == 1);
    CHECK(breached[0].starts_with("next_response deadline 2026-12-23T07:15:00Z passed"));
    CHECK(d.ticket(t.id).tier == Tier::l2);  // one tier up, and L2's people told
    CHECK(d.notified(t.id) == std::vector<std::string>{"mikko@triage.example"});

    clock.set(at("2026-12-23T09:30:00+02:00"));
    d.reply(t.id, "Korjasimme laskun.");
    next = d.sla(t.id, "next_response");
    CHECK(next->phase == static_cast<int>(SlaPhase::breached));
    CHECK(next->business_minutes == 45);
    CHECK(timeline_kinds(*next) ==
          std::vector<std::string>{"started", "paused", "resumed", "warned", "breached", "stopped"});

    // The next follow-up starts a new cycle, which the agent meets; the timeline keeps both.
    clock.set(at("2026-12-23T10:00:00+02:00"));
    d.follow_up(t.id, "Kiitos, vielä yksi kysymys.");
    clock.set(at("2026-12-23T10:05:00+02:00"));
    d.reply(t.id, "Vastaus.");
    next = d.sla(t.id, "next_response");
    CHECK(next->phase == static_cast<int>(SlaPhase::met));
    CHECK(next->business_minutes == 5);
    CHECK(next->wall_minutes == 5);
    CHECK(timeline_kinds(*next) == std::vector<std::string>{"started", "paused", "resumed", "warned", "breached",
                                                             "stopped", "started", "met"});
    CHECK(d.events_of(t.id, "sla_breached").size() == 1);

    // Restored after a restart, the met clock holds no timer.
    d.heap = SlaTimerHeap{};
    d.restore();
    clock.set(at("2026-12-24T12:00:00+02:00"));
    d.run_due();
    CHECK(d.events_of(t.id, "sla_breached").size() == 1);
}
