// Outbound: a durable queue of things to send to the outside world (e-mails, webhook
// deliveries) and the loop that empties it. Jobs (JSON objects) are kept in a Redis stream every
// node reads as one consumer group, so any node sends each one (a few at a time: `parallel`). A send that fails for now is
// retried with exponential back-off (first_retry, doubled each time, at most max_retry apart)
// until give_up_after has passed since the job was queued, then set aside with why; a node
// stopped while sending leaves its jobs to another once they have been pending for
// reclaim_after. While Redis is down the loop waits (its supervisor restarts it). An idle node
// asks Redis one blocking read (and one retry check) every `block`.
//
// Keys, in the hash slot {<slot>}: <prefix>:{<slot>}:queue (stream, group "senders"),
// <prefix>:{<slot>}:retry (zset: a job by its next attempt's time), <prefix>:{<slot>}:failed
// (stream, about the last 10,000). Settling a job (sent, set to retry, set aside) removes it
// from the queue in the same script that files it elsewhere: a job is in one place only.
//
// Thread safety: one executor (the client's).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "accord/engine/time.hpp"
#include "accord/redis/client.hpp"
#include "accord/redis/supervisor.hpp"

namespace accord::notify {

template <typename T>
using Awaitable = boost::asio::awaitable<T>;
using engine::Result;

struct OutboundOptions {
    std::string prefix = "acc";
    std::string slot = "mail";  // the keys' hash tag, and the loop's name
    std::string node_id = "node";
    std::chrono::milliseconds block{10'000};
    std::chrono::milliseconds first_retry{30'000};
    std::chrono::milliseconds max_retry{3'600'000};
    std::chrono::milliseconds give_up_after{24 * 3'600'000};
    std::chrono::milliseconds reclaim_after{120'000};
    std::size_t parallel = 8;  // jobs a node sends at once
    // Sends a second a node starts at most (0: no limit): background sending then leaves the
    // node's thread and cores to the people working (and a relay's limits are kept).
    double rate = 0;
    std::function<engine::TimeMs()> now;  // default: the system clock
};

class Outbound {
public:
    // Sends one job: Ok, unavailable (try again later) or another error (set it aside). It
    // may add to the job what it composed, so that a retry sends the same.
    using Send = std::function<Awaitable<Result<void>>(nlohmann::json& job)>;
    // Told of every attempt: the job, its outcome, and whether it is settled for good.
    using Attempted = std::function<Awaitable<void>(const nlohmann::json& job,
                                                    const Result<void>& outcome, bool final)>;
    // More work each time the loop wakes (moving due digests into the queue).
    using Round = std::function<Awaitable<Result<void>>()>;

    Outbound(std::shared_ptr<redis::Client> client, OutboundOptions options, Send send);
    ~Outbound();

    void on_attempt(Attempted attempted) { attempted_ = std::move(attempted); }
    void on_round(Round round) { round_ = std::move(round); }

    // Queues jobs (pipelined): each is sent by some node, at least once. Each gets "first"
    // (now) and "attempt" (0) unless it has them.
    Awaitable<Result<void>> enqueue(std::vector<nlohmann::json> jobs);
    // Starts the loop under `supervisor`, named by the slot.
    void start(redis::Supervisor& supervisor);
    // Sends what is queued or due for retry now, until nothing is left (the dev clock).
    Awaitable<Result<std::size_t>> drain();

    std::string key(std::string_view part) const;  // <prefix>:{<slot>}:<part>
    engine::TimeMs now() const;
    redis::Client& client() { return *client_; }
    // accord_<slot>_sent_total, _failures_total, _given_up_total.
    std::string metrics() const;

private:
    Awaitable<Result<void>> loop(redis::LoopState& state);
    Awaitable<Result<void>> open();
    Awaitable<Result<void>> settle(const redis::Reply& entry);
    Awaitable<void> pace();  // waits for this send's turn under `rate`
    // Settles them, `parallel` at a time; the first error, once all are done.
    Awaitable<Result<void>> settle_all(std::vector<redis::Reply> entries);
    Awaitable<Result<void>> round();
    Awaitable<Result<std::vector<redis::Reply>>> reclaim();

    std::shared_ptr<redis::Client> client_;
    OutboundOptions options_;
    Send send_;
    Attempted attempted_;
    Round round_;
    std::string queue_, retry_, failed_;
    bool opened_ = false;
    std::chrono::steady_clock::time_point next_send_{};  // the next turn under `rate`
    std::uint64_t sent_ = 0, failures_ = 0, given_up_ = 0;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace accord::notify
