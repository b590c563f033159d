// RedisCluster: RedisServers started as cluster nodes, joined by redis-cli --cluster create run as
// a child process, then polled with CLUSTER INFO until every node says cluster_state:ok.
#include "redis_cluster.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "redis_query.hpp"

namespace accord::testing {

namespace {

using std::chrono::steady_clock;

// For redis-cli --cluster create, and then again for every node to report cluster_state:ok.
constexpr auto cluster_timeout = std::chrono::seconds(20);

struct Finished {
    bool succeeded = false;  // exited with status 0 within the time allowed
    std::string output;      // stdout and stderr, interleaved
};

// Runs args[0] with stdin empty and stdout and stderr captured; kills it after `timeout`.
Finished run_captured(std::vector<std::string> args, steady_clock::duration timeout) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(pipe_fds[0]);
        ::close(pipe_fds[1]);
        throw std::runtime_error("fork failed");
    }
    if (pid == 0) {
        const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
        ::dup2(pipe_fds[1], STDOUT_FILENO);
        ::dup2(pipe_fds[1], STDERR_FILENO);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(pipe_fds[1]);

    Finished finished;
    bool timed_out = false;
    const auto deadline = steady_clock::now() + timeout;
    for (;;) {
        const auto left =
            std::chrono::ceil<std::chrono::milliseconds>(deadline - steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        pollfd readable{pipe_fds[0], POLLIN, 0};
        const int ready = ::poll(&readable, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) {
            timed_out = ready == 0;
            break;
        }
        char buffer[4096];
        const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // end of output: the child is done (or closed it, and exits soon)
        finished.output.append(buffer, static_cast<size_t>(n));
    }
    ::close(pipe_fds[0]);
    if (timed_out) ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    finished.succeeded = !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (timed_out) finished.output += "\n(killed after the time allowed)";
    return finished;
}

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
    std::vector<std::string> create = {"/usr/bin/redis-cli", "--cluster", "create"};
    for (const int port : ports()) create.push_back("127.0.0.1:" + std::to_string(port));
    create.insert(create.end(), {"--cluster-replicas", "0", "--cluster-yes"});
    const Finished created = run_captured(create, cluster_timeout);
    if (!created.succeeded) {
        throw std::runtime_error("redis-cli --cluster create failed:\n" + created.output);
    }
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
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

}  // namespace accord::testing
