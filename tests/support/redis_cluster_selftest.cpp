// RedisCluster against real redis-server nodes: it forms a working cluster whose slots are spread
// over the masters, and a stopped node comes back with its identity, slots and AOF data.
#include "redis_cluster.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "redis_query.hpp"

namespace accord::testing {
namespace {

// The client port of the master serving `slot`, per `port`'s CLUSTER NODES; -1 if none.
int owner_of_slot(int port, int slot) {
    const auto nodes = query_redis(port, {"CLUSTER", "NODES"});
    if (!nodes) throw std::runtime_error("no reply to CLUSTER NODES");
    std::istringstream lines(*nodes);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream fields(line);
        std::string id, address, flags, master, ping, pong, epoch, link;
        fields >> id >> address >> flags >> master >> ping >> pong >> epoch >> link;
        const int node_port = std::stoi(address.substr(address.find(':') + 1));
        for (std::string range; fields >> range;) {
            if (range.starts_with('[')) continue;  // a slot being migrated
            const auto dash = range.find('-');
            const int first = std::stoi(range.substr(0, dash));
            const int last = dash == std::string::npos ? first : std::stoi(range.substr(dash + 1));
            if (first <= slot && slot <= last) return node_port;
        }
    }
    return -1;
}

int owner_of_key(const RedisCluster& cluster, const std::string& key) {
    const int any = cluster.ports().front();
    const auto slot = query_redis(any, {"CLUSTER", "KEYSLOT", key});
    if (!slot) throw std::runtime_error("no reply to CLUSTER KEYSLOT");
    return owner_of_slot(any, std::stoi(*slot));
}

TEST(RedisCluster, EveryNodeIsOkAndHashTagsLandOnSeveralMasters) {
    RedisCluster cluster;
    const std::vector<int> ports = cluster.ports();
    ASSERT_EQ(ports.size(), 3u);
    EXPECT_EQ(cluster.url(), "redis+cluster://127.0.0.1:" + std::to_string(ports[0]) +
                                 ",127.0.0.1:" + std::to_string(ports[1]) +
                                 ",127.0.0.1:" + std::to_string(ports[2]));
    for (const int port : ports) {
        const auto info = query_redis(port, {"CLUSTER", "INFO"});
        ASSERT_TRUE(info) << port;
        EXPECT_NE(info->find("cluster_state:ok"), std::string::npos) << *info;
        EXPECT_NE(info->find("cluster_known_nodes:3"), std::string::npos) << *info;
    }
    std::set<int> owners;
    for (int s = 0; s < 16; ++s) {
        const std::string key = "{s" + std::to_string(s) + "}:k";
        const int owner = owner_of_key(cluster, key);
        ASSERT_NE(std::find(ports.begin(), ports.end(), owner), ports.end()) << key;
        owners.insert(owner);
        EXPECT_EQ(query_redis(owner, {"SET", key, "v"}), "OK") << key << " on its owner";
        for (const int port : ports) {
            if (port != owner) {
                EXPECT_FALSE(query_redis(port, {"SET", key, "v"})) << "MOVED";
            }
        }
    }
    EXPECT_GT(owners.size(), 1u);
}

TEST(RedisCluster, AStoppedNodeRejoinsWithItsIdItsSlotsAndItsAppendOnlyData) {
    RedisCluster cluster(RedisCluster::Options{.appendonly = true});
    const std::vector<int> ports = cluster.ports();
    std::string key;
    for (int s = 0; key.empty(); ++s) {
        const std::string candidate = "{s" + std::to_string(s) + "}:k";
        if (owner_of_key(cluster, candidate) == ports[0]) key = candidate;
    }
    ASSERT_EQ(query_redis(ports[0], {"SET", key, "kept"}), "OK");
    const auto id = query_redis(ports[0], {"CLUSTER", "MYID"});
    ASSERT_TRUE(id);

    cluster.stop_node(0);
    EXPECT_FALSE(query_redis(ports[0], {"PING"}));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (query_redis(ports[1], {"CLUSTER", "INFO"})->find("cluster_state:fail") ==
           std::string::npos) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the others never noticed";
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }

    cluster.start_node(0);
    EXPECT_EQ(cluster.ports(), ports);
    EXPECT_EQ(query_redis(ports[0], {"CLUSTER", "MYID"}), id);
    EXPECT_EQ(owner_of_key(cluster, key), ports[0]);
    EXPECT_EQ(query_redis(ports[0], {"GET", key}), "kept");
    for (const int port : ports) {
        EXPECT_NE(query_redis(port, {"CLUSTER", "INFO"})->find("cluster_state:ok"),
                  std::string::npos);
    }
}

TEST(RedisCluster, FewerThanThreeMastersAreRefused) {
    EXPECT_THROW(RedisCluster(RedisCluster::Options{.masters = 2}), std::invalid_argument);
}

}  // namespace
}  // namespace accord::testing
