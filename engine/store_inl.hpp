// Implementation of write_sync (store.hpp).
#pragma once

#include <future>
#include <optional>
#include <type_traits>

namespace triage {
namespace detail {

template <class T>
bool keeps_writes(const T& value) {
    if constexpr (requires { value.has_error(); }) return !value.has_error();
    else return true;
}

}  // namespace detail

template <class Fn>
auto write_sync(Store& store, Fn&& fn) -> decltype(fn(std::declval<StoreTx&>())) {
    using T = decltype(fn(std::declval<StoreTx&>()));
    auto promise = std::make_shared<std::promise<void>>();
    auto future = promise->get_future();
    if constexpr (std::is_void_v<T>) {
        store.post_write([&fn](StoreTx& tx) { fn(tx); return true; },
                         [promise](std::exception_ptr e) { e ? promise->set_exception(e) : promise->set_value(); });
        future.get();
    } else {
        auto out = std::make_shared<std::optional<T>>();
        store.post_write(
            [&fn, out](StoreTx& tx) {
                out->emplace(fn(tx));
                return detail::keeps_writes(**out);
            },
            [promise](std::exception_ptr e) { e ? promise->set_exception(e) : promise->set_value(); });
        future.get();
        return std::move(**out);
    }
}

}  // namespace triage
