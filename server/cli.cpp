#include "server/cli.hpp"

#include "engine/time_format.hpp"
#include "escalation/business_calendar.hpp"
#include "escalation/calendar_config.hpp"
#include "server/app.hpp"
#include "server/cli_channels.hpp"
#include "server/cli_users.hpp"
#include "server/cli_rules.hpp"
#include "server/cli_reports.hpp"
#include "server/email_intake.hpp"
#include "server/json_codec.hpp"
#include "storage/sqlite_store.hpp"

#include <algorithm>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <cstdlib>
#include <fmt/format.h>
#include <ostream>
#include <yaml-cpp/yaml.h>

namespace triage::server {
namespace {

constexpr const char* kUsage = R"(usage: triage COMMAND [options]

commands:
  migrate                      create or upgrade the database schema
  ticket show ID [--json]      one ticket with its messages and audit log (ID: 42 or T-42)
  ticket list [--status S] [--queue Q] [--limit N] [--json]
                               tickets, newest first
  import-maildir DIR [--config FILE]
                               take in the mail in DIR/new (fetchmail/getmail Maildir), moving
                               each message to DIR/cur only once it is committed
  import-cdr --format asterisk|freeswitch FILE [--config FILE]
                               take in a PBX call log (Asterisk Master.csv, FreeSWITCH
                               cdr-csv); again is harmless; bad rows are reported and skipped
  import-cdr --source NAME FILE --config FILE | --format F --tz ZONE FILE
                               the same for a configured PBX (phone.cdr_sources: format and
                               time zone) or with the PBX's IANA time zone (default UTC)
  user add NAME --role ROLE [--queues a,b] [--password PW] [--email AGENT_EMAIL] [--language L]
                               a web UI login (agent, supervisor, manager or admin); the
                               password is read from stdin unless --password is given
  user list                    the users, their roles and queues
  token create NAME [--role ROLE] [--queues a,b]
                               an API token acting as user NAME (made without a login when
                               new); printed once, stored only as a hash
  rules test --rules FILE ENQUIRY.eml|.json [--config FILE]
                               what the rules would do to the ticket ENQUIRY opens; changes nothing
  rules check --rules FILE     validate a rules file (errors with file:line:column, exit 2)
  sla deadline --start RFC3339 --minutes N
               (--config FILE --calendar NAME | --tz ZONE --hours SPEC [--holidays LIST])
                               the deadline N business minutes after START, as RFC 3339;
                               SPEC like 'mon-thu 08:00-17:00; fri 08:00-15:00',
                               LIST like 2026-12-24,2026-12-25 or 2026-12-24..2026-12-26
  import-tickets FILE.jsonl [--batch N]
                               import historical tickets (one JSON object a line, idempotent
                               by external_id); bad lines are reported and skipped (exit 2)
  report NAME [--from DATE] [--to DATE] [--tz ZONE] [--format json|csv] [--group-by DIMS]
              [--queue Q] [--channel C] [--category C] [--language L] [--priority P]
              [--organisation O] [--at TIME] [--window DAYS] [--baseline DAYS] [--min-count N]
                               NAME: frequency, resolution, sla, escalations, backlog,
                               agents, emerging (see README.md, "Reports")

options for every command:
  --data-dir DIR               the data directory (default: $TRIAGE_DATA_DIR or var/data)
  --config FILE                take data_dir from a triaged config file
)";

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Args {
    std::vector<std::string> positional;
    std::string data_dir;
    std::string config;
    std::string status;
    std::string queue;
    int limit = 50;
    bool json = false;
    // sla deadline
    std::string start, minutes, calendar, tz, hours, holidays;
    std::string format;  // import-cdr
    std::string source;  // import-cdr --source
    // user add, token create
    std::string role, queues, password, email, language;
    bool has_password = false;
};

Args parse(const std::vector<std::string>& argv) {
    Args a;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const auto& arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argv.size()) throw UsageError(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--data-dir") a.data_dir = value();
        else if (arg == "--config") a.config = value();
        else if (arg == "--status") a.status = value();
        else if (arg == "--queue") a.queue = value();
        else if (arg == "--json") a.json = true;
        else if (arg == "--start") a.start = value();
        else if (arg == "--minutes") a.minutes = value();
        else if (arg == "--calendar") a.calendar = value();
        else if (arg == "--tz") a.tz = value();
        else if (arg == "--hours") a.hours = value();
        else if (arg == "--holidays") a.holidays = value();
        else if (arg == "--format") a.format = value();
        else if (arg == "--source") a.source = value();
        else if (arg == "--role") a.role = value();
        else if (arg == "--queues") a.queues = value();
        else if (arg == "--password") { a.password = value(); a.has_password = true; }
        else if (arg == "--email") a.email = value();
        else if (arg == "--language") a.language = value();
        else if (arg == "--limit") {
            auto v = value();
            auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), a.limit);
            if (ec != std::errc{} || end != v.data() + v.size() || a.limit < 1 || a.limit > 200)
                throw UsageError(fmt::format("--limit must be a number from 1 to 200, not '{}'", v));
        } else if (arg.starts_with("--")) throw UsageError("unknown option " + arg);
        else a.positional.push_back(arg);
    }
    return a;
}

