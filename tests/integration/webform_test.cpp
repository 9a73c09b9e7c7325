// Integration: the web form on a running triaged — curl posting both encodings, every raw
// request of the shared webform corpus answered as its index.json expects (hostile posts
// refused and nothing stored), the rate limit and CORS.
#include "tests/support/triaged_process.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>
#include <cstdio>
#include <fstream>
#include <regex>
#include <unistd.h>

using namespace triage::test;
namespace json = boost::json;

namespace {

const std::filesystem::path kWebCorpus = std::filesystem::path(TRIAGE_SOURCE_DIR) / ".." / "shared" / "corpus" / "webform";

std::string fmt_hex(std::size_t n) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%zx", n);
    return buf;
}

// Form tokens may be sent at once in these tests (the time trap has its own test).
const std::string kNoWait = "webform:\n  token: {min_seconds: 0}\n";

std::string read(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> config_args(const TempDir& dir, const std::string& yaml) {
    auto file = dir.path() / "triage.yaml";
    std::ofstream(file) << yaml;
    return {"--config", file.string()};
}

// Sends raw bytes on a new connection and returns the status code of the first answer.
int send_raw(int port, const std::string& bytes) {
    const auto answer = raw_exchange(port, bytes);
    if (answer.size() < 12 || !answer.starts_with("HTTP/1.1 ")) return 0;
    return std::stoi(answer.substr(9, 3));
}

// The corpus request aimed at our form: /form, or /api/v1/form for a JSON body.
std::string aimed_at_form(std::string raw) {
    auto space = raw.find(' ');
    auto end = raw.find(' ', space + 1);
    const std::string method = raw.substr(0, space);
    const std::string target = raw.substr(space + 1, end - space - 1);
    const auto head_end = raw.find("\r\n\r\n") != std::string::npos ? raw.find("\r\n\r\n") : raw.find("\n\n");
    const auto head = raw.substr(0, head_end);
    const bool json_body = head.find("application/json") != std::string::npos;
    std::string query = target.find('?') == std::string::npos ? "" : target.substr(target.find('?'));
    return method + " " + (json_body ? "/api/v1/form" : "/form") + query + raw.substr(end);
}

// The token a form page carries, as a client gets it (GET /api/v1/form/token).
struct FormToken {
    std::string form_ts, csrf_token;
};

FormToken fresh_token(const TriagedProcess& server) {
    auto r = server.request("GET", "/api/v1/form/token", "", "");
    REQUIRE(r.status == 200);
    CHECK(r.headers.at("cache-control") == "no-store");
    auto v = json::parse(r.body);
    return {std::to_string(v.at("form_ts").as_int64()), std::string(v.at("csrf_token").as_string())};
}

std::string with_token(const std::string& urlencoded, const FormToken& t) {
    return urlencoded + "&form_ts=" + t.form_ts + "&csrf_token=" + t.csrf_token;
}

// The value of the hidden input `name` in a form page.
std::string hidden_value(const std::string& page, const std::string& name) {
    const std::string marker = "name=\"" + name + "\" value=\"";
    auto at = page.find(marker);
    if (at == std::string::npos) return "";
    at += marker.size();
    return page.substr(at, page.find('"', at) - at);
}

// A recorded corpus request with its (another site's) form token replaced by `t`, as if the
// browser had loaded our form: the body re-encoded as it came (urlencoded, JSON, multipart;
// chunked stays chunked) and Content-Length set to match.
std::string with_fresh_token(const std::string& raw, const FormToken& t) {
    const bool crlf = raw.find("\r\n\r\n") != std::string::npos;
    const std::string gap = crlf ? "\r\n\r\n" : "\n\n";
    const auto cut = raw.find(gap);
    std::string head = raw.substr(0, cut), body = raw.substr(cut + gap.size());
    const bool chunked = head.find("Transfer-Encoding: chunked") != std::string::npos;
    if (chunked) {
        std::string plain;
        std::size_t pos = 0;
        while (true) {
            auto eol = body.find("\r\n", pos);
            auto size = std::stoul(body.substr(pos, eol - pos), nullptr, 16);
            if (size == 0) break;
            plain += body.substr(eol + 2, size);
            pos = eol + 2 + size + 2;
        }
        body = plain;
    }
    // Replaces the value that follows `marker` up to the first of `stops` (or the end);
    // false when the marker is absent.
    auto replace_after = [&](const std::string& marker, const char* stops, const std::string& value) {
        auto at = body.find(marker);
        if (at == std::string::npos) return false;
        at += marker.size();
        auto end = body.find_first_of(stops, at);
        body.replace(at, (end == std::string::npos ? body.size() : end) - at, value);
        return true;
    };
    if (head.find("multipart/form-data") != std::string::npos) {
        REQUIRE(replace_after("name=\"form_ts\"\r\n\r\n", "\r", t.form_ts));
        REQUIRE(replace_after("name=\"csrf_token\"\r\n\r\n", "\r", t.csrf_token));
    } else if (head.find("application/json") != std::string::npos) {
        REQUIRE(replace_after("\"form_ts\": ", ",}", t.form_ts));
        if (!replace_after("\"csrf_token\": ", ",}", "\"" + t.csrf_token + "\""))
            body.insert(body.rfind('}'), ", \"csrf_token\": \"" + t.csrf_token + "\"");
    } else {
        if (!replace_after("&form_ts=", "&", t.form_ts)) body += "&form_ts=" + t.form_ts;
        if (!replace_after("&csrf_token=", "&", t.csrf_token)) body += "&csrf_token=" + t.csrf_token;
    }
    if (chunked) {
        std::string again;
        for (std::size_t pos = 0; pos < body.size(); pos += 100) {
            auto piece = body.substr(pos, 100);
            again += fmt_hex(piece.size()) + "\r\n" + piece + "\r\n";
        }
        body = again + "0\r\n\r\n";
    } else {
        head = std::regex_replace(head, std::regex("Content-Length: [0-9]+"), "Content-Length: " + std::to_string(body.size()));
    }
    return head + gap + body;
}

std::size_t ticket_count(const TriagedProcess& server) {
    auto r = server.request("GET", "/api/v1/tickets?limit=200");
    REQUIRE(r.status == 200);
    return json::parse(r.body).at("tickets").as_array().size();
}

}  // namespace

