// The runtime's background work as a deployment runs it: loops under a supervisor that restarts
// them, timers fired by a loop that sleeps until they are due (woken by commits on any node),
// the outbox read by blocking reads, malformed entries parked, and an idle node that leaves
// Redis alone.
#include <atomic>
#include <chrono>
#include <stdexcept>

#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>

#include "accord/redis/blocking_reads.hpp"
#include "accord/redis/supervisor.hpp"
#include "durable_fixture.hpp"
#include "redis_query.hpp"

namespace accord::redis::testing {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Runs `io` until `done` holds or `limit` passed; whether it held.
bool run_until(asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit = 5s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    io.restart();
    while (!done()) {
        if (std::chrono::steady_clock::now() > end) return false;
        io.run_for(5ms);
        io.restart();
    }
    return true;
}

// ---- the supervisor ---------------------------------------------------------------------------

// A loop that is healthy and idles until the supervisor stops.
asio::awaitable<engine::Result<void>> healthy_until_stopped(LoopState& state) {
    state.healthy();
    asio::steady_timer t(co_await asio::this_coro::executor);
    while (!state.stopping()) {
        t.expires_after(5ms);
        co_await t.async_wait(asio::use_awaitable);
    }
    co_return engine::Ok{};
}

TEST(Supervisor, ALoopThatThrowsIsRestartedWithBackOffAndCounted) {
    asio::io_context io;
    SupervisorOptions options;
    options.backoff_min = 10ms;
    options.backoff_max = 40ms;
    Supervisor supervisor(io.get_executor(), options);
    int runs = 0;
    supervisor.spawn("flaky", [&runs](LoopState& state) -> asio::awaitable<engine::Result<void>> {
        ++runs;
        state.doing("doing something that fails");
        if (runs < 4) throw std::runtime_error("malformed entry");
        state.healthy();
        co_return engine::Ok{};  // the loop ended of its own accord: not restarted
    });
    ASSERT_TRUE(run_until(io, [&] { return runs == 4; }));
    io.run_for(100ms);
    EXPECT_EQ(runs, 4) << "a loop that ends without an error is not started again";
    EXPECT_EQ(supervisor.restarts("flaky"), 3u);
    EXPECT_NE(supervisor.metrics().find("accord_loop_restarts_total{loop=\"flaky\"} 3"),
              std::string::npos)
        << supervisor.metrics();
    EXPECT_TRUE(supervisor.down().empty());
}

TEST(Supervisor, ALoopThatKeepsFailingIsNamedDownAfterTheThresholdAndUpOnceHealthy) {
    asio::io_context io;
    SupervisorOptions options;
    options.backoff_min = 10ms;
    options.backoff_max = 20ms;
    options.down_after = 200ms;
    Supervisor supervisor(io.get_executor(), options);
    bool broken = true;
    supervisor.spawn("steady", [](LoopState& state) { return healthy_until_stopped(state); });
    supervisor.spawn("redis", [&broken](LoopState& state) -> asio::awaitable<engine::Result<void>> {
        state.doing("reading");
        if (broken) co_return engine::make_error(engine::ErrorCode::unavailable, "Redis away");
        co_return co_await healthy_until_stopped(state);
    });
    io.run_for(100ms);
    EXPECT_TRUE(supervisor.down().empty()) << "not down before the threshold";
    io.run_for(200ms);
    EXPECT_EQ(supervisor.down(), std::vector<std::string>{"redis"});
    EXPECT_NE(supervisor.metrics().find("accord_loop_up{loop=\"redis\"} 0"), std::string::npos);
    EXPECT_NE(supervisor.metrics().find("accord_loop_up{loop=\"steady\"} 1"), std::string::npos);
    broken = false;
    ASSERT_TRUE(run_until(
        io, [&] { return supervisor.down().empty(); }, 1s));
    EXPECT_NE(supervisor.metrics().find("accord_loop_up{loop=\"redis\"} 1"), std::string::npos);
    supervisor.stop();
    io.run_for(50ms);
}

// ---- the runtime's loops on Redis ---------------------------------------------------------------

// waiting --(after PT1S)--> done: a timer due a second after the start.
json soon_workflow() {
    return json::parse(R"({
      "workflow": "soon", "version": 1, "title": "A timer due soon", "start": "waiting",
      "states": {
        "waiting": {"timers": [{"after": "PT1S", "event": "ring"}], "on": {"ring": "rung"}},
        "rung": {"final": "done"}
      }})");
}

StartRequest start_of(std::string workflow) {
    StartRequest r;
    r.workflow = std::move(workflow);
    return r;
}

class Background : public DurableTest {
protected:
    // A node on the system clock that waits long between looks unless woken.
    Node& sleepy_node() {
        RuntimeOptions options;
        options.now = [] { return system_now(); };
        options.idle_check = 60s;
        return add_node(std::move(options));
    }
};

