// RateLimiter: a token bucket per client address (the web form's defence against floods):
// each address may spend `burst` posts at once and earns `per_minute` back each minute.
// Time from the injected Clock's steady_now(). Thread-safe (one mutex; the map is pruned of
// full buckets when it grows past kMaxClients).
#pragma once

#include "engine/clock.hpp"

#include <mutex>
#include <string>
#include <unordered_map>

namespace triage::server {

class RateLimiter {
public:
    static constexpr std::size_t kMaxClients = 10000;

    RateLimiter(const Clock& clock, double per_minute, double burst);

    // Takes one token for `client`; false when its bucket is empty (answer 429).
    bool allow(const std::string& client);
    // Seconds until `client` has a token again (for Retry-After); 0 when it has one.
    int retry_after(const std::string& client);

private:
    struct Bucket {
        double tokens = 0;
        std::chrono::steady_clock::time_point updated;
    };
    void refill(Bucket& b, std::chrono::steady_clock::time_point now) const;

    const Clock& clock_;
    const double per_second_;
    const double burst_;
    std::mutex mutex_;
    std::unordered_map<std::string, Bucket> buckets_;  // guarded by mutex_
};

}  // namespace triage::server
