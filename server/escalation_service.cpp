#include "server/escalation_service.hpp"

#include "engine/language_guess.hpp"

#include "server/event_log.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace triage::server {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr auto kMaxTimerSleep = std::chrono::seconds(1);  // newly armed earlier timers wait at most this
constexpr auto kTick = std::chrono::seconds(30);          // routing of waiting tickets; outbox
constexpr int kMaxWebhookAttempts = 10;

std::chrono::milliseconds backoff(int attempts) {
    return std::min<std::chrono::milliseconds>(std::chrono::seconds(10) * (1 << std::min(attempts, 10)),
                                               std::chrono::hours(1));
}

}  // namespace

std::string webhook_signature(std::string_view key, std::string_view body) {
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()), body.size());
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_final(&state, mac);
    std::string hex;
    for (unsigned char c : mac) hex += fmt::format("{:02x}", c);
    return hex;
}

EscalationService::EscalationService(const std::filesystem::path& config_file, const Clock& clock,
                                     const TicketDesk& desk, Store& store)
    : clock_(clock), desk_(desk), store_(store) {
    auto settings = std::make_shared<EscalationSettings>();
    if (!config_file.empty()) {
        auto loaded = load_escalation_settings(config_file);
        if (!loaded) throw std::runtime_error(loaded.error().message);
        *settings = std::move(*loaded);
        for (const auto& d : settings->deprecations) spdlog::warn("{}", d);
    }
    std::shared_ptr<const RuleSet> rules;
    rules_file_ = settings->rules_file;
    if (!rules_file_.empty()) {
        auto compiled = RuleSet::load(rules_file_);
        if (!compiled) throw std::runtime_error("invalid rules:\n" + compiled.error().message);
        rules = std::make_shared<const RuleSet>(std::move(*compiled));
    }
    try {
        detector_ = std::make_unique<LanguageDetector>();
    } catch (const std::exception& e) {
        spdlog::warn("language detection is off: {}", e.what());
    }
    engine_ = std::make_unique<EscalationEngine>(clock, desk, std::move(settings), std::move(rules), detector_.get());
}

EscalationService::~EscalationService() {
    std::thread restorer;
    {
        std::lock_guard lock(mutex_);
        restorer = std::move(restorer_);
    }
    if (restorer.joinable()) restorer.join();
}

void EscalationService::after_intake(StoreTx& tx, IntakeOutcome& outcome) {
    EscalationOutcome out;
    engine_->after_intake(tx, outcome, out);
    for (auto& e : out.events) outcome.events.push_back(std::move(e));
    arm_after_commit(tx, std::move(out.timers));
}

void EscalationService::after_desk(StoreTx& tx, DeskOutcome& outcome) {
    EscalationOutcome out;
    engine_->after_desk(tx, outcome, out);
    for (auto& e : out.events) outcome.events.push_back(std::move(e));
    arm_after_commit(tx, std::move(out.timers));
}

void EscalationService::use_outbox(const EmailOutbox& outbox, std::function<void()> wake) {
    mail_ = std::make_unique<EscalationOutboxMail>(outbox, desk_, std::move(wake));
    engine_->set_mail(mail_.get());
}

Result<ReferralRecord> EscalationService::refer(StoreTx& tx, TicketId ticket, std::string_view specialty,
                                                std::string_view region, const Actor& actor, EscalationOutcome& out) {
    out = EscalationOutcome{};  // a unit may run twice (store.hpp)
    auto r = engine_->refer(tx, ticket, specialty, region, actor, out);
    if (r) arm_after_commit(tx, out.timers);
    return r;
}

Result<ReferralRecord> EscalationService::move_referral(StoreTx& tx, std::int64_t referral, std::string_view state,
                                                        std::string_view note, const Actor& actor,
                                                        EscalationOutcome& out) {
    out = EscalationOutcome{};
    auto r = engine_->move_referral(tx, referral, state, note, actor, out);
    if (r) arm_after_commit(tx, out.timers);
    return r;
}

// A timer armed inside the unit could ring for a change that is rolled back (or armed twice
// when the unit runs again): the heap hears of it only once the unit is durable.
void EscalationService::arm_after_commit(StoreTx& tx, std::vector<SlaTimer> timers) {
    if (timers.empty()) return;
    tx.after_commit([this, timers = std::move(timers)] { arm(timers); });
}

void EscalationService::detect_language(Enquiry& enquiry) const {
    if (!detector_ || enquiry.kind != EnquiryKind::message) return;
    if (!enquiry.language.empty() && enquiry.language != "und") return;
    // The word-list guess settles clear fi/et/lv/en texts for almost nothing; n-gram
    // detection (about 0.1 ms of CPU each) runs on the rest.
    auto language = guess_language_if_clear(enquiry.text);
    if (language == "und") language = detector_->detect(enquiry.text);
    if (language != "und") enquiry.language = std::move(language);
}

