#include "server/cli_reports.hpp"

#include "server/cli.hpp"

#include "escalation/escalation_config.hpp"

#include "server/app.hpp"
#include "server/config.hpp"
#include "server/json_codec.hpp"
#include "server/weekly_report.hpp"
#include "server/report_config.hpp"
#include "server/report_facts.hpp"
#include "server/reports.hpp"
#include "server/ticket_import_json.hpp"
#include "storage/sqlite_store.hpp"

#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <ostream>

namespace triage::server {
namespace {

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Options {
    std::vector<std::string> positional;
    std::string data_dir, config;
    std::size_t batch = kImportBatch;
    std::vector<std::pair<std::string, std::string>> params;  // report parameters
};

Options parse(const std::vector<std::string>& argv, bool report) {
    Options o;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const auto& arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argv.size()) throw UsageError(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--data-dir") o.data_dir = value();
        else if (arg == "--config") o.config = value();
        else if (arg == "--batch" && !report) {
            auto v = value();
            auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), o.batch);
            if (ec != std::errc{} || end != v.data() + v.size() || o.batch < 1 || o.batch > 1'000'000)
                throw UsageError(fmt::format("--batch must be a number from 1 to 1000000, not '{}'", v));
        } else if (arg.starts_with("--") && report) {
            std::string key = arg.substr(2);
            std::replace(key.begin(), key.end(), '-', '_');
            o.params.emplace_back(key, value());
        } else if (arg.starts_with("--")) throw UsageError("unknown option " + arg);
        else o.positional.push_back(arg);
    }
    return o;
}

Config config_of(const Options& o) {
    Config c = o.config.empty() ? Config{} : load_config(o.config);
    if (!o.data_dir.empty()) c.data_dir = o.data_dir;
    else if (o.config.empty()) {
        const char* env = std::getenv("TRIAGE_DATA_DIR");
        c.data_dir = env && *env ? env : "var/data";
    }
    return c;
}

int import_tickets_command(const Options& o, std::ostream& out, std::ostream& err) {
    if (o.positional.size() != 2) throw UsageError("import-tickets needs one JSON Lines file, e.g. `triage import-tickets history.jsonl`");
    const std::string file = o.positional[1];
    std::ifstream in = open_input_file(file);
    auto config = config_of(o);
    std::filesystem::create_directories(config.data_dir);
    auto store = SqliteStore::open(config.data_dir / "triage.db");
    const auto started = std::chrono::steady_clock::now();
    // At the end the WAL is folded into the database and emptied. Meanwhile the store keeps
    // it short itself: its writer lets the WAL start again from the top once it is long
    // (SqliteStore::restart_wal_if_long), where draining the import to checkpoint would leave
    // the writer idle.
    auto checkpoint = [&] {
        try {
            store->checkpoint();
        } catch (const std::exception&) {  // busy: the next one will do
        }
    };
    auto summary = import_jsonl(*store, in, o.batch, [&](const LineProblem& p) {
        err << fmt::format("triage: {}:{}: {}{}\n", file, p.line, p.problem.message,
                           p.problem.field.empty() ? "" : " (" + p.problem.field + ")");
    }, {}, 16, kBulkImportFrom, expected_lines(file), config.phone.default_region);
    checkpoint();
    store->stop();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const auto done = summary.imported + summary.duplicates;
    out << fmt::format("{} imported, {} already present, {} bad lines skipped ({:.2f} s, {:.0f} tickets/s)\n",
                       summary.imported, summary.duplicates, summary.problems.size(), seconds,
                       seconds > 0 ? static_cast<double>(done) / seconds : 0.0);
    return summary.problems.empty() ? 0 : 2;
}

// `triage report weekly`: the weekly email for the week before today, written to the spool.
int weekly_command(const Options& o, std::ostream& out) {
    auto config = config_of(o);
    if (config.reports.weekly.managers.empty())
        throw UsageError("report weekly needs reports.weekly.managers in the --config file");
    if (!std::filesystem::exists(config.data_dir / "triage.db"))
        throw std::runtime_error(fmt::format("no database in {}", config.data_dir.string()));
    SystemClock clock;
    auto app = App::open(config, clock);
    auto mailer = weekly_report_mailer(*app);
    auto where = send_weekly_report(*app, *mailer, clock.system_now());
    out << fmt::format("weekly report queued: {}{}\n", where,
                       config.email.relay ? " (a running triaged sends it at its next outbox pass)" : "");
    return 0;
}

int report_command(const Options& o, std::ostream& out, std::ostream& err) {
    if (o.positional.size() != 2)
        throw UsageError("report needs a name: frequency, resolution, sla, escalations, backlog, agents, emerging or weekly");
    if (o.positional[1] == "weekly") return weekly_command(o, out);
    auto config = config_of(o);
    auto request = parse_report_request(o.positional[1], o.params, config.reports.time_zone,
                                        Timestamp{std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now())});
    if (!request) {
        if (request.error().code == errc::not_found) throw UsageError(request.error().message);
        auto field = request.error().field;
        std::replace(field.begin(), field.end(), '_', '-');
        throw UsageError(fmt::format("{}{}", request.error().message, field.empty() ? "" : " (--" + field + ")"));
    }
    const auto db = config.data_dir / "triage.db";
    if (!std::filesystem::exists(db))
        throw std::runtime_error(fmt::format("no database in {} (run `triage migrate` or start triaged)", config.data_dir.string()));
    auto store = SqliteStore::open(db);
    AgentLabels agents;
    for (auto& a : store->reader()->agents()) agents[a.id] = {a.email, a.name};
    EscalationSettings escalation;
    if (!config.source.empty()) {
        auto loaded = load_escalation_settings(config.source);
        if (!loaded) throw std::runtime_error(loaded.error().message);
        escalation = std::move(*loaded);
        for (const auto& d : escalation.deprecations) err << "triage: warning: " << d << "\n";
    }
    for (const auto& d : config.reports.deprecations) err << "triage: warning: " << d << "\n";
    ReportFacts facts(report_calendars(escalation, config.reports));
    facts.load(db);
    auto table = facts.with_facts([&](const Facts& f) { return run_report(f, *request, agents); });
    if (request->format == "csv") out << to_csv(table);
    else out << json_text(to_json(table, *request)) << "\n";
    return 0;
}

}  // namespace

bool is_reports_command(std::string_view command) { return command == "import-tickets" || command == "report"; }

int run_reports_cli(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
    try {
        const bool report = !argv.empty() && argv[0] == "report";
        auto o = parse(argv, report);
        if (report) return report_command(o, out, err);
        return import_tickets_command(o, out, err);
    } catch (const UsageError& e) {
        err << "triage: " << e.what() << "\n(see `triage help`)\n";
        return 2;
    } catch (const std::exception& e) {
        err << "triage: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace triage::server
