#include "engine/clock.hpp"

namespace triage {

Timestamp SystemClock::system_now() const {
    return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::chrono::steady_clock::time_point SystemClock::steady_now() const {
    return std::chrono::steady_clock::now();
}

ManualClock::ManualClock(Timestamp start) : now_(start), steady_() {}

Timestamp ManualClock::system_now() const {
    std::lock_guard lock(mutex_);
    return now_;
}

std::chrono::steady_clock::time_point ManualClock::steady_now() const {
    std::lock_guard lock(mutex_);
    return steady_;
}

void ManualClock::advance(std::chrono::milliseconds by) {
    std::lock_guard lock(mutex_);
    now_ += by;
    steady_ += by;
}

void ManualClock::set(Timestamp now) {
    std::lock_guard lock(mutex_);
    if (now > now_) steady_ += now - now_;
    now_ = now;
}

}  // namespace triage
