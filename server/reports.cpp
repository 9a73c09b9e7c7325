#include "server/reports.hpp"

#include "engine/ticket.hpp"
#include "engine/time_format.hpp"

#include <boost/json.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <numeric>
#include <unordered_map>

namespace triage::server {
namespace json = boost::json;
namespace {

using namespace std::chrono;

constexpr std::int64_t kDayS = 86400;

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Howard Hinnant's civil-from-days, for month labels.
void civil(std::int64_t z, std::int32_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = static_cast<std::int32_t>(yoe + era * 400 + (m <= 2));
}

std::int64_t days_from_civil(std::int32_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// UTC seconds to local seconds in one zone; remembers the offset's validity so a scan in
// time order looks the zone up only at each DST change.
class LocalClock {
public:
    explicit LocalClock(const date::time_zone* tz) : tz_(tz) {}
    std::int64_t local(std::int64_t utc_s) {
        if (!tz_) return utc_s;
        if (utc_s < begin_ || utc_s >= end_) {
            auto info = tz_->get_info(date::sys_seconds{seconds{utc_s}});
            begin_ = info.begin.time_since_epoch().count();
            end_ = info.end.time_since_epoch().count();
            offset_ = info.offset.count();
        }
        return utc_s + offset_;
    }

private:
    const date::time_zone* tz_;
    std::int64_t begin_ = 1, end_ = 0, offset_ = 0;
};

constexpr std::array<std::string_view, 7> kWeekdays{"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr std::array<std::string_view, 6> kAgeBuckets{"0-1d", "1-3d", "3-7d", "7-14d", "14-30d", "30d+"};

std::string_view dim_name(ReportDim d) {
    switch (d) {
        case ReportDim::channel: return "channel";
        case ReportDim::queue: return "queue";
        case ReportDim::category: return "category";
        case ReportDim::language: return "language";
        case ReportDim::priority: return "priority";
        case ReportDim::organisation: return "organisation";
        case ReportDim::status: return "status";
        case ReportDim::tier: return "tier";
        case ReportDim::agent: return "agent";
        case ReportDim::hour: return "hour";
        case ReportDim::weekday: return "weekday";
        case ReportDim::day: return "day";
        case ReportDim::week: return "week";
        case ReportDim::month: return "month";
        case ReportDim::age: return "age";
    }
    return "?";
}

std::optional<ReportDim> parse_dim(std::string_view s) {
    for (int i = 0; i <= static_cast<int>(ReportDim::age); ++i)
        if (dim_name(static_cast<ReportDim>(i)) == s) return static_cast<ReportDim>(i);
    return std::nullopt;
}

bool is_time_dim(ReportDim d) { return d >= ReportDim::hour && d <= ReportDim::month; }
bool is_numeric_dim(ReportDim d) {
    return is_time_dim(d) || d == ReportDim::age || d == ReportDim::priority || d == ReportDim::status ||
           d == ReportDim::tier;
}

// Per-ticket dimension values over the columns, for one report.
class Dims {
public:
    Dims(const Facts& f, const ReportRequest& r, std::size_t lo, std::size_t hi, std::int64_t at_ms)
        : f_(f), clock_(r.tz), at_ms_(at_ms) {
        if (lo < hi) {
            day_lo_ = local_day(f.col.created_ms[lo]);
            day_hi_ = local_day(f.col.created_ms[hi - 1]);
        }
        // Both ends asked for: a time series runs over the whole range, days without tickets
        // included (they hold every selected ticket, created in [from, to)).
        if (r.from && r.to && *r.to > *r.from) {
            const auto first = local_day(r.from->time_since_epoch().count());
            const auto last = local_day(r.to->time_since_epoch().count() - 1);
            if (last - first < 40000) {
                day_lo_ = first;
                day_hi_ = last;
                spans_request_ = true;
            }
        }
        week_lo_ = day_lo_ - weekday_of(day_lo_);
        month_lo_ = month_index(day_lo_);
        month_hi_ = month_index(day_hi_);
    }

    // The day range is the request's [from, to), not only the selected tickets' days.
    bool spans_request() const { return spans_request_; }

    std::uint32_t cardinality(ReportDim d) const {
        const auto& c = f_;
        switch (d) {
            case ReportDim::channel: return 5;
            case ReportDim::queue: return static_cast<std::uint32_t>(c.queues.size());
            case ReportDim::category: return static_cast<std::uint32_t>(c.categories.size());
            case ReportDim::language: return static_cast<std::uint32_t>(c.languages.size());
            case ReportDim::priority: return 4;
            case ReportDim::organisation: return static_cast<std::uint32_t>(c.organisations.size());
            case ReportDim::status: return 6;
            case ReportDim::tier: return 4;
            case ReportDim::agent: return static_cast<std::uint32_t>(c.agent_ids.size());
            case ReportDim::hour: return 24;
            case ReportDim::weekday: return 7;
            case ReportDim::day: return static_cast<std::uint32_t>(day_hi_ - day_lo_ + 1);
            case ReportDim::week: return static_cast<std::uint32_t>((day_hi_ - week_lo_) / 7 + 1);
            case ReportDim::month: return static_cast<std::uint32_t>(month_hi_ - month_lo_ + 1);
            case ReportDim::age: return static_cast<std::uint32_t>(kAgeBuckets.size());
        }
        return 1;
    }

    std::uint32_t value(ReportDim d, std::size_t i) {
        const auto& c = f_.col;
        switch (d) {
            case ReportDim::channel: return c.channel[i];
            case ReportDim::queue: return c.queue[i];
            case ReportDim::category: return c.category[i];
            case ReportDim::language: return c.language[i];
            case ReportDim::priority: return c.priority[i];
            case ReportDim::organisation: return c.organisation[i];
            case ReportDim::status: return c.status[i];
            case ReportDim::tier: return c.tier[i];
            case ReportDim::agent: return c.assignee[i];
            case ReportDim::hour: {
                auto s = clock_.local(floor_div(c.created_ms[i], 1000));
                return static_cast<std::uint32_t>((s - floor_div(s, kDayS) * kDayS) / 3600);
            }
            case ReportDim::weekday: return static_cast<std::uint32_t>(weekday_of(local_day(c.created_ms[i])));
            case ReportDim::day: return static_cast<std::uint32_t>(local_day(c.created_ms[i]) - day_lo_);
            case ReportDim::week: {
                auto day = local_day(c.created_ms[i]);
                return static_cast<std::uint32_t>((day - weekday_of(day) - week_lo_) / 7);
            }
            case ReportDim::month: return static_cast<std::uint32_t>(month_index(local_day(c.created_ms[i])) - month_lo_);
            case ReportDim::age: {
                const auto age_h = (at_ms_ - c.created_ms[i]) / 3'600'000;
                if (age_h < 24) return 0;
                if (age_h < 72) return 1;
                if (age_h < 168) return 2;
                if (age_h < 336) return 3;
                if (age_h < 720) return 4;
                return 5;
            }
        }
        return 0;
    }

    // JSON/CSV cell for a value.
    ReportCell label(ReportDim d, std::uint32_t v, const AgentLabels& agents) const {
        auto none = [](const std::string& s) { return s.empty() ? std::string("(none)") : s; };
        switch (d) {
            case ReportDim::channel: return std::string(to_string(static_cast<Channel>(v)));
            case ReportDim::queue: return none(f_.queues.name(v));
            case ReportDim::category: return none(f_.categories.name(v));
            case ReportDim::language: return none(f_.languages.name(v));
            case ReportDim::priority: return std::string(to_string(static_cast<Priority>(v)));
            case ReportDim::organisation: return none(f_.organisations.name(v));
            case ReportDim::status: return std::string(to_string(static_cast<TicketStatus>(v)));
            case ReportDim::tier: return std::string(to_string(static_cast<Tier>(v)));
            case ReportDim::agent: {
                if (v == 0) return std::string("(unassigned)");
                auto id = f_.agent_ids[v];
                auto it = agents.find(id);
                return it != agents.end() ? it->second.email : fmt::format("agent:{}", id);
            }
            case ReportDim::hour: return static_cast<std::int64_t>(v);
            case ReportDim::weekday: return std::string(kWeekdays[v]);
            case ReportDim::day: return day_label(day_lo_ + v);
            case ReportDim::week: {
                const auto monday = week_lo_ + static_cast<std::int64_t>(v) * 7;
                std::int32_t y;
                unsigned m, d2;
                civil(monday + 3, y, m, d2);  // the ISO year is the Thursday's
                const auto week = (monday + 3 - days_from_civil(y, 1, 1)) / 7 + 1;
                return fmt::format("{:04}-W{:02}", y, week);
            }
            case ReportDim::month: {
                const auto index = month_lo_ + static_cast<std::int64_t>(v);
                return fmt::format("{:04}-{:02}", floor_div(index, 12), index - floor_div(index, 12) * 12 + 1);
            }
            case ReportDim::age: return std::string(kAgeBuckets[v]);
        }
        return std::monostate{};
    }

    std::string day_label(std::int64_t day) const {
        std::int32_t y;
        unsigned m, d;
        civil(day, y, m, d);
        return fmt::format("{:04}-{:02}-{:02}", y, m, d);
    }

private:
    std::int64_t local_day(std::int64_t ms) { return floor_div(clock_.local(floor_div(ms, 1000)), kDayS); }
    static std::int64_t weekday_of(std::int64_t day) { return ((day + 3) % 7 + 7) % 7; }  // 0 = Monday
    std::int64_t month_index(std::int64_t day) {
        if (day != cached_day_) {
            std::int32_t y;
            unsigned m, d;
            civil(day, y, m, d);
            cached_day_ = day;
            cached_month_ = static_cast<std::int64_t>(y) * 12 + (m - 1);
        }
        return cached_month_;
    }

    const Facts& f_;
    LocalClock clock_;
    std::int64_t at_ms_;
    bool spans_request_ = false;
    std::int64_t day_lo_ = 0, day_hi_ = 0, week_lo_ = 0, month_lo_ = 0, month_hi_ = 0;
    std::int64_t cached_day_ = INT64_MIN, cached_month_ = 0;
};

// Filters resolved to allowed-value tables.
class Filters {
public:
    Filters(const Facts& f, const ReportRequest& r, const Dims& dims, const AgentLabels& agents) {
        for (const auto& [dim, names] : r.filters) {
            Entry e{dim, std::vector<std::uint8_t>(dims.cardinality(dim), 0)};
            for (const auto& name : names) {
                for (std::uint32_t v = 0; v < e.allowed.size(); ++v) {
                    auto label = dims.label(dim, v, agents);
                    const auto* text = std::get_if<std::string>(&label);
                    if (text && (*text == name || (name.empty() && *text == "(none)"))) e.allowed[v] = 1;
                    if (dim == ReportDim::organisation && v == 0 && name.empty()) e.allowed[v] = 1;
                }
            }
            entries_.push_back(std::move(e));
        }
        (void)f;
    }
    bool pass(Dims& dims, std::size_t i) const {
        for (const auto& e : entries_)
            if (!e.allowed[dims.value(e.dim, i)]) return false;
        return true;
    }

private:
    struct Entry {
        ReportDim dim;
        std::vector<std::uint8_t> allowed;
    };
    std::vector<Entry> entries_;
};

// Group keys (up to three dimensions: backlog adds status and age to one) to dense group numbers.
class Groups {
public:
    Groups(std::vector<ReportDim> dims, const Dims& d) : dims_(std::move(dims)) {
        for (auto dim : dims_) card_.push_back(std::max<std::uint32_t>(d.cardinality(dim), 1));
        std::uint64_t total = 1;
        for (auto c : card_) total *= c;
        if (total <= (1u << 22)) dense_.assign(total, -1);
    }
    std::int32_t group(Dims& d, std::size_t i) {
        std::uint64_t key = 0;
        std::array<std::uint32_t, 3> values{0, 0, 0};
        for (std::size_t k = 0; k < dims_.size(); ++k) {
            values[k] = d.value(dims_[k], i);
            key = key * card_[k] + values[k];
        }
        std::int32_t* slot;
        if (!dense_.empty()) slot = &dense_[key];
        else slot = &sparse_.try_emplace(key, -1).first->second;
        if (*slot < 0) {
            *slot = static_cast<std::int32_t>(keys_.size());
            keys_.push_back(values);
        }
        return *slot;
    }
    // Adds every key of a single dimension, so a time series has no gaps.
    void add_all_values() {
        if (dims_.size() != 1) return;
        for (std::uint32_t v = 0; v < card_[0]; ++v) {
            auto& slot = dense_.empty() ? sparse_.try_emplace(v, -1).first->second : dense_[v];
            if (slot < 0) {
                slot = static_cast<std::int32_t>(keys_.size());
                keys_.push_back({v, 0, 0});
            }
        }
    }
    std::size_t size() const { return std::max<std::size_t>(keys_.size(), dims_.empty() ? 1 : 0); }
    const std::vector<ReportDim>& dims() const { return dims_; }
    const std::array<std::uint32_t, 3>& key(std::size_t g) const { return keys_[g]; }
    bool empty_dims() const { return dims_.empty(); }

    // Group numbers in output order: numeric dimensions by value, named ones by label.
    std::vector<std::size_t> order(const Dims& d, const AgentLabels& agents) const {
        std::vector<std::size_t> out(keys_.size());
        std::iota(out.begin(), out.end(), 0);
        std::vector<std::vector<ReportCell>> labels(keys_.size());
        for (std::size_t g = 0; g < keys_.size(); ++g)
            for (std::size_t k = 0; k < dims_.size(); ++k) labels[g].push_back(d.label(dims_[k], keys_[g][k], agents));
        std::sort(out.begin(), out.end(), [&](std::size_t a, std::size_t b) {
            for (std::size_t k = 0; k < dims_.size(); ++k) {
                if (is_numeric_dim(dims_[k])) {
                    if (keys_[a][k] != keys_[b][k]) return keys_[a][k] < keys_[b][k];
                } else if (labels[a][k] != labels[b][k]) {
                    return labels[a][k] < labels[b][k];
                }
            }
            return false;
        });
        return out;
    }

private:
    std::vector<ReportDim> dims_;
    std::vector<std::uint32_t> card_;
    std::vector<std::int32_t> dense_;
    std::unordered_map<std::uint64_t, std::int32_t> sparse_;
    std::vector<std::array<std::uint32_t, 3>> keys_;
};

std::pair<std::size_t, std::size_t> range_of(const Facts& f, std::optional<Timestamp> from, std::optional<Timestamp> to) {
    const auto& c = f.col.created_ms;
    std::size_t lo = 0, hi = c.size();
    if (from) lo = static_cast<std::size_t>(std::lower_bound(c.begin(), c.end(), from->time_since_epoch().count()) - c.begin());
    if (to) hi = static_cast<std::size_t>(std::lower_bound(c.begin(), c.end(), to->time_since_epoch().count()) - c.begin());
    return {lo, std::max(lo, hi)};
}

double round2(double v) { return std::round(v * 100.0) / 100.0; }

struct Stats {
    std::vector<std::int32_t> values;
    void add(std::int32_t v) {
        if (v != kNoTime) values.push_back(v);
    }
    // mean, median, p90, p95 cells; `scale` divides (seconds -> minutes).
    void cells(std::vector<ReportCell>& row, double scale) {
        if (values.empty()) {
            for (int k = 0; k < 4; ++k) row.emplace_back(std::monostate{});
            return;
        }
        double sum = 0;
        for (auto v : values) sum += v;
        row.emplace_back(round2(sum / static_cast<double>(values.size()) / scale));
        for (auto v : exact_percentiles(values, {0.5, 0.9, 0.95})) row.emplace_back(round2(v / scale));
    }
    ReportCell median(double scale) {
        if (values.empty()) return std::monostate{};
        return round2(exact_percentile(values, 0.5) / scale);
    }
};

void add_dim_columns(ReportTable& t, const Groups& g) {
    for (auto d : g.dims()) t.columns.emplace_back(dim_name(d));
}

void add_dim_cells(std::vector<ReportCell>& row, const Groups& g, std::size_t group, const Dims& d,
                   const AgentLabels& agents) {
    for (std::size_t k = 0; k < g.dims().size(); ++k) row.push_back(d.label(g.dims()[k], g.key(group)[k], agents));
}

// Runs `visit(i, group)` for every ticket of [lo, hi) that passes the filters.
template <class Visit>
void scan(std::size_t lo, std::size_t hi, Dims& dims, const Filters& filters, Groups& groups, Visit&& visit) {
    for (std::size_t i = lo; i < hi; ++i) {
        if (!filters.pass(dims, i)) continue;
        visit(i, static_cast<std::size_t>(groups.empty_dims() ? 0 : groups.group(dims, i)));
    }
}

template <class T>
void grow(std::vector<T>& v, std::size_t g) {
    if (v.size() <= g) v.resize(g + 1);
}

std::vector<std::size_t> output_order(const Groups& groups, const Dims& dims, const AgentLabels& agents, std::size_t n) {
    if (groups.empty_dims()) return std::vector<std::size_t>(n > 0 ? 1 : 0, 0);
    return groups.order(dims, agents);
}

ReportTable frequency(const Facts& f, const ReportRequest& r, const AgentLabels& agents) {
    auto [lo, hi] = range_of(f, r.from, r.to);
    Dims dims(f, r, lo, hi, 0);
    Filters filters(f, r, dims, agents);
    Groups groups(r.group_by.empty() ? std::vector<ReportDim>{ReportDim::day} : r.group_by, dims);
    if ((lo < hi || dims.spans_request()) && groups.dims().size() == 1 && is_time_dim(groups.dims()[0]))
        groups.add_all_values();
    std::vector<std::int64_t> count(groups.size(), 0);
    scan(lo, hi, dims, filters, groups, [&](std::size_t, std::size_t g) {
        grow(count, g);
        ++count[g];
    });
    ReportTable t;
    t.name = "frequency";
    add_dim_columns(t, groups);
    t.columns.emplace_back("tickets");
    for (auto g : output_order(groups, dims, agents, count.size())) {
        std::vector<ReportCell> row;
        add_dim_cells(row, groups, g, dims, agents);
        row.emplace_back(g < count.size() ? count[g] : 0);
        t.rows.push_back(std::move(row));
    }
    t.notes.emplace_back("selection", "tickets created in [from, to), bucketed by created_at in tz");
    return t;
}

ReportTable resolution(const Facts& f, const ReportRequest& r, const AgentLabels& agents) {
    auto [lo, hi] = range_of(f, r.from, r.to);
    Dims dims(f, r, lo, hi, 0);
    Filters filters(f, r, dims, agents);
    Groups groups(r.group_by, dims);
    struct Acc {
        std::int64_t tickets = 0, solved = 0, first_contact = 0;
        Stats fr_wall, fr_business, res_wall, res_business;
    };
    std::vector<Acc> acc(groups.size());
    if (groups.empty_dims() && !acc.empty())
        for (auto* s : {&acc[0].fr_wall, &acc[0].fr_business, &acc[0].res_wall, &acc[0].res_business}) s->values.reserve(hi - lo);
    const auto& c = f.col;
    scan(lo, hi, dims, filters, groups, [&](std::size_t i, std::size_t g) {
        grow(acc, g);
        auto& a = acc[g];
        ++a.tickets;
        a.fr_wall.add(c.first_response_s[i]);
        a.fr_business.add(c.first_response_bm[i]);
        if (c.solved_s[i] != kNoTime) {
            ++a.solved;
            a.res_wall.add(c.solved_s[i]);
            a.res_business.add(c.resolution_bm[i]);
            if (c.replies[i] <= 1 && c.reopens[i] == 0) ++a.first_contact;
        }
    });
    ReportTable t;
    t.name = "resolution";
    add_dim_columns(t, groups);
    for (const char* col : {"tickets", "solved", "first_contact_resolution_pct"}) t.columns.emplace_back(col);
    for (const char* metric : {"first_response_minutes", "first_response_business_minutes", "resolution_minutes",
                               "resolution_business_minutes"})
        for (const char* stat : {"mean", "median", "p90", "p95"}) t.columns.push_back(fmt::format("{}_{}", metric, stat));
    for (auto g : output_order(groups, dims, agents, acc.size())) {
        if (g >= acc.size()) continue;
        auto& a = acc[g];
        std::vector<ReportCell> row;
        add_dim_cells(row, groups, g, dims, agents);
        row.emplace_back(a.tickets);
        row.emplace_back(a.solved);
        if (a.solved > 0) row.emplace_back(round2(100.0 * static_cast<double>(a.first_contact) / static_cast<double>(a.solved)));
        else row.emplace_back(std::monostate{});
        a.fr_wall.cells(row, 60.0);
        a.fr_business.cells(row, 1.0);
        a.res_wall.cells(row, 60.0);
        a.res_business.cells(row, 1.0);
        t.rows.push_back(std::move(row));
    }
    t.notes.emplace_back("selection", "tickets created in [from, to); resolution over those solved (solved_at, else closed_at)");
    t.notes.emplace_back("percentiles", "exact nearest-rank over every ticket (no sampling); the median is p50");
    t.notes.emplace_back("business_minutes", "as the escalation engine's SLA clocks count them (ticket_sla) where it keeps them; otherwise business hours of the queue's escalation calendar (escalation.queues.NAME.calendar, else escalation.default_calendar; none: wall time)");
    t.notes.emplace_back("first_contact", "solved tickets with at most one agent reply and never reopened");
    return t;
}

ReportTable sla(const Facts& f, const ReportRequest& r, const AgentLabels& agents) {
    auto [lo, hi] = range_of(f, r.from, r.to);
    Dims dims(f, r, lo, hi, 0);
    Filters filters(f, r, dims, agents);
    Groups groups(r.group_by, dims);
    struct Acc {
        std::int64_t tickets = 0, with_target = 0, fr_met = 0, fr_breached = 0, res_met = 0, res_breached = 0, breached = 0;
        std::array<std::int64_t, 4> breached_by_tier{};
    };
    std::vector<Acc> acc(groups.size());
    const auto& c = f.col;
    const std::int64_t now_ms = r.now.time_since_epoch().count();
    // 0: no target, 1: met, 2: breached, 3: still running. A target with an escalation clock
    // is judged by the clock (SlaVerdict), others by their timestamps against the policy.
    auto judge = [&](std::size_t i, std::uint8_t clock, std::int32_t due, std::int32_t done) -> int {
        switch (clock) {
            case kSlaMet: return 1;
            case kSlaBreached: return 2;
            case kSlaPaused: return 3;
            case kSlaRunning: return (now_ms - c.created_ms[i]) / 1000 > due ? 2 : 3;
            default: break;
        }
        if (due == kNoTime) return 0;
        if (done != kNoTime) return done <= due ? 1 : 2;
        return (now_ms - c.created_ms[i]) / 1000 > due ? 2 : 3;
    };
    scan(lo, hi, dims, filters, groups, [&](std::size_t i, std::size_t g) {
        grow(acc, g);
        auto& a = acc[g];
        ++a.tickets;
        const auto responded = c.first_response_s[i] != kNoTime ? c.first_response_s[i] : c.solved_s[i];
        const int fr = judge(i, c.sla_clock[i] & 0x0F, c.first_response_due_s[i], responded);
        const int res = judge(i, c.sla_clock[i] >> 4, c.resolution_due_s[i], c.solved_s[i]);
        if (fr == 0 && res == 0) return;
        ++a.with_target;
        a.fr_met += fr == 1;
        a.fr_breached += fr == 2;
        a.res_met += res == 1;
        a.res_breached += res == 2;
        if (fr == 2 || res == 2) {
            ++a.breached;
            ++a.breached_by_tier[c.tier[i]];
        }
    });
    ReportTable t;
    t.name = "sla";
    add_dim_columns(t, groups);
    for (const char* col : {"tickets", "with_target", "first_response_met", "first_response_breached", "resolution_met",
                            "resolution_breached", "breached_tickets", "compliance_pct", "breached_l1", "breached_l2",
                            "breached_supervisor", "breached_external"})
        t.columns.emplace_back(col);
    for (auto g : output_order(groups, dims, agents, acc.size())) {
        if (g >= acc.size()) continue;
        const auto& a = acc[g];
        std::vector<ReportCell> row;
        add_dim_cells(row, groups, g, dims, agents);
        for (auto v : {a.tickets, a.with_target, a.fr_met, a.fr_breached, a.res_met, a.res_breached, a.breached})
            row.emplace_back(v);
        const auto decided = a.fr_met + a.fr_breached + a.res_met + a.res_breached;
        if (decided > 0) row.emplace_back(round2(100.0 * static_cast<double>(a.fr_met + a.res_met) / static_cast<double>(decided)));
        else row.emplace_back(std::monostate{});
        for (auto v : a.breached_by_tier) row.emplace_back(v);
        t.rows.push_back(std::move(row));
    }
    t.notes.emplace_back("targets", "tickets the escalation engine keeps SLA clocks for are judged by those clocks (ticket_sla, as the ticket_response_times view: pauses while pending or on hold subtracted); others, e.g. imported history, by the escalation.sla_policies target for the ticket's priority and customer tier, counted in business minutes of the queue's escalation calendar from created_at");
    t.notes.emplace_back("met_breached", "met: done by the deadline; breached: done after it, or not done and the deadline has passed (as of now); a ticket solved without a reply counts the solve as its first response");
    t.notes.emplace_back("compliance_pct", "targets met / targets met or breached, both targets counted");
    t.notes.emplace_back("breached_by_tier", "breached tickets by their tier now");
    return t;
}

ReportTable escalations(const Facts& f, const ReportRequest& r, const AgentLabels& agents) {
    auto [lo, hi] = range_of(f, r.from, r.to);
    Dims dims(f, r, lo, hi, 0);
    Filters filters(f, r, dims, agents);
    const auto& c = f.col;
    const std::int64_t now_ms = r.now.time_since_epoch().count();
    // (tier, reason) -> minutes spent; (partner, outcome) -> count
    std::map<std::pair<std::uint8_t, std::uint16_t>, Stats> tiers;
    std::map<std::pair<std::uint8_t, std::uint16_t>, std::int64_t> tier_counts;
    std::map<std::pair<std::uint16_t, std::uint16_t>, std::int64_t> referrals;
    std::int64_t tickets = 0, escalated = 0;
    constexpr std::uint16_t unknown_reason = 0xFFFF;
    for (std::size_t i = lo; i < hi; ++i) {
        if (!filters.pass(dims, i)) continue;
        ++tickets;
        const EscalationFacts* e = nullptr;
        if (c.escalated[i]) {
            auto it = f.escalations.find(c.id[i]);
            if (it != f.escalations.end()) e = &it->second;
        }
        if (!e && c.tier[i] == 0) continue;
        ++escalated;
        const std::int32_t end = c.solved_s[i] != kNoTime
                                     ? c.solved_s[i]
                                     : static_cast<std::int32_t>(std::max<std::int64_t>(now_ms - c.created_ms[i], 0) / 1000);
        if (!e) {  // a tier without recorded escalations (the escalation engine's own records come later)
            tier_counts[{c.tier[i], unknown_reason}]++;
            continue;
        }
        for (std::uint8_t tier = 1; tier < 4; ++tier) {
            const auto reached = e->reached_s[tier];
            if (reached == kNoTime) continue;
            std::int32_t left = end;
            for (std::uint8_t next = tier + 1; next < 4; ++next)
                if (e->reached_s[next] != kNoTime) {
                    left = e->reached_s[next];
                    break;
                }
            tier_counts[{tier, e->reason}]++;
            tiers[{tier, e->reason}].add(std::max(left - reached, 0));
        }
        if (e->partner != 0) referrals[{e->partner, e->outcome}]++;
    }
    ReportTable t;
    t.name = "escalations";
    for (const char* col : {"section", "tier", "reason", "partner", "outcome", "tickets", "mean_minutes_in_tier",
                            "median_minutes_in_tier"})
        t.columns.emplace_back(col);
    for (auto& [key, count] : tier_counts) {
        const std::string reason = key.second == unknown_reason ? std::string("(unknown)")
                                   : f.reasons.name(key.second).empty() ? std::string("(none)")
                                                                        : f.reasons.name(key.second);
        std::vector<ReportCell> row{std::string("tier"), std::string(to_string(static_cast<Tier>(key.first))), reason,
                                    std::monostate{}, std::monostate{}, count};
        auto it = tiers.find(key);
        if (it != tiers.end() && !it->second.values.empty()) {
            double sum = 0;
            for (auto v : it->second.values) sum += v;
            row.emplace_back(round2(sum / static_cast<double>(it->second.values.size()) / 60.0));
            row.push_back(it->second.median(60.0));
        } else {
            row.emplace_back(std::monostate{});
            row.emplace_back(std::monostate{});
        }
        t.rows.push_back(std::move(row));
    }
    for (const auto& [key, count] : referrals)
        t.rows.push_back({std::string("referral"), std::string("external"), std::monostate{}, f.partners.name(key.first),
                          f.outcomes.name(key.second).empty() ? std::string("(none)") : f.outcomes.name(key.second),
                          count, std::monostate{}, std::monostate{}});
    t.notes.emplace_back("tickets", std::to_string(tickets));
    t.notes.emplace_back("escalated_tickets", std::to_string(escalated));
    t.notes.emplace_back("time_in_tier", "from reaching the tier to reaching the next one, else to solved_at, else to now; wall minutes");
    t.notes.emplace_back("source", "`escalated` events (tier changes) and `referred` events from the audit log; a ticket in a tier above l1 without such events counts with reason (unknown)");
    return t;
}

ReportTable backlog(const Facts& f, const ReportRequest& r, const AgentLabels& agents) {
    const Timestamp at = r.at ? *r.at : (r.to ? std::min(*r.to, r.now) : r.now);
    const std::int64_t at_ms = at.time_since_epoch().count();
    auto [lo, hi] = range_of(f, r.from, Timestamp{milliseconds{at_ms}});
    Dims dims(f, r, lo, hi, at_ms);
    Filters filters(f, r, dims, agents);
    auto dims_list = r.group_by;
    dims_list.push_back(ReportDim::status);
    dims_list.push_back(ReportDim::age);
    if (dims_list.size() > 3) dims_list.erase(dims_list.begin() + 1, dims_list.end() - 2);  // one extra dimension at most
    Groups groups(dims_list, dims);
    std::vector<std::int64_t> count;
    const auto& c = f.col;
    scan(lo, hi, dims, filters, groups, [&](std::size_t i, std::size_t g) {
        if (c.solved_s[i] != kNoTime && c.created_ms[i] + std::int64_t{c.solved_s[i]} * 1000 <= at_ms) return;
        grow(count, g);
        ++count[g];
    });
    ReportTable t;
    t.name = "backlog";
    add_dim_columns(t, groups);
    t.columns.emplace_back("tickets");
    for (auto g : output_order(groups, dims, agents, count.size())) {
        if (g >= count.size() || count[g] == 0) continue;
        std::vector<ReportCell> row;
        add_dim_cells(row, groups, g, dims, agents);
        row.emplace_back(count[g]);
        t.rows.push_back(std::move(row));
    }
    t.notes.emplace_back("at", format_rfc3339(at));
    t.notes.emplace_back("selection", "tickets created before `at` (and at or after `from`) and not solved or closed by then; age at `at`; status is the ticket's status now (solved or closed here means it was done after `at`)");
    return t;
}

ReportTable agents_report(const Facts& f, const ReportRequest& r, const AgentLabels& agents) {
    auto [lo, hi] = range_of(f, r.from, r.to);
    Dims dims(f, r, lo, hi, 0);
    Filters filters(f, r, dims, agents);
    Groups groups({ReportDim::agent}, dims);
    struct Acc {
        std::int64_t tickets = 0, solved = 0, replies = 0;
        Stats fr, res, fr_b, res_b;
    };
    std::vector<Acc> acc;
    const auto& c = f.col;
    scan(lo, hi, dims, filters, groups, [&](std::size_t i, std::size_t g) {
        grow(acc, g);
        auto& a = acc[g];
        ++a.tickets;
        a.replies += c.replies[i];
        a.fr.add(c.first_response_s[i]);
        a.fr_b.add(c.first_response_bm[i]);
        if (c.solved_s[i] != kNoTime) {
            ++a.solved;
            a.res.add(c.solved_s[i]);
            a.res_b.add(c.resolution_bm[i]);
        }
    });
    ReportTable t;
    t.name = "agents";
    for (const char* col : {"agent", "name", "tickets", "solved", "replies", "median_first_response_minutes",
                            "median_resolution_minutes", "median_first_response_business_minutes",
                            "median_resolution_business_minutes"})
        t.columns.emplace_back(col);
    for (auto g : output_order(groups, dims, agents, acc.size())) {
        if (g >= acc.size()) continue;
        auto& a = acc[g];
        const auto v = groups.key(g)[0];
        if (v == 0) continue;  // unassigned
        auto it = agents.find(f.agent_ids[v]);
        std::vector<ReportCell> row{dims.label(ReportDim::agent, v, agents),
                                    it != agents.end() ? ReportCell{it->second.name} : ReportCell{std::monostate{}},
                                    a.tickets, a.solved, a.replies};
        row.push_back(a.fr.median(60.0));
        row.push_back(a.res.median(60.0));
        row.push_back(a.fr_b.median(1.0));
        row.push_back(a.res_b.median(1.0));
        t.rows.push_back(std::move(row));
    }
    t.notes.emplace_back("selection", "tickets created in [from, to), by their assignee now; replies are agent replies (imported counts included)");
    return t;
}

ReportTable emerging(const Facts& f, const ReportRequest& r, const AgentLabels& agents) {
    const Timestamp end = r.to ? *r.to : r.now;
    const Timestamp split = end - days{r.window_days};
    Timestamp start = split - days{r.baseline_days};
    // A baseline reaching back before the first ticket is cut to the data it has, so a young
    // history does not make everything look new.
    if (f.col.size() > 0) start = std::max(start, Timestamp{milliseconds{f.col.created_ms[0]}});
    // `from`, as for every report: the baseline starts no earlier.
    if (r.from) start = std::max(start, std::min(*r.from, split));
    const double baseline_days = std::max(0.0, duration<double, std::ratio<86400>>(split - start).count());
    auto [lo, hi] = range_of(f, start, end);
    const auto split_ms = split.time_since_epoch().count();
    Dims dims(f, r, lo, hi, 0);
    Filters filters(f, r, dims, agents);
    const auto& c = f.col;
    std::vector<std::int64_t> cat_recent(f.categories.size()), cat_base(f.categories.size());
    std::vector<std::int64_t> kw_recent(f.keywords.size()), kw_base(f.keywords.size());
    for (std::size_t i = lo; i < hi; ++i) {
        if (!filters.pass(dims, i)) continue;
        const bool recent = c.created_ms[i] >= split_ms;
        (recent ? cat_recent : cat_base)[c.category[i]]++;
        for (auto k : c.keywords[i])
            if (k != 0) (recent ? kw_recent : kw_base)[k]++;
    }
    const double p0 = static_cast<double>(r.window_days) / (r.window_days + baseline_days);
    struct Candidate {
        std::string kind, name;
        std::int64_t recent, baseline;
        double expected, ratio, p_value;
    };
    std::vector<Candidate> candidates;
    auto consider = [&](const char* kind, const std::string& name, std::int64_t k, std::int64_t b) {
        if (k < r.min_count || name.empty() || baseline_days < 1.0) return;
        const double rate_recent = static_cast<double>(k) / r.window_days;
        const double rate_base = static_cast<double>(b) / baseline_days;
        if (rate_recent <= rate_base) return;
        const double ratio = b == 0 ? std::numeric_limits<double>::infinity() : rate_recent / rate_base;
        candidates.push_back({kind, name, k, b, static_cast<double>(k + b) * p0, ratio, binomial_upper_tail(k, k + b, p0)});
    };
    for (std::size_t v = 1; v < cat_recent.size(); ++v) consider("category", f.categories.name(static_cast<std::uint32_t>(v)), cat_recent[v], cat_base[v]);
    for (std::size_t v = 1; v < kw_recent.size(); ++v) consider("keyword", f.keywords.name(static_cast<std::uint32_t>(v)), kw_recent[v], kw_base[v]);
    // Bonferroni: each of the m rising candidates is tested at alpha / m (m counts those with
    // at least min_count recent tickets and a higher recent rate).
    const double threshold = candidates.empty() ? r.alpha : r.alpha / static_cast<double>(candidates.size());
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
        if (a.p_value != b.p_value) return a.p_value < b.p_value;
        if (a.ratio != b.ratio) return a.ratio > b.ratio;
        return std::tie(a.kind, a.name) < std::tie(b.kind, b.name);
    });
    ReportTable t;
    t.name = "emerging";
    for (const char* col : {"rank", "kind", "name", "recent", "baseline", "expected", "rate_ratio", "p_value", "significant"})
        t.columns.emplace_back(col);
    std::int64_t rank = 0;
    for (const auto& cand : candidates) {
        if (rank >= r.limit) break;
        ++rank;
        t.rows.push_back({rank, cand.kind, cand.name, cand.recent, cand.baseline, round2(cand.expected),
                          std::isinf(cand.ratio) ? ReportCell{std::monostate{}} : ReportCell{round2(cand.ratio)},
                          cand.p_value, std::string(cand.p_value < threshold ? "yes" : "no")});
    }
    t.notes.emplace_back("test", fmt::format(
        "exact one-sided binomial test per category and subject keyword: with n = recent + baseline tickets, under "
        "H0 (a constant daily rate) recent ~ Binomial(n, p0), p0 = window / (window + baseline) = {}/{:.2f} days (the "
        "baseline cut to the first ticket); p_value = "
        "P(X >= recent). Tested: recent >= min_count ({}) and a higher daily rate than the baseline; significant: "
        "p_value < alpha / tested (Bonferroni, alpha {}, {} tested). Ranked by p_value, then rate ratio.",
        r.window_days, r.window_days + baseline_days, r.min_count, r.alpha, candidates.size()));
    t.notes.emplace_back("recent_window", format_rfc3339(split) + "/" + format_rfc3339(end));
    t.notes.emplace_back("baseline_window", format_rfc3339(start) + "/" + format_rfc3339(split));
    return t;
}

Result<int> parse_int(std::string_view key, const std::string& v, int min, int max) {
    int out = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc{} || end != v.data() + v.size() || out < min || out > max)
        return problem(errc::invalid_field, fmt::format("{} must be a whole number from {} to {}", key, min, max), std::string(key));
    return out;
}

// A date (local midnight in tz; `end_of_day` moves to the next midnight) or an RFC 3339 instant.
Result<Timestamp> parse_bound(std::string_view key, const std::string& v, const date::time_zone* tz, bool end_of_day) {
    if (v.size() == 10) {
        auto ymd = year_month_day{};
        int y = 0;
        unsigned m = 0, d = 0;
        if (std::sscanf(v.c_str(), "%4d-%2u-%2u", &y, &m, &d) == 3) ymd = year{y} / month{m} / day{d};
        if (!ymd.ok())
            return problem(errc::invalid_field, fmt::format("{} '{}' is not a date YYYY-MM-DD", key, v), std::string(key));
        auto local = date::local_days{date::year{y} / date::month{m} / date::day{d}};
        if (end_of_day) local += date::days{1};
        auto sys = tz->to_sys(local, date::choose::earliest);
        return Timestamp{duration_cast<milliseconds>(sys.time_since_epoch())};
    }
    if (auto t = parse_rfc3339(v)) return *t;
    return problem(errc::invalid_field, fmt::format("{} '{}' is neither a date YYYY-MM-DD nor an RFC 3339 time", key, v),
                   std::string(key));
}

// "a,b" -> a, b. A value holding a comma is quoted as in CSV: `"Acme, Inc.",Other` ->
// Acme, Inc. and Other ("" inside quotes is one quote).
std::vector<std::string> split_list(const std::string& v) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (std::size_t i = 0; i < v.size(); ++i) {
        const char c = v[i];
        if (quoted) {
            if (c != '"') out.back() += c;
            else if (i + 1 < v.size() && v[i + 1] == '"') out.back() += v[++i];
            else quoted = false;
        } else if (c == '"' && out.back().find_first_not_of(' ') == std::string::npos) {
            out.back().clear();
            quoted = true;
        } else if (c == ',') {
            out.emplace_back();
        } else {
            out.back() += c;
        }
    }
    return out;
}

