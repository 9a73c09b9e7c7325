#include "server/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace triage::server {

RateLimiter::RateLimiter(const Clock& clock, double per_minute, double burst)
    : clock_(clock), per_second_(per_minute / 60.0), burst_(std::max(1.0, burst)) {}

void RateLimiter::refill(Bucket& b, std::chrono::steady_clock::time_point now) const {
    const double elapsed = std::chrono::duration<double>(now - b.updated).count();
    b.tokens = std::min(burst_, b.tokens + elapsed * per_second_);
    b.updated = now;
}

bool RateLimiter::allow(const std::string& client) {
    const auto now = clock_.steady_now();
    std::lock_guard lock(mutex_);
    if (buckets_.size() >= kMaxClients) {
        for (auto it = buckets_.begin(); it != buckets_.end();) {
            refill(it->second, now);
            it = it->second.tokens >= burst_ ? buckets_.erase(it) : std::next(it);
        }
    }
    auto [it, fresh] = buckets_.try_emplace(client, Bucket{burst_, now});
    Bucket& b = it->second;
    if (!fresh) refill(b, now);
    if (b.tokens < 1.0) return false;
    b.tokens -= 1.0;
    return true;
}

int RateLimiter::retry_after(const std::string& client) {
    std::lock_guard lock(mutex_);
    auto it = buckets_.find(client);
    if (it == buckets_.end() || it->second.tokens >= 1.0 || per_second_ <= 0) return 0;
    return static_cast<int>(std::ceil((1.0 - it->second.tokens) / per_second_));
}

}  // namespace triage::server
