#include "channels/email_quotes.hpp"

#include <doctest/doctest.h>

#include <string>

using triage::channels::split_quoted;

namespace {

struct QuoteCase {
    const char* name;
    std::string text;
    std::string new_text;
    std::string quoted_starts;  // the quoted part begins with this ("" = no quote)
    std::string signature;
};

}  // namespace

TEST_CASE("quoted history and signatures are split from the new text in every language the desk serves") {
    const QuoteCase cases[] = {
        {"English Gmail attribution",
         "Thanks, that fixed it.\n\nOn Mon, 23 Nov 2026 at 10:15, Support <support@example.com> wrote:\n> Please restart "
         "the router.\n> \n> Regards\n",
         "Thanks, that fixed it.", "On Mon, 23 Nov 2026 at 10:15, Support", ""},
        {"English attribution wrapped over two lines",
         "Still broken.\n\nOn Mon, 23 Nov 2026 at 10:15, Matti Meikäläinen <\nmatti@example.fi> wrote:\n\n> Try again\n",
         "Still broken.", "On Mon, 23 Nov 2026 at 10:15, Matti Meikäläinen <", ""},
        {"Finnish Gmail attribution",
         "Kiitos, nyt toimii.\n\nma 23.11.2026 klo 10.15 Matti Meikäläinen <matti@example.fi> kirjoitti:\n> Hei,\n> "
         "kokeile uudelleen.\n",
         "Kiitos, nyt toimii.", "ma 23.11.2026 klo 10.15 Matti Meikäläinen <matti@example.fi> kirjoitti:", ""},
        {"Finnish Gmail attribution wrapped before the word",
         "Kiitos, toimii.\n\nsu 6.12.2026 klo 21.02 Triage support (support@triage.example)\nkirjoitti:\n\n> vanha\n",
         "Kiitos, toimii.", "su 6.12.2026 klo 21.02 Triage support (support@triage.example)", ""},
        {"Estonian Gmail attribution",
         "Aitäh!\n\nKadri Mägi <kadri@naidis.ee> kirjutas kuupäeval E, 23. nov 2026 kell 10:15:\n> Tere\n",
         "Aitäh!", "Kadri Mägi <kadri@naidis.ee> kirjutas", ""},
        {"Latvian Gmail attribution",
         "Paldies!\n\npirmd., 2026. g. 23. nov., plkst. 10:15 — lietotājs Jānis Bērziņš (<janis@example.lv>) "
         "rakstīja:\n> Labdien\n",
         "Paldies!", "pirmd., 2026. g. 23. nov., plkst. 10:15", ""},
        {"Lithuanian Gmail attribution", "Ačiū.\n\n2026-11-23, pr, 10:15, Jonas <jonas@example.lt> rašė:\n> Sveiki\n",
         "Ačiū.", "2026-11-23, pr, 10:15, Jonas", ""},
        {"Swedish attribution wrapped after the word",
         "Tack.\n\nDen 23 nov. 2026 kl. 10:15 skrev Matti Meikäläinen\n<matti@example.fi>:\n> Hej\n", "Tack.",
         "Den 23 nov. 2026 kl. 10:15 skrev", ""},
        {"Outlook header block with separator",
         "Hei,\n\nlasku on liitteenä.\n\n________________________________\nFrom: Asiakastuki <support@example.com>\nSent: "
         "Monday, November 23, 2026 10:15 AM\nTo: Matti <matti@example.fi>\nSubject: RE: Lasku\n\nHei Matti,\n",
         "Hei,\n\nlasku on liitteenä.", "________________________________\nFrom: Asiakastuki", ""},
        {"Outlook header block in Finnish",
         "Kiitos\n\nLähettäjä: Asiakastuki <support@example.com>\nLähetetty: maanantai 23. marraskuuta 2026 "
         "10.15\nVastaanottaja: Matti\nAihe: Lasku\n\nHei\n",
         "Kiitos", "Lähettäjä: Asiakastuki", ""},
        {"Outlook header block bold in text made from HTML",
         "OK\n\n*From:* Support <s@example.com>\n*Sent:* Monday\n*To:* Matti\n*Subject:* x\n\nold\n", "OK",
         "*From:* Support", ""},
        {"Original Message separator",
         "See below.\n\n-----Original Message-----\nFrom: a@example.com\nHello\n", "See below.",
         "-----Original Message-----", ""},
        {"Finnish Original Message separator", "Katso alta.\n\n-----Alkuperäinen viesti-----\nvanha\n", "Katso alta.",
         "-----Alkuperäinen viesti-----", ""},
        {"plain > quoting with bottom posting keeps the answer",
         "> Did you restart it?\n\nYes, twice.\n", "Yes, twice.", "> Did you restart it?", ""},
        {"interleaved answers keep every answer",
         "> Question one?\nAnswer one.\n> Question two?\nAnswer two.\n", "Answer one.\nAnswer two.",
         "> Question one?", ""},
        {"-- signature", "The printer is on fire.\n-- \nMatti Meikäläinen\nEsimerkki Oy\n", "The printer is on fire.",
         "", "Matti Meikäläinen\nEsimerkki Oy"},
        {"signature above the quoted history",
         "Works now.\n\n-- \nMatti\n\nOn Mon, 23 Nov 2026 at 10:15, Support <s@example.com> wrote:\n> Try this\n",
         "Works now.", "On Mon, 23 Nov 2026", "Matti"},
        {"mobile footer", "Ok thanks\n\nSent from my iPhone\n", "Ok thanks", "", "Sent from my iPhone"},
        {"no quote at all", "Just a question:\nwhy is the sky blue?\n", "Just a question:\nwhy is the sky blue?", "",
         ""},
        {"\"wrote:\" in prose without evidence is not an attribution",
         "This is what my colleague wrote:\nthe invoice is wrong.\n",
         "This is what my colleague wrote:\nthe invoice is wrong.", "", ""},
        {"CRLF line endings",
         "Thanks\r\n\r\nOn Mon, 23 Nov 2026, Support <s@example.com> wrote:\r\n> old\r\n", "Thanks",
         "On Mon, 23 Nov 2026, Support <s@example.com> wrote:", ""},
    };
    for (const auto& c : cases) {
        const std::string captured(c.name);
        CAPTURE(captured);
        const auto split = split_quoted(c.text);
        CHECK(split.new_text == c.new_text);
        if (c.quoted_starts.empty())
            CHECK(split.quoted.empty());
        else
            CHECK(split.quoted.rfind(c.quoted_starts, 0) == 0);
        CHECK(split.signature == c.signature);
    }
}

TEST_CASE("splitting quotes is linear on a five megabyte line") {
    std::string text(5u << 20, 'a');
    text += "\n> quoted\n";
    const auto split = split_quoted(text);
    CHECK(split.new_text.size() == 5u << 20);
    CHECK(split.quoted == "> quoted");
}
