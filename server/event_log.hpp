// Logs ticket events returned by the engine, one line each, at debug level (the engine itself
// does not log): the audit log in the database is their record; at info each request has its
// access-log line.
#pragma once

#include "engine/ticket_event.hpp"

#include <vector>

namespace triage::server {

void log_events(const std::vector<TicketEvent>& events);

}  // namespace triage::server
