#include "server/event_log.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace triage::server {

void log_events(const std::vector<TicketEvent>& events) {
    for (const auto& e : events) {
        std::string changes;
        for (const auto& c : e.changes) changes += fmt::format(" {}: '{}' -> '{}'", c.field, c.before, c.after);
        spdlog::info("ticket {} {} by {}{}{}", ticket_key(e.ticket_id), e.type, e.actor, changes,
                     e.detail.empty() ? "" : " (" + e.detail + ")");
    }
}

}  // namespace triage::server
