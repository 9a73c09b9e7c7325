#include "server/api_reports.hpp"

#include "server/json_codec.hpp"
#include "server/reports.hpp"
#include "server/store_async.hpp"
#include "server/ticket_import_json.hpp"

#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <sstream>

namespace triage::server {
namespace http = boost::beast::http;
namespace json = boost::json;
namespace asio = boost::asio;
namespace {

Response json_answer(unsigned version, http::status status, const json::value& body) {
    Response res{status, version};
    res.set(http::field::content_type, "application/json; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    res.body() = json::serialize(body);
    res.body() += '\n';
    res.prepare_payload();
    return res;
}

http::status status_for(errc code) {
    switch (code) {
        case errc::malformed: return http::status::bad_request;
        case errc::invalid_field: return http::status::unprocessable_entity;
        case errc::not_found: return http::status::not_found;
        case errc::too_large: return http::status::payload_too_large;
        default: return http::status::internal_server_error;
    }
}

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
    auto agents = agent_labels(app);
    auto table = app.reports().with_facts([&](const Facts& facts) { return run_report(facts, *request, agents); });
    if (request->format == "csv") return RenderedReport{to_csv(table), "text/csv; charset=utf-8; header=present"};
    return RenderedReport{json::serialize(to_json(table, *request)) + "\n", "application/json; charset=utf-8"};
}

asio::awaitable<Response> handle_reports_route(App& app, const Request& req, boost::urls::url_view url,
                                               const std::vector<std::string>& seg, std::string& pattern) {
    const unsigned v = req.version();
    auto fail = [&](const Problem& p) { return json_answer(v, status_for(p.code), error_json(p)); };
    auto not_allowed = [&](std::string_view allow) {
        auto res = json_answer(v, http::status::method_not_allowed,
                               error_json("method_not_allowed", fmt::format("{} is not allowed here; use {}",
                                                                            std::string(req.method_string()), allow)));
        res.set(http::field::allow, allow);
        return res;
    };
    if (seg.size() == 4 && seg[2] == "reports") {
        pattern = "/api/v1/reports/{name}";
        if (req.method() != http::verb::get) co_return not_allowed("GET");
        std::vector<std::pair<std::string, std::string>> params;
        for (const auto& p : url.params()) params.emplace_back(p.key, p.value);
        auto work = [&app, name = seg[3], params = std::move(params)] { return render_report(app, name, params); };
        auto rendered = *co_await run_on_report_pool<Result<RenderedReport>>(std::move(work));
        if (!rendered) co_return fail(rendered.error());
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
        // Parsing a body (at most http.body_limit bytes) is quick; the writes go to the writer.
        std::vector<NumberedTicket> tickets;
        auto summary = std::make_shared<ImportSummary>();
        std::istringstream in(req.body());
        std::string line;
        std::size_t line_no = 0;
        while (std::getline(in, line)) {
            ++line_no;
            auto first = line.find_first_not_of(" \t\r");
            if (first == std::string::npos || line[first] == '#') continue;
            auto parsed = parse_historical_ticket(line);
            if (!parsed) summary->problems.push_back({line_no, parsed.error()});
            else tickets.push_back({line_no, std::move(*parsed)});
        }
        auto parse_problems = summary->problems;
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
        co_return json_answer(v, any_bad && summary->imported + summary->duplicates == 0 ? http::status::unprocessable_entity
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
