#include "channels/phone_number.hpp"

#include "engine/text.hpp"

#include <phonenumbers/phonenumberutil.h>

namespace triage::channels {

bool is_withheld_caller_id(std::string_view raw) {
    auto v = ascii_lower(trim_space(raw));
    if (v.empty() || v == "anonymous" || v == "restricted" || v == "unknown" || v == "private" || v == "unavailable" ||
        v == "withheld")
        return true;
    return v.find_first_not_of("0+") == std::string::npos;  // "0000000000"
}

std::optional<std::string> to_e164(std::string_view raw, std::string_view region) {
    if (is_withheld_caller_id(raw)) return std::nullopt;
    std::string text(trim_space(raw));
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
