// accordd: the Accord engine node. Connects to Redis, loads the shipped workflows that Redis
// does not have yet, and runs the durable runtime's background work (due timers, the outbox)
// until SIGTERM or SIGINT. Any number of nodes may share one Redis. The REST API and the
// WebSocket feed come with the server issue; until then inputs arrive through the library.
#include <csignal>
#include <cstdlib>
#include <iostream>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "accord/redis/runtime.hpp"
#include "accord/redis/workflow_loader.hpp"

namespace asio = boost::asio;
using namespace accord;

namespace {

const char* kUsage = R"(usage: accordd [--redis URL] [--workflows DIR] [--node-id NAME]
               [--prefix PREFIX] [--shards N] [--compression LEVEL]
               [--history-compression LEVEL]
  --redis URL      redis://[:password@]host[:port][/db], or
                   redis+cluster://host:port[,host:port...]   (env ACCORD_REDIS;
                   default redis://127.0.0.1:6379/0)
  --workflows DIR  definitions loaded into Redis at start when absent (env ACCORD_WORKFLOWS;
                   default workflows)
  --node-id NAME   this node's name in Redis consumer groups (default host-pid)
  --prefix PREFIX  key prefix (default acc)
  --shards N       shards of a new keyspace (default 16; an existing one keeps its own)
  --compression L  zstd level of stored instance documents, 0 for plain JSON
                   (env ACCORD_COMPRESSION; default 1; readers take both, so it may change)
  --history-compression L
                   the same for history entries (env ACCORD_HISTORY_COMPRESSION; default 0)
)";

std::string env_or(const char* name, std::string fallback) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

struct Config {
    std::string redis = env_or("ACCORD_REDIS", "redis://127.0.0.1:6379/0");
    std::string workflows = env_or("ACCORD_WORKFLOWS", "workflows");
    std::string node_id = env_or("ACCORD_NODE_ID", "");
    std::string prefix = env_or("ACCORD_PREFIX", "acc");
    int shards = std::atoi(env_or("ACCORD_SHARDS", "16").c_str());
    int compression = std::atoi(env_or("ACCORD_COMPRESSION", "1").c_str());
    int history_compression = std::atoi(env_or("ACCORD_HISTORY_COMPRESSION", "0").c_str());
};

asio::awaitable<void> serve(asio::io_context& io, redis::RedisStore& store, redis::Runtime& runtime,
                            const Config& config, int& status) {
    auto opened = co_await store.open();
    if (!opened) {
        spdlog::error("cannot open the keyspace on {}: {}", config.redis,
                      opened.error().to_string());
        status = 1;
        co_return;
    }
    spdlog::info("keyspace {} with {} shards on {}", config.prefix, store.keys().shards(),
                 store.client().describe());
    auto loaded = co_await redis::load_workflows(store, config.workflows);
    if (!loaded) {
        spdlog::error("cannot load workflows: {}", loaded.error().to_string());
        status = 1;
        co_return;
    }
    for (const auto& w : loaded->warnings) spdlog::warn("{}", w);
    spdlog::info("workflows: {}", fmt::join(loaded->stored, ", "));
    runtime.run([&io] {
        spdlog::info("stopped");
        io.stop();
    });
    spdlog::info("node {} running: timers and outbox", runtime.node_id());
}

}  // namespace

int main(int argc, char** argv) {
    Config config;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::cerr << a << " needs a value\n" << kUsage;
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--redis")
            config.redis = value();
        else if (a == "--workflows")
            config.workflows = value();
        else if (a == "--node-id")
            config.node_id = value();
        else if (a == "--prefix")
            config.prefix = value();
        else if (a == "--shards")
            config.shards = std::atoi(value().c_str());
        else if (a == "--compression")
            config.compression = std::atoi(value().c_str());
        else if (a == "--history-compression")
            config.history_compression = std::atoi(value().c_str());
        else if (a == "--help" || a == "-h") {
            std::cout << kUsage;
            return 0;
        } else {
            std::cerr << "unknown option " << a << "\n" << kUsage;
            return 2;
        }
    }
    if (config.shards < 1 || config.shards > 1024) {
        std::cerr << "--shards: between 1 and 1024\n";
        return 2;
    }
    for (int level : {config.compression, config.history_compression})
        if (level < -7 || level > 19) {
            std::cerr << "--compression, --history-compression: a zstd level between -7 and 19, "
                         "or 0 for none\n";
            return 2;
        }

    asio::io_context io;
    auto client = redis::Client::create(io.get_executor(), config.redis);
    if (!client) {
        std::cerr << "--redis: " << client.error().message << "\n";
        return 2;
    }
    redis::StoreOptions store_options;
    store_options.prefix = config.prefix;
    store_options.shards = config.shards;
    store_options.compression_level = config.compression;
    store_options.history_compression_level = config.history_compression;
    redis::RedisStore store(client.value(), store_options);
    redis::RuntimeOptions runtime_options;
    runtime_options.node_id = config.node_id;
    redis::Runtime runtime(store, runtime_options);

    int status = 0;
    asio::steady_timer stop_timer(io);
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        spdlog::info("signal {}: stopping after the work in hand", sig);
        runtime.stop();
        // The loop ends after its round; commits in flight are atomic in Redis either way.
        stop_timer.expires_after(std::chrono::seconds(5));
        stop_timer.async_wait([&](const boost::system::error_code&) { io.stop(); });
    });
    asio::co_spawn(io, serve(io, store, runtime, config, status), [&](std::exception_ptr e) {
        if (e) status = 1;
        if (status != 0) io.stop();
    });
    io.run();
    return status;
}
