#include "server/app.hpp"

#include "server/report_config.hpp"

#include "storage/file_blob_store.hpp"
#include "storage/tiered_blob_store.hpp"
#include "storage/sqlite_accounts.hpp"
#include "storage/sqlite_store.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <stdexcept>

namespace triage::server {

App::App(Config config, const Clock& clock, std::unique_ptr<Store> store, std::unique_ptr<BlobStore> blobs,
         std::unique_ptr<AccountStore> accounts)
    : config_(std::move(config)),
      clock_(clock),
      store_(std::move(store)),
      blobs_(std::move(blobs)),
      intake_(clock_, IntakeDefaults{config_.default_queue}),
      desk_(clock_),
      auth_(*store_),
      outbox_(config_.email, clock_),
      accounts_(std::move(accounts)),
      sessions_(*accounts_, auth_, *store_, clock_, SessionLimits{.secure_cookie = config_.web_secure_cookies}),
      live_(*store_) {
    fax_.region = config_.phone.default_region;
    fax_.ocr = config_.fax.ocr;
    fax_.profiles.insert(fax_.profiles.begin(), config_.fax.profiles.begin(), config_.fax.profiles.end());
}

App::~App() { stop(); }

std::unique_ptr<App> App::open(Config config, const Clock& clock) {
    std::error_code ec;
    std::filesystem::create_directories(config.data_dir, ec);
    if (ec)
        throw std::runtime_error(
            fmt::format("cannot create the data directory {}: {}", config.data_dir.string(), ec.message()));
    SqliteOptions store_options;
    if (config.store_max_batch) store_options.max_batch = *config.store_max_batch;
    auto store = SqliteStore::open(config.data_dir / "triage.db", store_options);
    // Small blobs in the database, written with the unit that names them; large ones files.
    auto blobs = std::make_unique<TieredBlobStore>(*store, config.data_dir / "blobs", config.inline_blob_limit);
    auto accounts = std::make_unique<SqliteAccounts>(config.data_dir / "triage.db");
    std::unique_ptr<App> app(
        new App(std::move(config), clock, std::move(store), std::move(blobs), std::move(accounts)));
    app->escalation_ = std::make_unique<EscalationService>(app->config_.source, clock, app->desk_, app->store());
    app->escalation_->use_outbox(app->outbox_, [a = app.get()] { a->mail_queued(); });
    auto agents = app->config_.agents;
    write_sync(app->store(), [&](StoreTx& tx) {
        for (auto& a : agents) tx.upsert_agent(a);
    });
    return app;
}

ReportFacts& App::reports() {
    std::call_once(reports_once_, [this] {
        for (const auto& d : config_.reports.deprecations) spdlog::warn("{}", d);
        ReportCalendars calendars = report_calendars(escalation_->engine().settings(), config_.reports);
        auto facts = std::make_unique<ReportFacts>(std::move(calendars));
        auto* sqlite = dynamic_cast<SqliteStore*>(store_.get());
        if (!sqlite) throw std::runtime_error("reports need the SQLite store");
        // The observer first, then the load from a read snapshot taken after it is set, on a
        // thread of its own: nothing committed is missed, what both see is applied once
        // (ReportFacts::load_in_background), and start-up does not wait for a million tickets.
        // By default the load waits for the first report, and the facts go again after
        // reports.facts_idle_minutes without one: an idle server holds none of them.
        auto* raw = facts.get();
        sqlite->observe_commits([raw](CommittedChanges&& changes) { raw->enqueue(std::move(changes)); });
        if (config_.reports.facts_idle_minutes > 0)
            facts->load_on_demand(sqlite->path(), std::chrono::minutes{config_.reports.facts_idle_minutes});
        else
            facts->load_in_background(sqlite->path());
        facts->start_applier();
        reports_ = std::move(facts);
    });
    return *reports_;
}

void App::follow_other_writers() {
    auto* sqlite = dynamic_cast<SqliteStore*>(store_.get());
    if (!sqlite) return;
    sqlite->on_external_commit([this, path = sqlite->path()] {
        spdlog::info("another process wrote tickets into {}: reloading report facts and SLA deadlines", path.string());
        reports().reload_in_background(path);
        escalation_->restore_timers_again();
    });
}

void App::stop() {
    if (escalation_) escalation_->stop();
    if (auto* sqlite = dynamic_cast<SqliteStore*>(store_.get())) sqlite->stop();
}

}  // namespace triage::server
