// RedisSimulationBackend: the simulator's script driver on the durable runtime. Every input is
// a commit in Redis; time is a DevClock that stands still between steps, and advancing it fires
// timers through the timer sets in due order, each at its own due time; children, starts and
// notifications go through the outbox, delivered after each input as a node would.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "accord/engine/simulator.hpp"
#include "accord/redis/dev_clock.hpp"

namespace accord::redis::testing {

class RedisSimulationBackend final : public engine::SimulationBackend {
public:
    // A keyspace of its own under `prefix` on the Redis at `url`, loaded with `catalog`; runs
    // its calls on `io`. Throws if Redis can't be reached or refuses a definition.
    RedisSimulationBackend(boost::asio::io_context& io, const std::string& url,
                           const std::string& prefix,
                           const std::vector<engine::DefinitionPtr>& catalog);
    ~RedisSimulationBackend() override;

    void set_observer(Observer observer) override { observer_ = std::move(observer); }
    TimeMs now() const override { return clock_->now(); }
    Result<void> advance_to(TimeMs until) override;
    Result<Instance> start(const std::string& workflow, engine::json data,
                           const engine::Actor& actor, const std::string& business_key) override;
    Result<Instance> send(const std::string& instance_id, engine::Input input) override;
    std::vector<Instance> instances() override;
    engine::DefinitionPtr definition(const std::string& name, int version) override;
    std::size_t notifications() const override { return notified_.size(); }

    RedisStore& store() { return *store_; }
    // Every instance a commit of this backend created or changed.
    const std::set<std::string>& instance_ids() const { return ids_; }

private:
    template <typename T>
    T run(boost::asio::awaitable<T> work);
    // What an input caused elsewhere: the outbox, delivered until nothing is left.
    Result<void> deliver_outbox();

    boost::asio::io_context& io_;
    std::shared_ptr<Client> client_;
    std::unique_ptr<RedisStore> store_;
    std::unique_ptr<DevClock> clock_;
    std::unique_ptr<Runtime> runtime_;
    Observer observer_;
    std::set<std::string> ids_;
    std::set<std::string> notified_;  // effect ids: a notification delivered twice counts once
};

}  // namespace accord::redis::testing
