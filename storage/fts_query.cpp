#include "storage/fts_query.hpp"

#include "storage/sqlite_connection.hpp"

#include <sqlite3.h>

#include <array>

namespace triage::sqlite {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

fts5_api* fts5_of(sqlite3* db) {
    // The documented way to reach the FTS5 C API: pass a pointer through `SELECT fts5(?)`.
    fts5_api* api = nullptr;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, nullptr) == SQLITE_OK) {
        sqlite3_bind_pointer(stmt, 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
        sqlite3_step(stmt);
    }
    sqlite3_finalize(stmt);
    if (!api) throw Error{SQLITE_ERROR, "this SQLite library has no FTS5"};
    return api;
}

struct PhraseBuilder {
    std::string phrase;
    bool empty = true;
};

int add_token(void* context, int flags, const char* token, int size, int /*start*/, int /*end*/) {
    if (flags & FTS5_TOKEN_COLOCATED) return SQLITE_OK;  // a synonym of the previous token
    auto& builder = *static_cast<PhraseBuilder*>(context);
    if (!builder.empty) builder.phrase += ' ';
    for (char c : std::string_view{token, static_cast<std::size_t>(size)}) {
        if (c == '"') builder.phrase += '"';  // unicode61 never yields '"', but stay safe if that changes
        builder.phrase += c;
    }
    builder.empty = false;
    return SQLITE_OK;
}

}  // namespace

std::vector<SearchWord> split_search_words(std::string_view text) {
    std::vector<SearchWord> words;
    std::size_t i = 0;
    while (i < text.size() && words.size() < kMaxSearchWords) {
        while (i < text.size() && is_space(text[i])) ++i;
        std::size_t start = i;
        while (i < text.size() && !is_space(text[i])) ++i;
        std::string_view word = text.substr(start, i - start);
        bool prefix = false;
        while (!word.empty() && word.back() == '*') {
            word.remove_suffix(1);
            prefix = true;
        }
        if (!word.empty()) words.push_back({std::string{word}, prefix});
    }
    return words;
}

SearchTokenizer::SearchTokenizer(sqlite3* db) : methods_{std::make_unique<fts5_tokenizer>()} {
    fts5_api* api = fts5_of(db);
    void* user_data = nullptr;
    if (int rc = api->xFindTokenizer(api, "unicode61", &user_data, methods_.get()); rc != SQLITE_OK)
        throw Error{rc, "FTS5 has no unicode61 tokenizer"};
    // Must match the `tokenize` option of ticket_text in the schema.
    std::array<const char*, 2> options{"remove_diacritics", "2"};
    if (int rc = methods_->xCreate(user_data, options.data(), static_cast<int>(options.size()), &tokenizer_);
        rc != SQLITE_OK)
        throw Error{rc, "cannot create the unicode61 tokenizer"};
}

SearchTokenizer::~SearchTokenizer() {
    if (tokenizer_) methods_->xDelete(tokenizer_);
}

std::vector<std::string> SearchTokenizer::phrases(std::string_view text) {
    std::vector<std::string> out;
    for (const SearchWord& word : split_search_words(text)) {
        PhraseBuilder builder;
        builder.phrase = "\"";
        int rc = methods_->xTokenize(tokenizer_, &builder, FTS5_TOKENIZE_QUERY, word.text.data(),
                                     static_cast<int>(word.text.size()), add_token);
        if (rc != SQLITE_OK) throw Error{rc, "tokenizing search text"};
        if (builder.empty) continue;  // punctuation, emoji: nothing the index could hold
        builder.phrase += '"';
        if (word.prefix) builder.phrase += '*';
        out.push_back(std::move(builder.phrase));
    }
    return out;
}

}  // namespace triage::sqlite
