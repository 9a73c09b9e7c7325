#include "storage/sqlite_store.hpp"

#include "storage/search_indexer.hpp"
#include "storage/sqlite_bulk_load.hpp"
#include "storage/sqlite_connection.hpp"
#include "storage/sqlite_reader.hpp"
#include "storage/sqlite_schema.hpp"
#include "storage/sqlite_tx.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <iterator>
#include <stdexcept>
#include <string>

namespace triage {
namespace {

constexpr std::chrono::milliseconds kIdleBeforeRelease{400};
// WAL frames that wake the checkpointer (SQLite's own default is 1000). A checkpoint copies
// the latest version of every page in the WAL once, so under a stream of commits that each
// rewrite the same hot pages (index leaves and roots), a longer WAL between checkpoints
// copies each of them fewer times: 8000 (~32 MiB) took the form stream's checkpoint CPU from
// ~48 to ~28 us a post.
constexpr int kCheckpointPages = 8000;
// How long the writer waits at most for the checkpoint that lets the WAL start again
// (restart_wal_if_long). A wait that times out (a reader holding an old snapshot) doubles the
// length before the next one, so a long reader costs the writer one wait, not one per batch.
constexpr std::chrono::milliseconds kWalRestartWait{250};
constexpr std::chrono::milliseconds kBatchWindow{4};  // how long a commit keeps taking new units

void remove_database_files(const std::filesystem::path& path) noexcept {
    std::error_code ec;
    for (const auto& file : {path, sqlite::SearchIndexer::path_for(path)})
        for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file.string() + suffix, ec);
}

}  // namespace

namespace sqlite {

// Read-only connections, each wrapped in a Reader, lent out one thread at a time. Leases
// hold the pool alive, so a lease may outlive the store; the pool then also removes a
// temporary database's files, once the last connection to them is closed. Thread-safe.
class ReaderPool : public std::enable_shared_from_this<ReaderPool> {
public:
    ReaderPool(std::string path, bool temporary, std::shared_ptr<SearchIndexer> indexer)
        : path_{std::move(path)}, temporary_{temporary}, indexer_{std::move(indexer)} {}

    ~ReaderPool() {
        idle_.clear();
        if (temporary_) remove_database_files(path_);
    }

    void open_idle(int count) {
        for (int i = 0; i < count; ++i) give_back(open_reader().release());
    }

    // Hands back the page caches of the connections not lent out (the server is idle), and
    // closes the connections a burst of parallel reads opened beyond `keep`.
    void release_memory(std::size_t keep) {
        std::vector<std::unique_ptr<Reader>> extra;
        {
            std::lock_guard lock{mutex_};
            while (idle_.size() > keep) {
                extra.push_back(std::move(idle_.back()));
                idle_.pop_back();
            }
            for (auto& reader : idle_) sqlite3_db_release_memory(reader->connection().handle());
            released_at_lease_ = leases_;
        }
    }

    // Whether a reader was lent out since the last release_memory, and none for `quiet`.
    bool idle_after_use(std::chrono::steady_clock::duration quiet) {
        std::lock_guard lock{mutex_};
        return leases_ != released_at_lease_ && std::chrono::steady_clock::now() - last_return_ >= quiet;
    }

    std::shared_ptr<StoreReader> lease() {
        std::unique_ptr<Reader> reader;
        {
            std::lock_guard lock{mutex_};
            ++leases_;
            if (!idle_.empty()) {
                reader = std::move(idle_.back());
                idle_.pop_back();
            }
        }
        if (!reader) reader = open_reader();  // no cap: leases are short and per-thread
        return std::shared_ptr<StoreReader>{reader.release(), [pool = shared_from_this()](StoreReader* r) {
                                                pool->give_back(static_cast<Reader*>(r));
                                            }};
    }

private:
    std::unique_ptr<Reader> open_reader() {
        auto reader = std::make_unique<Reader>(std::make_unique<Connection>(path_, Connection::Mode::read_only));
        reader->attach_search(SearchIndexer::path_for(path_).string(), indexer_);
        return reader;
    }

    void give_back(Reader* reader) {
        std::unique_ptr<Reader> owned{reader};
        std::lock_guard lock{mutex_};
        idle_.push_back(std::move(owned));
        last_return_ = std::chrono::steady_clock::now();
    }

