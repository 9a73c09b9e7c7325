#include "server/form_token.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fmt/format.h>
#include <stdexcept>

namespace triage::server {
namespace {

constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kMacBytes = 16;

std::string hex(const unsigned char* data, std::size_t n) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(n * 2, '0');
    for (std::size_t i = 0; i < n; ++i) {
        out[2 * i] = kDigits[data[i] >> 4];
        out[2 * i + 1] = kDigits[data[i] & 0xF];
    }
    return out;
}

bool is_hex(std::string_view s) {
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

std::int64_t unix_seconds(Timestamp t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

void ensure_sodium() {
    static const int ok = sodium_init();
    if (ok < 0) throw std::runtime_error("libsodium cannot be initialised");
}

}  // namespace

std::string_view to_string(FormTokens::Verdict v) noexcept {
    switch (v) {
        case FormTokens::Verdict::ok: return "ok";
        case FormTokens::Verdict::missing: return "form_token_missing";
        case FormTokens::Verdict::invalid: return "form_token_invalid";
        case FormTokens::Verdict::too_fast: return "form_too_fast";
        case FormTokens::Verdict::expired: return "form_expired";
        case FormTokens::Verdict::reused: return "form_token_reused";
    }
    return "form_token_invalid";
}

FormTokens::FormTokens(std::string key, FormTokenSettings settings, Timestamp started)
    : key_(std::move(key)), settings_(settings), started_(started) {
    ensure_sodium();
    if (key_.size() != kKeyBytes) throw std::runtime_error(fmt::format("the web form key must be {} bytes", kKeyBytes));
}

std::string FormTokens::load_or_create_key(const std::filesystem::path& file) {
    ensure_sodium();
    auto read_key = [&](int fd) {
        std::string key(kKeyBytes, '\0');
        std::size_t got = 0;
        while (got < key.size()) {
            auto n = ::read(fd, key.data() + got, key.size() - got);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            got += static_cast<std::size_t>(n);
        }
        ::close(fd);
        if (got != kKeyBytes)
            throw std::runtime_error(fmt::format("{}: the web form key is not {} bytes (delete it to make a new one)",
                                                 file.string(), kKeyBytes));
        return key;
    };
    if (int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) return read_key(fd);
    if (errno != ENOENT) throw std::runtime_error(fmt::format("{}: {}", file.string(), std::strerror(errno)));
    // A new key: written whole to a temp file, fsynced, then linked into place (another
    // process that won the race keeps its key, which we then read).
    const auto temp = file.string() + fmt::format(".tmp-{}", ::getpid());
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error(fmt::format("{}: {}", temp, std::strerror(errno)));
    std::string key(kKeyBytes, '\0');
    randombytes_buf(key.data(), key.size());
    const bool written = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!written) {
        ::unlink(temp.c_str());
        throw std::runtime_error(fmt::format("{}: cannot write the web form key", temp));
    }
    const bool linked = ::link(temp.c_str(), file.c_str()) == 0;
    const int link_errno = errno;
    ::unlink(temp.c_str());
    if (!linked && link_errno != EEXIST)
        throw std::runtime_error(fmt::format("{}: {}", file.string(), std::strerror(link_errno)));
    if (int dir = ::open(file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error(fmt::format("{}: {}", file.string(), std::strerror(errno)));
    return read_key(fd);
}

std::string FormTokens::mac(std::int64_t form_ts, std::string_view nonce) const {
    const auto message = fmt::format("triage-form-v1|{}|{}", form_ts, nonce);
    unsigned char out[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key_.data()), key_.size());
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()), message.size());
    crypto_auth_hmacsha256_final(&state, out);
    return hex(out, kMacBytes);
}

FormTokens::Issued FormTokens::issue(Timestamp now) const {
    unsigned char nonce[kNonceBytes];
    randombytes_buf(nonce, sizeof nonce);
    Issued out;
    out.form_ts = unix_seconds(now);
    const auto n = hex(nonce, sizeof nonce);
    out.csrf_token = n + "." + mac(out.form_ts, n);
    return out;
}

std::string FormTokens::post_id(std::int64_t issued, std::string_view nonce) {
    return fmt::format("form-{:010}-{}", issued, nonce);
}

FormTokens::Check FormTokens::check(std::string_view form_ts, std::string_view token, Timestamp now) const {
    Check out;
    if (token.empty() || form_ts.empty()) {
        out.verdict = Verdict::missing;
        return out;
    }
    std::int64_t issued = 0;
    auto [end, ec] = std::from_chars(form_ts.data(), form_ts.data() + form_ts.size(), issued);
    const auto dot = token.find('.');
    if (ec != std::errc{} || end != form_ts.data() + form_ts.size() || dot != kNonceBytes * 2 ||
        token.size() != dot + 1 + kMacBytes * 2 || !is_hex(token.substr(0, dot)) || !is_hex(token.substr(dot + 1))) {
        out.verdict = Verdict::invalid;
        return out;
    }
    const auto nonce = token.substr(0, dot);
    const auto expected = mac(issued, nonce);
    if (sodium_memcmp(expected.data(), token.data() + dot + 1, expected.size()) != 0) {
        out.verdict = Verdict::invalid;  // not ours, or form_ts changed
        return out;
    }
    out.nonce = std::string(nonce);
    out.issued = issued;
    out.from_earlier_run = issued < unix_seconds(started_);
    const auto age = std::chrono::seconds(unix_seconds(now) - issued);
    if (age < std::chrono::seconds(-5)) out.verdict = Verdict::invalid;  // from the future: not a clock's drift
    else if (age < settings_.min_age) {
        out.verdict = Verdict::too_fast;
        out.wait = settings_.min_age - age;
    } else if (age > settings_.max_age) out.verdict = Verdict::expired;
    return out;
}

bool FormTokens::spend(const std::string& nonce, std::string_view post_sha256, Timestamp now) {
    std::lock_guard lock(mutex_);
    // Tokens past max_age are refused by check(): their nonces need no keeping.
    while (!order_.empty() && order_.front().first <= now) {
        spent_.erase(order_.front().second);
        order_.pop_front();
    }
    auto [it, fresh] = spent_.try_emplace(nonce);
    if (!fresh) return it->second.post_sha256 == post_sha256;
    // Kept for max_age (+ a minute of slack) after the post: longer than the token can live.
    it->second.post_sha256 = std::string(post_sha256);
    it->second.expires = now + settings_.max_age + std::chrono::minutes(1);
    order_.emplace_back(it->second.expires, nonce);
    return true;
}

}  // namespace triage::server
