#include "storage/sha256.hpp"

#include <sodium.h>

#include <array>
#include <stdexcept>

namespace triage {
namespace {

void init_sodium_once() {
    // sodium_init is itself idempotent and thread-safe; the static only skips the call.
    static const bool ready = sodium_init() >= 0;
    if (!ready) throw std::runtime_error{"libsodium failed to initialise"};
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
    init_sodium_once();
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
    crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    std::string hex(digest.size() * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
    hex.pop_back();  // the terminating NUL sodium_bin2hex writes
    return hex;
}

}  // namespace triage
