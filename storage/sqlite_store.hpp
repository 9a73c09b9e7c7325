// SqliteStore: the engine's Store on one SQLite file in WAL mode. A writer thread owns the
// write connection and runs posted units in group commits (one transaction, one fsync for all
// queued); readers are pooled read-only connections. Thread-safe: call from any thread.
#pragma once

#include "engine/committed_changes.hpp"
#include "engine/store.hpp"

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

struct sqlite3;

namespace triage {

namespace sqlite {
class Tx;
class ReaderPool;
class SearchIndexer;
}  // namespace sqlite

struct SqliteOptions {
    // true: synchronous=FULL, the WAL is fsynced at every commit, so a unit whose `done` ran
    // survives power loss. false: synchronous=NORMAL, survives a crash of the process but a
    // power cut may lose the last commits (tests, throwaway databases).
    bool durable = true;
    // Units per transaction. Small on purpose: with 64 clients in flight, batches of 32 let
    // the writer run one batch while the disk syncs the one before (two batches in flight),
    // where one batch of all 64 left the writer waiting on every sync and the clients in
    // lockstep: 20.7k creates/s against 17.9k (bench/api_bench, 2 cores). A sync still covers
    // every commit made while it ran.
    int max_batch = 32;
    int readers = 4;       // read connections opened up front; more are opened on demand
    // The WAL length (pages) at which a writer that never pauses waits, before its next batch,
    // for a checkpoint of everything, so the WAL starts again from its top (restart_wal_if_long).
    // Each wait costs the copy of the last commit (~150 ms for an import commit of 48K tickets),
    // so it comes seldom: 128 MiB.
    int wal_restart_pages = 32768;
};

class SqliteStore final : public Store {
public:
    // Opens or creates the database at `db_path` (its directory must exist) and migrates it
    // to the latest schema (":memory:" means open_in_memory). Throws std::runtime_error naming
    // the path when the file cannot be opened, is not a database, or has a newer schema.
    static std::unique_ptr<SqliteStore> open(const std::filesystem::path& db_path, SqliteOptions opts = {});

    // A private database for tests and tools: a fresh file in /dev/shm (RAM) when there is
    // one, else in the temporary directory, deleted with the store and its last reader lease.
    // Same code paths as a file database (WAL, read-only readers); `durable` is forced off.
    static std::unique_ptr<SqliteStore> open_in_memory(SqliteOptions opts = {});

    static int latest_schema_version() noexcept;

    ~SqliteStore() override;  // stop(), then closes the database
    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

    // `done` must not throw (it runs on the writer thread: a throw ends the process), and
    // neither `work` nor `done` may wait for another write, which would deadlock the writer.
    // After stop(), `done` is called at once, on the caller's thread, with an error.
    void post_write(Work work, Done done) override;
    std::shared_ptr<StoreReader> reader() override;

    // Runs every unit already posted, then ends the writer thread. Idempotent; blocks.
    // Not to be called from `work` or `done`.
    void stop();

    // Copies the WAL into the database file and truncates the WAL. Blocks; throws on error.
    void checkpoint();

    // Calls `observer` on the writer thread after each commit with what it wrote (before the
    // units' `done`; with a durable store, also before the fsync). It must be quick and must
    // not throw or write. Set once, before serving; blocks until the writer has it. `before`
    // runs in the writer's transaction just before (reading with the StoreTx it is given), so
    // what it reads is exactly the state the observer's first changes follow.
    using CommitObserver = std::function<void(CommittedChanges&&)>;
    void observe_commits(CommitObserver observer, const std::function<void(StoreTx&)>& before = {});

    // Calls `fn` on the writer thread when another connection (another process, such as the
    // `triage` CLI importing mail, calls or history into a running server's database) has
    // committed tickets, messages or events since the last look: before each batch, and
    // every idle moment. `fn` must be quick (hand the work to another thread) and must not
    // throw. Set once, before serving; blocks until the writer has it.
    void on_external_commit(std::function<void()> fn);

    int schema_version() const noexcept { return schema_version_; }
    const std::filesystem::path& path() const noexcept { return path_; }

private:
    struct Unit {
        Work work;
        Done done;
    };

