// The reports and history-import routes of the API: GET /api/v1/reports/{name} (JSON or
// CSV) and POST /api/v1/import/tickets (JSON Lines). Reports are computed on a small thread
// pool of their own, never on an I/O thread. Stateless apart from that pool; thread-safe.
#pragma once

#include "server/api.hpp"

#include <boost/url/url_view.hpp>
#include <string>
#include <vector>

namespace triage::server {

// Answers a request whose path starts /api/v1/reports or /api/v1/import; sets `pattern`
// for metrics. `seg` are the path segments.
boost::asio::awaitable<Response> handle_reports_route(App& app, const Request& request, boost::urls::url_view url,
                                                      const std::vector<std::string>& seg, std::string& pattern);

// The report as its HTTP body and content type, for the API, the CLI and the weekly email.
struct RenderedReport {
    std::string body;
    std::string content_type;
};
Result<RenderedReport> render_report(App& app, std::string_view name,
                                     const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace triage::server
