// Weekly report: the previous week's headline figures as an HTML summary with every report's
// CSV attached, built as a MIME message with GMime and handed to a ReportMailer, on a
// schedule in the reports' time zone (reports.weekly). With email.relay set the mailer is
// OutboxReportMailer: a ticketless outbox row the email sender delivers like any other mail;
// without a relay, SpoolDirMailer: one .eml file per message in a spool directory.
// build/compose are pure over App's facts (thread-safe); the scheduler lives on one io_context.
#pragma once

#include "server/app.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace triage::server {

struct WeeklyReport {
    std::string subject;
    std::string html;
    std::vector<std::pair<std::string, std::string>> attachments;  // file name, CSV (UTF-8, RFC 4180)
    std::string week;  // "2026-11-23" (its Monday, local)
};

// The week (Monday to Sunday, in config().reports.time_zone) before the one containing `now`.
WeeklyReport build_weekly_report(App& app, Timestamp now);

// RFC 5322 bytes: multipart/mixed with the HTML summary and the CSVs as attachments.
// `message_id`, when given, receives its Message-ID ("<...>").
std::string compose_weekly_email(const WeeklyReport& report, const std::string& from,
                                 const std::vector<std::string>& to, Timestamp date, std::string* message_id = nullptr);

// Where finished messages go: the outbound mail queue, once it exists.
class ReportMailer {
public:
    virtual ~ReportMailer() = default;
    // Takes a complete message for `recipients`; `label` names it (e.g. the week); returns
    // where it went (for the log).
    virtual std::string enqueue(const std::string& message, const std::vector<std::string>& recipients,
                                std::string_view label, std::string_view message_id) = 0;
};

// Queues the message in the durable outbox as one row of kind report (no ticket; every
// recipient in one SMTP transaction), committed before it returns, and wakes the sender.
// Thread-safe; blocks for the commit, so not on an I/O thread.
class OutboxReportMailer final : public ReportMailer {
public:
    explicit OutboxReportMailer(App& app) : app_(app) {}
    std::string enqueue(const std::string& message, const std::vector<std::string>& recipients, std::string_view label,
                        std::string_view message_id) override;

private:
    App& app_;
};

// The mailer a config asks for: the outbox when email.relay is set, else the spool directory.
std::unique_ptr<ReportMailer> weekly_report_mailer(App& app);

// Builds last week's report now, composes it and hands it to `mailer`; returns where it went.
std::string send_weekly_report(App& app, ReportMailer& mailer, Timestamp now);

// Writes each message as <dir>/weekly-report-<label>-<pid>-<n>.eml (created whole: written to a
// temporary name, fsynced, then renamed). Thread-safe.
class SpoolDirMailer final : public ReportMailer {
public:
    explicit SpoolDirMailer(std::filesystem::path dir) : dir_(std::move(dir)) {}
    std::string enqueue(const std::string& message, const std::vector<std::string>& recipients, std::string_view label,
                        std::string_view message_id) override;

private:
    std::filesystem::path dir_;
};

// The spool directory of a config: reports.weekly.spool_dir, else <data_dir>/outbox-spool.
std::filesystem::path weekly_spool_dir(const Config& config);

// The next instant strictly after `now` when the local wall clock in `time_zone` shows
// `weekday` at `time_of_day` (a time skipped by DST means the instant the clocks jump).
Timestamp next_weekly_run(Timestamp now, std::chrono::weekday weekday, std::chrono::minutes time_of_day,
                          std::string_view time_zone);

// Builds and enqueues the weekly report at each scheduled time. Building runs on `blocking`.
class WeeklyReportScheduler {
public:
    WeeklyReportScheduler(boost::asio::io_context& ioc, boost::asio::thread_pool& blocking, App& app, ReportMailer& mailer);
    void start();  // does nothing when no managers are configured
    void stop();

private:
    void arm();

    boost::asio::thread_pool& blocking_;
    App& app_;
    ReportMailer& mailer_;
    boost::asio::steady_timer timer_;
};

}  // namespace triage::server
