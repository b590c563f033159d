// Connection: one blocking connection to Redis through hiredis, with Result-returning calls,
// reconnection after a failure, and Lua scripts loaded once and called by SHA.
// Not thread-safe: one owner at a time (a pool hands connections out).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "accord/engine/result.hpp"
#include "accord/redis/redis_url.hpp"
#include "accord/redis/reply.hpp"

struct redisContext;

namespace accord::redis {

class Connection {
public:
    // Connects (and selects the database, and authenticates when the URL says so). An
    // unreachable server is ErrorCode::unavailable.
    static engine::Result<Connection> open(
        const RedisUrl& url, std::chrono::milliseconds timeout = std::chrono::seconds(2));

    Connection(Connection&&) noexcept;
    Connection& operator=(Connection&&) noexcept;
    ~Connection();

    // Runs one command. A connection that failed is reconnected first (once); I/O failures are
    // `unavailable`, Redis error replies `storage_error` with Redis's message.
    engine::Result<Reply> command(const std::vector<std::string>& args);

    // EVALSHA, loading the script first when this server does not have it (first use, a restart,
    // SCRIPT FLUSH).
    engine::Result<Reply> eval(const Script& script, const std::vector<std::string>& keys,
                               const std::vector<std::string>& args);

    bool connected() const { return ctx_ != nullptr; }

private:
    Connection(RedisUrl url, std::chrono::milliseconds timeout)
        : url_(std::move(url)), timeout_(timeout) {}
    engine::Result<void> connect();
    engine::Result<Reply> run(const std::vector<std::string>& args);
    void drop();

    RedisUrl url_;
    std::chrono::milliseconds timeout_;
    redisContext* ctx_ = nullptr;
    std::vector<std::pair<std::string, std::string>> shas_;  // script source name → sha
};

}  // namespace accord::redis
