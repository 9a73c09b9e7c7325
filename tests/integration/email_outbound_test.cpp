// Integration: outbound email. One triaged (the desk) relays its acknowledgements and agent
// replies through a second triaged (the customer's mail server, a real SMTP listener that
// keeps the raw bytes it received), and the customer's answers thread back. Also the crash
// windows of both directions, killed with SIGKILL by test hooks.
#include "tests/support/mail_server.hpp"
#include "tests/support/triaged_process.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

using namespace triage::test;
namespace json = boost::json;
namespace asio = boost::asio;

namespace {

// A triaged with SMTP on a free port over `dir`, configured by `yaml`; `crash_point` arms
// the TRIAGE_CRASH_FOR_TEST hook in that process only.
struct Server {
    std::unique_ptr<TriagedProcess> process;
    int smtp_port = 0;

    Server(const std::filesystem::path& dir, const std::string& yaml, const std::string& crash_point = {}) {
        auto config = dir / "triage.yaml";
        std::ofstream(config) << yaml;
        auto port_file = dir / "smtp-port";
        std::filesystem::remove(port_file);
        if (!crash_point.empty()) ::setenv("TRIAGE_CRASH_FOR_TEST", crash_point.c_str(), 1);
        process = std::make_unique<TriagedProcess>(
            dir, std::vector<std::string>{"--config", config.string(), "--smtp", "127.0.0.1:0", "--smtp-port-file",
                                          port_file.string()});
        ::unsetenv("TRIAGE_CRASH_FOR_TEST");
        std::ifstream(port_file) >> smtp_port;
        REQUIRE(smtp_port > 0);
    }

    json::value get(const std::string& target) const {
        auto r = process->request("GET", target);
        REQUIRE(r.status == 200);
        return json::parse(r.body);
    }
    json::array tickets() const { return get("/api/v1/tickets?limit=200").at("tickets").as_array(); }
    json::array messages(std::int64_t id) const {
        return get("/api/v1/tickets/" + std::to_string(id) + "/messages").at("messages").as_array();
    }
    json::array events(std::int64_t id) const {
        return get("/api/v1/tickets/" + std::to_string(id) + "/events").at("events").as_array();
    }
    int count_events(std::int64_t id, std::string_view type) const {
        int n = 0;
        for (const auto& e : events(id))
            if (e.at("type").as_string() == type) ++n;
        return n;
    }
    std::string event_detail(std::int64_t id, std::string_view type) const {
        for (const auto& e : events(id))
            if (e.at("type").as_string() == type) return std::string(e.at("detail").as_string());
        return {};
    }
};

std::string desk_yaml(int relay_port, const std::string& extra = {}) {
    return "email:\n  hostname: desk.triage.test\n  relay: 127.0.0.1:" + std::to_string(relay_port) +
           "\n  from_name: Tuki\n  mailboxes:\n    support@triage.test: support\n"
           "  outbox:\n    retry_initial_ms: 50\n    retry_max_ms: 200\n" + extra;
}

const std::string kCustomerMailServerYaml =
    "email:\n  hostname: mx.example.fi\n  mailboxes:\n    liisa@example.fi: inbox\n    ilze@example.lv: inbox\n";

std::string customer_mail(const std::string& message_id, const std::string& subject, const std::string& body,
                          const std::string& extra_headers = {}) {
    return "From: Liisa Niemi <liisa@example.fi>\r\nTo: support@triage.test\r\nMessage-ID: " + message_id +
           "\r\nSubject: " + subject + "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n" +
           "Content-Transfer-Encoding: 8bit\r\n" + extra_headers + "\r\n" + body;
}

}  // namespace

