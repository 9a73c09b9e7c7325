// Report configuration: the `reports:` section (time zone, calendars for business minutes,
// the weekly email to managers) and the `sla_policies:` list the reports judge SLAs by, read
// from the same YAML file as Config. A plain value built at start-up; bad values are start-up
// failures naming the file, line and key.
#pragma once

#include "escalation/calendar_config.hpp"
#include "escalation/sla_policy.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace YAML {
class Node;
}

namespace triage::server {

struct WeeklyReportConfig {
    std::vector<std::string> managers;        // recipients; empty: no weekly report
    std::chrono::weekday weekday = std::chrono::Monday;  // in ReportsConfig::time_zone
    std::chrono::minutes time_of_day{7 * 60};
    std::string from = "reports@triage.localhost";
    std::filesystem::path spool_dir;          // "": <data_dir>/outbox-spool
};

struct ReportsConfig {
    std::string time_zone = "UTC";             // reports.timezone: bucketing default, weekly schedule
    std::string default_calendar;              // reports.calendar: business minutes ("" : wall time)
    std::map<std::string, std::string> queue_calendars;  // reports.queue_calendars
    CalendarMap calendars;                     // calendars: or calendars_file:
    std::vector<SlaPolicy> sla_policies;       // sla_policies:
    WeeklyReportConfig weekly;                 // reports.weekly
};

// Reads the sections from `root` (the parsed config file); throws std::runtime_error.
ReportsConfig load_reports_config(const std::filesystem::path& file, const YAML::Node& root);

}  // namespace triage::server
