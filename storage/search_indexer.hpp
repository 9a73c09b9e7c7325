// SearchIndexer: keeps the full-text index of ticket subjects and message bodies in its own
// SQLite file (`<name>.search.db`), written by its own thread, so indexing never sits on the
// writer's commit path: the writer hands each committed batch's changes over, the indexer
// applies them in commit order, many batches in one sorted pass. A durable watermark says
// up to which message and ticket the index is complete; recover() indexes the rest after a
// crash. Readers wait (briefly) for the index to catch up with what was committed before
// their search began, so a search after a write finds it. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace triage::sqlite {

class Connection;

struct IndexChange {
    std::int64_t rowid;  // -ticket id for a subject, the message id for a body
    std::string text;
    bool remove;  // a contentless FTS5 row is removed by repeating the text it indexed
};

class SearchIndexer {
public:
    // Opens (creating and migrating) the index next to the main database file.
    SearchIndexer(const std::filesystem::path& search_path, bool durable);
    ~SearchIndexer();  // stop()
    SearchIndexer(const SearchIndexer&) = delete;
    SearchIndexer& operator=(const SearchIndexer&) = delete;

    static std::filesystem::path path_for(const std::filesystem::path& main_db);

    // Indexes the rows of the main database above the watermark. Call before start().
    void recover(Connection& main);
    void start();
    void stop();  // applies what is queued, then ends the thread; idempotent

    // A committed batch's changes, in commit order. Called by the writer after COMMIT.
    void enqueue(std::vector<IndexChange> changes);
    // Waits until everything enqueued before this call is indexed, at most `limit`.
    void wait_until_current(std::chrono::milliseconds limit);

private:
    void run();
    void apply(std::vector<IndexChange>& changes);  // one transaction, watermark included

    // How long the indexer gathers committed changes before an FTS5 commit, and how many
    // rows end the gathering early. Searches never wait for the gathering.
    static constexpr std::chrono::milliseconds kGatherFor{50};
    static constexpr std::size_t kGatherRows = 8192;
    // Tries of one batch before it is left to the next start (about a minute of pauses).
    static constexpr int kApplyAttempts = 16;

    std::unique_ptr<Connection> connection_;  // the indexer thread's (recover() before start)
    std::mutex mutex_;
    std::condition_variable wake_;     // the indexer: work or stop
    std::condition_variable indexed_;  // readers: progress
    std::vector<IndexChange> queue_;   // guarded by mutex_
    std::uint64_t enqueued_ = 0;       // batches handed over; guarded by mutex_
    std::uint64_t applied_ = 0;        // batches indexed; guarded by mutex_
    int searchers_waiting_ = 0;        // guarded by mutex_
    bool stopping_ = false;            // guarded by mutex_
    std::thread thread_;
};

}  // namespace triage::sqlite
