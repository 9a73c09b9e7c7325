#include "server/email_intake.hpp"

#include <algorithm>

#include "channels/email_parser.hpp"
#include "server/fax_intake.hpp"
#include "engine/language_guess.hpp"
#include "engine/text.hpp"
#include "engine/time_format.hpp"
#include "server/email_outbox.hpp"
#include "server/event_log.hpp"
#include "server/store_async.hpp"
#include "storage/sha256.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <exception>
#include <cstdlib>

namespace triage::server {
namespace asio = boost::asio;
using channels::SmtpReply;

namespace {

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
}

std::vector<SmtpReply> replies_for(const Result<IntakeOutcome>& outcome) {
    if (!outcome) return {{451, fmt::format("4.3.0 Not taken in, try again later ({})", outcome.error().message)}};
    if (outcome->unthreaded) return {{250, "2.0.0 Delivery report noted; it matches no ticket"}};
    if (outcome->duplicate)
        return {{250, fmt::format("2.0.0 Already received as part of {}", ticket_key(outcome->ticket.id))}};
    return {{250, fmt::format("2.0.0 Received, {}", ticket_key(outcome->ticket.id))}};
}

void log_outcome(const Enquiry& e, const Result<IntakeOutcome>& outcome) {
    if (!outcome) {
        spdlog::error("email {} from {}: not taken in: {}", e.external_id,
                      e.sender.empty() ? std::string("<>") : e.sender.front().value, outcome.error().message);
        return;
    }
    spdlog::info("email {} from {}: {} ({})", e.external_id, e.sender.empty() ? std::string("<>") : e.sender.front().value,
                 outcome->unthreaded ? std::string("no ticket") : ticket_key(outcome->ticket.id), outcome->threaded_by);
    log_events(outcome->events);
}

// Test hooks: TRIAGE_CRASH_FOR_TEST=smtp_before_commit / smtp_after_commit kills the process
// (SIGKILL) after DATA with the raw bytes on disk but nothing committed, or after the commit
// and before the 250 — the two halves of "a crash between DATA and 250".
void crash_point_for_test(std::string_view point) {
    static const char* armed = std::getenv("TRIAGE_CRASH_FOR_TEST");
    if (armed && point == armed) {
        spdlog::default_logger()->flush();
        std::raise(SIGKILL);
    }
}

}  // namespace

EmailIntake::EmailIntake(App& app, asio::thread_pool& blocking) : app_(app), blocking_(blocking) {}

bool EmailIntake::accepts(std::string_view address) const {
    const auto& boxes = app_.config().email.mailboxes;
    if (boxes.contains(mailbox_of(address))) return true;  // support+T-42@ is support@
    // RFC 5321 4.5.1: postmaster, bare or at any of our mail domains, is always taken (it
    // goes to intake.default_queue).
    const auto at = address.find('@');
    if (ascii_lower(address.substr(0, at)) != "postmaster") return false;
    if (at == std::string_view::npos) return true;
    const std::string domain = ascii_lower(address.substr(at + 1));
    return std::any_of(boxes.begin(), boxes.end(), [&](const auto& box) {
        const auto box_at = box.first.find('@');
        return box_at != std::string::npos && box.first.substr(box_at + 1) == domain;
    });
}

Enquiry EmailIntake::prepare(std::string raw, const std::vector<std::string>& envelope_recipients) {
    // The raw bytes first, hashed here and staged for the intake's unit (which keeps them
    // whatever the outcome), or, when large, a durable file now: the message is never lost.
    auto shared_raw = std::make_shared<const std::string>(std::move(raw));
    PendingBlob raw_blob = app_.blobs().stage(shared_raw);
    const std::string& bytes = *shared_raw;
    auto parsed = channels::parse_email(bytes);
    take_fax(bytes, parsed, app_.fax_settings());  // a fax gateway's mail becomes a fax (OCR here, off the I/O thread)
    Enquiry e = std::move(parsed.enquiry);
    e.raw_sha256 = raw_blob.sha256;
    if (e.external_id.empty()) e.external_id = "<" + raw_blob.sha256 + "@sha256.invalid>";
    e.blobs.push_back(std::move(raw_blob));
    for (auto& a : parsed.attachments) {
        Attachment meta;
        meta.filename = a.filename;
        meta.content_type = a.content_type;
        meta.size = static_cast<std::int64_t>(a.bytes.size());
        PendingBlob blob = app_.blobs().stage(std::move(a.bytes));
        meta.sha256 = blob.sha256;
        e.blobs.push_back(std::move(blob));
        e.attachments.push_back(std::move(meta));
    }
    if (parsed.classification.bounce) e.kind = EnquiryKind::bounce;
    else if (parsed.classification.auto_submitted) e.kind = EnquiryKind::auto_reply;
    // The queue of the first of our addresses it was sent to: the envelope first (it says
    // which of our mailboxes it reached), then the headers.
    const auto& boxes = app_.config().email.mailboxes;
    const std::vector<std::string>& header_recipients = parsed.recipients;
    for (const auto* list : {&envelope_recipients, &header_recipients}) {
        for (const auto& r : *list) {
            auto it = boxes.find(mailbox_of(r));
            if (it == boxes.end()) continue;
            if (e.queue.empty()) e.queue = it->second;
            // The Reply-To we send, support+T-42@…: the ticket key, when the subject lost it.
            if (!e.thread.ticket_id) e.thread.ticket_id = ticket_of_subaddress(r);
        }
    }
    if (e.language.empty() || e.language == "und") e.language = guess_language(e.subject + "\n" + e.text);
    if (!e.metadata.contains("date") && e.received_at != Timestamp{})
        e.metadata["date"] = format_rfc3339(e.received_at);
    e.received_at = app_.clock().system_now();  // SLA clocks run from arrival, not from the sender's Date
    e.metadata["envelope_to"] = join(envelope_recipients);
    app_.escalation().detect_language(e);
    return e;
}

