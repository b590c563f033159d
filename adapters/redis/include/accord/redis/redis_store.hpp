// RedisStore: instances, tasks, timers, history, feed and outbox in Redis, with the layout of
// docs/redis-layout.md. A step is committed by one script call on the instance's shard, with
// an optimistic revision check; reads across shards are pipelined and merged.
//
// Thread safety: use it from its client's executor only.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "accord/engine/interpreter.hpp"
#include "accord/redis/client.hpp"
#include "accord/redis/keyspace.hpp"

namespace accord::redis {

using engine::DefinitionPtr;
using engine::Instance;
using engine::Result;
using engine::Task;
using engine::TimeMs;

template <typename T>
using Awaitable = boost::asio::awaitable<T>;

struct StoreOptions {
    std::string prefix = "acc";
    int shards = 16;  // used when the keyspace is created; an existing one keeps its own
    std::chrono::seconds idempotency_ttl{24 * 3600};
    std::size_t feed_max_length = 10'000;  // per shard, approximately (retention)
    // Completed tasks kept listed per person and per role, on each shard (the newest); 0: none.
    // Older ones are in their instances' histories. A list grows to 1.5 times this before it is
    // trimmed back: at 64 it stays under Redis's zset-max-listpack-entries (128), compact and
    // cheap to add to (200 made a commit cost Redis 8-17 us more, bench/RESULTS.md).
    std::size_t done_kept = 64;
    // zstd levels for stored documents and for history entries; 0 keeps them as plain JSON.
    // Readers take both, so they may change on a live keyspace. A document is kept for each
    // instance (memory) and read on every load; a history entry is written once and rarely
    // read, and compressing it alone costs more engine CPU than it saves Redis.
    int compression_level = 1;
    int history_compression_level = 0;
    // Learn a zstd dictionary per definition version from its first records (kept in Redis,
    // shared by every node); once there is one, the version's documents, history entries and
    // feed entries are all compressed with it at `compression_level` (not when that is 0).
    bool dictionaries = true;
};

// Where a commit's idempotency key and business key go.
struct CommitOptions {
    std::string idempotency_scope;            // the instance id, or "start"
    std::string idempotency_key;              // empty: none
    std::chrono::seconds idempotency_ttl{0};  // 0: the store's default
};

struct CommitOutcome {
    enum class Status { applied, stale, duplicate, key_taken };
    Status status = Status::applied;
    std::optional<Instance> current;  // stale: the stored instance; duplicate: the first result
    std::string head;                 // applied: the new history head; stale: the stored one
    std::string owner;                // key_taken: the instance that holds the business key
    std::string history_id;           // applied: the history entry's stream id
};

// A task queue: a role's, or a person's (assigned to them, or claimed by them).
struct TaskQueue {
    bool by_role = true;
    std::string name;
};

// An instance as stored, with the hash of its last history entry (which the next commit
// chains its entry to).
struct StoredInstance {
    Instance instance;
    std::string head;
};

// An instance with a timer due: the timer set holds one entry per instance, at its earliest
// pending timer.
struct DueTimer {
    std::string instance_id;
    TimeMs due_at = 0;  // the score it had when claimed
};

// The timer sets as a clock that jumps sees them (DevClock::advance_to).
struct NextTimers {
    // The earliest entry that is not held by a claim, if any: its instance's earliest pending
    // timer. (An entry past the horizon counts here, claimed or not, as due when its lease ends.)
    std::optional<DueTimer> earliest;
    // Entries held by a claim, up to the horizon: their instances have timers due at or before
    // the claim that are not yet committed as fired; due_at is when the lease lets another node
    // claim them.
    std::vector<DueTimer> claimed;
};

struct HistoryRecord {
    std::string id;      // stream id
    std::string entry;   // JSON text
    std::string stored;  // the entry as kept (JSON text or a zstd frame of it): what is hashed
    std::string hash;    // sha1(previous hash + stored)
};

// What `accordctl verify-history` reports: whether each entry's hash is the hash of the one
// before and of its own text, and whether the instance's head names the last one.
struct HistoryCheck {
    std::size_t entries = 0;
    bool intact = true;
    std::string problem;  // where the chain breaks, when it does
};

struct FeedEvent {
    std::string cursor;  // the feed position just after this event
    int shard = 0;
    std::string id;  // stream id in its shard
    engine::json event;
};
struct FeedPage {
    std::vector<FeedEvent> events;  // in commit order within a shard, merged by stream id
    std::string cursor;             // resume from here
    bool reset = false;             // the given cursor was older than retention
    // Events were read but held back, being as new as the read itself: read again soon.
    bool held_back = false;
};

// Work for other instances (or the outside world) that a commit left in its shard's outbox.
struct OutboxEntry {
    int shard = 0;
    std::string id;         // stream id
    std::string effect_id;  // "<instance>@<revision>.<n>": the receiver's idempotency key
    std::string kind;       // child.start, child.result, child.cancel, start, notify, feed,
                            // reschedule
    engine::json payload;
    // Not empty: the entry is malformed (what is wrong); it is parked, never delivered.
    std::string problem;
    std::string payload_text;  // the payload as stored
};

class Dictionaries;

class RedisStore {
public:
    RedisStore(std::shared_ptr<Client> client, StoreOptions options);
    ~RedisStore();

