// accord_test_node: an engine node that takes its inputs as JSON lines on stdin and
// acknowledges each on stdout once its commit is in Redis, so that a test can kill -9 it in
// the middle of a stream and check what was acknowledged. Background work (timers, outbox)
// runs as in accordd.
//
//   accord_test_node REDIS_URL PREFIX WORKFLOWS_DIR
//   in:  {"seq": 1, "op": "start", "workflow": "w", "data": {...}, "key": "idempotency key"}
//        {"seq": 2, "op": "event", "instance": "id", "event": "bump", "key": "..."}
//   out: {"seq": 1, "ok": true, "id": "...", "revision": 1} | {"seq": 1, "ok": false, "error":
//   "..."}
#include <deque>
#include <iostream>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "accord/redis/runtime.hpp"
#include "accord/redis/workflow_loader.hpp"

namespace asio = boost::asio;
using namespace accord;
using engine::json;
using engine::Result;

namespace {

redis::StartRequest start_request(const json& line) {
    redis::StartRequest r;
    r.workflow = line.value("workflow", "");
    r.data = line.value("data", json::object());
    r.idempotency_key = line.value("key", "");
    return r;
}

engine::Input event_input(const json& line) {
    engine::EventInput e;
    e.event = line.value("event", "");
    e.data = line.value("data", json::object());
    engine::Input in;
    in.kind = std::move(e);
    in.actor = engine::Actor::system_actor();
    return in;
}

json answer(long long seq, const Result<engine::Instance>& r) {
    json out = json::object();
    out["seq"] = seq;
    out["ok"] = r.ok();
    if (r) {
        out["id"] = r->id;
        out["revision"] = r->revision;
    } else {
        out["error"] = engine::error_code_name(r.error().code);
    }
    return out;
}

asio::awaitable<void> handle(redis::Runtime& runtime, json line) {
    const long long seq = line.value("seq", 0LL);
    Result<engine::Instance> r = engine::make_error(engine::ErrorCode::invalid_input, "unknown op");
    if (line.value("op", "") == "start") {
        auto s = co_await runtime.start(start_request(line), engine::Actor::system_actor());
        r = s ? Result<engine::Instance>(std::move(s->instance))
              : Result<engine::Instance>(s.error());
    } else if (line.value("op", "") == "event") {
        r = co_await runtime.send(line.value("instance", ""), event_input(line),
                                  line.value("key", ""));
    }
    std::cout << answer(seq, r).dump() << std::endl;
}

// Lines are applied one after another, in the order they came, as one client would send them.
struct Queue {
    std::deque<json> lines;
    bool draining = false;
};

asio::awaitable<void> drain(redis::Runtime& runtime, Queue& queue) {
    queue.draining = true;
    while (!queue.lines.empty()) {
        json line = std::move(queue.lines.front());
        queue.lines.pop_front();
        co_await handle(runtime, std::move(line));
    }
    queue.draining = false;
}

asio::awaitable<void> open(redis::RedisStore& store, redis::Runtime& runtime, std::string dir) {
    auto opened = co_await store.open();
    if (!opened) {
        std::cerr << opened.error().to_string() << "\n";
        std::exit(1);
    }
    auto loaded = co_await redis::load_workflows(store, dir);
    if (!loaded) {
        std::cerr << loaded.error().to_string() << "\n";
        std::exit(1);
    }
    runtime.run();
    std::cout << R"({"ready": true})" << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::cerr << "usage: accord_test_node REDIS_URL PREFIX WORKFLOWS_DIR\n";
        return 2;
    }
    asio::io_context io;
    auto client = redis::Client::create(io.get_executor(), argv[1]);
    if (!client) return 2;
    redis::StoreOptions options;
    options.prefix = argv[2];
    redis::RedisStore store(client.value(), options);
    redis::RuntimeOptions runtime_options;
    redis::Runtime runtime(store, runtime_options);
    auto work = asio::make_work_guard(io);
    asio::co_spawn(io, open(store, runtime, argv[3]), asio::detached);

    Queue queue;
    // std::cin is tied to std::cout: each getline would flush cout first, and so wait for the
    // stdout lock while the main thread is blocked writing answers nobody reads yet (a test that
    // sends all its inputs before reading): both pipes full, a deadlock. Inputs are read apart.
    std::cin.tie(nullptr);
    std::thread reader([&] {
        std::string text;
        while (std::getline(std::cin, text)) {
            json line = json::parse(text, nullptr, false);
            if (line.is_discarded()) continue;
            asio::post(io, [&runtime, &io, &queue, line = std::move(line)]() mutable {
                queue.lines.push_back(std::move(line));
                if (!queue.draining) asio::co_spawn(io, drain(runtime, queue), asio::detached);
            });
        }
        asio::post(io, [&] {
            runtime.stop();
            work.reset();
            io.stop();
        });
    });
    io.run();
    reader.join();
    return 0;
}
