// Email intake end to end and MIME parsing alone. Part one: the real SMTP listener, intake and
// SQLite store in this process (as triaged wires them, durable: each 250 only after the
// fsync'ed group commit), driven by 32 concurrent SMTP sessions on their own threads; prints
// emails ingested per second. Part two: channels::parse_email over the shared corpus (or a
// built-in mixed set when ../shared/corpus/email is absent), single thread; prints MB/s.
// Targets: >= 5,000 emails/s and >= 300 MB/s. Run by `make bench`.
//   email_bench [--sessions N] [--count N] [--parse-seconds S] [--corpus DIR] [--smtp off] [--blocking-threads N]
#include "channels/email_parser.hpp"
#include "channels/smtp_listener.hpp"
#include "engine/clock.hpp"
#include "server/app.hpp"
#include "server/email_intake.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

using namespace triage;
namespace asio = boost::asio;
namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

namespace {

std::string mail(int session, int i) {
    return "From: Asiakas " + std::to_string(session) + " <asiakas" + std::to_string(session) +
           "@example.fi>\r\nTo: support@bench.test\r\nMessage-ID: <b" + std::to_string(session) + "-" +
           std::to_string(i) + "@example.fi>\r\nSubject: =?UTF-8?Q?Lasku_puuttuu_" + std::to_string(i) +
           "_p=C3=A4iv=C3=A4?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: 8bit\r\n\r\nHei, en ole saanut laskua tältä kuulta. Voitteko lähettää sen "
           "uudelleen?\r\n\r\nTerveisin\r\nAsiakas\r\n";
}

// One session sending `count` messages one after another, each awaiting its 250.
int run_session(int port, int session, int count) {
    asio::io_context ioc;
    asio::ip::tcp::socket socket(ioc);
    socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
    socket.set_option(asio::ip::tcp::no_delay(true));
    asio::streambuf in;
    int failures = 0;
    auto reply = [&] {
        std::string line;
        do {
            asio::read_until(socket, in, "\r\n");
            std::istream is(&in);
            std::getline(is, line);
        } while (line.size() > 3 && line[3] == '-');
        return line;
    };
    reply();
    asio::write(socket, asio::buffer(std::string("EHLO bench.test\r\n")));
    reply();
    for (int i = 0; i < count; ++i) {
        std::string s = "MAIL FROM:<asiakas" + std::to_string(session) + "@example.fi>\r\nRCPT TO:<support@bench.test>\r\nDATA\r\n";
        asio::write(socket, asio::buffer(s));
        reply();
        reply();
        reply();
        asio::write(socket, asio::buffer(mail(session, i) + ".\r\n"));
        if (!reply().starts_with("250")) ++failures;
    }
    asio::write(socket, asio::buffer(std::string("QUIT\r\n")));
    reply();
    return failures;
}

std::vector<std::string> load_corpus(const fs::path& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    if (fs::is_directory(dir, ec)) {
        for (const auto& f : fs::directory_iterator(dir)) {
            if (f.path().extension() != ".eml") continue;
            std::ifstream in(f.path(), std::ios::binary);
            out.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        }
    }
    if (out.empty())
        for (int i = 0; i < 64; ++i) out.push_back(mail(i, i));
    return out;
}

double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
    int sessions = 32, count = 4000;
    double parse_seconds = 2.0;
    bool smtp = true;
    int blocking_threads = 16;
    fs::path corpus = "../shared/corpus/email";
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i];
        if (a == "--sessions") sessions = std::atoi(argv[i + 1]);
        else if (a == "--count") count = std::atoi(argv[i + 1]);
        else if (a == "--parse-seconds") parse_seconds = std::atof(argv[i + 1]);
        else if (a == "--corpus") corpus = argv[i + 1];
        else if (a == "--blocking-threads") blocking_threads = std::atoi(argv[i + 1]);
        else if (a == "--smtp") smtp = std::string(argv[i + 1]) != "off";
        else {
            std::cerr << "email_bench: unknown argument " << a << "\n";
            return 2;
        }
    }
    spdlog::set_level(spdlog::level::warn);
    const char* tmp = std::getenv("TMPDIR");
    const fs::path dir = fs::path(tmp && *tmp ? tmp : "/tmp") / ("triage-email-bench-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    int status = 0;
    if (smtp) {
        server::Config config;
        config.data_dir = dir;
        config.email.hostname = "bench.test";
        config.email.mailboxes["support@bench.test"] = "support";
        SystemClock clock;
        auto app = server::App::open(config, clock);
        asio::io_context ioc(1);
        asio::thread_pool blocking(blocking_threads);
        server::EmailIntake intake(*app, blocking);
        channels::SmtpListenerOptions options;
        channels::SmtpListener listener(
            ioc, "127.0.0.1", 0, options, [&](std::string_view a) { return intake.accepts(a); },
            [&](channels::SmtpEnvelope e) { return intake.deliver(std::move(e)); });
        listener.start();
        const int port = listener.local_endpoint().port();
        std::thread io([&] { ioc.run(); });

        const int each = std::max(1, count / sessions);
        std::atomic<int> failures{0};
        const double cpu_start = cpu_seconds();
        const auto start = Steady::now();
        std::vector<std::thread> clients;
        for (int s = 0; s < sessions; ++s)
            clients.emplace_back([&, s] {
                try {
                    failures += run_session(port, s, each);
                } catch (const std::exception& e) {
                    std::cerr << "session " << s << ": " << e.what() << "\n";
                    failures += each;
                }
            });
        for (auto& c : clients) c.join();
        const double seconds = std::chrono::duration<double>(Steady::now() - start).count();
        const int total = each * sessions;
        std::printf("email_bench: SMTP intake, %d sessions, %d emails (each 250 after a durable commit): %.0f emails/s"
                    " (%.2f s, %d failed; target >= 5000)\n",
                    sessions, total, total / seconds, seconds, failures.load());
        std::printf("email_bench: SMTP intake CPU: %.0f us per email (server and clients in this process; load-independent"
                    " unlike the rate)\n",
                    (cpu_seconds() - cpu_start) / total * 1e6);
        if (failures) status = 1;
        listener.stop();
        ioc.stop();
        io.join();
        blocking.join();
        app->stop();
    }
    fs::remove_all(dir);

    auto messages = load_corpus(corpus);
    std::size_t bytes = 0, parsed = 0;
    const auto start = Steady::now();
    double seconds = 0;
    while (seconds < parse_seconds) {
        for (const auto& m : messages) {
            auto result = channels::parse_email(m);
            bytes += m.size();
            parsed += result.enquiry.channel == Channel::email ? 1 : 0;
        }
        seconds = std::chrono::duration<double>(Steady::now() - start).count();
    }
    std::printf("email_bench: MIME parsing alone (%zu messages, %s): %.1f MB/s, %.0f messages/s (target >= 300 MB/s)\n",
                messages.size(), fs::is_directory(corpus) ? corpus.c_str() : "built-in set", bytes / seconds / 1e6,
                parsed / seconds);
    return status;
}
