// Faults: an engine process killed with SIGKILL in the middle of a stream of inputs and
// started again; redis-server stopped and started again (AOF) under load. Every acknowledged
// input is applied exactly once; open tasks and timers survive.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "durable_fixture.hpp"

namespace accord::redis::testing {
namespace {

using engine::ErrorCode;

const char* kCounter = R"({
  "workflow": "counter", "version": 1, "title": "Counts what it is told",
  "start": "counting",
  "data": {"properties": {"count": {"type": "integer"}}},
  "events": {"bump": {}},
  "states": {
    "counting": {
      "task": {"role": "officer", "title": "Stop counting", "outcomes": ["done"], "due": "P30D"},
      "timers": [{"after": "P365D", "event": "expire"}],
      "on": {"bump": {"actions": [{"set": {"count": {"+": [{"var": "count"}, 1]}}}]},
             "done": "over", "expire": "over"}
    },
    "over": {"final": "ok"}
  }})";

// A workflows directory holding the counter, removed afterwards.
struct WorkflowDir {
    WorkflowDir() {
        char tmpl[] = "/tmp/accord-workflows-XXXXXX";
        path = ::mkdtemp(tmpl);
        std::ofstream(path + "/counter.json") << kCounter;
    }
    ~WorkflowDir() { std::filesystem::remove_all(path); }
    std::string path;
};

