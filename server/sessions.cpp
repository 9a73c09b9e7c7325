#include "server/sessions.hpp"

#include "engine/text.hpp"
#include "server/passwords.hpp"
#include "storage/sha256.hpp"

#include <fmt/format.h>

namespace triage::server {
namespace {
constexpr std::chrono::seconds kTokenUserTtl{5};
}  // namespace

Sessions::Sessions(AccountStore& accounts, Auth& tokens, Store& store, const Clock& clock, SessionLimits limits)
    : accounts_(accounts), tokens_(tokens), store_(store), clock_(clock), limits_(limits) {}

Principal Sessions::principal_of(const User& user) {
    Principal p;
    p.name = user.name;
    p.role = parse_role(user.role).value_or(Role::agent);
    p.queues = user.queues;
    p.user_id = user.id;
    p.language = user.language;
    if (!user.agent_email.empty())
        if (auto agent = store_.reader()->agent_by_email(user.agent_email)) p.agent_id = agent->id;
    return p;
}

std::optional<std::string_view> Sessions::cookie_value(std::string_view header) {
    while (!header.empty()) {
        auto end = header.find(';');
        auto pair = header.substr(0, end);
        while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
        if (pair.size() > kSessionCookie.size() && pair.substr(0, kSessionCookie.size()) == kSessionCookie &&
            pair[kSessionCookie.size()] == '=')
            return pair.substr(kSessionCookie.size() + 1);
        if (end == std::string_view::npos) break;
        header.remove_prefix(end + 1);
    }
    return std::nullopt;
}

std::optional<Principal> Sessions::authenticate(std::string_view authorization, std::string_view cookie_header) {
    if (!authorization.empty()) {
        auto token = tokens_.authenticate(authorization);
        if (!token) return std::nullopt;
        const auto now = clock_.steady_now();
        {
            std::lock_guard lock(mutex_);
            auto it = token_principals_.find(token->name);
            if (it != token_principals_.end() && now - it->second.at < kTokenUserTtl) return it->second.principal;
        }
        // A token named after a user acts as that user (role and queues); others (the admin
        // token from TRIAGE_ADMIN_TOKEN) carry the role they were created with.
        Principal p;
        if (auto user = accounts_.user_by_name(token->name)) {
            p = principal_of(*user);
        } else {
            p.name = token->name;
            p.role = parse_role(token->role).value_or(Role::agent);
        }
        std::lock_guard lock(mutex_);
        if (token_principals_.size() > 10000) token_principals_.clear();
        token_principals_[token->name] = {now, p};
        return p;
    }
    auto value = cookie_value(cookie_header);
    if (!value || value->empty() || value->size() > 128) return std::nullopt;
    const auto hash = sha256_hex(*value);
    auto found = accounts_.session(hash, clock_.system_now());
    if (!found) return std::nullopt;
    auto p = principal_of(found->second);
    p.via_session = true;
    p.csrf_token = found->first.csrf_token;
    p.session_hash = hash;
    return p;
}

bool Sessions::rate_limited(const std::string& key, std::chrono::steady_clock::time_point now, std::chrono::seconds& retry) {
    std::lock_guard lock(mutex_);
    auto& times = failures_[key];
    while (!times.empty() && now - times.front() > limits_.failure_window) times.pop_front();
    if (static_cast<int>(times.size()) < limits_.max_failures) return false;
    retry = std::chrono::duration_cast<std::chrono::seconds>(limits_.failure_window - (now - times.front())) +
            std::chrono::seconds(1);
    return true;
}

LoginResult Sessions::login(std::string_view name, std::string_view password) {
    LoginResult result;
    const std::string key = ascii_lower(name);
    const auto now = clock_.steady_now();
    if (rate_limited(key, now, result.retry_after)) {
        result.outcome = LoginResult::Outcome::rate_limited;
        return result;
    }
    auto user = name.empty() || name.size() > 128 ? std::nullopt : accounts_.user_by_name(name);
    // Hash even for an unknown name, so timing does not tell which names exist.
    static const std::string decoy = hash_password("decoy password for unknown names");
    const bool ok = verify_password(user && !user->password_hash.empty() ? user->password_hash : decoy, password) &&
                    user && !user->password_hash.empty();
    if (!ok) {
        std::lock_guard lock(mutex_);
        failures_[key].push_back(now);
        return result;
    }
    {
        std::lock_guard lock(mutex_);
        failures_.erase(key);
    }
    Session s;
    result.cookie_value = random_secret(32);
    s.token_hash = sha256_hex(result.cookie_value);
    s.user_id = user->id;
    s.csrf_token = random_secret(24);
    s.created_at = clock_.system_now();
    s.expires_at = s.created_at + std::chrono::duration_cast<std::chrono::milliseconds>(limits_.lifetime);
    accounts_.delete_expired_sessions(s.created_at);
    accounts_.insert_session(s);
    result.outcome = LoginResult::Outcome::ok;
    auto p = principal_of(*user);
    p.via_session = true;
    p.csrf_token = s.csrf_token;
    p.session_hash = s.token_hash;
    result.principal = std::move(p);
    return result;
}

void Sessions::logout(std::string_view cookie_header) {
    if (auto value = cookie_value(cookie_header)) accounts_.delete_session(sha256_hex(*value));
}

std::optional<Problem> Sessions::check_csrf(const Principal& who, std::string_view csrf_header, std::string_view origin,
                                            std::string_view host) {
    if (!who.via_session) return std::nullopt;  // bearer tokens are not sent by browsers on their own
    if (!origin.empty()) {
        auto scheme_end = origin.find("://");
        auto origin_host = scheme_end == std::string_view::npos ? origin : origin.substr(scheme_end + 3);
        if (origin_host != host)
            return problem(errc::forbidden, fmt::format("cross-site request refused (Origin {})", std::string(origin)));
    }
    if (csrf_header.empty() || !constant_time_equal(csrf_header, who.csrf_token))
        return problem(errc::forbidden, "this request needs the session's X-CSRF-Token header", "X-CSRF-Token");
    return std::nullopt;
}

std::string Sessions::set_cookie(std::string_view value) const {
    return fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}", kSessionCookie, value,
                       std::chrono::duration_cast<std::chrono::seconds>(limits_.lifetime).count(),
                       limits_.secure_cookie ? "; Secure" : "");
}

std::string Sessions::clear_cookie() {
    return fmt::format("{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0", kSessionCookie);
}

}  // namespace triage::server