    const std::string path_;
    const bool temporary_;
    const std::shared_ptr<SearchIndexer> indexer_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<Reader>> idle_;  // guarded by mutex_
    std::uint64_t leases_ = 0, released_at_lease_ = 0;  // guarded by mutex_
    std::chrono::steady_clock::time_point last_return_{};  // guarded by mutex_
};

}  // namespace sqlite

namespace {

void set_journal_mode_wal(sqlite::Connection& connection) {
    sqlite::Statement statement{connection.handle(), "PRAGMA journal_mode = WAL"};
    sqlite::StatementUse use{statement};
    if (!use.step() || use.text_view(0) != "wal")
        throw std::runtime_error{"cannot switch to WAL mode (journal_mode is " + use.text(0) + ")"};
}

// `done` runs on the writer thread; noexcept turns a throwing callback into a loud
// std::terminate instead of a writer that silently stopped.
void finish(const Store::Done& done, std::exception_ptr error) noexcept {
    if (done) done(std::move(error));
}

// The after_commit callbacks of a batch as one `done`: they run only when it succeeded.
Store::Done run_after_commit(std::vector<std::function<void()>> callbacks) {
    if (callbacks.empty()) return {};
    return [callbacks = std::move(callbacks)](std::exception_ptr error) {
        if (error) return;
        for (const auto& fn : callbacks) fn();
    };
}

// Likewise for the commit observer: a throw is a bug, not a failed commit.
void notify_observer(const SqliteStore::CommitObserver& observer, CommittedChanges changes) noexcept {
    if (!changes.empty()) observer(std::move(changes));
}

}  // namespace

std::unique_ptr<SqliteStore> SqliteStore::open(const std::filesystem::path& db_path, SqliteOptions opts) {
    // Plain ":memory:" would give every connection its own empty database.
    if (db_path == ":memory:") return open_in_memory(opts);
    return std::unique_ptr<SqliteStore>{new SqliteStore{db_path, opts, false}};
}

std::unique_ptr<SqliteStore> SqliteStore::open_in_memory(SqliteOptions opts) {
    static std::atomic<int> next{0};
    std::error_code ec;
    std::filesystem::path dir = "/dev/shm";
    if (!std::filesystem::is_directory(dir, ec)) dir = std::filesystem::temp_directory_path();
    auto path = dir / ("triage-mem-" + std::to_string(::getpid()) + "-" + std::to_string(next++) + ".db");
    remove_database_files(path);  // left by an earlier process with this pid, it would be reopened
    opts.durable = false;
    return std::unique_ptr<SqliteStore>{new SqliteStore{path, opts, true}};
}

int SqliteStore::latest_schema_version() noexcept { return sqlite::latest_schema_version(); }

SqliteStore::SqliteStore(const std::filesystem::path& path, SqliteOptions opts, bool temporary)
    : path_{path}, opts_{opts}, temporary_{temporary}, wal_restart_at_{opts.wal_restart_pages} {
    try {
        auto connection = std::make_unique<sqlite::Connection>(path_.string(), sqlite::Connection::Mode::read_write);
        try {
            set_journal_mode_wal(*connection);
            // NORMAL: commits do not wait for the disk. A durable store fdatasyncs the WAL on
            // the syncer thread before any unit of a commit is acknowledged (run_syncer).
            connection->exec("PRAGMA synchronous = NORMAL");
            // temp_store: savepoint journals stay in memory. cache_size: 16 MiB, so a big batch
            // does not spill pages before its commit; given back when the writer idles.
            // journal_size_limit: what the WAL file is cut back to when it starts again; 256 MiB,
            // twice SqliteOptions::wal_restart_pages, so a restarted WAL is written over in place,
            // not cut back and grown again (the kernel zeroes every new block of a growing file:
            // a seventh of the writer's time in a long import).
            connection->exec("PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16384;"
                             " PRAGMA journal_size_limit = 268435456");
            schema_version_ = sqlite::migrate(*connection);
            sqlite::restore_bulk_load_indexes(*connection);  // a bulk import stopped half-way
        } catch (const std::exception& e) {
            throw std::runtime_error{"cannot use database " + path_.string() + ": " + e.what()};
        }
        tx_ = std::make_unique<sqlite::Tx>(std::move(connection));
        indexer_ = std::make_shared<sqlite::SearchIndexer>(sqlite::SearchIndexer::path_for(path_), opts_.durable);
        indexer_->recover(tx_->connection());
        tx_->attach_search(sqlite::SearchIndexer::path_for(path_).string(), nullptr);
        if (!temporary_) sqlite3_wal_hook(tx_->connection().handle(), &SqliteStore::on_wal_commit, this);
        // Readers open after the migration, so they never see a half-made schema.
        readers_ = std::make_shared<sqlite::ReaderPool>(path_.string(), temporary_, indexer_);
        readers_->open_idle(std::max(opts_.readers, 0));
    } catch (...) {
        tx_.reset();
        readers_.reset();
        indexer_.reset();
        if (temporary_) remove_database_files(path_);
        throw;
    }
    indexer_->start();
    if (!temporary_) {
        checkpointer_ = std::thread{[this] {
            pthread_setname_np(pthread_self(), "triage-wal");
            run_checkpointer();
        }};
    }
    if (opts_.durable) {
        syncer_ = std::thread{[this] {
            pthread_setname_np(pthread_self(), "triage-sync");
            run_syncer();
        }};
    }
    writer_ = std::thread{[this] {
        pthread_setname_np(pthread_self(), "triage-writer");
        run_writer();
    }};
}

