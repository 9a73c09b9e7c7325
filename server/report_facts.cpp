#include "server/report_facts.hpp"

#include "storage/sqlite_report_source.hpp"

#include <algorithm>
#include <malloc.h>
#include <numeric>
#include <pthread.h>
#include <spdlog/spdlog.h>

namespace triage::server {
namespace {

using namespace std::chrono;

std::int32_t seconds_after(Timestamp from, const std::optional<Timestamp>& t) {
    if (!t) return kNoTime;
    auto s = duration_cast<seconds>(*t - from).count();
    return static_cast<std::int32_t>(std::clamp<std::int64_t>(s, 0, INT32_MAX));
}

std::uint8_t saturate8(std::int64_t v) { return static_cast<std::uint8_t>(std::clamp<std::int64_t>(v, 0, 255)); }
std::uint16_t saturate16(std::uint32_t v) { return static_cast<std::uint16_t>(std::min<std::uint32_t>(v, 65535)); }

// Lower-cases one code point of Latin-1 and Latin Extended-A (Finnish, Estonian and Latvian
// letters: Ä Ö Õ Ü Š Ž Ā Č Ē Ģ Ī Ķ Ļ Ņ Ū); others unchanged.
char32_t lower(char32_t c) {
    if (c >= 'A' && c <= 'Z') return c + 32;
    if ((c >= 0xC0 && c <= 0xDE && c != 0xD7)) return c + 32;
    if (c >= 0x100 && c <= 0x17F) {
        // Pairs: even upper / odd lower, except 0x139-0x148 and 0x179-0x17E (odd upper).
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c % 2 == 1) ? c + 1 : c;
        if (c == 0x130 || c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F) return c;
        return (c % 2 == 0) ? c + 1 : c;
    }
    return c;
}

void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) out += static_cast<char>(c);
    else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

bool is_stop_word(std::string_view w) {
    // Short function words of en, fi, et and lv that reach four letters.
    static constexpr std::string_view kStop[] = {
        "with", "from", "that", "this", "have", "your", "about", "please", "what", "when", "there", "still", "after",
        "ette", "mitä", "kuin", "joka", "tämä", "myös", "ovat", "enää", "vielä", "siitä", "minun", "teidän", "ei",
        "kohta", "minu", "teie", "pole", "kuid", "ning", "seda", "mitte", "enam", "veel", "palun", "kuidas",
        "nav", "kāpēc", "lūdzu", "mans", "mana", "manu", "jūsu", "kopš", "vairs", "joprojām", "nevaru", "netiek"};
    for (auto s : kStop)
        if (s == w) return true;
    return false;
}

}  // namespace

std::uint32_t Dictionary::id(std::string_view name) {
    if (auto it = ids_.find(name); it != ids_.end()) return it->second;
    auto id = static_cast<std::uint32_t>(names_.size());
    names_.emplace_back(name);
    ids_.emplace(names_.back(), id);
    return id;
}

std::optional<std::uint32_t> Dictionary::find(std::string_view name) const {
    if (auto it = ids_.find(name); it != ids_.end()) return it->second;
    return std::nullopt;
}

std::size_t Facts::bytes() const noexcept {
    const auto& c = col;
    return c.size() * (sizeof(std::int64_t) + sizeof(std::uint32_t) * 2 + sizeof(std::int32_t) * 6 +
                       sizeof(std::uint16_t) * 3 + 8 + sizeof(c.keywords[0])) +
           escalations.size() * (sizeof(EscalationFacts) + 16);
}

std::vector<std::string> ReportFacts::keywords_of(std::string_view subject) {
    std::vector<std::string> out;
    std::string word;
    std::size_t letters = 0;
    auto flush = [&] {
        if (letters >= 4 && !is_stop_word(word) && std::find(out.begin(), out.end(), word) == out.end() &&
            out.size() < kKeywordsPerTicket)
            out.push_back(word);
        word.clear();
        letters = 0;
    };
    for (std::size_t i = 0; i < subject.size();) {
        auto b = static_cast<unsigned char>(subject[i]);
        char32_t c = b;
        std::size_t len = 1;
        if (b >= 0xF0 && i + 3 < subject.size()) c = b & 0x07, len = 4;
        else if (b >= 0xE0 && i + 2 < subject.size()) c = b & 0x0F, len = 3;
        else if (b >= 0xC0 && i + 1 < subject.size()) c = b & 0x1F, len = 2;
        for (std::size_t k = 1; k < len; ++k) c = (c << 6) | (static_cast<unsigned char>(subject[i + k]) & 0x3F);
        i += len;
        const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c != 0xD7 && c != 0xF7 &&
                                                                                  !(c >= 0x2000 && c <= 0x206F));
        if (letter) {
            append_utf8(word, lower(c));
            ++letters;
        } else {
            flush();
        }
    }
    flush();
    return out;
}

