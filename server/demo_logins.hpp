// Demo logins: one web UI user per role for `make run --demo` (printed by the Makefile),
// created only when absent so a changed password survives restarts. Start-up only.
#pragma once

#include "server/app.hpp"

#include <string>
#include <vector>

namespace triage::server {

struct DemoLogin {
    std::string name, password, role, queues, agent_email;
};

const std::vector<DemoLogin>& demo_logins();

// Creates the missing demo users; returns how many were created.
int install_demo_logins(App& app);

}  // namespace triage::server
