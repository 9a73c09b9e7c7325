// reports_bench: generates N historical tickets with examples/loadgen (default 1,000,000),
// imports them through the store's group-commit writer (durable, as `triage import-tickets`
// does), loads the report facts and prints the latency of every report over the whole range
// and over one month. Targets: import > 50,000 tickets/s, every report < 100 ms.
//
//   reports_bench [--count N] [--runs R] [--dir DIR]
#include "server/report_facts.hpp"
#include "server/reports.hpp"
#include "server/ticket_import_json.hpp"
#include "storage/sqlite_store.hpp"

#include <fmt/format.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using namespace triage;
using namespace triage::server;
namespace fs = std::filesystem;
using BenchClock = std::chrono::steady_clock;

namespace {

double ms_since(BenchClock::time_point t) { return std::chrono::duration<double, std::milli>(BenchClock::now() - t).count(); }

// CPU time of this thread and of the whole process, ms: figures a loaded machine distorts less.
double thread_cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}
double process_cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// CPU ms of each of this process's threads by name (/proc/self/task/*/stat: utime + stime).
std::map<std::string, double> thread_cpu_by_name() {
    std::map<std::string, double> out;
    const double tick_ms = 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
    for (const auto& task : fs::directory_iterator("/proc/self/task")) {
        std::ifstream stat(task.path() / "stat");
        std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
        auto open = text.find('('), close = text.rfind(')');
        if (open == std::string::npos || close == std::string::npos) continue;
        std::istringstream rest(text.substr(close + 2));
        std::string field;
        long utime = 0, stime = 0;
        for (int i = 3; i <= 15 && rest >> field; ++i) {
            if (i == 14) utime = std::atol(field.c_str());
            if (i == 15) stime = std::atol(field.c_str());
        }
        out[text.substr(open + 1, close - open - 1)] += static_cast<double>(utime + stime) * tick_ms;
    }
    return out;
}

