// The read half of the SQLite store, over a connection it owns: the StoreReader queries shared
// by pooled readers (Reader) and the writer's transaction (Tx, sqlite_tx.hpp), which reads its
// own uncommitted writes through the same code. Not thread-safe: one thread at a time.
#pragma once

#include "engine/store.hpp"
#include "storage/fts_query.hpp"
#include "storage/search_indexer.hpp"
#include "storage/sqlite_connection.hpp"

#include <memory>

namespace triage::sqlite {

// A ticket from the 19 columns id, subject, status, priority, queue, category, tags, language,
// channel, requester_id, assignee_id, tier, follow_up_of, reopen_count, created_at,
// updated_at, first_response_at, solved_at, closed_at, in that order (the reader's
// TRIAGE_TICKET_COLUMNS). Throws std::runtime_error on a corrupt enum value.
Ticket read_ticket(const StatementUse& row);

template <class Base>
class ReadOps : public Base {
public:
    explicit ReadOps(std::unique_ptr<Connection> connection);
    ~ReadOps() override;

    std::optional<Ticket> ticket(TicketId id) override;
    TicketPage tickets(const TicketQuery& query) override;
    std::vector<Message> messages(TicketId ticket) override;
    std::vector<TicketEvent> events(TicketId ticket) override;

    std::optional<Customer> customer(CustomerId id) override;
    std::optional<CustomerId> customer_by_identity(const Identity& identity) override;

    std::optional<Agent> agent(AgentId id) override;
    std::optional<Agent> agent_by_email(std::string_view email) override;
    std::vector<Agent> agents() override;

    std::optional<MessageRef> message_by_external_id(Channel channel, std::string_view external_id) override;
    std::optional<std::pair<TicketId, std::string>> ticket_by_message_ids(
        const std::vector<std::string>& external_ids) override;

    std::vector<std::pair<TicketStatus, std::int64_t>> count_by_status() override;
    std::optional<ApiToken> token_by_hash(std::string_view token_hash) override;
    std::optional<TicketId> ticket_by_import_id(std::string_view external_id) override;

    // Escalation reads (storage/sqlite_escalation.cpp).
    std::vector<TicketSlaRecord> ticket_slas(TicketId ticket) override;
    void for_each_pending_sla(const std::function<void(TicketId, std::string_view, Timestamp)>& fn) override;
    std::vector<TicketSlaRecord> escalated_slas(int limit) override;
    std::vector<std::pair<AgentId, int>> open_tickets_by_assignee() override;
    std::vector<std::pair<TicketId, std::string>> routing_waits() override;
    std::vector<NotificationRecord> due_notifications(std::string_view channel, Timestamp now, int limit) override;
    std::vector<NotificationRecord> notifications(TicketId ticket) override;
    std::vector<ReferralRecord> referrals(TicketId ticket) override;
    std::optional<ReferralRecord> referral(std::int64_t id) override;
    std::vector<std::pair<std::string, int>> active_referrals_by_partner() override;
    // Outbox and identity flags: storage/sqlite_outbox.cpp.
    std::vector<OutboundMail> outbound_unsent(int limit) override;
    std::vector<OutboundMail> outbound_for_ticket(TicketId ticket) override;
    std::optional<OutboundMail> outbound(std::int64_t id) override;
    std::int64_t acknowledgements_since(std::string_view address, Timestamp since) override;
    std::vector<IdentityFlag> identity_flags(const Identity& identity) override;
    std::optional<std::string> blob(std::string_view sha256) override;  // storage/sqlite_blobs.cpp

    Connection& connection() noexcept { return *connection_; }

    // Attaches the full-text index file as schema `search`. With `wait_on`, a text search
    // first waits (briefly) until the index holds everything committed before it began.
    void attach_search(const std::string& search_path, std::shared_ptr<SearchIndexer> wait_on);

private:
    std::unique_ptr<Connection> connection_;
    std::shared_ptr<SearchIndexer> indexer_;  // null: search what is indexed now
    std::unique_ptr<SearchTokenizer> tokenizer_;  // made on the first text search
};

extern template class ReadOps<StoreReader>;
extern template class ReadOps<StoreTx>;

// A pooled read-only connection; sees the last committed state, one statement at a time.
class Reader final : public ReadOps<StoreReader> {
public:
    using ReadOps::ReadOps;
};

// Limits of one page of TicketQuery results.
inline constexpr int kMinPageSize = 1;
inline constexpr int kMaxPageSize = 200;

}  // namespace triage::sqlite
