// PhoneIntake: CDR files from the PBX to tickets. The file's bytes are kept first (one blob
// per file; each call names it), its rows read in steps by channels/cdr_csv's CdrReader,
// and each call, once complete, filed by the bulk call policy (engine/call_import.hpp:
// lookups once per chunk, a cache of the callers across chunks, rows many to a statement)
// in units of thousands of calls, a few queued at a time so the writer group-commits them
// while the next are read (a whole file in a few durable transactions; a second import
// files nothing: idempotent by unique id). Blocks the calling thread (CLI, spool watcher
// thread, bench), never an I/O thread. Thread-safe.
#pragma once

#include "channels/cdr_csv.hpp"
#include "server/app.hpp"

#include <string>
#include <vector>

namespace triage::server {

struct CdrImportReport {
    std::size_t rows = 0;        // good rows read
    std::size_t calls = 0;       // calls they make up
    std::size_t filed = 0;       // calls newly filed on a ticket
    std::size_t call_backs = 0;  // of which call-back tickets or call-back attempts
    std::size_t duplicates = 0;  // calls already imported earlier
    std::size_t skipped = 0;     // rows and calls that are nothing for the desk
    std::vector<channels::CdrRowError> errors;  // bad rows, skipped
    std::vector<std::string> notes;  // one line per call: "line 3: 1710142050.1002 -> T-4 (new)"
};

// Imports a whole CDR file's bytes, its wall-clock times read in `zone` (the PBX's); throws
// when the store fails. A ticket opened by a call of the last 24 hours gets the escalation
// engine's rules, routing and SLA clocks, as a new ticket of any channel does; older calls
// are history and are filed without them.
CdrImportReport import_cdr(App& app, std::string bytes, channels::CdrFormat format,
                           const channels::PbxTimeZone& zone = {});

}  // namespace triage::server
