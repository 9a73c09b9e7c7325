// EscalationService: the escalation engine wired into the server — settings and rules
// loaded from the config at start (an invalid rules file stops triaged from starting),
// atomic reload (SIGHUP, POST /api/v1/admin/reload), the SLA scheduler (one Asio timer over
// a heap of every pending deadline, restored from the database at start), the periodic tick
// (`on: time` rules, routing of waiting tickets) and the webhook outbox (HMAC-SHA256-signed
// JSON, retried with backoff from the notifications table). The engine itself runs inside
// store units on the writer thread; the scheduler's heap is guarded by its mutex.
#pragma once

#include "engine/intake.hpp"
#include "engine/store.hpp"
#include "engine/ticket_desk.hpp"
#include "escalation/escalation_engine.hpp"
#include "escalation/language_detector.hpp"
#include "escalation/sla_timer_heap.hpp"
#include "server/escalation_mail.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace triage::server {

// HMAC-SHA256 of `body` with `key`, lower-case hex: the X-Triage-Signature of a webhook.
std::string webhook_signature(std::string_view key, std::string_view body);

class EscalationService {
public:
    // Reads the escalation settings and rules named by `config_file` ("" = none: no rules,
    // no SLA policies). Throws std::runtime_error with every problem when they are invalid.
    EscalationService(const std::filesystem::path& config_file, const Clock& clock, const TicketDesk& desk,
                      Store& store);
    ~EscalationService();

    EscalationEngine& engine() { return *engine_; }

    // The engine's email (tier notices, rule notices, case summaries, rule replies) goes
    // through `outbox`; `wake` tells its sender after the commit. Call once, before serving.
    void use_outbox(const EmailOutbox& outbox, std::function<void()> wake);
    // EscalationEngine::refer and move_referral in the caller's unit, timers armed after commit.
    Result<ReferralRecord> refer(StoreTx& tx, TicketId ticket, std::string_view specialty, std::string_view region,
                                 const Actor& actor, EscalationOutcome& out);
    Result<ReferralRecord> move_referral(StoreTx& tx, std::int64_t referral, std::string_view state,
                                         std::string_view note, const Actor& actor, EscalationOutcome& out);

    // Runs the engine after an intake or desk command, in the same unit; adds its audit
    // events to the outcome's and arms the timers it asks for once the unit is durably
    // committed (StoreTx::after_commit), so a rolled-back unit arms nothing.
    void after_intake(StoreTx& tx, IntakeOutcome& outcome);
    void after_desk(StoreTx& tx, DeskOutcome& outcome);
    void arm(const std::vector<SlaTimer>& timers);
    void arm_after_commit(StoreTx& tx, std::vector<SlaTimer> timers);
    // Sets the language of an enquiry that has none from its text (libexttextcat), so that
    // the ticket it opens is created with it. Thread-safe; a few hundred microseconds.
    void detect_language(Enquiry& enquiry) const;

    // Compiles the rules file again; swaps on success, keeps the old rules otherwise.
    // Returns the number of rules, or why nothing changed.
    Result<std::size_t> reload();

    // Restores the timers from the store and starts the scheduler, tick and outbox on `ioc`.
    // Told, after each durable commit of timer or tick work, the events it made (for live
    // updates). Set before start(); called on the store's writer thread.
    void on_events(std::function<void(const std::vector<TicketEvent>&)> listener) { listener_ = std::move(listener); }
    void start(boost::asio::io_context& ioc);
    void stop();
    std::size_t pending_timers();
    // Another process wrote tickets (the CLI's imports): reads every pending deadline from the
    // store again, on a thread of its own, so their SLA clocks ring too. Quick; any thread.
    void restore_timers_again();

private:
    void wait_timer();
    void on_timer();
    void wait_tick();
    void deliver_webhooks();

    std::filesystem::path rules_file_;
    const Clock& clock_;
    const TicketDesk& desk_;
    std::unique_ptr<EscalationOutboxMail> mail_;  // set by use_outbox, before serving
    Store& store_;
    std::unique_ptr<LanguageDetector> detector_;
    std::unique_ptr<EscalationEngine> engine_;

    std::mutex mutex_;
    SlaTimerHeap heap_;  // guarded by mutex_
    // While a restore reads the store, arm() also notes its timers here, so none armed after
    // the restore's snapshot is lost when its heap replaces heap_.
    std::optional<std::vector<SlaTimer>> armed_during_restore_;  // guarded by mutex_
    bool restore_again_ = false;  // guarded by mutex_
    bool restoring_ = false;      // guarded by mutex_
    std::thread restorer_;        // guarded by mutex_ (replaced only when not restoring)
    void run_restore();
    std::mutex reload_mutex_;  // one reload at a time

    std::unique_ptr<boost::asio::strand<boost::asio::io_context::executor_type>> strand_;
    std::unique_ptr<boost::asio::steady_timer> timer_, tick_;
    bool stopping_ = false;  // strand only
    std::chrono::steady_clock::time_point next_time_rules_{};  // strand only
    bool delivering_ = false;  // strand only
    std::function<void(const std::vector<TicketEvent>&)> listener_;  // set before start()
};

}  // namespace triage::server
