// Integration: the weekly report goes out through the real outbox. One triaged (the desk, with
// email.relay) sends it to the managers through a second triaged (their mail server, a real
// SMTP listener that keeps the raw bytes it received), as email_outbound_test does.
#include "engine/time_format.hpp"
#include "tests/support/mail_server.hpp"
#include "tests/support/triaged_process.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <thread>

using namespace triage::test;
namespace json = boost::json;

namespace {

}  // namespace

TEST_CASE("the weekly report reaches every manager through the outbox and the relay, CSVs attached") {
    TempDir mx_dir, desk_dir;
    MailServer mx(mx_dir.path(), "email:\n  hostname: mx.example.fi\n  mailboxes:\n    jaan.kask@example.fi: inbox\n"
                                 "    boss@example.fi: inbox\n");
    MailServer desk(desk_dir.path(),
                    fmt::format("email:\n  hostname: desk.triage.test\n  relay: 127.0.0.1:{}\n  mailboxes:\n"
                                "    support@triage.test: support\n  outbox:\n    retry_initial_ms: 50\n"
                                "reports:\n  timezone: Europe/Helsinki\n  weekly:\n"
                                "    managers: [jaan.kask@example.fi, Boss@example.fi]\n    from: reports@triage.test\n",
                                mx.smtp_port));
    // A ticket in the week the report covers (the same weekday a week ago).
    const auto last_week = triage::format_rfc3339(
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now() - std::chrono::hours(24 * 7)));
    auto imported = desk.process->request(
        "POST", "/api/v1/import/tickets",
        R"({"external_id":"w1","channel":"email","subject":"Lasku puuttuu","body":"Hei","requester":{"name":"A","email":"a@example.fi"},"queue":"support","created_at":")" +
            last_week + R"(","status":"open"})" "\n",
        TriagedProcess::kToken, "application/x-ndjson");
    REQUIRE(imported.status == 200);

    auto sent = desk.process->request("POST", "/api/v1/reports/weekly/send");
    REQUIRE(sent.status == 202);
    const auto queued = std::string(json::parse(sent.body).at("queued").as_string());
    CHECK(queued.find("outbox") != std::string::npos);

    std::string raw;
    REQUIRE(eventually([&] { return !(raw = raw_containing(mx_dir.path(), "Help desk weekly report")).empty(); }));
    CHECK(raw.find("multipart/mixed") != std::string::npos);
    for (const char* csv : {"frequency-by-day.csv", "resolution-by-queue.csv", "sla-by-queue.csv", "backlog.csv",
                            "agents.csv", "escalations.csv", "emerging.csv"})
        CHECK_MESSAGE(raw.find(csv) != std::string::npos, csv);
    CHECK(raw.find("jaan.kask@example.fi") != std::string::npos);
    // One SMTP transaction for both managers; the desk marks the row sent after the relay's 250.
    CHECK(eventually([&] {
        return desk.process->log().find("to jaan.kask@example.fi, boss@example.fi sent") != std::string::npos;
    }));
    // Their mail server took it in as one message to its inbox.
    CHECK(eventually([&] {
        auto r = mx.process->request("GET", "/api/v1/tickets");
        return r.status == 200 && r.body.find("Help desk weekly report") != std::string::npos;
    }));

    // Without managers there is nothing to send.
    TempDir lone_dir;
    MailServer lone(lone_dir.path(), "email:\n  hostname: lone.triage.test\n  mailboxes:\n    support@triage.test: support\n");
    CHECK(lone.process->request("POST", "/api/v1/reports/weekly/send").status == 409);

    // Without a relay the email goes to the report spool: the reply names the file, never
    // the server's filesystem path.
    TempDir spool_dir;
    MailServer spooled(spool_dir.path(), "email:\n  hostname: spool.triage.test\n  mailboxes:\n    support@triage.test: support\n"
                                         "reports:\n  weekly:\n    managers: [boss@example.fi]\n");
    auto spool_reply = spooled.process->request("POST", "/api/v1/reports/weekly/send");
    CAPTURE(spool_reply.body);
    REQUIRE(spool_reply.status == 202);
    const auto where = std::string(json::parse(spool_reply.body).at("queued").as_string());
    CHECK(where.find("weekly-report-") != std::string::npos);
    CHECK(where.find(spool_dir.path().string()) == std::string::npos);
    CHECK(where.find('/') == std::string::npos);
}
