// Integration: the escalation engine inside the real triaged — rules from the config file,
// their audit trail, the SLA timeline, reload over HTTP and SIGHUP, refusal of bad rules.
#include "tests/support/triaged_process.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <csignal>
#include <fstream>
#include <thread>

using namespace triage::test;
namespace json = boost::json;

namespace {

json::object parse(const std::string& body) { return json::parse(body).as_object(); }

void write(const std::filesystem::path& p, const std::string& text) { std::ofstream(p) << text; }

const std::string kRules = R"(rules:
  - name: invoices to billing
    on: created
    if: {subject: {regex: "lasku|rēķin"}}
    then:
      - set: {queue: billing, tags: {add: [invoice]}}
      - escalate: L2
)";

std::filesystem::path desk_config(const TempDir& dir, const std::string& rules) {
    write(dir.path() / "rules.yaml", rules);
    write(dir.path() / "triage.yaml", R"(calendars:
  always:
    timezone: Europe/Helsinki
    hours: mon-sun 00:00-24:00
escalation:
  rules: rules.yaml
  default_calendar: always
  sla_policies:
    - {name: standard, first_response: 60, resolution: 480}
  tiers:
    L2: [l2@triage.example]
)");
    return dir.path() / "triage.yaml";
}

std::string events_of(const TriagedProcess& server, std::int64_t id) {
    return server.request("GET", "/api/v1/tickets/" + std::to_string(id) + "/events").body;
}

}  // namespace

TEST_CASE("a ticket created over HTTP goes through the rules, its firing audited, and gets SLA clocks") {
    TempDir dir;
    TriagedProcess server(dir.path(), {"--config", desk_config(dir, kRules).string()});
    auto created = server.request("POST", "/api/v1/tickets",
                                  R"({"subject":"Lasku puuttuu","body":"Hei, en ole saanut joulukuun laskua.","requester":{"email":"a@example.fi"}})");
    REQUIRE(created.status == 201);
    auto t = parse(created.body);
    CHECK(t.at("queue").as_string() == "billing");
    CHECK(t.at("tier").as_string() == "L2");
    CHECK(t.at("language").as_string() == "fi");  // detected
    const auto id = t.at("id").as_int64();
    auto events = events_of(server, id);
    CHECK(events.find("rule 'invoices to billing' on created: matched subject matches 'lasku|rēķin'") != std::string::npos);
    CHECK(events.find("rule:invoices to billing") != std::string::npos);

    auto sla = server.request("GET", "/api/v1/tickets/" + std::to_string(id) + "/sla");
    REQUIRE(sla.status == 200);
    auto clocks = parse(sla.body).at("clocks").as_array();
    REQUIRE(clocks.size() == 2);
    CHECK(clocks[0].at("target").as_string() == "first_response");
    CHECK(clocks[0].at("phase").as_string() == "running");
    CHECK(clocks[0].at("business_minutes_left").as_int64() >= 59);
    CHECK(clocks[0].at("timeline").as_array().at(0).at("event").as_string() == "started");

    auto notified = server.request("GET", "/api/v1/tickets/" + std::to_string(id) + "/notifications");
    CHECK(notified.body.find("l2@triage.example") != std::string::npos);
    auto escalations = server.request("GET", "/api/v1/escalations");
    REQUIRE(escalations.status == 200);
    CHECK(parse(escalations.body).at("escalations").as_array().empty());  // nothing at risk yet
}

