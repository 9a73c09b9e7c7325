// Integration: logins, sessions, CSRF and the role rules against the real triaged — the
// API with bearer tokens from `triage token create` and with login cookies, and the pages.
#include "tests/support/triaged_process.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <fstream>
#include <map>
#include <regex>

using namespace triage::test;
namespace json = boost::json;
namespace http = boost::beast::http;

namespace {

HttpResult send(int port, const std::string& method, const std::string& target, const std::string& body = {},
                const std::map<std::string, std::string>& headers = {}) {
    boost::asio::io_context ioc;
    boost::beast::tcp_stream stream(ioc);
    stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                                  static_cast<unsigned short>(port)));
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty()) {
        req.set(http::field::content_type, "application/json");
        req.body() = body;
    }
    req.prepare_payload();
    http::write(stream, req);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    HttpResult out;
    out.status = res.result_int();
    out.body = res.body();
    for (const auto& f : res) {
        std::string name(f.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out.headers[name] = std::string(f.value());
    }
    return out;
}

std::string token_from(const std::string& cli_output) {
    std::smatch m;
    REQUIRE(std::regex_search(cli_output, m, std::regex("trg_[A-Za-z0-9_-]+")));
    return m.str();
}

struct Desk {
    TempDir dir;
    std::map<std::string, std::string> tokens;  // role -> bearer token
    std::unique_ptr<TriagedProcess> server;
    std::string support_key, billing_key;

    Desk() {
        const auto data = dir.path().string();
        for (std::string role : {"agent", "supervisor", "manager", "admin"}) {
            auto [rc, out] = run_command({TRIAGE_CLI_PATH, "token", "create", "bot-" + role, "--role", role, "--queues",
                                          "support", "--data-dir", data});
            REQUIRE(rc == 0);
            tokens[role] = token_from(out);
        }
        auto [rc, out] = run_command({TRIAGE_CLI_PATH, "user", "add", "aino", "--role", "agent", "--queues", "support",
                                      "--password", "aino-password", "--data-dir", data});
        REQUIRE(rc == 0);
        server = std::make_unique<TriagedProcess>(dir.path());
        auto a = server->request("POST", "/api/v1/tickets",
                                 R"({"subject":"s","body":"b","queue":"support","requester":{"email":"a@example.fi"}})");
        auto b = server->request("POST", "/api/v1/tickets",
                                 R"({"subject":"b","body":"b","queue":"billing","requester":{"email":"b@example.fi"}})");
        REQUIRE(a.status == 201);
        REQUIRE(b.status == 201);
        support_key = std::string(json::parse(a.body).at("key").as_string());
        billing_key = std::string(json::parse(b.body).at("key").as_string());
    }
    int port() const { return server->port(); }
    HttpResult as(const std::string& role, const std::string& method, const std::string& target,
                  const std::string& body = {}) const {
        return send(port(), method, target, body, {{"Authorization", "Bearer " + tokens.at(role)}});
    }
    // Logs in; returns {cookie header value, csrf token}.
    std::pair<std::string, std::string> login(const std::string& name, const std::string& password) const {
        auto r = send(port(), "POST", "/login", json::serialize(json::object{{"name", name}, {"password", password}}));
        CAPTURE(r.body);
        REQUIRE(r.status == 200);
        auto cookie = r.headers.at("set-cookie");
        CHECK(cookie.find("HttpOnly") != std::string::npos);
        CHECK(cookie.find("SameSite=Strict") != std::string::npos);
        return {cookie.substr(0, cookie.find(';')), std::string(json::parse(r.body).at("csrf_token").as_string())};
    }
};

}  // namespace

std::string call_on(const std::string& key) {
    return R"({"number":"+358401234567","direction":"inbound","started_at":"2026-11-02T08:00:00Z","duration_s":60,)"
           R"("disposition":"answered","notes":"n","ticket_id":")" + key + "\"}";
}

