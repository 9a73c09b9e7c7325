#include "engine/language_guess.hpp"

#include <doctest/doctest.h>

#include <string>

using triage::guess_language;
using triage::guess_language_if_clear;

TEST_CASE("a customer's text in one of the desk's languages is guessed clearly") {
    struct Row {
        const char* language;
        const char* text;
    };
    const Row rows[] = {
        {"fi", "Hei, tilasin tuotteen kaksi viikkoa sitten, mutta seuranta näyttää yhä, että lähetys on matkalla. "
               "Pakkaus oli revennyt ja laitteen kulmassa on selvä lommo."},
        {"fi", "Hyvä asiakaspalvelu, muutin uuteen osoitteeseen ja haluaisin päivittää yhteystietoni. "
               "En löydä asetuksista kohtaa, josta sen voisi vaihtaa. Ystävällisin terveisin, Aino"},
        {"fi", "Moi! Sovellus kaatuu aina kun avaan sen, eikä uudelleenasennus auta. Mitä voin tehdä?"},
        {"et", "Tere, pakend oli rebenenud ja seadme nurgas on selge mõlk. Sooviksin uut saadetist või raha "
               "tagastamist niipea kui võimalik."},
        {"et", "Tere! Proovin teenusesse sisse logida, kuid saan veateate. Probleem algas pärast eilset uuendust."},
        {"et", "Kolisin Tartusse ja sooviksin oma kontaktandmeid uuendada. Lugupidamisega, Mari"},
        {"lv", "Labdien, iepakojums bija saplēsts, un ierīces stūrī ir skaidri redzams iespiedums."},
        {"lv", "Esmu pārcēlies uz Rīgu un vēlētos atjaunināt savu kontaktinformāciju. Ar cieņu, Jānis"},
        {"en", "Hello, the box was torn open and the device has a visible dent in one corner. "
               "I would like a replacement or a refund as soon as possible."},
        {"en", "I cannot find the place in the settings where I could change the address myself."},
    };
    for (const auto& row : rows) {
        CAPTURE(row.text);
        CHECK(guess_language_if_clear(row.text) == row.language);
        CHECK(guess_language(row.text) == row.language);
    }
}

TEST_CASE("words two of the languages share do not settle a guess between them") {
    // "ja", "on", "ei", "ole" are Finnish and Estonian alike.
    CHECK(guess_language_if_clear("ja on ei ole ja on") == "und");
    CHECK(guess_language_if_clear("") == "und");
    CHECK(guess_language_if_clear("12345 !!! ###") == "und");
    CHECK(guess_language_if_clear("Tilausnumero 55512") == "und");  // too little to go on
}

TEST_CASE("long and odd input is guessed without trouble") {
    std::string long_word(200, 'a');
    CHECK(guess_language(long_word + " the and is you") == "en");
    std::string big;
    while (big.size() < 10'000) big += "Tere, palun saatke arve uuesti. ";
    CHECK(guess_language_if_clear(big) == "et");
    CHECK(guess_language("\xC3") == "und");  // a cut UTF-8 sequence at the end
}