// accord_test_node as a child process: JSON lines in, JSON lines out.
class NodeProcess {
public:
    NodeProcess(const std::string& url, const std::string& prefix, const std::string& workflows) {
        // A write to a node that was killed fails (EPIPE) instead of ending the test process.
        ::signal(SIGPIPE, SIG_IGN);
        int in[2], out[2];
        if (::pipe(in) != 0 || ::pipe(out) != 0) throw std::runtime_error("pipe");
        pid_ = ::fork();
        if (pid_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            ::dup2(in[0], 0);
            ::dup2(out[1], 1);
            ::close(in[1]);
            ::close(out[0]);
            ::execl(ACCORD_TEST_NODE, ACCORD_TEST_NODE, url.c_str(), prefix.c_str(),
                    workflows.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(in[0]);
        ::close(out[1]);
        to_ = ::fdopen(in[1], "w");
        from_ = ::fdopen(out[0], "r");
        json ready = read();
        if (!ready.value("ready", false)) throw std::runtime_error("the node did not start");
    }
    ~NodeProcess() {
        kill();
        if (to_) std::fclose(to_);
        if (from_) std::fclose(from_);
    }

    void write(const json& line) {
        const std::string text = line.dump() + "\n";
        std::fwrite(text.data(), 1, text.size(), to_);
        std::fflush(to_);
    }
    // The next line; null at end of output (the process died).
    json read() {
        std::string line;
        int c;
        while ((c = std::fgetc(from_)) != EOF && c != '\n') line += static_cast<char>(c);
        if (c == EOF && line.empty()) return json();
        return json::parse(line, nullptr, false);
    }
    // The pipes stay open until the destructor: a thread may still be writing (its writes
    // fail once the process is gone).
    void kill() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

private:
    pid_t pid_ = -1;
    std::FILE* to_ = nullptr;
    std::FILE* from_ = nullptr;
};

// The start of the counter, always under the same idempotency key.
json start_counter() {
    return {{"seq", 0},
            {"op", "start"},
            {"workflow", "counter"},
            {"data", {{"count", 0}}},
            {"key", "the-start"}};
}

json bump(int seq, const std::string& instance) {
    return {{"seq", seq},
            {"op", "event"},
            {"instance", instance},
            {"event", "bump"},
            {"key", "bump-" + std::to_string(seq)}};
}

engine::Input bump_input() {
    engine::EventInput e;
    e.event = "bump";
    engine::Input in;
    in.kind = std::move(e);
    in.actor = engine::Actor::system_actor();
    return in;
}

class Faults : public DurableTest {
protected:
    // Stores the counter on `node` and starts one at 0; its id.
    std::string new_counter(Node& node) {
        put(node, definition(json::parse(kCounter)));
        StartRequest req;
        req.workflow = "counter";
        req.data = {{"count", 0}};
        auto started = run(node.runtime->start(req, engine::Actor::system_actor()));
        if (!started) throw std::runtime_error(started.error().to_string());
        return started->instance.id;
    }
};

TEST_P(Faults, AnEngineKilledMidStreamLosesAndRepeatsNothing) {
    WorkflowDir dir;
    constexpr int kInputs = 2000;
    std::string id;
    std::vector<bool> acked(kInputs + 1, false);
    {
        NodeProcess node(url_, prefix_, dir.path);
        node.write(start_counter());
        json started = node.read();
        ASSERT_TRUE(started.value("ok", false)) << started.dump();
        id = started["id"];
        std::thread writer([&] {
            for (int i = 1; i <= kInputs; ++i) node.write(bump(i, id));
        });
        // SIGKILL after a third of the acknowledgements, with more inputs in flight.
        for (int n = 0; n < kInputs / 3;) {
            json ack = node.read();
            if (ack.is_null()) break;
            if (ack.value("ok", false)) {
                acked[ack["seq"].get<int>()] = true;
                ++n;
            }
        }
        node.kill();
        writer.join();
    }
    const auto acked_before = std::count(acked.begin(), acked.end(), true);
    ASSERT_GT(acked_before, 0);

    // Started again, the client sends everything once more under the same keys: what was
    // applied before the kill is answered from the first result, the rest is applied now.
    NodeProcess node(url_, prefix_, dir.path);
    node.write(start_counter());
    EXPECT_EQ(node.read()["id"], id) << "the same start";
    for (int i = 1; i <= kInputs; ++i) node.write(bump(i, id));
    for (int i = 1; i <= kInputs; ++i) {
        json ack = node.read();
        ASSERT_TRUE(ack.value("ok", false)) << ack.dump();
    }
    node.kill();

    Node& check = add_node();
    auto inst = run(check.store->load(id));
    ASSERT_TRUE(inst.ok()) << inst.error().to_string();
    EXPECT_EQ(inst->data.get()["count"], kInputs) << "each input applied exactly once";
    EXPECT_EQ(inst->revision, static_cast<std::uint64_t>(kInputs + 1));
    auto history = run(check.store->verify_history(id));
    EXPECT_TRUE(history->intact) << history->problem;
    EXPECT_EQ(history->entries, static_cast<std::size_t>(kInputs + 1));
    EXPECT_EQ(run(check.store->open_tasks_for_role("officer", 10))->size(), 1u) << "task kept";
    EXPECT_EQ(inst->pending_timers().size(), 2u) << "task due and state timer kept";
    EXPECT_EQ(*run(check.store->instances_with_timers()), 1u) << "and still indexed";
}

TEST_P(Faults, RedisStoppedAndStartedUnderLoadLosesNothingAcknowledged) {
    Node& node = add_node();
    const std::string id = new_counter(node);

    // Redis goes down once 200 inputs are acknowledged and comes back 400 ms later; the
    // client goes on until 300 more are acknowledged after that.
    std::atomic<int> acked{0};
    std::atomic<bool> restarted{false};
    int unavailable = 0;
    std::thread restarter([&] {
        while (acked < 200) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        stop_redis();
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        start_redis();
        restarted = true;
    });
    auto drive = [&]() -> boost::asio::awaitable<int> {
        auto ex = co_await boost::asio::this_coro::executor;
        int after_restart = 0;
        int i = 0;
        while (after_restart < 300) {
            const std::string key = "bump-" + std::to_string(++i);
            // A client's retry: the same key until it is acknowledged (a cluster takes a few
            // seconds to call itself ok again after its masters come back).
            bool done = false;
            for (int attempt = 0; attempt < 3000 && !done; ++attempt) {
                auto r = co_await node.runtime->send(id, bump_input(), key);
                if (r) {
                    done = true;
                    ++acked;
                    if (restarted) ++after_restart;
                    break;
                }
                if (r.error().code != ErrorCode::unavailable) co_return -i;
                ++unavailable;
                boost::asio::steady_timer t(ex, std::chrono::milliseconds(10));
                co_await t.async_wait(boost::asio::use_awaitable);
            }
            if (!done) co_return -i;
        }
        co_return i;
    };
    const int sent = run(drive());
    restarter.join();
    ASSERT_GT(sent, 0) << "input " << -sent << " was refused for good";
    EXPECT_EQ(acked, sent);
    EXPECT_GT(unavailable, 0) << "the restart happened while inputs were sent";
    auto inst = run(node.store->load(id));
    ASSERT_TRUE(inst.ok()) << inst.error().to_string();
    EXPECT_EQ(inst->data.get()["count"], sent) << "each acknowledged input once, none lost";
    EXPECT_EQ(inst->revision, static_cast<std::uint64_t>(sent + 1));
    EXPECT_TRUE(run(node.store->verify_history(id))->intact);
}

TEST_P(Faults, WhileRedisIsAwayInputsAreRefusedAsUnavailableAndNothingIsHalfApplied) {
    Node& node = add_node();
    const std::string id = new_counter(node);
    stop_redis();
    auto refused = run(node.runtime->send(id, bump_input(), "k1"));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::unavailable);
    EXPECT_NE(refused.error().message.find("Redis"), std::string::npos) << refused.error().message;
    start_redis();
    Result<engine::Instance> again = refused;
    for (int attempt = 0; attempt < 1000 && !again; ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        again = run(node.runtime->send(id, bump_input(), "k1"));
    }
    ASSERT_TRUE(again.ok()) << again.error().to_string();
    EXPECT_EQ(again->data.get()["count"], 1);
}

TEST_P(Faults, AFullRedisRefusesInputsAndChangesNothing) {
    Node& node = add_node();
    const std::string id = new_counter(node);
    // maxmemory just under what is used: with noeviction, writes are refused.
    auto limit = [&](const std::string& bytes) {
        for (auto& r :
             run(node.client->on_every_node(command_of("CONFIG", "SET", "maxmemory", bytes))))
            ASSERT_TRUE(r.ok()) << r.error().to_string();
    };
    limit("1");
    auto refused = run(node.runtime->send(id, bump_input(), "k1"));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::unavailable) << "try again later: nothing applied";
    EXPECT_NE(refused.error().message.find("out of memory"), std::string::npos)
        << refused.error().message;
    limit("0");
    auto stored = run(node.store->load(id));
    ASSERT_TRUE(stored.ok());
    EXPECT_EQ(stored->revision, 1u) << "nothing of the refused input was applied";
    EXPECT_EQ(run(node.store->history(id))->size(), 1u);
    auto again = run(node.runtime->send(id, bump_input(), "k1"));
    ASSERT_TRUE(again.ok()) << again.error().to_string();
    EXPECT_EQ(again->data.get()["count"], 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, Faults, ::testing::Values(Backend::single, Backend::cluster),
                         backend_name);

}  // namespace
}  // namespace accord::redis::testing
