// The API channel: a JSON ticket-creation request (POST /api/v1/tickets) in, an Enquiry
// out, with every field validated. Pure function of its input; thread-safe.
#pragma once

#include "engine/enquiry.hpp"
#include "engine/error.hpp"

#include <boost/json/value.hpp>
#include <cstddef>

namespace triage::channels {

// The API's field limits, in bytes; the history import (server/ticket_import_json.cpp) holds
// tickets to them too.
inline constexpr std::size_t kMaxSubjectBytes = 998;   // RFC 5322's line limit
inline constexpr std::size_t kMaxBodyBytes = 1 << 20;
inline constexpr std::size_t kMaxShortBytes = 200;     // names, organisations, external ids

// `{subject, body, requester: {name?, email?, phone?}, queue?, priority?, category?,
//   tags?, language?, external_id?}`. Requires a non-empty body and a requester with an
// email or a phone; unknown fields are refused so a typo is not silently dropped.
// A requester phone without a country code is read in `phone_region` (ISO 3166, e.g. "FI");
// with no region it must be international.
Result<Enquiry> enquiry_from_api_json(const boost::json::value& body, Timestamp received_at,
                                      std::string_view phone_region = {});

}  // namespace triage::channels
