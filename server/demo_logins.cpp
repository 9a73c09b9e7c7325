#include "server/demo_logins.hpp"

#include "server/cli_users.hpp"
#include "server/passwords.hpp"

namespace triage::server {

const std::vector<DemoLogin>& demo_logins() {
    static const std::vector<DemoLogin> logins{
        {"agent", "agent-demo", "agent", "support,billing", "aino.virtanen@triage.example"},
        {"supervisor", "supervisor-demo", "supervisor", "support,billing,technical,returns", "sarah.mitchell@triage.example"},
        {"manager", "manager-demo", "manager", "", ""},
        {"admin", "admin-demo", "admin", "", ""},
    };
    return logins;
}

int install_demo_logins(App& app) {
    int created = 0;
    for (const auto& d : demo_logins()) {
        if (app.accounts().user_by_name(d.name)) continue;
        User u;
        u.name = d.name;
        u.role = d.role;
        u.queues = split_list(d.queues);
        u.agent_email = d.agent_email;
        u.password_hash = hash_password(d.password);
        u.created_at = app.clock().system_now();
        app.accounts().upsert_user(u);
        ++created;
    }
    return created;
}

}  // namespace triage::server
