// What the durable-runtime tests share: a real Redis (a single redis-server per test suite, or a
// 3-master Redis Cluster per process), a fresh key prefix per test, engine nodes with connections
// of their own on one io_context, and a way to run a coroutine to its end.
#pragma once

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "accord/engine/validator.hpp"
#include "accord/redis/runtime.hpp"
#include "redis_cluster.hpp"
#include "redis_server.hpp"

namespace accord::redis::testing {

using engine::json;
using engine::TimeMs;

// co_spawn with a future, for results that have no default value (Result<T>).
template <typename T>
auto spawn(boost::asio::any_io_executor ex, boost::asio::awaitable<T> work) {
    if constexpr (std::is_void_v<T>) {
        return boost::asio::co_spawn(ex, std::move(work), boost::asio::use_future);
    } else {
        return boost::asio::co_spawn(
            ex,
            [w = std::move(work)]() mutable -> boost::asio::awaitable<std::optional<T>> {
                co_return co_await std::move(w);
            },
            boost::asio::use_future);
    }
}

// Runs a coroutine on `io` until it ends (the calling thread runs `io` meanwhile).
template <typename T>
T run_on(boost::asio::io_context& io, boost::asio::awaitable<T> work) {
    auto future = spawn(io.get_executor(), std::move(work));
    io.restart();
    while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) io.run_one();
    if constexpr (std::is_void_v<T>)
        future.get();
    else
        return std::move(*future.get());
}

enum class Backend { single, cluster };

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
    return info.param == Backend::single ? "SingleServer" : "Cluster";
}

// A controllable clock, shared by every node of a test (as --dev-clock will be).
struct TestClock {
    TimeMs now = 1'800'000'000'000;  // 2027-01-15
    std::function<TimeMs()> fn() {
        return [this] { return now; };
    }
};

// One engine process, as far as Redis can tell: its own connections, store and runtime.
struct Node {
    std::shared_ptr<Client> client;
    std::unique_ptr<RedisStore> store;
    std::unique_ptr<Runtime> runtime;
};

class DurableTest : public ::testing::TestWithParam<Backend> {
public:
    static void SetUpTestSuite() {}
    // The cluster outlives the suite: a process that runs the Cluster tests of several suites
    // starts one (a node needs 2 s before it says ok). It stops when the process ends.
    static void TearDownTestSuite() { server_.reset(); }

protected:
    void SetUp() override {
        if (GetParam() == Backend::single) {
            // With AOF (appendfsync everysec), as `make run` starts it.
            if (!server_)
                server_ = std::make_unique<accord::testing::RedisServer>(
                    accord::testing::RedisServer::Options{.appendonly = true});
            url_ = server_->url();
        } else {
            server_.reset();
            if (!cluster_)
                cluster_ = std::make_unique<accord::testing::RedisCluster>(
                    accord::testing::RedisCluster::Options{.masters = 3, .appendonly = true});
            url_ = cluster_->url();
        }
        static int counter = 0;
        prefix_ = "t" + std::to_string(++counter) + "_" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name();
        for (auto& c : prefix_)
            if (c == '/') c = '_';
    }

    // Stops every Redis server of the test (SIGTERM: AOF is flushed, as in an orderly restart),
    // and starts them again on the same ports and files.
    void stop_redis() {
        if (server_) server_->stop();
        if (cluster_)
            for (std::size_t i = 0; i < cluster_->ports().size(); ++i)
                cluster_->stop_node(static_cast<int>(i));
    }
    void start_redis() {
        if (server_) server_->start();
        if (cluster_)
            for (std::size_t i = 0; i < cluster_->ports().size(); ++i)
                cluster_->start_node(static_cast<int>(i));
    }

    // A node; `compression`, when given, is its store's zstd level for documents and history
    // entries alike (0: plain JSON); otherwise the store's defaults.
    Node& add_node(RuntimeOptions options = {}, std::optional<int> compression = std::nullopt) {
        auto client = Client::create(io_.get_executor(), url_);
        if (!client) throw std::runtime_error(client.error().to_string());
        auto node = std::make_unique<Node>();
        node->client = client.value();
        StoreOptions store_options;
        store_options.prefix = prefix_;
        store_options.shards = shards_;
        if (done_kept_) store_options.done_kept = *done_kept_;
        if (feed_max_length_) store_options.feed_max_length = *feed_max_length_;
        if (compression) {
            store_options.compression_level = *compression;
            store_options.history_compression_level = *compression;
        }
        node->store = std::make_unique<RedisStore>(node->client, store_options);
        auto opened = run(node->store->open());
        if (!opened) throw std::runtime_error(opened.error().to_string());
        if (!options.now) options.now = clock_.fn();
        if (options.node_id.empty()) options.node_id = "node" + std::to_string(nodes_.size() + 1);
        node->runtime = std::make_unique<Runtime>(*node->store, std::move(options));
        nodes_.push_back(std::move(node));
        return *nodes_.back();
    }

    // Runs a coroutine on the test's io_context until it ends.
    template <typename T>
    T run(boost::asio::awaitable<T> work) {
        return run_on(io_, std::move(work));
    }

    engine::DefinitionPtr definition(const json& document) {
        auto loaded = engine::load_definition(document);
        if (!loaded.ok()) throw std::runtime_error("definition refused");
        return loaded.definition;
    }

    engine::DefinitionPtr shipped(const std::string& name) {
        std::ifstream in(std::string(ACCORD_SOURCE_DIR) + "/workflows/" + name + ".json");
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        auto loaded = engine::load_definition_text(text);
        if (!loaded.ok()) throw std::runtime_error("shipped workflow " + name + " refused");
        return loaded.definition;
    }

    void put(Node& node, const engine::DefinitionPtr& def) {
        auto r = run(node.store->put_definition(def));
        if (!r) throw std::runtime_error(r.error().to_string());
    }

    static inline std::unique_ptr<accord::testing::RedisServer> server_;
    static inline std::unique_ptr<accord::testing::RedisCluster> cluster_;  // see TearDownTestSuite
    boost::asio::io_context io_;
    std::string url_, prefix_;
    int shards_ = 16;
    std::optional<std::size_t> done_kept_;  // StoreOptions::done_kept, when set
    std::optional<std::size_t> feed_max_length_;  // StoreOptions::feed_max_length, when set
    TestClock clock_;
    std::vector<std::unique_ptr<Node>> nodes_;
};

inline engine::Actor person(std::string id, std::vector<std::string> roles) {
    return engine::Actor{std::move(id), std::move(roles), false};
}

// An officer's proposal for workflows/mou_proposal.json's draft task.
inline const json kProposal = json::parse(R"({
  "agreement_type": "student_exchange",
  "scope": "Faculty of Arts; bachelor students",
  "rationale": "Strong partner in Iberian studies",
  "start_date": "2027-09-01",
  "end_date": "2029-08-31",
  "quotas": {"students": 4, "staff": 2}
})");

inline engine::Input complete(std::string task, std::string outcome, json fields,
                              engine::Actor actor) {
    return engine::Input{
        engine::CompleteTaskInput{std::move(task), std::move(outcome), std::move(fields), {}},
        std::move(actor)};
}

}  // namespace accord::redis::testing
