#include "channels/phone_number.hpp"

#include "engine/text.hpp"

#include <phonenumbers/phonenumberutil.h>

namespace triage::channels {

std::string_view caller_id_user(std::string_view raw) {
    raw = trim_space(raw);
    auto lower = ascii_lower(raw.substr(0, 5));
    if (lower.starts_with("tel:")) raw.remove_prefix(4);
    else if (lower.starts_with("sips:")) raw.remove_prefix(5);
    else if (lower.starts_with("sip:")) raw.remove_prefix(4);
    else return raw;
    // sip:+358401234567@pbx.example;user=phone, tel:+358-40-123;phone-context=...
    raw = raw.substr(0, raw.find_first_of("@;?"));
    return trim_space(raw);
}

bool looks_like_phone_number(std::string_view raw) {
    raw = caller_id_user(raw);
    std::size_t digits = 0;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c >= '0' && c <= '9') ++digits;
        else if (c == '+' && i == 0) continue;
        else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')' && c != '/') return false;
    }
    return digits > 5 || (digits > 0 && raw.front() == '+');
}

bool is_withheld_caller_id(std::string_view raw) {
    auto v = ascii_lower(trim_space(raw));
    if (v.empty() || v == "anonymous" || v == "restricted" || v == "unknown" || v == "private" || v == "unavailable" ||
        v == "withheld")
        return true;
    return v.find_first_not_of("0+") == std::string::npos;  // "0000000000"
}

std::optional<std::string> to_e164(std::string_view raw, std::string_view region) {
    if (is_withheld_caller_id(raw)) return std::nullopt;
    std::string text(caller_id_user(raw));
    if (text.size() > 64) return std::nullopt;
    if (text.starts_with("00")) text = "+" + text.substr(2);
    using i18n::phonenumbers::PhoneNumberUtil;
    const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
    i18n::phonenumbers::PhoneNumber number;
    if (util.Parse(text, std::string(region), &number) != PhoneNumberUtil::NO_PARSING_ERROR) return std::nullopt;
    if (!util.IsPossibleNumber(number)) return std::nullopt;
    std::string out;
    util.Format(number, PhoneNumberUtil::E164, &out);
    return out;
}

}  // namespace triage::channels
