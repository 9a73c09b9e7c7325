// Manager reports over ReportFacts: frequency, resolution, sla, escalations, backlog, agents
// and emerging, each a table (columns and rows) written as JSON or CSV (RFC 4180, UTF-8).
// A request is parsed once from query parameters or CLI options (the same names), then run
// under the facts' shared lock. Pure functions of their inputs; safe from any thread.
#pragma once

#include "engine/clock.hpp"
#include "engine/error.hpp"
#include "server/report_facts.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace date {
class time_zone;
}

namespace triage::server {

enum class ReportDim : std::uint8_t {
    channel, queue, category, language, priority, organisation, status, tier, agent,  // ticket fields
    hour, weekday, day, week, month,  // created_at in the report's time zone
    age,                              // backlog only: age at the report's point in time
};

struct ReportRequest {
    std::string name;                // frequency, resolution, sla, escalations, backlog, agents, emerging
    std::optional<Timestamp> from;   // created_at >= from (UTC); none: from the first ticket
    std::optional<Timestamp> to;     // created_at < to; none: up to now
    std::string tz_name = "UTC";
    const date::time_zone* tz = nullptr;
    std::vector<ReportDim> group_by;
    std::vector<std::pair<ReportDim, std::vector<std::string>>> filters;  // any of the values
    std::string format = "json";     // json or csv
    Timestamp now{};                 // "as of": open SLA clocks, backlog default, emerging default end
    std::optional<Timestamp> at;     // backlog: the point in time (default: to, else now)
    int window_days = 7;             // emerging: the recent window
    int baseline_days = 56;          // emerging: the baseline before it
    int min_count = 5;               // emerging: fewest recent tickets worth testing
    double alpha = 0.01;             // emerging: family-wise significance level (Bonferroni)
    int limit = 50;                  // emerging: rows
};

// The names every report accepts: from, to, tz, group_by, format, queue, channel, category,
// language, priority, organisation (filters take comma-separated values), plus at (backlog)
// and window, baseline, min_count, alpha, limit (emerging). `from`/`to` are dates in `tz`
// (`to` inclusive: the whole day) or RFC 3339 instants (`to` exclusive).
Result<ReportRequest> parse_report_request(std::string_view name,
                                           const std::vector<std::pair<std::string, std::string>>& params,
                                           std::string_view default_tz, Timestamp now);

using ReportCell = std::variant<std::monostate, std::int64_t, double, std::string>;

struct ReportTable {
    std::string name;
    std::vector<std::string> columns;
    std::vector<std::vector<ReportCell>> rows;
    std::vector<std::pair<std::string, std::string>> notes;  // how the figures were made
};

struct AgentLabel {
    std::string email;
    std::string name;
};
using AgentLabels = std::map<AgentId, AgentLabel>;

ReportTable run_report(const Facts& facts, const ReportRequest& request, const AgentLabels& agents);

std::string to_csv(const ReportTable& table);  // RFC 4180: CRLF, quoted when needed
boost::json::value to_json(const ReportTable& table, const ReportRequest& request);

// Exact nearest-rank percentile (the smallest value with at least p of all values at or
// below it), 0 < p <= 1; reorders `values`. Linear time (radix selection for large inputs).
std::int32_t exact_percentile(std::vector<std::int32_t>& values, double p);
// Several at once, `ps` ascending: two passes over the values in all.
std::vector<std::int32_t> exact_percentiles(std::vector<std::int32_t>& values, const std::vector<double>& ps);

// One-sided exact binomial test: P(X >= k) for X ~ Binomial(n, p).
double binomial_upper_tail(std::int64_t k, std::int64_t n, double p);

}  // namespace triage::server
