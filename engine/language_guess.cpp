#include "engine/language_guess.hpp"

#include "engine/text.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace triage {
namespace {

struct Words {
    std::string_view language;
    std::array<std::string_view, 24> words;
};

constexpr std::array kWords{
    Words{"en", {"the", "and", "is", "you", "my", "not", "have", "please", "hello", "thanks", "with", "for", "this",
                 "that", "are", "was", "can", "our", "your", "we", "to", "of", "it", "hi"}},
    Words{"fi", {"ja", "on", "ei", "en", "hei", "kiitos", "että", "se", "ole", "olen", "minä", "mutta", "tämä",
                 "kun", "myös", "voitteko", "lasku", "laskua", "saanut", "ystävällisin", "terveisin", "onko",
                 "mitä", "vielä"}},
    Words{"et", {"ja", "on", "ei", "tere", "aitäh", "et", "see", "ma", "mul", "kas", "palun", "oli", "ole",
                 "arve", "arvet", "saanud", "lugupidamisega", "mis", "veel", "kuid", "või", "teie", "meie", "siis"}},
    Words{"lv", {"un", "ir", "nav", "labdien", "paldies", "es", "lūdzu", "man", "jūs", "vai", "ar", "kas",
                 "par", "rēķins", "rēķinu", "saņēmu", "cieņu", "ar cieņu", "bet", "uz", "no", "šo", "jau", "arī"}},
};

bool is_word_byte(unsigned char c) { return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

namespace {

// Telling words (and letters) per language, in kWords order.
std::array<int, kWords.size()> language_scores(std::string_view text, int& words) {
    if (text.size() > 4096) text = text.substr(0, 4096);
    const std::string lower = ascii_lower(text);
    std::array<int, kWords.size()> score{};
    std::size_t i = 0;
    words = 0;
    while (i < lower.size()) {
        while (i < lower.size() && !is_word_byte(static_cast<unsigned char>(lower[i]))) ++i;
        std::size_t start = i;
        while (i < lower.size() && is_word_byte(static_cast<unsigned char>(lower[i]))) ++i;
        if (i == start) break;
        std::string_view word(lower.data() + start, i - start);
        ++words;
        for (std::size_t l = 0; l < kWords.size(); ++l)
            for (auto w : kWords[l].words)
                if (w == word) ++score[l];
    }
    // Letters only one of the languages uses settle close calls.
    auto has = [&](std::string_view s) { return text.find(s) != std::string_view::npos; };
    if (has("õ")) score[2] += 2;
    if (has("ā") || has("ē") || has("ī") || has("ū") || has("ķ") || has("ļ") || has("ņ") || has("ģ")) score[3] += 2;
    return score;
}

}  // namespace

std::string guess_language(std::string_view text) {
    int words = 0;
    const auto score = language_scores(text, words);
    std::size_t best = 0;
    for (std::size_t l = 1; l < kWords.size(); ++l)
        if (score[l] > score[best]) best = l;
    if (words == 0 || score[best] == 0) return "und";
    return std::string(kWords[best].language);
}

std::string guess_language_if_clear(std::string_view text) {
    int words = 0;
    const auto score = language_scores(text, words);
    std::size_t best = 0;
    for (std::size_t l = 1; l < kWords.size(); ++l)
        if (score[l] > score[best]) best = l;
    int runner_up = 0;
    for (std::size_t l = 0; l < kWords.size(); ++l)
        if (l != best) runner_up = std::max(runner_up, score[l]);
    if (score[best] < 3 || score[best] < 2 * runner_up) return "und";
    return std::string(kWords[best].language);
}

}  // namespace triage
