// escalation_hook_bench: what the escalation engine's per-ticket hook (after_intake, run in
// the writer's unit of every HTTP create) costs, in CPU time per new ticket, measured around
// the hook alone on the writer thread: with no escalation config (as api_bench runs
// triaged) and with the example config's rules, calendars and SLA policies.
// Usage: escalation_hook_bench [--tickets N] [--config FILE]
#include "engine/intake.hpp"
#include "engine/language_guess.hpp"
#include "escalation/escalation_engine.hpp"
#include "escalation/language_detector.hpp"
#include "storage/sqlite_store.hpp"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <string>
#include <time.h>
#include <unistd.h>

using namespace triage;

namespace {

double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// api_bench-like enquiries: short Finnish, Estonian, Latvian and English texts.
Enquiry enquiry(long i) {
    static const char* kSubjects[] = {"Lasku puuttuu", "Arve on vale", "Rēķins nav saņemts", "Invoice missing",
                                      "Verkon katkos", "Internet ei tööta", "Nav interneta", "Outage again"};
    static const char* kTexts[] = {
        "Hei, en ole saanut joulukuun laskua. Voisitteko lähettää sen uudelleen? Kiitos.",
        "Tere, minu arve summa on vale ja ma ei saa aru miks. Palun kontrollige.",
        "Labdien, es neesmu saņēmis decembra rēķinu. Vai jūs varētu to man nosūtīt vēlreiz?",
        "Hello, I have not received my December invoice. Could you send it again please?",
        "Hei, verkkoyhteys katkeaa iltaisin jo kolmatta päivää. Mitä voin tehdä?",
        "Tere, internet ei tööta alates eilsest õhtust. Palun aidake.",
        "Labdien, kopš vakardienas nav interneta. Lūdzu, palīdziet.",
        "Hi, the connection keeps dropping every evening. What can I do about it?"};
    Enquiry e;
    e.channel = Channel::api;
    e.sender_name = fmt::format("Customer {}", i % 5000);
    e.sender = {{IdentityKind::email, fmt::format("customer{}@example.fi", i % 5000)}};
    e.subject = fmt::format("{} {}", kSubjects[i % 8], i);
    e.text = kTexts[i % 8];
    e.queue = i % 2 ? "support" : "billing";
    return e;
}

void run(const std::string& label, std::shared_ptr<const EscalationSettings> settings,
         std::shared_ptr<const RuleSet> rules, long tickets) {
    const auto dir = std::filesystem::temp_directory_path() / fmt::format("escalation-hook-bench-{}", ::getpid());
    std::filesystem::create_directories(dir);
    SqliteOptions options;
    options.durable = false;
    auto store = SqliteStore::open(dir / "triage.db", options);
    SystemClock clock;
    Intake intake{clock};
    TicketDesk desk{clock};
    LanguageDetector detector;
    EscalationEngine engine(clock, desk, std::move(settings), std::move(rules), &detector);
    double hook_cpu = 0;
    std::size_t events = 0;
    constexpr long kPerUnit = 1000;
    for (long first = 0; first < tickets; first += kPerUnit) {
        write_sync(*store, [&](StoreTx& tx) {
            for (long i = first; i < std::min(tickets, first + kPerUnit); ++i) {
                Enquiry e = enquiry(i);
                // As the HTTP route does before the unit (EscalationService::detect_language).
                auto language = guess_language_if_clear(e.text);
                if (language == "und") language = detector.detect(e.text);
                if (language != "und") e.language = language;
                auto outcome = intake.accept(tx, e);
                if (!outcome) std::abort();
                EscalationOutcome out;
                const double start = thread_cpu_seconds();
                engine.after_intake(tx, *outcome, out);
                hook_cpu += thread_cpu_seconds() - start;
                events += out.events.size();
            }
        });
    }
    fmt::print("after_intake ({}): {} new tickets, {:.2f} us of CPU a ticket in the hook, {:.2f} audit events a ticket\n",
               label, tickets, hook_cpu * 1e6 / static_cast<double>(tickets),
               static_cast<double>(events) / static_cast<double>(tickets));
    store.reset();
    std::filesystem::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
    long tickets = 20000;
    std::string config = "examples/triage.yaml";  // run from the source tree, or pass --config
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string arg = argv[i];
        if (arg == "--tickets") tickets = std::atol(argv[i + 1]);
        else if (arg == "--config") config = argv[i + 1];
        else {
            fmt::print(stderr, "usage: escalation_hook_bench [--tickets N] [--config FILE]\n");
            return 2;
        }
    }
    run("no escalation config, as api_bench runs triaged", std::make_shared<EscalationSettings>(), nullptr, tickets);
    auto settings = load_escalation_settings(config);
    if (!settings) {
        fmt::print(stderr, "{}\n", settings.error().message);
        return 1;
    }
    auto shared = std::make_shared<EscalationSettings>(std::move(*settings));
    std::shared_ptr<const RuleSet> rules;
    if (!shared->rules_file.empty()) {
        auto compiled = RuleSet::load(shared->rules_file);
        if (!compiled) {
            fmt::print(stderr, "{}\n", compiled.error().message);
            return 1;
        }
        rules = std::make_shared<const RuleSet>(std::move(*compiled));
    }
    run(fmt::format("{}: rules, calendars, SLA policies; no agents", config), shared, rules, tickets);
    return 0;
}
