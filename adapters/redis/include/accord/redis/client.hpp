// Client: Redis as the store sees it, a single server or a Redis Cluster. Every call names the
// key that routes it; in a cluster it goes to the master that owns the key's hash slot,
// following MOVED (and refreshing the slot map) and ASK redirections. Scripts are called by
// SHA1 and sent in full only to a server that does not know them yet.
//
// Thread safety: use it from its executor only, like AsyncConnection.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "accord/redis/async_connection.hpp"

namespace accord::redis {

// The cluster hash slot of a key: CRC16 of its hash tag ({...}) or of the whole key.
int key_slot(std::string_view key);

// One call of a batch: a command, or a script with its keys and arguments.
struct Call {
    std::string route;  // the key that decides the node
    Command command;    // for a script: numkeys, keys..., args...
    const Script* script = nullptr;

    static Call cmd(std::string route, Command command);
    static Call eval(const Script& script, std::vector<std::string> keys,
                     std::vector<std::string> args);
};

// A batch of calls, built without a std::initializer_list (see command_of).
template <typename... Calls>
std::vector<Call> calls_of(Calls&&... calls) {
    std::vector<Call> out;
    out.reserve(sizeof...(calls));
    (out.push_back(std::forward<Calls>(calls)), ...);
    return out;
}

class Client : public std::enable_shared_from_this<Client> {
public:
    // `redis://[:password@]host[:port][/db]` for a single server;
    // `redis+cluster://[:password@]host:port[,host:port...]` for a cluster (seed nodes).
    static engine::Result<std::shared_ptr<Client>> create(boost::asio::any_io_executor executor,
                                                          std::string_view url,
                                                          ConnectionOptions options = {});

    // Learns the cluster's slot map (a single server: checks it answers).
    boost::asio::awaitable<engine::Result<void>> connect();

    void send(Call call, ReplyHandler done);

    boost::asio::awaitable<engine::Result<Reply>> call(Call call);
    boost::asio::awaitable<engine::Result<Reply>> command(std::string route, Command command);
    boost::asio::awaitable<engine::Result<Reply>> eval(const Script& script,
                                                       std::vector<std::string> keys,
                                                       std::vector<std::string> args);
    // Sends every call at once (pipelined on each node) and waits for all replies, in order.
    boost::asio::awaitable<std::vector<engine::Result<Reply>>> all(std::vector<Call> calls);

    // A command to every master (FLUSHALL, INFO, SCRIPT FLUSH), replies in node order.
    boost::asio::awaitable<std::vector<engine::Result<Reply>>> on_every_node(Command command);

    // AsyncConnection::input_pending of the connection that `route`'s calls go to.
    bool input_pending(const std::string& route) const;

    // A client of the same server or cluster with connections of its own: a blocking read
    // holds up the connection it is sent on (BlockingReads).
    std::shared_ptr<Client> sibling(ConnectionOptions options) const;

    bool is_cluster() const { return cluster_; }
    const ConnectionOptions& options() const { return options_; }
    boost::asio::any_io_executor executor() const { return executor_; }
    std::string describe() const;

    Client(boost::asio::any_io_executor executor, bool cluster, std::vector<RedisUrl> seeds,
           ConnectionOptions options);

private:
    void send_to(std::size_t node, Call call, int redirects, bool asking, ReplyHandler done);
    std::size_t node_for(const std::string& host, int port);
    void refresh_slots();
    void ask_slots(std::size_t node);
    void apply_slots(const Reply& slots);
    boost::asio::awaitable<engine::Result<Reply>> call_node(std::size_t node, Command command);

    boost::asio::any_io_executor executor_;
    bool cluster_;
    ConnectionOptions options_;
    RedisUrl base_;  // password and db for every node
    std::vector<std::shared_ptr<AsyncConnection>> nodes_;
    std::vector<std::uint16_t> slots_;  // slot -> index into nodes_ (cluster)
    bool refreshing_ = false;
    std::chrono::steady_clock::time_point last_refresh_{};  // at most one refresh per 100 ms
};

}  // namespace accord::redis
