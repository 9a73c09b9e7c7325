#include "channels/smtp_dialogue.hpp"

#include <doctest/doctest.h>

using namespace triage::channels;

namespace {

SmtpDialogue make(SmtpProtocol p = SmtpProtocol::smtp, SmtpLimits limits = {}) {
    return SmtpDialogue(p, "triage.test", limits,
                        [](std::string_view a) { return a == "support@triage.test" || a == "billing@triage.test"; });
}

}  // namespace

TEST_CASE("a plain SMTP session delivers one message with dot-unstuffing") {
    auto d = make();
    CHECK(d.greeting().starts_with("220 triage.test ESMTP"));
    auto ehlo = d.feed("EHLO client.example\r\n");
    CHECK(ehlo.find("250-SIZE") != std::string::npos);
    CHECK(ehlo.find("250-8BITMIME") != std::string::npos);
    CHECK(ehlo.find("250-PIPELINING") != std::string::npos);
    CHECK(ehlo.find("250 ENHANCEDSTATUSCODES") != std::string::npos);
    CHECK(d.feed("MAIL FROM:<Matti@Example.FI> SIZE=100 BODY=8BITMIME\r\n") == "250 2.1.0 Sender OK\r\n");
    CHECK(d.feed("RCPT TO:<Support@triage.test>\r\n") == "250 2.1.5 Recipient OK\r\n");
    CHECK(d.feed("DATA\r\n").starts_with("354 "));
    CHECK(d.feed("Subject: hei\r\n\r\n..leading dot\r\nline\r\n.\r\n").empty());
    REQUIRE(d.pending_message());
    CHECK(d.pending_message()->mail_from == "matti@example.fi");
    CHECK(d.pending_message()->recipients == std::vector<std::string>{"support@triage.test"});
    CHECK(d.pending_message()->data == "Subject: hei\r\n\r\n.leading dot\r\nline\r\n");
    CHECK(d.pending_message()->with == "ESMTP");  // for the Received: line (RFC 3848)
    CHECK(d.delivered({{250, "2.0.0 Queued as T-1"}}) == "250 2.0.0 Queued as T-1\r\n");
    CHECK(d.feed("QUIT\r\n") == "221 2.0.0 Bye\r\n");
    CHECK(d.closed());
}

TEST_CASE("only CRLF.CRLF ends the data: a bare-LF dot line is content, so no second transaction is smuggled in") {
    for (const char* fake_end : {"\r\n\n.\r\n", "\r\n.\n", "\n.\n", "\n.\r\n"}) {
        for (auto protocol : {SmtpProtocol::smtp, SmtpProtocol::lmtp}) {
            CAPTURE(fake_end);
            auto d = make(protocol);
            d.feed(protocol == SmtpProtocol::lmtp ? "LHLO c\r\n" : "EHLO c\r\n");
            d.feed("MAIL FROM:<honest@example.fi>\r\nRCPT TO:<support@triage.test>\r\n");
            CHECK(d.feed("DATA\r\n").starts_with("354 "));
            // All in one write, as the attacker sends it.
            const std::string smuggled = std::string("Subject: outer\r\n\r\nouter body") + fake_end +
                                         "MAIL FROM:<ceo@triage.test>\r\nRCPT TO:<support@triage.test>\r\nDATA\r\n"
                                         "Subject: smuggled\r\n\r\nforged\r\n.\r\n";
            CHECK(d.feed(smuggled).empty());  // no 250 for a MAIL FROM inside the data
            REQUIRE(d.pending_message());
            const auto& data = d.pending_message()->data;
            CHECK(data.starts_with("Subject: outer\r\n"));
            CHECK(data.find("MAIL FROM:<ceo@triage.test>") != std::string::npos);  // kept as the content it is
            CHECK(data.ends_with("forged\r\n"));
            CHECK(d.pending_message()->mail_from == "honest@example.fi");
            CHECK(d.delivered({{250, "2.0.0 ok"}}).starts_with("250 2.0.0 ok"));
            CHECK_FALSE(d.pending_message());
        }
    }
    // A dot line after a bare LF is not unstuffed either: it is not a line in RFC 5321's sense.
    auto d = make();
    d.feed("EHLO c\r\nMAIL FROM:<a@b.fi>\r\nRCPT TO:<support@triage.test>\r\nDATA\r\n");
    d.feed("a\n..b\r\n..c\r\n.\r\n");
    REQUIRE(d.pending_message());
    CHECK(d.pending_message()->data == "a\n..b\r\n.c\r\n");
}

