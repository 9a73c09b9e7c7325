#include "server/api_reports.hpp"

#include "engine/text.hpp"

#include "server/api_response.hpp"
#include "server/json_codec.hpp"
#include "server/reports.hpp"
#include "server/store_async.hpp"
#include "server/ticket_import_json.hpp"
#include "server/weekly_report.hpp"

#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <fmt/format.h>
#include <sstream>

namespace triage::server {
namespace http = boost::beast::http;
namespace json = boost::json;
namespace asio = boost::asio;
namespace {

// Report scans take tens of milliseconds on a million tickets: they run here, off the I/O threads.
asio::thread_pool& report_pool() {
    static asio::thread_pool pool(1);
    return pool;
}

// Runs fn() on the report pool and resumes the coroutine on its own executor with the result.
template <class T, class Fn>
auto run_on_report_pool(Fn fn) {
    return asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr, std::optional<T>)>(
        [](auto handler, Fn work) {
            auto ex = asio::get_associated_executor(handler);
            asio::post(report_pool(), [handler = std::move(handler), work = std::move(work), ex]() mutable {
                std::exception_ptr error;
                std::optional<T> out;
                try {
                    out.emplace(work());
                } catch (...) {
                    error = std::current_exception();
                }
                asio::post(ex, [handler = std::move(handler), error, out = std::move(out)]() mutable {
                    std::move(handler)(error, std::move(out));
                });
            });
        },
        asio::use_awaitable, std::move(fn));
}

constexpr std::chrono::milliseconds kReportsLoadingWait{2000};

AgentLabels agent_labels(App& app) {
    AgentLabels labels;
    for (auto& a : app.store().reader()->agents()) labels[a.id] = {a.email, a.name};
    return labels;
}

}  // namespace

Result<RenderedReport> render_report(App& app, std::string_view name,
                                     const std::vector<std::pair<std::string, std::string>>& params) {
    auto request = parse_report_request(name, params, app.config().reports.time_zone, app.clock().system_now());
    if (!request) return request.error();
    // Right after start-up the facts may still be loading: wait a little, then say so.
    auto& facts = app.reports();
    if (!facts.wait_ready(kReportsLoadingWait))
        return problem(errc::unavailable,
                       fmt::format("the report facts are still loading ({} tickets read so far); try again in a few seconds",
                                   facts.loaded_tickets()));
    if (auto error = facts.load_error(); !error.empty())
        return problem(errc::unavailable, fmt::format("the report facts could not be loaded: {}", error));
    auto agents = agent_labels(app);
    auto table = app.reports().with_facts([&](const Facts& facts) { return run_report(facts, *request, agents); });
    if (request->format == "csv") return RenderedReport{to_csv(table), "text/csv; charset=utf-8; header=present"};
    return RenderedReport{json_text(to_json(table, *request)) + "\n", "application/json; charset=utf-8"};
}

