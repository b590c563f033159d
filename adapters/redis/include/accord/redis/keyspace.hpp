// Keyspace: the names of every Redis key Accord uses (docs/redis-layout.md). Instances are
// spread over a fixed number of shards; each shard's keys carry its hash tag ({s7}), so that
// every commit touches a single hash slot, on one server and in a cluster alike.
#pragma once

#include <string>
#include <string_view>
#include <vector>

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

    std::string instance(std::string_view id) const;
    std::string instance_prefix(int shard) const;
    std::string history(std::string_view id) const;

    std::string role_queue(int shard, std::string_view role) const;
    std::string assignee_queue(int shard, std::string_view person) const;
    std::string timers(int shard) const;
    std::string feed(int shard) const;
    std::string outbox(int shard) const;
    std::string idempotency(int shard, std::string_view scope, std::string_view key) const;
    std::string business_keys(int shard) const;
    std::string workflow_instances(int shard, std::string_view workflow) const;

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

}  // namespace accord::redis
