#include "server/email_sender.hpp"

#include "channels/email_builder.hpp"
#include "channels/smtp_client.hpp"
#include "engine/acknowledgement.hpp"
#include "server/store_async.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <cstdlib>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace triage::server {
namespace asio = boost::asio;

namespace {

constexpr int kRowsPerPass = 64;

// Test hook: TRIAGE_CRASH_FOR_TEST=outbox_after_relay_accepted kills the process (SIGKILL,
// as a power cut would) after the relay's 250 and before the row is marked sent.
void crash_point_for_test(std::string_view point) {
    static const char* armed = std::getenv("TRIAGE_CRASH_FOR_TEST");
    if (armed && point == armed) {
        spdlog::default_logger()->flush();
        std::raise(SIGKILL);
    }
}

struct Written {
    bool ok = true;
    bool has_error() const { return !ok; }
};

}  // namespace

EmailSender::EmailSender(App& app, asio::io_context& ioc) : app_(app), strand_(asio::make_strand(ioc)), timer_(strand_) {}

void EmailSender::start() {
    asio::co_spawn(strand_, run(), [](std::exception_ptr e) {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            spdlog::error("email sender stopped: {}", ex.what());
        }
    });
}

void EmailSender::wake() {
    wake_pending_ = true;
    asio::post(strand_, [this] { timer_.cancel(); });
}

void EmailSender::stop() {
    stopping_ = true;
    wake();
}