    // Creates the keyspace (or adopts the existing one's shard count) and the outbox consumer
    // groups. Call once before anything else.
    Awaitable<Result<void>> open();

    const Keyspace& keys() const { return keys_; }
    Client& client() { return *client_; }
    const StoreOptions& options() const { return options_; }

    // A commit whose feed entry holds an event of a type `wanted(type)` answers true for also
    // writes that entry to its shard's outbox (kind "feed"), for webhooks: the commit and its
    // events for the outside world are one write. Unset, or no such event: not (a commit no
    // webhook wants costs nothing more).
    void feed_to_outbox(std::function<bool(std::string_view type)> wanted) {
        feed_to_outbox_ = std::move(wanted);
    }

    Awaitable<Result<void>> put_definition(DefinitionPtr definition);
    // The same, saying whether the version is new (false: stored before with this body).
    Awaitable<Result<bool>> store_definition(DefinitionPtr definition);
    // version 0: the latest (as known within the last second across nodes).
    Awaitable<Result<DefinitionPtr>> definition(std::string name, int version = 0);
    Awaitable<Result<std::vector<std::string>>> workflow_names();
    Awaitable<Result<std::vector<int>>> definition_versions(std::string name);  // ascending
    // The instance a start with this business key made, if any.
    Awaitable<Result<std::optional<std::string>>> find_by_key(std::string workflow,
                                                              std::string key);
    // Instances of the workflows, newest first (created_at, then id, descending), after
    // `before` (where the previous page ended), at most `limit`.
    Awaitable<Result<std::vector<InstancePosition>>> list_instances(
        std::vector<std::string> workflows, std::optional<InstancePosition> before,
        std::size_t limit);

    Awaitable<Result<Instance>> load(std::string id);
    Awaitable<Result<StoredInstance>> load_stored(std::string id);
    // The instances, read in one pipelined round trip, in the order of `ids`; nullopt for one
    // that does not exist.
    Awaitable<Result<std::vector<std::optional<StoredInstance>>>> load_many(
        std::vector<std::string> ids);
    // Applies `step`, made with `definition`. `before` is the instance as stored (its revision
    // and `before_head` are the ones checked), or null for a new instance.
    Awaitable<Result<CommitOutcome>> commit(const engine::Definition& definition,
                                            const engine::Step& step, const Instance* before,
                                            std::string before_head, const CommitOptions& options);

    // The first result of an input with this idempotency key, if it was committed (and the
    // key has not expired). `shard`: the shard the input's commit goes to.
    Awaitable<Result<std::optional<Instance>>> idempotent_result(std::string scope, std::string key,
                                                                 int shard);