asio::awaitable<std::vector<SmtpReply>> EmailIntake::deliver(channels::SmtpEnvelope envelope) {
    auto io = co_await asio::this_coro::executor;
    // Hop to the blocking pool (hashing, parsing, OCR, a large blob's fsync): bind_executor
    // makes the coroutine resume on the pool, not on its own strand.
    auto pool = blocking_.get_executor();
    co_await asio::post(pool, asio::bind_executor(pool, asio::use_awaitable));
    // As final delivery does: Return-Path from the envelope (an empty one marks machine
    // mail for the classifier), then our Received: trace line.
    std::string raw = fmt::format("Return-Path: <{}>\r\nReceived: from {} ([{}]) by {} with {}; {}\r\n",
                                  envelope.mail_from, envelope.helo, envelope.remote,
                                  app_.config().email.hostname, envelope.with,
                                  format_rfc5322(app_.clock().system_now())) +
                      envelope.data;
    Enquiry enquiry;
    std::exception_ptr failed;
    try {
        enquiry = prepare(std::move(raw), envelope.recipients);
    } catch (...) {
        failed = std::current_exception();
    }
    if (failed) {  // back on the session's executor before the session sees the error
        co_await asio::post(io, asio::bind_executor(io, asio::use_awaitable));
        std::rethrow_exception(failed);
    }
    // Without a Message-ID the dedupe key is the hash of the message as the client sent it,
    // not of the stored bytes, whose Received: line differs at each delivery.
    if (enquiry.metadata.contains("message_id_synthesised"))
        enquiry.external_id = "<" + sha256_hex(envelope.data) + "@sha256.invalid>";
    enquiry.metadata["envelope_from"] = envelope.mail_from.empty() ? "<>" : envelope.mail_from;
    // No usable From: header: the envelope sender (MAIL FROM) is who sent it, so the customer
    // can be found and answered (a null reverse path stays no one: it is a bounce). Not for a
    // fax: its sender is the caller's number; the envelope names the gateway, which would make
    // every fax through it one customer.
    const bool has_email = std::any_of(enquiry.sender.begin(), enquiry.sender.end(),
                                       [](const Identity& id) { return id.kind == IdentityKind::email; });
    if (!has_email && !envelope.mail_from.empty() && enquiry.channel != Channel::fax) {
        auto from = normalise_identity(IdentityKind::email, envelope.mail_from);
        if (!from.value.empty()) {
            enquiry.sender.push_back(std::move(from));
            enquiry.metadata["sender_from_envelope"] = "true";
        }
    }
    crash_point_for_test("smtp_before_commit");
    // The unit is queued from here, the pool: the commit's completion resumes the coroutine on
    // its own executor (`io`) anyway, so hopping back first would only cost a thread wake-up.
    const Intake& intake = app_.intake();
    const EmailOutbox& outbox = app_.outbox();
    auto work = [&intake, &outbox, &escalation = app_.escalation(), e = enquiry](StoreTx& tx) {
        auto outcome = intake.accept(tx, e);
        if (outcome && outcome->created) outbox.acknowledge(tx, e, *outcome);  // the same unit: one commit
        if (outcome) escalation.after_intake(tx, *outcome);
        return outcome;
    };
    auto outcome = *co_await write_async<Result<IntakeOutcome>>(app_.store(), std::move(work));
    crash_point_for_test("smtp_after_commit");
    log_outcome(enquiry, outcome);
    if (outcome && outcome->created) app_.mail_queued();
    if (outcome) app_.live().publish(outcome->events);
    co_return replies_for(outcome);
}

Result<IntakeOutcome> EmailIntake::ingest(std::string raw, const std::vector<std::string>& envelope_recipients) {
    Enquiry enquiry = prepare(std::move(raw), envelope_recipients);
    const Intake& intake = app_.intake();
    const EmailOutbox& outbox = app_.outbox();
    auto outcome = write_sync(app_.store(), [&](StoreTx& tx) {
        auto out = intake.accept(tx, enquiry);
        if (out && out->created) outbox.acknowledge(tx, enquiry, *out);
        if (out) app_.escalation().after_intake(tx, *out);
        return out;
    });
    log_outcome(enquiry, outcome);
    if (outcome && outcome->created) app_.mail_queued();
    if (outcome) app_.live().publish(outcome->events);
    return outcome;
}

}  // namespace triage::server