TEST_CASE("each role gets 403 outside its rights on the API, with tokens from triage token create") {
    Desk desk;
    const std::string reassign = R"({"assignee":null})";
    const std::string note = R"({"kind":"note","body":"n"})";
    struct Row {
        std::string role, method, target, body;
        int status;
    };
    const std::vector<Row> rows{
        {"agent", "GET", "/api/v1/tickets/" + desk.support_key, "", 200},
        {"agent", "GET", "/api/v1/tickets/" + desk.billing_key, "", 404},
        {"agent", "GET", "/api/v1/tickets?queue=billing", "", 403},
        {"agent", "POST", "/api/v1/tickets/" + desk.support_key + "/messages", note, 201},
        {"agent", "POST", "/api/v1/tickets/" + desk.billing_key + "/messages", note, 404},
        {"agent", "PATCH", "/api/v1/tickets/" + desk.support_key, reassign, 403},
        {"agent", "PATCH", "/api/v1/tickets/" + desk.support_key, R"({"queue":"billing"})", 403},
        {"agent", "GET", "/api/v1/escalations", "", 403},
        {"agent", "GET", "/api/v1/reports/frequency", "", 403},
        {"supervisor", "PATCH", "/api/v1/tickets/" + desk.support_key, reassign, 200},
        {"supervisor", "GET", "/api/v1/tickets/" + desk.billing_key, "", 200},
        {"supervisor", "GET", "/api/v1/reports/frequency", "", 403},
        {"supervisor", "GET", "/api/v1/users", "", 403},
        {"manager", "GET", "/api/v1/tickets/" + desk.billing_key, "", 200},
        {"manager", "PATCH", "/api/v1/tickets/" + desk.support_key, R"({"priority":"high"})", 403},
        {"manager", "POST", "/api/v1/tickets/" + desk.support_key + "/messages", note, 403},
        {"manager", "GET", "/api/v1/escalations", "", 403},
        {"admin", "PATCH", "/api/v1/tickets/" + desk.billing_key, reassign, 200},
        {"admin", "GET", "/api/v1/users", "", 200},
        {"agent", "GET", "/api/v1/users", "", 403},
        // Calls follow the ticket routes' queue checks; merging customers is not for agents.
        {"agent", "POST", "/api/v1/calls", call_on(desk.billing_key), 404},
        {"agent", "POST", "/api/v1/calls", call_on(desk.support_key), 201},
        {"agent", "POST", "/api/v1/customers/1/merge", R"({"customer_id":2})", 403},
    };
    for (const auto& r : rows) {
        CAPTURE(r.role);
        CAPTURE(r.method);
        CAPTURE(r.target);
        auto res = desk.as(r.role, r.method, r.target, r.body);
        CAPTURE(res.body);
        CHECK(res.status == r.status);
    }
    // The agent's list holds only its queue.
    auto list = json::parse(desk.as("agent", "GET", "/api/v1/tickets").body).at("tickets").as_array();
    REQUIRE(list.size() == 1);
    CHECK(list[0].at("key").as_string() == desk.support_key);
}

TEST_CASE("each role gets 403 for the pages outside its rights, and no session means the login page") {
    Desk desk;
    auto page = [&](const std::string& cookie, const std::string& path) {
        return send(desk.port(), "GET", path, {}, {{"Cookie", cookie}}).status;
    };
    auto [agent, csrf] = desk.login("aino", "aino-password");
    CHECK(page(agent, "/ui/queue") == 200);
    CHECK(page(agent, "/ui/ticket") == 200);
    CHECK(page(agent, "/ui/board") == 403);
    CHECK(page(agent, "/ui/dashboard") == 403);
    auto none = send(desk.port(), "GET", "/ui/queue");
    CHECK(none.status == 303);
    CHECK(none.headers["location"] == "/login");
    CHECK(send(desk.port(), "GET", "/api/v1/tickets").status == 401);
}

TEST_CASE("a forged cross-site POST without the CSRF token is refused") {
    Desk desk;
    auto [cookie, csrf] = desk.login("aino", "aino-password");
    const std::string target = "/api/v1/tickets/" + desk.support_key + "/messages";
    const std::string body = R"({"kind":"reply","body":"forged"})";
    auto forged = send(desk.port(), "POST", target, body, {{"Cookie", cookie}, {"Origin", "http://evil.example"}});
    CHECK(forged.status == 403);
    auto without = send(desk.port(), "POST", target, body, {{"Cookie", cookie}});
    CHECK(without.status == 403);
    auto wrong = send(desk.port(), "POST", target, body, {{"Cookie", cookie}, {"X-CSRF-Token", csrf + "x"}});
    CHECK(wrong.status == 403);
    auto other_site = send(desk.port(), "POST", target, body,
                           {{"Cookie", cookie}, {"X-CSRF-Token", csrf}, {"Origin", "http://evil.example"}});
    CHECK(other_site.status == 403);
    auto thread = json::parse(desk.server->request("GET", target).body).at("messages").as_array();
    for (const auto& m : thread) CHECK(m.at("body").as_string() != "forged");

    auto honest = send(desk.port(), "POST", target, body,
                       {{"Cookie", cookie}, {"X-CSRF-Token", csrf},
                        {"Origin", "http://127.0.0.1:" + std::to_string(desk.port())}});
    CAPTURE(honest.body);
    CHECK(honest.status == 201);
    auto logout_forged = send(desk.port(), "POST", "/logout", {}, {{"Cookie", cookie}});
    CHECK(logout_forged.status == 403);
}

