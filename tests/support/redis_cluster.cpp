// RedisCluster: RedisServers started as cluster nodes and joined by hand, as redis-cli --cluster
// create would (slots split evenly, one config epoch each, MEET), then polled with CLUSTER INFO
// every 20 ms until every node says cluster_state:ok. (redis-cli waits in steps of a second,
// which made a cluster cost 3 s per test process.)
#include "redis_cluster.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "redis_query.hpp"

namespace accord::testing {

namespace {

using std::chrono::steady_clock;

// For every node to know the others and report cluster_state:ok.
constexpr auto cluster_timeout = std::chrono::seconds(20);

// The node's "cluster_state:..." line, or why there is none.
std::string cluster_state(int port) {
    const auto info = query_redis(port, {"CLUSTER", "INFO"});
    if (!info) return "no reply to CLUSTER INFO";
    const auto begin = info->find("cluster_state:");
    if (begin == std::string::npos) return "no cluster_state in CLUSTER INFO";
    return info->substr(begin, info->find_first_of("\r\n", begin) - begin);
}

}  // namespace

RedisCluster::RedisCluster(Options options) {
    if (options.masters < 3) {
        throw std::invalid_argument("a Redis Cluster needs at least 3 masters, not " +
                                    std::to_string(options.masters));
    }
    for (int i = 0; i < options.masters; ++i) {
        nodes_.push_back(std::make_unique<RedisServer>(
            RedisServer::Options{.appendonly = options.appendonly, .cluster_node = true}));
    }
    const auto all = ports();
    const int n = static_cast<int>(all.size());
    auto must = [](int port, const std::vector<std::string>& command) {
        if (!query_redis(port, command))
            throw std::runtime_error("cluster setup: " + command[0] + " " + command[1] +
                                     " refused by 127.0.0.1:" + std::to_string(port));
    };
    for (int i = 0; i < n; ++i) {
        const int first = 16384 * i / n, last = 16384 * (i + 1) / n - 1;
        must(all[i], {"CLUSTER", "ADDSLOTSRANGE", std::to_string(first), std::to_string(last)});
        must(all[i], {"CLUSTER", "SET-CONFIG-EPOCH", std::to_string(i + 1)});
    }
    for (int i = 1; i < n; ++i)
        must(all[0], {"CLUSTER", "MEET", "127.0.0.1", std::to_string(all[i])});
    wait_until_ok();
}

std::vector<int> RedisCluster::ports() const {
    std::vector<int> ports;
    for (const auto& n : nodes_) ports.push_back(n->port());
    return ports;
}

std::string RedisCluster::url() const {
    std::string url = "redis+cluster://";
    const char* separator = "";
    for (const int port : ports()) {
        url += separator + ("127.0.0.1:" + std::to_string(port));
        separator = ",";
    }
    return url;
}

void RedisCluster::stop_node(int i) {
    node(i).stop();
}

void RedisCluster::start_node(int i) {
    node(i).start();
    if (std::all_of(nodes_.begin(), nodes_.end(), [](const auto& n) { return n->running(); })) {
        wait_until_ok();
    }
}

RedisServer& RedisCluster::node(int i) const {
    if (i < 0 || static_cast<size_t>(i) >= nodes_.size()) {
        throw std::out_of_range("no cluster node " + std::to_string(i));
    }
    return *nodes_[static_cast<size_t>(i)];
}

void RedisCluster::wait_until_ok() const {
    const auto deadline = steady_clock::now() + cluster_timeout;
    for (;;) {
        std::string not_ok;  // the first node that isn't ok, and what it says
        for (const int port : ports()) {
            const std::string state = cluster_state(port);
            if (state != "cluster_state:ok") {
                not_ok = "127.0.0.1:" + std::to_string(port) + " says " + state;
                break;
            }
        }
        if (not_ok.empty()) return;
        if (steady_clock::now() > deadline) {
            throw std::runtime_error("Redis Cluster not ok within " +
                                     std::to_string(cluster_timeout.count()) + " s: " + not_ok);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

}  // namespace accord::testing