TEST_CASE("an acknowledgement and an agent reply arrive with threading headers and the customer's answers thread back") {
    TempDir mx_dir, desk_dir;
    Server mx(mx_dir.path(), kCustomerMailServerYaml);
    Server desk(desk_dir.path(), desk_yaml(mx.smtp_port));

    auto r = send_mail(desk.smtp_port, "liisa@example.fi", "support@triage.test",
                       customer_mail("<c1@example.fi>", "=?UTF-8?Q?Laajakaista_p=C3=A4tkii?=",
                                     "Hei, yhteys katkeaa iltaisin ja en ole saanut apua. Kiitos!"));
    REQUIRE(r.starts_with("250"));
    REQUIRE(eventually([&] { return mx.tickets().size() == 1; }));

    // The acknowledgement, as the customer's server received it.
    auto ack_id = desk.messages(1).at(1).at("external_id").as_string();
    CHECK(ack_id.starts_with("<T-1.ack."));
    auto ack = raw_containing(mx_dir.path(), std::string(ack_id));
    REQUIRE(!ack.empty());
    CHECK(header(ack, "Message-ID") == ack_id);
    CHECK(header(ack, "In-Reply-To") == "<c1@example.fi>");
    CHECK(header(ack, "References") == "<c1@example.fi>");
    CHECK(header(ack, "Auto-Submitted") == "auto-replied");
    CHECK(header(ack, "Reply-To").find("<support+T-1@triage.test>") != std::string::npos);
    CHECK(header(ack, "From").find("support@triage.test") != std::string::npos);
    CHECK(header(ack, "Content-Transfer-Encoding") == "quoted-printable");
    CHECK(header(ack, "Content-Type").find("charset=utf-8") != std::string::npos);
    auto subject = header(ack, "Subject");  // RFC 2047: encoded words, 7-bit only
    CAPTURE(subject);
    CHECK((subject.find("=?UTF-8?") != std::string::npos || subject.find("=?utf-8?") != std::string::npos));
    CHECK(std::all_of(subject.begin(), subject.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }));
    CHECK(ack.find("Return-Path: <>") != std::string::npos);  // acknowledgements go with the null sender
    auto mx_ticket = mx.tickets().at(0);
    CHECK(mx_ticket.at("subject").as_string() == "[T-1] Vastaanotettu: Laajakaista pätkii");  // Finnish template
    CHECK(std::string(mx.messages(1).at(0).at("body").as_string()).find("Kiitos viestistäsi") != std::string::npos);
    // Marked sent after the relay's 250, which comes after the relay stored it: wait for it.
    CHECK(eventually([&] { return desk.event_detail(1, "email_sent").find(std::string(ack_id)) != std::string::npos; }));

    // The agent's reply goes out too, threaded on the customer's message.
    auto posted = desk.process->request("POST", "/api/v1/tickets/1/messages",
                                        R"({"body":"Hei Liisa, vika on korjattu. Yhteys toimii nyt – tervetuloa takaisin!","kind":"reply"})");
    REQUIRE(posted.status == 201);
    auto reply_id = std::string(json::parse(posted.body).at("external_id").as_string());
    CHECK(reply_id.starts_with("<T-1.reply."));
    std::string reply;
    REQUIRE(eventually([&] { return !(reply = raw_containing(mx_dir.path(), reply_id)).empty(); }));
    CHECK(header(reply, "In-Reply-To") == "<c1@example.fi>");
    CHECK(header(reply, "References") == "<c1@example.fi> " + std::string(ack_id));
    CHECK(header(reply, "Auto-Submitted").empty());
    CHECK(header(reply, "Content-Transfer-Encoding") == "quoted-printable");
    CHECK(reply.find("Yhteys toimii nyt =E2=80=93 tervetuloa") != std::string::npos);  // UTF-8 as QP
    // The customer's server read it back: subject decoded, body decoded; it threads there too.
    REQUIRE(eventually([&] { return mx.messages(1).size() == 2; }));
    CHECK(std::string(mx.messages(1).at(1).at("body").as_string()).find("Yhteys toimii nyt – tervetuloa") !=
          std::string::npos);

    // The customer answers the reply: it threads by In-Reply-To (no key in the subject).
    r = send_mail(desk.smtp_port, "liisa@example.fi", "support@triage.test",
                  customer_mail("<c2@example.fi>", "Re: Laajakaista", "Kiitos, toimii!", "In-Reply-To: " + reply_id + "\r\n"));
    CHECK(r.find("T-1") != std::string::npos);
    CHECK(desk.tickets().size() == 1);
    CHECK(desk.events(1).back().at("detail").as_string() == "references " + reply_id);

    // Solved, then an answer to the Reply-To address alone (no headers, no key): reopened.
    REQUIRE(desk.process->request("PATCH", "/api/v1/tickets/1", R"({"status":"solved"})").status == 200);
    r = send_mail(desk.smtp_port, "liisa@example.fi", "support+T-1@triage.test",
                  customer_mail("<c3@example.fi>", "Vielä yksi asia", "Yhteys katkesi taas."));
    CHECK(r.find("T-1") != std::string::npos);
    CHECK(desk.tickets().size() == 1);
    CHECK(desk.get("/api/v1/tickets/1").at("status").as_string() == "open");
    CHECK(desk.count_events(1, "reopened") == 1);
    CHECK(desk.event_detail(1, "message_added").starts_with("references"));
    CHECK(desk.events(1).at(desk.events(1).size() - 2).at("detail").as_string() == "ticket key T-1");
    // Replies to an existing ticket are never acknowledged: the customer got two mails.
    CHECK(desk.count_events(1, "acknowledgement_queued") == 1);

    // A refused reply queues no mail: the outbox row lives and dies with the ticket change.
    REQUIRE(desk.process->request("PATCH", "/api/v1/tickets/1", R"({"status":"solved"})").status == 200);
    REQUIRE(desk.process->request("PATCH", "/api/v1/tickets/1", R"({"status":"closed"})").status == 200);
    CHECK(desk.process->request("POST", "/api/v1/tickets/1/messages", R"({"body":"Vielä?","kind":"reply"})").status == 409);
    CHECK(desk.count_events(1, "email_queued") == 1);
    CHECK(eventually([&] { return desk.count_events(1, "email_sent") == 2; }));
}

