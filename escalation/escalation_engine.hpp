// EscalationEngine: what happens to a ticket after every event — language detection, the
// rules (audited with the conditions that matched), SLA clocks started, paused, resumed and
// stopped in business time, warnings and breaches (a breach moves the ticket one tier up
// and tells that tier's people), routing to an eligible agent, referrals to partners.
// Works inside the caller's store transaction, so a ticket change and its consequences
// commit together. Runs on the store's writer thread only (it keeps the router's cursors
// and a reusable rule buffer); the rule set pointer alone may be swapped from any thread.
#pragma once

#include "engine/clock.hpp"
#include "engine/error.hpp"
#include "engine/intake.hpp"
#include "engine/store.hpp"
#include "engine/ticket_desk.hpp"
#include "escalation/agent_router.hpp"
#include "escalation/escalation_config.hpp"
#include "escalation/rule_set.hpp"
#include "escalation/sla_clock.hpp"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace triage {

class LanguageDetector;

// The scheduler must look at `ticket` again at `due` (UTC).
struct SlaTimer {
    Timestamp due{};
    TicketId ticket = 0;
};

struct EscalationOutcome {
    std::vector<TicketEvent> events;  // audit events written, for the edge to log
    std::vector<SlaTimer> timers;     // to arm
    bool routed = false;              // routing ran (picked someone or put the ticket in the wait)
};

// An SLA clock's timeline as stored in TicketSlaRecord::timeline.
std::string encode_sla_timeline(const SlaTimeline& timeline);
SlaTimeline decode_sla_timeline(std::string_view text);
SlaClockState sla_state_of(const TicketSlaRecord& record);

// The tier above `tier`: L1 -> L2 -> supervisor; supervisor and external stay.
Tier next_tier(Tier tier) noexcept;

// Where the engine's email goes — the server's outbox (server/escalation_mail.hpp) — inside
// the caller's unit, so a notice or a reply commits with the change that caused it and is
// delivered once. Without one, notices stay notification rows ("unsent") and rule replies
// are added to the thread without being mailed. Implementations are immutable and shared.
class EscalationMail {
public:
    virtual ~EscalationMail() = default;
    // A notice about `ticket` to n.target (tier notice, rule notice, partner case summary):
    // queues it and sets n.status ("queued") and n.outbox_id, or n.status "unsent" and
    // n.last_error. Called before `n` is inserted; audit events go to `events`.
    virtual void notice(StoreTx& tx, const Ticket& ticket, NotificationRecord& n,
                        std::vector<TicketEvent>& events) const = 0;
    // A rule's public automatic reply (message.automatic): added through the desk and
    // mailed to the requester with threading headers.
    virtual Result<DeskOutcome> reply(StoreTx& tx, TicketId ticket, const NewMessage& message,
                                      const Actor& actor) const = 0;
};

class EscalationEngine {
public:
    EscalationEngine(const Clock& clock, const TicketDesk& desk, std::shared_ptr<const EscalationSettings> settings,
                     std::shared_ptr<const RuleSet> rules, const LanguageDetector* detector);

    std::shared_ptr<const RuleSet> rules() const { return rules_.load(); }
    void set_rules(std::shared_ptr<const RuleSet> rules) { rules_.store(std::move(rules)); }
    const EscalationSettings& settings() const { return *settings_; }
    // Set once before the first unit runs; `mail` must outlive the engine.
    void set_mail(const EscalationMail* mail) { mail_ = mail; }

    // After Intake::accept wrote `outcome` in `tx`; updates outcome.ticket to the final state.
    void after_intake(StoreTx& tx, IntakeOutcome& outcome, EscalationOutcome& out);
    // After a TicketDesk command wrote `outcome` in `tx`.
    void after_desk(StoreTx& tx, DeskOutcome& outcome, EscalationOutcome& out);
    // The scheduler's timer for `ticket` rang: reports the warnings and breaches now due.
    void on_timer(StoreTx& tx, TicketId ticket, EscalationOutcome& out);
    // Periodic work: `on: time` rules over open tickets.
    void on_tick(StoreTx& tx, EscalationOutcome& out);
    // Tickets waiting for an agent get one when someone has become eligible.
    void route_waiting(StoreTx& tx, EscalationOutcome& out);

    // Refers the ticket to the best active partner with `specialty` (tier -> external) and
    // queues the partner's case summary; conflict when no partner fits.
    Result<ReferralRecord> refer(StoreTx& tx, TicketId ticket, std::string_view specialty, std::string_view region,
                                 const Actor& actor, EscalationOutcome& out);
    // Moves a referral: proposed -> sent -> accepted -> completed, or declined from any open
    // state; a declined referral is offered to the next partner. Returns the referral moved.
    Result<ReferralRecord> move_referral(StoreTx& tx, std::int64_t referral, std::string_view state,
                                         std::string_view note, const Actor& actor, EscalationOutcome& out);

    // The timers of every pending clock in the store, for the scheduler at start-up.
    static void restore_timers(StoreReader& reader, const std::function<void(const SlaTimer&)>& fn);

private:
    struct EventInfo;
    void run_rules(StoreTx& tx, TicketId id, RuleTrigger trigger, const EventInfo& info, EscalationOutcome& out);
    // What an event means for the response clocks.
    struct SlaSignals {
        std::optional<Timestamp> customer_message;  // a customer's follow-up arrived (next response starts)
        std::optional<Timestamp> response;  // a public reply that counts (next response stops)
    };
    void start_slas(StoreTx& tx, const Ticket& t, EscalationOutcome& out);
    void update_slas(StoreTx& tx, TicketId id, const SlaSignals& signals, EscalationOutcome& out);
    void start_next_response(StoreTx& tx, const Ticket& t, Timestamp at, const TicketSlaRecord* previous,
                             const std::vector<TicketSlaRecord>& records, EscalationOutcome& out);
    const SlaPolicy* policy_named(std::string_view name) const;
    void email(StoreTx& tx, const Ticket& t, std::string target, std::string subject, std::string body,
               EscalationOutcome& out);
    void handle_sla_events(StoreTx& tx, TicketId id, std::string_view target, const SlaEvents& events,
                           EscalationOutcome& out);
    void escalate(StoreTx& tx, TicketId id, Tier to, const Actor& actor, std::string_view why, EscalationOutcome& out);
    // `known`: the ticket as stored now, when the caller has it (saves a read).
    void route(StoreTx& tx, TicketId id, std::string_view skill, bool announce_wait, EscalationOutcome& out,
               const Ticket* known = nullptr);
    void notify_people(StoreTx& tx, const Ticket& t, const std::vector<std::string>& emails, std::string subject,
                       std::string body, EscalationOutcome& out);
    void apply_patch(StoreTx& tx, TicketId id, const TicketPatch& patch, const Actor& actor, EscalationOutcome& out);
    void audit(StoreTx& tx, TicketId id, std::string actor, std::string type, std::string detail,
               std::vector<FieldChange> changes, EscalationOutcome& out);

    const Clock& clock_;
    const TicketDesk& desk_;
    std::shared_ptr<const EscalationSettings> settings_;
    std::atomic<std::shared_ptr<const RuleSet>> rules_;
    const LanguageDetector* detector_;
    const EscalationMail* mail_ = nullptr;
    AgentRouter router_;
    RuleOutcome buffer_;  // reused by every evaluation
    std::optional<Timestamp> counted_reply_;  // a rule's reply in this event that counts as a response
};

}  // namespace triage
