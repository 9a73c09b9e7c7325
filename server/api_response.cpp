#include "server/api_response.hpp"

#include "channels/mime_charset.hpp"
#include "server/json_codec.hpp"

#include <fmt/format.h>


namespace triage::server {
namespace http = boost::beast::http;
namespace json = boost::json;
using Status = http::status;

Response json_response(unsigned version, Status status, const json::value& body) {
    Response res{status, version};
    res.set(http::field::content_type, "application/json; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    std::string& out = res.body();
    append_json(out, body);
    // The writer copies string bytes as they are; an error message may quote what a client
    // sent (a %FF in a path). Bytes outside ASCII occur only inside strings, so replacing
    // invalid ones with U+FFFD keeps the document valid JSON and valid UTF-8.
    if (!channels::is_valid_utf8(out)) out = channels::repair_utf8(out);
    out += '\n';
    res.prepare_payload();
    return res;
}

Response json_text_response(unsigned version, Status status, std::string json) {
    Response res{status, version};
    res.set(http::field::content_type, "application/json; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    json += '\n';
    res.body() = std::move(json);
    res.prepare_payload();
    return res;
}

Status status_of(errc code) {
    switch (code) {
        case errc::malformed: return Status::bad_request;
        case errc::invalid_field: return Status::unprocessable_entity;
        case errc::not_found: return Status::not_found;
        case errc::invalid_transition:
        case errc::conflict: return Status::conflict;
        case errc::unauthorized: return Status::unauthorized;
        case errc::forbidden: return Status::forbidden;
        case errc::too_large: return Status::payload_too_large;
        case errc::unavailable: return Status::service_unavailable;
        case errc::ok: break;
    }
    return Status::internal_server_error;
}

Response problem_response(unsigned version, const Problem& p) {
    return json_response(version, status_of(p.code), error_json(p));
}

Problem name_key_field(Problem p, std::string_view key_field) {
    if (p.field == "idempotency_key") p.field = std::string(key_field);
    return p;
}

Result<std::string> idempotency_key(const Request& req) {
    const auto value = req["Idempotency-Key"];
    constexpr std::size_t kMax = 200;
    if (value.size() > kMax)
        return problem(errc::invalid_field, fmt::format("the Idempotency-Key header is longer than {} bytes", kMax),
                       "Idempotency-Key");
    for (char c : value)
        if (c < '!' || c > '~')
            return problem(errc::invalid_field, "the Idempotency-Key header may hold only visible ASCII characters",
                           "Idempotency-Key");
    return std::string(value);
}

}  // namespace triage::server