std::filesystem::path data_dir_of(const Args& a) {
    if (!a.data_dir.empty()) return a.data_dir;
    if (!a.config.empty()) return load_config(a.config).data_dir;
    if (const char* env = std::getenv("TRIAGE_DATA_DIR"); env && *env) return env;
    return "var/data";
}

std::unique_ptr<SqliteStore> open_existing(const Args& a) {
    auto dir = data_dir_of(a);
    if (!std::filesystem::exists(dir / "triage.db"))
        throw std::runtime_error(fmt::format("no database in {} (run `triage migrate --data-dir {}` or start triaged)",
                                             dir.string(), dir.string()));
    return SqliteStore::open(dir / "triage.db");
}

std::string opt_time(const std::optional<Timestamp>& t) { return t ? format_rfc3339(*t) : "-"; }


// Text from customers as a terminal shows it: control characters (ESC sequences could
// restyle or rewrite the terminal, C1 controls too) become U+FFFD; in one-line fields a
// line break or tab is a space, so a table row stays one row. Multi-line text keeps its
// line breaks, indented under its heading.
std::string for_terminal(std::string_view text, bool one_line) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n' || c == '\r' || c == '\t') {
            if (one_line) out += ' ';
            else if (c == '\n') out += "\n    ";
            else if (c == '\t') out += '\t';
        } else if (c < 0x20 || c == 0x7f) {
            out += "\xEF\xBF\xBD";
        } else if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                   static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
            out += "\xEF\xBF\xBD";  // U+0080..U+009F
            ++i;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

int ticket_show(const Args& a, std::ostream& out, std::ostream& err) {
    if (a.positional.size() != 3) throw UsageError("ticket show needs one ticket ID, e.g. `triage ticket show T-42`");
    const auto& raw = a.positional[2];
    auto id = parse_ticket_ref(raw);
    if (!id) throw UsageError(fmt::format("'{}' is not a ticket ID (use 42 or T-42)", raw));
    auto store = open_existing(a);
    auto reader = store->reader();
    auto t = reader->ticket(*id);
    if (!t) {
        err << "triage: ticket " << ticket_key(*id) << " does not exist\n";
        return 1;
    }
    auto messages = reader->messages(*id);
    auto events = reader->events(*id);
    if (a.json) {
        auto v = to_json(*t);
        boost::json::array ms, es;
        for (const auto& m : messages) ms.push_back(to_json(m));
        for (const auto& e : events) es.push_back(to_json(e));
        v.as_object()["messages"] = std::move(ms);
        v.as_object()["events"] = std::move(es);
        out << json_text(v) << "\n";
        return 0;
    }
    auto customer = reader->customer(t->requester_id);
    out << fmt::format("{}  {}\n", ticket_key(t->id), for_terminal(t->subject, true));
    out << fmt::format("  status {}  priority {}  queue {}  category {}  tier {}  language {}  channel {}\n",
                       to_string(t->status), to_string(t->priority), t->queue, t->category.empty() ? "-" : t->category,
                       to_string(t->tier), t->language, to_string(t->channel));
    out << fmt::format("  requester {} ({})  assignee {}\n", customer ? for_terminal(customer->name, true) : "?", t->requester_id,
                       t->assignee_id ? std::to_string(*t->assignee_id) : "-");
    out << fmt::format("  created {}  first response {}  solved {}  closed {}\n", format_rfc3339(t->created_at),
                       opt_time(t->first_response_at), opt_time(t->solved_at), opt_time(t->closed_at));
    out << "\nmessages:\n";
    for (const auto& m : messages)
        out << fmt::format("  [{}] {} {} ({}):\n    {}\n", format_rfc3339(m.created_at), to_string(m.kind),
                           m.author_name.empty() ? std::string(to_string(m.author_kind)) : for_terminal(m.author_name, true),
                           to_string(m.channel), for_terminal(m.body, false));
    out << "\nevents:\n";
    for (const auto& e : events) {
        std::string changes;
        for (const auto& c : e.changes)
            changes += fmt::format(" {}: '{}' -> '{}'", c.field, for_terminal(c.before, true), for_terminal(c.after, true));
        out << fmt::format("  [{}] {} by {}{}{}\n", format_rfc3339(e.at), e.type, e.actor, changes,
                           e.detail.empty() ? "" : " (" + for_terminal(e.detail, true) + ")");
    }
    return 0;
}