void append_csv_cell(std::string& out, const ReportCell& cell) {
    std::string text;
    if (const auto* i = std::get_if<std::int64_t>(&cell)) text = std::to_string(*i);
    else if (const auto* d = std::get_if<double>(&cell)) text = fmt::format("{}", *d);
    else if (const auto* s = std::get_if<std::string>(&cell)) {
        // Text a spreadsheet would run as a formula (=HYPERLINK(...) in a customer's subject or
        // organisation) starts with a quote, as OWASP advises for CSV: shown, never run.
        if (!s->empty() && std::string_view("=+-@\t\r").find(s->front()) != std::string_view::npos) text = "'";
        text += *s;
    }
    if (text.find_first_of(",\"\r\n") == std::string::npos) {
        out += text;
        return;
    }
    out += '"';
    for (char ch : text) {
        if (ch == '"') out += '"';
        out += ch;
    }
    out += '"';
}

json::value cell_json(const ReportCell& cell) {
    if (const auto* i = std::get_if<std::int64_t>(&cell)) return *i;
    if (const auto* d = std::get_if<double>(&cell)) {
        // Whole figures as integers: Boost.JSON writes every double with an exponent ("3E1").
        if (std::isfinite(*d) && *d == std::floor(*d) && std::fabs(*d) < 1e15) return static_cast<std::int64_t>(*d);
        return *d;
    }
    if (const auto* s = std::get_if<std::string>(&cell)) return json::string(*s);
    return nullptr;
}

}  // namespace