    SqliteStore(const std::filesystem::path& path, SqliteOptions opts, bool temporary);
    void run_writer();
    void run_batch(std::vector<Unit>& batch);
    void release_idle_memory() noexcept;  // writer thread only
    // A unit in its own savepoint: a refusal or a throw undoes only its writes.
    std::exception_ptr run_unit(Unit& unit);
    // A unit without a savepoint (they cost a third of a small unit's writing). A refusal or
    // a throw before any write is harmless; after a write it sets `replay`: the batch must be
    // rolled back and run again with savepoints.
    std::exception_ptr run_unit_unguarded(Unit& unit, bool& replay);

    const std::filesystem::path path_;
    const SqliteOptions opts_;
    const bool temporary_;  // an open_in_memory database, removed with the store
    int schema_version_ = 0;

    std::unique_ptr<sqlite::Tx> tx_;  // owns the write connection; writer thread only after start
    std::shared_ptr<sqlite::SearchIndexer> indexer_;  // shared with the readers that wait on it
    std::shared_ptr<sqlite::ReaderPool> readers_;  // shared with outstanding leases

    std::mutex mutex_;
    std::condition_variable wake_writer_;
    std::deque<Unit> queue_;   // guarded by mutex_; a deque, as the writer takes from the front
    bool stopping_ = false;    // guarded by mutex_

    std::mutex stop_mutex_;  // serialises stop(), hence the join
    std::thread writer_;

    // Pipelined group commit (durable stores): the writer commits without waiting for the
    // disk and goes on with the next batch, while this thread fdatasyncs the WAL and only
    // then calls the committed units' `done`. One fdatasync covers every batch committed
    // before it began.
    struct Acknowledgement {
        Done done;
        std::exception_ptr error;
    };
    void run_syncer();
    std::mutex sync_mutex_;
    std::condition_variable wake_syncer_;
    std::vector<Acknowledgement> awaiting_sync_;  // guarded by sync_mutex_
    bool syncer_stopping_ = false;                // guarded by sync_mutex_
    // An fdatasync is running. A commit meanwhile waits for the next one anyway, so the writer
    // keeps its batch open for units arriving until this drops (run_batch): fewer, fuller
    // commits, each writing its hot pages (index leaves, roots) to the WAL once for all of them.
    std::atomic<bool> syncing_{false};
    std::thread syncer_;

    // WAL checkpoints run on their own thread and connection, off the writer's path: the
    // writer's WAL hook wakes it once the WAL holds kCheckpointPages pages.
    static int on_wal_commit(void* self, sqlite3* db, const char* name, int pages);
    void run_checkpointer();
    std::mutex checkpoint_mutex_;
    std::condition_variable wake_checkpointer_;
    bool checkpoint_wanted_ = false;     // guarded by checkpoint_mutex_
    bool checkpointer_stopping_ = false;  // guarded by checkpoint_mutex_
    std::thread checkpointer_;
    // The WAL restarts from its top (SQLite reuses the file) only when a write transaction
    // begins with every frame already copied into the database file. A writer that never
    // pauses never sees that, so the WAL would grow without end (1 GiB over a 1M-ticket
    // import), each new frame a newly allocated, zeroed block. Once the WAL is long, the
    // writer waits, before its next batch, for a checkpoint pass to cover its last commit
    // (restart_wal_if_long), so the WAL restarts and its file is written over in place.
    void restart_wal_if_long();
    std::condition_variable checkpoint_done_;
    std::uint64_t wal_commits_ = 0;           // guarded by checkpoint_mutex_: main's commits, as the WAL hook saw them
    std::uint64_t checkpointed_through_ = 0;  // guarded by checkpoint_mutex_: a pass copied every frame of these
    std::atomic<int> wal_pages_{0};           // main's WAL frames after the last commit
    int wal_restart_at_;                      // writer thread only: the WAL length that makes it wait
    std::mutex pass_mutex_;                   // held through a checkpoint pass; checkpoint() takes it too

    CommitObserver commit_observer_;  // writer thread only (set by a unit of work)

    // External commits (writer thread only). PRAGMA data_version changes only when another
    // connection commits; the highest ticket, message and event ids then tell whether it
    // was ticket data (and not, say, a login session).
    std::array<std::int64_t, 3> max_ids();
    void check_external_commits();
    std::function<void()> external_commit_;
    std::int64_t data_version_ = -1;
    std::array<std::int64_t, 3> known_max_ids_{};  // as of the writer's own last commit
};

}  // namespace triage