TEST_CASE("rules reload atomically over HTTP and on SIGHUP, and a bad file keeps the old rules") {
    TempDir dir;
    auto config = desk_config(dir, kRules);
    TriagedProcess server(dir.path(), {"--config", config.string()});
    write(dir.path() / "rules.yaml", "rules:\n  - name: broken\n    on: [created]\n    if: {prioritee: high}\n    then: [stop]\n");
    auto refused = server.request("POST", "/api/v1/admin/reload");
    CAPTURE(refused.body);
    CHECK(refused.status == 422);
    CHECK(refused.body.find("kept the old rules") != std::string::npos);
    CHECK(refused.body.find("rules.yaml:4:10: unknown field 'prioritee'") != std::string::npos);
    auto still = server.request("POST", "/api/v1/tickets", R"({"subject":"Lasku","body":"lasku","requester":{"email":"b@example.fi"}})");
    CHECK(parse(still.body).at("queue").as_string() == "billing");  // the old rules still apply

    write(dir.path() / "rules.yaml", R"(rules:
  - name: everything urgent
    on: created
    then: [{set: {priority: urgent}}]
)");
    auto reloaded = server.request("POST", "/api/v1/admin/reload");
    CHECK(reloaded.status == 200);
    CHECK(parse(reloaded.body).at("rules").as_int64() == 1);
    auto now = server.request("POST", "/api/v1/tickets", R"({"subject":"Lasku","body":"lasku","requester":{"email":"c@example.fi"}})");
    CHECK(parse(now.body).at("priority").as_string() == "urgent");
    CHECK(parse(now.body).at("queue").as_string() != "billing");

    write(dir.path() / "rules.yaml", kRules);
    ::kill(server.pid(), SIGHUP);
    bool swapped = false;
    for (int i = 0; i < 100 && !swapped; ++i) {  // the reload is asynchronous: poll with new tickets
        auto after = server.request("POST", "/api/v1/tickets", R"({"subject":"Lasku","body":"lasku","requester":{"email":"d@example.fi"}})");
        swapped = parse(after.body).at("queue").as_string() == "billing";
        if (!swapped) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CHECK(swapped);
    CHECK(server.stop() == 0);
    CHECK(server.log().find("SIGHUP: rules reloaded (1 rules)") != std::string::npos);
}

TEST_CASE("triaged refuses to start on an invalid rules file and says where every error is") {
    TempDir dir;
    auto config = desk_config(dir, "rules:\n  - name: a\n    on: [created, shipped]\n    then: [{escalate: L9}]\n");
    auto [code, output] = run_command({TRIAGED_PATH, "--config", config.string(), "--data-dir",
                                       (dir.path() / "data").string(), "--http", "127.0.0.1:0"});
    CHECK(code != 0);
    CHECK(output.find("rules.yaml:3:19: unknown event 'shipped'") != std::string::npos);
    CHECK(output.find("rules.yaml:4:23: escalate needs a tier") != std::string::npos);
}

TEST_CASE("triage rules test prints what would fire and the ticket it would make, storing nothing") {
    TempDir dir;
    auto config = desk_config(dir, kRules);
    write(dir.path() / "enquiry.json", R"({"subject":"Rēķins nav saņemts","body":"Labdien, es neesmu saņēmis decembra rēķinu. Vai jūs varētu to man nosūtīt vēlreiz?","requester":{"email":"j@example.lv"}})");
    auto [code, output] = run_command({TRIAGE_CLI_PATH, "rules", "test", "--config", config.string(), "--rules",
                                       (dir.path() / "rules.yaml").string(), (dir.path() / "enquiry.json").string()});
    CAPTURE(output);
    CHECK(code == 0);
    CHECK(output.find("rule 'invoices to billing' on created") != std::string::npos);
    CHECK(output.find("queue     billing") != std::string::npos);
    CHECK(output.find("tier      L2") != std::string::npos);
    CHECK(output.find("language  lv") != std::string::npos);
    CHECK(!std::filesystem::exists(dir.path() / "data"));

    write(dir.path() / "bad.yaml", "rules:\n  - name: a\n    on: created\n    if: {body: {regex: \"(\"}}\n    then: [stop]\n");
    auto [bad, message] = run_command({TRIAGE_CLI_PATH, "rules", "check", "--rules", (dir.path() / "bad.yaml").string()});
    CHECK(bad == 2);
    CHECK(message.find("bad.yaml:4:24: bad regex '('") != std::string::npos);
}
