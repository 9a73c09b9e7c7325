#include "channels/call_json.hpp"

#include "channels/phone_number.hpp"
#include "engine/time_format.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

namespace triage::channels {
namespace json = boost::json;

namespace {

constexpr std::size_t kMaxNotes = 64 * 1024;
constexpr std::size_t kMaxShort = 200;

Result<std::string> string_field(const json::value& v, std::string_view name, std::size_t max) {
    if (!v.is_string()) return problem(errc::invalid_field, fmt::format("{} must be a string", name), std::string(name));
    std::string s(v.get_string());
    if (s.size() > max)
        return problem(errc::invalid_field, fmt::format("{} is longer than {} bytes", name, max), std::string(name));
    return s;
}

}  // namespace

Result<PhoneCall> call_from_api_json(const json::value& body, std::string_view region, Timestamp now) {
    if (!body.is_object()) return problem(errc::invalid_field, "the request body must be a JSON object");
    PhoneCall call;
    call.source = "api";
    call.always_open_ticket = true;
    bool have_number = false, have_direction = false, have_started = false, have_duration = false, have_disposition = false;
    for (const auto& kv : body.get_object()) {
        const std::string_view key = kv.key();
        const json::value& v = kv.value();
        if (key == "number") {
            TRIAGE_TRY(auto raw, string_field(v, key, kMaxShort));
            auto e164 = to_e164(raw, region);
            if (!e164)
                return problem(errc::invalid_field, fmt::format("number '{}' is not a phone number", raw), "number");
            call.number = *e164;
            have_number = true;
        } else if (key == "direction") {
            TRIAGE_TRY(auto raw, string_field(v, key, kMaxShort));
            auto d = parse_call_direction(raw);
            if (!d || *d == CallDirection::internal)
                return problem(errc::invalid_field, "direction must be \"inbound\" or \"outbound\"", "direction");
            call.direction = *d;
            have_direction = true;
        } else if (key == "started_at") {
            TRIAGE_TRY(auto raw, string_field(v, key, kMaxShort));
            auto t = parse_rfc3339(raw);
            if (!t) return problem(errc::invalid_field, "started_at must be an RFC 3339 time", "started_at");
            if (*t > now + kCallClockSkew)
                return problem(errc::invalid_field,
                               fmt::format("started_at {} is in the future (now {})", raw, format_rfc3339(now)), "started_at");
            if (*t < Timestamp{})
                return problem(errc::invalid_field, fmt::format("started_at {} is before 1970", raw), "started_at");
            call.started_at = *t;
            have_started = true;
        } else if (key == "duration_s") {
            if (!v.is_int64() && !v.is_uint64())
                return problem(errc::invalid_field, "duration_s must be a whole number of seconds", "duration_s");
            auto s = v.is_int64() ? v.get_int64() : static_cast<std::int64_t>(v.get_uint64());
            if (s < 0 || s > 7 * 24 * 3600)
                return problem(errc::invalid_field, "duration_s must be from 0 to 604800", "duration_s");
            call.duration_s = s;
            have_duration = true;
        } else if (key == "disposition") {
            TRIAGE_TRY(auto raw, string_field(v, key, kMaxShort));
            auto d = parse_call_disposition(raw);
            if (!d)
                return problem(errc::invalid_field, "disposition must be answered, no_answer, busy, failed or congestion",
                               "disposition");
            call.disposition = *d;
            have_disposition = true;
        } else if (key == "notes") {
            TRIAGE_TRY(call.notes, string_field(v, key, kMaxNotes));
        } else if (key == "category") {
            if (!v.is_null()) {
                TRIAGE_TRY(call.category, string_field(v, key, kMaxShort));
            }
        } else if (key == "caller_name") {
            TRIAGE_TRY(call.caller_name, string_field(v, key, kMaxShort));
        } else if (key == "external_id") {
            TRIAGE_TRY(call.external_id, string_field(v, key, kMaxShort));
        } else if (key == "ticket_id") {
            if (v.is_null()) continue;
            std::optional<TicketId> id;
            if (v.is_int64() && v.get_int64() > 0) id = v.get_int64();
            else if (v.is_string()) id = parse_ticket_ref(v.get_string());
            if (!id) return problem(errc::invalid_field, "ticket_id must be a ticket id (42) or key (T-42)", "ticket_id");
            call.ticket_id = id;
        } else {
            return problem(errc::invalid_field, fmt::format("unknown field {}", key), std::string(key));
        }
    }
    auto missing = [](const char* field) {
        return problem(errc::invalid_field, fmt::format("{} is required", field), field);
    };
    if (!have_number) return missing("number");
    if (!have_direction) return missing("direction");
    if (!have_started) return missing("started_at");
    if (!have_duration) return missing("duration_s");
    if (!have_disposition) return missing("disposition");
    if (!body.as_object().contains("notes")) return missing("notes");
    return call;
}

}  // namespace triage::channels
