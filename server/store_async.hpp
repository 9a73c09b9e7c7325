// Awaiting a store write from a coroutine: the unit runs on the store's writer, and the
// coroutine resumes on its own executor only after the group commit made it durable.
#pragma once

#include "engine/store.hpp"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <optional>

namespace triage::server {

// Runs `fn(StoreTx&) -> T` as one unit of work; a T with `has_error()` true rolls the unit
// back. Throws what the unit threw or what the commit failed with.
template <class T, class Fn>
boost::asio::awaitable<T> write_async(Store& store, Fn fn) {
    namespace asio = boost::asio;
    auto out = std::make_shared<std::optional<T>>();
    co_await asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr)>(
        [&store, &fn, out](auto handler) {
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            store.post_write(
                [fn = std::move(fn), out](StoreTx& tx) mutable {
                    out->emplace(fn(tx));
                    return detail::keeps_writes(**out);
                },
                [shared](std::exception_ptr e) {
                    auto ex = asio::get_associated_executor(*shared);
                    asio::post(ex, [shared, e]() mutable { std::move (*shared)(e); });
                });
        },
        asio::use_awaitable);
    co_return std::move(**out);
}

}  // namespace triage::server
