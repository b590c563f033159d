// The development clock against a real Redis, a single server and a 3-master cluster alike:
// advancing fires the timers of the span in due order, each at its own due time, and what they
// set inside the span too (through the outbox as well); time never goes back; nodes share one
// clock; a claim a dead node left is taken over, not mistaken for a due time.
#include "accord/redis/dev_clock.hpp"

#include "accord/engine/time.hpp"
#include "durable_fixture.hpp"

namespace accord::redis::testing {
namespace {

using engine::ErrorCode;

constexpr TimeMs kBase = 1'800'000'000'000;  // 2027-01-15T08:00:00Z
constexpr TimeMs kDay = engine::kMsPerDay;

TimeMs at(const std::string& text) {
    auto t = engine::parse_time(text);
    return t ? t->ms : 0;
}

// A clock that stands still: only advance_to moves a DevClock on it, so times are exact.
TimeMs standing_still() {
    return kBase;
}

// Three timers, 10, 30 and 60 days after the start; the third ends the instance.
json ticking_workflow() {
    return json::parse(R"({
      "workflow": "ticking", "version": 1, "title": "Three timers", "start": "waiting",
      "states": {
        "waiting": {"timers": [{"after": "P10D", "event": "first"}, {"after": "P30D", "event": "second"},
                               {"after": "P60D", "event": "third"}],
                    "on": {"first": {"actions": [{"set": {"first": true}}]},
                           "second": {"actions": [{"set": {"second": true}}]},
                           "third": "done"}},
        "done": {"final": "done"}
      }})");
}

// A chain inside one span: a timer starts a child whose own timer ends it; the child's result
// opens a task whose due date passes, and which is escalated later still.
json chain_workflow() {
    return json::parse(R"({
      "workflow": "chain", "version": 1, "title": "A chain of timers", "start": "waiting",
      "states": {
        "waiting": {"timers": [{"after": "P10D", "event": "go"}], "on": {"go": "calling"}},
        "calling": {"invoke": {"workflow": "helper"}, "on": {"helper.done": "asking"}},
        "asking": {"task": {"role": "officer", "title": "Answer", "outcomes": ["answer"], "due": "P5D",
                            "escalate": {"after": "P7D", "role": "ir_director"}},
                   "on": {"answer": "over"}},
        "over": {"final": "answered"}
      }})");
}

json helper_workflow() {
    return json::parse(R"({
      "workflow": "helper", "version": 1, "title": "Waits three days", "start": "waiting",
      "states": {
        "waiting": {"timers": [{"after": "P3D", "event": "ring"}], "on": {"ring": "rung"}},
        "rung": {"final": "done"}
      }})");
}

StartRequest request(std::string workflow) {
    StartRequest r;
    r.workflow = std::move(workflow);
    return r;
}

// A timer firing as committed: which instance, when, and when it was due.
struct Fired {
    std::string instance, timer;
    TimeMs at = 0, due = 0;
    bool late = false;
};

// A node whose runtime runs on a DevClock, and the timers it fired in commit order.
struct ClockedNode {
    Node* node = nullptr;
    std::unique_ptr<DevClock> clock;
    std::vector<Fired> fired;
    std::vector<std::pair<std::string, TimeMs>> commits;  // (instance, at), in commit order

    Runtime& runtime() { return *node->runtime; }
};

class DevClockTest : public DurableTest {
protected:
    ClockedNode& add_clocked_node(std::function<TimeMs()> base = standing_still) {
        auto clocked = std::make_unique<ClockedNode>();
        ClockedNode* raw = clocked.get();
        RuntimeOptions options;
        options.now = [raw] { return raw->clock->now(); };
        options.refresh_clock = [raw] { return raw->clock->refresh(); };
        options.on_commit = [raw](const engine::Step& step) {
            raw->commits.emplace_back(step.instance.id, step.history.at);
            if (step.history.input != "timer") return;
            const json& d = step.history.detail;
            raw->fired.push_back(Fired{step.instance.id, d.value("timer", ""), step.history.at,
                                       at(d.value("due", "")), d.contains("late_ms")});
        };
        raw->node = &add_node(std::move(options));
        raw->clock = std::make_unique<DevClock>(*raw->node->store, std::move(base));
        EXPECT_TRUE(run(raw->clock->refresh()).ok());
        clocked_.push_back(std::move(clocked));
        return *raw;
    }

    std::string start(ClockedNode& n, const std::string& workflow) {
        auto started = run(n.runtime().start(request(workflow), engine::Actor::system_actor()));
        if (!started) throw std::runtime_error(started.error().to_string());
        return started->instance.id;
    }

    TimeMs advance(ClockedNode& n, TimeMs target) {
        auto moved = run(n.clock->advance_to(n.runtime(), target));
        EXPECT_TRUE(moved.ok()) << moved.error().to_string();
        return moved ? *moved : 0;
    }