int ticket_list(const Args& a, std::ostream& out) {
    TicketQuery q;
    q.limit = a.limit;
    q.queue = a.queue;
    if (!a.status.empty()) {
        q.status = parse_status(a.status);
        if (!q.status)
            throw UsageError(fmt::format("--status must be new, open, pending, on_hold, solved or closed, not '{}'", a.status));
    }
    auto store = open_existing(a);
    auto page = store->reader()->tickets(q);
    if (a.json) {
        boost::json::array ts;
        for (const auto& t : page.tickets) ts.push_back(to_json(t));
        out << json_text(ts) << "\n";
        return 0;
    }
    out << fmt::format("{:<8} {:<8} {:<7} {:<12} {:<20} {}\n", "KEY", "STATUS", "PRIO", "QUEUE", "CREATED", "SUBJECT");
    for (const auto& t : page.tickets)
        out << fmt::format("{:<8} {:<8} {:<7} {:<12} {:<20} {}\n", ticket_key(t.id), to_string(t.status),
                           to_string(t.priority), for_terminal(t.queue, true), format_rfc3339(t.created_at),
                           for_terminal(t.subject, true));
    return 0;
}

// The calendars of a config: a `calendars:` section in the file itself, or a
// `calendars_file:` it names (relative to the file).
Result<CalendarMap> calendars_of(const std::filesystem::path& file) {
    YAML::Node root;
    try {
        root = YAML::LoadFile(file.string());
    } catch (const YAML::BadFile&) {
        return problem(errc::not_found, fmt::format("{}: cannot read the file", file.string()));
    } catch (const YAML::Exception& e) {
        return problem(errc::malformed,
                       fmt::format("{}:{}:{}: {}", file.string(), e.mark.line + 1, e.mark.column + 1, e.msg));
    }
    if (root["calendars"]) return load_calendars(root["calendars"], file.string());
    if (auto other = root["calendars_file"]) {
        std::filesystem::path path = other.as<std::string>();
        return load_calendars(path.is_absolute() ? path : file.parent_path() / path);
    }
    return problem(errc::not_found, fmt::format("{} has no calendars: section and no calendars_file:", file.string()));
}

