// Supervisor: restarts failed background loops with back-off, logs why, counts restarts.
#include "accord/redis/supervisor.hpp"

#include <algorithm>
#include <exception>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace accord::redis {

namespace asio = boost::asio;

void LoopState::healthy() {
    failed_ = false;
    backoff_ = std::chrono::milliseconds(0);
}

struct Supervisor::Entry {
    Entry(std::string n, Loop l, asio::any_io_executor ex)
        : name(std::move(n)), loop(std::move(l)), wait(std::move(ex)) {}
    std::string name;
    Loop loop;
    LoopState state;
    asio::steady_timer wait;  // the back-off before a restart
};

Supervisor::Supervisor(asio::any_io_executor executor, SupervisorOptions options)
    : executor_(std::move(executor)), options_(options) {}

Supervisor::~Supervisor() {
    stop();
}

void Supervisor::spawn(std::string name, Loop loop) {
    auto entry = std::make_shared<Entry>(std::move(name), std::move(loop), executor_);
    entry->state.stopping_ = stopping_;
    entries_.push_back(entry);
    asio::co_spawn(executor_, supervise(std::move(entry)), asio::detached);
}

void Supervisor::stop() {
    *stopping_ = true;
    for (auto& e : entries_) e->wait.cancel();
}

asio::awaitable<void> Supervisor::supervise(std::shared_ptr<Entry> entry) {
    const auto stopping = stopping_;  // outlives this supervisor, like `entry`
    LoopState& state = entry->state;
    while (!*stopping) {
        std::string why;
        try {
            auto ended = co_await entry->loop(state);
            if (ended || *stopping) co_return;
            why = ended.error().to_string();
        } catch (const std::exception& e) {
            why = e.what();
        } catch (...) {
            why = "an unknown exception";
        }
        if (*stopping) co_return;
        if (!state.failed_) state.failed_at_ = std::chrono::steady_clock::now();
        state.failed_ = true;
        ++state.restarts_;
        state.backoff_ = std::clamp(state.backoff_ * 2, options_.backoff_min, options_.backoff_max);
        spdlog::error("background loop {} failed while {}: {}; restarting in {} ms", entry->name,
                      state.doing_, why, state.backoff_.count());
        entry->wait.expires_after(state.backoff_);
        boost::system::error_code ec;
        co_await entry->wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

std::vector<std::string> Supervisor::down() const {
    std::vector<std::string> out;
    const auto now = std::chrono::steady_clock::now();
    for (const auto& e : entries_)
        if (e->state.failed_ && now - e->state.failed_at_ >= options_.down_after)
            out.push_back(e->name);
    return out;
}

std::uint64_t Supervisor::restarts(const std::string& name) const {
    for (const auto& e : entries_)
        if (e->name == name) return e->state.restarts_;
    return 0;
}

std::string Supervisor::metrics() const {
    std::string out =
        "# HELP accord_loop_restarts_total Restarts of a background loop after it failed.\n"
        "# TYPE accord_loop_restarts_total counter\n";
    for (const auto& e : entries_)
        out += fmt::format("accord_loop_restarts_total{{loop=\"{}\"}} {}\n", e->name,
                           e->state.restarts_);
    out +=
        "# HELP accord_loop_up Whether a background loop is running (0 after a failure, until "
        "it is healthy again).\n"
        "# TYPE accord_loop_up gauge\n";
    for (const auto& e : entries_)
        out += fmt::format("accord_loop_up{{loop=\"{}\"}} {}\n", e->name, e->state.failed_ ? 0 : 1);
    return out;
}

}  // namespace accord::redis
