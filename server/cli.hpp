// The `triage` command line: administration over a data directory without the server
// (migrate, show and list tickets). A function of its arguments and streams, so tests run
// it in-process. Exit codes: 0 done, 1 failed or not found, 2 bad usage.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace triage::server {

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// An input file the user named, opened for reading; throws std::runtime_error saying why
// not ("no such file", "is a directory", the system's reason) with the path first.
std::ifstream open_input_file(const std::string& file);

}  // namespace triage::server
