// The account commands of the `triage` CLI: `user add` (web UI logins, Argon2id passwords)
// and `token create` (API tokens for integrations, shown once, stored as SHA-256).
#pragma once

#include <filesystem>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

namespace triage::server {

struct AccountArgs {
    std::filesystem::path data_dir;
    std::string name;
    std::string role;      // agent, supervisor, manager, admin
    std::string queues;    // "a,b"
    std::string password;  // --password; otherwise the first line of stdin
    bool has_password = false;
    std::string email;     // the agent (assignee) this user is
    std::string language;  // en, fi, et, lv
};

// Thrown for bad arguments (the CLI prints it with the usage and exits 2).
struct AccountUsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

int user_add(const AccountArgs& a, std::istream& in, std::ostream& out);
int user_list(const AccountArgs& a, std::ostream& out);
int token_create(const AccountArgs& a, std::ostream& out);

// Splits "a, b,c" into {"a","b","c"}.
std::vector<std::string> split_list(std::string_view text);

}  // namespace triage::server
