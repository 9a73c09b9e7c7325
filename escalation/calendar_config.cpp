#include "escalation/calendar_config.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>

namespace triage {
namespace {

// Problems of one YAML source: "file:line:col: message", field "calendars.<name>.<key>".
class Reporter {
public:
    explicit Reporter(std::string_view file) : file_(file) {}

    Problem at(const YAML::Node& node, std::string message, std::string field = {}) const {
        return problem(errc::invalid_field, where(node.Mark()) + std::move(message), std::move(field));
    }
    std::string where(const YAML::Mark& mark) const {
        if (mark.is_null()) return fmt::format("{}: ", file_);
        return fmt::format("{}:{}:{}: ", file_, mark.line + 1, mark.column + 1);
    }

private:
    std::string_view file_;
};

std::string kind_of(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Map: return "a map";
        case YAML::NodeType::Sequence: return "a list";
        case YAML::NodeType::Scalar: return fmt::format("'{}'", node.Scalar());
        default: return "nothing";
    }
}

// Refuses keys other than `allowed`, so that a typo does not silently drop a setting.
template <std::size_t N>
Result<void> check_keys(const YAML::Node& map, const std::array<std::string_view, N>& allowed, const Reporter& report,
                        const std::string& field) {
    for (const auto& entry : map) {
        auto key = entry.first.IsScalar() ? entry.first.Scalar() : std::string{};
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
            return report.at(entry.first, fmt::format("unknown key '{}'; expected {}", key, fmt::join(allowed, ", ")),
                             field);
    }
    return {};
}

// Re-anchors a parser's Problem at `node`.
Problem located(const Reporter& report, const YAML::Node& node, const Problem& p, const std::string& field) {
    return report.at(node, p.message, field);
}

Result<WeeklyHours> read_hours(const YAML::Node& node, const Reporter& report, const std::string& field) {
    if (node.IsScalar()) {
        auto hours = parse_hours_spec(node.Scalar());
        if (!hours) return located(report, node, hours.error(), field);
        return hours;
    }
    if (node.IsSequence() && node.size() == 0)
        return report.at(node, "hours are empty; expected e.g. 'mon-fri 08:00-16:00'", field);
    if (!node.IsSequence())
        return report.at(
            node,
            fmt::format("hours must be a spec like 'mon-fri 08:00-16:00' or a list of them, not {}", kind_of(node)),
            field);
    WeeklyHours all;
    for (const auto& item : node) {
        if (!item.IsScalar())
            return report.at(
                item, fmt::format("an hours entry must be a spec like 'mon-fri 08:00-16:00', not {}", kind_of(item)),
                field);
        auto hours = parse_hours_spec(item.Scalar());
        if (!hours) return located(report, item, hours.error(), field);
        auto added = add_hours(all, *hours);
        if (!added) return located(report, item, added.error(), field);
    }
    return all;
}

Result<std::chrono::year_month_day> read_date(const YAML::Node& node, const Reporter& report,
                                              const std::string& field) {
    if (!node.IsScalar())
        return report.at(node, fmt::format("expected a date YYYY-MM-DD, not {}", kind_of(node)), field);
    auto date = parse_local_date(node.Scalar());
    if (!date) return located(report, node, date.error(), field);
    return date;
}

Result<HolidayRange> read_holiday(const YAML::Node& node, const Reporter& report, const std::string& field) {
    if (node.IsScalar()) {  // '2026-12-24' or '2026-12-24..2026-12-26'
        auto parsed = parse_holidays(node.Scalar());
        if (!parsed) return located(report, node, parsed.error(), field);
        if (parsed->size() != 1)
            return report.at(node, fmt::format("one holiday or range per entry, not '{}'", node.Scalar()), field);
        return std::move(parsed->front());
    }
    if (!node.IsMap())
        return report.at(
            node,
            fmt::format("a holiday must be a date or {{date, name}} or {{from, to, name}}, not {}", kind_of(node)),
            field);
    auto checked = check_keys(node, std::array<std::string_view, 4>{"date", "from", "to", "name"}, report, field);
    if (!checked) return checked.error();
    HolidayRange range;
    if (node["date"]) {
        if (node["from"] || node["to"])
            return report.at(node, "a holiday has either 'date' or 'from' and 'to', not both", field);
        TRIAGE_TRY(range.first, read_date(node["date"], report, field));
        range.last = range.first;
    } else {
        if (!node["from"] || !node["to"]) return report.at(node, "a holiday needs 'date', or 'from' and 'to'", field);
        TRIAGE_TRY(range.first, read_date(node["from"], report, field));
        TRIAGE_TRY(range.last, read_date(node["to"], report, field));
        if (range.last < range.first) return report.at(node["to"], "holiday range ends before it starts", field);
    }
    if (const auto name = node["name"]) {
        if (!name.IsScalar())
            return report.at(name, fmt::format("a holiday name must be text, not {}", kind_of(name)), field);
        range.name = name.Scalar();
    }
    return range;
}

Result<BusinessCalendar> read_calendar(const std::string& name, const YAML::Node& node, const Reporter& report) {
    const auto field = "calendars." + name;
    if (!node.IsMap())
        return report.at(
            node,
            fmt::format("calendar '{}' must be a map with timezone, hours and holidays, not {}", name, kind_of(node)),
            field);
    auto checked = check_keys(node, std::array<std::string_view, 3>{"timezone", "hours", "holidays"}, report, field);
    if (!checked) return checked.error();

    const auto tz = node["timezone"];
    if (!tz) return report.at(node, fmt::format("calendar '{}' has no timezone, e.g. Europe/Helsinki", name), field);
    if (!tz.IsScalar())
        return report.at(tz, fmt::format("timezone must be a name like Europe/Helsinki, not {}", kind_of(tz)),
                         field + ".timezone");
    const auto hours_node = node["hours"];
    if (!hours_node)
        return report.at(node, fmt::format("calendar '{}' has no hours, e.g. 'mon-fri 08:00-16:00'", name), field);
    WeeklyHours hours;
    TRIAGE_TRY(hours, read_hours(hours_node, report, field + ".hours"));

    std::vector<HolidayRange> holidays;
    const auto holidays_node = node["holidays"];
    if (holidays_node && !holidays_node.IsNull()) {
        if (!holidays_node.IsSequence())
            return report.at(holidays_node, fmt::format("holidays must be a list, not {}", kind_of(holidays_node)),
                             field + ".holidays");
        for (const auto& item : holidays_node) {
            HolidayRange holiday;
            TRIAGE_TRY(holiday, read_holiday(item, report, field + ".holidays"));
            holidays.push_back(std::move(holiday));
        }
    }

    auto calendar = BusinessCalendar::make(name, tz.Scalar(), std::move(hours), std::move(holidays));
    if (!calendar) {
        const auto& p = calendar.error();
        const YAML::Node at = p.field == "timezone"   ? tz
                              : p.field == "hours"    ? hours_node
                              : p.field == "holidays" ? holidays_node
                                                      : node;
        return located(report, at ? at : node, p, p.field.empty() ? field : field + "." + p.field);
    }
    return calendar;
}

}  // namespace

