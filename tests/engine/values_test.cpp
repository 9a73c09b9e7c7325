#include "engine/customer.hpp"
#include "engine/intake.hpp"
#include "engine/ticket.hpp"
#include "engine/time_format.hpp"

#include <doctest/doctest.h>

using namespace triage;
using namespace std::chrono;

TEST_CASE("ticket keys read T-1042 in any case and refuse anything else") {
    CHECK(ticket_key(1042) == "T-1042");
    CHECK(parse_ticket_key("T-1042") == 1042);
    CHECK(parse_ticket_key("t-7") == 7);
    CHECK_FALSE(parse_ticket_key("T-"));
    CHECK_FALSE(parse_ticket_key("T-0"));
    CHECK_FALSE(parse_ticket_key("T-12x"));
    CHECK_FALSE(parse_ticket_key("1042"));
}

TEST_CASE("RFC 5322 mail dates are UTC with English day and month names") {
    CHECK(format_rfc5322(*parse_rfc3339("2026-12-03T12:05:09.750Z")) == "Thu, 03 Dec 2026 12:05:09 +0000");
    CHECK(format_rfc5322(*parse_rfc3339("2024-02-29T23:59:59+02:00")) == "Thu, 29 Feb 2024 21:59:59 +0000");
    CHECK(format_rfc5322(*parse_rfc3339("1999-01-03T00:00:00Z")) == "Sun, 03 Jan 1999 00:00:00 +0000");
}

TEST_CASE("RFC 3339 timestamps round-trip and offsets are converted to UTC") {
    auto t = parse_rfc3339("2026-12-23T15:30:00+02:00");
    REQUIRE(t);
    CHECK(format_rfc3339(*t) == "2026-12-23T13:30:00Z");
    CHECK(format_rfc3339(*parse_rfc3339("2026-03-29T00:59:59.250Z")) == "2026-03-29T00:59:59.250Z");
    CHECK_FALSE(parse_rfc3339("2026-02-30T00:00:00Z"));
    CHECK_FALSE(parse_rfc3339("2026-01-01T00:00:00"));
    CHECK_FALSE(parse_rfc3339("yesterday"));
}

TEST_CASE("identities are normalised so one person matches across channels") {
    CHECK(normalise_identity(IdentityKind::email, " Matti.Meikalainen@Posti.FI ").value == "matti.meikalainen@posti.fi");
    CHECK(normalise_identity(IdentityKind::email, "<aino@example.fi>").value == "aino@example.fi");
    CHECK(normalise_identity(IdentityKind::email, "not-an-address").value.empty());
    // Non-ASCII addresses (RFC 6531): Unicode lower case, NFC, and the domain's Unicode form.
    CHECK(normalise_identity(IdentityKind::email, "Ülle.Õun@NÄIDE.ee").value == "ülle.õun@näide.ee");
    CHECK(normalise_identity(IdentityKind::email, "ülle@xn--nide-loa.ee").value == "ülle@näide.ee");
    CHECK(normalise_identity(IdentityKind::email, "JĀNIS@PASTS.LV").value == "jānis@pasts.lv");
    CHECK(normalise_identity(IdentityKind::email, "u\xCC\x88lle@example.fi").value == "\xC3\xBClle@example.fi");  // u + U+0308 -> ü
    CHECK(normalise_identity(IdentityKind::email, "Stra\xC3\x9F" "e@example.de").value == "stra\xC3\x9F" "e@example.de");  // ß stays
    CHECK(normalise_identity(IdentityKind::email, "A\xFF@Example.fi").value == "a\xFF@example.fi");  // not UTF-8: ASCII folded only
    // Mail goes out with the domain in ASCII (IDNA), whatever form the identity keeps.
    CHECK(address_for_smtp("ülle@näide.ee") == "ülle@xn--nide-loa.ee");
    CHECK(address_for_smtp("aino@example.fi") == "aino@example.fi");
    CHECK(normalise_identity(IdentityKind::phone, "+358 40 123 4567").value == "+358401234567");
    CHECK(normalise_identity(IdentityKind::phone, "00372 5123 456").value == "+3725123456");
    CHECK(normalise_identity(IdentityKind::phone, "call me").value.empty());
    auto id = parse_identity("phone:+371 2612 3456");
    REQUIRE(id);
    CHECK(id->value == "+37126123456");
}

TEST_CASE("tags are trimmed, lower-cased, sorted and unique") {
    CHECK(normalise_tags({" VIP", "invoice", "vip", "", "Invoice "}) == std::vector<std::string>{"invoice", "vip"});
    // Unicode case and normal form: composed, decomposed and capital are one tag.
    CHECK(normalise_tags({"\u00e4iti", "a\u0308iti", "\u00c4ITI", "\u0160\u016aNA"}) ==
          std::vector<std::string>{"\u00e4iti", "\u0161\u016bna"});
}

TEST_CASE("a ticket without a subject takes the first line of its text, cut on a character boundary") {
    CHECK(subject_from_text("  Lasku  ", "x") == "Lasku");
    CHECK(subject_from_text("", "\n\nHei, laskussa on virhe\nToinen rivi") == "Hei, laskussa on virhe");
    CHECK(subject_from_text("", "   ") == "(no subject)");
    std::string long_text;
    for (int i = 0; i < 60; ++i) long_text += "ä";  // 120 bytes
    auto s = subject_from_text("", long_text);
    CHECK(s.size() <= 80 + 3);
    CHECK(s.substr(0, 80) == long_text.substr(0, 80));
}
