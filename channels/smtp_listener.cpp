#include "channels/smtp_listener.hpp"

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

namespace triage::channels {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

SmtpListener::SmtpListener(asio::io_context& ioc, const std::string& host, std::uint16_t port,
                           SmtpListenerOptions options, SmtpDialogue::RecipientCheck check, Deliver deliver)
    : ioc_(ioc), options_(std::move(options)), check_(std::move(check)), deliver_(std::move(deliver)), acceptor_(ioc) {
    boost::system::error_code ec;
    const char* what = options_.protocol == SmtpProtocol::lmtp ? "lmtp" : "smtp";
    auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
    if (ec) throw std::runtime_error(fmt::format("{}: '{}' is not an IP address", what, host));
    tcp::endpoint ep{address, port};
    acceptor_.open(ep.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(ep, ec);
    if (ec) throw std::runtime_error(fmt::format("{}: cannot listen on {}:{}: {}", what, host, port, ec.message()));
    acceptor_.listen(asio::socket_base::max_listen_connections);
}

tcp::endpoint SmtpListener::local_endpoint() const { return acceptor_.local_endpoint(); }

void SmtpListener::start() { asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached); }

void SmtpListener::stop() {
    stopping_ = true;
    asio::post(acceptor_.get_executor(), [this] {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
    });
}

asio::awaitable<void> SmtpListener::accept_loop() {
    while (!stopping_) {
        boost::system::error_code ec;
        auto socket = co_await acceptor_.async_accept(asio::make_strand(ioc_), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
            if (stopping_ || ec == asio::error::operation_aborted) break;
            continue;
        }
        auto executor = socket.get_executor();
        asio::co_spawn(executor, session(std::move(socket)), asio::detached);
    }
}

asio::awaitable<void> SmtpListener::session(tcp::socket socket) {
    auto counters = counters_;
    ++counters->sessions;
    struct Count {
        std::shared_ptr<Counters> counters;
        ~Count() { --counters->sessions; }
    } count{counters};
    boost::system::error_code ec;
    auto token = asio::redirect_error(asio::use_awaitable, ec);
    auto remote = socket.remote_endpoint(ec);
    SmtpDialogue dialogue(options_.protocol, options_.hostname, options_.limits, check_,
                          ec ? std::string{} : remote.address().to_string());

    // An idle timer closes the socket when the peer goes quiet.
    asio::steady_timer idle(socket.get_executor());
    auto arm = [&] {
        idle.expires_after(options_.idle_timeout);
        idle.async_wait([&socket](boost::system::error_code e) {
            if (!e) {
                boost::system::error_code ignored;
                socket.close(ignored);
            }
        });
    };
    arm();
    co_await asio::async_write(socket, asio::buffer(dialogue.greeting()), token);
    std::array<char, 64 * 1024> buf;
    while (!ec && !dialogue.closed()) {
        std::size_t n = co_await socket.async_read_some(asio::buffer(buf), token);
        if (ec) break;
        arm();
        std::string out = dialogue.feed(std::string_view(buf.data(), n));
        while (auto& message = dialogue.pending_message()) {
            if (!out.empty()) {  // answers to earlier pipelined commands go first
                co_await asio::async_write(socket, asio::buffer(out), token);
                if (ec) co_return;
                out.clear();
            }
            std::vector<SmtpReply> replies;
            ++counters->delivering;
            try {
                replies = co_await deliver_(std::move(*message));
            } catch (const std::exception& e) {
                replies = {{451, fmt::format("4.3.0 Temporary failure, try again later ({})", e.what())}};
            }
            --counters->delivering;
            out += dialogue.delivered(replies);
            out += dialogue.feed({});
        }
        if (stopping_ && !dialogue.closed()) {
            out += "421 4.3.2 Service shutting down\r\n";
            co_await asio::async_write(socket, asio::buffer(out), token);
            break;
        }
        if (!out.empty()) co_await asio::async_write(socket, asio::buffer(out), token);
    }
    idle.cancel();
    socket.shutdown(tcp::socket::shutdown_both, ec);
}

}  // namespace triage::channels
