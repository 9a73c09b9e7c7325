// Sessions over a real SQLite file with a manual clock: expiry, logout, the login rate
// limit and its window, the CSRF token per session.
#include "server/passwords.hpp"
#include "server/sessions.hpp"
#include "storage/sqlite_accounts.hpp"
#include "storage/sqlite_store.hpp"
#include "tests/support/triaged_process.hpp"

#include <doctest/doctest.h>

using namespace triage;
using namespace triage::server;
using namespace std::chrono_literals;

namespace {

struct Fixture {
    test::TempDir dir;
    std::unique_ptr<SqliteStore> store = SqliteStore::open(dir.path() / "triage.db", SqliteOptions{.durable = false});
    SqliteAccounts accounts{dir.path() / "triage.db"};
    Auth auth{*store};
    ManualClock clock{Timestamp{std::chrono::milliseconds{1'800'000'000'000}}};
    Sessions sessions{accounts, auth, *store, clock};

    Fixture() {
        User u;
        u.name = "aino";
        u.role = "agent";
        u.queues = {"support"};
        u.password_hash = hash_password("aino-password");
        accounts.upsert_user(u);
    }
    static std::string cookie(const LoginResult& r) { return "triage_session=" + r.cookie_value; }
};

}  // namespace

TEST_CASE("a session lasts its lifetime and no longer, and logout ends it at once") {
    Fixture f;
    auto r = f.sessions.login("aino", "aino-password");
    REQUIRE(r.outcome == LoginResult::Outcome::ok);
    auto who = f.sessions.authenticate({}, Fixture::cookie(r));
    REQUIRE(who);
    CHECK(who->via_session);
    CHECK(who->queues == std::vector<std::string>{"support"});
    CHECK(who->csrf_token == r.principal->csrf_token);
    f.clock.advance(8h - 1min);
    CHECK(f.sessions.authenticate({}, Fixture::cookie(r)));
    f.clock.advance(2min);
    CHECK_FALSE(f.sessions.authenticate({}, Fixture::cookie(r)));

    auto again = f.sessions.login("aino", "aino-password");
    REQUIRE(again.outcome == LoginResult::Outcome::ok);
    CHECK(again.principal->csrf_token != r.principal->csrf_token);
    f.sessions.logout(Fixture::cookie(again));
    CHECK_FALSE(f.sessions.authenticate({}, Fixture::cookie(again)));
}

TEST_CASE("five failed logins lock the name for the window, then it may try again") {
    Fixture f;
    for (int i = 0; i < 5; ++i) CHECK(f.sessions.login("aino", "wrong").outcome == LoginResult::Outcome::bad_credentials);
    auto locked = f.sessions.login("AINO", "aino-password");  // names compare case-insensitively
    CHECK(locked.outcome == LoginResult::Outcome::rate_limited);
    CHECK(locked.retry_after > 0s);
    CHECK(f.sessions.login("unknown", "x").outcome == LoginResult::Outcome::bad_credentials);  // others unaffected
    f.clock.advance(10min + 1s);
    CHECK(f.sessions.login("aino", "aino-password").outcome == LoginResult::Outcome::ok);
}

TEST_CASE("a cookie that names no session, or a user without a password, signs no one in") {
    Fixture f;
    CHECK_FALSE(f.sessions.authenticate({}, "triage_session=made-up"));
    User bot;
    bot.name = "crm";
    bot.role = "agent";
    f.accounts.upsert_user(bot);  // token-only user: no password hash
    CHECK(f.sessions.login("crm", "").outcome == LoginResult::Outcome::bad_credentials);
}
