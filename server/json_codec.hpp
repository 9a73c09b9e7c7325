// JSON forms of the engine's values for the REST API: snake_case keys, RFC 3339 UTC
// timestamps, `id` as the integer and `key` as "T-…". Pure functions; thread-safe.
#pragma once

#include "engine/customer.hpp"
#include "engine/error.hpp"
#include "engine/json_text.hpp"
#include "engine/message.hpp"
#include "engine/ticket.hpp"
#include "engine/ticket_event.hpp"

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace triage::server {

// `storage`: where the value's strings live (a request-scoped monotonic resource is cheapest).
boost::json::value to_json(const Ticket& t, boost::json::storage_ptr storage = {});
// The same ticket as JSON text appended to `out`, written directly: the create and read
// routes answer with it, at a fraction of the cost of building a value and serialising it.
// to_json(Ticket) is this text parsed, so the two cannot disagree.
void append_ticket_json(std::string& out, const Ticket& t);
// append_json_string (engine/json_text.hpp) writes the string literals.
using triage::append_json_string;
boost::json::value to_json(const Message& m);
boost::json::value to_json(const TicketEvent& e);
boost::json::value to_json(const Customer& c);
boost::json::value to_json(const Agent& a);

// `v` as JSON text, as json::serialize writes it except for numbers with a fraction:
// Boost.JSON 1.81 writes 71.09 as 7.109E1, which is valid JSON but not what a manager's
// script or a person reading a report expects; these are written in their shortest
// round-trip form, plain decimal wherever that is not absurdly long (71.09, 0.5, 1e+21).
// Not-finite doubles (never produced on purpose) become null.
void append_json(std::string& out, const boost::json::value& v);
std::string json_text(const boost::json::value& v);

// {"error": {"code": "...", "message": "...", "field": "..."}}
boost::json::value error_json(std::string_view code, std::string_view message, std::string_view field = {});
boost::json::value error_json(const Problem& p);

}  // namespace triage::server
