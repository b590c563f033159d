// Runtime: drives the engine core from Redis. Each input is stepped by the interpreter and
// committed as one script call; a commit against a stale revision is stepped again on the
// stored instance, never applied on top of it. In the background it fires due timers and
// delivers the outbox (child starts and results, cancellations, starts, notifications), so
// any number of nodes can share one Redis: nothing of this process is needed after it dies.
//
// Thread safety: use it from its store's executor only.
#pragma once

#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/asio/steady_timer.hpp>

#include "accord/redis/redis_store.hpp"

namespace accord::redis {

// The system clock in ms since the epoch: a runtime's time unless RuntimeOptions::now says
// otherwise.
TimeMs system_now();

struct RuntimeOptions {
    std::string node_id;          // names this node's outbox consumer; empty: host and pid
    std::function<TimeMs()> now;  // empty: the system clock
    std::chrono::milliseconds poll_interval{50};
    std::chrono::milliseconds timer_lease{30'000};     // a claimed timer is due again after it
    std::chrono::milliseconds outbox_reclaim{30'000};  // a dead node's outbox entries, after it
    std::size_t timers_per_shard = 128;                // claimed per shard and poll
    std::size_t parallel_timers = 64;
    std::size_t instance_cache = 4096;  // instances kept in memory (bounded, not all)
    int max_attempts = 32;              // commits against a stale revision before giving up
    // Starts caused by starts (children, `start` actions) beyond this depth are refused: a
    // workflow that starts itself on entry would otherwise run for ever.
    int max_start_depth = 64;
    // Called for each `notify` the workflows send, at least once (its "effect_id" is the same
    // on every delivery of one notification); an error leaves it for later.
    std::function<Awaitable<Result<void>>(const engine::json& notification)> notifier;
    // Called at the start of every background round, before its timers: a shared clock reads
    // itself again there (DevClock::refresh), so the round runs on one time.
    std::function<Awaitable<Result<void>>()> refresh_clock;
    // Called after every commit this runtime applies, in the order they were applied: the step
    // as committed (a trace; the simulator's Redis backend).
    std::function<void(const engine::Step& step)> on_commit;
};

struct StartRequest {
    std::string workflow;
    int version = 0;  // 0: the latest
    engine::json data = engine::json::object();
    std::string business_key;
    std::string idempotency_key;
    std::uint16_t depth = 0;  // set by the runtime for starts caused by other instances
};

struct Started {
    Instance instance;
    bool created = true;  // false: the business or idempotency key was known
};

// What send() may be given besides the input.
struct SendOptions {
    std::string idempotency_key;
    // Checked on the instance each attempt steps (the stored one, on a retry) and on a repeated
    // input's first result: an error refuses the input with it, and nothing is written. The
    // API's rule of who may act on an instance, applied to the revision acted on.
    std::function<Result<void>(const Instance&, const engine::Definition&)> admit;
    // A task to report as the input left it (Sent::task): closed ones too.
    std::string task_id;
};

struct Sent {
    // The instance as the input left it, shared with the node's cache (no copy is made).
    std::shared_ptr<const Instance> instance;
    // SendOptions::task_id's task as the input left it; nullopt when the instance holds it no
    // longer (an input repeated by its idempotency key, after the state moved on).
    std::optional<engine::Task> task;
};

struct RuntimeStats {
    std::uint64_t commits = 0, stale_retries = 0, duplicates = 0;
    std::uint64_t timers_fired = 0, outbox_delivered = 0;
    std::uint64_t starts_refused = 0;  // too deep (see max_start_depth)
};

class Runtime {
public:
    Runtime(RedisStore& store, RuntimeOptions options);
    ~Runtime();

    Awaitable<Result<Started>> start(StartRequest request, engine::Actor actor);
    Awaitable<Result<Instance>> send(std::string instance_id, engine::Input input,
                                     std::string idempotency_key = {});
    Awaitable<Result<Sent>> send(std::string instance_id, engine::Input input, SendOptions options);
    Awaitable<Result<Instance>> get(std::string instance_id);

    // One round of background work, as the loops do it (tests call them directly).
    Awaitable<Result<std::size_t>> fire_due_timers();
    Awaitable<Result<std::size_t>> deliver_outbox();
    // Fires the due timers of one instance, earliest first, whether or not its timer entry is
    // claimed (exactly once all the same: each firing is a commit with the revision check);
    // returns how many fired.
    Awaitable<std::size_t> fire_instance_timers(std::string instance_id);
    // Performs one outbox entry. Delivery is at least once; the receiver's commit records the
    // entry's effect id, so that performing it again changes nothing.
    Awaitable<Result<void>> deliver(const OutboxEntry& entry);

    // Starts the background loop on the store's executor. stop() ends it after the round in
    // hand (commits in flight finish); then `stopped` is called.
    void run(std::function<void()> stopped = {});
    void stop();
    // While held, the background loop leaves timers and the outbox alone: DevClock::advance_to
    // does that work itself, at each step of the clock. hold_background() returns once the
    // round in flight, if any, has ended. Holds nest; each needs its release.
    Awaitable<void> hold_background();
    void release_background();

    RedisStore& store() { return store_; }
    const RuntimeStats& stats() const { return stats_; }
    TimeMs now() const;
    const std::string& node_id() const { return options_.node_id; }
    const RuntimeOptions& options() const { return options_; }

private:
    Awaitable<Result<Started>> start_with_id(const engine::DefinitionPtr& def, std::string id,
                                             engine::StartInput in, const engine::Actor& actor,
                                             const CommitOptions& commit);
    Awaitable<void> loop();
    void committed(const engine::Step& step);
    std::string new_instance_id(const std::string& workflow, int shard);

    // A bounded cache of instances as last committed or read here; a stale one only costs a
    // retry, because every commit checks the stored revision.
    std::shared_ptr<const StoredInstance> cached(const std::string& id);
    void remember(std::shared_ptr<const StoredInstance> stored);
    void forget(const std::string& id);

    RedisStore& store_;
    RuntimeOptions options_;
    RuntimeStats stats_;
    std::list<std::shared_ptr<const StoredInstance>> lru_;
    std::unordered_map<std::string, std::list<std::shared_ptr<const StoredInstance>>::iterator>
        cache_;
    std::uint64_t id_state_;
    bool running_ = false;
    int held_ = 0;           // holds of the background loop (hold_background)
    bool in_round_ = false;  // the loop is in a round of timers and outbox
    std::function<void()> stopped_;
    std::shared_ptr<boost::asio::steady_timer> sleep_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace accord::redis
