// in_parallel: a bounded fan-out on one executor, for the background loops that work through a
// batch (the runtime's due timers and rescheduling, Outbound's sends).
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace accord::redis {

// Runs `work(i)` (an awaitable<void>) for i in [0, n), at most `width` at a time, on the
// caller's executor, and returns when all are done. `work` is copied into each worker.
template <typename Work>
boost::asio::awaitable<void> in_parallel(std::size_t n, std::size_t width, Work work) {
    namespace asio = boost::asio;
    if (n == 0) co_return;
    auto ex = co_await asio::this_coro::executor;
    struct Shared {
        explicit Shared(asio::any_io_executor e) : done(e, asio::steady_timer::time_point::max()) {}
        std::size_t next = 0, running = 0;
        asio::steady_timer done;
    };
    auto shared = std::make_shared<Shared>(ex);
    const std::size_t workers = std::min(n, std::max<std::size_t>(width, 1));
    shared->running = workers;
    for (std::size_t w = 0; w < workers; ++w) {
        asio::co_spawn(
            ex,
            [shared, n, work]() -> asio::awaitable<void> {
                while (shared->next < n) co_await work(shared->next++);
                if (--shared->running == 0) shared->done.cancel();
            },
            asio::detached);
    }
    // Work that never waited may have ended already (co_spawn can run it inline), before there
    // was a wait to cancel.
    if (shared->running == 0) co_return;
    boost::system::error_code ec;
    co_await shared->done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

}  // namespace accord::redis
