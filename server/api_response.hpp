// JSON answers of the HTTP API, shared by every route module (api.cpp, api_channels.cpp,
// api_escalation.cpp): the one mapping of an engine errc to its HTTP status, and JSON bodies
// written straight into the response. Pure functions; thread-safe.
#pragma once

#include "engine/error.hpp"
#include "server/api.hpp"

#include <boost/json/value.hpp>

namespace triage::server {

// `body` serialised, `Content-Type: application/json; charset=utf-8`, `Cache-Control: no-store`.
Response json_response(unsigned version, boost::beast::http::status status, const boost::json::value& body);

// `json` (JSON text, e.g. from append_ticket_json) as the body, with the same headers.
Response json_text_response(unsigned version, boost::beast::http::status status, std::string json);

// 400 malformed, 401, 403, 404, 409 (invalid transition, conflict), 413, 422 invalid field, 503.
boost::beast::http::status status_of(errc code);

// The problem as `{"error": {...}}` with its status.
Response problem_response(unsigned version, const Problem& p);

// The request's Idempotency-Key header ("" when absent): at most 200 bytes of visible ASCII,
// as the body's external_id may be; anything else is a 422 naming the header.
Result<std::string> idempotency_key(const Request& req);
// Intake's refusal of a reused key names the field "idempotency_key": this names where the
// client put the key instead ("Idempotency-Key" or "external_id"). Other problems pass as they are.
Problem name_key_field(Problem p, std::string_view key_field);

}  // namespace triage::server