TEST_CASE("curl posts the form urlencoded and as multipart with a file, and each answer names the ticket") {
    TempDir dir;
    TriagedProcess server(dir.path(), config_args(dir, kNoWait));
    const auto url = "http://127.0.0.1:" + std::to_string(server.port()) + "/form?lang=fi";
    // As a browser does: load the form, then send it with the token it carries.
    auto [got, form_page] = run_command({"curl", "-sS", url});
    REQUIRE(got == 0);
    const auto form_ts = hidden_value(form_page, "form_ts"), csrf_token = hidden_value(form_page, "csrf_token");
    REQUIRE(!form_ts.empty());
    REQUIRE(!csrf_token.empty());
    auto [code, page] = run_command({"curl", "-sS", "-i", url, "--data-urlencode", "form_ts=" + form_ts, "--data-urlencode",
                                     "csrf_token=" + csrf_token, "--data-urlencode", "name=Matti Virtanen",
                                     "--data-urlencode", "email=matti.virtanen@esimerkki.fi", "--data-urlencode",
                                     "phone=040 123 4567", "--data-urlencode", "subject=Tulostin ei toimi",
                                     "--data-urlencode", "message=Hei,\r\npaperitukos taas."});
    CAPTURE(page);
    REQUIRE(code == 0);
    CHECK(page.starts_with("HTTP/1.1 201"));
    CHECK(page.find("<span class=\"key\">T-1</span>") != std::string::npos);
    CHECK(page.find("Tikettisi tunnus") != std::string::npos);
    // The textarea's CRLF (as browsers send it) is stored as LF, as mail text is.
    auto first = json::parse(server.request("GET", "/api/v1/tickets/1/messages").body).at("messages").as_array();
    REQUIRE(first.size() == 1);
    CHECK(first[0].at("body").as_string() == "Hei,\npaperitukos taas.");

    auto shot = dir.path() / "näyttö kuva.png";
    // 3 MiB: above http.body_limit (1 MiB), within webform.max_attachment_bytes (5 MiB).
    const std::string png = std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16) + std::string(3u << 20, 'x');
    std::ofstream(shot, std::ios::binary) << png;
    auto [got2, form_page2] = run_command({"curl", "-sS", url});
    REQUIRE(got2 == 0);
    auto [code2, page2] = run_command({"curl", "-sS", "-i", "http://127.0.0.1:" + std::to_string(server.port()) + "/form",
                                       "-F", "form_ts=" + hidden_value(form_page2, "form_ts"), "-F",
                                       "csrf_token=" + hidden_value(form_page2, "csrf_token"),
                                       "-H", "Accept-Language: lv-LV,lv;q=0.9", "-F", "name=Pēteris Kalniņš", "-F",
                                       "email=peteris@piemers.lv", "-F", "phone=+371 29 123 456", "-F",
                                       "message=Printeris nedarbojas", "-F", "attachment=@" + shot.string()});
    CAPTURE(page2);
    REQUIRE(code2 == 0);
    CHECK(page2.find("HTTP/1.1 201") != std::string::npos);  // after a 100 Continue: curl asks first for a large body
    CHECK(page2.find("T-2") != std::string::npos);
    CHECK(page2.find("pieteikuma numurs") != std::string::npos);

    auto messages = json::parse(server.request("GET", "/api/v1/tickets/2/messages").body).at("messages").as_array();
    REQUIRE(messages.size() == 1);
    CHECK(messages[0].at("channel").as_string() == "web");
    CHECK(messages[0].at("body").as_string() == "Printeris nedarbojas");
    auto attachments = messages[0].at("attachments").as_array();
    REQUIRE(attachments.size() == 1);
    CHECK(attachments[0].at("filename").as_string() == "näyttö kuva.png");
    CHECK(attachments[0].at("content_type").as_string() == "image/png");
    auto file = server.request("GET", "/api/v1/tickets/2/attachments/" + std::string(attachments[0].at("sha256").as_string()));
    CHECK(file.status == 200);
    CHECK(file.body == png);  // kept with the ticket, read back
    auto who = server.request("GET", "/api/v1/customers?identity=phone:%2B37129123456");
    CHECK(json::parse(who.body).at("customers").as_array().size() == 1);

    // Far above the form's limits: a page a browser's user can read, not JSON.
    auto huge = dir.path() / "huge.png";
    std::ofstream(huge, std::ios::binary) << std::string(9u << 20, 'x');
    auto [code3, page3] = run_command({"curl", "-sS", "-i", "http://127.0.0.1:" + std::to_string(server.port()) + "/form",
                                       "-H", "Accept: text/html,application/xhtml+xml,*/*;q=0.8", "-F", "name=Pēteris",
                                       "-F", "attachment=@" + huge.string()});
    CAPTURE(page3.substr(0, 400));
    CHECK(page3.starts_with("HTTP/1.1 413"));
    CHECK(page3.find("text/html") != std::string::npos);
    CHECK(page3.find("choose a smaller file") != std::string::npos);
}