    // The stored offset, read straight from Redis (null when the key is absent).
    json stored_offset(Node& node) {
        const std::string key = node.store->keys().clock();
        auto r = run(node.client->command(key, command_of("GET", key)));
        if (!r || r->is_nil()) return nullptr;
        return std::stoll(r->str);
    }

    std::vector<json> timer_entries(Node& node, const std::string& id) {
        std::vector<json> out;
        auto history = run(node.store->history(id));
        if (!history) throw std::runtime_error(history.error().to_string());
        for (const auto& record : history.value()) {
            json entry = json::parse(record.entry);
            if (entry["input"] == "timer") out.push_back(std::move(entry));
        }
        return out;
    }

    std::vector<std::unique_ptr<ClockedNode>> clocked_;
};

TEST_P(DevClockTest, AdvanceFiresTheTimersOfTheSpanInDueOrderEachAtItsOwnDueTime) {
    ClockedNode& n = add_clocked_node();
    put(*n.node, definition(ticking_workflow()));
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i) {  // started a day apart: their timers interleave
        ids.push_back(start(n, "ticking"));
        advance(n, n.clock->now() + kDay);
    }
    EXPECT_TRUE(n.fired.empty());
    const TimeMs target = n.clock->now() + 90 * kDay;
    EXPECT_EQ(advance(n, target), target);
    EXPECT_EQ(n.clock->now(), target);

    ASSERT_EQ(n.fired.size(), 9u);
    for (std::size_t i = 0; i < n.fired.size(); ++i) {
        const Fired& f = n.fired[i];
        EXPECT_EQ(f.at, f.due) << f.timer << " fired at its due time";
        EXPECT_FALSE(f.late) << f.timer;
        if (i > 0) {
            EXPECT_LT(n.fired[i - 1].due, f.due) << "in due order";
        }
    }
    const TimeMs days[] = {10, 30, 60};
    for (std::size_t i = 0; i < ids.size(); ++i) {
        auto entries = timer_entries(*n.node, ids[i]);
        ASSERT_EQ(entries.size(), 3u) << ids[i];
        for (std::size_t k = 0; k < 3; ++k) {
            EXPECT_EQ(entries[k]["at"], kBase + static_cast<TimeMs>(i) * kDay + days[k] * kDay);
            EXPECT_FALSE(entries[k]["detail"].contains("late_ms")) << "the history says on time";
        }
        EXPECT_EQ(run(n.node->store->load(ids[i]))->status, engine::InstanceStatus::finished);
    }
    EXPECT_EQ(*run(n.node->store->instances_with_timers()), 0u);
}

TEST_P(DevClockTest, OnTheSystemClockTheHistorySaysNoTimerFiredLate) {
    ClockedNode& n = add_clocked_node({});
    put(*n.node, definition(ticking_workflow()));
    const std::string id = start(n, "ticking");
    const TimeMs target = n.clock->now() + 90 * kDay;
    EXPECT_GE(advance(n, target), target);
    ASSERT_EQ(n.fired.size(), 3u);
    for (const Fired& f : n.fired) {
        EXPECT_FALSE(f.late) << f.timer;
        EXPECT_GE(f.at, f.due);
        EXPECT_LT(f.at - f.due, 60'000) << "only the milliseconds the system clock moved meanwhile";
    }
    EXPECT_EQ(run(n.node->store->load(id))->status, engine::InstanceStatus::finished);
}

TEST_P(DevClockTest, TimersThatFiringSetsInsideTheSpanFireTooThroughChildrenAndTasks) {
    ClockedNode& n = add_clocked_node();
    put(*n.node, definition(helper_workflow()));
    put(*n.node, definition(chain_workflow()));
    const std::string id = start(n, "chain");
    advance(n, kBase + 30 * kDay);

    // day 10: the parent's timer starts the child; day 13: the child's timer ends it and the
    // parent opens its task; day 18: the task is overdue; day 20: escalated.
    const std::vector<std::pair<std::string, TimeMs>> expected = {
        {id, kBase + 10 * kDay}, {id + ".c2", kBase + 10 * kDay}, {id + ".c2", kBase + 13 * kDay},
        {id, kBase + 13 * kDay}, {id, kBase + 18 * kDay},         {id, kBase + 20 * kDay},
    };
    ASSERT_GE(n.commits.size(), 1u);
    const std::vector<std::pair<std::string, TimeMs>> after_start(n.commits.begin() + 1,
                                                                  n.commits.end());
    EXPECT_EQ(after_start, expected);
    ASSERT_EQ(n.fired.size(), 4u);
    for (const Fired& f : n.fired) EXPECT_EQ(f.at, f.due) << f.timer;
    auto entries = timer_entries(*n.node, id);
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[1]["detail"]["kind"], "task_due");
    EXPECT_EQ(entries[2]["detail"]["kind"], "task_escalation");
    auto escalated = run(n.node->store->open_tasks_for_role("ir_director", 10));
    ASSERT_EQ(escalated->size(), 1u);
    EXPECT_EQ(escalated->front().instance_id, id);
}