TEST_CASE("acknowledgements are suppressed for machine and list mail and rate-limited per sender address") {
    TempDir mx_dir, desk_dir;
    Server mx(mx_dir.path(), kCustomerMailServerYaml);
    Server desk(desk_dir.path(), desk_yaml(mx.smtp_port, "  acknowledgements:\n    per_sender_per_hour: 2\n"));
    struct Case {
        std::string from, headers, reason;
    };
    std::vector<Case> machine{
        {"liisa@example.fi", "Auto-Submitted: auto-replied\r\n", "machine-sent mail"},
        {"liisa@example.fi", "X-Auto-Response-Suppress: All\r\n", "machine-sent mail"},
        {"liisa@example.fi", "Precedence: bulk\r\n", "bulk or list mail"},
        {"liisa@example.fi", "List-Id: <news.example.fi>\r\n", "bulk or list mail"},
        {"mailer-daemon@example.fi", "", "machine-sent mail"},
        {"noreply@example.fi", "", "a no-reply or mailer-daemon address"},
    };
    int id = 0;
    for (const auto& c : machine) {
        ++id;
        CAPTURE(c.headers);
        auto data = "From: " + c.from + "\r\nTo: support@triage.test\r\nMessage-ID: <m" + std::to_string(id) +
                    "@example.fi>\r\nSubject: Hello " + std::to_string(id) + "\r\n" + c.headers + "\r\nHello there\r\n";
        REQUIRE(send_mail(desk.smtp_port, c.from, "support@triage.test", data).starts_with("250"));
        CHECK(desk.count_events(id, "acknowledgement_queued") == 0);
        CHECK(desk.event_detail(id, "acknowledgement_suppressed").starts_with(c.reason));
    }
    // A person writing three new enquiries within the hour gets two acknowledgements.
    for (int i = 1; i <= 3; ++i) {
        ++id;
        REQUIRE(send_mail(desk.smtp_port, "liisa@example.fi", "support@triage.test",
                          customer_mail("<p" + std::to_string(i) + "@example.fi>", "Question " + std::to_string(i),
                                        "Hello, I have a question about my invoice."))
                    .starts_with("250"));
        CHECK(desk.count_events(id, "acknowledgement_queued") == (i <= 2 ? 1 : 0));
        if (i == 3) CHECK(desk.event_detail(id, "acknowledgement_suppressed").starts_with("rate limit: 2"));
    }
    CHECK(eventually([&] { return desk.count_events(id - 1, "email_sent") == 1; }));
    CHECK(eventually([&] { return mx.tickets().size() == 2; }));
    CHECK(mx.tickets().at(0).at("subject").as_string().starts_with("[T-"));
    CHECK(mx.tickets().at(0).at("subject").as_string().find("Received: Question") != std::string::npos);  // English
}

