// channels_bench: run by `make bench`. Two figures, each counting only durably stored work:
//  1. CDR rows imported per second: a generated Asterisk Master.csv through import_cdr (parse,
//     call policy, group-committed intake) into a fresh data directory;
//  2. web-form posts handled per second: urlencoded POST /form over keep-alive connections to
//     an in-process HTTP server (form token checked, raw request kept, ticket committed before
//     each 201). Each connection first loads its form tokens (GET /api/v1/form/token, as a
//     browser loads the page before it posts), untimed, and waits out the time trap.
// Each also prints CPU time per item (user + system of the whole process, the in-process
// HTTP client included), a figure the shared machine's load does not inflate.
// Prints figures and a RESULT line; exits non-zero only when something failed.
#include "server/api.hpp"
#include "server/app.hpp"
#include "server/http_server.hpp"
#include "server/phone_intake.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <random>
#include <sys/resource.h>
#include <thread>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace triage;
using Steady = std::chrono::steady_clock;

std::size_t flag(int argc, char** argv, const char* name, std::size_t fallback) {
    for (int i = 1; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], name) == 0) return std::stoul(argv[i + 1]);
    return fallback;
}

std::filesystem::path fresh_dir(const char* what) {
    std::random_device rd;
    auto dir = std::filesystem::temp_directory_path() / fmt::format("triage-{}-{:08x}", what, rd());
    std::filesystem::create_directories(dir);
    return dir;
}

// Asterisk cdr_csv rows: callers from a pool of numbers, a third of the calls missed.
std::string make_cdr(std::size_t rows, std::size_t callers) {
    std::string out;
    out.reserve(rows * 260);
    const char* dispositions[] = {"ANSWERED", "ANSWERED", "NO ANSWER", "ANSWERED", "BUSY", "ANSWERED"};
    for (std::size_t i = 0; i < rows; ++i) {
        const auto caller = 358401000000ull + (i * 7919) % callers;
        const auto start = 1710140000 + i * 3;
        const char* d = dispositions[i % 6];
        const bool answered = std::strcmp(d, "ANSWERED") == 0;
        auto stamp = [](std::uint64_t epoch) {
            std::time_t t = static_cast<std::time_t>(epoch);
            std::tm tm{};
            gmtime_r(&t, &tm);
            char buf[32];
            std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
            return std::string(buf);
        };
        out += fmt::format(
            "\"helpdesk\",\"+{0}\",\"600\",\"ext-queues\",\"\"\"Caller {0}\"\" <+{0}>\",\"PJSIP/trunk-{1:08x}\",\"PJSIP/2001-{1:08x}\","
            "\"Queue\",\"helpdesk,tTr,,,300\",\"{2}\",{3},\"{4}\",40,{5},\"{6}\",\"DOCUMENTATION\",\"{7}.{1}\",\"\"\n",
            caller, i, stamp(start), answered ? "\"" + stamp(start + 5) + "\"" : std::string(), stamp(start + 40),
            answered ? 35 : 0, d, start);
    }
    return out;
}

double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct FormRun {
    std::atomic<std::size_t> ok{0}, failed{0};
    std::vector<std::string> tokens;  // "&form_ts=…&csrf_token=…" per post
};

// The tokens of `count` form pages, as browsers load them before posting.
asio::awaitable<void> load_tokens(asio::ip::tcp::endpoint server, std::size_t first, std::size_t count, FormRun& run) {
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    co_await stream.async_connect(server, asio::use_awaitable);
    beast::flat_buffer buffer;
    for (std::size_t i = first; i < first + count; ++i) {
        http::request<http::empty_body> req{http::verb::get, "/api/v1/form/token", 11};
        req.set(http::field::host, "bench.local");
        req.keep_alive(true);
        co_await http::async_write(stream, req, asio::use_awaitable);
        http::response<http::string_body> res;
        co_await http::async_read(stream, buffer, res, asio::use_awaitable);
        auto v = boost::json::parse(res.body());
        run.tokens[i] = fmt::format("&form_ts={}&csrf_token={}", v.at("form_ts").as_int64(),
                                    std::string_view(v.at("csrf_token").as_string()));
    }
}

asio::awaitable<void> post_forms(asio::ip::tcp::endpoint server, std::size_t first, std::size_t count, FormRun& run) {
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    co_await stream.async_connect(server, asio::use_awaitable);
    beast::flat_buffer buffer;
    for (std::size_t i = first; i < first + count; ++i) {
        http::request<http::string_body> req{http::verb::post, "/form?lang=fi", 11};
        req.set(http::field::host, "bench.local");
        req.set(http::field::content_type, "application/x-www-form-urlencoded");
        req.body() = fmt::format("name=Asiakas+{0}&email=asiakas{0}%40esimerkki.fi&phone=%2B35840{0:07}&category=billing"
                                 "&subject=Lasku+{0}&message=Hei%2C+lasku+{0}+puuttuu.%0D%0AKiitos&website=",
                                 i % 20000);
        req.body() += fmt::format("&n={}", i);  // every post distinct (the same bytes again would be a double click)
        req.body() += run.tokens[i];
        req.keep_alive(true);
        req.prepare_payload();
        co_await http::async_write(stream, req, asio::use_awaitable);
        http::response<http::string_body> res;
        co_await http::async_read(stream, buffer, res, asio::use_awaitable);
        if (res.result_int() == 201) run.ok++;
        else if (run.failed++ == 0) fmt::print(stderr, "first failed post: {} {}\n", res.result_int(), res.body().substr(0, 300));
    }
}

}  // namespace

