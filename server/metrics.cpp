#include "server/metrics.hpp"

#include <fmt/format.h>

namespace triage::server {

void Metrics::observe(std::string_view method, std::string_view route, unsigned status,
                      std::chrono::nanoseconds latency) {
    const double seconds = std::chrono::duration<double>(latency).count();
    std::lock_guard lock(mutex_);
    ++requests_[{std::string(method), std::string(route), status}];
    auto& h = latency_[{std::string(method), std::string(route)}];
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
        if (seconds <= kBuckets[i]) ++h.counts[i];
    ++h.count;
    h.sum += seconds;
}

std::string Metrics::prometheus(const std::vector<std::pair<TicketStatus, std::int64_t>>& by_status) const {
    std::string out;
    out += "# HELP triage_http_requests_total HTTP requests answered, by method, route and status.\n";
    out += "# TYPE triage_http_requests_total counter\n";
    std::lock_guard lock(mutex_);
    for (const auto& [key, count] : requests_) {
        const auto& [method, route, status] = key;
        out += fmt::format("triage_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n", method,
                           route, status, count);
    }
    out += "# HELP triage_http_request_duration_seconds Time from a request's arrival to its response.\n";
    out += "# TYPE triage_http_request_duration_seconds histogram\n";
    for (const auto& [key, h] : latency_) {
        const auto& [method, route] = key;
        for (std::size_t i = 0; i < kBuckets.size(); ++i)
            out += fmt::format("triage_http_request_duration_seconds_bucket{{method=\"{}\",route=\"{}\",le=\"{}\"}} {}\n",
                               method, route, kBuckets[i], h.counts[i]);
        out += fmt::format("triage_http_request_duration_seconds_bucket{{method=\"{}\",route=\"{}\",le=\"+Inf\"}} {}\n",
                           method, route, h.count);
        out += fmt::format("triage_http_request_duration_seconds_sum{{method=\"{}\",route=\"{}\"}} {}\n", method, route,
                           h.sum);
        out += fmt::format("triage_http_request_duration_seconds_count{{method=\"{}\",route=\"{}\"}} {}\n", method,
                           route, h.count);
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
