// RedisServer: a real redis-server for a test, on a free loopback port, in a directory of its
// own, stopped (and its directory removed) when the object goes.
#pragma once

#include <string>
#include <vector>

#include <sys/types.h>

namespace accord::testing {

class RedisServer {
public:
    struct Options {
        bool appendonly = false;  // AOF with appendfsync everysec, as `make run` uses
        // A Redis Cluster node (see RedisCluster): cluster-enabled, its nodes.conf in its
        // directory, and its cluster bus port (port + 10000) free as well.
        bool cluster_node = false;
    };

    explicit RedisServer(Options options);
    RedisServer() : RedisServer(Options{}) {}
    ~RedisServer();
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    int port() const { return port_; }
    std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

    // Stops the server (SIGTERM, as an operator would) and waits for it to exit.
    void stop();
    // Starts it again on the same port and directory (an AOF file there is replayed).
    void start();
    bool running() const { return pid_ > 0; }

private:
    // Starts redis-server and waits until it answers; false if it exited first (as when another
    // process took its port).
    bool launch();

    Options options_;
    std::string dir_;
    int port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace accord::testing
