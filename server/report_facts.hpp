// ReportFacts: compact per-ticket facts that every manager report scans instead of SQL —
// a struct of arrays sorted by created_at, strings dictionary-encoded, times as offsets,
// business minutes and SLA deadlines computed once per change. Loaded from the database at
// start-up, then kept current by the store's commit observer (enqueue() on the writer thread,
// applied by the next report or the applier thread). Thread-safe: enqueue() from any thread;
// reports take a shared lock through with_facts().
#pragma once

#include "engine/committed_changes.hpp"
#include "engine/store.hpp"
#include "escalation/business_calendar.hpp"
#include "escalation/sla_policy.hpp"
#include "storage/sqlite_report_source.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace triage::server {

// Strings to small dense ids; id 0 is always "" (none).
class Dictionary {
public:
    Dictionary() { id(""); }
    std::uint32_t id(std::string_view name);  // adds unknown names
    std::optional<std::uint32_t> find(std::string_view name) const;
    const std::string& name(std::uint32_t id) const { return names_[id]; }
    std::size_t size() const noexcept { return names_.size(); }

private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    std::vector<std::string> names_;
    std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> ids_;
};

inline constexpr std::int32_t kNoTime = -1;  // an offset that is not set

// FactColumns::sla_clock: what the escalation engine's clock says of one target.
enum SlaVerdict : std::uint8_t {
    kSlaByTimes = 0,  // no clock: judged from the ticket's timestamps and the policy
    kSlaMet = 1,
    kSlaBreached = 2,
    kSlaRunning = 3,  // the deadline is in the *_due_s column
    kSlaPaused = 4,   // not breached (yet)
};
inline constexpr std::size_t kKeywordsPerTicket = 4;

// Where SLA targets and business minutes come from.
struct ReportCalendars {
    std::map<std::string, BusinessCalendar> calendars;      // by name
    std::string default_calendar;                           // "" : business time = wall time
    std::map<std::string, std::string> queue_calendars;     // queue -> calendar name
    std::vector<SlaPolicy> sla_policies;
};

// An escalation history, kept only for tickets that have one (most have none).
struct EscalationFacts {
    std::array<std::int32_t, 4> reached_s{kNoTime, kNoTime, kNoTime, kNoTime};  // by Tier; seconds after created
    std::uint16_t reason = 0;   // dictionary `reasons`: the first escalation's reason
    std::uint16_t partner = 0;  // dictionary `partners`; 0: never referred
    std::uint16_t outcome = 0;  // dictionary `outcomes`
};

// The columns. Index i is the i-th ticket in (created_at, id) order.
struct FactColumns {
    std::vector<std::int64_t> created_ms;        // UTC ms since the epoch
    std::vector<std::uint32_t> id;               // ticket id
    std::vector<std::int32_t> first_response_s;  // seconds after created; kNoTime
    std::vector<std::int32_t> solved_s;          // first of solved/closed, seconds after created; kNoTime
    std::vector<std::int32_t> first_response_bm;  // business minutes to first response; kNoTime
    std::vector<std::int32_t> resolution_bm;      // business minutes to solved; kNoTime
    std::vector<std::int32_t> first_response_due_s;  // SLA deadline, seconds after created; kNoTime: no target
    std::vector<std::int32_t> resolution_due_s;
    std::vector<std::uint32_t> organisation;  // dictionary organisations
    std::vector<std::uint16_t> queue, category, assignee;  // assignee: dictionary agents ("agent:ID" -> index)
    std::vector<std::uint8_t> channel, priority, status, tier, language;  // enums as their value; language: dictionary
    std::vector<std::uint8_t> replies;  // agent replies, saturating at 255
    std::vector<std::uint8_t> reopens;  // saturating at 255
    std::vector<std::uint8_t> escalated;  // 1: Facts::escalations has an entry
    // The escalation engine's SLA clocks (ticket_sla), when it keeps them for the ticket: low
    // nibble first response, high nibble resolution, each a SlaVerdict. A recorded target's
    // business minutes and deadline are the clock's, not recomputed from the timestamps.
    std::vector<std::uint8_t> sla_clock;
    std::vector<std::array<std::uint32_t, kKeywordsPerTicket>> keywords;  // dictionary keywords; 0 = none

    std::size_t size() const noexcept { return created_ms.size(); }

    // Calls `f` on every column (each a std::vector of its own element type).
    template <class F>
    void each(F&& f) {
        f(created_ms), f(id), f(first_response_s), f(solved_s), f(first_response_bm), f(resolution_bm);
        f(first_response_due_s), f(resolution_due_s), f(organisation), f(queue), f(category), f(assignee);
        f(channel), f(priority), f(status), f(tier), f(language), f(replies), f(reopens), f(escalated);
        f(sla_clock), f(keywords);
    }
};

struct Facts {
    FactColumns col;
    Dictionary queues, categories, languages, organisations, keywords, reasons, partners, outcomes;
    std::vector<AgentId> agent_ids{0};  // assignee index -> agent id (0: none)
    std::unordered_map<TicketId, EscalationFacts> escalations;
    std::size_t bytes() const noexcept;  // memory held by the columns (estimate)
};

class ReportFacts {
public:
    explicit ReportFacts(ReportCalendars calendars);
    ~ReportFacts();  // stops the applier
    ReportFacts(const ReportFacts&) = delete;
    ReportFacts& operator=(const ReportFacts&) = delete;

