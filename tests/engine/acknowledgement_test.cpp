#include "engine/acknowledgement.hpp"
#include "engine/language_guess.hpp"

#include <doctest/doctest.h>

using namespace triage;

namespace {

Enquiry email_from(std::string address) {
    Enquiry e;
    e.channel = Channel::email;
    e.sender.push_back({IdentityKind::email, std::move(address)});
    return e;
}

}  // namespace

TEST_CASE("an acknowledgement goes only to a person's new email, never to machines, lists or bouncing addresses") {
    AckContext ok;
    CHECK(decide_acknowledgement(email_from("liisa@example.fi"), true, ok).send);
    CHECK(decide_acknowledgement(email_from("liisa@example.fi"), false, ok).reason == "not a new ticket");

    auto auto_reply = email_from("liisa@example.fi");
    auto_reply.kind = EnquiryKind::auto_reply;
    auto_reply.metadata["auto_reason"] = "Auto-Submitted: auto-replied";
    CHECK(decide_acknowledgement(auto_reply, true, ok).reason == "machine-sent mail (Auto-Submitted: auto-replied)");
    auto bounce = email_from("liisa@example.fi");
    bounce.kind = EnquiryKind::bounce;
    CHECK_FALSE(decide_acknowledgement(bounce, true, ok).send);
    auto list = email_from("liisa@example.fi");
    list.tags = {"bulk"};
    CHECK(decide_acknowledgement(list, true, ok).reason == "bulk or list mail");
    auto null_path = email_from("liisa@example.fi");
    null_path.metadata["envelope_from"] = "<>";
    CHECK(decide_acknowledgement(null_path, true, ok).reason == "null return path");
    for (auto address : {"MAILER-DAEMON@example.fi", "postmaster@example.fi", "no-reply@shop.example", "noreply+x@a.fi"})
        CHECK_FALSE(decide_acknowledgement(email_from(address), true, ok).send);
    auto api = email_from("liisa@example.fi");
    api.channel = Channel::api;
    CHECK_FALSE(decide_acknowledgement(api, true, ok).send);
    auto form = email_from("liisa@example.fi");
    form.channel = Channel::web;  // a web form gives the address to answer; the same limits hold
    CHECK(decide_acknowledgement(form, true, ok).send);
    auto form_no_reply = email_from("no-reply@shop.example");
    form_no_reply.channel = Channel::web;
    CHECK_FALSE(decide_acknowledgement(form_no_reply, true, ok).send);
    AckContext spent;
    spent.sent_in_window = 3;
    CHECK(decide_acknowledgement(form, true, spent).reason.starts_with("rate limit"));

    AckContext bouncing;
    bouncing.address_bouncing = true;
    CHECK(decide_acknowledgement(email_from("liisa@example.fi"), true, bouncing).reason == "the address is bouncing");
    AckContext off;
    off.enabled = false;
    CHECK_FALSE(decide_acknowledgement(email_from("liisa@example.fi"), true, off).send);
}

TEST_CASE("the per-sender rate limit stops the acknowledgement after N in the window") {
    AckContext c;
    c.limit_per_window = 3;
    for (int sent = 0; sent < 3; ++sent) {
        c.sent_in_window = sent;
        CHECK(decide_acknowledgement(email_from("a@b.fi"), true, c).send);
    }
    c.sent_in_window = 3;
    CHECK(decide_acknowledgement(email_from("a@b.fi"), true, c).reason ==
          "rate limit: 3 acknowledgements to this address in the last hour");
    c.limit_per_window = 0;
    c.sent_in_window = 0;
    CHECK_FALSE(decide_acknowledgement(email_from("a@b.fi"), true, c).send);
}

