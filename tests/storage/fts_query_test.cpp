#include "storage/fts_query.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

using namespace triage::sqlite;

namespace {

std::vector<std::string> phrases(std::string_view text) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
    std::vector<std::string> out;
    {
        SearchTokenizer tokenizer{db};
        out = tokenizer.phrases(text);
    }
    sqlite3_close(db);
    return out;
}

}  // namespace

TEST_CASE("search text splits on white space and a trailing star asks for a prefix") {
    auto words = split_search_words("  lasku*  \t päivä\n**  e-mail** ");
    REQUIRE(words.size() == 3);
    CHECK(words[0].text == "lasku");
    CHECK(words[0].prefix);
    CHECK(words[1].text == "päivä");
    CHECK_FALSE(words[1].prefix);
    CHECK(words[2].text == "e-mail");
    CHECK(words[2].prefix);
    CHECK(split_search_words("").empty());
    CHECK(split_search_words(std::string(20, 'a') + std::string(100, ' ') + "b").size() == 2);
    std::string many;
    for (int i = 0; i < 40; ++i) many += "w" + std::to_string(i) + " ";
    CHECK(split_search_words(many).size() == kMaxSearchWords);
}

TEST_CASE("each searchable word becomes a quoted phrase of folded tokens") {
    CHECK(phrases("Päivä ŠŪNA Tõnu") == std::vector<std::string>{"\"paiva\"", "\"suna\"", "\"tonu\""});
    CHECK(phrases("e-mail* NEAR(") == std::vector<std::string>{"\"e mail\"*", "\"near\""});
    CHECK(phrases("\" * - 😀 ( ) :").empty());
    CHECK(phrases("say \"hi\"") == std::vector<std::string>{"\"say\"", "\"hi\""});
}
