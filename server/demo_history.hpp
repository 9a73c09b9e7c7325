// Demo history: a small multilingual help-desk past (examples/demo/history.jsonl) played
// through the real Intake and TicketDesk with a manual clock, so a fresh `make run` shows
// queues with answered, solved and waiting tickets. Runs at start-up, before serving.
#pragma once

#include "server/app.hpp"

#include <cstddef>

namespace triage::server {

// Loads config().demo_history when the database has no tickets yet; returns the tickets
// created (0 when the store was not fresh). Throws std::runtime_error naming the file and
// line of a bad entry.
std::size_t load_demo_history_if_fresh(App& app);

}  // namespace triage::server