TEST_P(Background, ACommitOnAnotherNodeWakesThisNodesTimerLoop) {
    Node& a = sleepy_node();
    Node& b = sleepy_node();
    put(a, definition(soon_workflow()));
    Supervisor supervisor(io_.get_executor());
    a.runtime->run(supervisor);
    io_.run_for(200ms);  // a looks, finds no timer, and sleeps for a minute
    // b does not run its loops: only a can fire the timer, and only if b's commit woke it.
    auto started = run(b.runtime->start(start_of("soon"), engine::Actor::system_actor()));
    ASSERT_TRUE(started) << started.error().to_string();
    EXPECT_EQ(b.runtime->stats().timer_wakeups_sent, 1u);
    const auto begun = std::chrono::steady_clock::now();
    // Without the wake-up, a would look again only after its minute of idle_check.
    ASSERT_TRUE(run_until(
        io_, [&] { return a.runtime->stats().timers_fired == 1; }, 20s))
        << "the timer was not fired within 20 s of a one-second delay";
    EXPECT_LT(std::chrono::steady_clock::now() - begun, 10s);
    auto done = run(a.runtime->get(started->instance.id));
    ASSERT_TRUE(done);
    EXPECT_FALSE(done->running());
    a.runtime->stop();
    supervisor.stop();
    io_.run_for(50ms);
}

TEST_P(Background, AMalformedOutboxEntryIsParkedAndTheRestAreDelivered) {
    std::vector<json> delivered;
    RuntimeOptions options;
    options.idle_check = 60s;
    options.notifier = [&delivered](const json& n) -> Awaitable<Result<void>> {
        delivered.push_back(n);
        co_return engine::Ok{};
    };
    Node& a = add_node(std::move(options));
    Supervisor supervisor(io_.get_executor());
    a.runtime->run(supervisor);
    io_.run_for(200ms);
    const std::string outbox = a.store->keys().outbox(0);
    auto add = [&](std::vector<std::string> fields) {
        Command cmd = command_of("XADD", outbox, "*");
        for (auto& f : fields) cmd.push_back(std::move(f));
        auto r = run(a.client->command(outbox, std::move(cmd)));
        ASSERT_TRUE(r) << r.error().to_string();
    };
    add({"k", "notify", "x", "bad@1.1", "p", "{not json"});               // malformed
    add({"k", "child.result", "x", "bad@1.2", "p", R"({"parent": 5})"});  // delivery throws
    add({"k", "notify", "x", "good@1.1", "p", R"({"people": ["olga"], "subject": "hi"})"});
    ASSERT_TRUE(run_until(io_, [&] { return a.runtime->stats().outbox_parked == 2; }))
        << "parked " << a.runtime->stats().outbox_parked;
    ASSERT_TRUE(run_until(io_, [&] { return delivered.size() == 1; }));
    EXPECT_EQ(delivered[0].value("effect_id", ""), "good@1.1");
    const std::string parked = a.store->keys().outbox_parked(0);
    auto kept = run(a.client->command(parked, command_of("XRANGE", parked, "-", "+")));
    ASSERT_TRUE(kept);
    ASSERT_EQ(kept->elements.size(), 2u);
    auto pending = run(a.client->command(outbox, command_of("XLEN", outbox)));
    ASSERT_TRUE(pending);
    EXPECT_EQ(pending->integer, 0) << "every entry acknowledged and removed";
    a.runtime->stop();
    supervisor.stop();
    io_.run_for(50ms);
}

TEST_P(Background, ABlockingReadAnswersAsSoonAsAnyStreamHasAnEntry) {
    Node& a = add_node();
    std::vector<std::string> streams;
    for (int s = 0; s < 4; ++s) streams.push_back(a.store->keys().feed(s));
    BlockingReadOptions options;
    options.block = 5s;
    BlockingReads reads(*a.client, streams, options);
    const std::vector<std::string> after(streams.size(), "0-0");
    std::optional<Result<std::vector<StreamEntries>>> got;
    asio::co_spawn(
        io_, [&]() -> asio::awaitable<void> { got = co_await reads.read(after); }, asio::detached);
    io_.run_for(200ms);
    EXPECT_FALSE(got) << "nothing to read yet: it waits";
    auto added = run(a.client->command(streams[2], command_of("XADD", streams[2], "*", "e", "1")));
    ASSERT_TRUE(added);
    ASSERT_TRUE(run_until(
        io_, [&] { return got.has_value(); }, 2s));
    ASSERT_TRUE(*got) << (*got).error().to_string();
    ASSERT_EQ((*got)->size(), 1u);
    EXPECT_EQ((**got)[0].stream, 2u);
    reads.cancel();
}