TEST_CASE("a post with the honeypot filled in is thanked without a ticket number, and nothing is kept") {
    TempDir dir;
    TriagedProcess server(dir.path(), config_args(dir, kNoWait));
    const auto url = "http://127.0.0.1:" + std::to_string(server.port()) + "/form?lang=et";
    auto [got, form_page] = run_command({"curl", "-sS", url});
    REQUIRE(got == 0);
    auto [code, page] = run_command({"curl", "-sS", "-i", url, "--data-urlencode", "form_ts=" + hidden_value(form_page, "form_ts"),
                                     "--data-urlencode", "csrf_token=" + hidden_value(form_page, "csrf_token"),
                                     "--data-urlencode", "name=Bot", "--data-urlencode", "email=bot@example.com",
                                     "--data-urlencode", "subject=Cheap pills", "--data-urlencode", "message=Buy now",
                                     "--data-urlencode", "website=http://spam.example"});
    CAPTURE(page);
    REQUIRE(code == 0);
    CHECK(page.starts_with("HTTP/1.1 200"));
    CHECK(page.find("Oleme sinu sõnumi kätte saanud.") != std::string::npos);
    CHECK(page.find("class=\"key\"") == std::string::npos);  // no reference, not a placeholder for one
    CHECK(page.find("—") == std::string::npos);
    CHECK(ticket_count(server) == 0);
    auto json_answer = server.request("POST", "/api/v1/form",
                                      R"({"name":"Bot","email":"bot@example.com","message":"Buy now","website":"x"})", "");
    CHECK(json_answer.status == 202);
    CHECK(json::parse(json_answer.body).at("status").as_string() == "received");
    CHECK(ticket_count(server) == 0);
}

