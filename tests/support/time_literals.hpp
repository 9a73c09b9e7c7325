// Test helpers for times written as RFC 3339 text: at("2026-12-23T15:30:00+02:00") and
// iso(t), so expectations read like the deadlines people talk about.
#pragma once

#include "engine/time_format.hpp"

#include <doctest/doctest.h>
#include <optional>
#include <string>
#include <string_view>

namespace triage::test {

inline Timestamp at(std::string_view rfc3339) {
    auto t = parse_rfc3339(rfc3339);
    REQUIRE_MESSAGE(t, rfc3339);
    return *t;
}

inline std::string iso(Timestamp t) { return format_rfc3339(t); }
inline std::string iso(std::optional<Timestamp> t) { return t ? format_rfc3339(*t) : "none"; }

}  // namespace triage::test
