// HttpServer: the Beast HTTP/1.1 listener. One coroutine per connection on its own
// strand, reading requests top to bottom with keep-alive, every limit at the edge written
// down (header and body limits, idle timeout). stop() closes the listener and lets
// requests in flight finish. Owned by main(); its methods run on the io_context.
#pragma once

#include "server/api.hpp"
#include "server/config.hpp"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <string>
#include <vector>

namespace triage::server {

struct HttpLimits {
    std::size_t body_limit = 1 << 20;
    // Paths (without the query) whose bodies may be larger: the web forms, whose attachment
    // limit (webform.max_attachment_bytes) is above body_limit, so a large file reaches the
    // form's own check, which answers with a field message and keeps what the user typed.
    std::vector<std::string> upload_paths;
    std::size_t upload_body_limit = 0;
    std::size_t header_limit = 16 * 1024;
    std::chrono::seconds idle_timeout{60};
    // A strand per connection is needed only when several threads run the io_context; with
    // one, a connection's handlers are serialised already and the strand is pure overhead.
    bool strand_per_connection = true;
};

class HttpServer {
public:
    // Binds now (throws std::runtime_error when the address is taken or invalid).
    HttpServer(boost::asio::io_context& ioc, Api& api, const Endpoint& endpoint, HttpLimits limits);

    boost::asio::ip::tcp::endpoint local_endpoint() const;
    void start();
    // Stops accepting; connections finish the request they are on, then close.
    void stop();
    // Requests being answered right now.
    int in_flight() const { return in_flight_.load(); }

private:
    boost::asio::awaitable<void> accept_loop();
    boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket);

    boost::asio::io_context& ioc_;
    Api& api_;
    HttpLimits limits_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::atomic<bool> stopping_{false};
    std::atomic<int> in_flight_{0};
};

}  // namespace triage::server
