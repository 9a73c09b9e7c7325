#include "channels/api_enquiry.hpp"

#include "channels/phone_number.hpp"

#include "engine/text.hpp"

#include <boost/json.hpp>
#include <algorithm>
#include <fmt/format.h>

namespace triage::channels {
namespace json = boost::json;
namespace {


Result<std::string> optional_string(const json::object& o, std::string_view key, std::size_t max,
                                    std::string_view path) {
    auto it = o.find(key);
    if (it == o.end() || it->value().is_null()) return std::string{};
    if (!it->value().is_string())
        return problem(errc::invalid_field, fmt::format("{} must be a string", path), std::string(path));
    const auto& s = it->value().get_string();
    if (s.size() > max)
        return problem(errc::invalid_field, fmt::format("{} is longer than {} bytes", path, max), std::string(path));
    return std::string(s);
}

// A one-line field: no CR, LF or other control character (a subject goes into mail headers
// and list rows; a name into From: and To:).
Result<std::string> one_line_string(const json::object& o, std::string_view key, std::size_t max, std::string_view path) {
    auto s = optional_string(o, key, max, path);
    if (s && has_line_control(*s))
        return problem(errc::invalid_field, fmt::format("{} must be one line, without control characters", path),
                       std::string(path));
    return s;
}

Result<void> only_known(const json::object& o, std::initializer_list<std::string_view> known, std::string_view prefix) {
    for (const auto& kv : o) {
        if (std::find(known.begin(), known.end(), kv.key()) == known.end()) {
            auto name = fmt::format("{}{}", prefix, std::string_view(kv.key()));
            return problem(errc::invalid_field, fmt::format("unknown field {}", name), name);
        }
    }
    return {};
}


}  // namespace

Result<Enquiry> enquiry_from_api_json(const json::value& value, Timestamp received_at, std::string_view phone_region) {
    if (!value.is_object()) return problem(errc::invalid_field, "the request body must be a JSON object");
    const auto& o = value.get_object();
    if (auto r = only_known(o, {"subject", "body", "requester", "queue", "priority", "category", "tags", "language",
                                "external_id"},
                            "");
        !r)
        return r.error();

    Enquiry e;
    e.channel = Channel::api;
    e.received_at = received_at;
    TRIAGE_TRY(e.subject, one_line_string(o, "subject", kMaxSubjectBytes, "subject"));
    TRIAGE_TRY(e.text, optional_string(o, "body", kMaxBodyBytes, "body"));
    if (is_blank(e.text)) return problem(errc::invalid_field, "body is required", "body");
    TRIAGE_TRY(e.queue, optional_string(o, "queue", 64, "queue"));
    TRIAGE_TRY(e.category, optional_string(o, "category", 64, "category"));
    TRIAGE_TRY(e.language, optional_string(o, "language", 35, "language"));
    TRIAGE_TRY(e.external_id, optional_string(o, "external_id", kMaxShortBytes, "external_id"));

    std::string priority;
    TRIAGE_TRY(priority, optional_string(o, "priority", 16, "priority"));
    if (!priority.empty()) {
        e.priority = parse_priority(priority);
        if (!e.priority)
            return problem(errc::invalid_field, "priority must be one of low, normal, high, urgent", "priority");
    }

    if (auto it = o.find("tags"); it != o.end() && !it->value().is_null()) {
        if (!it->value().is_array()) return problem(errc::invalid_field, "tags must be an array of strings", "tags");
        for (const auto& t : it->value().get_array()) {
            if (!t.is_string() || t.get_string().size() > 64)
                return problem(errc::invalid_field, "tags must be strings of at most 64 bytes", "tags");
            e.tags.emplace_back(t.get_string());
        }
    }

    auto req = o.find("requester");
    if (req == o.end() || !req->value().is_object())
        return problem(errc::invalid_field, "requester must be an object with an email or a phone", "requester");
    const auto& r = req->value().get_object();
    if (auto k = only_known(r, {"name", "email", "phone", "organisation"}, "requester."); !k) return k.error();
    TRIAGE_TRY(e.sender_name, one_line_string(r, "name", kMaxShortBytes, "requester.name"));
    TRIAGE_TRY(e.organisation, optional_string(r, "organisation", kMaxShortBytes, "requester.organisation"));
    std::string email, phone;
    TRIAGE_TRY(email, optional_string(r, "email", 254, "requester.email"));
    TRIAGE_TRY(phone, optional_string(r, "phone", 32, "requester.phone"));
    if (!email.empty()) {
        auto id = normalise_identity(IdentityKind::email, email);
        if (id.value.empty() || id.value.find('.', id.value.find('@')) == std::string::npos)
            return problem(errc::invalid_field, fmt::format("requester.email '{}' is not an email address", email),
                           "requester.email");
        e.sender.push_back(std::move(id));
    }
    if (!phone.empty()) {
        // National numbers ("040 123 4567") are read in the site's region, as the web form does.
        auto e164 = phone_region.empty() ? std::nullopt : to_e164(phone, phone_region);
        auto id = normalise_identity(IdentityKind::phone, e164 ? *e164 : phone);
        if (id.value.empty() || id.value[0] != '+')
            return problem(errc::invalid_field,
                           fmt::format("requester.phone '{}' is not a phone number: give it with its country code,"
                                       " such as +358401234567",
                                       phone),
                           "requester.phone");
        e.sender.push_back(std::move(id));
    }
    if (e.sender.empty())
        return problem(errc::invalid_field, "requester needs an email or a phone", "requester");
    return e;
}

}  // namespace triage::channels
