#include "server/report_config.hpp"

#include "escalation/escalation_config.hpp"
#include "server/report_facts.hpp"

#include <date/tz.h>
#include <fmt/format.h>
#include <stdexcept>
#include <yaml-cpp/yaml.h>

namespace triage::server {
namespace {

[[noreturn]] void fail(const std::filesystem::path& file, const YAML::Node& node, const std::string& what) {
    auto mark = node.Mark();
    throw std::runtime_error(fmt::format("{}:{}:{}: {}", file.string(), mark.line + 1, mark.column + 1, what));
}

}  // namespace

ReportsConfig load_reports_config(const std::filesystem::path& file, const YAML::Node& root) {
    ReportsConfig c;
    if (root["calendars"]) {
        auto calendars = load_calendars(root["calendars"], file.string());
        if (!calendars) throw std::runtime_error(calendars.error().message);
        c.calendars = std::move(*calendars);
    } else if (auto other = root["calendars_file"]) {
        std::filesystem::path path = other.as<std::string>();
        auto calendars = load_calendars(path.is_absolute() ? path : file.parent_path() / path);
        if (!calendars) throw std::runtime_error(calendars.error().message);
        c.calendars = std::move(*calendars);
    }
    auto reports = root["reports"];
    if (!reports) return c;
    if (auto tz = reports["timezone"]) {
        c.time_zone = tz.as<std::string>();
        try {
            date::locate_zone(c.time_zone);
        } catch (const std::exception&) {
            fail(file, tz, fmt::format("reports.timezone: unknown time zone '{}'", c.time_zone));
        }
    }
    if (auto idle = reports["facts_idle_minutes"]) {
        int minutes = -1;
        try {
            minutes = idle.as<int>();
        } catch (const YAML::Exception&) {
        }
        if (minutes < 0 || minutes > 7 * 24 * 60)
            fail(file, idle, "reports.facts_idle_minutes must be a whole number of minutes from 0 (keep them) to 10080");
        c.facts_idle_minutes = minutes;
    }
    auto known_calendar = [&](const YAML::Node& node) {
        auto name = node.as<std::string>();
        if (!c.calendars.contains(name)) fail(file, node, fmt::format("no calendar '{}' (see calendars_file)", name));
        return name;
    };
    auto deprecated = [&](const YAML::Node& node, std::string_view key, std::string_view instead) {
        c.deprecations.push_back(fmt::format("{}:{}: {} is deprecated: the reports count business minutes in the "
                                             "escalation engine's calendars ({}); it is used only where that sets none",
                                             file.string(), node.Mark().line + 1, key, instead));
    };
    if (auto cal = reports["calendar"]) {
        c.default_calendar = known_calendar(cal);
        deprecated(cal, "reports.calendar", "escalation.default_calendar");
    }
    if (auto queues = reports["queue_calendars"]) {
        deprecated(queues, "reports.queue_calendars", "escalation.queues.NAME.calendar");
        if (!queues.IsMap()) fail(file, queues, "reports.queue_calendars must map queues to calendar names");
        for (const auto& kv : queues) c.queue_calendars[kv.first.as<std::string>()] = known_calendar(kv.second);
    }
    if (auto weekly = reports["weekly"]) {
        if (auto managers = weekly["managers"]) {
            if (!managers.IsSequence()) fail(file, managers, "reports.weekly.managers must be a list of email addresses");
            for (const auto& m : managers) {
                auto address = m.as<std::string>();
                if (address.find('@') == std::string::npos) fail(file, m, fmt::format("'{}' is not an email address", address));
                c.weekly.managers.push_back(address);
            }
        }
        if (auto send = weekly["send_at"]) {  // "mon 07:00"
            auto text = send.as<std::string>();
            static constexpr const char* kDays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
            unsigned h = 0, m = 0;
            char day[4] = {};
            if (std::sscanf(text.c_str(), "%3s %u:%u", day, &h, &m) != 3 || h > 23 || m > 59)
                fail(file, send, "reports.weekly.send_at must read like 'mon 07:00'");
            int found = -1;
            for (int d = 0; d < 7; ++d)
                if (std::string_view(day) == kDays[d]) found = d;
            if (found < 0) fail(file, send, "reports.weekly.send_at must start with mon, tue, wed, thu, fri, sat or sun");
            c.weekly.weekday = std::chrono::weekday{static_cast<unsigned>(found)};
            c.weekly.time_of_day = std::chrono::minutes{h * 60 + m};
        }
        if (auto from = weekly["from"]) c.weekly.from = from.as<std::string>();
        if (auto spool = weekly["spool_dir"]) {
            std::filesystem::path p = spool.as<std::string>();
            c.weekly.spool_dir = p.is_absolute() ? p : file.parent_path() / p;
        }
    }
    return c;
}

ReportCalendars report_calendars(const EscalationSettings& escalation, const ReportsConfig& reports) {
    ReportCalendars out;
    out.calendars = escalation.calendars;
    out.sla_policies = escalation.policies;
    // Escalation counts in its default calendar, else 24/7 UTC — the same minutes as wall time.
    out.default_calendar = escalation.default_calendar;
    if (out.default_calendar.empty() && out.calendars.contains(reports.default_calendar))
        out.default_calendar = reports.default_calendar;
    for (const auto& [queue, name] : reports.queue_calendars)
        if (out.calendars.contains(name)) out.queue_calendars[queue] = name;
    for (const auto& [queue, settings] : escalation.queues)
        if (!settings.calendar.empty()) out.queue_calendars[queue] = settings.calendar;
    return out;
}

}  // namespace triage::server
