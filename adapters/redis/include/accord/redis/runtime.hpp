// Runtime: drives the engine core from Redis. Each input is stepped by the interpreter and
// committed as one script call; a commit against a stale revision is stepped again on the
// stored instance, never applied on top of it. In the background it fires due timers and
// delivers the outbox (child starts and results, cancellations, starts, notifications), so
// any number of nodes can share one Redis: nothing of this process is needed after it dies.
// The background loops wait rather than poll: the timer loop sleeps until the earliest timer
// (a commit that sets an earlier one wakes it, on every node), the outbox is read with blocking
// reads; each looks again every RuntimeOptions::idle_check all the same.
//
// Thread safety: use it from its store's executor only.
#pragma once

#include <chrono>
#include <functional>
#include <limits>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/asio/steady_timer.hpp>

#include "accord/engine/cross_instance.hpp"
#include "accord/redis/redis_store.hpp"
#include "accord/redis/supervisor.hpp"

namespace accord::redis {

class BlockingReads;

// The system clock in ms since the epoch: a runtime's time unless RuntimeOptions::now says
// otherwise.
TimeMs system_now();

struct RuntimeOptions {
    std::string node_id;          // names this node's outbox consumer; empty: host and pid
    std::function<TimeMs()> now;  // empty: the system clock
    // The longest a background loop waits without looking at Redis: timers are looked for
    // again, and outbox entries of a stopped node taken over. An idle node's cost to Redis.
    std::chrono::milliseconds idle_check{10'000};
    std::chrono::milliseconds timer_lease{30'000};     // a claimed timer is due again after it
    std::chrono::milliseconds outbox_reclaim{30'000};  // a dead node's outbox entries, after it
    std::size_t timers_per_shard = 128;                // claimed per shard and poll
    std::size_t parallel_timers = 64;
    std::size_t instance_cache = 4096;  // instances kept in memory (bounded, not all)
    int max_attempts = 32;              // commits against a stale revision before giving up
    // Starts caused by starts (children, `start` actions) beyond this depth are refused
    // (engine::admit_start; LocalRuntime has the same bound).
    int max_start_depth = engine::kMaxStartDepth;
    // Called for each `notify` the workflows send, at least once (its "effect_id" is the same
    // on every delivery of one notification); an error leaves it for later.
    std::function<Awaitable<Result<void>>(const engine::json& notification)> notifier;
    // Called for each commit's events written to the outbox for webhooks
    // (RedisStore::feed_to_outbox): the feed entry {"at", "instance", "workflow", "events"}
    // with "effect_id". Unset: such entries are spent.
    std::function<Awaitable<Result<void>>(const engine::json& entry)> feed_events;
    // Called at the start of every background round, before its timers: a shared clock reads
    // itself again there (DevClock::refresh), so the round runs on one time.
    std::function<Awaitable<Result<void>>()> refresh_clock;
    // Called after every commit this runtime applies, in the order they were applied: the step
    // as committed (a trace; the simulator's Redis backend).
    std::function<void(const engine::Step& step)> on_commit;
    // The organisation, for tasks that name a unit (accordd's snapshot of people and units);
    // none: such a task is offered in the unit it names.
    const engine::Directory* directory = nullptr;
    // The office's calendar now (accordd's, which an admin may change); none or null: UTC with
    // Saturday and Sunday off. Each step holds the one it began with.
    std::function<std::shared_ptr<const engine::Calendar>()> calendar;
    // The office's calendar as stored now, read afresh (not a snapshot that may lag a change):
    // what rescheduling after a change counts on (calendar_changed). Unset: nothing is
    // rescheduled.
    std::function<Awaitable<Result<std::shared_ptr<const engine::Calendar>>>()> stored_calendar;
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
    // Whether this send committed a step: false for an input repeated by its idempotency key,
    // and for a reschedule that moved nothing.
    bool committed = true;
};

struct RuntimeStats {
    std::uint64_t commits = 0, stale_retries = 0, duplicates = 0;
    std::uint64_t timers_fired = 0, outbox_delivered = 0, outbox_parked = 0;
    std::uint64_t timer_wakeups_sent = 0;  // announcements of an earlier timer
    std::uint64_t starts_refused = 0;      // too deep (see max_start_depth)
    std::uint64_t rescheduled = 0;         // instances whose timers a calendar change moved
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
    // The instances in one round trip (RedisStore::load_many), kept in the cache; nullopt for
    // one that does not exist.
    Awaitable<Result<std::vector<std::optional<Instance>>>> get_many(std::vector<std::string> ids);

    // One round of background work, as the loops do it (tests call them directly).
    Awaitable<Result<std::size_t>> fire_due_timers();
    Awaitable<Result<std::size_t>> deliver_outbox();
    // Fires the due timers of one instance, earliest first, whether or not its timer entry is
    // claimed (exactly once all the same: each firing is a commit with the revision check);
    // returns how many fired.
    Awaitable<std::size_t> fire_instance_timers(std::string instance_id);
    // Performs one outbox entry (engine::CrossInstanceEffect decides what it asks and whether a
    // start may go ahead). Delivery is at least once; the receiver's commit records the entry's
    // effect id, so that performing it again changes nothing. invalid_input: an entry of a known
    // kind without what it needs, which can never be delivered.
    Awaitable<Result<void>> deliver(const OutboxEntry& entry);

    // The office calendar changed (it is stored already): every instance with a pending timer
    // is stepped with engine::RescheduleInput on the stored calendar, so that its due dates and
    // timers count on the new one. Queued as one outbox entry per shard ("reschedule"), which
    // any node works through: durable, at least once (rescheduling again changes nothing).
    Awaitable<Result<void>> calendar_changed();
    // Reschedules the instances with a pending timer in `shard` on `calendar`; how many moved.
    Awaitable<Result<std::size_t>> reschedule_shard(int shard, const engine::Calendar& calendar);

    // Starts the background loops (timers, the timer wake-ups, the outbox) under `supervisor`,
    // on the store's executor; without one, under a supervisor of the runtime's own. stop()
    // ends them after the work in hand (commits in flight finish); then `stopped` is called.
    void run(Supervisor& supervisor, std::function<void()> stopped = {});
    void run(std::function<void()> stopped = {});
    void stop();
    // Wakes this node's timer loop to look for the earliest timer again.
    void wake_timers();
    // While held, the background loops leave timers and the outbox alone: DevClock::advance_to
    // does that work itself, at each step of the clock. hold_background() returns once the
    // work in flight, if any, has ended. Holds nest; each needs its release; the last release
    // makes every node's timer loop look again (the clock may have moved).
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
    Awaitable<Result<void>> timer_loop(LoopState& state);
    Awaitable<Result<void>> timer_wake_loop(LoopState& state);
    Awaitable<Result<void>> outbox_loop(LoopState& state);
    Awaitable<void> deliver_each(std::vector<OutboxEntry> entries);
    Awaitable<bool> unheld();  // waits out holds; false: stopping
    struct LoopRunning;
    void call_stopped();  // once: the loops ended after stop()
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
    int held_ = 0;      // holds of the background loops (hold_background)
    int in_round_ = 0;  // loops firing timers or delivering the outbox now
    int loops_ = 0;     // background loops running
    std::function<void()> stopped_;
    std::unique_ptr<Supervisor> own_supervisor_;
    // The earliest timer this node knows of (kNever: none): looked for by the timer loop,
    // lowered by commits and wake-ups. A commit that sets an earlier one announces it.
    static constexpr TimeMs kNever = std::numeric_limits<TimeMs>::max();
    TimeMs next_timer_ = kNever;
    bool timers_woken_ = false;                          // since the timer loop last looked
    std::shared_ptr<boost::asio::steady_timer> sleep_;   // the timer loop's
    std::shared_ptr<boost::asio::steady_timer> resume_;  // loops waiting out a hold
    BlockingReads* outbox_reads_ = nullptr;              // the outbox loop's, while it reads
    BlockingReads* wake_reads_ = nullptr;                // the wake-up loop's, while it reads
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace accord::redis