std::int32_t exact_percentile(std::vector<std::int32_t>& values, double p) {
    if (values.empty()) return 0;
    return exact_percentiles(values, {p})[0];
}

std::vector<std::int32_t> exact_percentiles(std::vector<std::int32_t>& values, const std::vector<double>& ps) {
    std::vector<std::int32_t> out(ps.size(), 0);
    const auto n = values.size();
    if (n == 0) return out;
    std::vector<std::size_t> ranks;
    for (double p : ps) ranks.push_back(std::clamp<std::size_t>(static_cast<std::size_t>(std::ceil(p * static_cast<double>(n) - 1e-9)), 1, n));
    if (n < (1u << 16)) {
        // Successive selections on the shrinking upper part.
        auto first = values.begin();
        for (std::size_t k = 0; k < ranks.size(); ++k) {
            auto nth = values.begin() + static_cast<std::ptrdiff_t>(ranks[k] - 1);
            if (nth < first) first = values.begin();
            std::nth_element(first, nth, values.end());
            out[k] = *nth;
            first = nth;
        }
        return out;
    }
    // Radix selection over non-negative values: a histogram of the high 16 bits finds each
    // rank's bucket; one more pass histograms the low 16 bits inside those buckets.
    std::vector<std::uint32_t> high_hist(1u << 16);
    for (auto v : values) ++high_hist[static_cast<std::uint32_t>(std::max(v, 0)) >> 16];
    std::vector<std::uint32_t> bucket(ranks.size());
    std::vector<std::size_t> below(ranks.size());
    for (std::size_t k = 0; k < ranks.size(); ++k) {
        std::size_t seen = 0;
        std::uint32_t high = 0;
        for (; high < high_hist.size(); ++high) {
            if (seen + high_hist[high] >= ranks[k]) break;
            seen += high_hist[high];
        }
        bucket[k] = high;
        below[k] = seen;
    }
    std::vector<std::uint32_t> distinct;
    for (std::size_t k = 0; k < ranks.size(); ++k) {
        if (std::find(distinct.begin(), distinct.end(), bucket[k]) == distinct.end()) distinct.push_back(bucket[k]);
    }
    std::vector<std::vector<std::uint32_t>> per_bucket(distinct.size(), std::vector<std::uint32_t>(1u << 16));
    for (auto v : values) {
        const auto u = static_cast<std::uint32_t>(std::max(v, 0));
        const auto high = u >> 16;
        for (std::size_t b = 0; b < distinct.size(); ++b)
            if (distinct[b] == high) ++per_bucket[b][u & 0xFFFF];
    }
    for (std::size_t k = 0; k < ranks.size(); ++k) {
        const auto b = static_cast<std::size_t>(std::find(distinct.begin(), distinct.end(), bucket[k]) - distinct.begin());
        std::size_t seen = below[k];
        std::uint32_t low = 0;
        for (; low < (1u << 16); ++low) {
            if (seen + per_bucket[b][low] >= ranks[k]) break;
            seen += per_bucket[b][low];
        }
        out[k] = static_cast<std::int32_t>((bucket[k] << 16) | low);
    }
    return out;
}

