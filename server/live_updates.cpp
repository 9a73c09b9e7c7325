#include "server/live_updates.hpp"

#include "server/json_codec.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <deque>
#include <set>
#include <spdlog/spdlog.h>

namespace triage::server {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

// One browser connection. Everything but `who` is touched only on `executor` (its strand).
struct LiveUpdates::Subscriber {
    Subscriber(beast::tcp_stream stream, Principal principal)
        : ws(std::move(stream)), wake(ws.get_executor()), who(std::move(principal)) {}

    websocket::stream<beast::tcp_stream> ws;
    asio::steady_timer wake;  // cancelled when the outbox fills or the peer leaves
    std::deque<std::string> outbox;
    bool closed = false;
    const Principal who;  // immutable: read by publish() from any thread
};

namespace {
constexpr std::size_t kOutboxLimit = 256;  // a browser this far behind reloads instead

asio::awaitable<void> read_until_closed(std::shared_ptr<LiveUpdates::Subscriber> sub) {
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    while (!ec) {
        co_await sub->ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
        buffer.consume(buffer.size());  // browsers have nothing to say on this socket
    }
    sub->closed = true;
    sub->wake.cancel();
}
}  // namespace

LiveUpdates::LiveUpdates(Store& store) : store_(store) {}
LiveUpdates::~LiveUpdates() = default;

std::size_t LiveUpdates::subscribers() {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& w : subscribers_) n += !w.expired();
    return n;
}

void LiveUpdates::publish(const std::vector<TicketEvent>& events) {
    std::vector<std::shared_ptr<Subscriber>> subs;
    {
        std::lock_guard lock(mutex_);
        std::erase_if(subscribers_, [](const auto& w) { return w.expired(); });
        for (const auto& w : subscribers_)
            if (auto s = w.lock()) subs.push_back(std::move(s));
    }
    if (subs.empty() || events.empty()) return;
    std::set<TicketId> ids;
    for (const auto& e : events) ids.insert(e.ticket_id);
    auto reader = store_.reader();
    for (auto id : ids) {
        auto ticket = reader->ticket(id);
        if (!ticket) continue;
        auto message = std::make_shared<std::string>(
            json_text(boost::json::object{{"type", "ticket"}, {"ticket", to_json(*ticket)}}));
        for (const auto& sub : subs) {
            if (!may_see(sub->who, *ticket)) continue;
            asio::post(sub->ws.get_executor(), [sub, message] {
                if (sub->closed || sub->outbox.size() >= kOutboxLimit) return;
                sub->outbox.push_back(*message);
                sub->wake.cancel();
            });
        }
    }
}

asio::awaitable<void> LiveUpdates::serve(beast::tcp_stream stream,
                                         beast::http::request<beast::http::string_body> upgrade, Principal who) {
    stream.expires_never();  // the WebSocket keeps its own timeouts (pings on idle)
    auto sub = std::make_shared<Subscriber>(std::move(stream), std::move(who));
    sub->ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    boost::system::error_code ec;
    co_await sub->ws.async_accept(upgrade, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    {
        std::lock_guard lock(mutex_);
        subscribers_.push_back(sub);
    }
    asio::co_spawn(sub->ws.get_executor(), read_until_closed(sub), asio::detached);
    co_await sub->ws.async_write(asio::buffer(std::string_view(R"({"type":"hello"})")),
                                 asio::redirect_error(asio::use_awaitable, ec));
    while (!ec && !sub->closed) {
        if (sub->outbox.empty()) {
            sub->wake.expires_at(asio::steady_timer::time_point::max());
            boost::system::error_code ignored;
            co_await sub->wake.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
            continue;
        }
        std::string message = std::move(sub->outbox.front());
        sub->outbox.pop_front();
        co_await sub->ws.async_write(asio::buffer(message), asio::redirect_error(asio::use_awaitable, ec));
    }
    if (!sub->closed) {  // our side failed: close, so the reader ends too
        beast::get_lowest_layer(sub->ws).socket().close(ec);
    }
}

}  // namespace triage::server
