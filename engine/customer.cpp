#include "engine/customer.hpp"

#include "engine/text.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <unicode/idna.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>
#include <unicode/ustring.h>

namespace triage {
namespace {

bool is_ascii(std::string_view s) noexcept {
    return std::all_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x80; });
}

bool is_valid_utf8(std::string_view s) noexcept {
    UErrorCode ec = U_ZERO_ERROR;
    int32_t length = 0;
    u_strFromUTF8(nullptr, 0, &length, s.data(), static_cast<int32_t>(s.size()), &ec);
    return ec == U_BUFFER_OVERFLOW_ERROR || U_SUCCESS(ec);
}

// A domain through UTS #46 (IDNA), to its ASCII ("xn--nide-loa.ee") or Unicode ("näide.ee")
// form; nothing when IDNA refuses the name.
std::optional<std::string> idna_domain(std::string_view domain, bool to_ascii) {
    UErrorCode ec = U_ZERO_ERROR;
    static const std::unique_ptr<icu::IDNA> idna{
        icu::IDNA::createUTS46Instance(UIDNA_NONTRANSITIONAL_TO_ASCII | UIDNA_NONTRANSITIONAL_TO_UNICODE, ec)};
    if (!idna) return std::nullopt;
    std::string out;
    icu::StringByteSink<std::string> sink{&out};
    icu::IDNAInfo info;
    const icu::StringPiece in(domain.data(), static_cast<int32_t>(domain.size()));
    if (to_ascii) idna->nameToASCII_UTF8(in, sink, info, ec);
    else idna->nameToUnicodeUTF8(in, sink, info, ec);
    if (U_FAILURE(ec) || info.hasErrors()) return std::nullopt;
    return out;
}

// A domain in its Unicode form: "NÄIDE.ee", "näide.ee" and "xn--nide-loa.ee" are one
// domain. A name IDNA refuses is only lower-cased.
std::string fold_domain(std::string_view s) {
    if (is_ascii(s) && s.find("xn--") == std::string_view::npos && s.find("XN--") == std::string_view::npos)
        return ascii_lower(s);
    if (auto unicode = idna_domain(s, false)) return *unicode;
    return fold_unicode_case(s);
}

std::string_view trim(std::string_view s) {
    auto first = s.find_first_not_of(" \t\r\n<");
    if (first == std::string_view::npos) return {};
    auto last = s.find_last_not_of(" \t\r\n>");
    return s.substr(first, last - first + 1);
}

}  // namespace

std::string fold_unicode_case(std::string_view s) {
    if (is_ascii(s)) return ascii_lower(s);
    auto text = icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
    text.toLower(icu::Locale::getRoot());
    UErrorCode ec = U_ZERO_ERROR;
    if (const auto* nfc = icu::Normalizer2::getNFCInstance(ec); U_SUCCESS(ec)) {
        auto normal = nfc->normalize(text, ec);
        if (U_SUCCESS(ec)) text = std::move(normal);
    }
    std::string out;
    text.toUTF8String(out);
    return out;
}

std::string address_for_smtp(std::string_view address) {
    const auto at = address.rfind('@');
    if (at == std::string_view::npos || is_ascii(address.substr(at + 1))) return std::string{address};
    auto ascii = idna_domain(address.substr(at + 1), true);
    return ascii ? std::string{address.substr(0, at + 1)} + *ascii : std::string{address};
}

std::string_view to_string(IdentityKind k) noexcept {
    switch (k) {
        case IdentityKind::email: return "email";
        case IdentityKind::phone: return "phone";
        case IdentityKind::fax: return "fax";
    }
    return "unknown";
}

std::optional<IdentityKind> parse_identity_kind(std::string_view s) noexcept {
    if (s == "email") return IdentityKind::email;
    if (s == "phone") return IdentityKind::phone;
    if (s == "fax") return IdentityKind::fax;
    return std::nullopt;
}

Identity normalise_identity(IdentityKind kind, std::string_view raw) {
    auto s = trim(raw);
    Identity id{kind, {}};
    if (kind == IdentityKind::email) {
        auto at = s.find('@');
        if (at == std::string_view::npos || at == 0 || at + 1 >= s.size() || s.find('@', at + 1) != std::string_view::npos)
            return id;
        if (std::any_of(s.begin(), s.end(), [](unsigned char c) { return c <= ' ' || c == 0x7f; })) return id;
        // Bytes that are not UTF-8 are compared as they are (ASCII letters folded).
        id.value = is_valid_utf8(s) ? fold_unicode_case(s.substr(0, at)) + "@" + fold_domain(s.substr(at + 1))
                                    : ascii_lower(s);
        return id;
    }
    std::string digits;
    bool international = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '+' && digits.empty()) international = true;
        else if (c >= '0' && c <= '9') digits.push_back(c);
        else if (c == ' ' || c == '-' || c == '(' || c == ')' || c == '.' || c == '/') continue;
        else return id;  // letters or other junk: not a number
    }
    if (!international && digits.starts_with("00")) {
        international = true;
        digits.erase(0, 2);
    }
    if (digits.size() < 3 || digits.size() > 15) return id;
    id.value = international ? "+" + digits : digits;
    return id;
}

std::optional<Identity> parse_identity(std::string_view text) {
    auto colon = text.find(':');
    IdentityKind kind;
    if (colon != std::string_view::npos) {
        auto k = parse_identity_kind(text.substr(0, colon));
        if (!k) return std::nullopt;
        kind = *k;
        text.remove_prefix(colon + 1);
    } else {
        kind = text.find('@') != std::string_view::npos ? IdentityKind::email : IdentityKind::phone;
    }
    auto id = normalise_identity(kind, text);
    if (id.value.empty()) return std::nullopt;
    return id;
}

std::string_view to_string(AgentRole r) noexcept {
    switch (r) {
        case AgentRole::agent: return "agent";
        case AgentRole::supervisor: return "supervisor";
        case AgentRole::manager: return "manager";
        case AgentRole::admin: return "admin";
    }
    return "unknown";
}

std::optional<AgentRole> parse_agent_role(std::string_view s) noexcept {
    if (s == "agent") return AgentRole::agent;
    if (s == "supervisor") return AgentRole::supervisor;
    if (s == "manager") return AgentRole::manager;
    if (s == "admin") return AgentRole::admin;
    return std::nullopt;
}

}  // namespace triage
