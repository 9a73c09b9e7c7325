// Integration: the web form's acknowledgement email. One triaged (the desk) takes form posts
// and relays its acknowledgements through a second triaged (the customer's mail server, a
// real SMTP listener that keeps what it receives), in the language the customer used, with
// the ticket key, under the same loop and rate-limit rules as email acknowledgements.
#include "tests/support/mail_server.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

using namespace triage::test;
namespace json = boost::json;

namespace {

const std::string kMailServerYaml =
    "email:\n  hostname: mx.example.net\n  mailboxes:\n    juri@naidis.ee: inbox\n    ilze@piemers.lv: inbox\n"
    "    liisa@esimerkki.fi: inbox\n    matti@esimerkki.fi: inbox\n";

std::string desk_yaml(int relay_port, int per_hour = 3) {
    return "email:\n  hostname: desk.triage.test\n  relay: 127.0.0.1:" + std::to_string(relay_port) +
           "\n  from_name: Tuki\n  mailboxes:\n    support@triage.test: support\n"
           "  acknowledgements: {per_sender_per_hour: " + std::to_string(per_hour) + "}\n"
           "  outbox:\n    retry_initial_ms: 50\n    retry_max_ms: 200\n"
           "webform:\n  rate_limit: {per_minute: 600, burst: 100}\n  token: {min_seconds: 0}\n";
}

// A JSON form post with a fresh token; returns the ticket key ("" when not 201).
std::string post_form(const MailServer& desk, json::object fields, const std::string& query = "") {
    auto token = desk.process->request("GET", "/api/v1/form/token", "", "");
    REQUIRE(token.status == 200);
    auto t = json::parse(token.body);
    fields["form_ts"] = t.at("form_ts");
    fields["csrf_token"] = t.at("csrf_token");
    auto r = desk.process->request("POST", "/api/v1/form" + query, json::serialize(fields), "");
    CAPTURE(r.body);
    if (r.status != 201) return "";
    return std::string(json::parse(r.body).at("ticket").as_string());
}

// The ticket the customer's server filed for the mail about `key` (null when none arrived).
json::value arrived(const MailServer& mx, const std::string& key) {
    for (const auto& t : mx.tickets()) {
        std::string subject(t.at("subject").as_string());
        if (subject.find("[" + key + "]") != std::string::npos) return t;
    }
    return nullptr;
}

std::string subject_of(const json::value& ticket) {
    return ticket.is_null() ? std::string() : std::string(ticket.at("subject").as_string());
}

}  // namespace

TEST_CASE("a web form's acknowledgement reaches the customer through the relay with the key, in their language") {
    TempDir mx_dir, desk_dir;
    MailServer mx(mx_dir.path(), kMailServerYaml);
    MailServer desk(desk_dir.path(), desk_yaml(mx.smtp_port));

    // Estonian asked with ?lang=et.
    auto et = post_form(desk, {{"name", "Jüri Tamm"}, {"email", "juri@naidis.ee"}, {"subject", "Parool"},
                               {"message", "Parool ei tööta"}}, "?lang=et");
    REQUIRE(et == "T-1");
    // Latvian asked with ?lang=lv, English words in the message: the language asked wins.
    auto lv = post_form(desk, {{"name", "Ilze Bērziņa"}, {"email", "ilze@piemers.lv"}, {"subject", "Invoice"},
                               {"message", "My invoice is missing, thank you"}}, "?lang=lv");
    REQUIRE(lv == "T-2");
    // No language asked: the ticket's, detected from the Finnish text.
    auto fi = post_form(desk, {{"name", "Liisa Niemi"}, {"email", "liisa@esimerkki.fi"}, {"subject", "Lasku"},
                               {"message", "Hei, en ole saanut laskua tältä kuulta. Voitteko lähettää sen uudelleen? Kiitos"}});
    REQUIRE(fi == "T-3");

    REQUIRE(eventually([&] { return mx.tickets().size() == 3; }));
    CHECK(subject_of(arrived(mx, "T-1")) == "[T-1] Kätte saadud: Parool");
    CHECK(subject_of(arrived(mx, "T-2")) == "[T-2] Saņemts: Invoice");
    CHECK(subject_of(arrived(mx, "T-3")) == "[T-3] Vastaanotettu: Lasku");

    // As the customer's server received it: an automatic reply naming the ticket.
    auto ack_id = std::string(desk.messages(1).at(1).at("external_id").as_string());
    CHECK(ack_id.starts_with("<T-1.ack."));
    auto raw = raw_containing(mx_dir.path(), ack_id);
    REQUIRE(!raw.empty());
    CHECK(header(raw, "Auto-Submitted") == "auto-replied");
    CHECK(header(raw, "To").find("juri@naidis.ee") != std::string::npos);
    CHECK(header(raw, "Reply-To").find("support+T-1@triage.test") != std::string::npos);
    auto filed = arrived(mx, "T-1");
    REQUIRE(!filed.is_null());
    auto body = std::string(mx.messages(filed.at("id").as_int64()).at(0).at("body").as_string());
    CHECK(body.find("Tere Jüri Tamm!") != std::string::npos);
    CHECK(body.find("T-1") != std::string::npos);
    // Queued with the ticket, then sent.
    CHECK(desk.count_events(1, "acknowledgement_queued") == 1);
    CHECK(eventually([&] { return desk.count_events(1, "email_sent") == 1; }));
}

TEST_CASE("web-form acknowledgements keep the per-address hourly limit and never go to no-reply addresses") {
    TempDir mx_dir, desk_dir;
    MailServer mx(mx_dir.path(), kMailServerYaml);
    MailServer desk(desk_dir.path(), desk_yaml(mx.smtp_port, 2));
    for (int i = 1; i <= 3; ++i)
        REQUIRE(post_form(desk, {{"name", "Matti"}, {"email", "matti@esimerkki.fi"},
                                 {"message", "Viesti numero " + std::to_string(i)}}, "?lang=fi") ==
                "T-" + std::to_string(i));
    REQUIRE(post_form(desk, {{"name", "Shop"}, {"email", "no-reply@shop.example"}, {"message", "Automated"}}) == "T-4");
    CHECK(desk.count_events(1, "acknowledgement_queued") == 1);
    CHECK(desk.count_events(2, "acknowledgement_queued") == 1);
    CHECK(desk.count_events(3, "acknowledgement_queued") == 0);
    CHECK(desk.count_events(3, "acknowledgement_suppressed") == 1);
    CHECK(desk.count_events(4, "acknowledgement_suppressed") == 1);
    REQUIRE(eventually([&] { return desk.count_events(2, "email_sent") == 1; }));
    CHECK(mx.tickets().size() == 2);
    CHECK(desk.get("/api/v1/tickets/3/events").at("events").as_array().size() >= 2);
}
