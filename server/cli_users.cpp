#include "server/cli_users.hpp"

#include "engine/text.hpp"
#include "server/access.hpp"
#include "server/passwords.hpp"
#include "storage/sha256.hpp"
#include "storage/sqlite_accounts.hpp"
#include "storage/sqlite_store.hpp"

#include <fmt/format.h>

namespace triage::server {
namespace {

void check_name(const std::string& name) {
    if (name.empty() || name.size() > 64) throw AccountUsageError("the name must be 1 to 64 characters");
    for (unsigned char c : name)
        if (!(std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == '@'))
            throw AccountUsageError(fmt::format("'{}' is not a valid name: use letters, digits, . - _ @", name));
}

Role role_of(const std::string& text) {
    auto role = parse_role(text);
    if (!role) throw AccountUsageError(fmt::format("--role must be agent, supervisor, manager or admin, not '{}'", text));
    return *role;
}

std::string language_of(const std::string& text) {
    if (text.empty()) return "en";
    if (text == "en" || text == "fi" || text == "et" || text == "lv") return text;
    throw AccountUsageError(fmt::format("--language must be en, fi, et or lv, not '{}'", text));
}

// Opens (and migrates) the database, then the account tables in it.
struct Databases {
    explicit Databases(const std::filesystem::path& dir)
        : store((std::filesystem::create_directories(dir), SqliteStore::open(dir / "triage.db"))),
          accounts(dir / "triage.db") {}
    std::unique_ptr<SqliteStore> store;
    SqliteAccounts accounts;
};

}  // namespace

std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        auto end = text.find(',');
        auto item = trim_space(text.substr(0, end));
        if (!item.empty()) out.emplace_back(item);
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return out;
}

int user_add(const AccountArgs& a, std::istream& in, std::ostream& out) {
    check_name(a.name);
    const Role role = role_of(a.role.empty() ? "agent" : a.role);
    std::string password = a.password;
    if (!a.has_password) {
        std::getline(in, password);
        if (!password.empty() && password.back() == '\r') password.pop_back();
    }
    if (password.size() < 8) throw AccountUsageError("the password must have at least 8 characters (--password or stdin)");
    User u;
    u.name = a.name;
    u.role = std::string(to_string(role));
    u.queues = split_list(a.queues);
    u.language = language_of(a.language);
    u.agent_email = ascii_lower(a.email);
    u.password_hash = hash_password(password);
    Databases db(a.data_dir);
    u.created_at = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    if (auto old = db.accounts.user_by_name(u.name)) u.created_at = old->created_at;
    db.accounts.upsert_user(u);
    std::string queues;
    for (const auto& q : u.queues) queues += (queues.empty() ? "" : ",") + q;
    out << fmt::format("user {} ({}{}) can log in\n", u.name, u.role, queues.empty() ? "" : ", queues " + queues);
    return 0;
}

int user_list(const AccountArgs& a, std::ostream& out) {
    // Listing never makes a database: a mistyped --data-dir is an error, not an empty list.
    if (!std::filesystem::exists(a.data_dir / "triage.db"))
        throw std::runtime_error(fmt::format("no database in {} (run `triage migrate --data-dir {}` or start triaged)",
                                             a.data_dir.string(), a.data_dir.string()));
    Databases db(a.data_dir);
    out << fmt::format("{:<20} {:<11} {:<6} {}\n", "NAME", "ROLE", "LOGIN", "QUEUES");
    for (const auto& u : db.accounts.users()) {
        std::string queues;
        for (const auto& q : u.queues) queues += (queues.empty() ? "" : ",") + q;
        out << fmt::format("{:<20} {:<11} {:<6} {}\n", u.name, u.role, u.password_hash.empty() ? "no" : "yes", queues);
    }
    return 0;
}

int token_create(const AccountArgs& a, std::ostream& out) {
    check_name(a.name);
    Databases db(a.data_dir);
    auto user = db.accounts.user_by_name(a.name);
    if (!user) {  // an integration: a user without a password that only its token can act as
        User u;
        u.name = a.name;
        u.role = std::string(to_string(role_of(a.role.empty() ? "agent" : a.role)));
        u.queues = split_list(a.queues);
        u.created_at = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
        u.id = db.accounts.upsert_user(u);
        user = u;
    } else if (!a.role.empty() || !a.queues.empty()) {
        throw AccountUsageError(fmt::format("user {} exists; its token acts with its role and queues "
                                            "(change them with `triage user add`)", a.name));
    }
    const std::string token = "trg_" + random_secret(32);
    write_sync(*db.store, [&](StoreTx& tx) { tx.upsert_token(user->name, sha256_hex(token), user->role); });
    out << fmt::format("token for {} ({}), shown only now; it replaces any earlier token of {}:\n{}\n", user->name,
                       user->role, user->name, token);
    return 0;
}

}  // namespace triage::server
