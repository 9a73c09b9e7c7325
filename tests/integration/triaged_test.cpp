// Integration: the real triaged binary on a free port with a temporary data directory.
#include "tests/support/triaged_process.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

using namespace triage::test;
namespace json = boost::json;

namespace {

json::object parse(const std::string& body) { return json::parse(body).as_object(); }

const std::string kTicket = R"({"subject":"Rēķins nav saņemts","body":"Labdien! Es nesaņēmu rēķinu par oktobri. Šūna Ūdens.",
    "requester":{"name":"Jānis Ozoliņš","email":"janis@example.lv"},"queue":"billing","priority":"high","tags":["Invoice"]})";

void check_error(const HttpResult& r, int status, std::string_view code) {
    CAPTURE(r.body);
    CHECK(r.status == status);
    CHECK(r.headers.at("content-type").starts_with("application/json"));
    auto body = parse(r.body);
    REQUIRE(body.contains("error"));
    CHECK(body.at("error").at("code").as_string() == code);
    CHECK_FALSE(body.at("error").at("message").as_string().empty());
}

std::size_t count_of(const std::string& text, std::string_view what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("tickets created over HTTP survive a restart of triaged") {
    TempDir dir;
    std::int64_t id = 0;
    {
        TriagedProcess server(dir.path());
        auto created = server.request("POST", "/api/v1/tickets", kTicket);
        CAPTURE(created.body);
        REQUIRE(created.status == 201);
        auto t = parse(created.body);
        id = t.at("id").as_int64();
        CHECK(t.at("key").as_string() == "T-" + std::to_string(id));
        CHECK(t.at("subject").as_string() == "Rēķins nav saņemts");
        CHECK(t.at("status").as_string() == "new");
        CHECK(t.at("priority").as_string() == "high");
        CHECK(t.at("tags").as_array().at(0).as_string() == "invoice");
        CHECK(t.at("created_at").as_string().size() >= 20);
        CHECK(created.headers.at("location") == "/api/v1/tickets/" + std::to_string(id));
        CHECK(server.stop() == 0);
    }
    TriagedProcess again(dir.path());
    auto got = again.request("GET", "/api/v1/tickets/" + std::to_string(id));
    REQUIRE(got.status == 200);
    CHECK(parse(got.body).at("subject").as_string() == "Rēķins nav saņemts");
    auto messages = again.request("GET", "/api/v1/tickets/T-" + std::to_string(id) + "/messages");
    REQUIRE(messages.status == 200);
    CHECK(parse(messages.body).at("messages").as_array().at(0).at("body").as_string() ==
          "Labdien! Es nesaņēmu rēķinu par oktobri. Šūna Ūdens.");
}

TEST_CASE("the API answers bad requests with the right status and a JSON error body") {
    TempDir dir;
    TriagedProcess server(dir.path());

    SUBCASE("a missing token gets 401") {
        auto r = server.request("GET", "/api/v1/tickets", "", "");
        check_error(r, 401, "unauthorized");
        CHECK(r.headers.count("www-authenticate") == 1);
    }
    SUBCASE("a wrong token gets 401") { check_error(server.request("GET", "/api/v1/tickets", "", "nope"), 401, "unauthorized"); }
    SUBCASE("health needs no token") {
        auto r = server.request("GET", "/api/v1/health", "", "");
        CHECK(r.status == 200);
        CHECK(parse(r.body).at("status").as_string() == "ok");
    }
    SUBCASE("malformed JSON gets 400") {
        check_error(server.request("POST", "/api/v1/tickets", R"({"subject": "x", "body": )"), 400, "malformed");
    }
    SUBCASE("invalid UTF-8 inside JSON gets 400") {
        check_error(server.request("POST", "/api/v1/tickets", "{\"subject\":\"\xff\xfe\",\"body\":\"x\"}"), 400, "malformed");
    }
    SUBCASE("a missing requester gets 422 naming the field") {
        auto r = server.request("POST", "/api/v1/tickets", R"({"subject":"x","body":"y"})");
        check_error(r, 422, "invalid_field");
        CHECK(parse(r.body).at("error").at("field").as_string() == "requester");
    }
    SUBCASE("a bad email gets 422") {
        check_error(server.request("POST", "/api/v1/tickets", R"({"body":"y","requester":{"email":"nobody"}})"), 422,
                    "invalid_field");
    }
    SUBCASE("an unknown ticket gets 404") { check_error(server.request("GET", "/api/v1/tickets/999"), 404, "not_found"); }
    SUBCASE("an unknown endpoint gets 404") { check_error(server.request("GET", "/api/v1/nothing"), 404, "not_found"); }
    SUBCASE("a wrong method gets 405 with Allow") {
        auto r = server.request("DELETE", "/api/v1/tickets");
        check_error(r, 405, "method_not_allowed");
        CHECK(r.headers.at("allow") == "GET, POST");
    }
    SUBCASE("a body over the limit gets 413") {
        std::string big(2 << 20, 'a');
        check_error(server.request("POST", "/api/v1/tickets", big), 413, "too_large");
    }
    SUBCASE("a bad list filter gets 422") {
        check_error(server.request("GET", "/api/v1/tickets?status=sleeping"), 422, "invalid_field");
        check_error(server.request("GET", "/api/v1/tickets?limit=0"), 422, "invalid_field");
    }
    SUBCASE("a subject or requester name with a line break or a control character gets 422") {
        auto r = server.request("POST", "/api/v1/tickets",
                                R"({"subject":"hi\r\nBcc: evil@example.com","body":"b","requester":{"email":"x@example.fi"}})");
        check_error(r, 422, "invalid_field");
        CHECK(json::parse(r.body).at("error").at("field").as_string() == "subject");
        r = server.request("POST", "/api/v1/tickets",
                           R"({"subject":"s","body":"b","requester":{"name":"A\nB","email":"x@example.fi"}})");
        check_error(r, 422, "invalid_field");
        CHECK(json::parse(r.body).at("error").at("field").as_string() == "requester.name");
        REQUIRE(server.request("POST", "/api/v1/tickets", R"({"subject":"a\tb","body":"multi\nline","requester":{"email":"x@example.fi"}})")
                    .status == 201);  // a tab is no line break; the body has lines
        check_error(server.request("PATCH", "/api/v1/tickets/1", R"({"subject":"x\u001b[31m"})"), 422, "invalid_field");
    }
    SUBCASE("another media type gets 400") {
        check_error(server.request("POST", "/api/v1/tickets", "subject=x", TriagedProcess::kToken, "text/plain"), 400,
                    "malformed");
    }
}

TEST_CASE("an invalid status transition over HTTP gets 409 and a valid one is audited") {
    TempDir dir;
    TriagedProcess server(dir.path());
    auto created = server.request("POST", "/api/v1/tickets", kTicket);
    REQUIRE(created.status == 201);
    auto path = "/api/v1/tickets/" + std::to_string(parse(created.body).at("id").as_int64());

    auto bad = server.request("PATCH", path, R"({"status":"closed"})");
    check_error(bad, 409, "invalid_transition");
    check_error(server.request("PATCH", path, R"({"status":"asleep"})"), 422, "invalid_field");
    check_error(server.request("PATCH", path, R"({"colour":"red"})"), 422, "invalid_field");

    auto reply = server.request("POST", path + "/messages", R"({"body":"Labdien, rēķins nosūtīts.","kind":"reply"})");
    CAPTURE(reply.body);
    REQUIRE(reply.status == 201);
    CHECK(parse(reply.body).at("ticket").at("status").as_string() == "open");
    CHECK_FALSE(parse(reply.body).at("ticket").at("first_response_at").is_null());

    auto solved = server.request("PATCH", path, R"({"status":"solved","priority":"low","tags":["a","B"]})");
    REQUIRE(solved.status == 200);
    CHECK(parse(solved.body).at("status").as_string() == "solved");
    auto closed = server.request("PATCH", path, R"({"status":"closed"})");
    REQUIRE(closed.status == 200);
    check_error(server.request("PATCH", path, R"({"status":"open"})"), 409, "invalid_transition");

    auto events = parse(server.request("GET", path + "/events").body).at("events").as_array();
    REQUIRE(events.size() == 4);
    CHECK(events[0].at("type").as_string() == "created");
    CHECK(events[1].at("type").as_string() == "agent_replied");
    CHECK(events[2].at("type").as_string() == "status_changed");
    CHECK(events[2].at("actor").as_string() == "token:admin");
    CHECK(events[3].at("changes").at(0).at("after").as_string() == "closed");
}

TEST_CASE("the ticket list filters, searches accent-insensitively and pages with a cursor") {
    TempDir dir;
    TriagedProcess server(dir.path());
    for (int i = 0; i < 7; ++i) {
        auto body = json::serialize(json::object{
            {"subject", i % 2 ? "Päivitys epäonnistui" : "Invoice missing"},
            {"body", i % 2 ? "Hei, sovelluksen päivitys ei onnistu." : "Hello, my invoice is missing."},
            {"requester", {{"email", "c" + std::to_string(i) + "@example.fi"}}},
            {"queue", i % 2 ? "technical" : "billing"}});
        REQUIRE(server.request("POST", "/api/v1/tickets", body).status == 201);
    }
    auto all = parse(server.request("GET", "/api/v1/tickets?limit=3").body);
    CHECK(all.at("tickets").as_array().size() == 3);
    CHECK(all.at("tickets").as_array()[0].at("id").as_int64() == 7);
    auto cursor = std::string(all.at("next_cursor").as_string());
    auto page2 = parse(server.request("GET", "/api/v1/tickets?limit=3&cursor=" + cursor).body);
    CHECK(page2.at("tickets").as_array()[0].at("id").as_int64() == 4);
    auto page3 = parse(server.request("GET", "/api/v1/tickets?limit=3&cursor=" +
                                      std::string(page2.at("next_cursor").as_string())).body);
    CHECK(page3.at("tickets").as_array().size() == 1);
    CHECK(page3.at("next_cursor").is_null());

    CHECK(parse(server.request("GET", "/api/v1/tickets?queue=technical").body).at("tickets").as_array().size() == 3);
    CHECK(parse(server.request("GET", "/api/v1/tickets?q=paivitys").body).at("tickets").as_array().size() == 3);
    CHECK(parse(server.request("GET", "/api/v1/tickets?q=PÄIVITYS%20sovelluksen").body).at("tickets").as_array().size() == 3);
    CHECK(server.request("GET", "/api/v1/tickets?q=%22%20OR%20(").status == 200);

    auto customers = parse(server.request("GET", "/api/v1/customers?identity=email:C3@example.fi").body);
    REQUIRE(customers.at("customers").as_array().size() == 1);
    auto cid = customers.at("customers").as_array()[0].at("id").as_int64();
    auto customer = server.request("GET", "/api/v1/customers/" + std::to_string(cid));
    CHECK(customer.status == 200);
    CHECK(parse(customer.body).at("identities").as_array()[0].at("value").as_string() == "c3@example.fi");
}

TEST_CASE("an Idempotency-Key makes a retried create return the first ticket") {
    TempDir dir;
    TriagedProcess server(dir.path());
    auto body = R"({"body":"Sveiki","requester":{"phone":"+371 2612 3456"},"external_id":"form-77"})";
    auto a = server.request("POST", "/api/v1/tickets", body);
    auto b = server.request("POST", "/api/v1/tickets", body);
    REQUIRE(a.status == 201);
    CHECK(b.status == 200);
    CHECK(parse(a.body).at("id") == parse(b.body).at("id"));

    // The header does the same for a body without external_id; an unusable key is a 422.
    auto with_key = [&](const std::string& key) {
        const std::string json = R"({"body":"Tere","requester":{"email":"kati@example.ee"}})";
        return raw_exchange(server.port(), "POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                               std::string(TriagedProcess::kToken) + "\r\nContent-Type: application/json\r\nIdempotency-Key: " +
                                               key + "\r\nContent-Length: " + std::to_string(json.size()) +
                                               "\r\nConnection: close\r\n\r\n" + json);
    };
    CHECK(with_key("retry-1").starts_with("HTTP/1.1 201"));
    CHECK(with_key("retry-1").starts_with("HTTP/1.1 200"));

    // A key reused for another request is a 422 naming where the key was, not the first ticket.
    auto reused = server.request("POST", "/api/v1/tickets",
                                 R"({"body":"Labdien, cits jautājums","requester":{"phone":"+371 2612 3456"},"external_id":"form-77"})");
    CHECK(reused.status == 422);
    CHECK(parse(reused.body).at("error").at("field").as_string() == "external_id");
    CHECK(std::string(parse(reused.body).at("error").at("message").as_string()).find("T-") != std::string::npos);
    const std::string other = R"({"body":"Tere, teine küsimus","requester":{"email":"kati@example.ee"}})";
    auto reused_header = raw_exchange(server.port(), "POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                                         std::string(TriagedProcess::kToken) +
                                                         "\r\nContent-Type: application/json\r\nIdempotency-Key: retry-1\r\nContent-Length: " +
                                                         std::to_string(other.size()) + "\r\nConnection: close\r\n\r\n" + other);
    CHECK(reused_header.starts_with("HTTP/1.1 422"));
    CHECK(reused_header.find("\"field\":\"Idempotency-Key\"") != std::string::npos);
    CHECK(with_key("retry-1").starts_with("HTTP/1.1 200"));  // the first request still retries
    auto too_long = with_key(std::string(201, 'k'));
    CHECK(too_long.starts_with("HTTP/1.1 422"));
    CHECK(too_long.find("\"field\":\"Idempotency-Key\"") != std::string::npos);
}

TEST_CASE("a request target in absolute form is routed by its path (RFC 9112 3.2.2)") {
    TempDir dir;
    TriagedProcess server(dir.path());
    const auto port = std::to_string(server.port());
    auto health = raw_exchange(server.port(), "GET http://127.0.0.1:" + port + "/api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:" +
                                                  port + "\r\nConnection: close\r\n\r\n");
    CHECK(health.starts_with("HTTP/1.1 200"));
    auto listed = raw_exchange(server.port(), "GET HTTP://127.0.0.1:" + port + "/api/v1/tickets?limit=1 HTTP/1.1\r\nHost: x\r\n"
                                                  "Authorization: Bearer " + std::string(TriagedProcess::kToken) +
                                                  "\r\nConnection: close\r\n\r\n");
    CHECK(listed.starts_with("HTTP/1.1 200"));
    CHECK(listed.find("\"tickets\":[]") != std::string::npos);
}

TEST_CASE("with queues configured, a ticket filed or moved to another queue is a 422 naming the field") {
    TempDir dir;
    auto config = dir.path() / "triage.yaml";
    std::ofstream(config) << "queues: [support, billing]\n";
    TriagedProcess server(dir.path(), {"--config", config.string()});
    const std::string nope = R"({"subject":"s","body":"b","requester":{"email":"x@example.fi"},"queue":"nope"})";
    auto r = server.request("POST", "/api/v1/tickets", nope);
    check_error(r, 422, "invalid_field");
    CHECK(json::parse(r.body).at("error").at("field").as_string() == "queue");
    CHECK(r.body.find("support, billing") != std::string::npos);
    const std::string wrong_case = R"({"subject":"s","body":"b","requester":{"email":"x@example.fi"},"queue":"Billing"})";
    check_error(server.request("POST", "/api/v1/tickets", wrong_case), 422, "invalid_field");
    REQUIRE(server.request("POST", "/api/v1/tickets", kTicket).status == 201);  // billing
    const std::string default_queue = R"({"subject":"s","body":"b","requester":{"email":"y@example.fi"}})";
    REQUIRE(server.request("POST", "/api/v1/tickets", default_queue).status == 201);
    check_error(server.request("PATCH", "/api/v1/tickets/1", R"({"queue":"nope"})"), 422, "invalid_field");
    CHECK(server.request("PATCH", "/api/v1/tickets/1", R"({"queue":"support"})").status == 200);
}

TEST_CASE("HTTP/1.1 needs exactly one Host; every answer, the HTTP layer's own too, has a Date and the security headers") {
    TempDir dir;
    TriagedProcess server(dir.path());
    auto without_host = raw_exchange(server.port(), "GET /api/v1/health HTTP/1.1\r\n\r\n");
    CAPTURE(without_host);
    CHECK(without_host.starts_with("HTTP/1.1 400"));
    CHECK(without_host.find("Host header") != std::string::npos);
    CHECK(raw_exchange(server.port(), "GET /api/v1/health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").starts_with("HTTP/1.1 400"));
    CHECK(raw_exchange(server.port(), "GET /api/v1/health HTTP/1.0\r\n\r\n").starts_with("HTTP/1.0 200"));  // 1.0 has no Host
    const std::regex date(R"(\r\nDate: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT\r\n)",
                          std::regex::icase);
    auto ok = raw_exchange(server.port(), "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CAPTURE(ok);
    CHECK(std::regex_search(ok, date));
    auto too_large =
        raw_exchange(server.port(), "POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n");
    CAPTURE(too_large);
    CHECK(too_large.starts_with("HTTP/1.1 413"));
    CHECK(std::regex_search(too_large, date));
    for (const char* header : {"Content-Security-Policy: ", "X-Content-Type-Options: nosniff", "X-Frame-Options: DENY"})
        CHECK(too_large.find(header) != std::string::npos);
}

TEST_CASE("metrics are served in the Prometheus text format") {
    TempDir dir;
    TriagedProcess server(dir.path());
    REQUIRE(server.request("POST", "/api/v1/tickets", kTicket).status == 201);
    auto r = server.request("GET", "/metrics", "", "");
    REQUIRE(r.status == 200);
    CHECK(r.body.find("triage_http_requests_total{method=\"POST\",route=\"/api/v1/tickets\",status=\"201\"} 1") !=
          std::string::npos);
    CHECK(r.body.find("triage_tickets{status=\"new\"} 1") != std::string::npos);
    CHECK(r.body.find("triage_http_request_duration_seconds_bucket") != std::string::npos);
    // Refused by the HTTP layer before routing (too large): counted too.
    CHECK(raw_exchange(server.port(), "POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n")
              .starts_with("HTTP/1.1 413"));
    r = server.request("GET", "/metrics", "", "");
    CHECK(r.body.find("triage_http_requests_total{method=\"POST\",route=\"(not routed)\",status=\"413\"} 1") !=
          std::string::npos);
    // Made-up paths, one with a quote, a backslash and a newline in it, are one "unmatched"
    // series: the scrape stays parseable and the series stay bounded.
    CHECK(server.request("GET", "/api/v1/tickets/1/a%22b%5Cc%0Ad").status == 404);
    CHECK(server.request("GET", "/api/v1/tickets/1/zz1").status == 404);
    CHECK(server.request("GET", "/ui/zz2", "", "").status == 404);
    r = server.request("GET", "/metrics", "", "");
    CHECK(r.body.find("zz1") == std::string::npos);
    CHECK(r.body.find("zz2") == std::string::npos);
    CHECK(r.body.find("a\"b") == std::string::npos);
    CHECK(r.body.find("triage_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 3") !=
          std::string::npos);
    std::istringstream lines(r.body);
    for (std::string line; std::getline(lines, line);) {
        CAPTURE(line);
        if (line.starts_with("#")) continue;
        // name{labels} value: every label value a closed string, one sample a line
        REQUIRE(line.find("} ") != std::string::npos);
        CHECK(std::count(line.begin(), line.end(), '"') % 2 == 0);
        CHECK(std::regex_match(line, std::regex(R"(^[a-z_]+\{([a-z]+="([^"\\]|\\.)*",?)+\} [0-9.e+-]+$)")));
    }
}

TEST_CASE("triaged logs one line per request, and per ticket event at debug level") {
    TempDir dir;
    SUBCASE("info, the default: the request line only (the audit log has the events)") {
        TriagedProcess server(dir.path());
        REQUIRE(server.request("POST", "/api/v1/tickets", kTicket).status == 201);
        server.stop();
        auto log = server.log();
        CHECK(log.find("POST /api/v1/tickets 201") != std::string::npos);
        CHECK(log.find("ticket T-1 created by token:admin") == std::string::npos);
    }
    SUBCASE("debug: the events too") {
        TriagedProcess server(dir.path(), {"--log-level", "debug"});
        REQUIRE(server.request("POST", "/api/v1/tickets", kTicket).status == 201);
        server.stop();
        auto log = server.log();
        CHECK(log.find("POST /api/v1/tickets 201") != std::string::npos);
        CHECK(log.find("ticket T-1 created by token:admin") != std::string::npos);
    }
}

TEST_CASE("triaged refuses a bad config with the file and line") {
    TempDir dir;
    auto config = dir.path() / "bad.yaml";
    std::ofstream(config) << "http:\n  listen: 127.0.0.1:99999\n";
    auto [code, out] = run_command({TRIAGED_PATH, "--config", config.string()});
    CHECK(code != 0);
    CHECK(out.find("bad.yaml:2") != std::string::npos);
}

TEST_CASE("the triage CLI migrates, lists and shows tickets and reports bad input") {
    TempDir dir;
    {
        TriagedProcess server(dir.path());
        REQUIRE(server.request("POST", "/api/v1/tickets", kTicket).status == 201);
    }
    const std::string cli = TRIAGE_CLI_PATH;
    auto [code, out] = run_command({cli, "migrate", "--data-dir", dir.path().string()});
    CHECK(code == 0);
    CHECK(out.find("schema version") != std::string::npos);
    std::tie(code, out) = run_command({cli, "ticket", "list", "--data-dir", dir.path().string()});
    CHECK(code == 0);
    CHECK(out.find("Rēķins nav saņemts") != std::string::npos);
    std::tie(code, out) = run_command({cli, "ticket", "show", "T-1", "--data-dir", dir.path().string()});
    CHECK(code == 0);
    CHECK(out.find("Jānis Ozoliņš") != std::string::npos);
    std::tie(code, out) = run_command({cli, "ticket", "show", "T-99", "--data-dir", dir.path().string()});
    CHECK(code == 1);
    CHECK(out.find("does not exist") != std::string::npos);
    std::tie(code, out) = run_command({cli, "ticket", "show", "banana", "--data-dir", dir.path().string()});
    CHECK(code == 2);
    CHECK(out.find("not a ticket ID") != std::string::npos);
    std::tie(code, out) = run_command({cli, "frobnicate"});
    CHECK(code == 2);
    std::tie(code, out) = run_command({cli, "ticket", "list", "--data-dir", (dir.path() / "nowhere").string()});
    CHECK(code == 1);
    CHECK(out.find("no database") != std::string::npos);
}

TEST_CASE("triage sla deadline prints the business-hours deadline from an inline or a configured calendar") {
    const std::string cli = TRIAGE_CLI_PATH;
    auto [code, out] = run_command({cli, "sla", "deadline", "--start", "2026-12-23T15:30:00+02:00", "--minutes", "240",
                                    "--tz", "Europe/Helsinki", "--hours", "mon-fri 08:00-16:00", "--holidays",
                                    "2026-12-24,2026-12-25"});
    CHECK(code == 0);
    CHECK(out == "2026-12-28T09:30:00Z\n");
    std::tie(code, out) = run_command({cli, "sla", "deadline", "--start", "2026-12-23T15:30:00+02:00", "--minutes", "240",
                                       "--config", std::string(TRIAGE_SOURCE_DIR) + "/examples/triage.yaml",
                                       "--calendar", "lv-support"});
    CHECK(code == 0);
    CHECK(out.starts_with("2026-12-2"));
    std::tie(code, out) = run_command({cli, "sla", "deadline", "--start", "2026-12-23T15:30:00Z", "--minutes", "30",
                                       "--tz", "Europe/Helsinki", "--hours", "mon-fry 08:00-16:00"});
    CHECK(code == 2);
    CHECK(out.find("fry") != std::string::npos);
    std::tie(code, out) = run_command({cli, "sla", "deadline", "--start", "2026-12-23T15:30:00Z", "--minutes", "-5",
                                       "--tz", "Europe/Helsinki", "--hours", "mon-fri 08:00-16:00"});
    CHECK(code == 2);
}

TEST_CASE("triage import-maildir takes in new/ mail once and moves it to cur/ only after commit") {
    TempDir dir;
    auto maildir = dir.path() / "Maildir";
    std::filesystem::create_directories(maildir / "new");
    std::filesystem::create_directories(maildir / "tmp");
    std::ofstream(maildir / "new" / "1700000000.1.host") << "From: Kadri Tamm <kadri@example.ee>\r\nTo: support@triage.test\r\n"
                                                             "Message-ID: <m1@example.ee>\r\nSubject: Arve\r\n\r\nTere!\r\n";
    std::ofstream(maildir / "new" / "1700000001.2.host") << "From: Kadri Tamm <kadri@example.ee>\r\nMessage-ID: <m2@example.ee>\r\n"
                                                             "In-Reply-To: <m1@example.ee>\r\nSubject: Re: Arve\r\n\r\nVeel üks küsimus.\r\n";
    const std::string cli = TRIAGE_CLI_PATH;
    auto data = (dir.path() / "data").string();
    auto [code, out] = run_command({cli, "import-maildir", maildir.string(), "--data-dir", data});
    CAPTURE(out);
    CHECK(code == 0);
    CHECK(out.find("2 imported, 0 already present, 0 failed") != std::string::npos);
    CHECK(std::filesystem::is_empty(maildir / "new"));
    CHECK(std::filesystem::exists(maildir / "cur" / "1700000000.1.host:2,S"));
    std::tie(code, out) = run_command({cli, "ticket", "show", "T-1", "--data-dir", data});
    CHECK(out.find("Veel üks küsimus.") != std::string::npos);
    // Put one back, as a second fetch would: it is recognised, not taken twice.
    std::filesystem::copy_file(maildir / "cur" / "1700000000.1.host:2,S", maildir / "new" / "again");
    std::tie(code, out) = run_command({cli, "import-maildir", maildir.string(), "--data-dir", data});
    CHECK(out.find("0 imported, 1 already present") != std::string::npos);
    std::tie(code, out) = run_command({cli, "import-maildir", (dir.path() / "nothing").string(), "--data-dir", data});
    CHECK(code == 1);
    CHECK(out.find("not a Maildir") != std::string::npos);
}

TEST_CASE("every email of the shared corpus goes through import-maildir into tickets without a failure") {
    auto corpus = std::filesystem::path(TRIAGE_SOURCE_DIR) / ".." / "shared" / "corpus" / "email";
    if (!std::filesystem::is_directory(corpus)) {
        MESSAGE("../shared/corpus/email is absent: skipped");
        return;
    }
    TempDir dir;
    auto maildir = dir.path() / "Maildir";
    std::filesystem::create_directories(maildir / "new");
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
        if (!entry.is_regular_file() || entry.path().extension() != ".eml") continue;
        std::filesystem::copy_file(entry.path(), maildir / "new" / entry.path().filename());
        ++files;
    }
    auto [code, out] = run_command({TRIAGE_CLI_PATH, "import-maildir", maildir.string(), "--data-dir",
                                    (dir.path() / "data").string()});
    CAPTURE(out);
    CHECK(code == 0);
    CHECK(std::filesystem::is_empty(maildir / "new"));
    CHECK(out.find(" 0 failed") != std::string::npos);
    CHECK(files > 50);
}

TEST_CASE("curl gets well-formed answers: keep-alive, HEAD without a body, HTTP/1.0") {
    TempDir dir;
    TriagedProcess server(dir.path());
    REQUIRE(server.request("POST", "/api/v1/tickets", kTicket).status == 201);
    const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
    const std::string auth = std::string("Authorization: Bearer ") + TriagedProcess::kToken;

    // Three requests over one kept-alive connection: curl says it re-used it.
    auto [rc, out] = run_command({"curl", "-sS", "-v", "-H", auth, base + "/api/v1/tickets/1", base + "/api/v1/tickets/1",
                                  base + "/api/v1/health"});
    CAPTURE(out);
    REQUIRE(rc == 0);
    CHECK(out.find("Re-using existing connection") != std::string::npos);
    CHECK(out.find("\"key\":\"T-1\"") != std::string::npos);
    CHECK(out.find("< Content-Length: ") != std::string::npos);
    CHECK(out.find("< Server: triaged") != std::string::npos);

    // HEAD: the length of the body GET would send, and no body.
    auto get = server.request("GET", "/api/v1/tickets/1");
    auto [head_rc, head] = run_command({"curl", "-sS", "-i", "--head", "-H", auth, base + "/api/v1/tickets/1"});
    CAPTURE(head);
    REQUIRE(head_rc == 0);
    CHECK(head.starts_with("HTTP/1.1 200 OK\r\n"));
    CHECK(head.find("Content-Length: " + std::to_string(get.body.size()) + "\r\n") != std::string::npos);
    CHECK(head.ends_with("\r\n\r\n"));  // nothing after the header block

    // HTTP/1.0: answered in kind, and the connection closes after the answer.
    auto [old_rc, old] = run_command({"curl", "-sS", "-i", "--http1.0", base + "/api/v1/health"});
    CAPTURE(old);
    REQUIRE(old_rc == 0);
    CHECK(old.starts_with("HTTP/1.0 200 OK\r\n"));
    CHECK(old.find("\"status\"") != std::string::npos);
}

TEST_CASE("a body framed by a Transfer-Encoding other than chunked is refused, not run as a second request") {
    TempDir dir;
    TriagedProcess server(dir.path());
    REQUIRE(server.request("POST", "/api/v1/tickets", kTicket).status == 201);
    const std::string hidden = std::string("GET /api/v1/tickets/1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ") +
                               TriagedProcess::kToken + "\r\n\r\n";
    for (const char* te : {"gzip", "identity", "chunked, gzip", "xchunked"}) {
        CAPTURE(te);
        const std::string smuggle = fmt::format(
            "POST /api/v1/health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: {}\r\nContent-Type: text/plain\r\n\r\n{}", te,
            hidden);
        auto out = raw_exchange(server.port(), smuggle);
        CAPTURE(out);
        CHECK(out.starts_with("HTTP/1.1 400"));
        CHECK(out.find("\"malformed\"") != std::string::npos);
        CHECK(count_of(out, "HTTP/1.1 ") == 1);  // the hidden GET never ran
        CHECK(out.find("T-1") == std::string::npos);
    }
    // Bad chunk framing gets a JSON 400 too, not a silent close.
    auto bad = raw_exchange(server.port(), "POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                           "zz\r\nhello\r\n0\r\n\r\n");
    CAPTURE(bad);
    CHECK(bad.starts_with("HTTP/1.1 400"));
    // Plain chunked still works.
    auto ok = raw_exchange(server.port(), std::string("POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                                      "Authorization: Bearer ") + TriagedProcess::kToken +
                                              "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
                                              fmt::format("{:x}\r\n{}\r\n0\r\n\r\n", kTicket.size(), kTicket));
    CAPTURE(ok);
    CHECK(ok.starts_with("HTTP/1.1 201"));
}

TEST_CASE("the JSON media type is read case-insensitively, with parameters, and not by prefix") {
    TempDir dir;
    TriagedProcess server(dir.path());
    auto post = [&](const std::string& type) {
        return raw_exchange(server.port(), fmt::format("POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                                       "Authorization: Bearer {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n{}",
                                                       TriagedProcess::kToken, type, kTicket.size(), kTicket));
    };
    CHECK(post("APPLICATION/JSON; charset=UTF-8").starts_with("HTTP/1.1 201"));
    CHECK(post("application/merge-patch+json").starts_with("HTTP/1.1 201"));
    CHECK(post("application/jsonx").starts_with("HTTP/1.1 400"));
    CHECK(post("text/plain").starts_with("HTTP/1.1 400"));
}

TEST_CASE("the CLI's tables show a customer's control characters as U+FFFD and line breaks as spaces") {
    TempDir dir;
    const auto file = dir.path() / "history.jsonl";
    // An ESC sequence (would turn the terminal red), a C1 CSI, a line break and a tab in the subject.
    std::ofstream(file) << R"({"external_id":"c1","channel":"email","subject":"Lasku\u001b[31mRED\nrivi\u009b2J\tloppu","body":"Hei\nrivi 2\u001b[2J","requester":{"name":"Aino\u001b]0;x\u0007","email":"aino@example.fi"},"queue":"billing","created_at":"2026-11-02T06:00:00Z","status":"open"})"
                        << "\n";
    const std::string cli = TRIAGE_CLI_PATH;
    const auto data = (dir.path() / "data").string();
    auto [code, out] = run_command({cli, "import-tickets", file.string(), "--data-dir", data});
    CAPTURE(out);
    REQUIRE(code == 0);
    std::tie(code, out) = run_command({cli, "ticket", "list", "--data-dir", data});
    REQUIRE(code == 0);
    CHECK(out.find('\x1b') == std::string::npos);
    CHECK(out.find("\xC2\x9B") == std::string::npos);
    CHECK(out.find("Lasku\xEF\xBF\xBD[31mRED rivi\xEF\xBF\xBD" "2J loppu\n") != std::string::npos);
    std::tie(code, out) = run_command({cli, "ticket", "show", "T-1", "--data-dir", data});
    REQUIRE(code == 0);
    CHECK(out.find('\x1b') == std::string::npos);
    CHECK(out.find('\x07') == std::string::npos);
    CHECK(out.find("Hei\n    rivi 2\xEF\xBF\xBD[2J") != std::string::npos);
}