asio::awaitable<void> EmailSender::run() {
    const auto& relay = *app_.config().email.relay;
    spdlog::info("email sender: relaying through {}:{}", relay.host, relay.port);
    bool first_pass = true;
    while (!stopping_) {
        wake_pending_ = false;
        auto rows = app_.store().reader()->outbound_unsent(kRowsPerPass);
        const Timestamp now = app_.clock().system_now();
        // Idle, it looks again after email.outbox.poll_ms: rows another process queued in the
        // same database (`triage import-maildir`'s acknowledgements) have no wake() to call.
        Timestamp next = now + std::chrono::milliseconds(app_.config().email.poll_ms);
        bool delivered_any = false;
        for (auto& row : rows) {
            if (stopping_) co_return;
            // `sending` on the first pass: left by a process that died between the final dot
            // and recording the relay's answer. Later it cannot be seen: one delivery at a time.
            const bool recovered = first_pass && row.state == OutboundState::sending;
            if (row.next_attempt_at <= now || recovered) {
                delivering_ = true;
                co_await deliver(std::move(row), recovered);
                delivering_ = false;
                delivered_any = true;
            } else {
                next = std::min(next, row.next_attempt_at);
            }
        }
        first_pass = false;
        if (delivered_any || rows.size() == static_cast<std::size_t>(kRowsPerPass) || wake_pending_) continue;
        timer_.expires_after(std::chrono::duration_cast<std::chrono::milliseconds>(next - now) +
                             std::chrono::milliseconds(1));
        boost::system::error_code ec;
        co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

asio::awaitable<void> EmailSender::finish(OutboundMail mail, std::string event_type, std::string detail) {
    auto work = [mail, event_type, detail, now = app_.clock().system_now()](StoreTx& tx) {
        tx.update_outbound(mail);
        if (!event_type.empty() && mail.ticket_id != 0) {  // a report belongs to no ticket: the log tells
            TicketEvent e;
            e.ticket_id = mail.ticket_id;
            e.at = now;
            e.actor = "system";
            e.type = event_type;
            e.detail = detail;
            tx.append_event(e);
        }
        return Written{};
    };
    co_await write_async<Written>(app_.store(), std::move(work));
}

asio::awaitable<void> EmailSender::deliver(OutboundMail mail, bool recovered) {
    const auto& email = app_.config().email;
    const Timestamp now = app_.clock().system_now();
    if (recovered) {
        if (!email.resend_uncertain) {
            mail.state = OutboundState::failed;
            mail.last_error = "uncertain: the process stopped after sending it and before the relay's answer was recorded;"
                              " not resent (email.outbox.resend_uncertain is off)";
            spdlog::warn("email {}: {}", mail.rfc_message_id, mail.last_error);
            co_await finish(mail, "email_uncertain", mail.rfc_message_id + ": " + mail.last_error);
            co_return;
        }
        spdlog::warn("email {}: the relay may already have it (a stop between sending and recording); resending the"
                     " same message with the same Message-ID",
                     mail.rfc_message_id);
    }
    // A report goes to every manager at once; other mail to one address.
    std::vector<std::string> recipients;
    if (mail.kind == OutboundKind::report) {
        for (std::size_t start = 0; start < mail.to_address.size();) {
            auto end = mail.to_address.find(',', start);
            if (end == std::string::npos) end = mail.to_address.size();
            auto one = mail.to_address.substr(start, end - start);
            one.erase(0, one.find_first_not_of(' '));
            if (!one.empty()) recipients.push_back(address_for_smtp(one));
            start = end + 1;
        }
    } else {
        recipients = {address_for_smtp(mail.to_address)};
    }
    for (const auto& f : app_.store().reader()->identity_flags({IdentityKind::email, mail.to_address})) {
        if (f.flag != kBouncingFlag) continue;
        mail.state = OutboundState::failed;
        mail.last_error = "not sent: the address is bouncing (" + f.detail + ")";
        co_await finish(mail, "email_failed", fmt::format("{} to {}: {}", mail.rfc_message_id, mail.to_address, mail.last_error));
        co_return;
    }

    channels::OutgoingEmail out;
    out.from_name = mail.from_name;
    out.from_address = mail.from_address;
    out.to_name = mail.to_name;
    out.to_address = address_for_smtp(mail.to_address);  // identities keep the Unicode domain
    out.reply_to = mail.reply_to;
    out.subject = mail.subject;
    out.body = mail.body;
    out.message_id = mail.rfc_message_id;
    out.in_reply_to = mail.in_reply_to;
    out.references = mail.references;
    out.auto_submitted = mail.kind == OutboundKind::acknowledgement || mail.kind == OutboundKind::auto_reply;
    out.auto_generated = mail.kind == OutboundKind::notice;
    out.date = mail.created_at;
    channels::SmtpSubmission submission;
    submission.helo = email.hostname;
    // Acknowledgements and rules' automatic replies go with the null return path (RFC 3834
    // 5.1): their bounces are not answered.
    submission.mail_from = out.auto_submitted ? "" : mail.from_address;
    submission.recipients = recipients;
    // A report is composed whole when queued (multipart with its CSVs): sent as it is.
    submission.data = mail.kind == OutboundKind::report ? mail.raw : channels::build_email(out);

    const int attempt = mail.attempts + 1;
    OutboundMail sending = mail;
    sending.state = OutboundState::sending;
    sending.attempts = attempt;
    channels::BeforeFinalDot mark_sending = [this, sending]() { return finish(sending, "", ""); };
    auto result = co_await channels::smtp_submit(strand_, email.relay->host, email.relay->port, std::move(submission),
                                                 mark_sending);
    mail.attempts = attempt;
    const auto detail = [&] { return fmt::format("{} to {}: {}", mail.rfc_message_id, mail.to_address, result.text); };
    switch (result.outcome) {
        case channels::SmtpOutcome::delivered:
            crash_point_for_test("outbox_after_relay_accepted");
            mail.state = OutboundState::sent;
            mail.sent_at = app_.clock().system_now();
            mail.last_error.clear();
            spdlog::info("email {} to {} sent: {} {}", mail.rfc_message_id, mail.to_address, result.code, result.text);
            co_await finish(mail, "email_sent", detail());
            co_return;
        case channels::SmtpOutcome::permanent:
            mail.state = OutboundState::failed;
            mail.last_error = result.text;
            spdlog::warn("email {} to {} refused: {}", mail.rfc_message_id, mail.to_address, result.text);
            co_await finish(mail, "email_failed", detail());
            co_return;
        case channels::SmtpOutcome::uncertain:
            if (!email.resend_uncertain) {
                mail.state = OutboundState::failed;
                mail.last_error = "uncertain: " + result.text;
                co_await finish(mail, "email_uncertain", detail());
                co_return;
            }
            [[fallthrough]];
        case channels::SmtpOutcome::temporary:
            mail.last_error = result.text;
            if (mail.attempts >= email.max_attempts) {
                mail.state = OutboundState::failed;
                spdlog::warn("email {} to {} given up after {} attempts: {}", mail.rfc_message_id, mail.to_address,
                             mail.attempts, result.text);
                co_await finish(mail, "email_failed", detail());
                co_return;
            }
            mail.state = OutboundState::pending;
            mail.next_attempt_at = now + retry_delay(mail.attempts, std::chrono::milliseconds(email.retry_initial_ms),
                                                     std::chrono::milliseconds(email.retry_max_ms));
            spdlog::info("email {} to {}: attempt {} failed ({}); retrying later", mail.rfc_message_id, mail.to_address,
                         mail.attempts, result.text);
            co_await finish(mail, "", "");
            co_return;
    }
}

}  // namespace triage::server
