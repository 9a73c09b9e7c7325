// `triage rules test --rules FILE ENQUIRY.eml|.json [--config FILE]`: what the rules would
// do to the ticket an enquiry opens, without touching any data directory — the real intake
// and escalation engine run over a private throwaway database.
#include "server/cli_rules.hpp"
#include "server/cli.hpp"

#include "channels/api_enquiry.hpp"
#include "channels/email_parser.hpp"
#include "engine/intake.hpp"
#include "engine/ticket_desk.hpp"
#include "engine/time_format.hpp"
#include "escalation/escalation_engine.hpp"
#include "escalation/language_detector.hpp"
#include "server/config.hpp"
#include "storage/sqlite_store.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <fstream>
#include <ostream>
#include <sstream>

namespace triage::server {
namespace {

constexpr const char* kUsage =
    "usage: triage rules test --rules FILE ENQUIRY.eml|ENQUIRY.json [--config FILE]\n"
    "       triage rules check --rules FILE\n";

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in = open_input_file(p.string());
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

int run_rules_cli(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
    std::string rules_file, config_file;
    std::vector<std::string> positional;
    for (std::size_t i = 1; i < argv.size(); ++i) {
        if ((argv[i] == "--rules" || argv[i] == "--config") && i + 1 < argv.size()) {
            std::string& target = argv[i] == "--rules" ? rules_file : config_file;
            target = argv[++i];
        }
        else if (argv[i].starts_with("--")) {
            err << "triage: unknown option " << argv[i] << "\n" << kUsage;
            return 2;
        } else positional.push_back(argv[i]);
    }
    const bool check = !positional.empty() && positional[0] == "check";
    if (positional.empty() || (positional[0] != "test" && !check) || (check ? positional.size() != 1 : positional.size() != 2)) {
        err << "triage: rules needs `test ENQUIRY` or `check`\n" << kUsage;
        return 2;
    }
    try {
        EscalationSettings settings;
        if (!config_file.empty()) {
            auto loaded = load_escalation_settings(config_file);
            if (!loaded) {
                err << "triage: " << loaded.error().message << "\n";
                return 2;
            }
            settings = std::move(*loaded);
        }
        if (rules_file.empty()) rules_file = settings.rules_file.string();
        if (rules_file.empty()) {
            err << "triage: give --rules FILE (or --config with escalation.rules)\n" << kUsage;
            return 2;
        }
        auto rules = RuleSet::load(rules_file);
        if (!rules) {
            err << rules.error().message << "\n";
            return 2;
        }
        if (check) {
            out << fmt::format("{}: {} rules, all valid\n", rules_file, rules->size());
            return 0;
        }
        SystemClock clock;
        const std::filesystem::path enquiry_file = positional[1];
        const std::string raw = read_file(enquiry_file);
        Enquiry enquiry;
        if (enquiry_file.extension() == ".json") {
            boost::system::error_code ec;
            auto json = boost::json::parse(raw, ec);
            if (ec) {
                err << fmt::format("triage: {}: malformed JSON: {}\n", enquiry_file.string(), ec.message());
                return 2;
            }
            auto parsed = channels::enquiry_from_api_json(json, clock.system_now());
            if (!parsed) {
                err << fmt::format("triage: {}: {}\n", enquiry_file.string(), parsed.error().message);
                return 2;
            }
            enquiry = std::move(*parsed);
        } else {
            auto parsed = channels::parse_email(raw);
            enquiry = std::move(parsed.enquiry);
            for (const auto& a : parsed.attachments)
                enquiry.attachments.push_back({a.filename, a.content_type, static_cast<std::int64_t>(a.bytes.size()), ""});
            enquiry.received_at = clock.system_now();
            enquiry.thread = {};  // a test opens a new ticket
            if (!config_file.empty()) {
                auto config = load_config(config_file);
                for (const auto& r : parsed.recipients)
                    if (auto it = config.email.mailboxes.find(r); it != config.email.mailboxes.end() && enquiry.queue.empty())
                        enquiry.queue = it->second;
            }
        }

        auto store = SqliteStore::open_in_memory();
        Intake intake(clock);
        TicketDesk desk(clock);
        std::unique_ptr<LanguageDetector> detector;
        try {
            detector = std::make_unique<LanguageDetector>();
        } catch (const std::exception&) {
        }
        EscalationEngine engine(clock, desk, std::make_shared<EscalationSettings>(std::move(settings)),
                                std::make_shared<const RuleSet>(std::move(*rules)), detector.get());
        if (!config_file.empty()) {  // the configured agents, so that routing can pick one
            auto agents = load_config(config_file).agents;
            write_sync(*store, [&](StoreTx& tx) {
                for (auto& a : agents) tx.upsert_agent(a);
            });
        }
        EscalationOutcome escalation;
        auto outcome = write_sync(*store, [&](StoreTx& tx) {
            auto accepted = intake.accept(tx, enquiry);
            if (accepted) engine.after_intake(tx, *accepted, escalation);
            return accepted;
        });
        if (!outcome) {
            err << fmt::format("triage: {}: {}\n", enquiry_file.string(), outcome.error().message);
            return 2;
        }
        const Ticket& t = outcome->ticket;
        int fired = 0;
        out << "rules that would fire:\n";
        for (const auto& e : escalation.events)
            if (e.type == "rule_fired") out << "  " << e.detail << "\n", ++fired;
        if (!fired) out << "  (none)\n";
        out << "\nthe ticket would become:\n";
        out << fmt::format("  subject   {}\n  status    {}\n  priority  {}\n  queue     {}\n  category  {}\n", t.subject,
                           to_string(t.status), to_string(t.priority), t.queue, t.category.empty() ? "-" : t.category);
        std::string tags;
        for (const auto& tag : t.tags) tags += (tags.empty() ? "" : ", ") + tag;
        out << fmt::format("  tags      {}\n  tier      {}\n  language  {}\n", tags.empty() ? "-" : tags, to_string(t.tier),
                           t.language);
        auto reader = store->reader();
        if (t.assignee_id) {
            auto agent = reader->agent(*t.assignee_id);
            out << fmt::format("  assignee  {}\n", agent ? agent->email : std::to_string(*t.assignee_id));
        }
        for (const auto& sla : reader->ticket_slas(t.id))
            out << fmt::format("  sla       {} {} business minutes (policy {}), due {}\n", sla.target, sla.target_minutes,
                               sla.policy, format_rfc3339(sla.deadline));
        auto notes = reader->notifications(t.id);
        if (!notes.empty()) out << "\nwould notify:\n";
        for (const auto& n : notes) out << fmt::format("  {} {}: {}\n", n.channel, n.target, n.subject.empty() ? n.body : n.subject);
        bool other = false;
        for (const auto& e : escalation.events)
            if (e.type == "routing_waiting" || e.type == "routed" || e.type == "referred" || e.type == "referral_failed") {
                if (!other) out << "\nescalation:\n", other = true;
                out << fmt::format("  {}: {}\n", e.type, e.detail);
            }
        out << "\n(nothing was stored)\n";
        return 0;
    } catch (const std::exception& e) {
        err << "triage: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace triage::server
