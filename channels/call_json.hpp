// The agent's call log: a JSON call (POST /api/v1/calls) in, a PhoneCall out, every field
// validated: `{number, direction, started_at, duration_s, disposition, notes, category?,
// ticket_id?, caller_name?, external_id?}`. Pure function of its input; thread-safe.
#pragma once

#include "engine/error.hpp"
#include "engine/phone_call.hpp"

#include <boost/json/value.hpp>

namespace triage::channels {

// `region` reads national numbers (e.g. "FI"). Unknown fields are refused.
Result<PhoneCall> call_from_api_json(const boost::json::value& body, std::string_view region);

}  // namespace triage::channels
