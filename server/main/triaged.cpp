// triaged: the Triage server. Reads the YAML config, opens the data directory, serves the
// HTTP API, and shuts down gracefully on SIGTERM/SIGINT (requests in flight finish and
// every accepted write is committed before exit).
#include "engine/clock.hpp"
#include "server/api.hpp"
#include "server/app.hpp"
#include "channels/smtp_listener.hpp"
#include "server/demo_history.hpp"
#include "server/demo_logins.hpp"
#include "server/email_intake.hpp"
#include "server/cdr_spool.hpp"
#include "server/weekly_report.hpp"
#include "server/email_sender.hpp"
#include "server/http_server.hpp"
#include "server/log_sink.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <spdlog/spdlog.h>
#include <thread>

namespace {

constexpr const char* kUsage = R"(usage: triaged [--config FILE] [--http HOST:PORT] [--data-dir DIR]
               [--smtp HOST:PORT] [--lmtp HOST:PORT] [--log-level LEVEL] [--demo]
               [--port-file FILE] [--smtp-port-file FILE]

  --config FILE      YAML configuration (see examples/triage.yaml)
  --http HOST:PORT   listen address; port 0 picks a free port (overrides http.listen)
  --data-dir DIR     database, raw messages and attachments (overrides data_dir)
  --smtp HOST:PORT   inbound SMTP listener (overrides smtp.listen); port 0 picks one
  --lmtp HOST:PORT   inbound LMTP listener (overrides lmtp.listen)
  --log-level LEVEL  trace, debug, info, warn, error, critical or off
  --demo             load the demo history when the data directory is fresh
  --port-file FILE   write the bound HTTP port to FILE once listening
  --smtp-port-file FILE  the same for the SMTP listener
Environment: TRIAGE_ADMIN_TOKEN, when set, is installed as an admin API token.
)";

struct Options {
    std::string config;
    std::string http;
    std::string data_dir;
    std::string log_level;
    std::string port_file;
    std::string smtp;
    std::string lmtp;
    std::string smtp_port_file;
    bool demo = false;
};

Options parse_args(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--config") o.config = value();
        else if (arg == "--http") o.http = value();
        else if (arg == "--data-dir") o.data_dir = value();
        else if (arg == "--log-level") o.log_level = value();
        else if (arg == "--port-file") o.port_file = value();
        else if (arg == "--smtp") o.smtp = value();
        else if (arg == "--lmtp") o.lmtp = value();
        else if (arg == "--smtp-port-file") o.smtp_port_file = value();
        else if (arg == "--demo") o.demo = true;
        else if (arg == "--help" || arg == "-h") {
            std::cout << kUsage;
            std::exit(0);
        } else throw std::invalid_argument("unknown argument " + arg);
    }
    return o;
}

// Written whole and then renamed, so a reader never sees half a number.
void write_port_file(const std::string& path, unsigned short port) {
    std::ofstream(path + ".tmp") << port << "\n";
    std::filesystem::rename(path + ".tmp", path);
}

}  // namespace

