// Feed: the FeedHub of accordd. One reader per node follows every shard's feed stream and
// hands each event to the sockets it concerns; a socket that connects with a cursor first
// catches up on its own, then joins the reader where it is, so that nothing is missed or sent
// twice (docs/api.md, "The feed").
//
// Thread safety: one executor (the runtime's).
#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "accord/http/feed_hub.hpp"
#include "accord/redis/keyspace.hpp"
#include "accord/redis/redis_store.hpp"
#include "accord/redis/supervisor.hpp"

namespace accord::redis {
class BlockingReads;
class Runtime;
}  // namespace accord::redis

namespace accord::http {

struct FeedOptions {
    // The reader waits in Redis for the next entry of any shard's feed (on a connection of its
    // own), and only while a socket is attached; a wait ends empty after this long.
    std::chrono::milliseconds idle_check{10'000};
    std::size_t batch = 1000;          // events read per round
    std::size_t snapshot_limit = 200;  // tasks in a snapshot
    // How often, at most, the sockets' tokens are checked while events flow; recheck_tokens()
    // asks for a check at once (a revocation seen).
    std::chrono::milliseconds auth_check{250};
    // How often every socket's person is read again whatever the epoch: who stands in for whom
    // changes at midnight of a leave's first and last day, in the person's time zone.
    std::chrono::milliseconds people_check{60'000};
    // The users' revocation counter (UserStore::epoch); when it moves, every socket's token is
    // authenticated again. Empty: never.
    std::function<Awaitable<Result<std::uint64_t>>()> epoch;
};

class Feed final : public FeedHub {
public:
    // The feed is Redis's own (its streams, cursors and blocking reads): it reads `runtime`'s
    // store directly, and asks `api` to authenticate and to answer what sockets send.
    Feed(Api& api, redis::Runtime& runtime, FeedOptions options);
    ~Feed() override;

    // Starts the reader under `supervisor`; it begins at the feed's end once a socket is
    // attached. stop() ends it and closes the sockets.
    void start(redis::Supervisor& supervisor);
    void stop();
    // Checks every socket's token again soon (the users' revocations moved).
    void recheck_tokens();

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

    Awaitable<Result<void>> read_loop(redis::LoopState& state);
    Awaitable<void> idle();  // the reader's wait while no socket is attached
    void skipped(const redis::FeedEvent& event, const std::exception& why);
    Awaitable<void> begin(std::shared_ptr<Subscriber> sub, std::string cursor, bool resync);
    Awaitable<Result<void>> send_snapshot(Subscriber& sub, bool reset, bool resync);
    Awaitable<void> check_tokens(bool everyone);
    Awaitable<void> act(std::shared_ptr<Subscriber> sub, std::string text);
    void dispatch(const engine::json& event, const std::string& cursor, const Positions& after,
                  int shard);
    bool concerns(const Subscriber& sub, const Facts& event) const;
    // What the socket's person may do to the event's task (none: not a task event).
    std::optional<engine::policy::TaskActions> can(const Subscriber& sub, const Facts& event) const;
    // The event as sent to `reader`, its task with "can" when given, its texts in `language`.
    std::shared_ptr<const std::string> message(
        const engine::json& event, const std::string& cursor,
        std::optional<engine::policy::TaskActions> can, const std::string& reader,
        const std::string& language) const;
    bool deliver(Subscriber& sub, std::shared_ptr<const std::string> text);
    Positions positions(const std::string& cursor) const;

    Api& api_;
    redis::Runtime& runtime_;
    FeedOptions options_;
    std::unordered_map<FeedSocket*, std::shared_ptr<Subscriber>> subscribers_;
    std::unordered_map<std::uint64_t, std::size_t> per_token_;  // open sockets by credential
    // Each workflow's latest version as first seen, for who may see its instance.finished.
    std::unordered_map<std::string, engine::DefinitionPtr> workflows_;
    std::string cursor_;  // where the reader is
    Positions at_;        // the same, by shard
    bool ready_ = false, running_ = false;
    bool recheck_tokens_ = false;  // a check asked for (a revocation seen)
    bool checking_ = false;        // a check under way, beside the reader
    bool check_due() const { return recheck_tokens_ && !checking_; }
    std::uint64_t epoch_ = 0;
    std::uint64_t events_read_ = 0, messages_sent_ = 0, resyncs_ = 0, events_skipped_ = 0;
    std::shared_ptr<boost::asio::steady_timer> wake_;  // the idle reader's wait
    redis::BlockingReads* waits_ = nullptr;            // the reader's, while it runs
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace accord::http
