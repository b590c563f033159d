// BlockingReads: XREAD / XREADGROUP with BLOCK on connections of their own, one per server (or
// per stream in a cluster), and the answers gathered for the reader.
#include "accord/redis/blocking_reads.hpp"

#include <optional>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace accord::redis {

namespace asio = boost::asio;

struct BlockingReads::Group {
    std::shared_ptr<Client> client;
    std::vector<std::size_t> streams;  // indices into streams_
    bool connected = false;            // the client learnt its cluster's slots
    bool pending = false;              // a read is out on this group's connection
};

struct BlockingReads::Shared {
    explicit Shared(asio::any_io_executor ex) : signal(std::move(ex)) {}
    asio::steady_timer signal;  // cancelled when an answer came (or at cancel())
    std::vector<StreamEntries> ready;
    std::optional<engine::Error> error;
    bool answered = false;  // since the current read() began
};

BlockingReads::BlockingReads(const Client& like, std::vector<std::string> streams,
                             BlockingReadOptions options)
    : streams_(std::move(streams)),
      options_(std::move(options)),
      shared_(std::make_shared<Shared>(like.executor())) {
    // A blocked read is not a lost server: the connection waits out the block, and more.
    ConnectionOptions connection = like.options();
    connection.command_timeout = options_.block + std::chrono::milliseconds(5'000);
    connection.write_batch = 1;
    if (!like.is_cluster()) {
        auto g = std::make_shared<Group>();
        g->client = like.sibling(connection);
        for (std::size_t i = 0; i < streams_.size(); ++i) g->streams.push_back(i);
        groups_.push_back(std::move(g));
        return;
    }
    for (std::size_t i = 0; i < streams_.size(); ++i) {
        auto g = std::make_shared<Group>();
        g->client = like.sibling(connection);
        g->streams.push_back(i);
        groups_.push_back(std::move(g));
    }
}

BlockingReads::~BlockingReads() {
    cancel();
}

void BlockingReads::cancel() {
    shared_->answered = true;
    shared_->signal.cancel();
}

void BlockingReads::send(const std::shared_ptr<Group>& g, const std::vector<std::string>& after) {
    Group& group = *g;
    const bool by_group = !options_.group.empty();
    Command cmd;
    if (by_group) {
        cmd = command_of("XREADGROUP", "GROUP", options_.group, options_.consumer);
    } else {
        cmd = command_of("XREAD");
    }
    for (auto& a : command_of("BLOCK", std::to_string(options_.block.count()), "COUNT",
                              std::to_string(options_.count), "STREAMS"))
        cmd.push_back(std::move(a));
    for (std::size_t i : group.streams) cmd.push_back(streams_[i]);
    for (std::size_t i : group.streams)
        cmd.push_back(by_group ? std::string(">") : i < after.size() ? after[i] : "$");
    group.pending = true;
    // The handler may run after this object is gone: it keeps the answers' state alive, and
    // holds the group (which holds the client) weakly, so that no cycle keeps a connection.
    std::vector<std::pair<std::string, std::size_t>> names;
    for (std::size_t i : group.streams) names.emplace_back(streams_[i], i);
    group.client->send(
        Call::cmd(streams_[group.streams.front()], std::move(cmd)),
        [shared = shared_, names = std::move(names),
         weak = std::weak_ptr<Group>(g)](engine::Result<Reply> answer) {
            if (auto owner = weak.lock()) owner->pending = false;
            if (!answer) {
                shared->error = answer.error();
            } else {
                // nil (the block passed), or [[stream, [entry, ...]], ...]
                for (auto& s : answer->elements) {
                    if (s.elements.size() != 2) continue;
                    for (const auto& [name, index] : names)
                        if (name == s.elements[0].str && !s.elements[1].elements.empty())
                            shared->ready.push_back(
                                StreamEntries{index, std::move(s.elements[1].elements)});
                }
            }
            shared->answered = true;
            shared->signal.cancel();
        });
}

asio::awaitable<engine::Result<std::vector<StreamEntries>>> BlockingReads::read(
    const std::vector<std::string>& after) {
    auto shared = shared_;
    shared->answered = false;
    if (shared->ready.empty() && !shared->error) {
        for (auto& g : groups_) {
            if (g->pending) continue;
            if (!g->connected) {
                auto connected = co_await g->client->connect();
                if (!connected) co_return connected.error();
                g->connected = true;
            }
            send(g, after);
        }
        if (!shared->answered) {
            shared->signal.expires_at(asio::steady_timer::time_point::max());
            boost::system::error_code ec;
            co_await shared->signal.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
    }
    if (shared->error) {
        engine::Error e = std::move(*shared->error);
        shared->error.reset();
        co_return e;
    }
    std::vector<StreamEntries> out = std::move(shared->ready);
    shared->ready.clear();
    co_return out;
}

}  // namespace accord::redis
