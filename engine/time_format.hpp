// UTC timestamps as RFC 3339 ("2026-11-23T10:55:27Z", fractional seconds when non-zero;
// offsets such as "+02:00" accepted on input) and as RFC 5322 mail dates.
#pragma once

#include "engine/clock.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace triage {

std::string format_rfc3339(Timestamp t);
std::optional<Timestamp> parse_rfc3339(std::string_view s) noexcept;
// RFC 5322 section 3.3 date-time in UTC, as mail headers carry it: "Thu, 03 Dec 2026 12:00:00 +0000".
std::string format_rfc5322(Timestamp t);

}  // namespace triage
