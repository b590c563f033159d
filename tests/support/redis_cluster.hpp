// RedisCluster: a real Redis Cluster for a test: N masters, no replicas, each a RedisServer on a
// free loopback port (and bus port) in a directory of its own; all stopped when the object goes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "redis_server.hpp"

namespace accord::testing {

class RedisCluster {
public:
    struct Options {
        int masters = 3;          // at least 3, as redis-cli --cluster create requires
        bool appendonly = false;  // every node: AOF with appendfsync everysec
    };

    // Starts the nodes, forms the cluster with redis-cli --cluster create (slots split evenly),
    // and returns once every node reports cluster_state:ok. Throws std::runtime_error if that
    // takes more than 20 s, std::invalid_argument for fewer than 3 masters.
    explicit RedisCluster(Options options);
    RedisCluster() : RedisCluster(Options{}) {}
    RedisCluster(const RedisCluster&) = delete;
    RedisCluster& operator=(const RedisCluster&) = delete;

    // Node i's client port, in node order (node i owns the i-th range of slots at creation).
    std::vector<int> ports() const;
    // "redis+cluster://127.0.0.1:P1,127.0.0.1:P2,..." in node order.
    std::string url() const;

    // Node i is in [0, masters); another i throws std::out_of_range.
    // Stops node i (SIGTERM). Without replicas its slots go unserved: once the others mark it
    // failed (cluster-node-timeout is 2 s) they report cluster_state:fail.
    void stop_node(int i);
    // Starts node i again on its port and directory; it rejoins from its nodes.conf (same node
    // ID and slots; its data only if appendonly). If every node is then running, returns once all
    // report cluster_state:ok (throws after 20 s).
    void start_node(int i);

private:
    void wait_until_ok() const;
    RedisServer& node(int i) const;

    std::vector<std::unique_ptr<RedisServer>> nodes_;
};

}  // namespace accord::testing