asio::awaitable<Response> handle_reports_route(App& app, const Request& req, boost::urls::url_view url,
                                               const std::vector<std::string>& seg, std::string& pattern) {
    const unsigned v = req.version();
    auto fail = [&](const Problem& p) { return json_response(v, status_of(p.code), error_json(p)); };
    auto not_allowed = [&](std::string_view allow) {
        auto res = json_response(v, http::status::method_not_allowed,
                               error_json("method_not_allowed", fmt::format("{} is not allowed here; use {}",
                                                                            std::string(req.method_string()), allow)));
        res.set(http::field::allow, allow);
        return res;
    };
    if (seg.size() == 5 && seg[2] == "reports" && seg[3] == "weekly" && seg[4] == "send") {
        // Last week's report to the managers now, as the schedule would send it.
        pattern = "/api/v1/reports/weekly/send";
        if (req.method() != http::verb::post) co_return not_allowed("POST");
        if (app.config().reports.weekly.managers.empty())
            co_return fail(problem(errc::conflict, "no recipients: reports.weekly.managers is empty"));
        auto work = [&app] {
            auto mailer = weekly_report_mailer(app);
            return send_weekly_report(app, *mailer, app.clock().system_now());
        };
        auto where = *co_await run_on_report_pool<std::string>(std::move(work));
        // A spool file is named, not its path on the server (the log has the path).
        if (where.starts_with('/')) where = "the report spool (" + std::filesystem::path(where).filename().string() + ")";
        co_return json_response(v, http::status::accepted, {{"queued", where}});
    }
    if (seg.size() == 4 && seg[2] == "reports") {
        pattern = "/api/v1/reports/{name}";
        if (req.method() != http::verb::get) co_return not_allowed("GET");
        std::vector<std::pair<std::string, std::string>> params;
        for (const auto& p : url.params()) params.emplace_back(p.key, p.value);
        auto work = [&app, name = seg[3], params = std::move(params)] { return render_report(app, name, params); };
        auto rendered = *co_await run_on_report_pool<Result<RenderedReport>>(std::move(work));
        if (!rendered) {
            auto res = fail(rendered.error());
            if (rendered.error().code == errc::unavailable) res.set(http::field::retry_after, "2");
            co_return res;
        }
        Response res{http::status::ok, v};
        res.set(http::field::content_type, rendered->content_type);
        res.set(http::field::cache_control, "no-store");
        if (rendered->content_type.starts_with("text/csv"))
            res.set(http::field::content_disposition, fmt::format("attachment; filename=\"{}.csv\"", seg[3]));
        res.body() = std::move(rendered->body);
        res.prepare_payload();
        co_return res;
    }
    if (seg.size() == 4 && seg[2] == "import" && seg[3] == "tickets") {
        pattern = "/api/v1/import/tickets";
        if (req.method() != http::verb::post) co_return not_allowed("POST");
        // Parsed on the report pool (a full body is a few thousand lines: milliseconds), never
        // on an I/O thread; the writes go to the writer as one unit.
        struct Parsed {
            std::vector<NumberedTicket> tickets;
            std::vector<LineProblem> problems;
        };
        auto parse = [&body = req.body(), region = app.config().phone.default_region] {
            Parsed out;
            std::string_view rest = body;
            std::size_t line_no = 0;
            while (!rest.empty()) {
                auto end = rest.find('\n');
                auto line = rest.substr(0, end);
                rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
                ++line_no;
                auto first = line.find_first_not_of(" \t\r");
                if (first == std::string_view::npos || line[first] == '#') continue;
                auto parsed = parse_historical_ticket(line_no == 1 ? without_bom(line) : line, region);
                if (!parsed) out.problems.push_back({line_no, parsed.error()});
                else out.tickets.push_back({line_no, std::move(*parsed)});
            }
            return out;
        };
        auto parsed = std::move(*co_await run_on_report_pool<Parsed>(std::move(parse)));
        auto tickets = std::move(parsed.tickets);
        auto summary = std::make_shared<ImportSummary>();
        auto parse_problems = std::move(parsed.problems);
        auto work = [summary, parse_problems, tickets = std::move(tickets)](StoreTx& tx) {
            *summary = {};  // a unit may run twice (store.hpp)
            summary->problems = parse_problems;
            import_tickets(tx, tickets, *summary);
            return true;
        };
        co_await write_async<bool>(app.store(), std::move(work));
        std::sort(summary->problems.begin(), summary->problems.end(),
                  [](const LineProblem& a, const LineProblem& b) { return a.line < b.line; });
        json::array problems;
        for (const auto& p : summary->problems)
            problems.push_back({{"line", p.line}, {"code", errc_name(p.problem.code)}, {"message", p.problem.message},
                                {"field", p.problem.field}});
        const bool any_bad = !summary->problems.empty();
        co_return json_response(v, any_bad && summary->imported + summary->duplicates == 0 ? http::status::unprocessable_entity
                                                                                          : http::status::ok,
                              {{"imported", summary->imported},
                               {"duplicates", summary->duplicates},
                               {"failed", summary->problems.size()},
                               {"errors", std::move(problems)}});
    }
    pattern = "/api/v1/reports/*";
    co_return fail(problem(errc::not_found, fmt::format("no such endpoint: {}", std::string(url.path()))));
}

}  // namespace triage::server
