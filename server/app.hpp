// App: the composition root's object graph — config, clock, SQLite store, blob store,
// intake, ticket desk, auth and metrics — built once at start-up and shared by the HTTP
// server, the CLI and the tests. Members are thread-safe or immutable after open().
#pragma once

#include "engine/blob_store.hpp"
#include "engine/clock.hpp"
#include "engine/intake.hpp"
#include "engine/store.hpp"
#include "engine/ticket_desk.hpp"
#include "server/auth.hpp"
#include "server/config.hpp"
#include "server/fax_intake.hpp"
#include "server/escalation_service.hpp"
#include "server/email_outbox.hpp"
#include "server/live_updates.hpp"
#include "server/metrics.hpp"
#include "server/sessions.hpp"
#include "server/report_facts.hpp"

#include <functional>
#include <memory>
#include <mutex>

namespace triage::server {

class App {
public:
    // Opens (creating and migrating) the data directory. Throws std::runtime_error with a
    // clear message when it cannot. `clock` must outlive the App.
    static std::unique_ptr<App> open(Config config, const Clock& clock);
    ~App();

    const Config& config() const { return config_; }
    const Clock& clock() const { return clock_; }
    Store& store() { return *store_; }
    BlobStore& blobs() { return *blobs_; }
    const Intake& intake() const { return intake_; }
    const TicketDesk& desk() const { return desk_; }
    Auth& auth() { return auth_; }
    Metrics& metrics() { return metrics_; }
    const FaxSettings& fax_settings() const { return fax_; }
    EscalationService& escalation() { return *escalation_; }
    const EmailOutbox& outbox() const { return outbox_; }
    // Called after a commit that queued outbound mail; wakes the sender when one runs.
    // Set once at start-up, before any request is served.
    void on_mail_queued(std::function<void()> wake) { mail_queued_ = std::move(wake); }
    void mail_queued() const {
        if (mail_queued_) mail_queued_();
    }
    AccountStore& accounts() { return *accounts_; }
    Sessions& sessions() { return sessions_; }
    LiveUpdates& live() { return live_; }

    // Finishes queued writes and closes the database.
    void stop();

    // The in-memory report facts: loaded from the database on first use (triaged calls it at
    // start-up), then kept current by the store's commit observer. Thread-safe.
    ReportFacts& reports();
    // When another process (the `triage` CLI's imports) writes tickets into this database,
    // the report facts load again and the SLA deadlines are read again, so its tickets show
    // in reports and their clocks ring without a restart. After reports() and escalation().start().
    void follow_other_writers();

private:
    App(Config config, const Clock& clock, std::unique_ptr<Store> store, std::unique_ptr<BlobStore> blobs,
        std::unique_ptr<AccountStore> accounts);

    Config config_;
    const Clock& clock_;
    std::unique_ptr<Store> store_;
    std::unique_ptr<BlobStore> blobs_;
    Intake intake_;
    TicketDesk desk_;
    Auth auth_;
    Metrics metrics_;
    FaxSettings fax_;  // built from config_.fax and phone.default_region
    std::unique_ptr<EscalationService> escalation_;  // after store_ and desk_, which it uses
    std::once_flag reports_once_;
    std::unique_ptr<ReportFacts> reports_;  // set once under reports_once_
    EmailOutbox outbox_;
    std::function<void()> mail_queued_;
    std::unique_ptr<AccountStore> accounts_;
    Sessions sessions_;
    LiveUpdates live_;
};

}  // namespace triage::server
