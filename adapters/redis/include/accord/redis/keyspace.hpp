// Keyspace: the names of every Redis key Accord uses (docs/redis-layout.md). Instances are
// spread over a fixed number of shards; each shard's keys carry its hash tag ({s7}), so that
// every commit touches a single hash slot, on one server and in a cluster alike. Users and tokens
// share the tag {u}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accord/engine/instance.hpp"
#include "accord/engine/result.hpp"

namespace accord::redis {

class Keyspace {
public:
    explicit Keyspace(std::string prefix = "acc", int shards = 16);

    const std::string& prefix() const { return prefix_; }
    int shards() const { return shards_; }

    // The shard of an instance: a hash of its id. A keyed start picks an id on the shard of
    // its (workflow, key), so that the key's index and the instance share the slot.
    int shard_of(std::string_view instance_id) const;
    int shard_of_key(std::string_view workflow, std::string_view key) const;
    // The instance a task or timer id belongs to: ids are "<instance>.t<n>" and "<instance>.w<n>".
    static std::string_view instance_of(std::string_view task_or_timer_id);

    std::string meta() const;   // hash: shards, layout
    std::string clock() const;  // string: the development clock's offset (DevClock)
    std::string definition_names() const;
    std::string definition_versions(std::string_view workflow) const;
    std::string definition_latest() const;
    // Compression dictionaries (docs/redis-layout.md): hash ID -> bytes, and hash
    // "<workflow> <version>" -> the ID of the one that version's records are compressed with.
    std::string dictionaries() const;
    std::string version_dictionaries() const;

    std::string instance(std::string_view id) const;
    std::string instance_prefix(int shard) const;
    std::string history(std::string_view id) const;
    // The instance's closed tasks: relative task id (".t3") → the history id that closed it.
    std::string closed_tasks(std::string_view id) const;

    std::string role_queue(int shard, std::string_view role) const;
    std::string assignee_queue(int shard, std::string_view person) const;
    // Completed tasks, newest first (StoreOptions::done_kept), by who completed them and by
    // role: the list of `field` ("who:<person>" or "role:<role>", done_field), and the
    // shard's hash of the latest completion time trimmed from each list.
    std::string done_list(int shard, std::string_view field) const;
    std::string done_since(int shard) const;
    static std::string done_field(bool by_role, std::string_view name);
    std::string timers(int shard) const;
    std::string feed(int shard) const;
    std::string outbox(int shard) const;
    // Outbox entries that could not be delivered because they are malformed (or made delivery
    // throw): kept for an operator, with why, instead of being retried for ever.
    std::string outbox_parked(int shard) const;
    // A stream nodes block on: a commit that set a timer earlier than its node knew of adds an
    // entry, so that every node's timer loop looks again (docs/redis-layout.md).
    std::string timer_wake() const;
    std::string idempotency(int shard, std::string_view scope, std::string_view key) const;
    std::string business_keys(int shard) const;
    std::string workflow_instances(int shard, std::string_view workflow) const;

    // Users and their bearer tokens, all under the hash tag {u}: one slot.
    std::string user_names() const;
    std::string user(std::string_view name) const;
    std::string token(std::string_view sha256_hex) const;
    std::string token_prefix() const;  // "acc:{u}:token:"
    std::string user_prefix() const;   // "acc:{u}:user:"
    std::string users_epoch() const;
    // A stream: one entry per change to users, their sessions or the units, for nodes to block
    // on (so that they drop what they cached).
    std::string user_changes() const;
    std::string session(std::string_view sha256_hex) const;
    std::string session_prefix() const;  // "acc:{u}:session:"
    std::string units() const;
    std::string calendar() const;  // the office calendar (JSON)
    std::string audit() const;  // a stream: who changed what
    // Failed sign-ins, counted per name and per address.
    std::string name_failures(std::string_view name) const;
    std::string address_failures(std::string_view address) const;

    // A person's notices, under a hash tag of their own ({n:<name>}): "list" (a sorted set by
    // time), "items" (a hash of the notices) and "unread" (a set of ids).
    std::string notices(std::string_view person, std::string_view part) const;

private:
    std::string tag(int shard) const;  // "acc:{s7}:"

    std::string prefix_;
    int shards_;
};

// A position in every shard's feed, as one opaque token. Empty: from the start of retention.
struct FeedCursor {
    // Per shard: the last stream id delivered ("0-0": none), or "<id>.<k>" when only the first
    // k events of that entry were.
    std::vector<std::string> ids;

    std::string encode() const;
    static bool decode(std::string_view token, int shards, FeedCursor& out);
};

// One shard's feed position, ordered: the entry (ms, seq), then how many of its events were
// delivered (kWhole: all of them). Parsed from a FeedCursor id ("ms-seq" or "ms-seq.k"); `ms`
// is the stream id's first part, which for the feed is the commit's time in microseconds.
struct FeedPosition {
    static constexpr std::uint32_t kWhole = 0xFFFFFFFF;
    std::uint64_t ms = 0, seq = 0;
    std::uint32_t k = kWhole;

    static FeedPosition parse(std::string_view id);
    auto operator<=>(const FeedPosition&) const = default;
};

// Where a page of a task queue ended: queues are ordered by (score, task id), the score being
// the due time (kNoDue for a task without one). Encoded as one opaque token.
struct QueuePosition {
    static constexpr std::int64_t kNoDue = 9'000'000'000'000'000;
    std::int64_t score = 0;
    std::string task_id;

    static QueuePosition of(const engine::Task& task);
    std::string encode() const;
    // Empty: nullopt (from the start); malformed: invalid_input.
    static engine::Result<std::optional<QueuePosition>> decode(std::string_view token);
    auto operator<=>(const QueuePosition&) const = default;
};

// Where a page of an instance list ended: newest first, by (created_at, id) descending.
struct InstancePosition {
    std::int64_t created_at = 0;
    std::string id;

    std::string encode() const;
    static engine::Result<std::optional<InstancePosition>> decode(std::string_view token);
    auto operator<=>(const InstancePosition&) const = default;
};

// Where a page of completed tasks ended: newest first, by (closed_at, task id) descending.
struct DonePosition {
    std::int64_t closed_at = 0;
    std::string task_id;

    static DonePosition of(const engine::Task& task) { return {task.closed_at, task.id}; }
    std::string encode() const;
    static engine::Result<std::optional<DonePosition>> decode(std::string_view token);
    auto operator<=>(const DonePosition&) const = default;
};

}  // namespace accord::redis
