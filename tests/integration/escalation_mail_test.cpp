// Integration: the escalation engine's email goes out through the outbox as real mail. A
// desk triaged relays through a second triaged (a real SMTP listener that keeps the raw
// bytes it received): a tier notice to the L2 people, a rule's notice, a rule's automatic
// reply to the customer (threaded to the customer's email) and a partner's case summary each
// arrive once, with threading headers, and a restart sends none of them again.
#include "tests/support/mail_server.hpp"

#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <fstream>
#include <map>

using namespace triage::test;
namespace json = boost::json;

namespace {

const std::string kMailServerYaml =
    "email:\n  hostname: mx.example.fi\n  mailboxes:\n    liisa@example.fi: inbox\n    mikko@example.fi: inbox\n"
    "    ops@example.fi: inbox\n    cases@koskinen-law.example: inbox\n";

std::string desk_yaml(int relay_port) {
    return "email:\n  hostname: desk.triage.test\n  relay: 127.0.0.1:" + std::to_string(relay_port) +
           "\n  from_name: Tuki\n  mailboxes:\n    support@triage.test: support\n"
           "  outbox:\n    retry_initial_ms: 50\n    retry_max_ms: 200\n"
           R"(calendars:
  always:
    timezone: Europe/Helsinki
    hours: mon-sun 00:00-24:00
escalation:
  rules: rules.yaml
  partners: partners.yaml
  default_calendar: always
  sla_policies:
    - {name: standard, first_response: 60, next_response: 60, resolution: 480}
  tiers:
    L2: [mikko@example.fi]
)";
}

const std::string kRules = R"(rules:
  - name: invoices to L2
    on: created
    if: {subject: {contains: lasku}}
    then:
      - escalate: L2
      - notify: {email: ops@example.fi, subject: "Laskutiketti {{ticket.key}}", body: "Uusi laskutiketti {{ticket.key}}: {{ticket.subject}}"}
      - reply: "Hei {{requester.name}}, laskuasiasi {{ticket.key}} on siirretty laskutukselle."
)";

const std::string kPartners = R"(partners:
  - id: koskinen-law
    name: Lakitoimisto Koskinen Oy
    email: cases@koskinen-law.example
    specialties: [legal]
    regions: [FI]
    languages: [fi, en]
    capacity: 5
    agreement: {hourly_fee: 180}
)";

}  // namespace

