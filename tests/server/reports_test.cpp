// Reports on a small fixed history whose figures were worked out by hand (business minutes,
// SLA verdicts, DST buckets) or by SQL over the raw rows (counts, means, exact percentiles).
#include "engine/intake.hpp"
#include "engine/time_format.hpp"
#include "server/report_facts.hpp"
#include "server/reports.hpp"
#include "server/ticket_import_json.hpp"
#include "storage/sqlite_store.hpp"
#include "tests/support/triaged_process.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>

using namespace triage;
using namespace triage::server;

namespace {

// Europe/Helsinki: EEST (+3) until 2026-10-25 04:00 local, EET (+2) after. The "fi" calendar
// is open mon-fri 08:00-16:00 local, i.e. 06:00-14:00Z in November.
const char* kHistory = R"(# a fixed history for the report tests
{"external_id":"h1","channel":"email","subject":"Lasku puuttuu","body":"Hei, lasku puuttuu.","requester":{"name":"Matti Meikäläinen","email":"matti@example.fi","organisation":"Meikäläinen Oy"},"queue":"billing","category":"invoice","priority":"normal","language":"fi","created_at":"2026-11-02T06:00:00Z","first_response_at":"2026-11-02T06:30:00Z","solved_at":"2026-11-02T08:00:00Z","status":"solved","assignee":"aino.virtanen@triage.example","replies":1}
{"external_id":"h2","channel":"web","subject":"Arve puudub","body":"Tere, arve puudub.","requester":{"name":"Tõnu Saar","email":"tonu@example.ee","organisation":"Tamm OÜ"},"queue":"billing","category":"invoice","priority":"high","language":"et","created_at":"2026-11-02T13:00:00Z","first_response_at":"2026-11-02T15:00:00Z","solved_at":"2026-11-03T07:00:00Z","closed_at":"2026-11-04T07:00:00Z","status":"closed","assignee":"aino.virtanen@triage.example","replies":3}
{"external_id":"h3","channel":"phone","subject":"Nedarbojas internets","body":"Labdien, nedarbojas internets.","requester":{"name":"Jānis Ozoliņš","phone":"+37120000001","organisation":"Ozoliņš SIA"},"queue":"technical","category":"outage","priority":"urgent","language":"lv","created_at":"2026-11-06T13:30:00Z","first_response_at":"2026-11-09T06:15:00Z","status":"open","tier":"l2","assignee":"liga.berzina@triage.example","replies":1,"escalations":[{"at":"2026-11-09T07:00:00Z","tier":"l2","reason":"complexity"}]}
{"external_id":"h4","channel":"email","subject":"Internet ei toimi","body":"Yhteys poikki.","requester":{"name":"Liisa Niemi","email":"liisa@example.fi"},"queue":"technical","category":"outage","priority":"normal","language":"fi","created_at":"2026-11-03T10:00:00Z","first_response_at":"2026-11-03T10:10:00Z","solved_at":"2026-11-03T11:00:00Z","status":"solved","assignee":"mikko.korhonen@triage.example","replies":1}
{"external_id":"h5","channel":"web","subject":"Forgot my password","body":"Cannot log in.","requester":{"name":"Anna Smith","email":"anna@example.lv","organisation":"Rīgas \"Ūdens\", SIA"},"queue":"support","category":"password","priority":"normal","language":"en","created_at":"2026-11-04T08:00:00Z","first_response_at":"2026-11-04T08:05:00Z","solved_at":"2026-11-04T08:20:00Z","status":"solved","assignee":"kadri.tamm@triage.example","replies":1}
{"external_id":"h6","channel":"email","subject":"Salasana unohtunut","body":"En pääse sisään.","requester":{"name":"Pekka Laine","email":"pekka@example.fi"},"queue":"support","category":"password","priority":"normal","language":"fi","created_at":"2026-10-25T00:30:00Z","status":"new"}
{"external_id":"h7","channel":"email","subject":"Parool ununenud","body":"Ei saa sisse.","requester":{"name":"Mari Kukk","email":"mari@example.ee"},"queue":"support","category":"password","priority":"normal","language":"et","created_at":"2026-10-25T01:30:00Z","status":"new"}
{"external_id":"h8","channel":"email","subject":"Adreses maiņa","body":"Lūdzu, mainiet adresi.","requester":{"name":"Ilze Jansone","email":"ilze@example.lv"},"queue":"support","category":"address-change","priority":"normal","language":"lv","created_at":"2026-10-24T20:30:00Z","first_response_at":"2026-10-24T21:00:00Z","solved_at":"2026-10-26T07:00:00Z","status":"solved","assignee":"kadri.tamm@triage.example","replies":1}
{"external_id":"h9","channel":"email","subject":"Change of address","body":"Moving next month.","requester":{"name":"John Brown","email":"john@example.com"},"queue":"support","category":"address-change","priority":"normal","language":"en","created_at":"2026-10-25T22:30:00Z","first_response_at":"2026-10-26T06:30:00Z","solved_at":"2026-10-26T09:00:00Z","status":"solved","assignee":"kadri.tamm@triage.example","replies":2}
{"external_id":"h10","channel":"email","subject":"Router will not start","body":"Dead after a power cut.","requester":{"name":"David Evans","email":"david@example.com"},"queue":"technical","category":"hardware","priority":"normal","language":"en","created_at":"2026-11-05T08:00:00Z","first_response_at":"2026-11-05T08:30:00Z","solved_at":"2026-11-05T14:00:00Z","status":"solved","tier":"external","assignee":"mikko.korhonen@triage.example","replies":1,"escalations":[{"at":"2026-11-05T09:00:00Z","tier":"l2","reason":"complexity"},{"at":"2026-11-05T10:00:00Z","tier":"external","reason":"complexity"}],"referral":{"partner":"Tīkls SIA","outcome":"completed"}}
)";

TicketQuery all_tickets() {
    TicketQuery q;
    q.limit = 50;
    return q;
}

const Timestamp kNow = *parse_rfc3339("2026-12-01T00:00:00Z");

