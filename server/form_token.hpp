// FormTokens: the web form's signed timestamp token, its defence against bots and replays.
// Each form page (GET /form, or GET /api/v1/form/token for sites that embed their own form)
// carries form_ts (issue time, Unix seconds) and csrf_token = NONCE.MAC, where MAC is
// HMAC-SHA256(key, "triage-form-v1|form_ts|NONCE") cut to 128 bits and the key lives in the
// data directory (webform.key), so tokens outlive a restart. A post is taken only with a
// token we signed, no sooner than min_age after it was issued (bots post at once), no later
// than max_age (a stale page), and once: the first post spends the token; the same bytes
// again are that post again (a double click), other bytes are a replay. Thread-safe.
#pragma once

#include "engine/clock.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace triage::server {

struct FormTokenSettings {
    bool required = true;                             // webform.token.required
    std::chrono::seconds min_age{2};                  // webform.token.min_seconds
    std::chrono::seconds max_age{std::chrono::hours(4)};  // webform.token.max_seconds
};

class FormTokens {
public:
    static constexpr std::size_t kKeyBytes = 32;

    // `key` is kKeyBytes of secret; `started` the time this process began (tokens issued
    // before it may have been spent in an earlier run: see Check::from_earlier_run).
    FormTokens(std::string key, FormTokenSettings settings, Timestamp started);

    // The key in `file`, made (random, mode 0600, fsynced) when the file does not exist.
    // Throws std::runtime_error when it cannot be read or written.
    static std::string load_or_create_key(const std::filesystem::path& file);

    struct Issued {
        std::int64_t form_ts = 0;  // Unix seconds
        std::string csrf_token;
    };
    Issued issue(Timestamp now) const;

    enum class Verdict { ok, missing, invalid, too_fast, expired, reused };
    struct Check {
        Verdict verdict = Verdict::ok;
        std::string nonce;                 // the token's, when signed by us
        std::int64_t issued = 0;           // its form_ts, Unix seconds, when signed by us
        std::chrono::seconds wait{0};      // too_fast: until it may be sent
        bool from_earlier_run = false;     // issued before this process started
    };
    // The external id of the post a token of ours carries: "form-" + form_ts (ten digits) + "-" +
    // nonce. The time first makes the ids of a day's posts neighbours in the messages' external-id
    // indexes, so a commit of many posts writes a few of their pages, not one random page each.
    static std::string post_id(std::int64_t issued, std::string_view nonce);

    // The signature and the age; changes nothing.
    Check check(std::string_view form_ts, std::string_view csrf_token, Timestamp now) const;

    // Spends the nonce of a checked token on the post whose raw bytes hash to `post_sha256`:
    // true when the token was unspent, or spent by these same bytes; false for a replay.
    bool spend(const std::string& nonce, std::string_view post_sha256, Timestamp now);

    const FormTokenSettings& settings() const noexcept { return settings_; }

private:
    std::string mac(std::int64_t form_ts, std::string_view nonce) const;

    const std::string key_;
    const FormTokenSettings settings_;
    const Timestamp started_;

    struct Spent {
        std::string post_sha256;
        Timestamp expires;
    };
    std::mutex mutex_;
    std::unordered_map<std::string, Spent> spent_;        // guarded by mutex_; nonce -> post
    std::deque<std::pair<Timestamp, std::string>> order_;  // guarded by mutex_; for pruning, oldest first
};

std::string_view to_string(FormTokens::Verdict v) noexcept;

}  // namespace triage::server