TEST_CASE("acknowledgement texts exist in English, Finnish, Estonian and Latvian, with English as the fallback") {
    Ticket t;
    t.id = 42;
    t.subject = "Lasku";
    struct Row {
        const char* language;
        const char* subject;
        const char* greeting;
    };
    for (auto row : {Row{"en", "[T-42] Received: Lasku", "Hello Liisa,"}, Row{"fi", "[T-42] Vastaanotettu: Lasku", "Hei Liisa,"},
                     Row{"fi-FI", "[T-42] Vastaanotettu: Lasku", "Hei Liisa,"}, Row{"et", "[T-42] Kätte saadud: Lasku", "Tere Liisa!"},
                     Row{"lv", "[T-42] Saņemts: Lasku", "Labdien, Liisa!"}, Row{"und", "[T-42] Received: Lasku", "Hello Liisa,"},
                     Row{"sv", "[T-42] Received: Lasku", "Hello Liisa,"}}) {
        CAPTURE(row.language);
        t.language = row.language;
        auto text = acknowledgement_text(t, "Liisa");
        CHECK(text.subject == row.subject);
        CHECK(text.body.starts_with(row.greeting));
        CHECK(text.body.find("T-42") != std::string::npos);
    }
    t.language = "et";
    CHECK(acknowledgement_text(t, "").body.starts_with("Tere!"));
}

TEST_CASE("a reply subject has one Re: and the ticket key once") {
    Ticket t;
    t.id = 7;
    for (auto [subject, expected] : {std::pair{"Lasku", "Re: Lasku [T-7]"}, std::pair{"Re: RE: Lasku", "Re: Lasku [T-7]"},
                                     std::pair{"Vs: Lasku [T-7]", "Re: Lasku [T-7]"}, std::pair{"", "Re: [T-7]"}}) {
        t.subject = subject;
        CHECK(reply_subject(t) == expected);
    }
}

TEST_CASE("the retry delay doubles per failed attempt up to its cap") {
    using std::chrono::milliseconds;
    CHECK(retry_delay(1, milliseconds(30'000), milliseconds(3'600'000)) == milliseconds(30'000));
    CHECK(retry_delay(2, milliseconds(30'000), milliseconds(3'600'000)) == milliseconds(60'000));
    CHECK(retry_delay(5, milliseconds(30'000), milliseconds(3'600'000)) == milliseconds(480'000));
    CHECK(retry_delay(40, milliseconds(30'000), milliseconds(3'600'000)) == milliseconds(3'600'000));
}

TEST_CASE("the language of a customer's text is guessed among the desk's languages") {
    CHECK(guess_language("Hei, en ole saanut laskua. Voitteko lähettää sen? Kiitos") == "fi");
    CHECK(guess_language("Tere! Ma ei ole arvet saanud. Palun saatke see uuesti. Aitäh") == "et");
    CHECK(guess_language("Labdien! Es neesmu saņēmis rēķinu. Lūdzu, nosūtiet to vēlreiz. Paldies") == "lv");
    CHECK(guess_language("Hello, I have not received the invoice. Can you please send it again? Thanks") == "en");
    CHECK(guess_language("12345 !!!") == "und");
}

TEST_CASE("a rule's automatic reply is refused for machine-made tickets, no-reply addresses and past the rate limit") {
    Ticket t;
    t.id = 7;
    CHECK_FALSE(automatic_reply_refusal(t, "matti@example.fi", 0, 3));
    for (const char* tag : {"auto_reply", "bounce", "bulk"}) {
        CAPTURE(tag);
        Ticket machine = t;
        machine.tags = {"billing", tag};
        auto why = automatic_reply_refusal(machine, "matti@example.fi", 0, 3);
        REQUIRE(why);
        CHECK(why->find("RFC 3834") != std::string::npos);
    }
    CHECK(automatic_reply_refusal(t, "no-reply@shop.example", 0, 3));
    CHECK(automatic_reply_refusal(t, "MAILER-DAEMON@mx.example", 0, 3));
    CHECK(automatic_reply_refusal(t, "matti@example.fi", 3, 3)->find("rate limit") != std::string::npos);
    CHECK_FALSE(automatic_reply_refusal(t, "matti@example.fi", 2, 3));
}
