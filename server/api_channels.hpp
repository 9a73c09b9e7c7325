// ChannelRoutes: the HTTP routes of the phone, web-form and customer-identity features —
// POST /api/v1/calls, POST /api/v1/customers/{id}/merge — kept apart from api.cpp. Raw
// request bytes are written (fsync) on its own blocking pool, never on an I/O thread.
// One instance per Api; thread-safe.
#pragma once

#include "server/api.hpp"

#include <boost/asio/thread_pool.hpp>
#include <optional>
#include <string>
#include <vector>

namespace triage::server {

class ChannelRoutes {
public:
    explicit ChannelRoutes(App& app);
    ~ChannelRoutes();

    // Routes that need a token (after authentication); nullopt when the path is not ours.
    boost::asio::awaitable<std::optional<Response>> route_authenticated(const Request& req,
                                                                        const std::vector<std::string>& seg,
                                                                        const std::string& actor, std::string& pattern);

private:
    boost::asio::awaitable<Response> post_call(const Request& req, const std::string& actor);
    boost::asio::awaitable<Response> merge_customers(const Request& req, const std::string& id, const std::string& actor);

    App& app_;
    boost::asio::thread_pool blocking_{1};
};

// The request as the client sent it (request line, header fields in order, body): what a
// channel keeps as its raw source.
std::string raw_request_bytes(const Request& req);

}  // namespace triage::server