    Awaitable<Result<Task>> find_task(std::string task_id);
    // Open tasks, most urgent first (due time, then id), at most `limit`.
    // `after`: where the previous page ended (QueuePosition::of its last task).
    Awaitable<Result<std::vector<Task>>> open_tasks_for_role(
        std::string role, std::size_t limit, std::optional<QueuePosition> after = {});
    // Assigned to the person, or claimed by them with a lease still running at `now`.
    Awaitable<Result<std::vector<Task>>> open_tasks_for_assignee(
        std::string person, std::size_t limit, TimeMs now, std::optional<QueuePosition> after = {});
    // Open tasks of several queues (a role's, or a person's as open_tasks_for_assignee takes
    // them) in one round trip: each queue's page, in the order of `queues`.
    Awaitable<Result<std::vector<std::vector<Task>>>> open_tasks_of(
        std::vector<TaskQueue> queues, std::size_t limit, TimeMs now,
        std::optional<QueuePosition> after = {});
    // Tasks completed by the person, or of the role, newest first (over every shard), before
    // `before` when given. Each shard keeps its newest (StoreOptions::done_kept); the page
    // holds every completion since `complete_since` and none before it, so that it has no
    // gaps where one shard's list was trimmed and another's not.
    struct DonePage {
        std::vector<Task> tasks;
        TimeMs complete_since = 0;  // 0: nothing trimmed, the lists go back to the start
    };
    Awaitable<Result<DonePage>> done_tasks(bool by_role, std::string name, std::size_t limit,
                                           std::optional<DonePosition> before);
    // Open tasks in each role's queue (over every shard), in the order of `roles`.
    Awaitable<Result<std::vector<std::size_t>>> role_queue_sizes(std::vector<std::string> roles);
    // Instances with a timer due at `now` or before (the timer sets' entries up to it).
    Awaitable<Result<std::size_t>> instances_due(TimeMs now);
    // How many instances have a pending timer (entries of the timer sets).
    Awaitable<Result<std::size_t>> instances_with_timers();

    // Claims up to `per_shard` instances with a due timer, of every shard, for `lease`.
    Awaitable<Result<std::vector<DueTimer>>> claim_due_timers(TimeMs now,
                                                              std::chrono::milliseconds lease,
                                                              std::size_t per_shard);
    // Sets an instance's timer entry to `earliest` (0: none) if its stored revision is still
    // `revision` (0: the instance is gone); a commit keeps the entry itself, this mends one
    // that points at nothing due. False if the instance had moved on.
    Awaitable<Result<bool>> mend_timer_entry(std::string instance_id, std::uint64_t revision,
                                             TimeMs earliest);
    // The earliest timer entry of all shards, if any: a timer's due time, or when a claim's
    // lease ends (rounded up to the millisecond).
    Awaitable<Result<std::optional<TimeMs>>> earliest_timer();
    // Tells every node's timer loop to look again: a timer is due at `due` (Keyspace::timer_wake).
    // Sent without waiting for the answer: a lost one only delays the others' look to their
    // next idle check.
    void announce_timer(TimeMs due);
    // The newest entry of the timer wake-up stream ("0-0": none), where a watch starts.
    Awaitable<Result<std::string>> timer_wake_end();
    // The earliest timer entry of all shards, and the claimed entries scored up to
    // `claims_until` (a claim's lease ends at most one lease after its claim).
    Awaitable<Result<NextTimers>> next_timers(TimeMs claims_until);

    Awaitable<Result<std::vector<HistoryRecord>>> history(std::string instance_id);
    Awaitable<Result<HistoryCheck>> verify_history(std::string instance_id);

