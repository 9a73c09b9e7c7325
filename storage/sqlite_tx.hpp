// The writer's StoreTx: the store's writes plus ReadOps' reads, which see this batch's writes
// so far — except full-text search, whose index is updated once per batch, at commit.
// Writer thread only, inside the batch transaction and unit savepoint SqliteStore opens.
#pragma once

#include "storage/sqlite_reader.hpp"

#include <chrono>

namespace triage::sqlite {

class Tx final : public ReadOps<StoreTx> {
public:
    using ReadOps::ReadOps;

    TicketId insert_ticket(Ticket& ticket) override;
    void update_ticket(const Ticket& ticket) override;  // throws when no such ticket
    CustomerId insert_customer(Customer& customer) override;
    void add_identity(CustomerId customer, const Identity& identity) override;
    MessageId insert_message(Message& message) override;
    void append_event(TicketEvent& event) override;
    AgentId upsert_agent(Agent& agent) override;
    void upsert_token(std::string_view name, std::string_view token_hash, std::string_view role) override;

    // Search index upkeep, called by SqliteStore. Index changes are queued rather than
    // written because FTS5 flushes a new index segment at every savepoint: written per
    // unit, the index costs several times more than everything else in the unit.
    //
    // Under load (`busy`: more units are queued) a batch that only adds rows leaves them for
    // a later batch, which indexes the deferred rows with its own in one sorted pass: at most
    // kMaxIndexLag or kMaxDeferredRows behind. An idle writer indexes at once, so a search
    // after a quiet write finds it. The watermark table records what is indexed;
    // recover_index() indexes the rest after a crash.
    void begin_unit() noexcept { unit_start_ = index_changes_.size(); }
    void rollback_unit() noexcept;  // forgets the changes queued since begin_unit
    void apply_index_changes(bool busy);  // just before COMMIT
    void commit_index_changes() noexcept;   // the batch committed
    void discard_index_changes() noexcept;  // the batch failed: its changes are gone, deferred ones stay
    void recover_index();  // at open, before the writer starts: index rows above the watermark

private:
    struct IndexChange {
        std::int64_t rowid;  // -ticket id for a subject, the message id for a body
        std::string text;
        bool remove;  // a contentless FTS5 row is removed by repeating the text it indexed
    };
    void queue_index_change(std::int64_t rowid, std::string_view text, bool remove);

    std::vector<IndexChange> index_changes_;  // the current batch's, in order
    std::vector<IndexChange> deferred_;       // committed rows not indexed yet (inserts only)
    std::chrono::steady_clock::time_point deferred_since_;
    bool deferring_ = false;  // this batch's changes go to deferred_ on commit
    std::size_t unit_start_ = 0;
};

}  // namespace triage::sqlite