ReportFacts::ReportFacts(ReportCalendars calendars) : calendars_(std::move(calendars)) {}

ReportFacts::~ReportFacts() {
    {
        std::lock_guard lock{loader_mutex_};
        if (loader_.joinable()) loader_.join();
    }
    {
        std::lock_guard lock{pending_mutex_};
        stopping_ = true;
    }
    wake_applier_.notify_one();
    if (applier_.joinable()) applier_.join();
}

void ReportFacts::load_in_background(const std::filesystem::path& db_path) {
    {
        std::lock_guard lock{pending_mutex_};
        loading_ = true;
        ready_ = false;
    }
    start_loader(db_path, false, "loaded");
}

void ReportFacts::reload_in_background(const std::filesystem::path& db_path) {
    {
        std::lock_guard lock{pending_mutex_};
        if (stopping_) return;
        if (!resident_) return;  // dropped on-demand facts: the next load reads everything anyway
        if (loading_) {  // the running load may have read too early: it loads once more
            reload_wanted_ = true;
            return;
        }
        loading_ = true;
        ready_ = false;
    }
    start_loader(db_path, true, "reloaded after another process wrote");
}

void ReportFacts::load_on_demand(const std::filesystem::path& db_path, std::chrono::milliseconds idle) {
    std::lock_guard lock{pending_mutex_};
    on_demand_path_ = db_path;
    idle_ = idle;
    resident_ = false;
    ready_ = false;
    pending_.clear();
    last_use_ = std::chrono::steady_clock::now();
}

bool ReportFacts::resident() const {
    std::lock_guard lock{pending_mutex_};
    return resident_;
}

void ReportFacts::load_if_dropped(std::unique_lock<std::mutex>& lock) {
    last_use_ = std::chrono::steady_clock::now();
    if (resident_ || stopping_ || on_demand_path_.empty()) return;
    resident_ = true;  // from here on commits are queued; the load's snapshot comes after
    loading_ = true;
    ready_ = false;
    auto path = on_demand_path_;
    lock.unlock();
    start_loader(path, true, "loaded for a report");  // reset: what a failed load left
    lock.lock();
}

bool ReportFacts::release_if_idle(std::chrono::steady_clock::time_point now) {
    auto may_drop = [&] {
        return !on_demand_path_.empty() && idle_.count() > 0 && resident_ && !loading_ && users_ == 0 && !stopping_ &&
               now - last_use_ >= idle_;
    };
    {
        std::lock_guard pending_lock{pending_mutex_};
        if (!may_drop()) return false;  // the common case, without waiting for a report's lock
    }
    std::size_t tickets = 0;
    {
        std::unique_lock lock{mutex_};  // mutex_ first, then pending_mutex_, as apply_pending
        {
            std::lock_guard pending_lock{pending_mutex_};
            if (!may_drop()) return false;
            resident_ = false;  // commits are no longer queued: the next load reads them
            ready_ = false;
            pending_.clear();
        }
        tickets = facts_.col.size();
        facts_ = Facts{};
        position_ = {};
        customers_ = {};
        unsorted_ = false;
        marks_ = {};
    }
    malloc_trim(0);  // the columns' pages back to the system, not only to malloc
    spdlog::info("report facts of {} tickets dropped after {} s without a report; the next report loads them again",
                 tickets, std::chrono::duration_cast<std::chrono::seconds>(idle_).count());
    return true;
}

ReportFacts::Use::Use(ReportFacts& facts) : facts_{facts} {
    std::lock_guard lock{facts_.pending_mutex_};
    ++facts_.users_;
    facts_.last_use_ = std::chrono::steady_clock::now();
}