int import_maildir(const Args& a, std::ostream& out, std::ostream& err) {
    if (a.positional.size() != 2) throw UsageError("import-maildir needs one Maildir folder");
    const std::filesystem::path maildir = a.positional[1];
    const auto fresh = maildir / "new", seen = maildir / "cur";
    if (!std::filesystem::is_directory(fresh))
        throw std::runtime_error(fmt::format("{} is not a Maildir: it has no new/ folder", maildir.string()));
    std::filesystem::create_directories(seen);
    Config config = a.config.empty() ? Config{} : load_config(a.config);
    config.data_dir = data_dir_of(a);
    config.demo = false;
    SystemClock clock;
    auto app = App::open(config, clock);
    boost::asio::thread_pool blocking(1);
    EmailIntake email(*app, blocking);

    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(fresh))
        if (entry.is_regular_file()) files.push_back(entry.path());
    std::sort(files.begin(), files.end());  // Maildir names start with the delivery time
    int imported = 0, duplicates = 0, failed = 0, acknowledgements = 0;
    for (const auto& file : files) {
        std::ifstream in(file, std::ios::binary);
        std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (!in.good() && !in.eof()) {
            err << fmt::format("triage: {}: cannot read; left in new/\n", file.string());
            ++failed;
            continue;
        }
        auto outcome = email.ingest(std::move(raw), {});
        if (!outcome) {
            err << fmt::format("triage: {}: {}; left in new/\n", file.string(), outcome.error().message);
            ++failed;
            continue;
        }
        // Committed: only now does it leave new/ (":2," marks it seen, as Maildir readers expect).
        std::filesystem::rename(file, seen / (file.filename().string() + ":2,S"));
        outcome->duplicate ? ++duplicates : ++imported;
        acknowledgements += static_cast<int>(std::count_if(outcome->events.begin(), outcome->events.end(),
                                                           [](const auto& e) { return e.type == "acknowledgement_queued"; }));
        out << fmt::format("{} -> {}{}\n", file.filename().string(),
                           outcome->unthreaded ? std::string("no ticket (bounce)") : ticket_key(outcome->ticket.id),
                           outcome->duplicate ? " (already had it)" : "");
    }
    blocking.join();
    out << fmt::format("{} imported, {} already present, {} failed\n", imported, duplicates, failed);
    // The acknowledgements are outbox rows, as for SMTP intake; the one sender of the data
    // directory, triaged's (email.relay), delivers them: within email.outbox.poll_ms while it
    // runs, else when it starts. One sender keeps "exactly once per Message-ID".
    if (acknowledgements > 0)
        out << fmt::format("{} acknowledgement{} queued in the outbox: triaged sends {} through {}:{} (within {} ms while it"
                           " runs, else when it starts)\n",
                           acknowledgements, acknowledgements == 1 ? "" : "s", acknowledgements == 1 ? "it" : "them",
                           config.email.relay->host, config.email.relay->port, config.email.poll_ms);
    return failed == 0 ? 0 : 1;
}

int sla_deadline(const Args& a, std::ostream& out) {
    if (a.start.empty() || a.minutes.empty()) throw UsageError("sla deadline needs --start and --minutes");
    auto start = parse_rfc3339(a.start);
    if (!start)
        throw UsageError(fmt::format("--start '{}' is not an RFC 3339 time such as 2026-12-23T15:30:00+02:00", a.start));
    std::int64_t minutes = -1;
    auto [end, ec] = std::from_chars(a.minutes.data(), a.minutes.data() + a.minutes.size(), minutes);
    if (ec != std::errc{} || end != a.minutes.data() + a.minutes.size() || minutes < 0 ||
        minutes > BusinessCalendar::kMaxBusinessMinutes)
        throw UsageError(fmt::format("--minutes must be a whole number of business minutes, not '{}'", a.minutes));

    auto fail = [](const Problem& p) -> int { throw std::runtime_error(p.message); };
    std::optional<BusinessCalendar> calendar;
    if (!a.calendar.empty() || !a.config.empty()) {
        if (a.config.empty() || a.calendar.empty()) throw UsageError("--config and --calendar go together");
        if (!a.tz.empty() || !a.hours.empty() || !a.holidays.empty())
            throw UsageError("give either --config/--calendar or an inline --tz/--hours/--holidays, not both");
        auto calendars = calendars_of(a.config);
        if (!calendars) return fail(calendars.error());
        auto it = calendars->find(a.calendar);
        if (it == calendars->end()) {
            std::string names;
            for (const auto& [name, c] : *calendars) names += (names.empty() ? "" : ", ") + name;
            throw std::runtime_error(fmt::format("no calendar '{}' in {} (it has: {})", a.calendar, a.config, names));
        }
        calendar = it->second;
    } else {
        if (a.tz.empty() || a.hours.empty())
            throw UsageError("give --config FILE --calendar NAME, or an inline calendar with --tz and --hours");
        auto hours = parse_hours_spec(a.hours);
        if (!hours) throw UsageError(fmt::format("--hours: {}", hours.error().message));
        std::vector<HolidayRange> holidays;
        if (!a.holidays.empty()) {
            auto parsed = parse_holidays(a.holidays);
            if (!parsed) throw UsageError(fmt::format("--holidays: {}", parsed.error().message));
            holidays = std::move(*parsed);
        }
        auto made = BusinessCalendar::make("inline", a.tz, std::move(*hours), std::move(holidays));
        if (!made) throw UsageError(fmt::format("--tz/--hours: {}", made.error().message));
        calendar = std::move(*made);
    }
    out << format_rfc3339(calendar->add_business_minutes(*start, minutes)) << "\n";
    return 0;
}

}  // namespace

