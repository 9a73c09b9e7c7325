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

// Runs `fn(StoreTx&) -> T` as one unit of work and yields its T (always engaged); a T with
// `has_error()` true rolls the unit back. Throws what the unit threw or the commit failed
// with. Not a coroutine itself (GCC 12 mishandles lambdas moved through coroutine frames):
// the work and the handler live in one shared state owned by the two store callbacks.
// Pass the work as a named variable, not a temporary inside the co_await expression.
template <class T, class Fn>
auto write_async(Store& store, Fn fn) {
    namespace asio = boost::asio;
    return asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr, std::optional<T>)>(
        [&store](auto handler, Fn work) {
            using Handler = decltype(handler);
            struct State {
                Handler handler;
                Fn work;
                std::optional<T> out;
            };
            auto state = std::make_shared<State>(State{std::move(handler), std::move(work), std::nullopt});
            store.post_write(
                [state](StoreTx& tx) {
                    state->out.emplace(state->work(tx));
                    return detail::keeps_writes(*state->out);
                },
                [state](std::exception_ptr e) {
                    auto ex = asio::get_associated_executor(state->handler);
                    asio::post(ex, [state, e]() mutable { std::move(state->handler)(e, std::move(state->out)); });
                });
        },
        asio::use_awaitable, std::move(fn));
}

}  // namespace triage::server
