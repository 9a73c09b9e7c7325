#include "server/passwords.hpp"

#include <sodium.h>
#include <stdexcept>
#include <vector>

namespace triage::server {
namespace {

void init_sodium() {
    static const int ok = sodium_init();
    if (ok < 0) throw std::runtime_error("libsodium failed to initialise");
}

}  // namespace

std::string hash_password(std::string_view password) {
    init_sodium();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        throw std::runtime_error("cannot hash the password: out of memory");
    return out;
}

bool verify_password(std::string_view hash, std::string_view password) noexcept {
    if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
    try {
        init_sodium();
    } catch (...) {
        return false;
    }
    std::string h(hash);  // crypto_pwhash_str_verify wants a NUL-terminated string
    return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

std::string random_secret(std::size_t bytes) {
    init_sodium();
    std::vector<unsigned char> raw(bytes);
    randombytes_buf(raw.data(), raw.size());
    std::string out(sodium_base64_encoded_len(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
    sodium_bin2base64(out.data(), out.size(), raw.data(), raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    out.resize(out.find('\0'));
    return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace triage::server
