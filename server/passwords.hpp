// Passwords: Argon2id hashing (libsodium crypto_pwhash_str, interactive limits) and random
// secrets for sessions and tokens. Hashing is slow on purpose (tens of ms, 64 MiB): call it
// off the I/O threads. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace triage::server {

// Throws std::runtime_error when libsodium cannot hash (out of memory).
std::string hash_password(std::string_view password);
bool verify_password(std::string_view hash, std::string_view password) noexcept;

// `bytes` random bytes, URL-safe base64 without padding (cookie- and header-safe).
std::string random_secret(std::size_t bytes = 32);

// Equal in time independent of where they differ.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace triage::server