    // Reads every ticket from the database (at start-up, before the observer is set).
    void load(const std::filesystem::path& db_path);
    // The same on a thread of its own, with the observer already set: reports wait for it
    // (wait_ready), and the changes enqueued meanwhile are applied after it, skipping those
    // its snapshot already holds (by id: messages, events, imports; tickets and customers are
    // applied again, which changes nothing). A server starts serving without waiting.
    void load_in_background(const std::filesystem::path& db_path);
    // Another process wrote tickets (the CLI's imports): loads everything again, as at
    // start-up (reports wait for it), with the changes enqueued meanwhile applied after.
    // A call during a load makes that load run once more. From one thread at a time.
    void reload_in_background(const std::filesystem::path& db_path);
    // Loads on first use instead, as a cache of the database: the first report (wait_ready,
    // with_facts) starts a background load, and after `idle` without a report the facts are
    // dropped and their memory given back to the system, so an idle server holds none of it
    // however many tickets it has; the next report loads them again. Until then, and while
    // dropped, committed changes are not queued (the load reads them). `idle` zero: kept
    // once loaded. With the observer already set; instead of load_in_background.
    void load_on_demand(const std::filesystem::path& db_path, std::chrono::milliseconds idle);
    // Drops on-demand facts that no report has used since `now - idle` and that no report
    // is using; true when it dropped them. The applier calls it; tests call it with a `now`.
    bool release_if_idle(std::chrono::steady_clock::time_point now);
    // Facts are in memory or loading (false only for on-demand facts not loaded or dropped).
    bool resident() const;

    // True once loaded (also when never asked to load). Waits at most `limit` for it.
    // On-demand facts that are not in memory start loading first.
    bool wait_ready(std::chrono::milliseconds limit);
    void wait_loaded();  // without a limit
    bool ready() const noexcept { return ready_.load(std::memory_order_acquire); }
    // Why a background load failed ("" when it did not); reports then fail with it.
    std::string load_error() const;
    // Progress of a background load: tickets read so far.
    std::size_t loaded_tickets() const noexcept { return loaded_tickets_.load(std::memory_order_relaxed); }
    // The same from the writer's transaction (SqliteStore::observe_commits' `before`).
    void load(StoreTx& tx);

    // From the commit observer: queues the changes and wakes the applier. Never blocks on a report.
    void enqueue(CommittedChanges&& changes);
    // Applies what is queued now (reports call it first, so they see every acknowledged write).
    void apply_pending();
    // Starts a thread that applies queued changes soon after they arrive.
    void start_applier();

    // Runs `fn` under a shared lock after applying what is queued; first waits for a
    // background load (callers that must not wait long call wait_ready first).
    template <class Fn>
    auto with_facts(Fn&& fn) {
        Use use{*this};  // on-demand facts stay while it runs
        wait_loaded();
        apply_pending();
        std::shared_lock lock{mutex_};
        return fn(static_cast<const Facts&>(facts_));
    }

    const ReportCalendars& calendars() const noexcept { return calendars_; }

    // Tokenises a subject into report keywords: lower-cased words of 4+ letters, stop words
    // of en/fi/et/lv dropped, at most kKeywordsPerTicket distinct ones, in order of appearance.
    static std::vector<std::string> keywords_of(std::string_view subject);

private:
    // A report using the facts: counted, so release_if_idle never drops them under it.
    class Use {
    public:
        explicit Use(ReportFacts& facts);
        ~Use();
        Use(const Use&) = delete;
        Use& operator=(const Use&) = delete;

    private:
        ReportFacts& facts_;
    };
    struct Customer {
        std::uint32_t organisation = 0;
        std::string tier;
    };
    template <class Scan>
    void load_with(Scan&& scan);
    void apply(CommittedChanges& changes);  // under the unique lock
    void upsert(const Ticket& t, std::optional<int> replies);
    void apply_event(const TicketEvent& e);
    void apply_sla(const CommittedChanges::SlaFacts& f);
    void sort_if_needed();
    const BusinessCalendar* calendar_for(std::string_view queue) const;
    void run_applier();
    // With loading_ set; `why` for the log line.
    void start_loader(const std::filesystem::path& db_path, bool reset, std::string why);
    // On-demand facts not in memory: starts loading them (with pending_mutex_ held in `lock`).
    void load_if_dropped(std::unique_lock<std::mutex>& lock);

    const ReportCalendars calendars_;

    mutable std::shared_mutex mutex_;
    Facts facts_;                          // guarded by mutex_
    std::vector<std::uint32_t> position_;  // ticket id -> index + 1 (0: unknown); guarded by mutex_
    std::vector<Customer> customers_;      // by customer id; guarded by mutex_
    bool unsorted_ = false;                // guarded by mutex_

    mutable std::mutex pending_mutex_;
    std::condition_variable wake_applier_;
    std::vector<CommittedChanges> pending_;  // guarded by pending_mutex_
    bool stopping_ = false;                  // guarded by pending_mutex_
    bool loading_ = false;                   // a background load runs; guarded by pending_mutex_
    bool reload_wanted_ = false;             // load again when the running load ends; guarded by pending_mutex_
    std::string load_error_;                 // guarded by pending_mutex_
    std::condition_variable loaded_;         // with pending_mutex_: loading_ ended
    std::atomic<bool> ready_{true};
    // load_on_demand: where from, and after how long without a report the facts are dropped.
    std::filesystem::path on_demand_path_;   // empty: not on demand; set before any report
    std::chrono::milliseconds idle_{0};
    bool resident_ = true;                   // guarded by pending_mutex_
    int users_ = 0;                          // reports using the facts now; guarded by pending_mutex_
    std::chrono::steady_clock::time_point last_use_;  // guarded by pending_mutex_
    std::mutex loader_mutex_;                // starting loader_ (and joining the last one)
    std::atomic<std::size_t> loaded_tickets_{0};
    sqlite::ReportSourceMarks marks_;        // what the load saw; guarded by mutex_
    std::thread applier_;
    std::thread loader_;
};

}  // namespace triage::server