ReportCalendars calendars() {
    auto hours = parse_hours_spec("mon-fri 08:00-16:00");
    REQUIRE(hours.has_value());
    auto fi = BusinessCalendar::make("fi", "Europe/Helsinki", *hours, {});
    REQUIRE(fi.has_value());
    ReportCalendars c;
    c.calendars.emplace("fi", *fi);
    c.default_calendar = "fi";
    c.sla_policies = {
        {"urgent", Priority::urgent, "", 60, 0, 480, 80},
        {"high", Priority::high, "", 30, 0, 480, 80},
        {"default", std::nullopt, "", 120, 0, 960, 80},
    };
    return c;
}

struct Fixture {
    std::unique_ptr<SqliteStore> store = SqliteStore::open_in_memory();
    ReportFacts facts{calendars()};
    AgentLabels agents;

    explicit Fixture(const std::string& history = kHistory) {
        std::istringstream in(history);
        auto summary = import_jsonl(*store, in);
        for (const auto& p : summary.problems) INFO(p.line << ": " << p.problem.message);
        if (!summary.problems.empty()) FAIL(summary.problems[0].line << ": " << summary.problems[0].problem.message);
        facts.load(store->path());
        for (auto& a : store->reader()->agents()) agents[a.id] = {a.email, a.name};
    }

    ReportTable run(std::string_view name, std::vector<std::pair<std::string, std::string>> params,
                    std::string_view tz = "Europe/Helsinki") {
        auto request = parse_report_request(name, params, tz, kNow);
        REQUIRE(request.has_value());
        return facts.with_facts([&](const Facts& f) { return run_report(f, *request, agents); });
    }