long rss_kib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.starts_with("VmRSS:")) return std::atol(line.c_str() + 6);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // line by line, also into a file
    long count = 1'000'000;
    int runs = 5;
    fs::path dir = fs::temp_directory_path() / ("triage-reports-bench-" + std::to_string(::getpid()));
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--count" && i + 1 < argc) count = std::atol(argv[++i]);
        else if (a == "--runs" && i + 1 < argc) runs = std::atoi(argv[++i]);
        else if (a == "--dir" && i + 1 < argc) dir = argv[++i];
        else {
            fmt::print(stderr, "usage: reports_bench [--count N] [--runs R] [--dir DIR]\n");
            return 2;
        }
    }
    fs::remove_all(dir);
    fs::create_directories(dir);
    const fs::path loadgen = fs::read_symlink("/proc/self/exe").parent_path() / "loadgen";
    const fs::path history = dir / "history.jsonl";
    const long days = std::max(30L, std::min(730L, count / 500));

    auto t0 = BenchClock::now();
    const auto cmd = fmt::format("'{}' --count {} --seed 42 --start 2025-01-01 --days {} > '{}'", loadgen.string(), count,
                                 days, history.string());
    if (std::system(cmd.c_str()) != 0) {
        fmt::print(stderr, "reports_bench: {} failed\n", cmd);
        return 1;
    }
    fmt::print("generated {} tickets over {} days with loadgen in {:.0f} ms ({:.1f} MiB of JSON Lines)\n", count, days,
               ms_since(t0), static_cast<double>(fs::file_size(history)) / (1 << 20));

    const fs::path db = dir / "triage.db";
    {
        auto store = SqliteStore::open(db);  // durable: every group commit is fsynced
        std::ifstream in(history);
        t0 = BenchClock::now();
        const double cpu0 = process_cpu_ms();
        auto summary = import_jsonl(*store, in, kImportBatch, {}, {}, 16, kBulkImportFrom, expected_lines(history));  // as `triage import-tickets`
        // As the CLI: the WAL folded into the database and emptied at the end (the store keeps
        // it short meanwhile).
        const auto c0 = BenchClock::now();
        try {
            store->checkpoint();
        } catch (const std::exception& e) {
            fmt::print(stderr, "reports_bench: final checkpoint: {}\n", e.what());
        }
        const double checkpoint_ms = ms_since(c0);
        const double ms = ms_since(t0);
        const auto by_thread = thread_cpu_by_name();  // before stop(): the store's threads still live
        const auto stop0 = BenchClock::now();
        store->stop();  // waits for the search index (its own thread, after each commit) to catch up
        const double stop_ms = ms_since(stop0);
        const double cpu = process_cpu_ms() - cpu0;
        fmt::print("import: {} tickets in {:.0f} ms = {:.0f} tickets/s (target > 50000; {} bad lines); CPU {:.0f} ms in all"
                   " threads = {:.1f} us a ticket\n",
                   summary.imported, ms, static_cast<double>(summary.imported) / (ms / 1000.0), summary.problems.size(),
                   cpu, cpu * 1000.0 / static_cast<double>(summary.imported));
        // The writer thread is the critical path (every SQLite write is its); at 50,000 tickets/s
        // it has 20 us a ticket. The others run beside it on the second core.
        std::string threads;
        for (const auto& [name, cpu_ms] : by_thread)
            threads += fmt::format("{}{} {:.1f}", threads.empty() ? "" : ", ", name,
                                   cpu_ms * 1000.0 / static_cast<double>(summary.imported));
        fmt::print("import: CPU us a ticket by thread: {} (the writer is the critical path: 50000/s needs < 20)\n", threads);
        fmt::print("import: the final checkpoint took {:.0f} ms of the {:.0f} ms; the full-text index caught up {:.0f} ms after"
                   " the last commit (as `triage import-tickets` reports it: {:.0f} tickets/s)\n",
                   checkpoint_ms, ms, stop_ms,
                   static_cast<double>(summary.imported) / ((ms + stop_ms) / 1000.0));
        if (summary.imported != static_cast<std::size_t>(count)) {
            fmt::print(stderr, "reports_bench: imported {} of {}\n", summary.imported, count);
            return 1;
        }
    }

    auto hours = parse_hours_spec("mon-fri 08:00-16:00");
    auto fi = BusinessCalendar::make("fi-support", "Europe/Helsinki", *hours, {});
    ReportCalendars calendars;
    calendars.calendars.emplace("fi-support", *fi);
    calendars.default_calendar = "fi-support";
    calendars.sla_policies = {{"urgent", Priority::urgent, "", 60, 0, 480, 80},
                              {"high", Priority::high, "", 120, 0, 960, 80},
                              {"premium", std::nullopt, "premium", 120, 0, 1440, 80},
                              {"default", std::nullopt, "", 240, 0, 2400, 80}};
    const long rss_before = rss_kib();
    ReportFacts facts(calendars);
    t0 = BenchClock::now();
    const double load_cpu0 = thread_cpu_ms();
    facts.load(db);
    const double load_ms = ms_since(t0);
    const double load_cpu = thread_cpu_ms() - load_cpu0;
    const auto facts_bytes = facts.with_facts([](const Facts& f) { return f.bytes(); });
    fmt::print("facts: loaded in {:.0f} ms (CPU {:.0f} ms), {:.1f} MiB ({:.0f} bytes a ticket), RSS +{:.1f} MiB\n", load_ms, load_cpu,
               static_cast<double>(facts_bytes) / (1 << 20), static_cast<double>(facts_bytes) / static_cast<double>(count),
               static_cast<double>(rss_kib() - rss_before) / 1024);

    {
        // As triaged starts: the load runs on its own thread and start-up does not wait for it.
        ReportFacts background(calendars);
        t0 = BenchClock::now();
        background.load_in_background(db);
        const double returned_ms = ms_since(t0);
        background.wait_ready(std::chrono::minutes(10));
        fmt::print("facts: start-up waits {:.2f} ms for them (load_in_background), reports ready after {:.0f} ms\n",
                   returned_ms, ms_since(t0));
    }

    const auto now = Timestamp{std::chrono::milliseconds{
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::sys_days{std::chrono::year{2025} / 1 / 1}.time_since_epoch()).count() +
        days * 86'400'000LL}};
    // The last whole month of the history.
    const auto end_day = std::chrono::floor<std::chrono::days>(now);
    const std::chrono::year_month_day last{end_day - std::chrono::days{1}};
    const auto month_from = fmt::format("{:04}-{:02}-01", static_cast<int>(last.year()), static_cast<unsigned>(last.month()));
    const auto month_to = fmt::format("{:04}-{:02}-{:02}", static_cast<int>(last.year()), static_cast<unsigned>(last.month()),
                                      static_cast<unsigned>(std::chrono::year_month_day_last{last.year(), std::chrono::month_day_last{last.month()}}.day()));
    AgentLabels agents;
    {
        auto store = SqliteStore::open(db);
        for (auto& a : store->reader()->agents()) agents[a.id] = {a.email, a.name};
    }

    struct Case {
        const char* name;
        std::vector<std::pair<std::string, std::string>> params;
    };
    const std::vector<Case> cases{
        {"frequency", {{"group_by", "day"}}},
        {"frequency", {{"group_by", "queue,hour"}}},
        {"frequency", {{"group_by", "organisation"}}},
        {"resolution", {{"group_by", "queue"}}},
        {"resolution", {}},
        {"sla", {{"group_by", "priority"}}},
        {"escalations", {}},
        {"backlog", {}},
        {"agents", {}},
        {"emerging", {}},
    };
    fmt::print("\nreport latency, median of {} runs (target < 100 ms each; tz Europe/Helsinki)\n", runs);
    fmt::print("{:<34} {:>12} {:>12} {:>12} {:>12} {:>6}\n", "report", "whole range", "(CPU)", "one month", "(CPU)", "rows");
    double worst = 0;
    for (const auto& c : cases) {
        std::string label = c.name;
        for (const auto& [k, v] : c.params) label += " " + k + "=" + v;
        std::array<double, 2> medians{}, cpu_medians{};
        std::size_t rows = 0;
        for (int scope = 0; scope < 2; ++scope) {
            auto params = c.params;
            if (scope == 1 && std::string_view(c.name) != "emerging") {
                params.emplace_back("from", month_from);
                params.emplace_back("to", month_to);
            }
            if (scope == 1 && std::string_view(c.name) == "emerging") params.emplace_back("to", month_to);
            auto request = parse_report_request(c.name, params, "Europe/Helsinki", now);
            if (!request) {
                fmt::print(stderr, "bad request: {}\n", request.error().message);
                return 1;
            }
            std::vector<double> times, cpu_times;
            for (int r = 0; r < runs; ++r) {
                auto t = BenchClock::now();
                const double c0 = thread_cpu_ms();
                auto table = facts.with_facts([&](const Facts& f) { return run_report(f, *request, agents); });
                auto csv = to_csv(table);  // include writing the output
                times.push_back(ms_since(t));
                cpu_times.push_back(thread_cpu_ms() - c0);
                if (scope == 0) rows = table.rows.size();
            }
            std::sort(times.begin(), times.end());
            std::sort(cpu_times.begin(), cpu_times.end());
            medians[static_cast<std::size_t>(scope)] = times[times.size() / 2];
            cpu_medians[static_cast<std::size_t>(scope)] = cpu_times[cpu_times.size() / 2];
            worst = std::max(worst, times[times.size() / 2]);
        }
        fmt::print("{:<34} {:>9.1f} ms {:>9.1f} ms {:>9.1f} ms {:>9.1f} ms {:>6}\n", label, medians[0], cpu_medians[0],
                   medians[1], cpu_medians[1], rows);
    }
    fmt::print("\nslowest report: {:.1f} ms (target < 100 ms); month = {} .. {}\n", worst, month_from, month_to);
    fs::remove_all(dir);
    return 0;
}
