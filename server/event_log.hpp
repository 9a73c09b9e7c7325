// Logs ticket events returned by the engine, one line each (the engine itself does not log).
#pragma once

#include "engine/ticket_event.hpp"

#include <vector>

namespace triage::server {

void log_events(const std::vector<TicketEvent>& events);

}  // namespace triage::server
