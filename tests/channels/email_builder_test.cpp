#include "channels/email_builder.hpp"
#include "channels/email_parser.hpp"
#include "channels/smtp_client.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace triage;
using namespace triage::channels;

TEST_CASE("a built email has the threading headers, an encoded subject and a quoted-printable UTF-8 body, and parses back") {
    OutgoingEmail e;
    e.from_name = "Tuki";
    e.from_address = "support@triage.test";
    e.to_name = "Ilze Bērziņa";
    e.to_address = "ilze@example.lv";
    e.reply_to = "support+T-9@triage.test";
    e.subject = "Re: Rēķins [T-9]";
    e.body = "Labdien!\nRēķins ir nosūtīts.\n.\nAr cieņu";
    e.message_id = "<T-9.reply.1@triage.test>";
    e.in_reply_to = "<c@example.lv>";
    e.references = {"<a@example.lv>", "<c@example.lv>"};
    e.auto_submitted = true;
    e.date = Timestamp{std::chrono::seconds{1'790'000'000}};
    const std::string raw = build_email(e);
    CAPTURE(raw);
    CHECK(raw.find("\r\nIn-Reply-To: <c@example.lv>\r\n") != std::string::npos);
    CHECK(raw.find("\r\nReferences: <a@example.lv> <c@example.lv>\r\n") != std::string::npos);
    CHECK(raw.find("\r\nAuto-Submitted: auto-replied\r\n") != std::string::npos);
    CHECK(raw.find("Content-Transfer-Encoding: quoted-printable") != std::string::npos);
    CHECK(raw.find("R=C4=93=C4=B7ins") != std::string::npos);
    CHECK(raw.find("Rēķins") == std::string::npos);  // 7-bit on the wire: subject encoded, body QP
    CHECK(raw.find("\n\n") == std::string::npos);    // CRLF line ends only
    CHECK(build_email(e) == raw);                    // the same row builds the same bytes

    auto parsed = parse_email(raw);
    CHECK(parsed.enquiry.subject == "Re: Rēķins [T-9]");
    CHECK(parsed.enquiry.external_id == "<T-9.reply.1@triage.test>");
    CHECK(parsed.enquiry.sender_name == "Tuki");
    CHECK(parsed.enquiry.metadata.at("full_text").find("Rēķins ir nosūtīts.") != std::string::npos);
    CHECK(parsed.classification.auto_submitted);
    CHECK(parsed.enquiry.thread.references.front() == "<c@example.lv>");
    CHECK(parsed.enquiry.thread.ticket_id == 9);
}

TEST_CASE("CR, LF and other control characters in a subject or a name cannot add a header") {
    OutgoingEmail e;
    e.from_name = "Tuki\r\nX-Injected-From: 1";
    e.from_address = "support@triage.test";
    e.to_name = "Matti\nBcc: victim@example.com";
    e.to_address = "matti@example.fi";
    e.subject = "Re: hi\r\nBcc: evil@example.com\r\n\r\nforged body \x1b[31m";
    e.body = "Hei";
    e.message_id = "<T-1.ack@triage.test>";
    e.date = Timestamp{std::chrono::seconds{1'790'000'000}};
    const auto raw = build_email(e);
    CAPTURE(raw);
    const auto head = raw.substr(0, raw.find("\r\n\r\n"));
    CHECK(head.find("\r\nBcc:") == std::string::npos);
    CHECK(head.find("\nBcc:") == std::string::npos);
    CHECK(head.find("\r\nX-Injected-From:") == std::string::npos);
    CHECK(head.find('\x1b') == std::string::npos);
    const auto parsed = parse_email(raw);
    CHECK(parsed.enquiry.subject.starts_with("Re: hi"));  // one header, GMime folds and encodes it
    CHECK(parsed.enquiry.subject.find("Bcc: evil@example.com") != std::string::npos);
    CHECK(std::none_of(parsed.enquiry.subject.begin(), parsed.enquiry.subject.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20; }));
    CHECK(parsed.enquiry.text == "Hei");
}

TEST_CASE("dot-stuffing doubles leading dots and ends the data with CRLF dot CRLF") {
    CHECK(dot_stuff("a\r\n.b\r\n..c") == "a\r\n..b\r\n...c\r\n.\r\n");
    CHECK(dot_stuff(".\nx\n") == "..\r\nx\r\n.\r\n");
    CHECK(dot_stuff("") == ".\r\n");
}
