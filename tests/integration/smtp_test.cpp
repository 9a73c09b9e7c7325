// Integration: email into the real triaged over SMTP — with swaks, as a mail server would
// deliver it, and with many sessions at once.
#include "tests/support/triaged_process.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <doctest/doctest.h>

#include <fstream>
#include <thread>

using namespace triage::test;
namespace json = boost::json;
namespace asio = boost::asio;

namespace {

struct MailServer {
    TempDir dir;
    std::unique_ptr<TriagedProcess> process;
    int smtp_port = 0;

    explicit MailServer(std::size_t max_message_bytes = 1 << 20) {
        auto config = dir.path() / "triage.yaml";
        std::ofstream(config) << "email:\n  hostname: mx.triage.test\n  max_message_bytes: " << max_message_bytes
                              << "\n  mailboxes:\n    support@triage.test: support\n    billing@triage.test: billing\n";
        auto port_file = dir.path() / "smtp-port";
        process = std::make_unique<TriagedProcess>(
            dir.path(), std::vector<std::string>{"--config", config.string(), "--smtp", "127.0.0.1:0",
                                                 "--smtp-port-file", port_file.string()});
        std::ifstream(port_file) >> smtp_port;
        REQUIRE(smtp_port > 0);
    }

    std::pair<int, std::string> swaks(std::vector<std::string> args) const {
        std::vector<std::string> argv{"swaks", "--server", "127.0.0.1:" + std::to_string(smtp_port),
                                      "--helo", "client.test", "--timeout", "20"};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_command(argv);
    }

    json::array tickets() const {
        return json::parse(process->request("GET", "/api/v1/tickets?limit=200").body).at("tickets").as_array();
    }
    json::array messages(std::int64_t id) const {
        return json::parse(process->request("GET", "/api/v1/tickets/" + std::to_string(id) + "/messages").body)
            .at("messages")
            .as_array();
    }
};

bool have_swaks() { return run_command({"swaks", "--version"}).first == 0; }

// A minimal SMTP client for the parallel test: one session, `count` messages.
void send_over_smtp(int port, int session, int count) {
    asio::io_context ioc;
    asio::ip::tcp::socket socket(ioc);
    socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
    asio::streambuf in;
    auto expect = [&](const char* code) {
        std::string line;
        do {
            asio::read_until(socket, in, "\r\n");
            std::istream is(&in);
            std::getline(is, line);
        } while (line.size() > 3 && line[3] == '-');
        if (!line.starts_with(code)) throw std::runtime_error("expected " + std::string(code) + ", got " + line);
    };
    auto send = [&](const std::string& s) { asio::write(socket, asio::buffer(s)); };
    expect("220");
    send("EHLO parallel.test\r\n");
    expect("250");
    for (int i = 0; i < count; ++i) {
        // Pipelined, as PIPELINING allows.
        send("MAIL FROM:<sender" + std::to_string(session) + "@example.ee>\r\nRCPT TO:<support@triage.test>\r\nDATA\r\n");
        expect("250");
        expect("250");
        expect("354");
        send("Message-ID: <p" + std::to_string(session) + "-" + std::to_string(i) +
             "@example.ee>\r\nSubject: Tellimus " + std::to_string(i) +
             "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nTere! Kus on minu tellimus?\r\n.\r\n");
        expect("250");
    }
    send("QUIT\r\n");
    expect("221");
}

}  // namespace

TEST_CASE("swaks delivers a Finnish email that becomes a ticket with its text intact") {
    if (!have_swaks()) {
        MESSAGE("swaks is not installed (scripts/install-deps installs it): skipped");
        return;
    }
    MailServer server;
    auto [code, out] = server.swaks({"--to", "Support@triage.test", "--from", "liisa.niemi@example.fi", "--header",
                                     "Subject: =?ISO-8859-1?Q?Laajakaista_p=E4tkii?=", "--header",
                                     "Message-Id: <swaks-1@example.fi>", "--body", "Hei, yhteys katkeaa iltaisin. Liisa"});
    CAPTURE(out);
    REQUIRE(code == 0);
    CHECK(out.find("250 2.0.0 Received, T-1") != std::string::npos);
    auto tickets = server.tickets();
    REQUIRE(tickets.size() == 1);
    CHECK(tickets[0].at("subject").as_string() == "Laajakaista pätkii");
    CHECK(tickets[0].at("channel").as_string() == "email");
    CHECK(tickets[0].at("queue").as_string() == "support");
    auto messages = server.messages(1);
    REQUIRE(messages.size() == 1);
    CHECK(std::string(messages[0].at("body").as_string()).find("yhteys katkeaa iltaisin") != std::string::npos);
    CHECK(messages[0].at("external_id").as_string() == "<swaks-1@example.fi>");
}

