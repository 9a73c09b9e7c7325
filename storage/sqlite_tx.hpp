// The writer's StoreTx: the store's writes plus ReadOps' reads, which see this batch's writes
// so far — except full-text search, whose index is updated once per batch, at commit.
// Writer thread only, inside the batch transaction and unit savepoint SqliteStore opens.
#pragma once

#include "storage/sqlite_reader.hpp"

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
    void begin_unit() noexcept { unit_start_ = index_changes_.size(); }
    void rollback_unit() noexcept;  // forgets the changes queued since begin_unit
    void apply_index_changes();     // writes the batch's queued changes; just before COMMIT
    void discard_index_changes() noexcept;  // the batch failed

private:
    struct IndexChange {
        std::int64_t rowid;  // -ticket id for a subject, the message id for a body
        std::string text;
        bool remove;  // a contentless FTS5 row is removed by repeating the text it indexed
    };
    void queue_index_change(std::int64_t rowid, std::string_view text, bool remove);

    std::vector<IndexChange> index_changes_;  // the current batch's, in order
    std::size_t unit_start_ = 0;
};

}  // namespace triage::sqlite