void EscalationService::arm(const std::vector<SlaTimer>& timers) {
    if (timers.empty()) return;
    std::lock_guard lock(mutex_);
    for (const auto& t : timers) heap_.push(t.due, t.ticket);
    if (armed_during_restore_) armed_during_restore_->insert(armed_during_restore_->end(), timers.begin(), timers.end());
}

void EscalationService::restore_timers_again() {
    std::lock_guard lock(mutex_);
    if (restoring_) {
        restore_again_ = true;
        return;
    }
    restoring_ = true;
    if (restorer_.joinable()) restorer_.join();  // the last restore, already done
    restorer_ = std::thread{[this] { run_restore(); }};
}

void EscalationService::run_restore() {
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            armed_during_restore_.emplace();
        }
        SlaTimerHeap fresh;
        try {
            auto reader = store_.reader();  // after armed_during_restore_: a later arm is noted
            EscalationEngine::restore_timers(*reader, [&](const SlaTimer& t) { fresh.append_unordered(t.due, t.ticket); });
        } catch (const std::exception& e) {
            spdlog::error("SLA scheduler: cannot read the deadlines again: {}", e.what());
            std::lock_guard lock(mutex_);
            armed_during_restore_.reset();
            restoring_ = false;
            return;
        }
        std::lock_guard lock(mutex_);
        for (const auto& t : *armed_during_restore_) fresh.append_unordered(t.due, t.ticket);
        armed_during_restore_.reset();
        fresh.heapify();
        heap_ = std::move(fresh);
        spdlog::info("SLA scheduler: {} pending deadlines read again after another process wrote", heap_.size());
        if (!restore_again_) {
            restoring_ = false;
            return;
        }
        restore_again_ = false;
    }
}

std::size_t EscalationService::pending_timers() {
    std::lock_guard lock(mutex_);
    return heap_.size();
}

Result<std::size_t> EscalationService::reload() {
    std::lock_guard lock(reload_mutex_);
    if (rules_file_.empty())
        return problem(errc::conflict, "no rules file is configured (escalation.rules)", "rules");
    auto compiled = RuleSet::load(rules_file_);
    if (!compiled) {
        auto p = compiled.error();
        p.message = "kept the old rules; " + p.message;
        return p;
    }
    const auto n = compiled->size();
    engine_->set_rules(std::make_shared<const RuleSet>(std::move(*compiled)));
    return n;
}

void EscalationService::start(asio::io_context& ioc) {
    {
        auto reader = store_.reader();
        std::lock_guard lock(mutex_);
        EscalationEngine::restore_timers(*reader, [&](const SlaTimer& t) { heap_.append_unordered(t.due, t.ticket); });
        heap_.heapify();
        spdlog::info("SLA scheduler: {} pending deadlines restored", heap_.size());
    }
    strand_ = std::make_unique<asio::strand<asio::io_context::executor_type>>(asio::make_strand(ioc.get_executor()));
    timer_ = std::make_unique<asio::steady_timer>(*strand_);
    tick_ = std::make_unique<asio::steady_timer>(*strand_);
    asio::post(*strand_, [this] {
        on_timer();  // deadlines that passed while the server was down fire now, once
        wait_tick();
    });
}

void EscalationService::stop() {
    if (!strand_) return;
    if (strand_->get_inner_executor().context().stopped()) {
        // The io_context no longer runs (the end of main): drop the timers while it still exists.
        timer_.reset();
        tick_.reset();
        strand_.reset();
        return;
    }
    asio::post(*strand_, [this] {
        stopping_ = true;
        timer_->cancel();
        tick_->cancel();
    });
}

void EscalationService::wait_timer() {
    if (stopping_) return;
    std::optional<Timestamp> next;
    {
        std::lock_guard lock(mutex_);
        next = heap_.next();
    }
    auto sleep = std::chrono::duration_cast<std::chrono::steady_clock::duration>(kMaxTimerSleep);
    if (next) sleep = std::clamp<std::chrono::steady_clock::duration>(*next - clock_.system_now(),
                                                                      std::chrono::steady_clock::duration::zero(), sleep);
    timer_->expires_after(sleep);
    timer_->async_wait([this](boost::system::error_code ec) {
        if (!ec) on_timer();
    });
}

