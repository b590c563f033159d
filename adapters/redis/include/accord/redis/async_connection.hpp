// AsyncConnection: one hiredis asynchronous connection driven by a Boost.Asio executor.
// Commands are pipelined: any number may be in flight, replies come back in order. The
// connection reconnects by itself, with back-off; while Redis is unreachable every command
// fails at once with ErrorCode::unavailable instead of waiting.
//
// Thread safety: use it from its executor only (a single-threaded io_context, or a strand).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>

#include "accord/engine/result.hpp"
#include "accord/redis/redis_url.hpp"
#include "accord/redis/reply.hpp"

namespace accord::redis {

using ReplyHandler = std::function<void(engine::Result<Reply>)>;

struct ConnectionOptions {
    // A command with no reply for this long means the server is gone: the connection is
    // dropped and every command in flight fails as unavailable.
    std::chrono::milliseconds command_timeout{5000};
    std::chrono::milliseconds backoff_min{50};
    std::chrono::milliseconds backoff_max{2000};
    // Commands gather in the connection's buffer and are written when the socket is next
    // ready, which is after the handlers queued before them have run; but they are written at
    // once when Redis has nothing else of ours to work on, or when this many have gathered,
    // so that Redis works on them while this node prepares the next. (Gathering alone made a
    // node and Redis take turns, each idle while the other worked; writing each command at
    // once cost a write and a read for every one: bench/RESULTS.md.)
    std::size_t write_batch = 4;
};

class AsyncConnection : public std::enable_shared_from_this<AsyncConnection> {
public:
    static std::shared_ptr<AsyncConnection> create(boost::asio::any_io_executor executor,
                                                   RedisUrl url, ConnectionOptions options = {});
    ~AsyncConnection();
    AsyncConnection(const AsyncConnection&) = delete;
    AsyncConnection& operator=(const AsyncConnection&) = delete;

    // Sends a command. `done` is called exactly once, later (never from inside send), on the
    // connection's executor: with the reply, a Redis error reply as storage_error, or
    // unavailable when the connection failed before the reply came.
    void send(const Command& command, ReplyHandler done);
    // The same for a command already in RESP (see format).
    void send_formatted(std::string_view resp, ReplyHandler done);
    // The command `head0 head1 rest...` in RESP, into `out` (its capacity is kept; empty heads
    // are left out): EVALSHA <sha> and a script's keys and arguments, without first copying
    // them into one command.
    static void format(std::string_view head0, std::string_view head1, const Command& rest,
                       std::string& out);

    // Drops the connection; commands in flight fail as unavailable. The next send reconnects.
    void drop();

    bool connected() const;
    // Whether something from the server may be waiting to be handed out: bytes on the socket
    // (one poll, no wait), a reply read but not yet parsed or delivered, or no connection at
    // all. A caller that trusts "nothing came" (TokenCache's watch of revocations) asks this
    // first: a reply Redis wrote before is then never overlooked.
    bool input_pending() const;
    const RedisUrl& url() const { return url_; }
    boost::asio::any_io_executor executor() const;

    struct Impl;  // hiredis glue, in the .cpp

private:
    AsyncConnection(boost::asio::any_io_executor executor, RedisUrl url, ConnectionOptions options);

    RedisUrl url_;
    std::shared_ptr<Impl> impl_;
};

}  // namespace accord::redis
