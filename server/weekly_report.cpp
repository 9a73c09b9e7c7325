#include "server/weekly_report.hpp"

#include "channels/mime_gobject.hpp"
#include "engine/text.hpp"
#include "engine/time_format.hpp"
#include "server/reports.hpp"

#include <date/tz.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <stdexcept>

namespace triage::server {
namespace {

using namespace std::chrono;

std::string escape_html(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '&': out += "&amp;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string cell_text(const ReportCell& c) {
    if (const auto* i = std::get_if<std::int64_t>(&c)) return std::to_string(*i);
    if (const auto* d = std::get_if<double>(&c)) return fmt::format("{}", *d);
    if (const auto* s = std::get_if<std::string>(&c)) return *s;
    return "–";
}

const ReportCell* find_cell(const ReportTable& t, std::size_t row, std::string_view column) {
    for (std::size_t k = 0; k < t.columns.size(); ++k)
        if (t.columns[k] == column && row < t.rows.size()) return &t.rows[row][k];
    return nullptr;
}

std::string html_table(const ReportTable& t, const std::vector<std::string>& columns) {
    std::string out = "<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\"><tr>";
    for (const auto& c : columns) out += "<th>" + escape_html(c) + "</th>";
    out += "</tr>";
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
        out += "<tr>";
        for (const auto& c : columns) {
            const auto* cell = find_cell(t, r, c);
            out += "<td>" + escape_html(cell ? cell_text(*cell) : "") + "</td>";
        }
        out += "</tr>";
    }
    return out + "</table>";
}

}  // namespace

std::filesystem::path weekly_spool_dir(const Config& config) {
    return config.reports.weekly.spool_dir.empty() ? config.data_dir / "outbox-spool" : config.reports.weekly.spool_dir;
}

Timestamp next_weekly_run(Timestamp now, std::chrono::weekday weekday, std::chrono::minutes time_of_day,
                          std::string_view time_zone) {
    const auto* tz = date::locate_zone(time_zone);
    const auto local_now = tz->to_local(date::sys_seconds{floor<seconds>(now).time_since_epoch()});
    auto day = date::floor<date::days>(local_now);
    for (int i = 0; i < 15; ++i, day += date::days{1}) {
        if (date::weekday{day}.c_encoding() != weekday.c_encoding()) continue;
        const auto local = date::local_seconds{day.time_since_epoch()} + duration_cast<seconds>(time_of_day);
        const auto info = tz->get_info(local);
        date::sys_seconds at;
        if (info.result == date::local_info::nonexistent) at = info.first.end;  // the clocks jump over it
        else at = tz->to_sys(local, date::choose::earliest);
        const Timestamp t{duration_cast<milliseconds>(at.time_since_epoch())};
        if (t > now) return t;
    }
    throw std::logic_error("next_weekly_run: no run within two weeks");
}