SqliteStore::~SqliteStore() {
    stop();
    tx_.reset();
    readers_.reset();  // a temporary database's files go with the pool's last connection
}

void SqliteStore::post_write(Work work, Done done) {
    std::unique_lock lock{mutex_};
    if (stopping_) {
        lock.unlock();
        finish(done, std::make_exception_ptr(std::runtime_error{"the store is stopped; write not run"}));
        return;
    }
    // The writer waits only on an empty queue, so only the first unit needs to wake it.
    const bool wake = queue_.empty();
    queue_.push_back(Unit{std::move(work), std::move(done)});
    lock.unlock();
    if (wake) wake_writer_.notify_one();
}

std::shared_ptr<StoreReader> SqliteStore::reader() { return readers_->lease(); }

void SqliteStore::stop() {
    std::lock_guard stop_lock{stop_mutex_};
    {
        std::lock_guard lock{mutex_};
        stopping_ = true;
    }
    wake_writer_.notify_one();
    if (writer_.joinable()) writer_.join();
    {
        std::lock_guard lock{sync_mutex_};
        syncer_stopping_ = true;
    }
    wake_syncer_.notify_one();
    if (syncer_.joinable()) syncer_.join();  // every committed unit acknowledged
    if (indexer_) indexer_->stop();
    {
        std::lock_guard lock{checkpoint_mutex_};
        checkpointer_stopping_ = true;
    }
    wake_checkpointer_.notify_one();
    if (checkpointer_.joinable()) checkpointer_.join();
}

void SqliteStore::run_syncer() {
    const std::string wal = path_.string() + "-wal";
    int fd = -1;
    std::vector<Acknowledgement> batch;
    for (;;) {
        {
            std::unique_lock lock{sync_mutex_};
            wake_syncer_.wait(lock, [&] { return !awaiting_sync_.empty() || syncer_stopping_; });
            if (awaiting_sync_.empty()) break;  // stopping, and everything is acknowledged
            batch.swap(awaiting_sync_);
            syncing_ = true;
        }
        // Everything in `batch` was committed (written to the WAL) before this fdatasync
        // starts, so once it returns, all of it is on disk.
        std::exception_ptr failure;
        if (fd < 0) fd = ::open(wal.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::fdatasync(fd) != 0)
            failure = std::make_exception_ptr(std::runtime_error{"cannot sync " + wal + ": " + std::strerror(errno)});
        {
            std::lock_guard lock{mutex_};  // a writer between its check of syncing_ and its wait sees it or is woken
            syncing_ = false;
        }
        wake_writer_.notify_one();
        for (auto& a : batch) finish(a.done, failure ? failure : a.error);
        batch.clear();
    }
    if (fd >= 0) ::close(fd);
}

