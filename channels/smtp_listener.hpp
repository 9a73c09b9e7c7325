// SmtpListener: accepts SMTP or LMTP connections on Asio, one coroutine per connection on
// its own strand, driving an SmtpDialogue and awaiting the delivery of each message before
// answering it (so 250 means the message is durably stored). Limits at the edge: idle
// timeout, line and message size. Owned by the composition root; runs on its io_context.
#pragma once

#include "channels/smtp_dialogue.hpp"

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace triage::channels {

struct SmtpListenerOptions {
    SmtpProtocol protocol = SmtpProtocol::smtp;
    std::string hostname = "triage.localhost";
    SmtpLimits limits;
    std::chrono::seconds idle_timeout{300};  // RFC 5321 4.5.3.2 suggests 5 minutes
};

class SmtpListener {
public:
    using Deliver = std::function<boost::asio::awaitable<std::vector<SmtpReply>>(SmtpEnvelope)>;

    // Binds now; throws std::runtime_error with the address and reason when it cannot.
    SmtpListener(boost::asio::io_context& ioc, const std::string& host, std::uint16_t port, SmtpListenerOptions options,
                 SmtpDialogue::RecipientCheck check, Deliver deliver);

    boost::asio::ip::tcp::endpoint local_endpoint() const;
    void start();
    void stop();
    int sessions() const { return counters_->sessions.load(); }
    int deliveries() const { return counters_->delivering.load(); }  // messages being stored right now

private:
    boost::asio::awaitable<void> accept_loop();
    boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket);

    boost::asio::io_context& ioc_;
    SmtpListenerOptions options_;
    SmtpDialogue::RecipientCheck check_;
    Deliver deliver_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::atomic<bool> stopping_{false};
    // Shared with the session coroutines: a session frame destroyed with the io_context,
    // after the listener, still has its counters to update.
    struct Counters {
        std::atomic<int> sessions{0};
        std::atomic<int> delivering{0};
    };
    std::shared_ptr<Counters> counters_ = std::make_shared<Counters>();
};

}  // namespace triage::channels
