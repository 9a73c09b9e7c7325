#include "server/event_log.hpp"

#include <fmt/format.h>
#include <iterator>
#include <spdlog/spdlog.h>

namespace triage::server {

void log_events(const std::vector<TicketEvent>& events) {
    if (events.empty() || !spdlog::should_log(spdlog::level::debug)) return;
    // One line per event, formatted into one stack buffer: this runs for every ticket change.
    fmt::memory_buffer line;
    for (const auto& e : events) {
        line.clear();
        fmt::format_to(std::back_inserter(line), "ticket T-{} {} by {}", e.ticket_id, e.type, e.actor);
        for (const auto& c : e.changes)
            fmt::format_to(std::back_inserter(line), " {}: '{}' -> '{}'", c.field, c.before, c.after);
        if (!e.detail.empty()) fmt::format_to(std::back_inserter(line), " ({})", e.detail);
        spdlog::debug(std::string_view(line.data(), line.size()));
    }
}

}  // namespace triage::server