    // One SQL value over the raw rows, computed by SQLite (a different method than the report).
    double sql(const std::string& query) {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open_v2(store->path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
        sqlite3_stmt* st = nullptr;
        INFO(query);
        REQUIRE(sqlite3_prepare_v2(db, query.c_str(), -1, &st, nullptr) == SQLITE_OK);
        REQUIRE(sqlite3_step(st) == SQLITE_ROW);
        double v = sqlite3_column_double(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(db);
        return v;
    }
};

std::size_t column(const ReportTable& t, std::string_view name) {
    auto it = std::find(t.columns.begin(), t.columns.end(), name);
    REQUIRE_MESSAGE(it != t.columns.end(), name);
    return static_cast<std::size_t>(it - t.columns.begin());
}

const std::vector<ReportCell>& row(const ReportTable& t, std::string_view column_name, const ReportCell& value) {
    auto k = column(t, column_name);
    for (const auto& r : t.rows)
        if (r[k] == value) return r;
    FAIL("no row with " << column_name);
    return t.rows.front();
}

double number(const ReportCell& c) {
    if (auto* i = std::get_if<std::int64_t>(&c)) return static_cast<double>(*i);
    if (auto* d = std::get_if<double>(&c)) return *d;
    FAIL("not a number");
    return 0;
}

std::int64_t integer(const ReportCell& c) {
    REQUIRE(std::holds_alternative<std::int64_t>(c));
    return std::get<std::int64_t>(c);
}

// Nearest-rank percentile of one queue's first-response minutes, by SQL window functions.
std::string sql_percentile(const std::string& expr, const std::string& where, double p) {
    return "WITH v AS (SELECT " + expr + " AS m FROM tickets WHERE " + where +
           "), r AS (SELECT m, ROW_NUMBER() OVER (ORDER BY m) AS rn, COUNT(*) OVER () AS n FROM v) "
           "SELECT MIN(m) FROM r WHERE rn >= " + std::to_string(p) + " * n - 1e-9";
}

}  // namespace

TEST_CASE("the history import keeps its own timestamps, is idempotent and names bad lines") {
    auto store = SqliteStore::open_in_memory();
    std::string input = std::string(kHistory) +
                        "{not json\n"
                        R"({"external_id":"bad-2","channel":"email","subject":"x","requester":{"name":"A"},"queue":"support","created_at":"2026-11-02T06:00:00Z","solved_at":"2026-11-01T06:00:00Z","status":"solved"})"
                        "\n";
    std::istringstream in(input);
    std::vector<std::size_t> seen;
    auto summary = import_jsonl(*store, in, 3, [&](const LineProblem& p) { seen.push_back(p.line); });
    CHECK(summary.imported == 10);
    REQUIRE(summary.problems.size() == 2);
    CHECK(summary.problems[0].line == 12);
    CHECK(summary.problems[0].problem.code == errc::malformed);
    CHECK(summary.problems[1].line == 13);
    CHECK(summary.problems[1].problem.field == "solved_at");
    CHECK(seen.size() == 2);

    auto page = store->reader()->tickets(all_tickets());
    REQUIRE(page.tickets.size() == 10);
    auto h3 = std::find_if(page.tickets.begin(), page.tickets.end(), [](const Ticket& t) { return t.subject == "Nedarbojas internets"; });
    REQUIRE(h3 != page.tickets.end());
    CHECK(format_rfc3339(h3->created_at) == "2026-11-06T13:30:00Z");
    CHECK(format_rfc3339(*h3->first_response_at) == "2026-11-09T06:15:00Z");
    CHECK(h3->tier == Tier::l2);
    CHECK(h3->status == TicketStatus::open);

    std::istringstream again(kHistory);
    auto second = import_jsonl(*store, again);
    CHECK(second.imported == 0);
    CHECK(second.duplicates == 10);
    CHECK(store->reader()->tickets(all_tickets()).tickets.size() == 10);
}

TEST_CASE("frequency by queue and channel equals a GROUP BY over the raw rows") {
    Fixture fx;
    auto t = fx.run("frequency", {{"group_by", "queue,channel"}});
    REQUIRE(t.columns == std::vector<std::string>{"queue", "channel", "tickets"});
    std::int64_t total = 0;
    for (const auto& r : t.rows) {
        auto q = std::get<std::string>(r[0]), c = std::get<std::string>(r[1]);
        CHECK(integer(r[2]) == fx.sql("SELECT COUNT(*) FROM tickets WHERE queue = '" + q + "' AND channel = '" + c + "'"));
        total += integer(r[2]);
    }
    CHECK(total == 10);
    CHECK(t.rows.size() == fx.sql("SELECT COUNT(*) FROM (SELECT DISTINCT queue, channel FROM tickets)"));
    // Filters: a queue and a language.
    auto billing_fi = fx.run("frequency", {{"group_by", "category"}, {"queue", "billing"}, {"language", "fi,et"}});
    REQUIRE(billing_fi.rows.size() == 1);
    CHECK(integer(row(billing_fi, "category", std::string("invoice"))[1]) == 2);
}

TEST_CASE("frequency buckets days and hours in the report's time zone across the end of summer time") {
    Fixture fx;
    // 20:30Z on the 24th is 23:30 EEST; 00:30Z and 01:30Z on the 25th are both 03:30 local
    // (before and after the clocks go back); 22:30Z on the 25th is 00:30 EET on the 26th.
    auto helsinki = fx.run("frequency", {{"group_by", "day"}, {"from", "2026-10-24"}, {"to", "2026-10-26"}});
    REQUIRE(helsinki.rows.size() == 3);
    CHECK(integer(row(helsinki, "day", std::string("2026-10-24"))[1]) == 1);
    CHECK(integer(row(helsinki, "day", std::string("2026-10-25"))[1]) == 2);
    CHECK(integer(row(helsinki, "day", std::string("2026-10-26"))[1]) == 1);

    auto utc = fx.run("frequency", {{"group_by", "day"}, {"from", "2026-10-24"}, {"to", "2026-10-25"}}, "UTC");
    REQUIRE(utc.rows.size() == 2);
    CHECK(integer(row(utc, "day", std::string("2026-10-24"))[1]) == 1);
    CHECK(integer(row(utc, "day", std::string("2026-10-25"))[1]) == 3);

    auto hours = fx.run("frequency", {{"group_by", "hour"}, {"from", "2026-10-25"}, {"to", "2026-10-25"}});
    CHECK(hours.rows.size() == 24);  // a gapless series
    CHECK(integer(row(hours, "hour", std::int64_t{3})[1]) == 2);
    std::int64_t total = 0;
    for (const auto& r : hours.rows) total += integer(r[1]);
    CHECK(total == 2);

    auto weeks = fx.run("frequency", {{"group_by", "week"}});
    CHECK(integer(row(weeks, "week", std::string("2026-W43"))[1]) == 3);  // Sat 24th and Sun 25th local
    CHECK(integer(row(weeks, "week", std::string("2026-W44"))[1]) == 1);  // Mon 26th local
    CHECK(integer(row(weeks, "week", std::string("2026-W45"))[1]) == 6);
    CHECK(weeks.rows.size() == 3);
    auto weekday = fx.run("frequency", {{"group_by", "weekday"}, {"queue", "billing"}});
    CHECK(integer(row(weekday, "weekday", std::string("mon"))[1]) == 2);
}

TEST_CASE("resolution figures are exact and match SQL and hand-counted business minutes") {
    Fixture fx;
    auto t = fx.run("resolution", {{"group_by", "queue"}});
    for (std::string queue : {"billing", "technical", "support"}) {
        CAPTURE(queue);
        const auto& r = row(t, "queue", queue);
        const std::string in_queue = "queue = '" + queue + "'";
        CHECK(integer(r[column(t, "tickets")]) == fx.sql("SELECT COUNT(*) FROM tickets WHERE " + in_queue));
        CHECK(integer(r[column(t, "solved")]) ==
              fx.sql("SELECT COUNT(*) FROM tickets WHERE solved_at IS NOT NULL AND " + in_queue));
        const std::string fr = "(first_response_at - created_at) / 60000.0";
        const std::string fr_where = "first_response_at IS NOT NULL AND " + in_queue;
        CHECK(number(r[column(t, "first_response_minutes_mean")]) ==
              doctest::Approx(fx.sql("SELECT AVG(" + fr + ") FROM tickets WHERE " + fr_where)).epsilon(0.001));
        for (auto [stat, p] : {std::pair{"median", 0.5}, {"p90", 0.9}, {"p95", 0.95}}) {
            CAPTURE(stat);
            CHECK(number(r[column(t, std::string("first_response_minutes_") + stat)]) ==
                  doctest::Approx(fx.sql(sql_percentile(fr, fr_where, p))));
            const std::string res = "(solved_at - created_at) / 60000.0";
            CHECK(number(r[column(t, std::string("resolution_minutes_") + stat)]) ==
                  doctest::Approx(fx.sql(sql_percentile(res, "solved_at IS NOT NULL AND " + in_queue, p))));
        }
    }
    // Business minutes by hand (mon-fri 08:00-16:00 Helsinki):
    // billing: h1 30 and 120; h2 15:00->17:00 local is 60, 15:00 -> Tue 09:00 is 120.
    const auto& billing = row(t, "queue", std::string("billing"));
    CHECK(number(billing[column(t, "first_response_business_minutes_median")]) == 30);
    CHECK(number(billing[column(t, "first_response_business_minutes_p90")]) == 60);
    CHECK(number(billing[column(t, "first_response_business_minutes_mean")]) == 45);
    CHECK(number(billing[column(t, "resolution_business_minutes_median")]) == 120);
    CHECK(number(billing[column(t, "first_contact_resolution_pct")]) == 50);  // h2 took three replies
    // technical: h3 Fri 15:30 -> Mon 08:15 is 30 + 15 = 45 business minutes, 3885 wall.
    const auto& technical = row(t, "queue", std::string("technical"));
    CHECK(number(technical[column(t, "first_response_business_minutes_p95")]) == 45);
    CHECK(number(technical[column(t, "first_response_minutes_p95")]) == 3885);
    // support: h8 Sat 23:30 -> Mon 09:00 local is 60 business minutes to solve; h9 00:30 -> 11:00 is 180; h5 20.
    const auto& support = row(t, "queue", std::string("support"));
    CHECK(number(support[column(t, "resolution_business_minutes_median")]) == 60);
    CHECK(number(support[column(t, "resolution_business_minutes_p90")]) == 180);
}

TEST_CASE("sla counts targets met and breached by hand-worked deadlines") {
    Fixture fx;
    auto t = fx.run("sla", {{"group_by", "queue"}});
    const auto& billing = row(t, "queue", std::string("billing"));
    // h1 met both; h2 (high: 30 min) answered after 60 business minutes: breached, solved in 120 <= 480.
    CHECK(integer(billing[column(t, "first_response_met")]) == 1);
    CHECK(integer(billing[column(t, "first_response_breached")]) == 1);
    CHECK(integer(billing[column(t, "resolution_met")]) == 2);
    CHECK(integer(billing[column(t, "breached_l1")]) == 1);
    CHECK(number(billing[column(t, "compliance_pct")]) == 75);
    // technical: h3 (urgent) answered in 45 <= 60 but unsolved past Mon 15:30 local; h4, h10 met.
    const auto& technical = row(t, "queue", std::string("technical"));
    CHECK(integer(technical[column(t, "with_target")]) == 3);
    CHECK(integer(technical[column(t, "first_response_met")]) == 3);
    CHECK(integer(technical[column(t, "resolution_breached")]) == 1);
    CHECK(integer(technical[column(t, "breached_l2")]) == 1);
    CHECK(number(technical[column(t, "compliance_pct")]) == doctest::Approx(83.33));
    // support: h6 and h7 never answered (deadline Mon 10:00 local): both targets breached.
    const auto& support = row(t, "queue", std::string("support"));
    CHECK(integer(support[column(t, "first_response_breached")]) == 2);
    CHECK(integer(support[column(t, "resolution_breached")]) == 2);
    CHECK(integer(support[column(t, "breached_tickets")]) == 2);
    CHECK(number(support[column(t, "compliance_pct")]) == 60);
}

TEST_CASE("escalations count tickets by tier and reason, time in tier and referrals") {
    Fixture fx;
    auto t = fx.run("escalations", {});
    // L2: h3 from 2026-11-09T07:00Z until now (2026-12-01T00:00Z) = 31260 min; h10 60 min.
    const auto& l2 = row(t, "tier", std::string("L2"));
    CHECK(std::get<std::string>(l2[column(t, "reason")]) == "complexity");
    CHECK(integer(l2[column(t, "tickets")]) == 2);
    CHECK(number(l2[column(t, "mean_minutes_in_tier")]) == 15660);
    CHECK(number(l2[column(t, "median_minutes_in_tier")]) == 60);
    const auto& external = row(t, "section", std::string("tier"));
    (void)external;
    bool saw_external = false, saw_referral = false;
    for (const auto& r : t.rows) {
        if (r[0] == ReportCell{std::string("tier")} && r[1] == ReportCell{std::string("external")}) {
            saw_external = true;
            CHECK(number(r[column(t, "median_minutes_in_tier")]) == 240);  // 10:00Z -> solved 14:00Z
        }
        if (r[0] == ReportCell{std::string("referral")}) {
            saw_referral = true;
            CHECK(std::get<std::string>(r[column(t, "partner")]) == "Tīkls SIA");
            CHECK(std::get<std::string>(r[column(t, "outcome")]) == "completed");
            CHECK(integer(r[column(t, "tickets")]) == 1);
        }
    }
    CHECK(saw_external);
    CHECK(saw_referral);
}

TEST_CASE("at belongs to backlog alone, and backlog takes at or to, not both") {
    auto both = parse_report_request("backlog", {{"at", "2026-11-06T14:00:00Z"}, {"to", "2026-11-07T00:00:00Z"}}, "UTC", kNow);
    REQUIRE_FALSE(both.has_value());
    CHECK(both.error().field == "at");
    auto elsewhere = parse_report_request("frequency", {{"at", "2026-11-06T14:00:00Z"}}, "UTC", kNow);
    REQUIRE_FALSE(elsewhere.has_value());
    CHECK(elsewhere.error().field == "at");
    CHECK(elsewhere.error().message.find("frequency takes no at") != std::string::npos);
    CHECK(parse_report_request("backlog", {{"to", "2026-11-07T00:00:00Z"}}, "UTC", kNow).has_value());
    CHECK(parse_report_request("backlog", {{"at", "2026-11-06T14:00:00Z"}, {"from", "2026-11-01"}}, "UTC", kNow).has_value());
}

TEST_CASE("backlog at a point in time counts the tickets still open then, by status and age") {
    Fixture fx;
    auto t = fx.run("backlog", {{"at", "2026-11-06T14:00:00Z"}});
    // Open then: h6 and h7 (new, created 25 Oct: 12 days old) and h3 (open, 30 minutes old).
    REQUIRE(t.rows.size() == 2);
    CHECK(t.rows[0] == std::vector<ReportCell>{std::string("new"), std::string("7-14d"), std::int64_t{2}});
    CHECK(t.rows[1] == std::vector<ReportCell>{std::string("open"), std::string("0-1d"), std::int64_t{1}});
    auto by_queue = fx.run("backlog", {{"at", "2026-11-06T14:00:00Z"}, {"group_by", "queue"}});
    REQUIRE(by_queue.columns == std::vector<std::string>{"queue", "status", "age", "tickets"});
    REQUIRE(by_queue.rows.size() == 2);
    CHECK(by_queue.rows[0] == std::vector<ReportCell>{std::string("support"), std::string("new"), std::string("7-14d"), std::int64_t{2}});
    CHECK(by_queue.rows[1] == std::vector<ReportCell>{std::string("technical"), std::string("open"), std::string("0-1d"), std::int64_t{1}});
    auto before = fx.run("backlog", {{"at", "2026-10-25T02:00:00Z"}});
    // h8 (created 24th 20:30Z, solved 26th), h6, h7: all younger than a day.
    REQUIRE(before.rows.size() == 2);
    CHECK(before.rows[0] == std::vector<ReportCell>{std::string("new"), std::string("0-1d"), std::int64_t{2}});
    CHECK(before.rows[1] == std::vector<ReportCell>{std::string("solved"), std::string("0-1d"), std::int64_t{1}});
}

TEST_CASE("agents report tickets, replies and median times per agent") {
    Fixture fx;
    auto t = fx.run("agents", {});
    const auto& aino = row(t, "agent", std::string("aino.virtanen@triage.example"));
    CHECK(integer(aino[column(t, "tickets")]) == 2);
    CHECK(integer(aino[column(t, "solved")]) == 2);
    CHECK(integer(aino[column(t, "replies")]) == 4);
    CHECK(number(aino[column(t, "median_first_response_minutes")]) == 30);  // of 30 and 120
    CHECK(number(aino[column(t, "median_resolution_minutes")]) == 120);     // of 120 and 1080
    const auto& kadri = row(t, "agent", std::string("kadri.tamm@triage.example"));
    CHECK(integer(kadri[column(t, "tickets")]) == 3);
    CHECK(number(kadri[column(t, "median_first_response_minutes")]) ==
          doctest::Approx(fx.sql(sql_percentile("(first_response_at - created_at) / 60000.0",
                                                "assignee_id = (SELECT id FROM agents WHERE email = 'kadri.tamm@triage.example')", 0.5))));
}

TEST_CASE("emerging flags a category far above its own baseline by an exact binomial test") {
    // 56 baseline days: one outage and two invoices a day; the last 7 days: 20 outages, 14 invoices.
    std::string history;
    const auto end = *parse_rfc3339("2026-11-30T00:00:00Z");
    int n = 0;
    auto add = [&](const std::string& category, const std::string& subject, Timestamp at) {
        ++n;
        history += R"({"external_id":"e)" + std::to_string(n) + R"(","subject":")" + subject +
                   R"(","requester":{"name":"X","email":"x)" + std::to_string(n) + R"(@example.fi"},"queue":"support","category":")" +
                   category + R"(","created_at":")" + format_rfc3339(at) + R"(","status":"new"})" + "\n";
    };
    using std::chrono::hours;
    for (int d = 63; d > 7; --d) {
        add("outage", "Verkko hidas", end - hours(24 * d));  // the first at the baseline's very start
        add("invoice", "Lasku kysymys", end - hours(24 * d) + hours(10));
        add("invoice", "Lasku kysymys", end - hours(24 * d) + hours(11));
    }
    for (int k = 0; k < 20; ++k) add("outage", "Verkko katkos", end - hours(24 * 7) + hours(8 * k + 1));
    for (int k = 0; k < 14; ++k) add("invoice", "Lasku kysymys", end - hours(24 * 7) + hours(12 * k + 2));
    Fixture fx(history);
    auto t = fx.run("emerging", {{"to", "2026-11-30T00:00:00Z"}}, "UTC");
    REQUIRE_FALSE(t.rows.empty());
    // Independently: P(X >= 20), X ~ Binomial(76, 7/63), summed term by term.
    double tail = 0;
    for (int k = 20; k <= 76; ++k)
        tail += std::exp(std::lgamma(77.0) - std::lgamma(k + 1.0) - std::lgamma(77.0 - k) + k * std::log(1.0 / 9) +
                         (76 - k) * std::log(8.0 / 9));
    const auto& outage = row(t, "name", std::string("outage"));
    CHECK(integer(outage[column(t, "recent")]) == 20);
    CHECK(integer(outage[column(t, "baseline")]) == 56);
    CHECK(number(outage[column(t, "p_value")]) == doctest::Approx(tail).epsilon(1e-6));
    CHECK(std::get<std::string>(outage[column(t, "significant")]) == "yes");
    // "katkos" appears only in the recent window: the keyword is new (no rate ratio) and ranks first.
    CHECK(std::get<std::string>(t.rows[0][column(t, "name")]) == "katkos");
    CHECK(std::holds_alternative<std::monostate>(t.rows[0][column(t, "rate_ratio")]));
    // Invoices kept their rate: not a candidate.
    for (const auto& r : t.rows) CHECK(r[column(t, "name")] != ReportCell{std::string("invoice")});
    // `from` starts the baseline later: 28 days, one outage a day.
    auto since = fx.run("emerging", {{"to", "2026-11-30T00:00:00Z"}, {"from", "2026-10-26T00:00:00Z"}}, "UTC");
    CHECK(integer(row(since, "name", std::string("outage"))[column(since, "baseline")]) == 28);
}

