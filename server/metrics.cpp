#include "server/metrics.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace triage::server {
namespace {

// A label value in the text format: backslash, double quote and newline escaped.
std::string label_value(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (char c : raw) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

}  // namespace

void Metrics::observe(std::string_view method, std::string_view route, unsigned status,
                      std::chrono::nanoseconds latency) {
    const double seconds = std::chrono::duration<double>(latency).count();
    // Series are bounded: any client can send a made-up method ("FOO"), and each would add a
    // series with a full histogram. Routes are already patterns ("/api/v1/tickets/{id}").
    static constexpr std::string_view kMethods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
    if (std::find(std::begin(kMethods), std::end(kMethods), method) == std::end(kMethods)) method = "OTHER";
    thread_local std::string key;  // reused: no allocation per request
    key.assign(method).append(" ").append(route);
    std::lock_guard lock(mutex_);
    auto it = series_.find(std::string_view(key));
    if (it == series_.end()) it = series_.emplace(key, Series{std::string(method), label_value(route), {}, {}, 0, 0}).first;
    auto& s = it->second;
    ++s.by_status[status];
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
        if (seconds <= kBuckets[i]) ++s.buckets[i];
    ++s.count;
    s.sum += seconds;
}

std::string Metrics::prometheus(const std::vector<std::pair<TicketStatus, std::int64_t>>& by_status) const {
    std::string out;
    std::lock_guard lock(mutex_);
    out += "# HELP triage_http_requests_total HTTP requests answered, by method, route and status.\n";
    out += "# TYPE triage_http_requests_total counter\n";
    for (const auto& [key, s] : series_)
        for (const auto& [status, count] : s.by_status)
            out += fmt::format("triage_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n", s.method,
                               s.route, status, count);
    out += "# HELP triage_http_request_duration_seconds Time from a request's arrival to its response.\n";
    out += "# TYPE triage_http_request_duration_seconds histogram\n";
    for (const auto& [key, s] : series_) {
        for (std::size_t i = 0; i < kBuckets.size(); ++i)
            out += fmt::format("triage_http_request_duration_seconds_bucket{{method=\"{}\",route=\"{}\",le=\"{}\"}} {}\n",
                               s.method, s.route, kBuckets[i], s.buckets[i]);
        out += fmt::format("triage_http_request_duration_seconds_bucket{{method=\"{}\",route=\"{}\",le=\"+Inf\"}} {}\n",
                           s.method, s.route, s.count);
        out += fmt::format("triage_http_request_duration_seconds_sum{{method=\"{}\",route=\"{}\"}} {}\n", s.method,
                           s.route, s.sum);
        out += fmt::format("triage_http_request_duration_seconds_count{{method=\"{}\",route=\"{}\"}} {}\n", s.method,
                           s.route, s.count);
    }
    out += "# HELP triage_tickets Tickets by current status.\n";
    out += "# TYPE triage_tickets gauge\n";
    for (auto s : {TicketStatus::new_, TicketStatus::open, TicketStatus::pending, TicketStatus::on_hold,
                   TicketStatus::solved, TicketStatus::closed}) {
        std::int64_t n = 0;
        for (const auto& [status, count] : by_status)
            if (status == s) n = count;
        out += fmt::format("triage_tickets{{status=\"{}\"}} {}\n", to_string(s), n);
    }
    return out;
}

}  // namespace triage::server