double binomial_upper_tail(std::int64_t k, std::int64_t n, double p) {
    if (k <= 0) return 1.0;
    if (k > n) return 0.0;
    if (p <= 0) return 0.0;
    if (p >= 1) return 1.0;
    // P(X >= k) = I_p(k, n - k + 1), the regularised incomplete beta function.
    return boost::math::ibeta(static_cast<double>(k), static_cast<double>(n - k + 1), p);
}

Result<ReportRequest> parse_report_request(std::string_view name,
                                           const std::vector<std::pair<std::string, std::string>>& params,
                                           std::string_view default_tz, Timestamp now) {
    static constexpr std::string_view kNames[] = {"frequency", "resolution", "sla", "escalations", "backlog", "agents", "emerging"};
    if (std::find(std::begin(kNames), std::end(kNames), name) == std::end(kNames))
        return problem(errc::not_found, fmt::format("no report '{}' (there are frequency, resolution, sla, escalations, "
                                                    "backlog, agents, emerging)", name));
    // A parameter given twice is a mistake to report, not one to settle by taking either.
    for (std::size_t i = 0; i < params.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (params[j].first == params[i].first)
                return problem(errc::invalid_field, fmt::format("{} is given twice", params[i].first), params[i].first);
    ReportRequest r;
    r.name = std::string(name);
    r.now = now;
    r.tz_name = std::string(default_tz.empty() ? "UTC" : default_tz);
    for (const auto& [k, v] : params)
        if (k == "tz") r.tz_name = v;
    try {
        r.tz = date::locate_zone(r.tz_name);
    } catch (const std::exception&) {
        return problem(errc::invalid_field, fmt::format("tz '{}' is not an IANA time zone such as Europe/Helsinki", r.tz_name), "tz");
    }
    for (const auto& [k, v] : params) {
        if (k == "tz") continue;
        if (k == "from") {
            TRIAGE_TRY(r.from, parse_bound(k, v, r.tz, false));
        } else if (k == "to") {
            TRIAGE_TRY(r.to, parse_bound(k, v, r.tz, true));
        } else if (k == "at") {
            TRIAGE_TRY(r.at, parse_bound(k, v, r.tz, false));
        } else if (k == "format") {
            if (v != "json" && v != "csv") return problem(errc::invalid_field, "format must be json or csv", "format");
            r.format = v;
        } else if (k == "group_by") {
            for (const auto& part : split_list(v)) {
                auto d = parse_dim(part);
                if (!d || *d == ReportDim::age)
                    return problem(errc::invalid_field,
                                   fmt::format("group_by '{}' is not one of channel, queue, category, language, priority, "
                                               "organisation, status, tier, agent, hour, weekday, day, week, month", part),
                                   "group_by");
                if (std::find(r.group_by.begin(), r.group_by.end(), *d) != r.group_by.end())
                    return problem(errc::invalid_field, fmt::format("group_by names '{}' twice", part), "group_by");
                r.group_by.push_back(*d);
            }
            if (r.group_by.size() > 2) return problem(errc::invalid_field, "group_by takes one or two dimensions", "group_by");
        } else if (k == "window") {
            TRIAGE_TRY(r.window_days, parse_int(k, v, 1, 366));
        } else if (k == "baseline") {
            TRIAGE_TRY(r.baseline_days, parse_int(k, v, 1, 3660));
        } else if (k == "min_count") {
            TRIAGE_TRY(r.min_count, parse_int(k, v, 1, 1000000));
        } else if (k == "limit") {
            TRIAGE_TRY(r.limit, parse_int(k, v, 1, 10000));
        } else if (k == "alpha") {
            char* end = nullptr;
            r.alpha = std::strtod(v.c_str(), &end);
            if (v.empty() || *end != '\0' || !(r.alpha > 0 && r.alpha < 1))
                return problem(errc::invalid_field, "alpha must be a number between 0 and 1", "alpha");
        } else if (auto d = parse_dim(k); d && !is_time_dim(*d) && *d != ReportDim::age) {
            auto values = split_list(v);
            // Fields with a fixed set of values: a misspelt one is an error, not an empty report.
            for (const auto& value : values) {
                const char* allowed = nullptr;
                if (*d == ReportDim::channel && !parse_channel(value)) allowed = "email, fax, web, phone, api";
                else if (*d == ReportDim::priority && !parse_priority(value)) allowed = "low, normal, high, urgent";
                else if (*d == ReportDim::status && !parse_status(value))
                    allowed = "new, open, pending, on_hold, solved, closed";
                else if (*d == ReportDim::tier && !parse_tier(value)) allowed = "L1, L2, supervisor, external";
                if (allowed)
                    return problem(errc::invalid_field, fmt::format("{} '{}' is not one of {}", k, value, allowed), k);
            }
            r.filters.emplace_back(*d, std::move(values));
        } else {
            return problem(errc::invalid_field, fmt::format("unknown parameter {}", k), k);
        }
    }
    if (r.from && r.to && *r.to <= *r.from) return problem(errc::invalid_field, "to must be after from", "to");
    // Reports whose rows have their own shape: a group_by would be silently ignored.
    if (!r.group_by.empty() && (r.name == "escalations" || r.name == "agents" || r.name == "emerging"))
        return problem(errc::invalid_field,
                       fmt::format("{} takes no group_by (its rows are {})", r.name,
                                   r.name == "escalations" ? "by tier" : r.name == "agents" ? "by agent" : "by category and keyword"),
                       "group_by");
    // `at` is the backlog's instant: elsewhere it would be silently ignored, and beside `to`
    // one of the two would be.
    if (r.at && r.name != "backlog")
        return problem(errc::invalid_field, fmt::format("{} takes no at (only backlog counts at one instant; use from and to)", r.name),
                       "at");
    if (r.at && r.to && r.name == "backlog")
        return problem(errc::invalid_field, "backlog counts the tickets open at one instant: give at or to, not both", "at");
    if (r.name == "backlog" && r.group_by.size() > 1)
        return problem(errc::invalid_field, "backlog takes one group_by dimension (its rows are grouped by status and age too)",
                       "group_by");
    return r;
}

ReportTable run_report(const Facts& facts, const ReportRequest& r, const AgentLabels& agents) {
    if (r.name == "frequency") return frequency(facts, r, agents);
    if (r.name == "resolution") return resolution(facts, r, agents);
    if (r.name == "sla") return sla(facts, r, agents);
    if (r.name == "escalations") return escalations(facts, r, agents);
    if (r.name == "backlog") return backlog(facts, r, agents);
    if (r.name == "agents") return agents_report(facts, r, agents);
    return emerging(facts, r, agents);
}

std::string to_csv(const ReportTable& t) {
    std::string out;
    for (std::size_t k = 0; k < t.columns.size(); ++k) {
        if (k) out += ',';
        append_csv_cell(out, t.columns[k]);
    }
    out += "\r\n";
    for (const auto& row : t.rows) {
        for (std::size_t k = 0; k < row.size(); ++k) {
            if (k) out += ',';
            append_csv_cell(out, row[k]);
        }
        out += "\r\n";
    }
    return out;
}

json::value to_json(const ReportTable& t, const ReportRequest& r) {
    json::object o;
    o["report"] = t.name;
    o["from"] = r.from ? json::value(format_rfc3339(*r.from)) : json::value(nullptr);
    o["to"] = r.to ? json::value(format_rfc3339(*r.to)) : json::value(nullptr);
    o["tz"] = r.tz_name;
    o["generated_at"] = format_rfc3339(r.now);
    json::array columns;
    for (const auto& c : t.columns) columns.emplace_back(c);
    o["columns"] = std::move(columns);
    json::array rows;
    rows.reserve(t.rows.size());
    for (const auto& row : t.rows) {
        json::object obj;
        for (std::size_t k = 0; k < row.size() && k < t.columns.size(); ++k) obj[t.columns[k]] = cell_json(row[k]);
        rows.push_back(std::move(obj));
    }
    o["rows"] = std::move(rows);
    json::object notes;
    for (const auto& [k, v] : t.notes) notes[k] = v;
    o["notes"] = std::move(notes);
    return o;
}

}  // namespace triage::server
