// `triage rules test|check`: try a rules file on an enquiry without changing any data.
// A function of its arguments and streams (exit 0 done, 1 failed, 2 bad input or rules).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace triage::server {

int run_rules_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace triage::server
