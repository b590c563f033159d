// Supervisor: runs a node's background loops (due timers, the outbox, the feed reader, the
// revocation watch) so that none dies silently. A loop that throws or returns an error is
// logged with what it was doing and started again after a back-off; each loop's restarts are
// counted, and a loop that has been down longer than a few seconds is named by down(), which
// /readyz answers with.
//
// Thread safety: use it from its executor only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "accord/engine/result.hpp"

namespace accord::redis {

struct SupervisorOptions {
    std::chrono::milliseconds backoff_min{100};  // the first restart's wait; doubled each time
    std::chrono::milliseconds backoff_max{5'000};
    // A loop failed and not healthy again for this long is down (ready() says so).
    std::chrono::milliseconds down_after{3'000};
};

// What a loop tells its supervisor while it runs.
class LoopState {
public:
    // What the loop is doing now, for the log line of a failure ("claiming due timers").
    void doing(std::string what) { doing_ = std::move(what); }
    // The loop did a round of its work without an error: it is up, and its next failure
    // starts the back-off afresh.
    void healthy();
    bool stopping() const { return *stopping_; }

private:
    friend class Supervisor;
    std::string doing_ = "starting";
    bool failed_ = false;
    std::chrono::steady_clock::time_point failed_at_{};
    std::chrono::milliseconds backoff_{0};
    std::uint64_t restarts_ = 0;
    std::shared_ptr<bool> stopping_ = std::make_shared<bool>(false);
};

class Supervisor {
public:
    // A loop runs until it returns Ok (the node is stopping) or fails: an error result or an
    // exception. It is given its state, to say what it is doing and that it is healthy.
    using Loop = std::function<boost::asio::awaitable<engine::Result<void>>(LoopState&)>;

    explicit Supervisor(boost::asio::any_io_executor executor, SupervisorOptions options = {});
    ~Supervisor();
    Supervisor(const Supervisor&) = delete;
    Supervisor& operator=(const Supervisor&) = delete;

    // Starts `loop` under supervision, named `name` in logs and metrics.
    void spawn(std::string name, Loop loop);
    // No more restarts; a loop that is waiting to restart is not started again. Running loops
    // end by their own stop (LoopState::stopping() is true from here on).
    void stop();

    // The loops down for longer than SupervisorOptions::down_after (empty: all up).
    std::vector<std::string> down() const;
    std::uint64_t restarts(const std::string& name) const;
    // Prometheus text: accord_loop_restarts_total and accord_loop_up, labelled by loop.
    std::string metrics() const;

private:
    struct Entry;
    boost::asio::awaitable<void> supervise(std::shared_ptr<Entry> entry);

    boost::asio::any_io_executor executor_;
    SupervisorOptions options_;
    std::vector<std::shared_ptr<Entry>> entries_;
    std::shared_ptr<bool> stopping_ = std::make_shared<bool>(false);
};

}  // namespace accord::redis