int SqliteStore::on_wal_commit(void* self, sqlite3*, const char* name, int pages) {
    if (std::strcmp(name, "main") != 0) return SQLITE_OK;
    auto* store = static_cast<SqliteStore*>(self);
    store->wal_pages_.store(pages, std::memory_order_relaxed);
    {
        std::lock_guard lock{store->checkpoint_mutex_};
        ++store->wal_commits_;
        if (pages < kCheckpointPages || store->checkpoint_wanted_) return SQLITE_OK;
        store->checkpoint_wanted_ = true;
    }
    store->wake_checkpointer_.notify_one();
    return SQLITE_OK;
}

void SqliteStore::restart_wal_if_long() {
    const int pages = wal_pages_.load(std::memory_order_relaxed);
    if (pages < opts_.wal_restart_pages) {
        wal_restart_at_ = opts_.wal_restart_pages;  // it restarted
        return;
    }
    if (pages < wal_restart_at_) return;
    std::unique_lock lock{checkpoint_mutex_};
    const auto mine = wal_commits_;
    if (checkpointed_through_ < mine && !checkpointer_stopping_) {
        if (!checkpoint_wanted_) {
            checkpoint_wanted_ = true;
            wake_checkpointer_.notify_one();
        }
        if (!checkpoint_done_.wait_for(lock, kWalRestartWait,
                                       [&] { return checkpointed_through_ >= mine || checkpointer_stopping_; })) {
            wal_restart_at_ = pages * 2;  // pinned, most likely by a reader: do not wait on every batch
            return;
        }
    }
    // Every frame is in the database file: the batch's transaction reads without the WAL, and
    // its first write starts the WAL again from the top. Should the WAL not restart even so,
    // the next wait comes only once it is twice as long.
    wal_restart_at_ = pages + opts_.wal_restart_pages;
}

void SqliteStore::run_checkpointer() {
    std::unique_ptr<sqlite::Connection> connection;
    std::uint64_t through = 0;
    for (;;) {
        {
            std::unique_lock lock{checkpoint_mutex_};
            wake_checkpointer_.wait(lock, [&] { return checkpoint_wanted_ || checkpointer_stopping_; });
            if (checkpointer_stopping_) {
                checkpoint_done_.notify_all();
                return;
            }
            // Cleared now, not after the pass: a commit or a waiting writer during the pass
            // asks for the next one. Every commit counted so far is in the snapshot the pass copies.
            checkpoint_wanted_ = false;
            through = wal_commits_;
        }
        bool complete = false;
        try {
            std::lock_guard pass{pass_mutex_};
            if (!connection)
                connection = std::make_unique<sqlite::Connection>(path_.string(), sqlite::Connection::Mode::read_write);
            // PASSIVE: copies what it can without waiting for the writer or readers; the WAL
            // restarts from the top when the next write transaction begins after a pass that
            // copied everything (restart_wal_if_long).
            // Its row: busy, the WAL's frames, the frames copied (so far, by any pass).
            sqlite::Statement statement{connection->handle(), "PRAGMA wal_checkpoint(PASSIVE)"};
            sqlite::StatementUse use{statement};
            complete = use.step() && use.int64(0) == 0 && use.int64(1) == use.int64(2);
        } catch (const std::exception&) {
            connection.reset();  // retried at the next wake-up; the WAL only grows meanwhile
        }
        {
            std::lock_guard lock{checkpoint_mutex_};
            if (complete) checkpointed_through_ = std::max(checkpointed_through_, through);
        }
        checkpoint_done_.notify_all();
    }
}

void SqliteStore::checkpoint() {
    // Its own connection, so the writer thread is never interrupted: TRUNCATE waits (busy
    // timeout) for the writer's current batch and for readers, then resets the WAL.
    // After the checkpointer's pass, if one runs: SQLite refuses a second checkpoint at once.
    std::lock_guard pass{pass_mutex_};
    sqlite::Connection connection{path_.string(), sqlite::Connection::Mode::read_write};
    sqlite::Statement statement{connection.handle(), "PRAGMA wal_checkpoint(TRUNCATE)"};
    sqlite::StatementUse result{statement};
    if (!result.step() || result.int64(0) != 0)
        throw std::runtime_error{"checkpoint of " + path_.string() + " did not finish: the database stayed busy"};
}

