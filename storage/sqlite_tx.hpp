// The writer's StoreTx: the store's writes plus ReadOps' reads, which see this batch's writes
// so far — except full-text search, whose index is written after commit by the indexer.
// Writer thread only, inside the batch transaction and unit savepoint SqliteStore opens.
#pragma once

#include "engine/committed_changes.hpp"
#include "engine/import_rows.hpp"
#include "storage/search_indexer.hpp"
#include "storage/sqlite_reader.hpp"

namespace triage::sqlite {

class Tx final : public ReadOps<StoreTx> {
public:
    using ReadOps::ReadOps;

    TicketId insert_ticket(Ticket& ticket) override;
    void update_ticket(const Ticket& ticket) override;  // throws when no such ticket
    CustomerId insert_customer(Customer& customer) override;
    void add_identity(CustomerId customer, const Identity& identity) override;
    std::vector<TicketId> merge_customer(CustomerId gone, CustomerId keep) override;  // sqlite_customer_merge.cpp
    MessageId insert_message(Message& message) override;
    void append_event(TicketEvent& event) override;
    AgentId upsert_agent(Agent& agent) override;
    void upsert_token(std::string_view name, std::string_view token_hash, std::string_view role) override;
    void record_import(std::string_view external_id, TicketId ticket, int replies) override;
    std::int64_t insert_outbound(OutboundMail& mail) override;  // storage/sqlite_outbox.cpp
    void update_outbound(const OutboundMail& mail) override;
    void flag_identity(const IdentityFlag& flag) override;
    void set_message_external_id(MessageId message, Channel channel, std::string_view external_id) override;
    void put_blob(std::string_view sha256, std::string_view bytes) override;  // storage/sqlite_blobs.cpp
    void after_commit(std::function<void()> fn) override { after_commit_.push_back(std::move(fn)); }
    // Bulk history import, rows numbered by the importer (storage/sqlite_bulk_load.cpp).
    std::size_t insert_import_rows(ImportRows& rows);

    // Bulk reads and writes for imports (storage/sqlite_call_import.cpp).
    std::vector<std::optional<MessageRef>> messages_by_external_ids(Channel channel,
                                                                   const std::vector<std::string>& external_ids) override;
    std::vector<std::optional<CustomerId>> customers_by_identities(const std::vector<Identity>& identities) override;
    std::vector<Ticket> recent_tickets_of(const std::vector<CustomerId>& requesters, int per_requester) override;
    void touch_tickets(const std::vector<Ticket>& tickets) override;
    TicketId next_ticket_id() override;
    void insert_tickets(std::span<const Ticket> tickets) override;
    void insert_messages(std::span<Message> messages) override;
    void append_events(std::span<TicketEvent> events) override;
    std::uint64_t unit_serial() const noexcept override { return serial_; }
    // At the start of each batch transaction: another process's commit since the last batch
    // breaks the run of unit serials.
    void begin_batch();

    // Escalation writes (storage/sqlite_escalation.cpp).
    void upsert_ticket_sla(const TicketSlaRecord& sla) override;
    std::int64_t insert_notification(NotificationRecord& n) override;
    void update_notification(const NotificationRecord& n) override;
    void put_routing_wait(TicketId ticket, std::string_view skill, Timestamp since) override;
    void remove_routing_wait(TicketId ticket) override;
    std::int64_t insert_referral(ReferralRecord& r) override;
    void update_referral(const ReferralRecord& r) override;

    // Search index upkeep, called by SqliteStore. Index changes are collected per unit
    // (forgotten when the unit rolls back) and handed to the SearchIndexer after COMMIT, so
    // the full-text index is written on its own thread, off the commit path.
    void begin_unit() noexcept {
        ++serial_;
        unit_start_ = index_changes_.size();
        changes_mark_ = changes_.mark();
        after_commit_mark_ = after_commit_.size();
    }
    void rollback_unit() noexcept;  // forgets the changes queued since begin_unit
    std::vector<IndexChange> take_index_changes() noexcept;  // the committed batch's, in order
    void discard_index_changes() noexcept;                     // the batch failed

    // What the batch wrote, for a commit observer (SqliteStore::observe_commits); recorded
    // only once enabled. Forgotten with a rolled-back unit or a failed batch.
    void record_changes(bool on) noexcept { record_changes_ = on; }
    CommittedChanges take_changes() noexcept;
    // The committed batch's after_commit callbacks, in order (dropped with a rolled-back unit
    // and by discard_index_changes, as the index changes are).
    std::vector<std::function<void()>> take_after_commit() noexcept;

private:
    void queue_index_change(std::int64_t rowid, std::string_view text, bool remove);

    std::vector<IndexChange> index_changes_;  // the current batch's, in order
    std::size_t unit_start_ = 0;
    bool record_changes_ = false;
    CommittedChanges changes_;  // the current batch's, when record_changes_
    CommittedChanges::Mark changes_mark_;
    std::vector<std::function<void()>> after_commit_;  // the current batch's
    std::size_t after_commit_mark_ = 0;
    std::uint64_t serial_ = 0;        // unit_serial: +1 per unit run, +1 more per undo or outside write
    std::int64_t data_version_ = -1;  // PRAGMA main.data_version at the last batch
};

}  // namespace triage::sqlite