WeeklyReport build_weekly_report(App& app, Timestamp now) {
    const auto& zone = app.config().reports.time_zone;
    const auto* tz = date::locate_zone(zone);
    const auto local_today = date::floor<date::days>(tz->to_local(date::sys_seconds{floor<seconds>(now).time_since_epoch()}));
    const auto this_monday = local_today - date::days{(date::weekday{local_today}.c_encoding() + 6) % 7};
    const auto monday = this_monday - date::days{7};
    const auto sunday = this_monday - date::days{1};
    const auto from = date::format("%F", monday), to = date::format("%F", sunday);

    AgentLabels agents;
    for (auto& a : app.store().reader()->agents()) agents[a.id] = {a.email, a.name};
    auto run = [&](std::string_view name, std::vector<std::pair<std::string, std::string>> params, bool week = true) {
        if (week) {
            params.emplace_back("from", from);
            params.emplace_back("to", to);
        } else {
            params.emplace_back("to", to);
        }
        auto request = parse_report_request(name, params, zone, now);
        if (!request) throw std::runtime_error(request.error().message);
        return app.reports().with_facts([&](const Facts& f) { return run_report(f, *request, agents); });
    };
    auto frequency = run("frequency", {{"group_by", "day"}});
    auto by_channel = run("frequency", {{"group_by", "channel"}});
    auto resolution = run("resolution", {});
    auto resolution_by_queue = run("resolution", {{"group_by", "queue"}});
    auto sla = run("sla", {});
    auto sla_by_queue = run("sla", {{"group_by", "queue"}});
    auto backlog = run("backlog", {}, false);
    auto agents_table = run("agents", {});
    auto escalations = run("escalations", {});
    auto emerging = run("emerging", {}, false);

    std::int64_t created = 0, open = 0;
    for (const auto& r : frequency.rows) created += std::get<std::int64_t>(r.back());
    for (const auto& r : backlog.rows) open += std::get<std::int64_t>(r.back());
    auto headline = [&](const ReportTable& t, std::string_view column) {
        const auto* c = find_cell(t, 0, column);
        return c ? cell_text(*c) : std::string("–");
    };
    WeeklyReport out;
    out.week = from;
    out.subject = fmt::format("Help desk weekly report {} – {}", from, to);
    std::string html = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + escape_html(out.subject) +
                       "</title></head><body style=\"font-family:sans-serif\">";
    html += "<h1>" + escape_html(out.subject) + "</h1>";
    html += fmt::format("<p>Week {} to {} ({}). The attached CSV files hold every figure.</p>", from, to, escape_html(zone));
    html += "<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\">";
    auto line = [&](std::string_view label, const std::string& value) {
        html += "<tr><th align=\"left\">" + escape_html(label) + "</th><td>" + escape_html(value) + "</td></tr>";
    };
    line("Tickets created", std::to_string(created));
    line("Tickets solved (of those created)", headline(resolution, "solved"));
    line("Median first response (minutes)", headline(resolution, "first_response_minutes_median"));
    line("Median first response (business minutes)", headline(resolution, "first_response_business_minutes_median"));
    line("Median resolution (business minutes)", headline(resolution, "resolution_business_minutes_median"));
    line("Solved on first contact (%)", headline(resolution, "first_contact_resolution_pct"));
    line("SLA compliance (%)", headline(sla, "compliance_pct"));
    line("SLA breached tickets", headline(sla, "breached_tickets"));
    line("Open at the end of the week", std::to_string(open));
    html += "</table>";
    html += "<h2>By queue</h2>" + html_table(resolution_by_queue, {"queue", "tickets", "solved", "first_response_minutes_median",
                                                                  "resolution_business_minutes_median", "first_contact_resolution_pct"});
    html += "<h2>SLA by queue</h2>" + html_table(sla_by_queue, {"queue", "with_target", "breached_tickets", "compliance_pct"});
    html += "<h2>By channel</h2>" + html_table(by_channel, {"channel", "tickets"});
    ReportTable rising = emerging;
    std::erase_if(rising.rows, [&](const std::vector<ReportCell>& r) { return r.back() != ReportCell{std::string("yes")}; });
    if (rising.rows.size() > 10) rising.rows.resize(10);
    html += "<h2>Emerging issues</h2>";
    if (rising.rows.empty()) html += "<p>Nothing rose significantly above its baseline.</p>";
    else html += html_table(rising, {"kind", "name", "recent", "baseline", "rate_ratio", "p_value"});
    html += "</body></html>\n";
    out.html = std::move(html);
    out.attachments = {{"frequency-by-day.csv", to_csv(frequency)},   {"frequency-by-channel.csv", to_csv(by_channel)},
                       {"resolution-by-queue.csv", to_csv(resolution_by_queue)}, {"sla-by-queue.csv", to_csv(sla_by_queue)},
                       {"backlog.csv", to_csv(backlog)},               {"agents.csv", to_csv(agents_table)},
                       {"escalations.csv", to_csv(escalations)},       {"emerging.csv", to_csv(emerging)}};
    return out;
}