std::ifstream open_input_file(const std::string& file) {
    std::error_code ec;
    const auto status = std::filesystem::status(file, ec);
    if (status.type() == std::filesystem::file_type::not_found)
        throw std::runtime_error(fmt::format("{}: no such file", file));
    if (status.type() == std::filesystem::file_type::directory)
        throw std::runtime_error(fmt::format("{}: is a directory, not a file", file));
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error(fmt::format("{}: cannot read the file: {}", file, std::strerror(errno)));
    return in;
}

int run_cli(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
    if (!argv.empty() && (argv[0] == "--help" || argv[0] == "-h")) {
        out << kUsage;
        return 0;
    }
    if (!argv.empty() && argv[0] == "rules") return run_rules_cli(argv, out, err);
    if (!argv.empty() && is_reports_command(argv[0])) return run_reports_cli(argv, out, err);
    try {
        auto a = parse(argv);
        if (a.positional.empty()) throw UsageError("no command given");
        const auto& cmd = a.positional[0];
        if (cmd == "help") {
            out << kUsage;
            return 0;
        }
        if (cmd == "migrate") {
            auto dir = data_dir_of(a);
            std::filesystem::create_directories(dir);
            auto store = SqliteStore::open(dir / "triage.db");
            out << fmt::format("database {} is at schema version {}\n", (dir / "triage.db").string(),
                               store->schema_version());
            return 0;
        }
        if (cmd == "import-maildir") return import_maildir(a, out, err);
        if (cmd == "import-cdr") {
            if (a.positional.size() != 2) throw UsageError("import-cdr needs one CDR file");
            Config config = a.config.empty() ? Config{} : load_config(a.config);
            config.data_dir = data_dir_of(a);
            config.demo = false;
            return import_cdr_command(config, {a.format, a.source, a.tz}, a.positional[1], out, err);
        }
        if (cmd == "ticket" && a.positional.size() >= 2 && a.positional[1] == "show") return ticket_show(a, out, err);
        if (cmd == "ticket" && a.positional.size() == 2 && a.positional[1] == "list") return ticket_list(a, out);
        if (cmd == "ticket" && a.positional.size() > 2 && a.positional[1] == "list")
            throw UsageError(fmt::format("ticket list takes no arguments; unexpected '{}'", a.positional[2]));
        if (cmd == "ticket") throw UsageError("ticket needs `show ID` or `list`");
        if (cmd == "user" || cmd == "token") {
            AccountArgs acc{data_dir_of(a), a.positional.size() == 3 ? a.positional[2] : "", a.role, a.queues,
                            a.password, a.has_password, a.email, a.language};
            try {
                const std::string sub = a.positional.size() >= 2 ? a.positional[1] : "";
                if (cmd == "user" && sub == "add" && a.positional.size() == 3) return user_add(acc, std::cin, out);
                if (cmd == "user" && sub == "list" && a.positional.size() == 2) return user_list(acc, out);
                if (cmd == "token" && sub == "create" && a.positional.size() == 3) return token_create(acc, out);
            } catch (const AccountUsageError& e) {
                throw UsageError(e.what());
            }
            throw UsageError(cmd == "user" ? "user needs `add NAME --role ROLE` or `list`" : "token needs `create NAME`");
        }
        if (cmd == "sla" && a.positional.size() == 2 && a.positional[1] == "deadline") return sla_deadline(a, out);
        if (cmd == "sla") throw UsageError("sla needs `deadline`");
        throw UsageError(fmt::format("unknown command '{}'", cmd));
    } catch (const UsageError& e) {
        err << "triage: " << e.what() << "\n\n" << kUsage;
        return 2;
    } catch (const std::exception& e) {
        err << "triage: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace triage::server
