// Calendar configuration: business calendars read from YAML, a `calendars:` map of
// name -> {timezone, hours, holidays}. Runs at start-up or in the CLI; returns values the
// caller owns; no shared state, so it is safe from any thread.
//
//   calendars:
//     fi-support:
//       timezone: Europe/Helsinki
//       hours: mon-fri 08:00-16:00            # or a list: ['mon-thu 08:00-17:00', 'fri 08:00-15:00']
//       holidays:
//         - 2026-12-24                        # a date, or a range '2026-12-24..2026-12-26'
//         - {date: 2026-12-06, name: Itsenäisyyspäivä}
//         - {from: 2026-12-24, to: 2026-12-26, name: Joulu}
#pragma once

#include "engine/error.hpp"
#include "escalation/business_calendar.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace YAML {
class Node;
}

namespace triage {

using CalendarMap = std::map<std::string, BusinessCalendar>;

// Reads `file`, whose top level must hold a `calendars:` map. Problems read
// "calendars.yaml:12:7: unknown time zone 'Europe/Helsinkii'" (1-based line and column;
// the file name as given), with field "calendars.<name>.<key>"; a file that cannot be read
// is not_found.
Result<CalendarMap> load_calendars(const std::filesystem::path& file);

// The same for a `calendars:` section already parsed, e.g. embedded in the main configuration:
// `calendars` is the map under that key (a null or missing node gives no calendars) and
// `file_name` prefixes the problems.
Result<CalendarMap> load_calendars(const YAML::Node& calendars, std::string_view file_name);

}  // namespace triage