int main(int argc, char** argv) {
    using namespace triage;
    using namespace triage::server;
    Options options;
    try {
        options = parse_args(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "triaged: " << e.what() << "\n" << kUsage;
        return 2;
    }
    try {
        Config config = options.config.empty() ? Config{} : load_config(options.config);
        if (!options.http.empty()) config.http = parse_endpoint(options.http);
        if (!options.data_dir.empty()) config.data_dir = options.data_dir;
        if (!options.log_level.empty()) config.log_level = options.log_level;
        if (options.demo) config.demo = true;
        if (!options.smtp.empty()) config.email.smtp = parse_endpoint(options.smtp);
        if (!options.lmtp.empty()) config.email.lmtp = parse_endpoint(options.lmtp);

        auto logger = std::make_shared<spdlog::logger>("triaged", std::make_shared<BufferedStdoutSink>());
        spdlog::set_default_logger(logger);
        spdlog::set_level(spdlog::level::from_str(config.log_level));
        spdlog::flush_every(std::chrono::seconds(1));

        SystemClock clock;
        auto app = App::open(config, clock);
        if (const char* token = std::getenv("TRIAGE_ADMIN_TOKEN"); token && *token) {
            app->auth().install("admin", token, "admin");
            spdlog::info("admin token from TRIAGE_ADMIN_TOKEN installed");
        }
        if (config.demo) {
            auto loaded = load_demo_history_if_fresh(*app);
            if (loaded) spdlog::info("demo history loaded: {} tickets", loaded);
            if (int logins = install_demo_logins(*app)) spdlog::info("demo logins created: {}", logins);
        }
        app->reports();  // follows commits; the facts load with the first report (or now, in the background)

        boost::asio::io_context ioc(config.io_threads);
        Api api(*app);
        HttpLimits http_limits;
        http_limits.body_limit = config.body_limit;
        // The forms take an attachment of up to webform.max_attachment_bytes: as a file part, or
        // base64 in JSON (4/3 of it), with room for the other fields.
        http_limits.upload_paths = {"/form", "/api/v1/form"};
        http_limits.upload_body_limit = config.webform.max_attachment_bytes / 3 * 4 + (256u << 10);
        http_limits.strand_per_connection = config.io_threads > 1;
        HttpServer http(ioc, api, config.http, http_limits);
        http.start();
        auto bound = http.local_endpoint();
        spdlog::info("triaged listening on http://{}:{} (data in {})", bound.address().to_string(), bound.port(),
                     config.data_dir.string());
        spdlog::default_logger()->flush();

        // Inbound email: SMTP and LMTP listeners feeding the same intake.
        boost::asio::thread_pool blocking(8);  // fsync and MIME parsing, never on I/O threads; 8 so
        // concurrent sessions' blob fsyncs overlap (the journal commits them together)
        EmailIntake email(*app, blocking);
        // With a relay the weekly report goes through the outbox; without one it is spooled.
        auto report_mailer = weekly_report_mailer(*app);
        WeeklyReportScheduler weekly_report(ioc, blocking, *app, *report_mailer);
        weekly_report.start();
        std::vector<std::unique_ptr<channels::SmtpListener>> mail_listeners;
        for (auto [endpoint, protocol] : {std::pair{config.email.smtp, channels::SmtpProtocol::smtp},
                                          std::pair{config.email.lmtp, channels::SmtpProtocol::lmtp}}) {
            if (!endpoint) continue;
            channels::SmtpListenerOptions mail_options;
            mail_options.protocol = protocol;
            mail_options.hostname = config.email.hostname;
            mail_options.limits.max_message_bytes = config.email.max_message_bytes;
            auto listener = std::make_unique<channels::SmtpListener>(
                ioc, endpoint->host, endpoint->port, mail_options,
                [&email](std::string_view address) { return email.accepts(address); },
                [&email](channels::SmtpEnvelope envelope) { return email.deliver(std::move(envelope)); });
            listener->start();
            auto ep = listener->local_endpoint();
            spdlog::info("{} listening on {}:{} for {} mailboxes", protocol == channels::SmtpProtocol::smtp ? "SMTP" : "LMTP",
                         ep.address().to_string(), ep.port(), config.email.mailboxes.size());
            if (protocol == channels::SmtpProtocol::smtp && !options.smtp_port_file.empty())
                write_port_file(options.smtp_port_file, ep.port());
            mail_listeners.push_back(std::move(listener));
        }

        // A watched spool directory for PBX call logs (phone.cdr_spool.dir).
        std::unique_ptr<CdrSpool> cdr_spool;
        if (!config.phone.cdr_spool.empty()) {
            cdr_spool = std::make_unique<CdrSpool>(*app, config.phone.cdr_spool,
                                                   *channels::parse_cdr_format(config.phone.cdr_spool_format),
                                                   *channels::PbxTimeZone::make(config.phone.cdr_spool_time_zone));
            cdr_spool->start();
            spdlog::info("watching {} for {} CDR files", config.phone.cdr_spool.string(), config.phone.cdr_spool_format);
        }
        // One more for each configured PBX with a spool (phone.cdr_sources).
        std::vector<std::unique_ptr<CdrSpool>> source_spools;
        for (const auto& source : config.phone.cdr_sources) {
            if (source.spool.empty()) continue;
            source_spools.push_back(std::make_unique<CdrSpool>(*app, source.spool, *channels::parse_cdr_format(source.format),
                                                               *channels::PbxTimeZone::make(source.time_zone)));
            source_spools.back()->start();
            spdlog::info("watching {} for {} CDR files of {} ({})", source.spool.string(), source.format, source.name,
                         source.time_zone);
        }

        // SLA scheduler, periodic rules and routing, webhook outbox; SIGHUP reloads the rules.
        app->escalation().on_events([&app](const std::vector<TicketEvent>& events) { app->live().publish(events); });
        app->escalation().start(ioc);
        app->follow_other_writers();
        boost::asio::signal_set hangup(ioc, SIGHUP);
        std::function<void()> wait_hangup = [&] {
            hangup.async_wait([&](boost::system::error_code ec, int) {
                if (ec) return;
                auto reloaded = app->escalation().reload();
                if (reloaded) spdlog::info("SIGHUP: rules reloaded ({} rules)", *reloaded);
                else spdlog::error("SIGHUP: {}", reloaded.error().message);
                wait_hangup();
            });
        };
        wait_hangup();
        // Outbound email: the sender delivers the outbox through the relay, starting with what
        // an earlier run left unsent.
        std::unique_ptr<EmailSender> sender;
        if (config.email.relay) {
            sender = std::make_unique<EmailSender>(*app, ioc);
            app->on_mail_queued([s = sender.get()] { s->wake(); });
            sender->start();
        } else {
            spdlog::info("no email.relay configured: outbound mail waits in the outbox");
        }

        // Last, once every listener is up: tests and scripts wait for this file.
        if (!options.port_file.empty()) write_port_file(options.port_file, bound.port());

        boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
        boost::asio::steady_timer drain(ioc);
        std::function<void()> wait_drained;
        auto deadline = std::chrono::steady_clock::now();
        wait_drained = [&] {
            int mail_sessions = 0;
            for (auto& l : mail_listeners) mail_sessions += l->deliveries();
            if (sender && sender->delivering()) ++mail_sessions;  // let a mail in flight get its answer
            if ((http.in_flight() == 0 && mail_sessions == 0) || std::chrono::steady_clock::now() > deadline) {
                ioc.stop();
                return;
            }
            drain.expires_after(std::chrono::milliseconds(20));
            drain.async_wait([&](boost::system::error_code) { wait_drained(); });
        };
        signals.async_wait([&](boost::system::error_code ec, int signal) {
            if (ec) return;
            spdlog::info("signal {}: finishing requests in flight and shutting down", signal);
            http.stop();
            for (auto& l : mail_listeners) l->stop();
            hangup.cancel();
            app->escalation().stop();
            if (sender) sender->stop();
            deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
            wait_drained();
        });

        std::vector<std::thread> threads;
        for (int i = 1; i < config.io_threads; ++i) threads.emplace_back([&] { ioc.run(); });
        ioc.run();
        for (auto& t : threads) t.join();
        if (cdr_spool) cdr_spool->stop();
        for (auto& spool : source_spools) spool->stop();
        blocking.join();
        app->stop();
        spdlog::info("triaged stopped");
        spdlog::shutdown();
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "triaged: " << e.what() << "\n";
        return 1;
    }
}
