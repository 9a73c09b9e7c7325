// escalation_bench: the escalation engine's three figures.
//  1. ticket events evaluated per second against 1,000 compiled rules (target >= 100,000),
//     and heap allocations per evaluation (target: 0);
//  2. pending SLA timers the scheduler's heap holds in 1 GiB (target >= 10 million), from
//     the bytes each timer takes, measured over --timers timers;
//  3. the time a restart takes to restore --restore deadlines (default 1 million) from the
//     database into the scheduler.
// Usage: escalation_bench [--events N] [--timers N] [--restore N]
#include "escalation/escalation_engine.hpp"
#include "escalation/rule_set.hpp"
#include "escalation/sla_timer_heap.hpp"
#include "storage/sqlite_store.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <new>
#include <random>
#include <string>
#include <time.h>
#include <unistd.h>

namespace {

std::atomic<std::uint64_t> g_allocations{0};

}  // namespace

void* operator new(std::size_t n) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc{};
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {  // std::stable_sort's buffer: paired with the delete below
    g_allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(n ? n : 1);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace triage;
using BenchClock = std::chrono::steady_clock;

namespace {

// CPU time of this thread: on a shared, loaded machine the wall clock also counts other work.
double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double seconds_since(BenchClock::time_point start) { return std::chrono::duration<double>(BenchClock::now() - start).count(); }

// 1,000 rules of the shapes a desk writes: field filters first, text tests after, some
// nested any/not, a tenth of them with a regex over the body.
std::string thousand_rules() {
    static const char* kQueues[] = {"support", "billing", "technical", "returns", "sales"};
    static const char* kWords[] = {"lasku", "arve", "rēķins", "invoice", "katkos", "outage", "palautus", "tagastus"};
    std::string yaml = "rules:\n";
    for (int i = 0; i < 1000; ++i) {
        yaml += fmt::format("  - name: rule {}\n    on: [created, customer_replied]\n    if:\n      all:\n", i);
        yaml += fmt::format("        - queue: {}\n", kQueues[i % 5]);
        if (i % 3 == 0) yaml += "        - priority: [high, urgent]\n";
        if (i % 4 == 1) yaml += fmt::format("        - language: [{}]\n", i % 8 < 4 ? "fi" : "et");
        if (i % 7 == 2) yaml += "        - any: [{tags: {has: vip}}, {customer.tier: premium}]\n";
        if (i % 11 == 3) yaml += "        - not: {channel: fax}\n";
        // 8 words, most with one of 25 suffixes: about 200 distinct text patterns over the set.
        yaml += fmt::format("        - subject: {{contains: \"{}{}\"}}\n", kWords[i % 8],
                            i % 50 == 0 ? std::string() : fmt::format("-{}", i % 25));
        if (i % 10 == 5) yaml += fmt::format("        - body: {{regex: \"{}\\\\s+\\\\d+\"}}\n", kWords[(i + 1) % 8]);
        yaml += fmt::format("    then:\n      - set: {{tags: {{add: [r{}]}}}}\n", i);
    }
    return yaml;
}

void bench_rules(long events) {
    auto rules = RuleSet::compile_text(thousand_rules(), "bench-rules.yaml");
    if (!rules) {
        fmt::print(stderr, "{}\n", rules.error().message);
        std::exit(1);
    }
    static const char* kQueues[] = {"support", "billing", "technical", "returns", "sales"};
    static const char* kSubjects[] = {"Lasku puuttuu joulukuulta", "Arve on vale", "Rēķins nav saņemts",
                                      "Invoice question", "Verkon katkos Espoossa", "Service outage in Riga",
                                      "Palautus: väärä koko", "Tagastus ja raha tagasi"};
    std::vector<Ticket> tickets(64);
    for (std::size_t i = 0; i < tickets.size(); ++i) {
        auto& t = tickets[i];
        t.id = static_cast<TicketId>(i + 1);
        t.subject = kSubjects[i % 8];
        t.queue = kQueues[i % 5];
        t.priority = static_cast<Priority>(i % 4);
        t.language = i % 3 == 0 ? "fi" : i % 3 == 1 ? "et" : "lv";
        if (i % 5 == 0) t.tags = {"vip"};
        t.channel = static_cast<Channel>(i % 5);
    }
    const std::string body = "Hei, lasku 1234 puuttuu ja arve 55 myös. Ei toimi.";
    RuleOutcome out;
    out.firings.reserve(1000);
    out.matched.reserve(8000);
    RuleContext ctx;
    ctx.body = body;
    ctx.customer_tier = "standard";
    ctx.now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    // Warm up: PCRE2 match data and JIT stacks are made on first use.
    for (auto& t : tickets) {
        ctx.ticket = &t;
        rules->evaluate(ctx, out);
    }
    std::uint64_t fired = 0;
    const auto allocations_before = g_allocations.load();
    const double cpu_start = thread_cpu_seconds();
    const auto start = BenchClock::now();
    for (long i = 0; i < events; ++i) {
        ctx.ticket = &tickets[static_cast<std::size_t>(i) % tickets.size()];
        ctx.trigger = i % 4 == 0 ? RuleTrigger::customer_replied : RuleTrigger::created;
        rules->evaluate(ctx, out);
        fired += out.firings.size();
    }
    const double elapsed = seconds_since(start);
    const double cpu = thread_cpu_seconds() - cpu_start;
    const auto allocations = g_allocations.load() - allocations_before;
    fmt::print("rules: {} events against {} rules in {:.3f} s wall, {:.3f} s CPU = {:.0f} events/s by CPU time "
               "({:.0f} by wall; {:.2f} us an event; target >= 100000/s); "
               "{:.2f} rules fired an event; {} heap allocations in the timed loop ({:.3f} an event)\n",
               events, rules->size(), elapsed, cpu, events / cpu, events / elapsed, cpu * 1e6 / events,
               static_cast<double>(fired) / events, allocations, static_cast<double>(allocations) / events);
}

long rss_bytes() {
    long pages = 0, resident = 0;
    if (FILE* f = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        std::fclose(f);
    }
    return resident * sysconf(_SC_PAGESIZE);
}

void bench_timers(long timers) {
    std::mt19937_64 rng(42);
    const auto base = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    const long rss_before = rss_bytes();
    SlaTimerHeap heap;
    const auto start = BenchClock::now();
    for (long i = 0; i < timers; ++i)
        heap.push(base + std::chrono::milliseconds(rng() % (30LL * 24 * 3600 * 1000)), static_cast<TicketId>(i + 1));
    const double elapsed = seconds_since(start);
    const long rss_after = rss_bytes();
    const double per_timer = static_cast<double>(heap.bytes()) / static_cast<double>(heap.size());
    const double rss_per_timer = static_cast<double>(rss_after - rss_before) / static_cast<double>(timers);
    const double per_gib = static_cast<double>(1ULL << 30) / std::max(per_timer, rss_per_timer);
    fmt::print("timers: {} pending SLA timers pushed in {:.3f} s; {:.1f} bytes a timer in the heap ({:.1f} by RSS, "
               "vector growth included) -> {:.1f} million timers in 1 GiB (target >= 10 million)\n",
               timers, elapsed, per_timer, rss_per_timer, per_gib / 1e6);
    // The next deadline is always the first: popping is what the scheduler does when it rings.
    std::size_t popped = 0;
    const auto pop_start = BenchClock::now();
    heap.pop_due(base + std::chrono::hours(24), [&](TicketId) { ++popped; });
    fmt::print("timers: {} due in the first day popped in {:.3f} s\n", popped, seconds_since(pop_start));
}

void bench_restore(long deadlines) {
    const auto dir = std::filesystem::temp_directory_path() / fmt::format("escalation-bench-{}", ::getpid());
    std::filesystem::create_directories(dir);
    const auto db = dir / "triage.db";
    SqliteOptions options;
    options.durable = false;
    {
        auto store = SqliteStore::open(db, options);
        const auto base = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
        const auto fill = BenchClock::now();
        constexpr long kBatch = 20000;
        for (long first = 0; first < deadlines; first += kBatch) {
            write_sync(*store, [&](StoreTx& tx) {
                TicketSlaRecord r;
                r.target = "resolution";
                r.policy = "standard";
                r.calendar = "fi-support";
                r.target_minutes = 480;
                r.warning_percent = 80;
                r.phase = 1;
                for (long i = first; i < std::min(deadlines, first + kBatch); ++i) {
                    r.ticket_id = i + 1;
                    r.started_at = r.mark = base;
                    r.deadline = r.warning_at = base + std::chrono::minutes(i % 100000);
                    r.next_due = r.deadline;
                    tx.upsert_ticket_sla(r);
                }
            });
        }
        fmt::print("restore: {} pending deadlines written in {:.1f} s (set-up, not timed)\n", deadlines, seconds_since(fill));
    }
    const auto start = BenchClock::now();
    auto store = SqliteStore::open(db, options);
    SlaTimerHeap heap;
    heap.reserve(static_cast<std::size_t>(deadlines));
    {
        auto reader = store->reader();
        EscalationEngine::restore_timers(*reader, [&](const SlaTimer& t) { heap.append_unordered(t.due, t.ticket); });
    }
    heap.heapify();
    const double elapsed = seconds_since(start);
    fmt::print("restore: {} deadlines restored from the database into the scheduler in {:.3f} s "
               "(open + read + heapify)\n",
               heap.size(), elapsed);
    store.reset();
    std::filesystem::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
    long events = 300000, timers = 10'000'000, restore = 1'000'000;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string arg = argv[i];
        long value = std::atol(argv[i + 1]);
        if (arg == "--events") events = value;
        else if (arg == "--timers") timers = value;
        else if (arg == "--restore") restore = value;
        else {
            fmt::print(stderr, "usage: escalation_bench [--events N] [--timers N] [--restore N]\n");
            return 2;
        }
    }
    bench_rules(events);
    bench_timers(timers);
    bench_restore(restore);
    return 0;
}