int main(int argc, char** argv) {
    const std::size_t cdr_rows = flag(argc, argv, "--cdr-rows", 100000);
    const std::size_t posts = flag(argc, argv, "--posts", 20000);
    const std::size_t connections = flag(argc, argv, "--connections", 32);
    spdlog::set_level(spdlog::level::warn);
    SystemClock clock;
    bool failed = false;

    // 1. CDR import.
    double cdr_rate = 0, cdr_cpu_us = 0, form_cpu_us = 0;
    {
        auto dir = fresh_dir("cdr-bench");
        server::Config config;
        config.data_dir = dir;
        config.phone.support_lines = {"600"};
        auto app = server::App::open(config, clock);
        auto bytes = make_cdr(cdr_rows, cdr_rows / 10 + 1);
        const auto t0 = Steady::now();
        const double cpu0 = cpu_seconds();
        auto report = server::import_cdr(*app, std::move(bytes), channels::CdrFormat::asterisk);
        const double s = std::chrono::duration<double>(Steady::now() - t0).count();
        cdr_cpu_us = (cpu_seconds() - cpu0) / static_cast<double>(std::max<std::size_t>(1, report.rows)) * 1e6;
        app->stop();
        cdr_rate = static_cast<double>(report.rows) / s;
        fmt::print("CDR import: {} rows ({} calls: {} filed, {} call-backs, {} skipped, {} bad) in {:.2f} s = {:.0f} rows/s "
                   "(target >= 50000) {}; {:.1f} us CPU per row\n",
                   report.rows, report.calls, report.filed, report.call_backs, report.skipped, report.errors.size(), s,
                   cdr_rate, cdr_rate >= 50000 ? "PASS" : "MISS", cdr_cpu_us);
        failed = failed || !report.errors.empty() || report.rows != cdr_rows;
        std::filesystem::remove_all(dir);
    }

    // 2. Web form posts.
    double form_rate = 0;
    {
        auto dir = fresh_dir("form-bench");
        server::Config config;
        config.data_dir = dir;
        config.http.port = 0;
        config.webform.rate_per_minute = 1e9;
        config.webform.rate_burst = 1e9;
        auto app = server::App::open(config, clock);
        asio::io_context server_io(1);
        server::Api api(*app);
        server::HttpServer http_server(server_io, api, config.http, server::HttpLimits{});
        http_server.start();
        const auto endpoint = http_server.local_endpoint();
        std::thread server_thread([&] { server_io.run(); });

        asio::io_context client_io(1);
        FormRun run;
        const std::size_t per = posts / connections;
        run.tokens.resize(per * connections);
        for (std::size_t c = 0; c < connections; ++c)
            asio::co_spawn(client_io, load_tokens(endpoint, c * per, per, run), [&](std::exception_ptr e) {
                if (e) run.failed++;
            });
        client_io.run();
        client_io.restart();
        // The time trap: a token is good only min_seconds after its page was served.
        std::this_thread::sleep_for(std::chrono::seconds(config.webform.token_min_seconds) + std::chrono::milliseconds(1100));
        const auto t0 = Steady::now();
        const double cpu0 = cpu_seconds();
        for (std::size_t c = 0; c < connections; ++c)
            asio::co_spawn(client_io, post_forms(endpoint, c * per, per, run), [&](std::exception_ptr e) {
                if (e) run.failed++;
            });
        client_io.run();
        const double s = std::chrono::duration<double>(Steady::now() - t0).count();
        form_cpu_us = (cpu_seconds() - cpu0) / static_cast<double>(std::max<std::size_t>(1, run.ok.load())) * 1e6;
        form_rate = static_cast<double>(run.ok.load()) / s;
        http_server.stop();
        server_io.stop();
        server_thread.join();
        app->stop();
        fmt::print("Web form: {} posts over {} connections ({} failed) in {:.2f} s = {:.0f} posts/s (target >= 5000) {}; "
                   "{:.1f} us CPU per post (server and client)\n",
                   run.ok.load(), connections, run.failed.load(), s, form_rate, form_rate >= 5000 ? "PASS" : "MISS",
                   form_cpu_us);
        failed = failed || run.failed.load() != 0 || run.ok.load() != per * connections;
        std::filesystem::remove_all(dir);
    }
    fmt::print("RESULT channels_bench cdr_rows_per_s={:.0f} cdr_cpu_us_per_row={:.1f} form_posts_per_s={:.0f} "
               "form_cpu_us_per_post={:.1f} (machine shared: re-measure idle)\n",
               cdr_rate, cdr_cpu_us, form_rate, form_cpu_us);
    return failed ? 1 : 0;
}