TEST_P(DevClockTest, GoingBackIsRefusedAndChangesNothing) {
    ClockedNode& n = add_clocked_node();
    put(*n.node, definition(ticking_workflow()));
    start(n, "ticking");
    advance(n, kBase + kDay);
    auto back = run(n.clock->advance_to(n.runtime(), kBase + kDay - 1));
    ASSERT_FALSE(back.ok());
    EXPECT_EQ(back.error().code, ErrorCode::invalid_input);
    EXPECT_EQ(n.clock->now(), kBase + kDay);
    EXPECT_EQ(stored_offset(*n.node), kDay);
    EXPECT_EQ(advance(n, kBase + kDay), kBase + kDay) << "the same time again is no move";
    EXPECT_TRUE(n.fired.empty());
}

TEST_P(DevClockTest, ClockRequestsAreAdvancesBySomeDurationOrSetsToADateTime) {
    const TimeMs now = at("2027-01-15T08:00:00Z");
    auto by = DevClock::target_of(json{{"advance", "P1DT12H"}}, now);
    ASSERT_TRUE(by.ok());
    EXPECT_EQ(*by, now + kDay + kDay / 2);
    EXPECT_EQ(*DevClock::target_of(json{{"advance", "P1M"}}, now), at("2027-02-15T08:00:00Z"));
    EXPECT_EQ(*DevClock::target_of(json{{"set", "2027-03-01T09:00:00Z"}}, now),
              at("2027-03-01T09:00:00Z"));
    EXPECT_EQ(*DevClock::target_of(json{{"set", "2027-03-01"}}, now), at("2027-03-01T00:00:00Z"));
    for (const json& bad :
         {json{{"advance", "-P1D"}}, json{{"advance", "90 days"}}, json{{"advance", 90}}}) {
        auto r = DevClock::target_of(bad, now);
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, ErrorCode::invalid_input);
        EXPECT_EQ(r.error().pointer, "/advance");
    }
    auto bad_set = DevClock::target_of(json{{"set", "next monday"}}, now);
    ASSERT_FALSE(bad_set.ok());
    EXPECT_EQ(bad_set.error().pointer, "/set");
    for (const json& neither :
         {json::object(), json{{"advance", "P1D"}, {"set", "2027-03-01"}}, json::array()})
        EXPECT_EQ(DevClock::target_of(neither, now).error().code, ErrorCode::invalid_input)
            << neither;
}

TEST_P(DevClockTest, TwoClocksOnOneRedisSeeTheSameTimeOnceRefreshed) {
    ClockedNode& a = add_clocked_node();
    ClockedNode& b = add_clocked_node();
    EXPECT_EQ(a.clock->now(), b.clock->now());
    advance(a, kBase + 30 * kDay);
    EXPECT_EQ(b.clock->now(), kBase) << "until it reads the clock again";
    ASSERT_TRUE(run(b.clock->refresh()).ok());
    EXPECT_EQ(b.clock->now(), kBase + 30 * kDay);
    EXPECT_EQ(b.runtime().now(), kBase + 30 * kDay) << "and its runtime with it";

    // On the system clock, the same within the milliseconds between the two reads.
    ClockedNode& c = add_clocked_node({});
    ClockedNode& d = add_clocked_node({});
    ASSERT_TRUE(run(c.clock->advance_to(c.runtime(), c.clock->now() + 7 * kDay)).ok());
    ASSERT_TRUE(run(d.clock->refresh()).ok());
    EXPECT_NEAR(static_cast<double>(d.clock->now()), static_cast<double>(c.clock->now()), 1000.0);
}

TEST_P(DevClockTest, AdvanceWithNothingDueJustMovesTheClock) {
    ClockedNode& n = add_clocked_node();
    EXPECT_TRUE(stored_offset(*n.node).is_null());
    EXPECT_EQ(advance(n, kBase + 5 * kDay), kBase + 5 * kDay);
    EXPECT_EQ(stored_offset(*n.node), 5 * kDay);
    EXPECT_TRUE(n.commits.empty());
}