TEST_CASE("over SMTP a reply's quoted history and signature are kept as its full body, and its source can be downloaded") {
    if (!have_swaks()) {
        MESSAGE("swaks is not installed: skipped");
        return;
    }
    MailServer server;
    const std::string text =
        "Kiitos, nyt toimii.\n\n-- \nPäivi Hämäläinen\npuh. 040 123 4567\n\n"
        "su 6.12.2026 klo 21.02 Triage support <support@triage.test> kirjoitti:\n> Kokeile käynnistää reititin uudelleen.\n";
    auto [code, out] = server.swaks({"--to", "support@triage.test", "--from", "paivi@example.fi", "--header",
                                     "Message-Id: <quoted-1@example.fi>", "--header", "Subject: Re: Yhteys katkeaa",
                                     "--add-header", "Content-Type: text/plain; charset=utf-8", "--body", text});
    CAPTURE(out);
    REQUIRE(code == 0);
    auto messages = server.messages(1);
    REQUIRE(messages.size() == 1);
    const auto& m = messages[0].as_object();
    CHECK(m.at("body").as_string() == "Kiitos, nyt toimii.");
    REQUIRE(m.at("full_body").is_string());
    const std::string full(m.at("full_body").as_string());
    CHECK(full.find("Kiitos, nyt toimii.") != std::string::npos);
    CHECK(full.find("Päivi Hämäläinen\npuh. 040 123 4567") != std::string::npos);
    CHECK(full.find("> Kokeile käynnistää reititin uudelleen.") != std::string::npos);
    REQUIRE(m.at("raw_sha256").is_string());
    auto raw = server.process->request("GET", "/api/v1/tickets/1/attachments/" + std::string(m.at("raw_sha256").as_string()));
    CHECK(raw.status == 200);
    CHECK(raw.body.find("Message-Id: <quoted-1@example.fi>") != std::string::npos);
    CHECK(raw.body.find("kirjoitti:") != std::string::npos);
    // A message with nothing split off has no full body of its own.
    REQUIRE(server.swaks({"--to", "support@triage.test", "--from", "aino@example.fi", "--header",
                          "Subject: Uusi asia", "--body", "Pelkkä uusi teksti."})
                .first == 0);
    auto second = server.messages(2);
    REQUIRE(second.size() == 1);
    CHECK(second[0].at("full_body").is_null());
}

TEST_CASE("over SMTP postmaster at our domain is always taken, into the default queue (RFC 5321 4.5.1)") {
    if (!have_swaks()) {
        MESSAGE("swaks is not installed: skipped");
        return;
    }
    MailServer server;
    auto [code, out] = server.swaks({"--to", "Postmaster@triage.test", "--from", "admin@example.lv", "--header",
                                     "Subject: Your server", "--header", "Message-Id: <pm@example.lv>"});
    CAPTURE(out);
    CHECK(code == 0);
    auto tickets = server.tickets();
    REQUIRE(tickets.size() == 1);
    CHECK(tickets[0].at("queue").as_string() == "support");
    std::tie(code, out) = server.swaks({"--to", "postmaster@elsewhere.example", "--from", "admin@example.lv"});
    CHECK(out.find("550 5.1.1") != std::string::npos);
}