void SqliteStore::run_writer() {
    const auto max_batch = static_cast<std::size_t>(std::max(opts_.max_batch, 1));
    std::vector<Unit> batch;
    batch.reserve(max_batch);
    bool memory_released = true;
    for (;;) {
        {
            std::unique_lock lock{mutex_};
            auto ready = [&] { return !queue_.empty() || stopping_; };
            if (!wake_writer_.wait_for(lock, kIdleBeforeRelease, ready)) {
                // A quiet moment after work: give the page caches and freed heap back to the
                // system, so an idle server stays small however busy it was.
                // Reads alone (a quiet writer) fill the readers' caches too.
                lock.unlock();
                if (external_commit_) check_external_commits();
                if (!memory_released || readers_->idle_after_use(kIdleBeforeRelease)) release_idle_memory();
                memory_released = true;
                continue;
            }
            if (queue_.empty()) return;  // stopping, and every posted unit has run
            memory_released = false;
            const auto take = std::min(queue_.size(), max_batch);
            std::move(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take), std::back_inserter(batch));
            queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
        }
        run_batch(batch);
        batch.clear();
    }
}

void SqliteStore::release_idle_memory() noexcept {
    sqlite3_db_release_memory(tx_->connection().handle());
    try {
        readers_->release_memory(static_cast<std::size_t>(std::max(opts_.readers, 0)));
    } catch (const std::exception&) {
        // Out of memory while giving memory back: the caches stay; nothing is lost.
    }
    malloc_trim(0);
}

void SqliteStore::run_batch(std::vector<Unit>& batch) {
    std::vector<std::exception_ptr> errors;
    errors.reserve(batch.capacity());
    std::exception_ptr batch_error;
    const auto max_batch = static_cast<std::size_t>(std::max(opts_.max_batch, 1));
    const auto started = std::chrono::steady_clock::now();
    // Units run without savepoints first. The rare unit that fails after writing makes the
    // whole batch run again, each unit in its own savepoint (store.hpp: work may run twice).
    if (!temporary_) restart_wal_if_long();
    for (bool guarded = false;; guarded = true) {
        errors.clear();
        bool replay = false;
        try {
            // main only: BEGIN IMMEDIATE would also write-lock the attached search database
            // for the whole batch, and the search indexer, which writes it, would wait.
            sqlite::Transaction transaction{tx_->connection(), sqlite::Transaction::Lock::main_only};
            tx_->begin_batch();
            if (external_commit_ && !guarded) check_external_commits();  // under the write lock: exact
            for (std::size_t i = 0; i < batch.size(); ++i) {
                errors.push_back(guarded ? run_unit(batch[i]) : run_unit_unguarded(batch[i], replay));
                if (replay) break;
                // Units that arrived meanwhile join this commit while it is young: the commit
                // comes when the writer has caught up, so a steady stream makes few, full commits.
                if (i + 1 == batch.size() && batch.size() < max_batch &&
                    std::chrono::steady_clock::now() - started < kBatchWindow) {
                    std::unique_lock lock{mutex_};
                    // Caught up while the disk still syncs the last commit: the batch stays
                    // open for what arrives until that sync ends (syncing_).
                    if (queue_.empty() && opts_.durable && !replay)
                        wake_writer_.wait_until(lock, started + kBatchWindow,
                                                [&] { return !queue_.empty() || stopping_ || !syncing_; });
                    const auto take = std::min(queue_.size(), max_batch - batch.size());
                    std::move(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take), std::back_inserter(batch));
                    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
                }
            }
            if (!replay && external_commit_) known_max_ids_ = max_ids();  // what is ours, before others may write
            if (!replay) transaction.commit();
        } catch (...) {
            batch_error = std::current_exception();  // nothing of the batch was committed
        }
        if (replay && !batch_error) {  // ~Transaction rolled the batch back
            tx_->discard_index_changes();
            continue;
        }
        if (batch_error) tx_->discard_index_changes();
        break;
    }
    if (!batch_error) indexer_->enqueue(tx_->take_index_changes());  // before `done`: a later search waits for it
    if (!batch_error && commit_observer_) notify_observer(commit_observer_, tx_->take_changes());
    // StoreTx::after_commit: after durability, before the units' `done`.
    auto after_commit = tx_->take_after_commit();
    if (batch_error || !opts_.durable) {
        if (!batch_error) finish(run_after_commit(std::move(after_commit)), nullptr);
        for (std::size_t i = 0; i < batch.size(); ++i)
            finish(batch[i].done, batch_error ? batch_error : i < errors.size() ? errors[i] : nullptr);
        return;
    }
    bool wake;
    {
        std::lock_guard lock{sync_mutex_};
        wake = awaiting_sync_.empty();
        if (!after_commit.empty()) awaiting_sync_.push_back({run_after_commit(std::move(after_commit)), nullptr});
        for (std::size_t i = 0; i < batch.size(); ++i) awaiting_sync_.push_back({std::move(batch[i].done), errors[i]});
    }
    if (wake) wake_syncer_.notify_one();
}

