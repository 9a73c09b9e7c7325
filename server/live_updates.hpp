// LiveUpdates: pushes ticket changes to the browsers over a Beast WebSocket (GET /ws), so the
// queue view and the escalation board change without reloading. Whoever commits ticket
// changes calls publish() with the events; each connected browser is sent the changed
// tickets it may see (server/access.hpp), as {"type":"ticket","ticket":{...}}.
// Thread-safe: subscribers_ guarded by mutex_; each connection's state lives on its strand.
#pragma once

#include "engine/store.hpp"
#include "engine/ticket_event.hpp"
#include "server/access.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <mutex>
#include <vector>

namespace triage::server {

class LiveUpdates {
public:
    explicit LiveUpdates(Store& store);
    ~LiveUpdates();

    // After a durable commit: tells every subscriber about the tickets these events touched.
    void publish(const std::vector<TicketEvent>& events);

    // Serves one upgraded connection of an authenticated principal until it closes.
    boost::asio::awaitable<void> serve(boost::beast::tcp_stream stream,
                                       boost::beast::http::request<boost::beast::http::string_body> upgrade,
                                       Principal who);

    std::size_t subscribers();  // connected right now

    struct Subscriber;

private:
    Store& store_;
    std::mutex mutex_;
    std::vector<std::weak_ptr<Subscriber>> subscribers_;  // guarded by mutex_
};

}  // namespace triage::server
