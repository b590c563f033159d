// Feed: the FeedHub of accordd. One reader per node follows every shard's feed stream and
// hands each event to the sockets it concerns; a socket that connects with a cursor first
// catches up on its own, then joins the reader where it is, so that nothing is missed or sent
// twice (docs/api.md, "The feed").
//
// Thread safety: one executor (the runtime's).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "accord/http/feed.hpp"
#include "accord/redis/keyspace.hpp"

namespace accord::http {

struct FeedOptions {
    std::chrono::milliseconds poll{5};          // with subscribers; 40x that without
    std::size_t batch = 1000;                   // events read per round
    std::size_t snapshot_limit = 200;           // tasks in a snapshot
    std::chrono::milliseconds auth_check{250};  // how often revocations are looked for
    // The users' revocation counter (UserStore::epoch); when it moves, every socket's token is
    // authenticated again. Empty: never.
    std::function<Awaitable<Result<std::uint64_t>>()> epoch;
};

class Feed final : public FeedHub {
public:
    Feed(Api& api, FeedOptions options);
    ~Feed() override;

    // Starts the reader at the feed's current end; stop() ends it and closes the sockets.
    void start();
    void stop();

    void attach(std::shared_ptr<FeedSocket> socket, Principal who, const Request& request) override;
    void receive(const std::shared_ptr<FeedSocket>& socket, std::string text) override;
    void detach(const std::shared_ptr<FeedSocket>& socket) override;
    std::size_t open_for(std::uint64_t credential) const override;
    void close_all() override;

    std::size_t subscribers() const { return subscribers_.size(); }
    std::string metrics() const;  // Prometheus text

private:
    struct Subscriber;
    struct Facts;
    using Positions = std::vector<redis::FeedPosition>;

    Awaitable<void> read_loop();
    Awaitable<void> idle();  // the reader's wait while no socket is attached
    Awaitable<void> begin(std::shared_ptr<Subscriber> sub, std::string cursor, bool resync);
    Awaitable<Result<void>> send_snapshot(Subscriber& sub, bool reset, bool resync);
    Awaitable<void> check_tokens();
    Awaitable<void> act(std::shared_ptr<Subscriber> sub, std::string text);
    void dispatch(const engine::json& event, const std::string& cursor, const Positions& after,
                  int shard);
    bool concerns(const Subscriber& sub, const Facts& event) const;
    std::shared_ptr<const std::string> message(const engine::json& event,
                                               const std::string& cursor) const;
    bool deliver(Subscriber& sub, std::shared_ptr<const std::string> text);
    Positions positions(const std::string& cursor) const;

    Api& api_;
    FeedOptions options_;
    std::unordered_map<FeedSocket*, std::shared_ptr<Subscriber>> subscribers_;
    std::unordered_map<std::uint64_t, std::size_t> per_token_;  // open sockets by credential
    // Roles of each workflow (its latest version), for instance.finished.
    std::unordered_map<std::string, std::vector<std::string>> workflow_roles_;
    std::string cursor_;  // where the reader is
    Positions at_;        // the same, by shard
    bool ready_ = false, running_ = false;
    std::uint64_t epoch_ = 0;
    std::uint64_t events_read_ = 0, messages_sent_ = 0, resyncs_ = 0;
    std::shared_ptr<boost::asio::steady_timer> wake_;  // the idle reader's wait
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace accord::http
