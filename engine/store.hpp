// Store: the engine's view of persistence, declared here and implemented in storage/
// (SQLite now, PostgreSQL later). Writes run as units of work on one writer, batched into
// group commits; a unit's `done` runs only after its batch is durably committed (or failed).
// Reads go through pooled readers that see the last committed state.
// Thread-safety: Store is thread-safe; a StoreReader / StoreTx belongs to one thread at a time.
#pragma once

#include "engine/customer.hpp"
#include "engine/escalation_records.hpp"
#include "engine/message.hpp"
#include "engine/outbound_mail.hpp"
#include "engine/ticket.hpp"
#include "engine/ticket_event.hpp"

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace triage {

struct TicketQuery {
    std::optional<TicketStatus> status;
    std::string queue;  // "" = any
    std::optional<Channel> channel;
    std::optional<AgentId> assignee;
    bool unassigned = false;
    std::optional<CustomerId> requester;
    std::string text;  // full-text query over subjects and messages; "" = none
    int limit = 50;
    std::optional<TicketId> after;  // cursor: tickets with an id below this one (newest first)
    std::vector<std::string> queues;  // any of these queues (an agent's); empty = no such filter
};

struct TicketPage {
    std::vector<Ticket> tickets;
    std::optional<TicketId> next_cursor;  // pass as `after` for the next page
};

struct MessageRef {
    TicketId ticket_id = 0;
    MessageId message_id = 0;
};

struct ApiToken {
    std::int64_t id = 0;
    std::string name;
    std::string role;  // "admin", "agent", ...
};

class StoreReader {
public:
    virtual ~StoreReader() = default;

    virtual std::optional<Ticket> ticket(TicketId id) = 0;
    virtual TicketPage tickets(const TicketQuery& query) = 0;
    virtual std::vector<Message> messages(TicketId ticket) = 0;
    virtual std::vector<TicketEvent> events(TicketId ticket) = 0;

    virtual std::optional<Customer> customer(CustomerId id) = 0;
    virtual std::optional<CustomerId> customer_by_identity(const Identity& identity) = 0;

    virtual std::optional<Agent> agent(AgentId id) = 0;
    virtual std::optional<Agent> agent_by_email(std::string_view email) = 0;  // email compared lower case
    virtual std::vector<Agent> agents() = 0;

    // Dedupe: the message that came in on `channel` with this external id.
    virtual std::optional<MessageRef> message_by_external_id(Channel channel, std::string_view external_id) = 0;
    // Threading: the ticket of the first id in `external_ids` that names any stored message
    // (inbound or outbound, any channel). Order matters: earlier ids win.
    virtual std::optional<std::pair<TicketId, std::string>> ticket_by_message_ids(
        const std::vector<std::string>& external_ids) = 0;

    virtual std::vector<std::pair<TicketStatus, std::int64_t>> count_by_status() = 0;
    virtual std::optional<ApiToken> token_by_hash(std::string_view token_hash) = 0;

    // Escalation (engine/escalation_records.hpp).
    virtual std::vector<TicketSlaRecord> ticket_slas(TicketId ticket) = 0;
    // Every clock with something pending: (ticket, target, next_due), in no order.
    virtual void for_each_pending_sla(const std::function<void(TicketId, std::string_view, Timestamp)>& fn) = 0;
    // Clocks that warned or breached and still run or are paused, soonest deadline first.
    virtual std::vector<TicketSlaRecord> escalated_slas(int limit) = 0;
    // Open tickets (not solved or closed) per assignee.
    virtual std::vector<std::pair<AgentId, int>> open_tickets_by_assignee() = 0;
    // Tickets waiting for an eligible agent, oldest first: (ticket, skill).
    virtual std::vector<std::pair<TicketId, std::string>> routing_waits() = 0;
    virtual std::vector<NotificationRecord> due_notifications(std::string_view channel, Timestamp now, int limit) = 0;
    virtual std::vector<NotificationRecord> notifications(TicketId ticket) = 0;
    virtual std::vector<ReferralRecord> referrals(TicketId ticket) = 0;
    virtual std::optional<ReferralRecord> referral(std::int64_t id) = 0;
    // Referrals per partner that are still proposed, sent or accepted (the partner's load).
    virtual std::vector<std::pair<std::string, int>> active_referrals_by_partner() = 0;
    // History import (engine/ticket_import.hpp): the ticket made from a source system's id.
    virtual std::optional<TicketId> ticket_by_import_id(std::string_view external_id) = 0;
    // Outbox (engine/outbound_mail.hpp): mail still to deliver (pending or sending), soonest first.
    virtual std::vector<OutboundMail> outbound_unsent(int limit) = 0;
    virtual std::vector<OutboundMail> outbound_for_ticket(TicketId ticket) = 0;
    virtual std::optional<OutboundMail> outbound(std::int64_t id) = 0;
    // Automatic mails (acknowledgements and rules' automatic replies) queued to `address`
    // (lower case) at or after `since`: the rate limit.
    virtual std::int64_t acknowledgements_since(std::string_view address, Timestamp since) = 0;
    virtual std::vector<IdentityFlag> identity_flags(const Identity& identity) = 0;
    // A blob kept in the database (StoreTx::put_blob); nullopt when it is not there (it may be
    // a file of the BlobStore).
    virtual std::optional<std::string> blob(std::string_view sha256) = 0;
};

class StoreTx : public StoreReader {
public:
    virtual TicketId insert_ticket(Ticket& ticket) = 0;  // assigns ticket.id
    virtual void update_ticket(const Ticket& ticket) = 0;
    virtual CustomerId insert_customer(Customer& customer) = 0;  // assigns id; stores its identities
    virtual void add_identity(CustomerId customer, const Identity& identity) = 0;  // no-op when present
    // Moves every ticket, customer-authored message and identity of `gone` to `keep`, then
    // deletes `gone`; returns the tickets moved. Both must exist.
    virtual std::vector<TicketId> merge_customer(CustomerId gone, CustomerId keep) = 0;
    virtual MessageId insert_message(Message& message) = 0;  // assigns id; indexes it for search
    virtual void append_event(TicketEvent& event) = 0;       // assigns id
    virtual AgentId upsert_agent(Agent& agent) = 0;          // keyed by email; assigns id
    virtual void upsert_token(std::string_view name, std::string_view token_hash, std::string_view role) = 0;

    // Escalation (engine/escalation_records.hpp).
    virtual void upsert_ticket_sla(const TicketSlaRecord& sla) = 0;  // keyed by (ticket, target)
    virtual std::int64_t insert_notification(NotificationRecord& n) = 0;  // assigns id
    virtual void update_notification(const NotificationRecord& n) = 0;
    virtual void put_routing_wait(TicketId ticket, std::string_view skill, Timestamp since) = 0;
    virtual void remove_routing_wait(TicketId ticket) = 0;
    virtual std::int64_t insert_referral(ReferralRecord& r) = 0;  // assigns id
    virtual void update_referral(const ReferralRecord& r) = 0;
    // Remembers that `ticket` was imported as `external_id`, with `replies` agent replies
    // made in the source system (whose messages were not imported).
    virtual void record_import(std::string_view external_id, TicketId ticket, int replies) = 0;
    virtual std::int64_t insert_outbound(OutboundMail& mail) = 0;  // assigns id
    // Writes state, attempts, next_attempt_at, sent_at and last_error.
    virtual void update_outbound(const OutboundMail& mail) = 0;
    virtual void flag_identity(const IdentityFlag& flag) = 0;  // replaces the same flag's earlier entry
    // Names a stored message as it goes out, e.g. an agent reply sent by email with its Message-ID.
    virtual void set_message_external_id(MessageId message, Channel channel, std::string_view external_id) = 0;
    // Keeps `bytes` under their SHA-256 (hex, computed by the caller) in this transaction;
    // the same hash again is a no-op. Durable with the unit's commit.
    virtual void put_blob(std::string_view sha256, std::string_view bytes) = 0;

    // Runs `fn` once this unit is durably committed — after the fsync, before the unit's
    // `done` — on the store's thread; never when the unit rolls back or its batch fails. A unit
    // that runs again (post_write) registers afresh: what an undone run registered is dropped.
    // For effects outside the database that must follow the commit (arming timers, waking a sender).
    virtual void after_commit(std::function<void()> fn) = 0;

    // Bulk reads and writes for an import (engine/call_import.hpp): one statement for many.
    // For each id: the message that came in on `channel` with it (as message_by_external_id).
    virtual std::vector<std::optional<MessageRef>> messages_by_external_ids(Channel channel,
                                                                           const std::vector<std::string>& external_ids) = 0;
    // For each identity (normalised): its customer (as customer_by_identity).
    virtual std::vector<std::optional<CustomerId>> customers_by_identities(const std::vector<Identity>& identities) = 0;
    // The newest `per_requester` tickets of each requester (each requester's as `tickets` with
    // `requester` and `limit` would give them), in no particular order.
    virtual std::vector<Ticket> recent_tickets_of(const std::vector<CustomerId>& requesters, int per_requester) = 0;
    // Writes each ticket's updated_at; every other field must be as stored (else update_ticket).
    virtual void touch_tickets(const std::vector<Ticket>& tickets) = 0;
    // Many rows to a statement, each written as insert_ticket / insert_message / append_event
    // writes it, in order. Tickets carry ids counted up from next_ticket_id (no other ticket
    // may be inserted in the unit meanwhile); messages and events are given theirs.
    virtual TicketId next_ticket_id() = 0;
    virtual void insert_tickets(std::span<const Ticket> tickets) = 0;
    virtual void insert_messages(std::span<Message> messages) = 0;
    virtual void append_events(std::span<TicketEvent> events) = 0;

    // The database state this run of a unit starts from, as a number: exactly one more than
    // the previous run's when that run's writes still stand and nothing else has written
    // since (no other unit, no undone unit or batch, no other process). A job of many units
    // may keep what it read across them while the numbers follow on (engine/call_import.hpp).
    virtual std::uint64_t unit_serial() const noexcept = 0;
};

class Store {
public:
    // Returns true to keep its writes, false to roll them back (a refused command).
    using Work = std::function<bool(StoreTx&)>;
    // nullptr after a durable commit (or a refused command); the error otherwise.
    using Done = std::function<void(std::exception_ptr)>;

    virtual ~Store() = default;

    // Queues `work` for the writer. It runs inside a transaction shared with other units
    // (its own savepoint: a throw or `false` undoes only its writes); `done` is called on the
    // writer thread after the commit that made the unit durable. Must not block.
    // `work` may run more than once before its commit (a batch is run again when one of its
    // units fails after writing): keep its effects to the transaction and to results it
    // overwrites; act on the outcome in `done`.
    virtual void post_write(Work work, Done done) = 0;

    // A reader that sees the last committed state; returned to the pool when released.
    virtual std::shared_ptr<StoreReader> reader() = 0;
};

// Blocking convenience for the CLI, start-up and tests: runs `fn` on the writer and waits
// for the durable commit; rethrows what the unit threw. `fn(StoreTx&)` returns a value; a
// `Result` in error rolls the unit back.
template <class Fn>
auto write_sync(Store& store, Fn&& fn) -> decltype(fn(std::declval<StoreTx&>()));

}  // namespace triage

#include "engine/store_inl.hpp"