TEST_CASE("CSV output follows RFC 4180 and keeps Baltic text intact") {
    Fixture fx;
    auto t = fx.run("frequency", {{"group_by", "organisation"}, {"queue", "support"}});
    auto csv = to_csv(t);
    CHECK(csv.starts_with("organisation,tickets\r\n"));
    CHECK(csv.find("\"Rīgas \"\"Ūdens\"\", SIA\",1\r\n") != std::string::npos);
    CHECK(csv.find("(none),4\r\n") != std::string::npos);
    auto by_org = fx.run("frequency", {{"group_by", "organisation"}, {"organisation", "Ozoliņš SIA"}});
    CHECK(to_csv(by_org) == "organisation,tickets\r\nOzoliņš SIA,1\r\n");
}

TEST_CASE("report requests refuse unknown parameters, zones and dimensions") {
    CHECK(parse_report_request("frequency", {{"tz", "Europe/Helsinkii"}}, "UTC", kNow).error().field == "tz");
    CHECK(parse_report_request("frequency", {{"group_by", "colour"}}, "UTC", kNow).error().field == "group_by");
    CHECK(parse_report_request("frequency", {{"from", "2026-13-01"}}, "UTC", kNow).error().field == "from");
    CHECK(parse_report_request("frequency", {{"size", "3"}}, "UTC", kNow).error().field == "size");
    CHECK(parse_report_request("nonsense", {}, "UTC", kNow).error().code == errc::not_found);
    CHECK(parse_report_request("frequency", {{"from", "2026-10-01"}, {"from", "2026-11-01"}}, "UTC", kNow).error().field == "from");
    for (const char* name : {"escalations", "agents", "emerging"})
        CHECK(parse_report_request(name, {{"group_by", "queue"}}, "UTC", kNow).error().field == "group_by");
    CHECK(parse_report_request("frequency", {{"from", "2026-11-02"}, {"to", "2026-11-01"}}, "UTC", kNow).error().field == "to");
    // Misspelt values of fixed fields, a dimension named twice, two dimensions for backlog.
    CHECK(parse_report_request("frequency", {{"priority", "critical"}}, "UTC", kNow).error().field == "priority");
    CHECK(parse_report_request("frequency", {{"channel", "email,pigeon"}}, "UTC", kNow).error().field == "channel");
    CHECK(parse_report_request("frequency", {{"status", "nosuch"}}, "UTC", kNow).error().field == "status");
    CHECK(parse_report_request("frequency", {{"tier", "L9"}}, "UTC", kNow).error().field == "tier");
    CHECK(parse_report_request("frequency", {{"tier", "L2,supervisor"}}, "UTC", kNow).has_value());
    CHECK(parse_report_request("frequency", {{"group_by", "day,day"}}, "UTC", kNow).error().field == "group_by");
    CHECK(parse_report_request("backlog", {{"group_by", "channel,queue"}}, "UTC", kNow).error().field == "group_by");
    CHECK(parse_report_request("backlog", {{"group_by", "channel"}}, "UTC", kNow).has_value());
}