    Awaitable<Result<FeedPage>> read_feed(std::string cursor, std::size_t count);
    // The cursor of the feed's current end, for a client that wants live changes only.
    Awaitable<Result<std::string>> feed_end();
    // Adds an entry ({"at", "instance", "workflow", "events": [...]}, as a commit's) to the
    // feed of `instance_id`'s shard, in its place among the commits (a delivered notification).
    Awaitable<Result<void>> add_to_feed(std::string instance_id, std::string entry);
    // Adds entries to the outboxes of their shards (work no commit made: a calendar change's
    // rescheduling), pipelined; each is delivered by some node, at least once.
    Awaitable<Result<void>> add_to_outbox(std::vector<OutboxEntry> entries);

    // One page of the instances with a pending timer in `shard` (its timer set's members),
    // by SCAN's rules: from `cursor` ("0" to begin), every member present throughout the walk
    // at least once; the next cursor is "0" at the end.
    struct TimerScan {
        std::string cursor;
        std::vector<std::string> instance_ids;
    };
    Awaitable<Result<TimerScan>> scan_timer_entries(int shard, std::string cursor,
                                                    std::size_t count);

    // New outbox entries for `consumer`, then entries idle longer than `reclaim_after` in a
    // consumer that stopped (a dead node's).
    Awaitable<Result<std::vector<OutboxEntry>>> take_outbox(
        std::string consumer, std::size_t per_shard, std::chrono::milliseconds reclaim_after);
    Awaitable<Result<void>> ack_outbox(const OutboxEntry& entry);
    // Entries idle longer than `reclaim_after` in any consumer (a stopped node's, or one whose
    // delivery failed), taken over by `consumer`.
    Awaitable<Result<std::vector<OutboxEntry>>> reclaim_outbox(
        std::string consumer, std::size_t per_shard, std::chrono::milliseconds reclaim_after);
    // Moves an entry that cannot be delivered to its shard's parked stream, with why, and acks
    // it (Keyspace::outbox_parked).
    Awaitable<Result<void>> park_outbox(const OutboxEntry& entry, std::string why);
    // An outbox stream entry ([id, [field, value, ...]]) as read from `shard`.
    static OutboxEntry parse_outbox_entry(int shard, const Reply& entry);
    static constexpr std::size_t kParkedKept = 10'000;  // per shard, approximately

    static constexpr const char* kOutboxGroup = "accord";
    // One feed entry in this many of a node's to a shard's feed trims it (to about
    // StoreOptions::feed_max_length).
    static constexpr std::uint32_t kFeedTrimEvery = 16;

private:
    struct PlannedCommit {
        std::vector<std::string> keys, args;
    };
    Result<PlannedCommit> plan_commit(const engine::Step& step, const Instance* before,
                                      const CommitOptions& options, std::string doc,
                                      const std::string& before_head);
    Awaitable<Result<StoredInstance>> parse_stored(const std::string& stored);
    // Dictionaries: fetched when a record read names one this node does not know; adopted
    // from Redis when a definition is first used; learned once enough records were sampled.
    Awaitable<Result<void>> know_dictionaries(const Reply& reply);
    Awaitable<Result<void>> know_dictionaries(const std::vector<Result<Reply>>& replies);
    Awaitable<Result<void>> fetch_dictionaries(std::vector<unsigned> ids);
    Awaitable<Result<void>> adopt_dictionary(const engine::Definition& definition,
                                             std::string learned);

    std::shared_ptr<Client> client_;
    StoreOptions options_;
    Keyspace keys_;
    std::unique_ptr<Dictionaries> dictionaries_;
    struct Worker;  // a thread for CPU work that must not hold up the executor (training)
    std::unique_ptr<Worker> worker_;
    std::map<std::pair<std::string, int>, DefinitionPtr, std::less<>> definitions_;
    struct Latest {
        int version = 0;
        std::chrono::steady_clock::time_point checked;
    };
    std::map<std::string, Latest, std::less<>> latest_;
    // Feed entries this node added per shard: one in kFeedTrimEvery asks Redis to trim.
    std::vector<std::uint32_t> feed_adds_;
    std::function<bool(std::string_view)> feed_to_outbox_;
};

}  // namespace accord::redis
