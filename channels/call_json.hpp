// The agent's call log: a JSON call (POST /api/v1/calls) in, a PhoneCall out, every field
// validated: `{number, direction, started_at, duration_s, disposition, notes, category?,
// ticket_id?, caller_name?, external_id?}`. Pure function of its inputs; thread-safe.
#pragma once

#include "engine/error.hpp"
#include "engine/phone_call.hpp"

#include <boost/json/value.hpp>

namespace triage::channels {

// `region` reads national numbers (e.g. "FI"). Unknown fields are refused. A call that
// starts after `now` plus kCallClockSkew (a clock a little fast) has not happened: 422.
inline constexpr std::chrono::minutes kCallClockSkew{15};
Result<PhoneCall> call_from_api_json(const boost::json::value& body, std::string_view region, Timestamp now);

}  // namespace triage::channels