TEST_CASE("RCPT takes a bare <Postmaster>, refuses parameters nothing advertised, and a SIZE past counting is 552") {
    auto d = SmtpDialogue(SmtpProtocol::smtp, "triage.test", {},
                          [](std::string_view a) { return a == "support@triage.test" || a == "postmaster"; });
    d.feed("EHLO c\r\n");
    CHECK(d.feed("MAIL FROM:<a@b.fi> SIZE=99999999999999999999999\r\n").starts_with("552 5.3.4"));
    CHECK(d.feed("MAIL FROM:<a@b.fi> SIZE=12x\r\n").starts_with("501"));
    CHECK(d.feed("MAIL FROM:<a@b.fi>\r\n").starts_with("250"));
    CHECK(d.feed("RCPT TO:<Postmaster>\r\n").starts_with("250 2.1.5"));
    CHECK(d.feed("RCPT TO:<support@triage.test> NOTIFY=NEVER\r\n").starts_with("555 5.5.4"));
    CHECK(d.feed("RCPT TO:<support@triage.test>\r\n").starts_with("250 2.1.5"));
    CHECK(d.feed("RCPT TO:<nobody>\r\n").starts_with("501"));  // only postmaster goes without a domain
}

TEST_CASE("the envelope names the protocol for the Received: line: SMTP after HELO, LMTP on LMTP") {
    auto helo = make();
    helo.feed("HELO c\r\nMAIL FROM:<a@b.fi>\r\nRCPT TO:<support@triage.test>\r\nDATA\r\nhi\r\n.\r\n");
    REQUIRE(helo.pending_message());
    CHECK(helo.pending_message()->with == "SMTP");
    auto lmtp = make(SmtpProtocol::lmtp);
    lmtp.feed("LHLO c\r\nMAIL FROM:<a@b.fi>\r\nRCPT TO:<support@triage.test>\r\nDATA\r\nhi\r\n.\r\n");
    REQUIRE(lmtp.pending_message());
    CHECK(lmtp.pending_message()->with == "LMTP");
}

TEST_CASE("pipelined commands are answered in order and data waits for delivery") {
    auto d = make();
    auto out = d.feed("EHLO c\r\nMAIL FROM:<a@b.fi>\r\nRCPT TO:<support@triage.test>\r\nRCPT TO:<nobody@triage.test>\r\n"
                      "DATA\r\nhello\r\n.\r\nNOOP\r\n");
    CHECK(out.find("250 2.1.0") != std::string::npos);
    CHECK(out.find("550 5.1.1 <nobody@triage.test>") != std::string::npos);
    CHECK(out.find("354") != std::string::npos);
    CHECK(out.find("250 2.0.0 OK") == std::string::npos);  // NOOP waits until the message is answered
    REQUIRE(d.pending_message());
    CHECK(d.delivered({{250, "2.0.0 ok"}}) == "250 2.0.0 ok\r\n");
    CHECK(d.feed("") == "250 2.0.0 OK\r\n");
}

TEST_CASE("unknown recipients get 550 and a message without recipients is refused") {
    auto d = make();
    d.feed("EHLO c\r\nMAIL FROM:<>\r\n");
    CHECK(d.feed("RCPT TO:<sales@triage.test>\r\n").starts_with("550 5.1.1"));
    CHECK(d.feed("DATA\r\n").starts_with("554 5.5.1"));
}