TEST_CASE("a filter value holding a comma is given quoted, as in CSV") {
    auto r = parse_report_request("frequency", {{"organisation", R"("Acme, Inc.",Other,"Say ""hi""")"}}, "UTC", kNow);
    REQUIRE(r.has_value());
    REQUIRE(r->filters.size() == 1);
    CHECK(r->filters[0].second == std::vector<std::string>{"Acme, Inc.", "Other", "Say \"hi\""});
    auto plain = parse_report_request("frequency", {{"queue", "support,billing"}}, "UTC", kNow);
    CHECK(plain->filters[0].second == std::vector<std::string>{"support", "billing"});
}

TEST_CASE("the history import reads a leading byte-order mark, refuses non-UTF-8 lines by name and makes phones E.164") {
    auto store = SqliteStore::open_in_memory();
    std::istringstream in(
        "\xEF\xBB\xBF"
        R"({"external_id":"p-1","channel":"email","subject":"S","body":"b","requester":{"name":"Pia","phone":"040 555 6666"},"queue":"support","created_at":"2026-11-02T06:00:00Z","status":"open"})"
        "\n"
        "{\"external_id\":\"p-2\",\"channel\":\"email\",\"subject\":\"Caf\xe9\",\"requester\":{\"name\":\"A\"},\"queue\":\"support\",\"created_at\":\"2026-11-02T06:00:00Z\",\"status\":\"open\"}\n");
    auto summary = import_jsonl(*store, in, 16, {}, {}, 16, 0, 0, "FI");
    CHECK(summary.imported == 1);
    REQUIRE(summary.problems.size() == 1);
    CHECK(summary.problems[0].line == 2);
    CHECK(summary.problems[0].problem.message.find("UTF-8") != std::string::npos);
    auto id = store->reader()->customer_by_identity({IdentityKind::phone, "+358405556666"});
    REQUIRE(id.has_value());
    CHECK(store->reader()->customer(*id)->name == "Pia");
}

TEST_CASE("exact percentiles by radix selection agree with a full sort") {
    std::mt19937 rng(7);
    std::uniform_int_distribution<std::int32_t> dist(0, 5'000'000);
    std::vector<std::int32_t> values(200'000);
    for (auto& v : values) v = dist(rng);
    auto sorted = values;
    std::sort(sorted.begin(), sorted.end());
    for (double p : {0.5, 0.9, 0.95, 1.0}) {
        auto copy = values;
        CHECK(exact_percentile(copy, p) == sorted[static_cast<std::size_t>(std::ceil(p * sorted.size())) - 1]);
    }
    std::vector<std::int32_t> small{5, 1, 4, 2, 3};
    CHECK(exact_percentile(small, 0.5) == 3);
    CHECK(binomial_upper_tail(0, 10, 0.5) == 1.0);
    CHECK(binomial_upper_tail(10, 10, 0.5) == doctest::Approx(1.0 / 1024));
}

TEST_CASE("report facts follow every committed change through the commit observer") {
    auto store = SqliteStore::open_in_memory();
    ReportFacts facts{calendars()};
    store->observe_commits([&](CommittedChanges&& c) { facts.enqueue(std::move(c)); },
                           [&](StoreTx& tx) { facts.load(tx); });
    ManualClock clock(*parse_rfc3339("2026-11-02T06:00:00Z"));
    Intake intake(clock);
    Enquiry e;
    e.channel = Channel::web;
    e.sender_name = "Līga";
    e.sender.push_back({IdentityKind::email, "liga@example.lv"});
    e.subject = "Rēķins";
    e.text = "Labdien";
    e.queue = "billing";
    e.received_at = clock.system_now();
    auto outcome = write_sync(*store, [&](StoreTx& tx) { return intake.accept(tx, e); });
    REQUIRE(outcome.has_value());
    auto count = [&] {
        return facts.with_facts([](const Facts& f) { return f.col.size(); });
    };
    CHECK(count() == 1);  // read-your-writes: applied before the report scans
    std::istringstream in(kHistory);
    import_jsonl(*store, in);
    CHECK(count() == 11);
    // Sorted by created_at even though the import came later with older tickets.
    facts.with_facts([](const Facts& f) {
        CHECK(std::is_sorted(f.col.created_ms.begin(), f.col.created_ms.end()));
        return 0;
    });
    // A refused unit leaves no trace in the facts.
    store->post_write([&](StoreTx& tx) {
        Ticket t;
        t.subject = "rolled back";
        t.queue = "support";
        t.requester_id = outcome->customer_id;
        t.created_at = clock.system_now();
        t.updated_at = t.created_at;
        tx.insert_ticket(t);
        return false;
    }, {});
    write_sync(*store, [](StoreTx&) {});
    CHECK(count() == 11);
}

TEST_CASE("on-demand report facts load with the first report and are dropped after the idle time") {
    test::TempDir dir;
    auto store = SqliteStore::open(dir.path() / "triage.db", SqliteOptions{.durable = false});
    ReportFacts facts{calendars()};
    store->observe_commits([&](CommittedChanges&& c) { facts.enqueue(std::move(c)); });
    facts.load_on_demand(store->path(), std::chrono::minutes{10});
    facts.start_applier();
    std::istringstream in(kHistory);
    import_jsonl(*store, in);  // before any report: not queued, read by the first load
    CHECK_FALSE(facts.resident());
    auto count = [&] {
        return facts.with_facts([](const Facts& f) { return f.col.size(); });
    };
    CHECK(count() == 10);
    CHECK(facts.resident());

    ManualClock clock(*parse_rfc3339("2026-11-02T06:00:00Z"));
    Intake intake(clock);
    auto enquiry = [&](const char* email) {
        Enquiry e;
        e.channel = Channel::web;
        e.sender_name = "Līga";
        e.sender.push_back({IdentityKind::email, email});
        e.subject = "Rēķins";
        e.text = "Labdien";
        e.queue = "billing";
        e.received_at = clock.system_now();
        auto outcome = write_sync(*store, [&](StoreTx& tx) { return intake.accept(tx, e); });
        REQUIRE(outcome.has_value());
    };
    enquiry("liga@example.lv");  // while in memory: through the observer
    CHECK(count() == 11);

    const auto now = std::chrono::steady_clock::now();
    CHECK_FALSE(facts.release_if_idle(now));  // just used
    facts.with_facts([&](const Facts&) {  // never under a running report
        CHECK_FALSE(facts.release_if_idle(now + std::chrono::hours{1}));
        return 0;
    });
    CHECK(facts.resident());
    CHECK(facts.release_if_idle(std::chrono::steady_clock::now() + std::chrono::minutes{10}));
    CHECK_FALSE(facts.resident());
    CHECK_FALSE(facts.release_if_idle(std::chrono::steady_clock::now() + std::chrono::hours{1}));  // already gone

    enquiry("janis@example.lv");  // while dropped: read by the next load, once
    CHECK(count() == 12);
    CHECK(facts.resident());
    enquiry("anna@example.lv");
    CHECK(count() == 13);
    facts.with_facts([](const Facts& f) {
        CHECK(std::is_sorted(f.col.created_ms.begin(), f.col.created_ms.end()));
        return 0;
    });
}

TEST_CASE("report facts kept from start-up are never dropped") {
    auto store = SqliteStore::open_in_memory();
    ReportFacts facts{calendars()};
    store->observe_commits([&](CommittedChanges&& c) { facts.enqueue(std::move(c)); },
                           [&](StoreTx& tx) { facts.load(tx); });
    std::istringstream in(kHistory);
    import_jsonl(*store, in);
    CHECK(facts.with_facts([](const Facts& f) { return f.col.size(); }) == 10);
    CHECK_FALSE(facts.release_if_idle(std::chrono::steady_clock::now() + std::chrono::hours{24}));
    CHECK(facts.resident());
}

TEST_CASE("a tier change in the audit log, as the escalation engine writes it, counts as an escalation") {
    auto store = SqliteStore::open_in_memory();
    ReportFacts facts{calendars()};
    store->observe_commits([&](CommittedChanges&& c) { facts.enqueue(std::move(c)); },
                           [&](StoreTx& tx) { facts.load(tx); });
    std::istringstream in(kHistory);
    import_jsonl(*store, in);
    // h4 (technical, solved 2026-11-03T11:00Z) is escalated to a supervisor at 10:30Z by a rule.
    write_sync(*store, [](StoreTx& tx) {
        auto id = tx.ticket_by_import_id("h4");  // no doctest assertions on the writer thread
        if (!id) throw std::runtime_error("h4 was not imported");
        auto t = tx.ticket(*id);
        t->tier = Tier::supervisor;
        tx.update_ticket(*t);
        TicketEvent e;
        e.ticket_id = *id;
        e.at = *parse_rfc3339("2026-11-03T10:30:00Z");
        e.actor = "system";
        e.type = "escalated";
        e.changes = {FieldChange{"tier", "L1", "supervisor"}};
        e.detail = "rule vip-outage";
        tx.append_event(e);
    });
    AgentLabels agents;
    auto request = parse_report_request("escalations", {{"queue", "technical"}}, "UTC", kNow);
    REQUIRE(request.has_value());
    auto t = facts.with_facts([&](const Facts& f) { return run_report(f, *request, agents); });
    bool found = false;
    for (const auto& r : t.rows) {
        if (r[1] == ReportCell{std::string("supervisor")}) {
            found = true;
            CHECK(std::get<std::string>(r[column(t, "reason")]) == "rule vip-outage");
            CHECK(number(r[column(t, "median_minutes_in_tier")]) == 30);  // until solved at 11:00Z
        }
    }
    CHECK(found);
    // The same figures after a restart, from the database alone.
    ReportFacts reloaded{calendars()};
    reloaded.load(store->path());
    auto again = reloaded.with_facts([&](const Facts& f) { return run_report(f, *request, agents); });
    CHECK(to_csv(again) == to_csv(t));
}

TEST_CASE("facts loaded in the background count what was committed meanwhile exactly once") {
    auto store = SqliteStore::open_in_memory();
    {
        std::istringstream in(kHistory);
        REQUIRE(import_jsonl(*store, in).imported == 10);
    }
    ReportFacts facts{calendars()};
    store->observe_commits([&](CommittedChanges&& c) { facts.enqueue(std::move(c)); });
    // Committed after the observer was set and before the load's snapshot: seen by both.
    auto agent_reply = [&](TicketId ticket) {
        write_sync(*store, [&](StoreTx& tx) {
            Message m;
            m.ticket_id = ticket;
            m.kind = MessageKind::reply;
            m.author_kind = AuthorKind::agent;
            m.author_id = 1;
            m.channel = Channel::email;
            m.body = "Vastaus";
            m.created_at = kNow;
            tx.insert_message(m);
            TicketEvent e;
            e.ticket_id = ticket;
            e.at = kNow;
            e.actor = "system:sla";
            e.type = "escalated";
            e.changes = {FieldChange{"tier", "L1", "supervisor"}};
            e.detail = "sla_breach";
            tx.append_event(e);
        });
    };
    agent_reply(1);
    {
        std::istringstream in(
            R"({"external_id":"h11","channel":"email","subject":"Uusi","body":"Hei","requester":{"name":"A","email":"a@example.fi"},"queue":"billing","created_at":"2026-11-10T06:00:00Z","status":"open","replies":2})");
        REQUIRE(import_jsonl(*store, in).imported == 1);
    }
    facts.load_in_background(store->path());
    facts.start_applier();
    agent_reply(2);  // before or after the snapshot: either way once
    CHECK(facts.wait_ready(std::chrono::seconds(30)));
    CHECK(facts.load_error().empty());
    facts.with_facts([](const Facts& f) {
        REQUIRE(f.col.size() == 11);
        auto at = [&](TicketId id) {
            auto it = std::find(f.col.id.begin(), f.col.id.end(), static_cast<std::uint32_t>(id));
            REQUIRE(it != f.col.id.end());
            return static_cast<std::size_t>(it - f.col.id.begin());
        };
        CHECK(f.col.replies[at(1)] == 2);   // 1 imported + 1 reply
        CHECK(f.col.replies[at(2)] == 4);   // 3 imported + 1 reply
        CHECK(f.col.replies[at(11)] == 2);  // imported once
        CHECK(f.escalations.at(1).reached_s[static_cast<std::size_t>(Tier::supervisor)] != kNoTime);
        CHECK(f.escalations.at(2).reached_s[static_cast<std::size_t>(Tier::supervisor)] != kNoTime);
        return 0;
    });
}

TEST_CASE("history with a mistyped year is refused, and a ticket open again is reopened, not solved") {
    auto store = SqliteStore::open_in_memory();
    const std::string input =
        R"({"external_id":"y-1","channel":"email","subject":"x","requester":{"name":"A"},"queue":"support","created_at":"9999-12-31T23:59:59Z","status":"new"})"
        "\n"
        R"({"external_id":"y-2","channel":"email","subject":"x","requester":{"name":"A"},"queue":"support","created_at":"2026-11-02T06:00:00Z","solved_at":"2199-01-01T00:00:00Z","status":"solved"})"
        "\n"
        R"({"external_id":"r-1","channel":"email","subject":"Taas rikki","requester":{"name":"B"},"queue":"support","created_at":"2026-11-02T06:00:00Z","solved_at":"2026-11-02T08:00:00Z","status":"open"})"
        "\n";
    std::istringstream in(input);
    auto summary = import_jsonl(*store, in);
    CHECK(summary.imported == 1);
    REQUIRE(summary.problems.size() == 2);
    CHECK(summary.problems[0].problem.field == "created_at");
    CHECK(summary.problems[1].problem.field == "solved_at");
    auto page = store->reader()->tickets(all_tickets());
    REQUIRE(page.tickets.size() == 1);
    CHECK(page.tickets[0].status == TicketStatus::open);
    CHECK_FALSE(page.tickets[0].solved_at);
    CHECK(page.tickets[0].reopen_count == 1);
    CHECK(format_rfc3339(page.tickets[0].updated_at) == "2026-11-02T08:00:00Z");
}

TEST_CASE("backlog at an instant holds tickets created before it, and a day series covers the whole range") {
    Fixture fx(R"({"external_id":"b-1","channel":"email","subject":"a","requester":{"name":"A"},"queue":"support","created_at":"2026-10-31T21:59:59Z","status":"open"})"
               "\n"
               R"({"external_id":"b-2","channel":"email","subject":"b","requester":{"name":"A"},"queue":"support","created_at":"2026-10-31T22:00:00Z","status":"open"})"
               "\n");
    // 2026-11-01 00:00 in Helsinki is 2026-10-31T22:00Z: the second ticket is not yet there.
    auto backlog = fx.run("backlog", {{"at", "2026-10-31T22:00:00Z"}});
    std::int64_t open = 0;
    for (const auto& row : backlog.rows) open += std::get<std::int64_t>(row.back());
    CHECK(open == 1);
    auto days = fx.run("frequency", {{"from", "2026-10-25"}, {"to", "2026-11-03"}, {"group_by", "day"}});
    REQUIRE(days.rows.size() == 10);  // 25 Oct to 3 Nov, days without tickets included
    CHECK(to_csv(days).starts_with("day,tickets\r\n2026-10-25,0\r\n"));
    CHECK(to_csv(days).find("2026-10-31,1\r\n2026-11-01,1\r\n2026-11-02,0\r\n2026-11-03,0\r\n") != std::string::npos);
    auto none = fx.run("frequency", {{"from", "2026-12-01"}, {"to", "2026-12-02"}, {"group_by", "day"}});
    CHECK(to_csv(none) == "day,tickets\r\n2026-12-01,0\r\n2026-12-02,0\r\n");
}

TEST_CASE("CSV text that a spreadsheet would run as a formula starts with a quote; numbers stay numbers") {
    ReportTable t;
    t.columns = {"organisation", "tickets"};
    t.rows.push_back({std::string("=HYPERLINK(\"http://x\",\"y\")"), std::int64_t{-3}});
    t.rows.push_back({std::string("@SUM(A1)"), 2.5});
    t.rows.push_back({std::string("Ozoliņš SIA"), std::int64_t{1}});
    CHECK(to_csv(t) == "organisation,tickets\r\n\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",-3\r\n'@SUM(A1),2.5\r\nOzoliņš SIA,1\r\n");
}