TEST_P(Background, ACalendarChangeReschedulesEveryInstanceWithATimerOnWhicheverNodeDeliversIt) {
    shards_ = 2;  // hundreds of instances a shard: the walk takes several pages
    auto office = engine::Calendar::from_json(
        {{"weekend", {"fri", "sat"}}},
        [](std::string_view) -> std::shared_ptr<const engine::ZoneRules> { return nullptr; });
    ASSERT_TRUE(office) << office.error().to_string();
    auto stored = std::make_shared<const engine::Calendar>(std::move(office).value());
    bool calendar_stored = false;  // until then, the default calendar is stored
    RuntimeOptions options;
    options.stored_calendar = [&]() -> Awaitable<Result<std::shared_ptr<const engine::Calendar>>> {
        co_return calendar_stored ? stored : std::shared_ptr<const engine::Calendar>();
    };
    Node& a = add_node(options);
    Node& b = add_node(options);
    put(a, definition({{"workflow", "deadline"},
                       {"version", 1},
                       {"title", "A deadline"},
                       {"start", "review"},
                       {"states",
                        {{"review",
                          {{"task",
                            {{"role", "legal"},
                             {"title", "Review"},
                             {"outcomes", {"done"}},
                             {"due", {{"working_days", 3}}}}},
                           {"on", {{"done", "end"}}}}},
                         {"end", {{"final", "ok"}}}}}}));
    // Friday 15 January 2027, 08:00 UTC: three working days of a Saturday-Sunday week end on
    // Wednesday 20 January; of a Friday-Saturday week, on Tuesday 19 January.
    const TimeMs wednesday = 1'800'000'000'000 + 5 * engine::kMsPerDay;
    const TimeMs tuesday = wednesday - engine::kMsPerDay;
    std::vector<std::string> ids;
    for (int i = 0; i < 600; ++i) {
        StartRequest request;
        request.workflow = "deadline";
        auto started = run(a.runtime->start(request, person("olga", {"officer"})));
        ASSERT_TRUE(started) << started.error().to_string();
        ASSERT_EQ(started->instance.tasks[0].due_at, wednesday);
        ids.push_back(started->instance.id);
    }
    // One finished instance: it has no timer, and nothing is done to it.
    auto done = run(a.runtime->send(ids.back(), complete(ids.back() + ".t1", "done", json::object(),
                                                         person("lina", {"legal"}))));
    ASSERT_TRUE(done) << done.error().to_string();

    calendar_stored = true;
    auto queued = run(a.runtime->calendar_changed());
    ASSERT_TRUE(queued) << queued.error().to_string();
    // Node b delivers what node a queued.
    for (int round = 0; round < 20; ++round) {
        auto delivered = run(b.runtime->deliver_outbox());
        ASSERT_TRUE(delivered) << delivered.error().to_string();
        if (*delivered == 0) break;
    }
    EXPECT_EQ(b.runtime->stats().rescheduled, 599U);
    auto loaded = run(a.runtime->get_many(ids));
    ASSERT_TRUE(loaded);
    for (std::size_t i = 0; i + 1 < ids.size(); ++i) {
        const auto& inst = (*loaded)[i];
        ASSERT_TRUE(inst);
        EXPECT_EQ(inst->tasks[0].due_at, tuesday) << inst->id;
        EXPECT_EQ(inst->next_timer_due(), tuesday) << inst->id;
    }
    EXPECT_EQ((*loaded).back()->revision, 2U) << "the finished one was left alone";
    // The queues and timer sets follow the new deadlines: due Tuesday, not Wednesday.
    auto due = run(a.store->instances_due(tuesday));
    ASSERT_TRUE(due);
    EXPECT_EQ(*due, 599U);

    // Again: nothing moves, nothing is committed.
    const auto commits = b.runtime->stats().commits;
    ASSERT_TRUE(run(a.runtime->calendar_changed()));
    for (int round = 0; round < 20; ++round) {
        auto delivered = run(b.runtime->deliver_outbox());
        ASSERT_TRUE(delivered);
        if (*delivered == 0) break;
    }
    EXPECT_EQ(b.runtime->stats().commits, commits);
}

// Counted on the single server, whose INFO sees every command.
class IdleCost : public DurableTest {};

TEST_P(IdleCost, AnIdleNodeSendsRedisAlmostNothing) {
    Node& a = add_node();
    Supervisor supervisor(io_.get_executor());
    a.runtime->run(supervisor);
    io_.run_for(300ms);  // started: it looked once
    const int port = std::stoi(url_.substr(url_.rfind(':') + 1));
    auto count = [&] {
        auto info = accord::testing::query_redis(port, {"INFO", "stats"});
        const auto at = info->find("total_commands_processed:");
        return std::stoll(info->substr(at + 25));
    };
    const long long before = count();
    io_.run_for(1500ms);
    const long long sent = count() - before - 1;  // less our own INFO
    EXPECT_LT(sent, 10) << "an idle node polled Redis: " << sent << " commands in 1.5 s";
    a.runtime->stop();
    supervisor.stop();
    io_.run_for(50ms);
}

INSTANTIATE_TEST_SUITE_P(Backends, Background, ::testing::Values(Backend::single, Backend::cluster),
                         backend_name);
INSTANTIATE_TEST_SUITE_P(Backends, IdleCost, ::testing::Values(Backend::single), backend_name);

}  // namespace
}  // namespace accord::redis::testing
