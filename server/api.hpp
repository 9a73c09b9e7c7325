// Api: the JSON REST API under /api/v1 plus /metrics — routing, authentication, input
// validation and the mapping of engine problems to HTTP answers, all in one place.
// One Api serves every connection; it keeps no per-request state (thread-safe).
#pragma once

#include "server/app.hpp"
#include "server/web_ui.hpp"

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>

namespace triage::server {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

class ChannelRoutes;

// The client's address, stamped on each request by HttpServer (any sent by the client is replaced).
inline constexpr std::string_view kPeerAddressField = "Triage-Peer-Address";

class Api {
public:
    explicit Api(App& app);
    ~Api();

    // Answers one request; never throws (a failure becomes a 500 with a JSON body).
    boost::asio::awaitable<Response> handle(Request request);

    // Counts (metrics, log line) a request the HTTP layer answered itself with `status`
    // before it reached handle(): too large, malformed framing. Its route: "(not routed)".
    void refused(std::string_view method, std::string_view target, unsigned status);

    // A JSON error response, e.g. for requests the HTTP layer refuses before routing.
    static Response error_response(unsigned version, boost::beast::http::status status, std::string_view code,
                                   std::string_view message);

    // A WebSocket upgrade (GET /ws): authenticates the session and serves live updates.
    boost::asio::awaitable<void> serve_websocket(boost::beast::tcp_stream stream, Request request);

private:
    struct Routed;
    boost::asio::awaitable<Response> route(const Request& request, Routed& routed);

    App& app_;
    std::unique_ptr<ChannelRoutes> channels_;  // phone, web form, customer merge (api_channels.cpp)
    WebUi web_;
};

}  // namespace triage::server
