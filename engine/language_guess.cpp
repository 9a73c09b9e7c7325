#include "engine/language_guess.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace triage {
namespace {

constexpr std::array<std::string_view, 4> kLanguages{"en", "fi", "et", "lv"};

// Common words of each language (lower case). A word listed for two languages ("ja", "on",
// "ei", "kas", "no") tells nothing between them: only a word that one language alone lists
// counts, so shared function words cannot make Finnish look Estonian or the other way round.
const std::array<std::vector<std::string_view>, kLanguages.size()> kWords{{
    {"the", "and", "is", "you", "my", "not", "have", "please", "hello", "thanks", "with", "for", "this",
     "that", "are", "was", "can", "our", "your", "we", "to", "of", "it", "hi", "i", "am", "be", "been",
     "would", "could", "from", "but", "on", "in", "an", "a", "do", "does", "did", "has", "had", "will",
     "me", "what", "when", "there", "which", "regards", "dear", "thank", "again", "order", "still", "no"},
    {"ja", "on", "ei", "en", "hei", "kiitos", "että", "se", "ole", "olen", "minä", "mutta", "tämä",
     "kun", "myös", "voitteko", "lasku", "laskua", "saanut", "ystävällisin", "terveisin", "onko",
     "mitä", "vielä", "tai", "jos", "ovat", "olla", "oli", "minun", "sinun", "hyvä", "tämän", "sen",
     "siitä", "jo", "nyt", "kuin", "mikään", "mihin", "josta", "yhä", "uudelleen", "haluaisin", "voisitteko",
     "olisi", "tilaus", "tilauksesta", "moi", "terve", "kanssa", "koska", "vaikka", "minulla", "teidän"},
    {"ja", "on", "ei", "tere", "aitäh", "et", "see", "ma", "mul", "kas", "palun", "oli", "ole",
     "arve", "arvet", "saanud", "lugupidamisega", "mis", "veel", "kuid", "või", "teie", "meie", "siis",
     "ning", "ka", "oma", "nii", "kui", "minu", "juba", "mulle", "seda", "kus", "kuhu", "pärast", "eest",
     "tänan", "uuesti", "ikka", "nüüd", "olen", "saaksin", "sooviksin", "tellimus", "tellimuse", "head",
     "mind", "teil", "selle", "aga", "väga"},
    {"un", "ir", "nav", "labdien", "paldies", "es", "lūdzu", "man", "jūs", "vai", "ar", "kas",
     "par", "rēķins", "rēķinu", "saņēmu", "cieņu", "bet", "uz", "no", "šo", "jau", "arī", "ka", "tas",
     "to", "pēc", "gan", "lai", "jūsu", "mans", "manu", "esmu", "nevaru", "ļoti", "sveiki", "kā", "tika",
     "vēl", "kur", "tagad", "pasūtījumu", "pasūtījums", "vēlos", "varat", "kad", "šis", "bija", "tiek"},
}};

// FNV-1a, fed a byte at a time while a word is read.
constexpr std::uint32_t kFnvBasis = 2166136261u;
constexpr std::uint32_t fnv_step(std::uint32_t h, unsigned char c) { return (h ^ c) * 16777619u; }

// word -> bit l set when kLanguages[l] lists it: an open-addressing table, as this runs
// for every word of every enquiry.
class WordTable {
public:
    WordTable() {
        for (std::size_t l = 0; l < kWords.size(); ++l)
            for (auto w : kWords[l]) {
                std::uint32_t h = kFnvBasis;
                for (char c : w) h = fnv_step(h, static_cast<unsigned char>(c));
                Slot& slot = find_slot(w, h);
                slot.word = w;
                slot.mask |= static_cast<std::uint8_t>(1u << l);
            }
    }
    // 0 when no language lists the word.
    std::uint8_t mask(std::string_view word, std::uint32_t hash) const {
        for (std::size_t i = hash & (kSlots - 1);; i = (i + 1) & (kSlots - 1)) {
            const Slot& slot = slots_[i];
            if (slot.word.empty()) return 0;
            if (slot.word == word) return slot.mask;
        }
    }

private:
    static constexpr std::size_t kSlots = 2048;  // a power of two, several times the words listed
    struct Slot {
        std::string_view word;
        std::uint8_t mask = 0;
    };
    Slot& find_slot(std::string_view word, std::uint32_t hash) {
        for (std::size_t i = hash & (kSlots - 1);; i = (i + 1) & (kSlots - 1))
            if (slots_[i].word.empty() || slots_[i].word == word) return slots_[i];
    }
    std::array<Slot, kSlots> slots_{};
};

const WordTable& word_table() {
    static const WordTable table;
    return table;
}

bool is_word_byte(unsigned char c) { return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

struct Scores {
    std::array<int, kLanguages.size()> score{};  // telling words and letters, in kLanguages order
    int words = 0;
};

// A two-byte UTF-8 letter (all the telling ones are) as one number: "õ" -> 0xC3B5.
constexpr unsigned pair(std::string_view s) {
    return (static_cast<unsigned char>(s[0]) << 8) | static_cast<unsigned char>(s[1]);
}

Scores language_scores(std::string_view text) {
    if (text.size() > 4096) text = text.substr(0, 4096);
    const auto& table = word_table();
    Scores out;
    int estonian_letters = 0, latvian_letters = 0, y_letters = 0;
    char word[48];
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && !is_word_byte(static_cast<unsigned char>(text[i]))) ++i;
        std::size_t length = 0;
        std::uint32_t hash = kFnvBasis;
        bool too_long = false;
        while (i < text.size() && is_word_byte(static_cast<unsigned char>(text[i]))) {
            auto c = static_cast<unsigned char>(text[i]);
            if (c >= 0xC0 && i + 1 < text.size()) {
                switch ((c << 8) | static_cast<unsigned char>(text[i + 1])) {
                    case pair("õ"): case pair("Õ"): case pair("ü"): case pair("Ü"): ++estonian_letters; break;
                    case pair("ā"): case pair("Ā"): case pair("ē"): case pair("Ē"): case pair("ī"): case pair("Ī"):
                    case pair("ū"): case pair("Ū"): case pair("ķ"): case pair("Ķ"): case pair("ļ"): case pair("Ļ"):
                    case pair("ņ"): case pair("Ņ"): case pair("ģ"): case pair("Ģ"): ++latvian_letters; break;
                    default: break;
                }
            }
            if (c == 'y' || c == 'Y') ++y_letters;
            if (length < sizeof word) {
                const auto lower = static_cast<unsigned char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
                word[length++] = static_cast<char>(lower);
                hash = fnv_step(hash, lower);
            } else {
                too_long = true;
            }
            ++i;
        }
        if (length == 0) break;
        ++out.words;
        if (too_long) continue;
        const unsigned mask = table.mask(std::string_view(word, length), hash);
        if (mask == 0) continue;
        if ((mask & (mask - 1)) != 0) continue;  // listed by two languages: tells nothing between them
        for (std::size_t l = 0; l < kLanguages.size(); ++l)
            if (mask & (1u << l)) ++out.score[l];
    }
    // Letters only one of the languages uses settle close calls: õ and ü are Estonian (of the
    // four), the macrons and cedillas Latvian; y is common in Finnish and absent from native
    // Estonian and Latvian words.
    if (estonian_letters > 0) out.score[2] += 1 + std::min(estonian_letters, 2);
    if (latvian_letters > 0) out.score[3] += 1 + std::min(latvian_letters, 2);
    if (y_letters >= 2 && estonian_letters == 0 && latvian_letters == 0) out.score[1] += 1;
    return out;
}

std::size_t best_of(const Scores& s) {
    std::size_t best = 0;
    for (std::size_t l = 1; l < kLanguages.size(); ++l)
        if (s.score[l] > s.score[best]) best = l;
    return best;
}

}  // namespace

std::string guess_language(std::string_view text) {
    const auto scores = language_scores(text);
    const auto best = best_of(scores);
    if (scores.words == 0 || scores.score[best] == 0) return "und";
    return std::string(kLanguages[best]);
}

std::string guess_language_if_clear(std::string_view text) {
    const auto scores = language_scores(text);
    const auto best = best_of(scores);
    int runner_up = 0;
    for (std::size_t l = 0; l < kLanguages.size(); ++l)
        if (l != best) runner_up = std::max(runner_up, scores.score[l]);
    if (scores.score[best] < 3 || scores.score[best] < 2 * runner_up) return "und";
    return std::string(kLanguages[best]);
}

}  // namespace triage
