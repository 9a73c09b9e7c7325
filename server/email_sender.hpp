// EmailSender: delivers the outbox (server/email_outbox.hpp) through the configured SMTP
// relay, one message at a time, as one coroutine on its own strand. Each message is built
// with GMime from its row (the Date is the row's creation time, so a resend is the same
// bytes with the same Message-ID); failures before the final "." are retried with
// exponential back-off, 5xx and too many attempts fail the row, and a bouncing address is
// never written to. Exactly once per Message-ID: just before the final "." the row is marked
// `sending` in a durable commit; after the relay's 250 it is marked `sent`. A row found
// `sending` at start-up (a crash between the dot and that mark) is resent with the same
// Message-ID and bytes when email.outbox.resend_uncertain is on (receivers that dedupe by
// Message-ID — triaged itself among them — keep one), else failed for a person to check.
// Thread-safe: wake() from any thread; start/stop from the owner.
#pragma once

#include "server/app.hpp"

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

namespace triage::server {

class EmailSender {
public:
    EmailSender(App& app, boost::asio::io_context& ioc);

    void start();  // restores the unsent rows from the database and begins delivering
    void wake();   // something was queued: look now rather than at the next timer
    void stop();   // ends after the message being delivered, if any
    bool delivering() const { return delivering_; }  // a graceful stop waits for it

private:
    boost::asio::awaitable<void> run();
    boost::asio::awaitable<void> deliver(OutboundMail mail, bool recovered);
    boost::asio::awaitable<void> finish(OutboundMail mail, std::string event_type, std::string detail);

    App& app_;
    boost::asio::strand<boost::asio::io_context::executor_type> strand_;
    boost::asio::steady_timer timer_;  // on strand_
    std::atomic<bool> wake_pending_{false};
    std::atomic<bool> stopping_{false};
    std::atomic<bool> delivering_{false};
};

}  // namespace triage::server
