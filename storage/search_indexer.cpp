#include "storage/search_indexer.hpp"

#include "storage/sqlite_connection.hpp"
#include "storage/sqlite_schema.hpp"

#include <algorithm>
#include <pthread.h>
#include <sqlite3.h>

namespace triage::sqlite {

std::filesystem::path SearchIndexer::path_for(const std::filesystem::path& main_db) {
    auto path = main_db;
    path.replace_extension(".search.db");
    return path;
}

SearchIndexer::SearchIndexer(const std::filesystem::path& search_path, bool durable)
    : connection_{std::make_unique<Connection>(search_path.string(), Connection::Mode::read_write)} {
    connection_->exec("PRAGMA journal_mode = WAL");
    // The index can always be rebuilt from the main database above its watermark, so it
    // needs no fsync per commit; `durable` only decides whether a power cut costs a rebuild.
    connection_->exec(durable ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = OFF");
    connection_->exec("PRAGMA temp_store = MEMORY; PRAGMA cache_size = -8192");
    migrate_search(*connection_);
}

SearchIndexer::~SearchIndexer() { stop(); }

void SearchIndexer::recover(Connection& main) {
    std::int64_t message_mark = 0, ticket_mark = 0;
    {
        auto row = connection_->query("SELECT message_id, ticket_id FROM search_watermark WHERE id = 1");
        if (row.step()) message_mark = row.int64(0), ticket_mark = row.int64(1);
    }
    std::vector<IndexChange> missing;
    {
        auto rows = main.query("SELECT id, subject FROM tickets WHERE id > ?1");
        rows.bind_all(ticket_mark);
        while (rows.step()) missing.push_back({-rows.int64(0), rows.text(1), false});
    }
    {
        auto rows = main.query("SELECT id, body FROM messages WHERE id > ?1");
        rows.bind_all(message_mark);
        while (rows.step()) missing.push_back({rows.int64(0), rows.text(1), false});
    }
    if (!missing.empty()) apply(missing);
}

void SearchIndexer::start() {
    thread_ = std::thread{[this] {
        pthread_setname_np(pthread_self(), "triage-search");
        run();
    }};
}

void SearchIndexer::stop() {
    {
        std::lock_guard lock{mutex_};
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
}

void SearchIndexer::enqueue(std::vector<IndexChange> changes) {
    if (changes.empty()) return;
    bool wake;
    {
        std::lock_guard lock{mutex_};
        const bool was_empty = queue_.empty();
        std::move(changes.begin(), changes.end(), std::back_inserter(queue_));
        ++enqueued_;
        wake = was_empty || queue_.size() >= kGatherRows;
    }
    if (wake) wake_.notify_one();
}

void SearchIndexer::wait_until_current(std::chrono::milliseconds limit) {
    std::unique_lock lock{mutex_};
    const auto target = enqueued_;
    if (applied_ >= target) return;
    ++searchers_waiting_;  // cuts the indexer's gathering short
    wake_.notify_one();
    indexed_.wait_for(lock, limit, [&] { return applied_ >= target || stopping_; });
    --searchers_waiting_;
}

void SearchIndexer::run() {
    std::vector<IndexChange> batch;
    bool memory_released = true;
    for (;;) {
        std::uint64_t upto;
        {
            std::unique_lock lock{mutex_};
            if (!wake_.wait_for(lock, std::chrono::seconds(1), [&] { return !queue_.empty() || stopping_; })) {
                if (!memory_released) sqlite3_db_release_memory(connection_->handle());  // idle: give the cache back
                memory_released = true;
                continue;
            }
            if (queue_.empty()) return;  // stopping, and everything is indexed
            memory_released = false;
            // Under load, gather for a moment: one FTS5 commit of many batches costs far less
            // than many small ones (each commit flushes a segment that later merges redo).
            // A waiting search, a full queue or stopping ends the gathering at once.
            wake_.wait_for(lock, kGatherFor, [&] {
                return searchers_waiting_ > 0 || stopping_ || queue_.size() >= kGatherRows;
            });
            batch.swap(queue_);
            upto = enqueued_;
        }
        // A failed apply (most often SQLITE_BUSY: another process, such as the CLI's import,
        // holds the search database) is tried again with a growing pause, so the rows are not
        // missing from searches until the next start. Only a lasting failure gives up: the
        // rows then stay above the watermark and the next start's recover() indexes them.
        auto pause = std::chrono::milliseconds(50);
        for (int attempt = 1;; ++attempt) {
            try {
                apply(batch);
                break;
            } catch (const std::exception&) {
                if (attempt == kApplyAttempts) break;
                std::unique_lock lock{mutex_};
                if (wake_.wait_for(lock, pause, [&] { return stopping_; }) && attempt >= 2) break;
                pause = std::min(pause * 2, std::chrono::milliseconds(5000));
            }
        }
        batch.clear();
        {
            std::lock_guard lock{mutex_};
            applied_ = upto;
        }
        indexed_.notify_all();
    }
}

void SearchIndexer::apply(std::vector<IndexChange>& changes) {
    // FTS5 flushes a segment whenever a rowid is lower than the one before, and subject
    // (negative) and body (positive) rows alternate: sorted, a pass makes one segment.
    // Stable, so changes to one row keep their order (remove the old text, then add the new).
    std::stable_sort(changes.begin(), changes.end(),
                     [](const IndexChange& a, const IndexChange& b) { return a.rowid < b.rowid; });
    std::int64_t max_message = 0, max_ticket = 0;
    Transaction transaction{*connection_};
    for (const IndexChange& change : changes) {
        auto row = connection_->query(change.remove
                                          ? "INSERT INTO ticket_text (ticket_text, rowid, text) VALUES ('delete', ?1, ?2)"
                                          : "INSERT INTO ticket_text (rowid, text) VALUES (?1, ?2)");
        row.bind_all(change.rowid, change.text);
        row.run();
        if (change.rowid > 0) max_message = std::max(max_message, change.rowid);
        else max_ticket = std::max(max_ticket, -change.rowid);
    }
    // Ids grow in commit order and batches arrive in commit order, so everything up to the
    // highest id seen is indexed.
    auto mark = connection_->query(
        "UPDATE search_watermark SET message_id = max(message_id, ?1), ticket_id = max(ticket_id, ?2) WHERE id = 1");
    mark.bind_all(max_message, max_ticket);
    mark.run();
    transaction.commit();
}

}  // namespace triage::sqlite