void SqliteStore::observe_commits(CommitObserver observer, const std::function<void(StoreTx&)>& before) {
    // Set on the writer thread, between units, so no batch sees half of it.
    write_sync(*this, [this, &observer, &before](StoreTx& tx) {
        if (before) before(tx);
        commit_observer_ = std::move(observer);
        tx_->record_changes(static_cast<bool>(commit_observer_));
    });
}

void SqliteStore::on_external_commit(std::function<void()> fn) {
    write_sync(*this, [this, &fn](StoreTx&) {
        external_commit_ = std::move(fn);
        data_version_ = tx_->connection().query_int64("PRAGMA data_version");
        known_max_ids_ = max_ids();
    });
}

std::array<std::int64_t, 3> SqliteStore::max_ids() {
    auto& c = tx_->connection();
    std::array<std::int64_t, 3> out{};
    const char* const sql[] = {"SELECT coalesce(max(id), 0) FROM tickets", "SELECT coalesce(max(id), 0) FROM messages",
                               "SELECT coalesce(max(id), 0) FROM events"};
    for (std::size_t i = 0; i < out.size(); ++i) {
        auto row = c.query(sql[i]);
        if (row.step()) out[i] = row.int64(0);
    }
    return out;
}

void SqliteStore::check_external_commits() {
    // An idle check runs outside a transaction, so another commit may land between the two
    // reads: data_version first, then the ids, so such a commit is seen now or next time.
    std::int64_t version = 0;
    {
        auto row = tx_->connection().query("PRAGMA data_version");
        if (row.step()) version = row.int64(0);
    }
    if (version == data_version_) return;
    data_version_ = version;
    const auto now = max_ids();
    bool theirs = false;
    for (std::size_t i = 0; i < now.size(); ++i) theirs = theirs || now[i] > known_max_ids_[i];
    known_max_ids_ = now;
    if (theirs) external_commit_();
}

std::exception_ptr SqliteStore::run_unit_unguarded(Unit& unit, bool& replay) {
    auto& connection = tx_->connection();
    tx_->begin_unit();
    const auto changes_before = connection.total_changes();
    std::exception_ptr error;
    try {
        if (unit.work(*tx_)) return nullptr;
    } catch (...) {
        error = std::current_exception();
    }
    if (connection.autocommit()) {  // SQLite abandoned the transaction: the batch fails
        if (error) std::rethrow_exception(error);
        throw std::runtime_error{"the batch transaction ended inside a unit of work"};
    }
    // A failed statement undoes itself, so an unchanged count means the unit wrote nothing.
    if (connection.total_changes() != changes_before) {
        replay = true;
        return nullptr;
    }
    tx_->rollback_unit();
    return error;
}

std::exception_ptr SqliteStore::run_unit(Unit& unit) {
    auto& connection = tx_->connection();
    sqlite::Savepoint savepoint{connection};
    tx_->begin_unit();
    std::exception_ptr error;
    try {
        if (unit.work(*tx_)) {
            savepoint.release();
            return nullptr;
        }
    } catch (...) {
        error = std::current_exception();
    }
    // On some errors (I/O, disk full, out of memory) SQLite abandons the whole transaction:
    // the batch-mates' writes are gone too, so the whole batch must fail.
    if (connection.autocommit()) {
        if (error) std::rethrow_exception(error);
        throw std::runtime_error{"the batch transaction ended inside a unit of work"};
    }
    savepoint.rollback();
    tx_->rollback_unit();
    return error;
}

}  // namespace triage