ReportFacts::Use::~Use() {
    std::lock_guard lock{facts_.pending_mutex_};
    --facts_.users_;
    facts_.last_use_ = std::chrono::steady_clock::now();
}

void ReportFacts::start_loader(const std::filesystem::path& db_path, bool reset, std::string why) {
    std::lock_guard loader_lock{loader_mutex_};
    if (loader_.joinable()) loader_.join();  // the last load's thread, already done
    loader_ = std::thread{[this, db_path, reset, why = std::move(why)]() mutable {
        pthread_setname_np(pthread_self(), "triage-facts");
        for (;;) {
            std::string error;
            const auto started = std::chrono::steady_clock::now();
            try {
                if (reset) {
                    std::unique_lock lock{mutex_};
                    facts_ = Facts{};
                    position_.clear();
                    customers_.clear();
                    unsorted_ = false;
                    marks_ = {};
                }
                loaded_tickets_ = 0;
                load(db_path);
            } catch (const std::exception& e) {
                error = e.what();
            }
            if (error.empty())
                spdlog::info("report facts {}: {} tickets in {} ms", why,
                             loaded_tickets(),
                             std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
            else
                spdlog::error("report facts could not be loaded from {}: {}", db_path.string(), error);
            {
                std::lock_guard lock{pending_mutex_};
                if (reload_wanted_ && !stopping_) {
                    reload_wanted_ = false;
                    reset = true;
                    why = "reloaded after another process wrote";
                    continue;
                }
                reload_wanted_ = false;
                loading_ = false;
                // On demand, a failed load is tried again by the next report.
                if (!error.empty() && !on_demand_path_.empty()) resident_ = false;
                load_error_ = std::move(error);
                ready_ = true;
            }
            break;
        }
        loaded_.notify_all();
        wake_applier_.notify_one();
    }};
}

bool ReportFacts::wait_ready(std::chrono::milliseconds limit) {
    std::unique_lock lock{pending_mutex_};
    load_if_dropped(lock);
    return loaded_.wait_for(lock, limit, [&] { return !loading_; });
}

void ReportFacts::wait_loaded() {
    std::unique_lock lock{pending_mutex_};
    load_if_dropped(lock);
    loaded_.wait(lock, [&] { return !loading_; });
}

std::string ReportFacts::load_error() const {
    std::lock_guard lock{pending_mutex_};
    return load_error_;
}

const BusinessCalendar* ReportFacts::calendar_for(std::string_view queue) const {
    const std::string* name = &calendars_.default_calendar;
    if (auto it = calendars_.queue_calendars.find(std::string(queue)); it != calendars_.queue_calendars.end())
        name = &it->second;
    if (name->empty()) return nullptr;
    auto it = calendars_.calendars.find(*name);
    return it == calendars_.calendars.end() ? nullptr : &it->second;
}

void ReportFacts::load(const std::filesystem::path& db_path) {
    load_with([&](const sqlite::ReportSourceVisitor& visit) { sqlite::scan_report_source(db_path, visit); });
}

void ReportFacts::load(StoreTx& tx) {
    load_with([&](const sqlite::ReportSourceVisitor& visit) { sqlite::scan_report_source(tx, visit); });
}

template <class Scan>
void ReportFacts::load_with(Scan&& scan_source) {
    std::unique_lock lock{mutex_};
    sqlite::ReportSourceVisitor visit;
    visit.customer = [&](const sqlite::ReportCustomerRow& c) {
        if (c.id < 0) return;
        if (customers_.size() <= static_cast<std::size_t>(c.id)) customers_.resize(static_cast<std::size_t>(c.id) + 1);
        customers_[static_cast<std::size_t>(c.id)] = {facts_.organisations.id(c.organisation), std::string(c.tier)};
    };
    visit.ticket = [&](const sqlite::ReportTicketRow& r) {
        upsert(r.ticket, r.replies);
        loaded_tickets_.fetch_add(1, std::memory_order_relaxed);
    };
    visit.event = [&](const TicketEvent& e) { apply_event(e); };
    visit.sla = [&](const CommittedChanges::SlaFacts& f) { apply_sla(f); };
    visit.marks = [&](const sqlite::ReportSourceMarks& m) { marks_ = m; };
    scan_source(visit);
    sort_if_needed();
}

void ReportFacts::enqueue(CommittedChanges&& changes) {
    {
        std::lock_guard lock{pending_mutex_};
        if (!resident_) return;  // dropped on-demand facts: the next load reads it from the database
        pending_.push_back(std::move(changes));
    }
    wake_applier_.notify_one();
}

void ReportFacts::apply_pending() {
    {
        std::lock_guard lock{pending_mutex_};
        if (pending_.empty() || loading_) return;  // a background load applies them when done
    }
    // The unique lock first, then the queue: a report that finds the queue empty and then
    // waits for its shared lock thereby waits for whoever took the queue to finish applying it.
    std::unique_lock lock{mutex_};
    std::vector<CommittedChanges> batch;
    {
        std::lock_guard pending_lock{pending_mutex_};
        batch.swap(pending_);
    }
    for (auto& changes : batch) apply(changes);
    sort_if_needed();
}

void ReportFacts::start_applier() {
    applier_ = std::thread{[this] {
        pthread_setname_np(pthread_self(), "triage-reports");
        run_applier();
    }};
}

void ReportFacts::run_applier() {
    using Clock = std::chrono::steady_clock;
    auto next_check = Clock::now();
    for (;;) {
        bool work = false;
        {
            std::unique_lock lock{pending_mutex_};
            auto ready = [&] { return (!pending_.empty() && !loading_) || stopping_; };
            if (on_demand_path_.empty() || idle_.count() <= 0) {
                wake_applier_.wait(lock, ready);
                work = true;
            } else {
                // On-demand facts: every quarter of the idle time, see whether to drop them.
                work = wake_applier_.wait_until(lock, next_check, ready);
            }
            if (stopping_) return;
        }
        if (work) apply_pending();
        if (const auto now = Clock::now(); now >= next_check) {
            release_if_idle(now);
            next_check = now + std::clamp<std::chrono::milliseconds>(idle_ / 4, std::chrono::milliseconds{50},
                                                                      std::chrono::milliseconds{30'000});
        }
    }
}

void ReportFacts::apply(CommittedChanges& changes) {
    for (const auto& c : changes.customers) {
        if (c.id < 0) continue;
        if (customers_.size() <= static_cast<std::size_t>(c.id)) customers_.resize(static_cast<std::size_t>(c.id) + 1);
        customers_[static_cast<std::size_t>(c.id)] = {facts_.organisations.id(c.organisation), c.tier};
    }
    // Only a ticket's last value in the batch matters.
    std::unordered_map<TicketId, std::size_t> last;
    for (std::size_t i = 0; i < changes.tickets.size(); ++i) last[changes.tickets[i].id] = i;
    for (std::size_t i = 0; i < changes.tickets.size(); ++i)
        if (last[changes.tickets[i].id] == i) upsert(changes.tickets[i], std::nullopt);
    auto& col = facts_.col;
    auto index_of = [&](TicketId id) -> std::optional<std::size_t> {
        if (id <= 0 || static_cast<std::size_t>(id) >= position_.size() || position_[static_cast<std::size_t>(id)] == 0)
            return std::nullopt;
        return position_[static_cast<std::size_t>(id)] - 1;
    };
    // A background load's snapshot may already hold some of what was committed while it ran.
    for (const auto& m : changes.messages) {
        if (m.kind != MessageKind::reply || m.author_kind != AuthorKind::agent) continue;
        if (m.id != 0 && m.id <= marks_.message) continue;
        if (auto i = index_of(m.ticket_id)) col.replies[*i] = saturate8(col.replies[*i] + 1);
    }
    for (const auto& imp : changes.imports)
        if (imp.ticket_id > marks_.ticket)
            if (auto i = index_of(imp.ticket_id)) col.replies[*i] = saturate8(col.replies[*i] + imp.replies);
    for (const auto& e : changes.events)
        if (e.id == 0 || e.id > marks_.event) apply_event(e);
    for (const auto& f : changes.slas) apply_sla(f);  // each the clock's whole state: in order, last wins
}

void ReportFacts::apply_sla(const CommittedChanges::SlaFacts& f) {
    if (f.ticket_id <= 0 || static_cast<std::size_t>(f.ticket_id) >= position_.size() ||
        position_[static_cast<std::size_t>(f.ticket_id)] == 0)
        return;
    const auto i = position_[static_cast<std::size_t>(f.ticket_id)] - 1;
    auto& col = facts_.col;
    const Timestamp created{milliseconds{col.created_ms[i]}};
    // As the ticket_response_times view judges: breached once the breach fired or the clock
    // stopped late; met when it stopped in time.
    std::uint8_t verdict;
    if (f.phase == 4 || (f.fired & 2) != 0) verdict = kSlaBreached;
    else if (f.phase == 3) verdict = kSlaMet;
    else if (f.phase == 1) verdict = kSlaRunning;
    else verdict = kSlaPaused;
    const std::int32_t minutes =
        f.business_minutes ? static_cast<std::int32_t>(std::clamp<std::int64_t>(*f.business_minutes, 0, INT32_MAX)) : kNoTime;
    const std::int32_t due = seconds_after(created, f.deadline);
    if (f.first_response) {
        col.sla_clock[i] = static_cast<std::uint8_t>((col.sla_clock[i] & 0xF0) | verdict);
        col.first_response_bm[i] = minutes;
        col.first_response_due_s[i] = due;
    } else {
        col.sla_clock[i] = static_cast<std::uint8_t>((col.sla_clock[i] & 0x0F) | (verdict << 4));
        col.resolution_bm[i] = minutes;
        col.resolution_due_s[i] = due;
    }
}

void ReportFacts::apply_event(const TicketEvent& e) {
    if (e.ticket_id <= 0 || static_cast<std::size_t>(e.ticket_id) >= position_.size() ||
        position_[static_cast<std::size_t>(e.ticket_id)] == 0)
        return;
    const auto i = position_[static_cast<std::size_t>(e.ticket_id)] - 1;
    const Timestamp created{milliseconds{facts_.col.created_ms[i]}};
    bool escalated = false;
    for (const auto& c : e.changes) {
        if (c.field == "tier") {
            auto tier = parse_tier(c.after);
            if (!tier || *tier == Tier::l1) continue;
            auto& esc = facts_.escalations[e.ticket_id];
            auto& reached = esc.reached_s[static_cast<std::size_t>(*tier)];
            if (reached == kNoTime) reached = seconds_after(created, e.at);
            if (esc.reason == 0) esc.reason = saturate16(facts_.reasons.id(e.detail.empty() ? e.type : e.detail));
            escalated = true;
        } else if (c.field.starts_with("referral")) {
            auto& esc = facts_.escalations[e.ticket_id];
            if (!e.detail.empty()) esc.partner = saturate16(facts_.partners.id(e.detail));
            esc.outcome = saturate16(facts_.outcomes.id(c.after));
            escalated = true;
        }
    }
    if (escalated) facts_.col.escalated[i] = 1;
}

void ReportFacts::upsert(const Ticket& t, std::optional<int> replies) {
    if (t.id <= 0 || t.id > INT32_MAX) return;
    auto& col = facts_.col;
    const auto id = static_cast<std::size_t>(t.id);
    if (position_.size() <= id) position_.resize(std::max(id + 1, position_.size() * 3 / 2));
    std::size_t i;
    const std::int64_t created = t.created_at.time_since_epoch().count();
    if (position_[id] == 0) {
        i = col.size();
        position_[id] = static_cast<std::uint32_t>(i + 1);
        if (i > 0 && (created < col.created_ms.back() || (created == col.created_ms.back() && t.id < col.id.back())))
            unsorted_ = true;
        col.created_ms.push_back(created);
        col.id.push_back(static_cast<std::uint32_t>(t.id));
        for (auto* v : {&col.first_response_s, &col.solved_s, &col.first_response_bm, &col.resolution_bm,
                        &col.first_response_due_s, &col.resolution_due_s})
            v->push_back(kNoTime);
        col.organisation.push_back(0);
        for (auto* v : {&col.queue, &col.category, &col.assignee}) v->push_back(0);
        for (auto* v : {&col.channel, &col.priority, &col.status, &col.tier, &col.language, &col.replies, &col.reopens,
                        &col.escalated, &col.sla_clock})
            v->push_back(0);
        std::array<std::uint32_t, kKeywordsPerTicket> kw{};
        auto words = keywords_of(t.subject);
        for (std::size_t k = 0; k < words.size(); ++k) kw[k] = facts_.keywords.id(words[k]);
        col.keywords.push_back(kw);
    } else {
        i = position_[id] - 1;
        if (col.created_ms[i] != created) {
            col.created_ms[i] = created;
            unsorted_ = true;
        }
    }
    std::string_view customer_tier = "standard";
    if (t.requester_id > 0 && static_cast<std::size_t>(t.requester_id) < customers_.size()) {
        const auto& c = customers_[static_cast<std::size_t>(t.requester_id)];
        col.organisation[i] = c.organisation;
        if (!c.tier.empty()) customer_tier = c.tier;
    }
    col.queue[i] = saturate16(facts_.queues.id(t.queue));
    col.category[i] = saturate16(facts_.categories.id(t.category));
    col.language[i] = static_cast<std::uint8_t>(std::min<std::uint32_t>(facts_.languages.id(t.language), 255));
    col.channel[i] = static_cast<std::uint8_t>(t.channel);
    col.priority[i] = static_cast<std::uint8_t>(t.priority);
    col.status[i] = static_cast<std::uint8_t>(t.status);
    col.tier[i] = static_cast<std::uint8_t>(t.tier);
    col.reopens[i] = saturate8(t.reopen_count);
    if (replies) col.replies[i] = saturate8(*replies);
    std::uint16_t assignee = 0;
    if (t.assignee_id) {
        auto it = std::find(facts_.agent_ids.begin(), facts_.agent_ids.end(), *t.assignee_id);
        if (it == facts_.agent_ids.end()) {
            facts_.agent_ids.push_back(*t.assignee_id);
            it = facts_.agent_ids.end() - 1;
        }
        assignee = saturate16(static_cast<std::uint32_t>(it - facts_.agent_ids.begin()));
    }
    col.assignee[i] = assignee;

    const auto solved = t.solved_at ? t.solved_at : t.closed_at;
    col.first_response_s[i] = seconds_after(t.created_at, t.first_response_at);
    col.solved_s[i] = seconds_after(t.created_at, solved);
    // A target the escalation engine keeps a clock for takes its figures from the clock.
    const bool fr_clock = (col.sla_clock[i] & 0x0F) != kSlaByTimes, res_clock = (col.sla_clock[i] >> 4) != kSlaByTimes;
    const BusinessCalendar* cal = calendar_for(t.queue);
    auto business = [&](const std::optional<Timestamp>& end) -> std::int32_t {
        if (!end) return kNoTime;
        if (!cal) return static_cast<std::int32_t>(std::max<std::int64_t>(duration_cast<minutes>(*end - t.created_at).count(), 0));
        return static_cast<std::int32_t>(std::min<std::int64_t>(cal->business_minutes_between(t.created_at, *end), INT32_MAX));
    };
    if (fr_clock && res_clock) return;
    if (!fr_clock) col.first_response_bm[i] = business(t.first_response_at);
    if (!res_clock) col.resolution_bm[i] = business(solved);
    if (!fr_clock) col.first_response_due_s[i] = kNoTime;
    if (!res_clock) col.resolution_due_s[i] = kNoTime;
    if (const SlaPolicy* policy = select_policy(calendars_.sla_policies, t.priority, customer_tier)) {
        auto due = [&](std::int32_t target) -> std::int32_t {
            if (target <= 0) return kNoTime;
            Timestamp at = cal ? cal->add_business_minutes(t.created_at, target) : t.created_at + minutes{target};
            return seconds_after(t.created_at, at);
        };
        if (!fr_clock) col.first_response_due_s[i] = due(policy->first_response_minutes);
        if (!res_clock) col.resolution_due_s[i] = due(policy->resolution_minutes);
    }
}

void ReportFacts::sort_if_needed() {
    if (!unsorted_) return;
    unsorted_ = false;
    auto& col = facts_.col;
    std::vector<std::uint32_t> order(col.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
        return col.created_ms[a] != col.created_ms[b] ? col.created_ms[a] < col.created_ms[b] : col.id[a] < col.id[b];
    });
    auto permute = [&](auto& v) {
        std::remove_reference_t<decltype(v)> out;
        out.reserve(v.size());
        for (auto k : order) out.push_back(v[k]);
        v.swap(out);
    };
    col.each(permute);
    for (std::size_t i = 0; i < col.size(); ++i) position_[col.id[i]] = static_cast<std::uint32_t>(i + 1);
}

}  // namespace triage::server
