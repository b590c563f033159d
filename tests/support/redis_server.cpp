// RedisServer: fork + exec of /usr/bin/redis-server, ready once it answers PING as the process we
// started (not some other test's server that took the port first).
#include "redis_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "redis_query.hpp"

namespace accord::testing {

namespace {

constexpr int cluster_bus_offset = 10000;  // fixed by Redis: a node's bus port is its port + 10000
constexpr int start_attempts = 5;

// Binds 127.0.0.1:port (0: any port) and lets it go; the port bound, or -1 if it was taken.
int probe_port(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    socklen_t len = sizeof addr;
    int bound = -1;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
        bound = ntohs(addr.sin_port);
    }
    ::close(fd);
    return bound;
}

// A port the kernel says is free now (for a cluster node, its bus port too). Redis binds it a
// moment later; if someone else was quicker, redis-server exits and the caller tries again.
int free_port(bool with_cluster_bus) {
    for (int attempt = 0; attempt < 100; ++attempt) {
        const int port = probe_port(0);
        if (port < 0) break;
        if (!with_cluster_bus) return port;
        const int bus = port + cluster_bus_offset;
        if (bus <= 65535 && probe_port(bus) == bus) return port;
    }
    throw std::runtime_error("no free port");
}

bool answers_as(int port, pid_t pid) {
    if (query_redis(port, {"PING"}) != "PONG") return false;
    const auto info = query_redis(port, {"INFO", "server"});
    return info && info->find("\nprocess_id:" + std::to_string(pid) + "\r\n") != std::string::npos;
}

std::string last_log_line(const std::string& dir) {
    std::ifstream log(dir + "/redis.log");
    std::string line, last = "(empty log)";
    while (std::getline(log, line)) {
        if (!line.empty()) last = line;
    }
    return last;
}

}  // namespace

RedisServer::RedisServer(Options options) : options_(options) {
    std::string pattern = (std::filesystem::temp_directory_path() / "accord-redis-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    try {
        for (int attempt = 1;; ++attempt) {
            // A node that got as far as writing its nodes.conf must not hand its ID to the next.
            std::error_code ec;
            std::filesystem::remove(dir_ + "/nodes.conf", ec);
            port_ = free_port(options_.cluster_node);
            if (launch()) break;
            if (attempt == start_attempts) {
                throw std::runtime_error("redis-server exited at start " +
                                         std::to_string(start_attempts) +
                                         " times; last log line: " + last_log_line(dir_));
            }
        }
    } catch (...) {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
        throw;
    }
}

RedisServer::~RedisServer() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

void RedisServer::start() {
    if (pid_ > 0) return;
    if (!launch()) {
        throw std::runtime_error("redis-server exited at start on port " + std::to_string(port_) +
                                 "; last log line: " + last_log_line(dir_));
    }
}

bool RedisServer::launch() {
    std::vector<std::string> args = {"/usr/bin/redis-server",
                                     "--port",
                                     std::to_string(port_),
                                     "--bind",
                                     "127.0.0.1",
                                     "--dir",
                                     dir_,
                                     "--save",
                                     "",
                                     "--daemonize",
                                     "no",
                                     "--loglevel",
                                     "warning",
                                     "--logfile",
                                     dir_ + "/redis.log",
                                     "--maxmemory-policy",
                                     "noeviction"};
    if (options_.appendonly) {
        args.insert(args.end(), {"--appendonly", "yes", "--appendfsync", "everysec"});
    } else {
        args.insert(args.end(), {"--appendonly", "no"});
    }
    if (options_.cluster_node) {
        args.insert(args.end(), {"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                                 "--cluster-node-timeout", "2000"});
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    pid_ = pid;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!answers_as(port_, pid_)) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return false;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            stop();
            throw std::runtime_error(
                "redis-server did not answer PING within 10 s; last log line: " +
                last_log_line(dir_));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

void RedisServer::stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
}

}  // namespace accord::testing
