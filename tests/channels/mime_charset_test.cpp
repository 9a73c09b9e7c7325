#include "channels/mime_charset.hpp"
#include "channels/mime_header_decoder.hpp"

#include "channels/mime_gobject.hpp"

#include <doctest/doctest.h>
#include <gmime/gmime.h>
#include <link.h>

#include <cstring>
#include <string>

using namespace triage::channels;

TEST_CASE("body text is decoded from its declared charset with fallbacks when the label is missing or wrong") {
    struct Case {
        const char* name;
        std::string bytes;
        std::string declared;
        std::string text;
        std::string charset;
        bool fallback;
    };
    const Case cases[] = {
        {"plain ascii", "Hello", "us-ascii", "Hello", "us-ascii", false},
        {"utf-8 declared", "P\xC3\xA4iv\xC3\xA4\xC3\xA4", "utf-8", "Päivää", "utf-8", false},
        {"latin-1 declared", "P\xE4iv\xE4\xE4", "iso-8859-1", "Päivää", "iso-8859-1", false},
        {"iso-8859-15 euro", "49,90 \xA4", "ISO-8859-15", "49,90 €", "iso-8859-15", false},
        {"iso-8859-13 Latvian", "r\xE7\xEDin\xE2 k\xEF\xFB""da", "iso-8859-13", "rēķinā kļūda", "iso-8859-13", false},
        {"windows-1257 Lithuanian", "A\xE8i\xFB", "windows-1257", "Ačiū", "windows-1257", false},
        {"latin-1 label on windows-1252 bytes", "\x93VPN\x94 \x96 virhe", "iso-8859-1", "“VPN” – virhe",
         "windows-1252", true},
        {"iso-8859-13 label on windows-1257 bytes", "\x84Labdien\x93 \x96 x", "iso-8859-13", "„Labdien“ – x",
         "windows-1257", true},
        {"latin-1 label on UTF-8 bytes", "\xC3\xB5igused", "iso-8859-1", "õigused", "utf-8", true},
        {"utf-8 label on windows-1252 bytes", "Hyv\xE4\xE4 p\xE4iv\xE4\xE4", "utf-8", "Hyvää päivää", "windows-1252",
         true},
        {"utf-8 label on Estonian iso-8859-15 bytes", "\xA6okolaad ja \xB8iletid", "utf-8", "Šokolaad ja žiletid",
         "iso-8859-15", true},
        {"no label, Estonian iso-8859-15", "T\xE4na s\xF6\xF6sin \xA6okolaadi, \xB8\xFCri on t\xFChi", "",
         "Täna söösin Šokolaadi, žüri on tühi", "iso-8859-15", true},
        {"latin-1 label on Estonian iso-8859-15 bytes", "Ma\xA8in on \xA6veitsist", "iso-8859-1", "Mašin on Šveitsist",
         "iso-8859-15", true},
        {"latin-1 with an acute accent typed for an apostrophe", "it\xB4s ok, don\xB4t worry", "iso-8859-1",
         "it´s ok, don´t worry", "iso-8859-1", false},
        {"no label, Latvian windows-1257", "L\xFB""dzu, p\xE2rbaudiet r\xE7\xEDinu", "", "Lūdzu, pārbaudiet rēķinu",
         "windows-1257", true},
        {"no label, Lithuanian windows-1257", "A\xE8i\xFB u\xFE \xE0\xFEuol\xE0", "", "Ačiū už ąžuolą",
         "windows-1257", true},
        {"no label, Estonian windows-1257 with š", "\xF0okolaad ja t\xE4nan", "", "šokolaad ja tänan", "windows-1257",
         true},
        {"no label, Estonian windows-1252 with š", "\x9Aokolaad ja t\xE4nan", "", "šokolaad ja tänan", "windows-1252",
         true},
        {"no label, Finnish", "Hyv\xE4\xE4 p\xE4iv\xE4\xE4", "", "Hyvää päivää", "windows-1252", true},
        {"no label, French stays western", "\xE9l\xE8ve \xE0 c\xF4t\xE9", "", "élève à côté", "windows-1252", true},
        {"no label, UTF-8", "\xC5\xA0ie", "", "Šie", "utf-8", true},
        {"unknown charset", "P\xE4iv\xE4", "x-bogus-charset", "Päivä", "windows-1252", true},
        {"placeholder charset", "P\xE4iv\xE4", "unknown-8bit", "Päivä", "windows-1252", true},
        {"mostly utf-8 with one bad byte keeps utf-8", "\xC3\xA4\xC3\xB6 \xFF", "utf-8", "äö \xEF\xBF\xBD", "utf-8",
         false},
        {"iso-2022-jp is converted even though it is 7-bit", "\x1B$BF|K\\\x1B(B", "iso-2022-jp", "日本",
         "iso-2022-jp", false},
        {"gb2312 read as its superset", "\xD3\xCA\xBC\xFE", "gb2312", "邮件", "gb2312", false},
        {"NUL bytes replaced", std::string("a\0b", 3), "utf-8", "a\xEF\xBF\xBD" "b", "utf-8", false},
    };
    for (const auto& c : cases) {
        const std::string captured(c.name);
        CAPTURE(captured);
        const auto decoded = decode_text(c.bytes, c.declared);
        CHECK(decoded.text == c.text);
        CHECK(decoded.charset == c.charset);
        CHECK(decoded.fallback == c.fallback);
        CHECK(is_valid_utf8(decoded.text));
    }
}

