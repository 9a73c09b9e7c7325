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

namespace triage {
struct EscalationSettings;
}

namespace triage::server {

struct ReportCalendars;  // server/report_facts.hpp

struct WeeklyReportConfig {
    std::vector<std::string> managers;        // recipients; empty: no weekly report
    std::chrono::weekday weekday = std::chrono::Monday;  // in ReportsConfig::time_zone
    std::chrono::minutes time_of_day{7 * 60};
    std::string from = "reports@triage.localhost";
    std::filesystem::path spool_dir;          // "": <data_dir>/outbox-spool
};

struct ReportsConfig {
    std::string time_zone = "UTC";             // reports.timezone: bucketing default, weekly schedule
    // Deprecated: the reports use the escalation engine's calendars and SLA policies
    // (report_calendars below); these fill in only where escalation sets nothing.
    std::string default_calendar;              // reports.calendar
    std::map<std::string, std::string> queue_calendars;  // reports.queue_calendars
    CalendarMap calendars;                     // calendars: or calendars_file:
    WeeklyReportConfig weekly;                 // reports.weekly
    // reports.facts_idle_minutes: the in-memory report facts load with the first report and
    // are dropped after this long without one; 0 loads them at start-up and keeps them.
    int facts_idle_minutes = 10;
    std::vector<std::string> deprecations;     // deprecated keys in use, for the log
};

// Reads the sections from `root` (the parsed config file); throws std::runtime_error.
ReportsConfig load_reports_config(const std::filesystem::path& file, const YAML::Node& root);

// What the reports judge SLAs and count business minutes by: exactly the escalation engine's
// SLA policies and calendars (its default calendar, each queue's calendar), so a report and
// the ticket_sla clocks agree; the deprecated reports.calendar / reports.queue_calendars
// only where escalation names no calendar.
ReportCalendars report_calendars(const EscalationSettings& escalation, const ReportsConfig& reports);

}  // namespace triage::server
