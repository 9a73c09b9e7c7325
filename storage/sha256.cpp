#include "storage/sha256.hpp"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

namespace triage {
namespace {

// Fetched once: an implicit fetch (EVP_sha256() in EVP_Digest) looks the algorithm up again
// on every call. OpenSSL's SHA-256 takes the CPU's SHA extensions where there are any.
const EVP_MD* sha256_md() {
    static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (!md) throw std::runtime_error{"OpenSSL has no SHA-256"};
    return md;
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, sha256_md(), nullptr) != 1 || size != 32)
        throw std::runtime_error{"SHA-256 failed"};
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex(size * 2, '\0');
    for (unsigned int i = 0; i < size; ++i) {
        hex[2 * i] = kHex[digest[i] >> 4];
        hex[2 * i + 1] = kHex[digest[i] & 0x0f];
    }
    return hex;
}

}  // namespace triage