TEST_CASE("over SMTP an unknown recipient gets 550, and a duplicate or a reply lands on the first ticket") {
    if (!have_swaks()) {
        MESSAGE("swaks is not installed: skipped");
        return;
    }
    MailServer server;
    auto [code, out] = server.swaks({"--to", "sales@triage.test", "--from", "a@example.lv"});
    CHECK(code != 0);
    CHECK(out.find("550 5.1.1") != std::string::npos);

    std::vector<std::string> first{"--to", "billing@triage.test", "--from", "ilze@example.lv", "--header",
                                   "Message-Id: <orig@example.lv>", "--header", "Subject: Rēķins", "--body", "Sveiki"};
    REQUIRE(server.swaks(first).first == 0);
    std::tie(code, out) = server.swaks(first);  // delivered again, e.g. after a lost 250
    CHECK(code == 0);
    CHECK(out.find("Already received as part of T-1") != std::string::npos);
    std::tie(code, out) = server.swaks({"--to", "billing@triage.test", "--from", "ilze@example.lv", "--header",
                                        "Message-Id: <reply@example.lv>", "--header", "In-Reply-To: <orig@example.lv>",
                                        "--header", "Subject: Re: Rēķins", "--body", "Vēl viens jautājums"});
    CHECK(code == 0);
    auto tickets = server.tickets();
    REQUIRE(tickets.size() == 1);
    CHECK(tickets[0].at("queue").as_string() == "billing");
    CHECK(server.messages(1).size() == 2);
    auto events = json::parse(server.process->request("GET", "/api/v1/tickets/1/events").body).at("events").as_array();
    CHECK(events.back().at("detail").as_string() == "references <orig@example.lv>");
}

TEST_CASE("over SMTP an oversize message gets 552 and nothing is stored") {
    if (!have_swaks()) {
        MESSAGE("swaks is not installed: skipped");
        return;
    }
    MailServer server(4096);
    std::string big(10000, 'x');
    auto [code, out] = server.swaks({"--to", "support@triage.test", "--from", "a@example.fi", "--body", big});
    CHECK(code != 0);
    CHECK(out.find("552 5.3.4") != std::string::npos);
    CHECK(server.tickets().empty());
}

TEST_CASE("many SMTP sessions at once each get their tickets, one per message") {
    MailServer server;
    constexpr int kSessions = 16, kEach = 10;
    std::vector<std::thread> clients;
    std::atomic<int> failures{0};
    for (int s = 0; s < kSessions; ++s)
        clients.emplace_back([&, s] {
            try {
                send_over_smtp(server.smtp_port, s, kEach);
            } catch (const std::exception&) {
                ++failures;
            }
        });
    for (auto& c : clients) c.join();
    CHECK(failures == 0);
    std::size_t total = 0;
    std::string cursor;
    for (;;) {
        auto body = json::parse(server.process->request("GET", "/api/v1/tickets?limit=200" + cursor).body).as_object();
        total += body.at("tickets").as_array().size();
        if (body.at("next_cursor").is_null()) break;
        cursor = "&cursor=" + std::string(body.at("next_cursor").as_string());
    }
    CHECK(total == kSessions * kEach);
}

TEST_CASE("faxes through one gateway from two numbers are two customers, each known by its fax number") {
    if (!have_swaks()) {
        MESSAGE("swaks is not installed (scripts/install-deps installs it): skipped");
        return;
    }
    MailServer server;
    auto fax = [&](const std::string& number, const std::string& id) {
        const std::string mail = "From: HylaFAX <faxmaster@gw.test>\r\nTo: support@triage.test\r\nMessage-ID: <" + id +
                                 "@gw.test>\r\nSubject: Fax received from \"" + number +
                                 "\"\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
                                 "Content-Type: text/plain\r\n\r\nPages: 1\r\n--b\r\nContent-Type: application/pdf; name=fax.pdf\r\n"
                                 "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJSVFT0YK\r\n--b--\r\n";
        auto [code, out] = server.swaks({"--to", "support@triage.test", "--from", "faxmaster@gw.test", "--data", mail});
        CAPTURE(out);
        REQUIRE(code == 0);
    };
    fax("040 765 4321", "f1");
    fax("+358 9 8765 432", "f2");
    auto tickets = server.tickets();
    REQUIRE(tickets.size() == 2);
    CHECK(tickets[0].at("channel").as_string() == "fax");
    CHECK(tickets[0].at("requester_id") != tickets[1].at("requester_id"));
    // The gateway's address is no one's identity.
    auto gateway = json::parse(server.process->request("GET", "/api/v1/customers?identity=email:faxmaster@gw.test").body);
    CHECK(gateway.at("customers").as_array().empty());
}
