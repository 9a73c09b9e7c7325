// Sessions: signing in to the web UI and recognising who sends a request — a bearer token
// (integrations, the admin token) or the HttpOnly session cookie a login set. Logins are
// rate-limited per login name; a cookie-borne request that changes state must carry the
// session's CSRF token (and, when the browser sends one, a same-origin Origin).
// Thread-safe: failures_ guarded by mutex_; the stores are thread-safe.
#pragma once

#include "engine/account.hpp"
#include "engine/clock.hpp"
#include "engine/store.hpp"
#include "server/access.hpp"
#include "server/auth.hpp"

#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace triage::server {

inline constexpr std::string_view kSessionCookie = "triage_session";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

struct SessionLimits {
    std::chrono::minutes lifetime{8 * 60};  // absolute, from login
    int max_failures = 5;                   // failed logins per name within `failure_window`
    std::chrono::minutes failure_window{10};
    bool secure_cookie = false;  // web.secure_cookies: add Secure (serve over HTTPS behind a proxy)
};

struct LoginResult {
    enum class Outcome { ok, bad_credentials, rate_limited } outcome = Outcome::bad_credentials;
    std::string cookie_value;  // the session token, set as the cookie; only its hash is stored
    std::optional<Principal> principal;
    std::chrono::seconds retry_after{0};  // when rate_limited
};

class Sessions {
public:
    Sessions(AccountStore& accounts, Auth& tokens, Store& store, const Clock& clock, SessionLimits limits = {});

    // Who sent a request with these Authorization and Cookie header values, if anyone.
    std::optional<Principal> authenticate(std::string_view authorization, std::string_view cookie_header);

    // Checks a password (Argon2id: slow, blocking — call off the I/O threads) and opens a session.
    LoginResult login(std::string_view name, std::string_view password);
    // Ends the session named by this Cookie header value (no-op without one).
    void logout(std::string_view cookie_header);

    // For a cookie-borne principal and a state-changing method: the CSRF token header must
    // match the session's, and an Origin header, when present, must name `host`.
    static std::optional<Problem> check_csrf(const Principal& who, std::string_view csrf_header,
                                             std::string_view origin, std::string_view host);

    // Set-Cookie values.
    std::string set_cookie(std::string_view value) const;
    static std::string clear_cookie();

    // The cookie's value in a Cookie header ("a=1; triage_session=…"), if present.
    static std::optional<std::string_view> cookie_value(std::string_view cookie_header);

    Principal principal_of(const User& user);

private:
    bool rate_limited(const std::string& key, std::chrono::steady_clock::time_point now, std::chrono::seconds& retry);

    AccountStore& accounts_;
    Auth& tokens_;
    Store& store_;
    const Clock& clock_;
    SessionLimits limits_;
    std::mutex mutex_;
    std::unordered_map<std::string, std::deque<std::chrono::steady_clock::time_point>> failures_;  // guarded by mutex_
    // Token name -> the principal it acts as, looked up again after kTokenUserTtl (a user
    // changed by the CLI in another process takes effect within that time). Guarded by mutex_.
    struct CachedPrincipal {
        std::chrono::steady_clock::time_point at;
        Principal principal;
    };
    std::unordered_map<std::string, CachedPrincipal> token_principals_;
};

}  // namespace triage::server