TEST_CASE("logout ends the session and repeated failed logins are rate-limited") {
    Desk desk;
    auto [cookie, csrf] = desk.login("aino", "aino-password");
    CHECK(send(desk.port(), "GET", "/api/v1/me", {}, {{"Cookie", cookie}}).status == 200);
    CHECK(send(desk.port(), "POST", "/logout", {}, {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}).status == 200);
    CHECK(send(desk.port(), "GET", "/api/v1/me", {}, {{"Cookie", cookie}}).status == 401);

    const std::string wrong = R"({"name":"aino","password":"not-it"})";
    for (int i = 0; i < 5; ++i) CHECK(send(desk.port(), "POST", "/login", wrong).status == 401);
    auto limited = send(desk.port(), "POST", "/login", R"({"name":"aino","password":"aino-password"})");
    CHECK(limited.status == 429);
    CHECK_FALSE(limited.headers["retry-after"].empty());
    CHECK(send(desk.port(), "POST", "/login", R"({"name":"nobody"})").status == 400);
}

TEST_CASE("pages, assets and API answers carry the security headers") {
    Desk desk;
    auto [cookie, csrf] = desk.login("aino", "aino-password");
    for (const std::string path : {"/login", "/ui/queue", "/assets/app.css", "/api/v1/me", "/api/v1/health"}) {
        CAPTURE(path);
        auto r = send(desk.port(), "GET", path, {}, {{"Cookie", cookie}});
        CHECK(r.status == 200);
        CHECK(r.headers["x-content-type-options"] == "nosniff");
        CHECK(r.headers["referrer-policy"] == "no-referrer");
        CHECK(r.headers["content-security-policy"].find("frame-ancestors 'none'") != std::string::npos);
        CHECK(r.headers["content-security-policy"].find("unsafe-inline") == std::string::npos);
    }
    auto page = send(desk.port(), "GET", "/ui/queue", {}, {{"Cookie", cookie}});
    CHECK(page.headers["content-security-policy"].find("script-src 'self'") != std::string::npos);
    CHECK(send(desk.port(), "GET", "/assets/..%2Ftriage.yaml").status == 404);
}

TEST_CASE("triage user add refuses a bad role or a short password with exit 2") {
    TempDir dir;
    auto [rc, out] = run_command({TRIAGE_CLI_PATH, "user", "add", "x", "--role", "boss", "--password", "long-enough",
                                  "--data-dir", dir.path().string()});
    CHECK(rc == 2);
    CHECK(out.find("--role must be") != std::string::npos);
    auto [rc2, out2] = run_command({TRIAGE_CLI_PATH, "user", "add", "x", "--role", "agent", "--password", "short",
                                    "--data-dir", dir.path().string()});
    CHECK(rc2 == 2);
}

TEST_CASE("the live-updates WebSocket needs a session and refuses other sites") {
    Desk desk;
    auto [cookie, csrf] = desk.login("aino", "aino-password");
    const std::map<std::string, std::string> upgrade{
        {"Upgrade", "websocket"}, {"Connection", "Upgrade"}, {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
        {"Sec-WebSocket-Version", "13"}};
    auto with = [&](std::map<std::string, std::string> extra) {
        extra.insert(upgrade.begin(), upgrade.end());
        return send(desk.port(), "GET", "/ws", {}, extra).status;
    };
    CHECK(with({}) == 401);
    CHECK(with({{"Cookie", cookie}, {"Origin", "http://evil.example"}}) == 403);
    CHECK(with({{"Cookie", cookie}, {"Origin", "http://127.0.0.1:" + std::to_string(desk.port())}}) == 101);
}

TEST_CASE("an agent cannot reach another queue's ticket through any route under it") {
    Desk desk;
    for (const std::string sub : {"", "/messages", "/events", "/sla", "/referrals", "/attachments/00"}) {
        CAPTURE(sub);
        CHECK(desk.as("agent", "GET", "/api/v1/tickets/" + desk.billing_key + sub).status == 404);
    }
}