TEST_CASE("an oversize message is refused with 552 before and after DATA") {
    SmtpLimits limits;
    limits.max_message_bytes = 64;
    auto d = make(SmtpProtocol::smtp, limits);
    d.feed("EHLO c\r\n");
    CHECK(d.feed("MAIL FROM:<a@b.fi> SIZE=1000\r\n").starts_with("552 5.3.4"));
    d.feed("MAIL FROM:<a@b.fi>\r\nRCPT TO:<support@triage.test>\r\nDATA\r\n");
    std::string big(200, 'x');
    CHECK(d.feed(big + "\r\n.\r\n").starts_with("552 5.3.4"));
    CHECK_FALSE(d.pending_message());
    CHECK(d.feed("MAIL FROM:<a@b.fi>\r\n").starts_with("250"));  // the session goes on
}

TEST_CASE("commands out of sequence and bad syntax get 5xx replies") {
    auto d = make();
    CHECK(d.feed("MAIL FROM:<a@b.fi>\r\n").starts_with("503"));
    d.feed("HELO c\r\n");
    CHECK(d.feed("RCPT TO:<support@triage.test>\r\n").starts_with("503"));
    CHECK(d.feed("MAIL FROM:a@b@\r\n").starts_with("501"));
    CHECK(d.feed("FROB\r\n").starts_with("500"));
    CHECK(d.feed("MAIL FROM:<a@b.fi>\r\n") == "250 Sender OK\r\n");  // no enhanced codes after HELO
}

TEST_CASE("LMTP answers once per recipient after DATA") {
    auto d = make(SmtpProtocol::lmtp);
    CHECK(d.greeting().find("LMTP") != std::string::npos);
    CHECK(d.feed("EHLO c\r\n").starts_with("500"));
    d.feed("LHLO c\r\nMAIL FROM:<a@b.fi>\r\nRCPT TO:<support@triage.test>\r\nRCPT TO:<billing@triage.test>\r\nDATA\r\n");
    d.feed("x\r\n.\r\n");
    REQUIRE(d.pending_message());
    // As the listener does: the envelope is moved out to be delivered, then delivered() answers.
    SmtpEnvelope taken = std::move(*d.pending_message());
    CHECK(taken.recipients.size() == 2);
    auto out = d.delivered({{250, "2.0.0 T-1"}, {250, "2.0.0 T-2"}});
    CHECK(out == "250 2.0.0 T-1\r\n250 2.0.0 T-2\r\n");
}

TEST_CASE("a client that keeps sending junk is disconnected") {
    SmtpLimits limits;
    limits.max_errors = 3;
    auto d = make(SmtpProtocol::smtp, limits);
    auto out = d.feed("A\r\nB\r\nC\r\nD\r\n");
    CHECK(d.closed());
    CHECK(out.find("421") != std::string::npos);
}

TEST_CASE("a message's data reads the same whether it arrives in one piece, byte by byte or in uneven chunks") {
    std::string data;
    for (int i = 0; i < 2000; ++i) data += (i % 7 == 0 ? ".." : "") + std::string("rivi ") + std::to_string(i) + "\r\n";
    std::string expected;
    for (int i = 0; i < 2000; ++i) expected += (i % 7 == 0 ? "." : "") + std::string("rivi ") + std::to_string(i) + "\r\n";
    const std::string session = "EHLO c\r\nMAIL FROM:<a@b.fi>\r\nRCPT TO:<support@triage.test>\r\nDATA\r\n" + data + ".\r\nNOOP\r\n";
    for (std::size_t chunk : {session.size(), std::size_t{1}, std::size_t{13}, std::size_t{4096}}) {
        CAPTURE(chunk);
        auto d = make();
        for (std::size_t at = 0; at < session.size() && !d.pending_message(); at += chunk)
            d.feed(std::string_view(session).substr(at, chunk));
        REQUIRE(d.pending_message());
        CHECK(d.pending_message()->data == expected);
    }
}

TEST_CASE("an overlong command line gets one 500, however many reads it arrives in") {
    SmtpLimits limits;
    limits.max_line_bytes = 100;
    auto d = make(SmtpProtocol::smtp, limits);
    d.feed("EHLO c\r\n");
    std::string out = d.feed("NOOP ");
    for (int i = 0; i < 5; ++i) out += d.feed(std::string(80, 'a'));
    out += d.feed("aaa\r\nNOOP\r\n");
    CHECK(out == "500 5.5.6 Line too long\r\n250 2.0.0 OK\r\n");
    CHECK_FALSE(d.closed());
}
