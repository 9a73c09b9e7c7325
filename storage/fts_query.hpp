// Search text to FTS5 query, so a person's words never become FTS5 syntax: split on white space
// (a trailing '*' asks for a prefix), re-tokenized by the index's tokenizer, quoted as phrases.
// split_search_words is pure; a SearchTokenizer belongs to one connection's thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct fts5_tokenizer;
struct Fts5Tokenizer;

namespace triage::sqlite {

// Words past this many are ignored: each word is one index lookup.
inline constexpr std::size_t kMaxSearchWords = 16;

struct SearchWord {
    std::string text;     // as typed, without the trailing '*'
    bool prefix = false;  // typed with a trailing '*'
};

std::vector<SearchWord> split_search_words(std::string_view text);

// The tokenizer of the `ticket_text` index (unicode61, remove_diacritics 2; see
// storage/sqlite_schema.cpp), used to turn words into phrases the index can match.
class SearchTokenizer {
public:
    explicit SearchTokenizer(sqlite3* db);  // throws sqlite::Error when FTS5 is missing
    ~SearchTokenizer();
    SearchTokenizer(const SearchTokenizer&) = delete;
    SearchTokenizer& operator=(const SearchTokenizer&) = delete;

    // One FTS5 phrase per word that has a token, e.g. `"paiva"` or `"e mail"*`; each is safe
    // to pass alone as the right side of MATCH. Empty when nothing searchable remains.
    std::vector<std::string> phrases(std::string_view text);

private:
    std::unique_ptr<fts5_tokenizer> methods_;
    Fts5Tokenizer* tokenizer_ = nullptr;
};

}  // namespace triage::sqlite