TEST_CASE("utf-8 validation rejects overlong forms, surrogates and truncation") {
    CHECK(is_valid_utf8("ÄÖ€😀"));
    CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
    CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
    CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
    CHECK_FALSE(is_valid_utf8("\xE2\x82"));          // truncated
    CHECK(repair_utf8("a\xFF" "b") == "a\xEF\xBF\xBD" "b");
}

TEST_CASE("encoded words are decoded in any charset, joined across splits and folds") {
    struct Case {
        const char* name;
        std::string raw;
        std::string hint;
        std::string text;
    };
    const Case cases[] = {
        {"adjacent words in three charsets",
         " =?iso-8859-4?Q?Piepras=EFjums_?= =?utf-8?B?LyBQw6RyaW5nIA==?= =?windows-1257?Q?=2F_U=FEklausa?=", "",
         "Pieprasījums / Päring / Užklausa"},
        {"a UTF-8 character split between two padded B words",
         " =?utf-8?B?UmU6IFtIRC0xMDI1MV0gww==?=\n =?utf-8?B?lWlndXNlZCBwdXVkdXZhZA==?=", "",
         "Re: [HD-10251] Õigused puuduvad"},
        {"a word broken by folding", " =?utf-8?Q?Py=C3=B6r=C3=A4_ei_k=C3=A4\n\tynnisty?=", "", "Pyörä ei käynnisty"},
        {"text around words keeps its spaces", " Re: =?utf-8?Q?p=C3=A4iv=C3=A4?= ok", "", "Re: päivä ok"},
        {"RFC 2231 language in a word", " =?utf-8*fi?Q?Hyv=C3=A4=C3=A4?=", "", "Hyvää"},
        {"iso-8859-1 word with windows-1252 bytes", " =?iso-8859-1?Q?=93hei=94?=", "", "“hei”"},
        {"raw 8-bit header read with the body's charset", " \xD3\xCA\xBC\xFE", "gb2312", "邮件"},
        {"raw UTF-8 header", " Kadri M\xC3\xA4gi", "iso-8859-1", "Kadri Mägi"},
        {"encoded CR LF cannot inject a header line", " =?utf-8?Q?a=0D=0ABcc:_x@y?=", "", "a Bcc: x@y"},
        {"malformed word left as text", " =?utf-8?Q?never closed", "", "=?utf-8?Q?never closed"},
        {"unknown charset word guessed", " =?x-nonsense?Q?P=E4iv=E4?=", "", "Päivä"},
        {"a B word that is not base64 left as text", " =?utf-8?B?not base64!!?= and =?iso-8859-1?q?caf=E9?=", "",
         "=?utf-8?B?not base64!!?= and café"},
        {"a B word folded inside its payload", " =?utf-8?B?UMOkaXbD\n pA==?=", "", "Päivä"},
    };
    for (const auto& c : cases) {
        const std::string captured(c.name);
        CAPTURE(captured);
        CHECK(decode_header_text(c.raw, c.hint).text == c.text);
    }
}

TEST_CASE("address lists decode names GMime's parser would miss") {
    const auto list = decode_address_list(
        " \"Erik =?iso-8859-13?q?B=E5gfors?=\" <zindar@gmail.com>, =?windows-1257?B?VPVudSDVdW4=?= "
        "<tonu@naidis.ee>,\n undisclosed-recipients:;, Jaakko =?ISO-8859-1?Q?Hyv=E4tti?= <jaakko@hyvatti.iki.fi>");
    REQUIRE(list.size() == 3);
    CHECK(list[0].name == "Erik Bågfors");
    CHECK(list[0].address == "zindar@gmail.com");
    CHECK(list[1].name == "Tõnu Õun");
    CHECK(list[2].name == "Jaakko Hyvätti");
    CHECK(format_address_list(list) ==
          "Erik Bågfors <zindar@gmail.com>, Tõnu Õun <tonu@naidis.ee>, Jaakko Hyvätti <jaakko@hyvatti.iki.fi>");
}

namespace {

// Whether a shared object whose path ends in `suffix` (e.g. "/gconv/ISO-2022-JP.so") is loaded.
bool loaded(const char* suffix) {
    struct Search {
        const char* suffix;
        bool found = false;
    } search{suffix};
    dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t, void* data) {
            auto* s = static_cast<Search*>(data);
            const std::size_t n = std::strlen(info->dlpi_name), m = std::strlen(s->suffix);
            if (n >= m && std::strcmp(info->dlpi_name + n - m, s->suffix) == 0) s->found = true;
            return 0;
        },
        &search);
    return search.found;
}

}  // namespace

TEST_CASE("a charset once converted keeps its iconv module loaded, so GMime's next conversion does not dlopen it") {
    ensure_gmime();
    CHECK(convert_to_utf8("\x1b$BF|K\\\x1b(B", "iso-2022-jp") == "\xE6\x97\xA5\xE6\x9C\xAC");  // 日本
    // glibc unloads an unused module after a couple of other modules' descriptors close: open
    // and close converters the way GMime does for each encoded word.
    for (const char* other : {"iso-8859-7", "cp1257", "iso-8859-7", "koi8-u", "iso-8859-7", "cp1257"}) {
        iconv_t cd = g_mime_iconv_open("UTF-8", other);
        REQUIRE(cd != reinterpret_cast<iconv_t>(-1));
        g_mime_iconv_close(cd);
    }
    CHECK(loaded("/gconv/ISO-2022-JP.so"));
    CHECK(loaded("/gconv/CP1257.so"));  // kept from the start: one of the common European charsets
}