void EscalationService::on_timer() {
    if (stopping_) return;
    std::vector<TicketId> due;
    {
        std::lock_guard lock(mutex_);
        heap_.pop_due(clock_.system_now(), [&](TicketId id) { due.push_back(id); });
    }
    std::sort(due.begin(), due.end());
    due.erase(std::unique(due.begin(), due.end()), due.end());
    if (!due.empty()) {
        auto out = std::make_shared<EscalationOutcome>();
        store_.post_write(
            [this, due, out](StoreTx& tx) {
                *out = EscalationOutcome{};  // a unit may run twice (store.hpp)
                for (auto id : due) engine_->on_timer(tx, id, *out);
                return true;
            },
            [this, out](std::exception_ptr e) {
                if (e) {
                    try {
                        std::rethrow_exception(e);
                    } catch (const std::exception& ex) {
                        spdlog::error("SLA timers: {}", ex.what());
                    }
                    return;
                }
                log_events(out->events);
                if (listener_) listener_(out->events);
                arm(out->timers);
            });
    }
    wait_timer();
}

void EscalationService::wait_tick() {
    if (stopping_) return;
    tick_->expires_after(kTick);
    tick_->async_wait([this](boost::system::error_code ec) {
        if (ec || stopping_) return;
        const bool time_rules = std::chrono::steady_clock::now() >= next_time_rules_;
        if (time_rules) next_time_rules_ = std::chrono::steady_clock::now() + engine_->settings().time_rules_every;
        auto out = std::make_shared<EscalationOutcome>();
        store_.post_write(
            [this, out, time_rules](StoreTx& tx) {
                *out = EscalationOutcome{};  // a unit may run twice (store.hpp)
                if (time_rules) engine_->on_tick(tx, *out);
                else engine_->route_waiting(tx, *out);
                return true;
            },
            [this, out](std::exception_ptr e) {
                if (e) return;
                log_events(out->events);
                if (listener_) listener_(out->events);
                arm(out->timers);
            });
        deliver_webhooks();
        wait_tick();
    });
}

// One pass over the due webhooks: POST each signed body; 2xx marks it sent, anything else
// schedules a retry with backoff until kMaxWebhookAttempts. Email notifications stay
// pending in the same table for the outbound mail outbox to send.
void EscalationService::deliver_webhooks() {
    if (delivering_) return;
    auto due = store_.reader()->due_notifications("webhook", clock_.system_now(), 20);
    if (due.empty()) return;
    delivering_ = true;
    asio::co_spawn(
        *strand_,
        [this, due = std::move(due)]() mutable -> asio::awaitable<void> {
            for (auto& n : due) {
                std::string error;
                try {
                    auto url = boost::urls::parse_uri(n.target);
                    if (!url || url->scheme() != "http") throw std::runtime_error("only http:// webhooks are supported");
                    std::string secret;
                    if (!n.secret_env.empty())
                        if (const char* v = std::getenv(n.secret_env.c_str())) secret = v;
                    beast::tcp_stream stream(co_await asio::this_coro::executor);
                    asio::ip::tcp::resolver resolver(co_await asio::this_coro::executor);
                    auto port = url->has_port() ? std::string(url->port()) : std::string("80");
                    auto results = co_await resolver.async_resolve(std::string(url->host()), port, asio::use_awaitable);
                    stream.expires_after(std::chrono::seconds(10));
                    co_await stream.async_connect(results, asio::use_awaitable);
                    http::request<http::string_body> req{http::verb::post,
                                                         url->encoded_target().empty() ? "/" : std::string(url->encoded_target()), 11};
                    req.set(http::field::host, std::string(url->host()));
                    req.set(http::field::content_type, "application/json");
                    req.set("X-Triage-Notification", std::to_string(n.id));
                    if (!secret.empty()) req.set("X-Triage-Signature", "sha256=" + webhook_signature(secret, n.body));
                    req.body() = n.body;
                    req.prepare_payload();
                    co_await http::async_write(stream, req, asio::use_awaitable);
                    beast::flat_buffer buffer;
                    http::response<http::string_body> res;
                    co_await http::async_read(stream, buffer, res, asio::use_awaitable);
                    if (res.result_int() < 200 || res.result_int() >= 300)
                        error = fmt::format("HTTP {}", res.result_int());
                } catch (const std::exception& e) {
                    error = e.what();
                }
                n.attempts += 1;
                if (error.empty()) n.status = "sent";
                else {
                    n.last_error = error;
                    n.next_attempt_at = clock_.system_now() + backoff(n.attempts);
                    if (n.attempts >= kMaxWebhookAttempts) n.status = "failed";
                    spdlog::warn("webhook {} to {} failed ({}), attempt {}", n.id, n.target, error, n.attempts);
                }
                store_.post_write([n](StoreTx& tx) { tx.update_notification(n); return true; }, [](std::exception_ptr) {});
            }
            delivering_ = false;
        },
        asio::detached);
}

}  // namespace triage::server