TEST_CASE("the form is served in the language asked for, and invalid input is shown again with messages") {
    TempDir dir;
    TriagedProcess server(dir.path());
    for (auto [lang, word] : {std::pair{"fi", "Lähetä"}, std::pair{"et", "Saada"}, std::pair{"lv", "Sūtīt"}, std::pair{"en", "Send"}}) {
        auto r = server.request("GET", std::string("/form?lang=") + lang, "", "");
        CHECK(r.status == 200);
        CHECK(r.headers.at("content-type").starts_with("text/html"));
        CHECK(r.body.find(std::string("<html lang=\"") + lang + "\"") != std::string::npos);
        CHECK(r.body.find(word) != std::string::npos);
        CHECK(r.body.find("<label for=\"f-email\">") != std::string::npos);
    }
    auto bad = server.request("POST", "/form?lang=et", "name=%3Cb%3EJ%C3%BCri&email=not-an-address&message=", "",
                              "application/x-www-form-urlencoded");
    CHECK(bad.status == 422);
    CHECK(bad.body.find("value=\"&lt;b&gt;Jüri\"") != std::string::npos);  // kept, escaped
    CHECK(bad.body.find("value=\"not-an-address\"") != std::string::npos);
    CHECK(bad.body.find("See väli on kohustuslik.") != std::string::npos);
    CHECK(bad.body.find("aria-invalid=\"true\" aria-describedby=\"e-email\"") != std::string::npos);
    CHECK(!hidden_value(bad.body, "csrf_token").empty());  // shown again with a fresh token
    auto bad_json = server.request("POST", "/api/v1/form", R"({"name":"Jüri","email":"juri@naidis.ee"})", "");
    CHECK(bad_json.status == 422);
    auto err = json::parse(bad_json.body).at("error");
    CHECK(err.at("code").as_string() == "invalid_field");
    CHECK(err.at("field").as_string() == "message");
    CHECK(ticket_count(server) == 0);
}

TEST_CASE("every request of the shared webform corpus gets the answer its index expects, and refused posts store nothing") {
    if (!std::filesystem::is_directory(kWebCorpus)) {
        MESSAGE("../shared/corpus/webform is absent: skipped");
        return;
    }
    TempDir dir;
    TriagedProcess server(dir.path(), config_args(dir, "webform:\n  rate_limit: {per_minute: 6000, burst: 1000}\n"
                                                       "  categories: [it-support, billing]\n"
                                                       "  token: {min_seconds: 0}\n"));
    auto index = json::parse(read(kWebCorpus / "index.json")).as_array();
    REQUIRE(index.size() > 20);
    for (const auto& entry : index) {
        const std::string file(entry.at("file").as_string());
        const std::string expected(entry.at("expected_handling").as_string());
        CAPTURE(file);
        CAPTURE(expected);
        const bool no_ticket = file.starts_with("07_") || expected.starts_with("silently drop");
        const bool accepted = expected.starts_with("accept") || expected.starts_with("store");
        const auto recorded = aimed_at_form(read(kWebCorpus / file));
        if (accepted && !no_ticket && !file.starts_with("11_")) {
            // As recorded, its token is another site's (or none): refused, nothing stored.
            const auto before = ticket_count(server);
            const int refused = send_raw(server.port(), recorded);
            CHECK(refused == 403);
            CHECK(ticket_count(server) == before);
        }
        const auto before = ticket_count(server);
        // Sent as a browser would after loading our form: with a token we issued.
        const bool has_body = recorded.starts_with("POST");
        const int status = send_raw(server.port(), has_body && accepted ? with_fresh_token(recorded, fresh_token(server))
                                                                        : recorded);
        CAPTURE(status);
        const auto stored = ticket_count(server) - before;
        if (file.starts_with("11_")) {
            // Its email "x@example.com' OR '1'='1" has spaces: not an address, so 422 by our
            // email rule; the same SQL text with a real address is stored verbatim below.
            CHECK(status == 422);
            CHECK(stored == 0u);
            continue;
        }
        if (expected.starts_with("accept") || expected.starts_with("store") || expected.starts_with("silently drop")) {
            CHECK(status >= 200);
            CHECK(status < 300);
            CHECK(stored == (no_ticket ? 0u : 1u));
        } else {
            CHECK(status >= 400);
            CHECK(status < 500);
            CHECK(stored == 0u);
            if (expected.starts_with("403")) CHECK(status == 403);
            if (expected.starts_with("422")) CHECK(status == 422);
            if (file.starts_with("19_")) CHECK(status == 400);
        }
    }
    // SQL text is kept verbatim (never interpolated).
    const std::string sqli = "Robert'); DROP TABLE tickets;--";
    const auto token = fresh_token(server);
    auto r = server.request("POST", "/api/v1/form",
                            json::serialize(json::object{{"name", sqli}, {"email", "x@example.com"},
                                                         {"message", "' OR 1=1 --\r\n1) AND SLEEP(5)#"},
                                                         {"form_ts", token.form_ts}, {"csrf_token", token.csrf_token}}),
                            "");
    CAPTURE(r.body);
    REQUIRE(r.status == 201);
    auto id = json::parse(r.body).at("id").as_int64();
    auto messages = json::parse(server.request("GET", "/api/v1/tickets/" + std::to_string(id) + "/messages").body);
    CHECK(messages.at("messages").at(0).at("author").at("name").as_string() == sqli);
    CHECK(messages.at("messages").at(0).at("body").as_string() == "' OR 1=1 --\n1) AND SLEEP(5)#");
    CHECK(ticket_count(server) > 5);
}

