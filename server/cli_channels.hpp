// CLI commands of the fax, web-form and phone channels: `triage import-cdr`. Called by
// run_cli (cli.cpp) with its parsed options. Single-threaded use.
#pragma once

#include "server/config.hpp"

#include <ostream>
#include <string>

namespace triage::server {

// `import-cdr --format asterisk|freeswitch FILE`: 0 when every row imported (or was already
// there), 2 when bad rows were reported and skipped (the rest imported), 1 when the file
// cannot be read. `config` has data_dir set.
int import_cdr_command(const Config& config, const std::string& format, const std::string& file, std::ostream& out,
                       std::ostream& err);

}  // namespace triage::server
