// RedisSimulationBackend: a Runtime on a DevClock whose base stands still, observed commit by
// commit.
#include "redis_simulation_backend.hpp"

#include <stdexcept>

#include "durable_fixture.hpp"

namespace accord::redis::testing {

template <typename T>
T RedisSimulationBackend::run(boost::asio::awaitable<T> work) {
    return run_on(io_, std::move(work));
}

RedisSimulationBackend::RedisSimulationBackend(boost::asio::io_context& io, const std::string& url,
                                               const std::string& prefix,
                                               const std::vector<engine::DefinitionPtr>& catalog)
    : io_(io) {
    auto client = Client::create(io_.get_executor(), url);
    if (!client) throw std::runtime_error(client.error().to_string());
    client_ = client.value();
    StoreOptions store_options;
    store_options.prefix = prefix;
    store_ = std::make_unique<RedisStore>(client_, store_options);
    if (auto opened = run(store_->open()); !opened)
        throw std::runtime_error(opened.error().to_string());
    for (const auto& def : catalog)
        if (auto put = run(store_->put_definition(def)); !put)
            throw std::runtime_error(put.error().to_string());
    // The virtual time is the offset alone: nothing moves it but advance_to.
    clock_ = std::make_unique<DevClock>(*store_, [] { return TimeMs{0}; });

    RuntimeOptions options;
    options.node_id = "simulator";
    options.now = [this] { return clock_->now(); };
    options.parallel_timers = 1;  // timers due at once fire one after the other: one trace
    options.notifier = [this](const engine::json& n) -> Awaitable<Result<void>> {
        // The simulator counts the Notification effects; a task given to a person tells them
        // too, through the outbox, but is no Notification.
        if (n.value("kind", "") != "task.assigned") notified_.insert(n.value("effect_id", ""));
        co_return engine::Ok{};
    };
    options.on_commit = [this](const engine::Step& step) {
        ids_.insert(step.instance.id);
        if (observer_) observer_(step);
    };
    runtime_ = std::make_unique<Runtime>(*store_, std::move(options));
}

RedisSimulationBackend::~RedisSimulationBackend() = default;

Result<void> RedisSimulationBackend::advance_to(TimeMs until) {
    auto moved = run(clock_->advance_to(*runtime_, until));
    if (!moved) return moved.error();
    return engine::Ok{};
}

Result<void> RedisSimulationBackend::deliver_outbox() {
    while (true) {
        auto delivered = run(runtime_->deliver_outbox());
        if (!delivered) return delivered.error();
        if (*delivered == 0) return engine::Ok{};
    }
}

Result<Instance> RedisSimulationBackend::start(const std::string& workflow, engine::json data,
                                               const engine::Actor& actor,
                                               const std::string& business_key) {
    StartRequest request;
    request.workflow = workflow;
    request.data = std::move(data);
    request.business_key = business_key;
    auto started = run(runtime_->start(std::move(request), actor));
    if (!started) return started.error();
    if (auto delivered = deliver_outbox(); !delivered) return delivered.error();
    return std::move(started->instance);
}

Result<Instance> RedisSimulationBackend::send(const std::string& instance_id, engine::Input input) {
    auto sent = run(runtime_->send(instance_id, std::move(input)));
    if (!sent) return sent;
    if (auto delivered = deliver_outbox(); !delivered) return delivered.error();
    return sent;
}

std::vector<Instance> RedisSimulationBackend::instances() {
    std::vector<Instance> out;
    for (const auto& id : ids_) {
        auto loaded = run(store_->load(id));
        if (loaded) out.push_back(std::move(loaded).value());
    }
    return out;
}

engine::DefinitionPtr RedisSimulationBackend::definition(const std::string& name, int version) {
    auto def = run(store_->definition(name, version));
    return def ? def.value() : nullptr;
}

}  // namespace accord::redis::testing
