// CLI commands of the fax, web-form and phone channels: `triage import-cdr`. Called by
// run_cli (cli.cpp) with its parsed options. Single-threaded use.
#pragma once

#include "server/config.hpp"

#include <ostream>
#include <string>

namespace triage::server {

// Which PBX a file comes from: a configured source (phone.cdr_sources) by name, or a format
// and time zone given on the command line (these override the source's).
struct CdrImportArgs {
    std::string format;     // --format asterisk|freeswitch
    std::string source;     // --source NAME
    std::string time_zone;  // --tz ZONE (IANA); default the source's, else UTC
};

// `import-cdr --format asterisk|freeswitch [--tz ZONE] FILE` or `import-cdr --source NAME FILE`:
// 0 when every row imported (or was already there), 2 when bad rows were reported and
// skipped (the rest imported) or the arguments are wrong, 1 when the file cannot be read.
// `config` has data_dir set.
int import_cdr_command(const Config& config, const CdrImportArgs& args, const std::string& file, std::ostream& out,
                       std::ostream& err);

}  // namespace triage::server