TEST_CASE("tier notices, rule notices, rule replies and case summaries arrive once as mail with threading headers") {
    TempDir mx_dir, desk_dir;
    MailServer mx(mx_dir.path(), kMailServerYaml);
    std::ofstream(desk_dir.path() / "rules.yaml") << kRules;
    std::ofstream(desk_dir.path() / "partners.yaml") << kPartners;
    auto desk = std::make_unique<MailServer>(desk_dir.path(), desk_yaml(mx.smtp_port));

    auto r = send_mail(desk->smtp_port, "liisa@example.fi", "support@triage.test",
                       "From: Liisa Niemi <liisa@example.fi>\r\nTo: support@triage.test\r\nMessage-ID: <c1@example.fi>\r\n"
                       "Subject: Lasku puuttuu\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                       "Content-Transfer-Encoding: 8bit\r\n\r\nHei, joulukuun lasku puuttuu. Voitteko lähettää sen?");
    REQUIRE(r.starts_with("250"));
    auto referred = desk->process->request("POST", "/api/v1/tickets/1/referrals", R"({"specialty":"legal"})");
    REQUIRE(referred.status == 201);

    // The desk's view: each email notification is queued in the outbox and ends up sent.
    auto notifications = [&] { return desk->get("/api/v1/tickets/1/notifications").at("notifications").as_array(); };
    REQUIRE(eventually([&] {
        auto list = notifications();
        if (list.size() != 3) return false;
        for (const auto& n : list)
            if (n.as_object().if_contains("delivery") == nullptr || n.at("delivery").as_string() != "sent") return false;
        return true;
    }));
    std::map<std::string, std::string> message_id_to;  // Message-ID -> recipient
    for (const auto& n : notifications()) {
        CHECK(n.at("status").as_string() == "queued");
        message_id_to[std::string(n.at("message_id").as_string())] = std::string(n.at("target").as_string());
    }
    REQUIRE(message_id_to.size() == 3);

    // As the recipients' server received them: once each, with the ticket's threading headers.
    for (const auto& [message_id, to] : message_id_to) {
        CAPTURE(to);
        REQUIRE(eventually([&] { return !raw_containing(mx_dir.path(), message_id).empty(); }));
        auto raw = raw_containing(mx_dir.path(), message_id);
        CHECK(header(raw, "Message-ID") == message_id);
        CHECK(header(raw, "To").find(to) != std::string::npos);
        CHECK(header(raw, "Subject").find("[T-1]") != std::string::npos);
        CHECK(header(raw, "Reply-To").find("<support+T-1@triage.test>") != std::string::npos);
        CHECK(header(raw, "From").find("support@triage.test") != std::string::npos);
        CHECK(header(raw, "Auto-Submitted") == "auto-generated");
    }
    std::map<std::string, int> by_recipient;
    for (const auto& [id, to] : message_id_to) ++by_recipient[to];
    CHECK(by_recipient == std::map<std::string, int>{
                              {"cases@koskinen-law.example", 1}, {"mikko@example.fi", 1}, {"ops@example.fi", 1}});
    auto summary_id = std::find_if(message_id_to.begin(), message_id_to.end(),
                                   [](auto& kv) { return kv.second == "cases@koskinen-law.example"; })->first;
    auto summary = raw_containing(mx_dir.path(), summary_id);
    CHECK(summary.find("Lakitoimisto Koskinen Oy") != std::string::npos);
    CHECK(summary.find("Referral T-1") != std::string::npos);

    // The rule's reply is a message on the ticket, mailed to the customer as a reply to her email.
    auto messages = desk->messages(1);
    std::string reply_id;
    for (const auto& m : messages)
        if (m.at("body").as_string().find("on siirretty laskutukselle") != std::string::npos)
            reply_id = std::string(m.at("external_id").as_string());
    REQUIRE(reply_id.starts_with("<T-1.reply."));
    REQUIRE(eventually([&] { return !raw_containing(mx_dir.path(), reply_id).empty(); }));
    auto reply = raw_containing(mx_dir.path(), reply_id);
    CHECK(header(reply, "To").find("liisa@example.fi") != std::string::npos);
    CHECK(header(reply, "In-Reply-To") == "<c1@example.fi>");
    CHECK(header(reply, "References").find("<c1@example.fi>") != std::string::npos);
    CHECK(header(reply, "Auto-Submitted") == "auto-replied");
    CHECK(header(reply, "Return-Path") == "<>");  // RFC 3834: no bounces to automatic replies
    CHECK(desk->count_events(1, "auto_replied") == 1);
    auto ticket = desk->get("/api/v1/tickets/1");
    CHECK(ticket.at("first_response_at").is_null());  // automatic replies are not a response

    // Five mails in all (the acknowledgement too), each sent once: one email_sent per Message-ID.
    auto sent_events = [&](const std::string& message_id) {
        int n = 0;
        for (const auto& e : desk->events(1))
            if (e.at("type").as_string() == "email_sent" &&
                std::string_view(e.at("detail").as_string()).find(message_id) != std::string_view::npos)
                ++n;
        return n;
    };
    REQUIRE(eventually([&] { return desk->count_events(1, "email_sent") == 5; }));
    // A restart sends none of them again: the agent's next reply is the only new mail.
    CHECK(desk->process->stop() == 0);
    desk = std::make_unique<MailServer>(desk_dir.path(), desk_yaml(mx.smtp_port));
    auto answered = desk->process->request("POST", "/api/v1/tickets/1/messages", R"({"body":"Lasku on lähetetty.","kind":"reply"})");
    REQUIRE(answered.status == 201);
    REQUIRE(eventually([&] { return desk->count_events(1, "email_sent") == 6; }));
    for (const auto& [message_id, to] : message_id_to) CHECK(sent_events(message_id) == 1);
    CHECK(sent_events(reply_id) == 1);

    // The agent's reply was the first response; the customer's answer to it starts the
    // next-response clock, as the SLA timeline shows.
    auto follow_up = send_mail(desk->smtp_port, "liisa@example.fi", "support@triage.test",
                               "From: Liisa Niemi <liisa@example.fi>\r\nTo: support@triage.test\r\n"
                               "Message-ID: <c2@example.fi>\r\nIn-Reply-To: <c1@example.fi>\r\n"
                               "Subject: Re: Lasku puuttuu\r\nMIME-Version: 1.0\r\n"
                               "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                               "Kiitos, sain laskun, mutta summa on väärä.");
    REQUIRE(follow_up.starts_with("250"));
    CHECK_FALSE(desk->get("/api/v1/tickets/1").at("first_response_at").is_null());
    bool next_running = false;
    const auto sla = desk->get("/api/v1/tickets/1/sla");
    for (const auto& c : sla.at("clocks").as_array()) {
        if (c.at("target").as_string() != "next_response") continue;
        CHECK(c.at("phase").as_string() == "running");
        CHECK(c.at("target_business_minutes").as_int64() == 60);
        CHECK(c.at("timeline").as_array().at(0).at("event").as_string() == "started");
        next_running = true;
    }
    CHECK(next_running);
}
