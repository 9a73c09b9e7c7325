// Metrics: request counts and latency histograms per route, rendered in the Prometheus
// text format at GET /metrics together with ticket counts by status.
// Thread-safe: every member is guarded by mutex_.
#pragma once

#include "engine/ticket.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace triage::server {

class Metrics {
public:
    // `route` is the pattern ("/api/v1/tickets/{id}"), never the raw path, to bound cardinality.
    void observe(std::string_view method, std::string_view route, unsigned status, std::chrono::nanoseconds latency);
    std::string prometheus(const std::vector<std::pair<TicketStatus, std::int64_t>>& tickets_by_status) const;

private:
    static constexpr std::array<double, 12> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,   0.1,   0.25,   0.5,   1.0,  2.5};  // seconds
    struct Series {  // one method and route
        std::string method, route;  // route escaped as a label value
        std::map<unsigned, std::uint64_t> by_status;
        std::array<std::uint64_t, kBuckets.size()> buckets{};
        std::uint64_t count = 0;
        double sum = 0;  // seconds
    };
    mutable std::mutex mutex_;
    // Keyed "METHOD route"; std::less<> so a request finds its series by string_view.
    std::map<std::string, Series, std::less<>> series_;  // guarded by mutex_
};

}  // namespace triage::server
