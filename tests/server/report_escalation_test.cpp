// Reports and escalation agree: the first-response, resolution and SLA figures a report gives
// for tickets the escalation engine keeps clocks for are the clocks' (ticket_sla, read through
// the ticket_response_times view), pauses included — not a second computation from timestamps.
// And the reports read the escalation engine's SLA policies and calendars, one config key.
#include "escalation/escalation_engine.hpp"
#include "server/report_config.hpp"
#include "server/report_facts.hpp"
#include "server/reports.hpp"
#include "storage/sqlite_store.hpp"
#include "tests/support/result_printer.hpp"
#include "tests/support/time_literals.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>

using namespace triage;
using namespace triage::server;
using triage::test::at;

namespace {

std::shared_ptr<EscalationSettings> settings() {
    auto s = std::make_shared<EscalationSettings>();
    auto calendar = BusinessCalendar::make("fi-support", "Europe/Helsinki", *parse_hours_spec("mon-fri 08:00-16:00"), {});
    REQUIRE(calendar);
    s->calendars.emplace("fi-support", std::move(*calendar));
    s->default_calendar = "fi-support";
    SlaPolicy standard;
    standard.name = "standard";
    standard.first_response_minutes = 60;
    standard.resolution_minutes = 240;
    s->policies.push_back(standard);
    return s;
}

// A column of the view, summed over the tickets, by SQLite.
double view(const std::filesystem::path& db, const std::string& expr) {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    const auto sql = "SELECT " + expr + " FROM ticket_response_times";
    INFO(sql);
    REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    const double v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

double cell(const ReportTable& t, std::string_view column) {
    auto it = std::find(t.columns.begin(), t.columns.end(), column);
    REQUIRE_MESSAGE(it != t.columns.end(), column);
    REQUIRE(t.rows.size() == 1);
    const auto& c = t.rows[0][static_cast<std::size_t>(it - t.columns.begin())];
    if (auto* i = std::get_if<std::int64_t>(&c)) return static_cast<double>(*i);
    if (auto* d = std::get_if<double>(&c)) return *d;
    FAIL("no number in " << column);
    return 0;
}

}  // namespace

TEST_CASE("report figures for tickets with SLA clocks are the escalation engine's, pauses included") {
    ManualClock clock{at("2026-12-21T08:00:00+02:00")};  // Monday, the office opens
    auto store = SqliteStore::open_in_memory();
    auto s = settings();
    ReportFacts facts{report_calendars(*s, ReportsConfig{})};
    store->observe_commits([&](CommittedChanges&& c) { facts.enqueue(std::move(c)); },
                           [&](StoreTx& tx) { facts.load(tx); });
    Intake intake{clock};
    TicketDesk desk{clock};
    EscalationEngine engine{clock, desk, s, nullptr, nullptr};
    const Actor agent{"agent:1", "Agent", std::nullopt};
    auto open = [&](std::string subject) {
        Enquiry e;
        e.channel = Channel::email;
        e.sender_name = "Asiakas";
        e.sender = {{IdentityKind::email, "asiakas@example.fi"}};
        e.subject = subject;
        e.text = "Hei";
        e.queue = "support";
        e.received_at = clock.system_now();
        EscalationOutcome out;
        auto r = write_sync(*store, [&](StoreTx& tx) {
            auto o = intake.accept(tx, e);
            if (o) engine.after_intake(tx, *o, out);
            return o;
        });
        REQUIRE(r);
        return r->ticket.id;
    };
    auto reply = [&](TicketId id) {
        EscalationOutcome out;
        write_sync(*store, [&](StoreTx& tx) {
            auto r = desk.add_message(tx, id, NewMessage{MessageKind::reply, "Vastaus", std::nullopt}, agent);
            REQUIRE(r);
            engine.after_desk(tx, *r, out);
        });
    };
    auto status = [&](TicketId id, TicketStatus to) {
        EscalationOutcome out;
        TicketPatch p;
        p.status = to;
        write_sync(*store, [&](StoreTx& tx) {
            auto r = desk.update(tx, id, p, agent);
            REQUIRE(r);
            engine.after_desk(tx, *r, out);
        });
    };
    auto timers = [&](TicketId id) {
        EscalationOutcome out;
        write_sync(*store, [&](StoreTx& tx) { engine.on_timer(tx, id, out); });
    };

    // T-1: answered in 30 minutes; pending (paused) from 09:00 to 11:00; solved at 12:00.
    const auto t1 = open("Lasku puuttuu");
    clock.set(at("2026-12-21T08:30:00+02:00"));
    reply(t1);
    clock.set(at("2026-12-21T09:00:00+02:00"));
    status(t1, TicketStatus::pending);
    clock.set(at("2026-12-21T11:00:00+02:00"));
    status(t1, TicketStatus::open);
    clock.set(at("2026-12-21T12:00:00+02:00"));
    status(t1, TicketStatus::solved);
    // T-2: opened at 12:00, nobody answers: the first-response breach fires at 13:00.
    const auto t2 = open("Yhteys poikki");
    clock.set(at("2026-12-21T13:01:00+02:00"));
    timers(t2);
    reply(t2);

    ReportRequest request = *parse_report_request("resolution", {{"from", "2026-12-21"}, {"to", "2026-12-21"}},
                                                  "Europe/Helsinki", clock.system_now());
    auto resolution = facts.with_facts([&](const Facts& f) { return run_report(f, request, {}); });
    // Resolution of T-1: 4 hours from open to solved, 2 of them paused: 120 business minutes,
    // where the timestamps alone would say 240.
    CHECK(view(store->path(), "sum(resolution_business_min)") == 120);
    CHECK(cell(resolution, "resolution_business_minutes_mean") == 120);
    CHECK(view(store->path(), "avg(first_response_business_min)") == (30 + 61) / 2.0);
    CHECK(cell(resolution, "first_response_business_minutes_mean") == (30 + 61) / 2.0);
    CHECK(cell(resolution, "first_response_business_minutes_median") == 30);
    // Wall minutes: the clocks floor them; the report keeps the seconds, the same time.
    CHECK(view(store->path(), "sum(first_response_wall_min)") == 30 + 61);
    CHECK(cell(resolution, "first_response_minutes_mean") == (30 + 61) / 2.0);

    ReportRequest sla_request = *parse_report_request("sla", {{"from", "2026-12-21"}, {"to", "2026-12-21"}},
                                                      "Europe/Helsinki", clock.system_now());
    auto sla = facts.with_facts([&](const Facts& f) { return run_report(f, sla_request, {}); });
    CHECK(view(store->path(), "sum(sla_breached)") == 1);
    CHECK(cell(sla, "breached_tickets") == 1);
    CHECK(cell(sla, "first_response_breached") == 1);
    CHECK(cell(sla, "first_response_met") == 1);
    CHECK(cell(sla, "resolution_met") == 1);  // T-1 in 120 of 240 business minutes
    CHECK(cell(sla, "with_target") == 2);

    // Facts loaded afresh from the database say the same.
    ReportFacts reloaded{report_calendars(*s, ReportsConfig{})};
    reloaded.load(store->path());
    auto again = reloaded.with_facts([&](const Facts& f) { return run_report(f, request, {}); });
    CHECK(cell(again, "resolution_business_minutes_mean") == 120);
    CHECK(cell(again, "first_response_business_minutes_mean") == (30 + 61) / 2.0);
}

TEST_CASE("the reports read escalation.sla_policies and its calendars, and the old keys with a warning") {
    const auto dir = std::filesystem::temp_directory_path() / ("triage-report-config-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto file = dir / "triage.yaml";
    std::ofstream(file) << R"(calendars:
  fi-support: {timezone: Europe/Helsinki, hours: mon-fri 08:00-16:00}
  ee-support: {timezone: Europe/Tallinn, hours: mon-fri 09:00-17:00}
escalation:
  default_calendar: fi-support
  sla_policies:
    - {name: urgent, priority: urgent, first_response: 30, resolution: 240}
  queues:
    returns: {calendar: ee-support}
reports:
  timezone: Europe/Helsinki
)";
    auto s = load_escalation_settings(file);
    REQUIRE(s);
    CHECK(s->deprecations.empty());
    auto calendars = report_calendars(*s, load_reports_config(file, YAML::LoadFile(file.string())));
    REQUIRE(calendars.sla_policies.size() == 1);
    CHECK(calendars.sla_policies[0].first_response_minutes == 30);
    CHECK(calendars.default_calendar == "fi-support");
    CHECK(calendars.queue_calendars.at("returns") == "ee-support");

    // The old top-level list (targets named *_minutes) and reports.calendar still work, with a warning.
    std::ofstream(file) << R"(calendars:
  fi-support: {timezone: Europe/Helsinki, hours: mon-fri 08:00-16:00}
sla_policies:
  - {name: high, priority: high, first_response_minutes: 120, resolution_minutes: 960}
reports:
  calendar: fi-support
)";
    s = load_escalation_settings(file);
    REQUIRE(s);
    REQUIRE(s->policies.size() == 1);  // the escalation engine uses them too: one list
    CHECK(s->policies[0].resolution_minutes == 960);
    REQUIRE(s->deprecations.size() == 1);
    CHECK(s->deprecations[0].find("escalation.sla_policies") != std::string::npos);
    auto reports = load_reports_config(file, YAML::LoadFile(file.string()));
    REQUIRE(reports.deprecations.size() == 1);
    CHECK(reports.deprecations[0].find("reports.calendar") != std::string::npos);
    calendars = report_calendars(*s, reports);
    CHECK(calendars.default_calendar == "fi-support");
    CHECK(calendars.sla_policies.size() == 1);
    std::filesystem::remove_all(dir);
}