TEST_P(DevClockTest, ConcurrentAdvancesFromTwoNodesFireEachTimerOnceAndEndOnTheLaterTime) {
    ClockedNode& a = add_clocked_node();
    ClockedNode& b = add_clocked_node();
    put(*a.node, definition(ticking_workflow()));
    std::vector<std::string> ids;
    for (int i = 0; i < 20; ++i) ids.push_back(start(a, "ticking"));
    auto both = [&]() -> boost::asio::awaitable<std::pair<Result<TimeMs>, Result<TimeMs>>> {
        auto ex = co_await boost::asio::this_coro::executor;
        auto fa = spawn(ex, a.clock->advance_to(a.runtime(), kBase + 45 * kDay));
        auto rb = co_await b.clock->advance_to(b.runtime(), kBase + 90 * kDay);
        while (fa.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
            boost::asio::steady_timer t(ex, std::chrono::milliseconds(1));
            co_await t.async_wait(boost::asio::use_awaitable);
        }
        co_return std::make_pair(std::move(*fa.get()), std::move(rb));
    };
    auto [ra, rb] = run(both());
    ASSERT_TRUE(ra.ok()) << ra.error().to_string();
    ASSERT_TRUE(rb.ok()) << rb.error().to_string();
    EXPECT_GE(*ra, kBase + 45 * kDay);
    EXPECT_EQ(*rb, kBase + 90 * kDay);
    ASSERT_TRUE(run(a.clock->refresh()).ok());
    EXPECT_EQ(a.clock->now(), kBase + 90 * kDay) << "the later of the two";
    EXPECT_EQ(stored_offset(*a.node), 90 * kDay);

    EXPECT_EQ(a.fired.size() + b.fired.size(), 3 * ids.size()) << "each timer once";
    for (const auto& id : ids) {
        auto entries = timer_entries(*a.node, id);
        ASSERT_EQ(entries.size(), 3u) << id;
        for (const auto& e : entries)
            EXPECT_GE(e["at"].get<TimeMs>(), at(e["detail"]["due"].get<std::string>()));
        EXPECT_EQ(run(a.node->store->load(id))->status, engine::InstanceStatus::finished);
    }
    // Neither node's time went back: each committed in the order of its clock.
    for (const ClockedNode* n : {&a, &b})
        for (std::size_t i = 1; i < n->commits.size(); ++i)
            EXPECT_LE(n->commits[i - 1].second, n->commits[i].second);
}

TEST_P(DevClockTest, AClaimLeftByADeadNodeIsFiredAtOnceNotTakenForADueTime) {
    ClockedNode& n = add_clocked_node();
    put(*n.node, definition(json::parse(R"({
      "workflow": "once", "version": 1, "title": "One timer", "start": "waiting",
      "states": {"waiting": {"timers": [{"after": "P1D", "event": "ring"}], "on": {"ring": "rung"}},
                 "rung": {"final": "done"}}})")));
    const std::string claimed = start(n, "once");
    advance(n, kBase + 10'000);
    const std::string later = start(n, "once");  // due 10 s after the first, inside a lease
    // Another node's clock reaches the first timer; it claims it and dies before its commit.
    Node& dead = add_node();
    const std::string key = dead.store->keys().clock();
    ASSERT_TRUE(run(dead.client->command(key, command_of("SET", key, std::to_string(kDay)))).ok());
    auto taken =
        run(dead.store->claim_due_timers(kBase + kDay, std::chrono::milliseconds(30'000), 10));
    ASSERT_EQ(taken->size(), 1u);
    EXPECT_EQ(taken->front().instance_id, claimed);

    advance(n, kBase + 2 * kDay);
    ASSERT_EQ(n.fired.size(), 2u);
    EXPECT_EQ(n.fired[0].instance, claimed) << "first, although its entry says the lease's end";
    EXPECT_EQ(n.fired[0].at, kBase + kDay) << "at once, not when the lease ends";
    EXPECT_EQ(n.fired[1].instance, later);
    EXPECT_EQ(n.fired[1].at, kBase + kDay + 10'000);
    EXPECT_EQ(*run(n.node->store->instances_with_timers()), 0u);
}

TEST_P(DevClockTest, TheBackgroundLoopOfTheAdvancingNodeWaitsMeanwhile) {
    ClockedNode& n = add_clocked_node();
    put(*n.node, definition(ticking_workflow()));
    for (int i = 0; i < 5; ++i) start(n, "ticking");
    bool stopped = false;
    n.runtime().run([&stopped] { stopped = true; });
    advance(n, kBase + 90 * kDay);
    n.runtime().stop();
    auto until_stopped = [&]() -> boost::asio::awaitable<void> {
        auto ex = co_await boost::asio::this_coro::executor;
        while (!stopped) {
            boost::asio::steady_timer t(ex, std::chrono::milliseconds(1));
            co_await t.async_wait(boost::asio::use_awaitable);
        }
    };
    run(until_stopped());
    ASSERT_EQ(n.fired.size(), 15u);
    for (const Fired& f : n.fired) EXPECT_EQ(f.at, f.due) << f.timer;
}

INSTANTIATE_TEST_SUITE_P(Backends, DevClockTest,
                         ::testing::Values(Backend::single, Backend::cluster), backend_name);

}  // namespace
}  // namespace accord::redis::testing