std::string compose_weekly_email(const WeeklyReport& report, const std::string& from, const std::vector<std::string>& to,
                                 Timestamp date, std::string* message_id) {
    using namespace channels;
    ensure_gmime();
    auto message = adopt(g_mime_message_new(TRUE));
    g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_FROM, "Triage reports", from.c_str());
    for (const auto& address : to) g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_TO, nullptr, address.c_str());
    g_mime_message_set_subject(message.get(), report.subject.c_str(), "utf-8");
    auto* when = g_date_time_new_from_unix_utc(duration_cast<seconds>(date.time_since_epoch()).count());
    g_mime_message_set_date(message.get(), when);
    g_date_time_unref(when);
    const auto domain = from.substr(from.find('@') + 1);
    GCharPtr id(g_mime_utils_generate_message_id(domain.c_str()));
    g_mime_message_set_message_id(message.get(), id.get());
    if (message_id) *message_id = "<" + std::string(id.get()) + ">";

    auto mixed = adopt(g_mime_multipart_new_with_subtype("mixed"));
    auto html = adopt(g_mime_text_part_new_with_subtype("html"));
    g_mime_text_part_set_text(html.get(), report.html.c_str());
    // Quoted-printable: the page is long lines of UTF-8, and a mail line may hold 998 bytes at
    // most (RFC 5322 2.1.1); as 8bit, a strict relay refuses it or breaks the HTML.
    g_mime_part_set_content_encoding(GMIME_PART(html.get()), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
    g_mime_multipart_add(mixed.get(), GMIME_OBJECT(html.get()));
    for (const auto& [name, csv] : report.attachments) {
        auto part = adopt(g_mime_part_new_with_type("text", "csv"));
        g_mime_object_set_content_type_parameter(GMIME_OBJECT(part.get()), "charset", "utf-8");
        g_mime_object_set_content_type_parameter(GMIME_OBJECT(part.get()), "header", "present");
        g_mime_part_set_filename(part.get(), name.c_str());
        auto stream = adopt(g_mime_stream_mem_new_with_buffer(csv.data(), csv.size()));
        auto content = adopt(g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
        g_mime_part_set_content(part.get(), content.get());
        // Base64 keeps the CSV's CRLF line ends and UTF-8 bytes exactly.
        g_mime_part_set_content_encoding(part.get(), GMIME_CONTENT_ENCODING_BASE64);
        g_mime_multipart_add(mixed.get(), GMIME_OBJECT(part.get()));
    }
    g_mime_message_set_mime_part(message.get(), GMIME_OBJECT(mixed.get()));
    GCharPtr text(g_mime_object_to_string(GMIME_OBJECT(message.get()), nullptr));
    return std::string(text.get());
}

std::string OutboxReportMailer::enqueue(const std::string& message, const std::vector<std::string>& recipients,
                                       std::string_view label, std::string_view message_id) {
    const auto& weekly = app_.config().reports.weekly;
    OutboundMail mail;
    mail.kind = OutboundKind::report;
    mail.rfc_message_id = std::string(message_id);
    mail.from_name = "Triage reports";
    mail.from_address = weekly.from;
    for (const auto& r : recipients) mail.to_address += (mail.to_address.empty() ? "" : ", ") + ascii_lower(r);
    mail.subject = fmt::format("weekly report, week of {}", label);
    mail.body = "";
    mail.raw = message;
    mail.created_at = mail.next_attempt_at = app_.clock().system_now();
    const auto id = write_sync(app_.store(), [&](StoreTx& tx) { return tx.insert_outbound(mail); });
    app_.mail_queued();
    return fmt::format("the outbox (row {}, {})", id, mail.rfc_message_id);
}

std::unique_ptr<ReportMailer> weekly_report_mailer(App& app) {
    if (app.config().email.relay) return std::make_unique<OutboxReportMailer>(app);
    return std::make_unique<SpoolDirMailer>(weekly_spool_dir(app.config()));
}

std::string send_weekly_report(App& app, ReportMailer& mailer, Timestamp now) {
    const auto& weekly = app.config().reports.weekly;
    auto report = build_weekly_report(app, now);
    std::string message_id;
    auto message = compose_weekly_email(report, weekly.from, weekly.managers, now, &message_id);
    auto where = mailer.enqueue(message, weekly.managers, report.week, message_id);
    spdlog::info("weekly report for the week of {} queued to {} manager(s): {}", report.week, weekly.managers.size(), where);
    return where;
}

std::string SpoolDirMailer::enqueue(const std::string& message, const std::vector<std::string>&, std::string_view label,
                                    std::string_view) {
    static std::atomic<unsigned> serial{0};
    std::filesystem::create_directories(dir_);
    const auto n = serial++;
    const auto name = fmt::format("weekly-report-{}-{}-{}.eml", label, ::getpid(), n);
    const auto tmp = dir_ / ("." + name + ".tmp");
    {
        int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) throw std::runtime_error(fmt::format("cannot write {}", tmp.string()));
        std::size_t done = 0;
        while (done < message.size()) {
            auto w = ::write(fd, message.data() + done, message.size() - done);
            if (w <= 0) {
                ::close(fd);
                throw std::runtime_error(fmt::format("cannot write {}", tmp.string()));
            }
            done += static_cast<std::size_t>(w);
        }
        ::fsync(fd);
        ::close(fd);
    }
    std::filesystem::rename(tmp, dir_ / name);
    return (dir_ / name).string();
}

WeeklyReportScheduler::WeeklyReportScheduler(boost::asio::io_context& ioc, boost::asio::thread_pool& blocking, App& app,
                                             ReportMailer& mailer)
    : blocking_(blocking), app_(app), mailer_(mailer), timer_(ioc) {}

void WeeklyReportScheduler::start() {
    if (app_.config().reports.weekly.managers.empty()) return;
    arm();
}

void WeeklyReportScheduler::stop() { timer_.cancel(); }

void WeeklyReportScheduler::arm() {
    const auto& weekly = app_.config().reports.weekly;
    const auto now = app_.clock().system_now();
    const auto next = next_weekly_run(now, weekly.weekday, weekly.time_of_day, app_.config().reports.time_zone);
    spdlog::info("weekly report to {} manager(s) scheduled for {}", weekly.managers.size(), format_rfc3339(next));
    timer_.expires_after(next - now);
    timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;  // cancelled
        boost::asio::post(blocking_, [this] {
            try {
                send_weekly_report(app_, mailer_, app_.clock().system_now());
            } catch (const std::exception& e) {
                spdlog::error("weekly report failed: {}", e.what());
            }
        });
        arm();
    });
}

}  // namespace triage::server
