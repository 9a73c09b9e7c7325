// The `triage import-tickets` and `triage report` commands (see server/cli.hpp for the
// conventions: exit 0 done, 1 failed, 2 bad usage or bad input lines).
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace triage::server {

bool is_reports_command(std::string_view command);
int run_reports_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace triage::server
