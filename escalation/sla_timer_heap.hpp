// SlaTimerHeap: the pending SLA timers of the whole desk in one binary min-heap of 16-byte
// entries (due time, ticket), soonest first. A ticket may appear more than once (a clock
// moved): the engine re-reads the stored clock when a timer rings, so a stale entry fires
// nothing. Not thread-safe; the scheduler guards it.
#pragma once

#include "engine/escalation_records.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace triage {

class SlaTimerHeap {
public:
    struct Entry {
        std::int64_t due_ms;  // UTC, ms since the epoch
        TicketId ticket;
        friend bool operator>(const Entry& a, const Entry& b) { return a.due_ms > b.due_ms; }
    };
    static_assert(sizeof(Entry) == 16);

    void push(Timestamp due, TicketId ticket) {
        entries_.push_back({due.time_since_epoch().count(), ticket});
        std::push_heap(entries_.begin(), entries_.end(), std::greater<>{});
    }
    // Bulk load (restore at start): appends, then heapifies once.
    void reserve(std::size_t n) { entries_.reserve(n); }
    void append_unordered(Timestamp due, TicketId ticket) { entries_.push_back({due.time_since_epoch().count(), ticket}); }
    void heapify() { std::make_heap(entries_.begin(), entries_.end(), std::greater<>{}); }

    std::optional<Timestamp> next() const {
        if (entries_.empty()) return std::nullopt;
        return Timestamp{std::chrono::milliseconds{entries_.front().due_ms}};
    }
    // Pops every entry due at or before `now`, calling fn(ticket) for each.
    template <class Fn>
    void pop_due(Timestamp now, Fn&& fn) {
        const auto limit = now.time_since_epoch().count();
        while (!entries_.empty() && entries_.front().due_ms <= limit) {
            std::pop_heap(entries_.begin(), entries_.end(), std::greater<>{});
            auto e = entries_.back();
            entries_.pop_back();
            fn(e.ticket);
        }
    }
    std::size_t size() const noexcept { return entries_.size(); }
    std::size_t bytes() const noexcept { return entries_.capacity() * sizeof(Entry); }

private:
    std::vector<Entry> entries_;
};

}  // namespace triage