TEST_CASE("a recipient the relay refuses fails the mail, and a bounce flags the address so nothing more is sent") {
    TempDir mx_dir, desk_dir;
    Server mx(mx_dir.path(), kCustomerMailServerYaml);
    Server desk(desk_dir.path(), desk_yaml(mx.smtp_port));
    // The customer's server knows no maija@: 550 on RCPT, a permanent failure, no retry.
    auto data = "From: Maija <maija@example.fi>\r\nTo: support@triage.test\r\nMessage-ID: <u1@example.fi>\r\n"
                "Subject: Tilaus\r\n\r\nHei, missä tilaukseni on?\r\n";
    REQUIRE(send_mail(desk.smtp_port, "maija@example.fi", "support@triage.test", data).starts_with("250"));
    REQUIRE(eventually([&] { return desk.count_events(1, "email_failed") == 1; }));
    CHECK(desk.event_detail(1, "email_failed").find("RCPT: 550") != std::string::npos);
    CHECK(mx.tickets().empty());

    // A delivery report about our acknowledgement: a note on T-1, and maija@ is flagged.
    auto ack_id = std::string(desk.messages(1).at(1).at("external_id").as_string());
    auto dsn = "From: Mail Delivery System <MAILER-DAEMON@mx.example.fi>\r\nTo: support@triage.test\r\n"
               "Message-ID: <dsn1@mx.example.fi>\r\nSubject: Undelivered Mail Returned to Sender\r\n"
               "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n"
               "--b\r\nContent-Type: text/plain\r\n\r\nThe mail system could not deliver your message.\r\n"
               "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.fi\r\n\r\n"
               "Final-Recipient: rfc822; maija@example.fi\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
               "--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: " + ack_id +
               "\r\nSubject: [T-1] Received: Tilaus\r\n\r\n--b--\r\n";
    REQUIRE(send_mail(desk.smtp_port, "", "support@triage.test", dsn).starts_with("250"));
    CHECK(desk.tickets().size() == 1);
    CHECK(desk.count_events(1, "bounce_attached") == 1);
    auto customers = desk.get("/api/v1/customers?identity=email:maija@example.fi").at("customers").as_array();
    REQUIRE(customers.size() == 1);
    auto identity = customers[0].at("identities").at(0);
    REQUIRE(identity.at("flags").as_array().size() == 1);
    CHECK(identity.at("flags").at(0).as_string() == "bouncing");
    CHECK(customers[0].at("identity_flags").at(0).at("detail").as_string().find("<dsn1@mx.example.fi>") !=
          std::string::npos);
    // An agent's reply is kept on the ticket but not mailed to a bouncing address.
    auto posted = desk.process->request("POST", "/api/v1/tickets/1/messages", R"({"body":"Tilaus on matkalla.","kind":"reply"})");
    REQUIRE(posted.status == 201);
    CHECK(desk.event_detail(1, "reply_not_emailed") == "the requester's address is bouncing");
    CHECK(desk.count_events(1, "email_queued") == 0);
}

TEST_CASE("a crash after the relay's 250 and before the mail is marked sent resends it once with the same Message-ID") {
    TempDir mx_dir, desk_dir;
    Server mx(mx_dir.path(), kCustomerMailServerYaml);
    std::string ack_id;
    {
        Server desk(desk_dir.path(), desk_yaml(mx.smtp_port), "outbox_after_relay_accepted");
        send_mail(desk.smtp_port, "liisa@example.fi", "support@triage.test",
                  customer_mail("<k1@example.fi>", "Kaatuu", "Hei, sovellus kaatuu."));
        CHECK(desk.process->wait_for_exit() == SIGKILL);
    }
    REQUIRE(mx.tickets().size() == 1);  // the relay has it: the 250 came before the crash
    Server desk(desk_dir.path(), desk_yaml(mx.smtp_port));
    REQUIRE(eventually([&] { return desk.count_events(1, "email_sent") == 1; }));
    CHECK(desk.process->log().find("resending the same message with the same Message-ID") != std::string::npos);
    // The resend reached the relay, which kept the one message it had.
    CHECK(desk.event_detail(1, "email_sent").find("Already received") != std::string::npos);
    CHECK(mx.tickets().size() == 1);
    CHECK(mx.messages(1).size() == 1);
}