TEST_CASE("the form's token bucket answers 429 once a client has spent its burst") {
    TempDir dir;
    TriagedProcess server(dir.path(), config_args(dir, "webform:\n  rate_limit: {per_minute: 1, burst: 2}\n"
                                                       "  token: {min_seconds: 0}\n"));
    const std::string body = "name=A&email=a%40example.fi&message=";
    const auto form = "application/x-www-form-urlencoded";
    CHECK(server.request("POST", "/form", with_token(body + "one", fresh_token(server)), "", form).status == 201);
    CHECK(server.request("POST", "/form", with_token(body + "two", fresh_token(server)), "", form).status == 201);
    auto third = server.request("POST", "/form", with_token(body + "three", fresh_token(server)), "", form);
    CHECK(third.status == 429);
    CHECK(third.headers.count("retry-after") == 1);
    CHECK(ticket_count(server) == 2);
}

TEST_CASE("the JSON form answers CORS only for the configured origins") {
    TempDir dir;
    TriagedProcess server(dir.path(), config_args(dir, "webform:\n  allowed_origins: [https://shop.example]\n"
                                                       "  token: {min_seconds: 0}\n"));
    auto allowed = run_command({"curl", "-sS", "-i", "-X", "OPTIONS", "-H", "Origin: https://shop.example", "-H",
                                "Access-Control-Request-Method: POST",
                                "http://127.0.0.1:" + std::to_string(server.port()) + "/api/v1/form"});
    CAPTURE(allowed.second);
    CHECK(allowed.second.starts_with("HTTP/1.1 204"));
    CHECK(allowed.second.find("Access-Control-Allow-Origin: https://shop.example") != std::string::npos);
    // The embedding site's page fetches a token first (CORS lets it read the answer).
    auto token = run_command({"curl", "-sS", "-i", "-H", "Origin: https://shop.example",
                              "http://127.0.0.1:" + std::to_string(server.port()) + "/api/v1/form/token"});
    CAPTURE(token.second);
    CHECK(token.second.find("Access-Control-Allow-Origin: https://shop.example") != std::string::npos);
    auto t = json::parse(token.second.substr(token.second.find("\r\n\r\n") + 4));
    auto post = run_command({"curl", "-sS", "-i", "-H", "Origin: https://shop.example", "-H",
                             "Content-Type: application/json", "--data",
                             json::serialize(json::object{{"name", "Jüri Tamm"}, {"email", "juri@naidis.ee"},
                                                          {"message", "Parool ei tööta 🙁"}, {"form_ts", t.at("form_ts")},
                                                          {"csrf_token", t.at("csrf_token")}}),
                             "http://127.0.0.1:" + std::to_string(server.port()) + "/api/v1/form"});
    CAPTURE(post.second);
    CHECK(post.second.starts_with("HTTP/1.1 201"));
    CHECK(post.second.find("Access-Control-Allow-Origin: https://shop.example") != std::string::npos);
    CHECK(post.second.find("\"ticket\":\"T-1\"") != std::string::npos);
    auto evil = run_command({"curl", "-sS", "-i", "-H", "Origin: https://evil.example", "-H",
                             "Content-Type: application/json", "--data",
                             R"({"name":"X","email":"x@evil.example","message":"hi"})",
                             "http://127.0.0.1:" + std::to_string(server.port()) + "/api/v1/form"});
    CHECK(evil.second.starts_with("HTTP/1.1 403"));
    CHECK(evil.second.find("Access-Control-Allow-Origin") == std::string::npos);
    auto evil_token = run_command({"curl", "-sS", "-i", "-H", "Origin: https://evil.example",
                                   "http://127.0.0.1:" + std::to_string(server.port()) + "/api/v1/form/token"});
    CHECK(evil_token.second.starts_with("HTTP/1.1 403"));
    CHECK(ticket_count(server) == 1);
}