Result<CalendarMap> load_calendars(const YAML::Node& calendars, std::string_view file_name) {
    Reporter report{file_name};
    CalendarMap out;
    if (!calendars || calendars.IsNull()) return out;
    if (!calendars.IsMap())
        return report.at(calendars,
                         fmt::format("calendars must be a map of name -> calendar, not {}", kind_of(calendars)),
                         "calendars");
    for (const auto& entry : calendars) {
        if (!entry.first.IsScalar() || entry.first.Scalar().empty())
            return report.at(entry.first, "a calendar needs a name", "calendars");
        const auto& name = entry.first.Scalar();
        if (out.contains(name))
            return report.at(entry.first, fmt::format("calendar '{}' is defined twice", name), "calendars." + name);
        TRIAGE_TRY(auto calendar, read_calendar(name, entry.second, report));
        out.emplace(name, std::move(calendar));
    }
    return out;
}

Result<CalendarMap> load_calendars(const std::filesystem::path& file) {
    const auto file_name = file.string();
    YAML::Node root;
    try {
        root = YAML::LoadFile(file_name);
    } catch (const YAML::BadFile&) {
        return problem(errc::not_found, fmt::format("{}: cannot read the calendars file", file_name), "calendars");
    } catch (const YAML::ParserException& e) {
        return problem(errc::malformed, Reporter{file_name}.where(e.mark) + e.msg, "calendars");
    }
    const YAML::Node& top = root;
    if (!top.IsMap() || !top["calendars"])
        return Reporter{file_name}.at(top, "expected a top-level 'calendars:' map", "calendars");
    return load_calendars(top["calendars"], file_name);
}

}  // namespace triage