TEST_CASE("a crash between DATA and 250, before or after the commit, loses nothing and duplicates nothing") {
    for (std::string point : {"smtp_before_commit", "smtp_after_commit"}) {
        CAPTURE(point);
        TempDir dir;
        const std::string yaml = "email:\n  mailboxes:\n    support@triage.test: support\n";
        auto data = customer_mail("<crash@example.fi>", "Kaatuminen", "Tämä viesti ei saa kadota.");
        {
            Server server(dir.path(), yaml, point);
            CHECK(send_mail(server.smtp_port, "liisa@example.fi", "support@triage.test", data).empty());  // no 250
            CHECK(server.process->wait_for_exit() == SIGKILL);
        }
        Server server(dir.path(), yaml);
        auto r = send_mail(server.smtp_port, "liisa@example.fi", "support@triage.test", data);  // the client retries
        CHECK(r.starts_with("250"));
        if (point == "smtp_after_commit") CHECK(r.find("Already received") != std::string::npos);
        REQUIRE(server.tickets().size() == 1);
        CHECK(server.messages(1).size() == 1);
        CHECK(std::string(server.messages(1).at(0).at("body").as_string()).find("ei saa kadota") != std::string::npos);
    }
}

TEST_CASE("a message without a Message-ID delivered twice is one message") {
    TempDir dir;
    Server server(dir.path(), "email:\n  mailboxes:\n    support@triage.test: support\n");
    std::string data = "From: ilze@example.lv\r\nTo: support@triage.test\r\nSubject: Bez ID\r\n\r\nSveiki!\r\n";
    CHECK(send_mail(server.smtp_port, "ilze@example.lv", "support@triage.test", data).starts_with("250"));
    auto again = send_mail(server.smtp_port, "ilze@example.lv", "support@triage.test", data);
    CHECK(again.find("Already received") != std::string::npos);
    CHECK(server.tickets().size() == 1);
}

TEST_CASE("acknowledgements queued by triage import-maildir go out through the running triaged's relay") {
    TempDir mx_dir, desk_dir;
    Server mx(mx_dir.path(), kCustomerMailServerYaml);
    // The sender looks for rows other processes queued every poll_ms: the import has no way
    // to wake it.
    Server desk(desk_dir.path(), desk_yaml(mx.smtp_port, "    poll_ms: 100\n"));
    auto maildir = desk_dir.path() / "Maildir";
    std::filesystem::create_directories(maildir / "new");
    std::ofstream(maildir / "new" / "1700000000.1.host", std::ios::binary)
        << customer_mail("<fetched1@example.fi>", "Lasku puuttuu", "Hei, en ole saanut laskua tältä kuulta.");
    std::ofstream(maildir / "new" / "1700000001.2.host", std::ios::binary)
        << customer_mail("<fetched2@example.fi>", "Re: Lasku puuttuu", "Vielä yksi kysymys.",
                         "In-Reply-To: <fetched1@example.fi>\r\n");

    // The same data directory and config as the running desk; a second process writes to it.
    const std::string cli = TRIAGE_CLI_PATH;
    auto [code, out] = run_command({cli, "import-maildir", maildir.string(), "--config",
                                    (desk_dir.path() / "triage.yaml").string(), "--data-dir", desk_dir.path().string()});
    CAPTURE(out);
    REQUIRE(code == 0);
    CHECK(out.find("2 imported, 0 already present, 0 failed") != std::string::npos);
    CHECK(out.find("1 acknowledgement queued in the outbox") != std::string::npos);  // the reply threads, unacknowledged

    // The desk's own sender delivers it, threaded on the fetched message, as for SMTP intake.
    REQUIRE(eventually([&] { return mx.tickets().size() == 1; }));
    auto ack_id = std::string(desk.messages(1).at(1).at("external_id").as_string());
    CHECK(ack_id.starts_with("<T-1.ack."));
    auto ack = raw_containing(mx_dir.path(), ack_id);
    REQUIRE(!ack.empty());
    CHECK(header(ack, "In-Reply-To") == "<fetched1@example.fi>");
    CHECK(header(ack, "References") == "<fetched1@example.fi>");
    CHECK(header(ack, "Auto-Submitted") == "auto-replied");
    CHECK(header(ack, "Reply-To").find("<support+T-1@triage.test>") != std::string::npos);
    CHECK(ack.find("Return-Path: <>") != std::string::npos);
    CHECK(eventually([&] { return desk.event_detail(1, "email_sent").find(ack_id) != std::string::npos; }));
    CHECK(desk.count_events(1, "acknowledgement_queued") == 1);
    CHECK(desk.count_events(1, "email_sent") == 1);  // once: one sender per data directory
}
