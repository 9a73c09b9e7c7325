// Email intake end to end and MIME parsing alone. Part one: the real SMTP listener, intake and
// SQLite store in this process (as triaged wires them, durable: each 250 only after the
// fsync'ed group commit), driven by 32 concurrent SMTP sessions on their own threads; prints
// emails ingested per second. Part two, single thread, over the shared corpus (or a built-in
// mixed set when ../shared/corpus/email is absent): "MIME parsing alone" is GMime's parse of
// every message's structure and headers as parse_email drives it (channels::MimeDocument),
// every part and every header visited; then the whole of parse_email (that parse plus
// charset decoding, attachments decoded, HTML to text and sanitising, quotes, classification).
// Each prints MB/s, CPU ns per byte and, where the CPU has counters, instructions per byte.
// Targets: >= 5,000 emails/s and >= 300 MB/s. Run by `make bench`.
//   email_bench [--sessions N] [--count N] [--parse-seconds S] [--corpus DIR] [--smtp off] [--full off] [--blocking-threads N]
#include "channels/email_parser.hpp"
#include "channels/mime_document.hpp"
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
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
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

// CPU time of this thread (the parse loops run on the main thread alone).
double thread_cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// Instructions retired by this thread, from the CPU's counter; -1 where there is none (many
// virtual machines): then callgrind gives the figure (README, "Email").
class InstructionCounter {
public:
    InstructionCounter() {
        perf_event_attr attr{};
        attr.type = PERF_TYPE_HARDWARE;
        attr.size = sizeof(attr);
        attr.config = PERF_COUNT_HW_INSTRUCTIONS;
        attr.disabled = 1;
        attr.exclude_kernel = 1;
        attr.exclude_hv = 1;
        fd_ = static_cast<int>(syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
    }
    ~InstructionCounter() {
        if (fd_ >= 0) ::close(fd_);
    }
    void start() {
        if (fd_ < 0) return;
        ioctl(fd_, PERF_EVENT_IOC_RESET, 0);
        ioctl(fd_, PERF_EVENT_IOC_ENABLE, 0);
    }
    long long stop() {
        if (fd_ < 0) return -1;
        ioctl(fd_, PERF_EVENT_IOC_DISABLE, 0);
        long long count = 0;
        if (::read(fd_, &count, sizeof(count)) != static_cast<ssize_t>(sizeof(count))) return -1;
        return count;
    }

private:
    int fd_ = -1;
};

// GMime's tree of one message, all of it looked at: every part, every header's name and raw
// value, every content type. Returns the number of headers seen.
std::size_t visit(GMimeObject* object, std::size_t& parts) {
    if (!object) return 0;
    ++parts;
    std::size_t headers = 0;
    GMimeHeaderList* list = g_mime_object_get_header_list(object);
    const int count = g_mime_header_list_get_count(list);
    for (int i = 0; i < count; ++i) {
        GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
        headers += g_mime_header_get_name(h) && g_mime_header_get_raw_value(h) ? 1 : 0;
    }
    if (GMimeContentType* type = g_mime_object_get_content_type(object))
        headers += g_mime_content_type_get_media_type(type) ? 0 : 1;
    if (GMIME_IS_MULTIPART(object)) {
        GMimeMultipart* multipart = GMIME_MULTIPART(object);
        const int n = g_mime_multipart_get_count(multipart);
        for (int i = 0; i < n; ++i) headers += visit(g_mime_multipart_get_part(multipart, i), parts);
    }
    return headers;
}

struct ParseFigures {
    double seconds = 0, cpu = 0;
    std::size_t bytes = 0, messages = 0;
    long long instructions = -1;
};

// Runs `one` over the messages, round after round, for at least `min_seconds`.
template <class F>
ParseFigures time_parse(const std::vector<std::string>& messages, double min_seconds, F one) {
    ParseFigures f;
    InstructionCounter counter;
    const auto start = Steady::now();
    const double cpu_start = thread_cpu_seconds();
    counter.start();
    while (f.seconds < min_seconds) {
        for (const auto& m : messages) {
            f.messages += one(m) ? 1 : 0;
            f.bytes += m.size();
        }
        f.seconds = std::chrono::duration<double>(Steady::now() - start).count();
    }
    f.instructions = counter.stop();
    f.cpu = thread_cpu_seconds() - cpu_start;
    return f;
}

std::string per_byte(const ParseFigures& f) {
    char out[160];
    const double bytes = static_cast<double>(f.bytes);
    if (f.instructions >= 0)
        std::snprintf(out, sizeof out, "%.1f CPU ns/byte, %.1f instructions/byte", f.cpu / bytes * 1e9,
                      static_cast<double>(f.instructions) / bytes);
    else
        std::snprintf(out, sizeof out, "%.1f CPU ns/byte, instructions/byte n/a (no CPU counters here)",
                      f.cpu / bytes * 1e9);
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    int sessions = 32, count = 4000;
    double parse_seconds = 2.0;
    bool smtp = true, full_parse = true;
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
        else if (a == "--full") full_parse = std::string(argv[i + 1]) != "off";
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
    const std::string source = fs::is_directory(corpus) ? corpus.string() : std::string("built-in set");
    channels::ensure_gmime();
    // One untimed parse_email of each message first, as a running triaged has done: its
    // charset conversions keep the iconv modules of the charsets met loaded (see
    // keep_charset_module_loaded), which GMime's own decoding of encoded words then finds.
    for (const auto& m : messages) (void)channels::parse_email(m);
    std::size_t parts = 0, headers = 0;
    const auto mime = time_parse(messages, parse_seconds, [&](const std::string& m) {
        channels::MimeDocument document(m);
        headers += visit(document.top(), parts);
        return document.top() != nullptr;
    });
    std::printf("email_bench: MIME parsing alone (GMime: structure and headers of every part; %zu messages, %s): %.1f MB/s,"
                " %.0f messages/s, %s; %zu parts and %zu headers a round; one thread\n",
                messages.size(), source.c_str(), mime.bytes / mime.seconds / 1e6, mime.messages / mime.seconds,
                per_byte(mime).c_str(), parts * messages.size() / std::max<std::size_t>(1, mime.messages),
                headers * messages.size() / std::max<std::size_t>(1, mime.messages));
    // The same parse on every core at once: triaged parses concurrent deliveries on its
    // blocking pool, so this is the rate the machine's intake can parse at.
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    std::vector<ParseFigures> each(cores);
    {
        std::atomic<unsigned> ready{0};
        std::vector<std::thread> threads;
        for (unsigned t = 0; t < cores; ++t)
            threads.emplace_back([&, t] {
                ready.fetch_add(1);
                while (ready.load() < cores) std::this_thread::yield();
                std::size_t p = 0;
                each[t] = time_parse(messages, parse_seconds, [&](const std::string& m) {
                    channels::MimeDocument document(m);
                    visit(document.top(), p);
                    return document.top() != nullptr;
                });
            });
        for (auto& t : threads) t.join();
    }
    double wall = 0, bytes = 0, cpu = 0;
    for (const auto& f : each) {
        wall = std::max(wall, f.seconds);
        bytes += static_cast<double>(f.bytes);
        cpu += f.cpu;
    }
    std::printf("email_bench: MIME parsing alone on %u threads at once (one a core, as triaged's intake pool parses"
                " concurrent deliveries): %.1f MB/s, %.1f CPU ns/byte (target >= 300 MB/s)\n",
                cores, bytes / wall / 1e6, cpu / bytes * 1e9);
    if (!full_parse) return status;
    const auto full = time_parse(messages, parse_seconds, [](const std::string& m) {
        return channels::parse_email(m).enquiry.channel == Channel::email;
    });
    std::printf("email_bench: full email parse (parse_email: MIME, charsets, attachments decoded, HTML to text and"
                " sanitised, quotes, classification): %.1f MB/s, %.0f messages/s, %s\n",
                full.bytes / full.seconds / 1e6, full.messages / full.seconds, per_byte(full).c_str());
    return status;
}
