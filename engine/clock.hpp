// Clock: the one source of time for the engine. Injected everywhere so core logic is
// tested with a ManualClock instead of sleeps. SystemClock is thread-safe; ManualClock
// is guarded by its own mutex so tests may advance it from any thread.
#pragma once

#include <chrono>
#include <mutex>

namespace triage {

using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;  // UTC, ms precision

class Clock {
public:
    virtual ~Clock() = default;
    virtual Timestamp system_now() const = 0;                             // UTC wall time
    virtual std::chrono::steady_clock::time_point steady_now() const = 0;  // intervals
};

class SystemClock final : public Clock {
public:
    Timestamp system_now() const override;
    std::chrono::steady_clock::time_point steady_now() const override;
};

class ManualClock final : public Clock {
public:
    explicit ManualClock(Timestamp start);
    Timestamp system_now() const override;
    std::chrono::steady_clock::time_point steady_now() const override;
    void advance(std::chrono::milliseconds by);
    void set(Timestamp now);

private:
    mutable std::mutex mutex_;
    Timestamp now_;                                  // guarded by mutex_
    std::chrono::steady_clock::time_point steady_;  // guarded by mutex_
};

}  // namespace triage
