// bench/redis: the durable runtime against a real redis-server, on the shipped workflow
// workflows/mou_proposal.json. Three modes, each printing one RESULT line of JSON that
// bench/run.sh puts in a table beside the peers' figures from the same run:
//   throughput  many instances driven through their lifecycle at once, on one io_context and
//               one connection: committed inputs per second, and their latency
//   memory      N instances parked on a task: Redis used_memory per instance (history apart),
//               and this process's RSS as they pile up (the runtime's instance cache is bounded)
// A transition is one committed input: one `commit.lua` call that writes the instance, its
// history entry, its task and timer index changes and its feed events.
//   timers      INSTANCES timers due at one moment, fired by NODES runtimes with their loops
//               running: the lag from the due time to each firing, p50, p99 and max
//   redis_bench throughput URL PREFIX IN_FLIGHT SECONDS
//   redis_bench memory     URL PREFIX IN_FLIGHT INSTANCES
//   redis_bench timers     URL PREFIX NODES INSTANCES
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <sys/resource.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "accord/engine/time.hpp"
#include "accord/engine/validator.hpp"
#include "accord/redis/runtime.hpp"

namespace {

namespace asio = boost::asio;
using accord::engine::Actor;
using accord::engine::CompleteTaskInput;
using accord::engine::Input;
using accord::engine::Instance;
using accord::engine::json;
using accord::redis::Awaitable;
using accord::redis::Call;
using accord::redis::Client;
using accord::redis::command_of;
using accord::redis::RedisStore;
using accord::redis::Runtime;
using accord::redis::SendOptions;
using accord::redis::StartRequest;
using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "redis_bench: %s\n", what.c_str());
    std::exit(1);
}

// ---- the workload: plain functions, so that coroutines never build aggregates (GCC 12) ----

const Actor& officer() {
    static const Actor a{"olga", {"officer"}, false};
    return a;
}
const Actor& dean() {
    static const Actor a{"dan", {"dean"}, false};
    return a;
}
const Actor& director() {
    static const Actor a{"iris", {"ir_director"}, false};
    return a;
}

StartRequest mou_request(std::uint64_t n) {
    StartRequest r;
    r.workflow = "mou_proposal";
    r.data = json::object();
    r.data["partner"] = {{"name", "Universidad de Salamanca " + std::to_string(n)},
                         {"country", "ES"}};
    return r;
}

// The officer's proposal: the fields of tests/adapters/redis/durable_runtime_test.cpp's kProposal.
const json& proposal() {
    static const json p = json::parse(R"({
      "agreement_type": "student_exchange",
      "scope": "Faculty of Arts; bachelor students",
      "rationale": "Strong partner in Iberian studies",
      "start_date": "2027-09-01",
      "end_date": "2029-08-31",
      "quotas": {"students": 4, "staff": 2}
    })");
    return p;
}

Input complete(const std::string& task, const char* outcome, const json& fields,
               const Actor& actor) {
    Input in;
    in.kind = CompleteTaskInput{task, outcome, fields, {}};
    in.actor = actor;
    return in;
}

// Input k of a lifecycle after its start: `returns` rounds of the officer submitting and the
// dean returning the proposal with a note, then submit, endorse, and the IR director's accept
// (4 students and 2 staff a year: no second approval, the instance ends `endorsed`).
constexpr int kReturns = 2;
int inputs_per_lifecycle(int returns) {
    return 2 * returns + 3;
}
Input lifecycle_input(int k, int returns, const std::string& task) {
    static const json note = {{"note", "Please give the yearly quotas per faculty"}};
    static const json none = json::object();
    if (k < 2 * returns)
        return k % 2 == 0 ? complete(task, "submit", proposal(), officer())
                          : complete(task, "return", note, dean());
    if (k == 2 * returns) return complete(task, "submit", proposal(), officer());
    if (k == 2 * returns + 1) return complete(task, "endorse", none, dean());
    return complete(task, "accept", none, director());
}

Input submit(const std::string& task) {
    return complete(task, "submit", proposal(), officer());
}

// The open task an instance waits on (each state of mou_proposal has one).
std::string open_task(const Instance& inst) {
    for (const auto& t : inst.tasks)
        if (t.is_open()) return t.id;
    return {};
}

// This process's CPU time, user and system, in seconds.
double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    return s(u.ru_utime) + s(u.ru_stime);
}

// A number of an INFO reply ("name:value\r\n"); 0 when it is not there.
double info_field(const std::string& info, const std::string& name) {
    auto at = info.find("\n" + name + ":");
    return at == std::string::npos ? 0 : std::atof(info.c_str() + at + name.size() + 2);
}

long rss_kib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
    return -1;
}

// ---- driving instances ---------------------------------------------------------------------

struct Tally {
    std::uint64_t commits = 0, lifecycles = 0, errors = 0;
    std::string first_error;
    std::vector<float> latency_ms;    // per committed input
    std::vector<std::string> sample;  // a few finished instances, checked afterwards

    void error(const std::string& what) {
        if (errors++ == 0) first_error = what;
    }
};

// The workers of one batch, and the number of the next instance they take.
struct Pool {
    std::uint64_t next = 0;
    int running = 0;
};

double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// One instance from start to its final state; every input must commit.
Awaitable<void> lifecycle(Runtime& runtime, std::uint64_t n, int returns, Tally& tally) {
    auto t0 = Clock::now();
    auto started = co_await runtime.start(mou_request(n), officer());
    if (!started) {
        tally.error("start: " + started.error().to_string());
        co_return;
    }
    tally.latency_ms.push_back(static_cast<float>(ms_since(t0)));
    ++tally.commits;
    // Each input's result shared with the runtime's cache, as the API gets it (Sent).
    std::shared_ptr<const Instance> inst =
        std::make_shared<const Instance>(std::move(started->instance));
    for (int k = 0; k < inputs_per_lifecycle(returns); ++k) {
        t0 = Clock::now();
        // A named local, not `SendOptions{}` in the call: g++ 12 mishandles a braced temporary
        // passed by value to a coroutine inside co_await (the bench crashed with it).
        SendOptions options;
        auto moved = co_await runtime.send(inst->id, lifecycle_input(k, returns, open_task(*inst)),
                                           std::move(options));
        if (!moved) {
            tally.error("input " + std::to_string(k) + " of " + inst->id + ": " +
                        moved.error().to_string());
            co_return;
        }
        tally.latency_ms.push_back(static_cast<float>(ms_since(t0)));
        ++tally.commits;
        inst = std::move(moved->instance);
    }
    if (inst->running() || inst->outcome != "endorsed" ||
        inst->revision != static_cast<std::uint64_t>(inputs_per_lifecycle(returns) + 1)) {
        tally.error(inst->id + " ended " + inst->outcome + " at revision " +
                    std::to_string(inst->revision));
        co_return;
    }
    ++tally.lifecycles;
    if (tally.sample.size() < 20) tally.sample.push_back(inst->id);
}

// One instance started and submitted: it waits on the dean's endorsement task.
Awaitable<void> park(Runtime& runtime, std::uint64_t n, Tally& tally) {
    auto started = co_await runtime.start(mou_request(n), officer());
    if (!started) {
        tally.error("start: " + started.error().to_string());
        co_return;
    }
    auto moved = co_await runtime.send(started->instance.id, submit(open_task(started->instance)));
    if (!moved) {
        tally.error("submit: " + moved.error().to_string());
        co_return;
    }
    tally.commits += 2;
    ++tally.lifecycles;
}

Awaitable<void> lifecycle_worker(Runtime& runtime, Pool& pool, Clock::time_point until,
                                 Tally& tally) {
    while (Clock::now() < until && tally.errors == 0)
        co_await lifecycle(runtime, pool.next++, kReturns, tally);
    --pool.running;
}

Awaitable<void> park_worker(Runtime& runtime, Pool& pool, std::uint64_t upto, Tally& tally) {
    while (pool.next < upto && tally.errors == 0) co_await park(runtime, pool.next++, tally);
    --pool.running;
}

// The io_context keeps the connection's timers: run it until the pool is done.
void run_until(asio::io_context& io, const Pool& pool) {
    io.restart();
    while (pool.running > 0) io.run_one();
}

template <typename T>
T run(asio::io_context& io, Awaitable<T> work) {
    std::optional<T> out;
    asio::co_spawn(
        io,
        [&out, w = std::move(work)]() mutable -> Awaitable<void> { out = co_await std::move(w); },
        asio::detached);
    io.restart();
    while (!out) io.run_one();
    return std::move(*out);
}

struct Bench {
    asio::io_context io{1};  // one thread runs it
    std::shared_ptr<Client> client;
    std::unique_ptr<RedisStore> store;
    std::unique_ptr<Runtime> runtime;

    Bench(const std::string& url, const std::string& prefix) {
        auto c = Client::create(io.get_executor(), url);
        if (!c) fail(c.error().to_string());
        client = c.value();
        accord::redis::StoreOptions options;
        options.prefix = prefix;
        // ACCORD_COMPRESSION, as accordd's: the zstd level of stored records (0: plain JSON).
        if (const char* level = std::getenv("ACCORD_COMPRESSION"); level != nullptr && *level)
            options.compression_level = std::atoi(level);
        if (const char* level = std::getenv("ACCORD_HISTORY_COMPRESSION"); level && *level)
            options.history_compression_level = std::atoi(level);
        // ACCORD_DICTIONARIES=0: no dictionaries learned (records compressed alone, as before).
        if (const char* on = std::getenv("ACCORD_DICTIONARIES"); on && *on)
            options.dictionaries = std::atoi(on) != 0;
        // ACCORD_DONE_KEPT: completed tasks listed per person and role and shard (0: none), to
        // measure what the index of completed tasks costs.
        if (const char* kept = std::getenv("ACCORD_DONE_KEPT"); kept && *kept)
            options.done_kept = static_cast<std::size_t>(std::atoll(kept));
        store = std::make_unique<RedisStore>(client, options);
        if (auto r = run(io, store->open()); !r) fail("open: " + r.error().to_string());
        std::ifstream in(ACCORD_SOURCE_DIR "/workflows/mou_proposal.json");
        std::stringstream text;
        text << in.rdbuf();
        auto loaded = accord::engine::load_definition_text(text.str());
        if (!loaded.ok()) fail("workflows/mou_proposal.json does not load");
        if (auto r = run(io, store->put_definition(loaded.definition)); !r)
            fail("put_definition: " + r.error().to_string());
        runtime = std::make_unique<Runtime>(*store, accord::redis::RuntimeOptions{});
    }

    accord::redis::Reply command(const accord::redis::Command& c) {
        auto r = run(io, client->command(store->keys().meta(), c));
        if (!r) fail(c.front() + ": " + r.error().to_string());
        return std::move(r).value();
    }

    std::string info(const char* section) { return command(command_of("INFO", section)).str; }

    long long used_memory() {
        auto used = static_cast<long long>(info_field(info("memory"), "used_memory"));
        if (used <= 0) fail("INFO memory has no used_memory");
        return used;
    }

    // The server's CPU seconds so far, its AOF rewrites' included, and the bytes it read.
    std::pair<double, double> server_cpu_and_input() {
        const std::string cpu = info("cpu");
        return {info_field(cpu, "used_cpu_user") + info_field(cpu, "used_cpu_sys") +
                    info_field(cpu, "used_cpu_user_children") +
                    info_field(cpu, "used_cpu_sys_children"),
                info_field(info("stats"), "total_net_input_bytes")};
    }

    // The sum of MEMORY USAGE (exact: SAMPLES 0) over `keys`, pipelined.
    long long memory_usage(const std::vector<std::string>& keys) {
        long long sum = 0;
        each_batch(
            keys,
            [](const std::string& k) {
                return Call::cmd(k, command_of("MEMORY", "USAGE", k, "SAMPLES", "0"));
            },
            [&sum](const accord::redis::Reply& r) { sum += r.integer; });
        return sum;
    }

    // Every key matching `pattern` (a single server: SCAN).
    std::vector<std::string> scan(const std::string& pattern) {
        std::vector<std::string> keys;
        std::string cursor = "0";
        do {
            auto r = command(command_of("SCAN", cursor, "MATCH", pattern, "COUNT", "1000"));
            cursor = r.elements.at(0).str;
            for (auto& k : r.elements.at(1).elements) keys.push_back(std::move(k.str));
        } while (cursor != "0");
        return keys;
    }

    void delete_keys(const std::vector<std::string>& keys) {
        each_batch(
            keys, [](const std::string& k) { return Call::cmd(k, command_of("DEL", k)); },
            [](const accord::redis::Reply&) {});
    }

    // One call per key, 500 at a time in one pipeline.
    template <typename MakeCall, typename Take>
    void each_batch(const std::vector<std::string>& keys, MakeCall make, Take take) {
        for (std::size_t i = 0; i < keys.size(); i += 500) {
            std::vector<Call> calls;
            for (std::size_t j = i; j < std::min(keys.size(), i + 500); ++j)
                calls.push_back(make(keys[j]));
            for (auto& r : run(io, client->all(std::move(calls)))) {
                if (!r) fail(r.error().to_string());
                take(r.value());
            }
        }
    }
};

float percentile(std::vector<float> v, double p) {
    if (v.empty()) return 0;
    auto at = v.begin() + static_cast<long>(p * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), at, v.end());
    return *at;
}

int throughput(const std::string& url, const std::string& prefix, int in_flight, double seconds) {
    Bench b(url, prefix);
    Tally tally;
    tally.latency_ms.reserve(1'000'000);
    Pool pool;
    const auto [server_cpu0, input0] = b.server_cpu_and_input();
    const double cpu0 = cpu_seconds();
    const auto t0 = Clock::now();
    const auto until =
        t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    for (int w = 0; w < in_flight; ++w) {
        ++pool.running;
        asio::co_spawn(b.io, lifecycle_worker(*b.runtime, pool, until, tally), asio::detached);
    }
    run_until(b.io, pool);
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    const double cpu = cpu_seconds() - cpu0;
    const auto [server_cpu1, input1] = b.server_cpu_and_input();
    if (tally.errors > 0)
        fail(std::to_string(tally.errors) + " failed inputs; the first: " + tally.first_error);
    const auto& stats = b.runtime->stats();
    const double commits = static_cast<double>(tally.commits);
    if (stats.commits != tally.commits)
        fail("runtime counted " + std::to_string(stats.commits) + " commits, the bench " +
             std::to_string(tally.commits));
    // Read back from Redis: each sampled instance is finished, with its whole history intact.
    for (const auto& id : tally.sample) {
        auto check = run(b.io, b.store->verify_history(id));
        if (!check || !check->intact ||
            check->entries != static_cast<std::size_t>(inputs_per_lifecycle(kReturns) + 1))
            fail("history of " + id + " does not check out");
        auto stored = run(b.io, b.store->load(id));
        if (!stored || stored->running() || stored->outcome != "endorsed")
            fail(id + " is not stored as endorsed");
    }
    std::printf(
        "RESULT {\"mode\": \"throughput\", \"inFlight\": %d, \"commits\": %llu, "
        "\"lifecycles\": %llu, \"inputsPerLifecycle\": %d, \"seconds\": %.3f, "
        "\"commitsPerS\": %.0f, \"p50Ms\": %.2f, \"p99Ms\": %.2f, \"errors\": 0, "
        "\"staleRetries\": %llu, \"engineCpuUsPerCommit\": %.1f, "
        "\"redisCpuUsPerCommit\": %.1f, \"redisBytesInPerCommit\": %.0f, \"rssKiB\": %ld}\n",
        in_flight, static_cast<unsigned long long>(tally.commits),
        static_cast<unsigned long long>(tally.lifecycles), inputs_per_lifecycle(kReturns) + 1,
        elapsed, commits / elapsed, percentile(tally.latency_ms, 0.5),
        percentile(tally.latency_ms, 0.99), static_cast<unsigned long long>(stats.stale_retries),
        cpu * 1e6 / commits, (server_cpu1 - server_cpu0) * 1e6 / commits,
        (input1 - input0) / commits, rss_kib());
    return 0;
}

int memory(const std::string& url, const std::string& prefix, int in_flight, int instances) {
    Bench b(url, prefix);
    const long long used0 = b.used_memory();
    const long rss0 = rss_kib();
    Tally tally;
    Pool pool;
    // RSS at a quarter, half and all of the instances: it must level off once the runtime's
    // instance cache is full.
    std::vector<std::pair<int, long>> rss;
    for (int upto : {instances / 4, instances / 2, instances}) {
        for (int w = 0; w < in_flight; ++w) {
            ++pool.running;
            asio::co_spawn(b.io,
                           park_worker(*b.runtime, pool, static_cast<std::uint64_t>(upto), tally),
                           asio::detached);
        }
        run_until(b.io, pool);
        if (tally.errors > 0)
            fail(std::to_string(tally.errors) + " failed inputs; the first: " + tally.first_error);
        rss.emplace_back(upto, rss_kib());
    }
    if (tally.lifecycles != static_cast<std::uint64_t>(instances))
        fail("parked " + std::to_string(tally.lifecycles) + " instances");
    const long long used1 = b.used_memory();

    // Where it goes: each kind of key, by MEMORY USAGE.
    const std::string p = prefix + ":{s*}:";
    auto total = [&b](const std::vector<std::string>& keys) { return b.memory_usage(keys); };
    const auto history = b.scan(p + "h:*");
    // Each instance's index of where its closed tasks are in its history: part of the history.
    const auto closed_index = b.scan(p + "ct:*");
    const auto docs = b.scan(p + "i:*");
    const long long docs_bytes = total(docs);
    const long long history_usage = total(history);
    const long long closed_index_usage = total(closed_index);
    const long long queues = total(b.scan(p + "role:*")), timers = total(b.scan(p + "timers"));
    const long long feed = total(b.scan(p + "feed")), listed = total(b.scan(p + "wf:*"));
    if (history.size() != static_cast<std::size_t>(instances) || docs.size() != history.size())
        fail("found " + std::to_string(docs.size()) + " instances and " +
             std::to_string(history.size()) + " histories");

    // History apart, exactly: delete it (and its index of closed tasks) and measure again.
    b.delete_keys(history);
    b.delete_keys(closed_index);
    const long long used2 = b.used_memory();
    const double n = instances;
    std::printf(
        "RESULT {\"mode\": \"memory\", \"instances\": %d, \"usedBefore\": %lld, "
        "\"usedAfter\": %lld, \"usedAfterHistoryDeleted\": %lld, "
        "\"perInstance\": %.0f, \"perInstanceNoHistory\": %.0f, \"historyPerInstance\": %.0f, "
        "\"usage\": {\"instance\": %.0f, \"history\": %.0f, \"closedTaskIndex\": %.0f, "
        "\"roleQueues\": %.0f, \"timers\": %.0f, \"feed\": %.0f, \"workflowIndex\": %.0f}, "
        "\"rssKiB\": {\"0\": %ld",
        instances, used0, used1, used2, (used1 - used0) / n, (used2 - used0) / n,
        (used1 - used2) / n, docs_bytes / n, history_usage / n, closed_index_usage / n,
        queues / n, timers / n, feed / n,
        listed / n, rss0);
    for (auto [at, kib] : rss) std::printf(", \"%d\": %ld", at, kib);
    std::printf("}}\n");
    return 0;
}

}  // namespace

// timers: INSTANCES instances of a one-timer workflow whose timers are all due at one moment,
// NODES runtimes with their loops running (each its own connections and supervisor, as
// separate accordd processes have; here all on this one thread): the lag from the due time to
// each firing's commit.
int timers(const std::string& url, const std::string& prefix, int nodes, int instances) {
    asio::io_context io{1};
    const json definition = json::parse(R"({
      "workflow": "timer_bench", "version": 1, "title": "Timers due at once", "start": "waiting",
      "states": {
        "waiting": {"timers": [{"at": {"var": "due"}, "event": "ring"}], "on": {"ring": "rung"}},
        "rung": {"final": "done"}
      }})");
    auto loaded = accord::engine::load_definition(definition);
    if (!loaded.ok()) fail("the timer bench's workflow does not load");
    struct Node {
        std::shared_ptr<Client> client;
        std::unique_ptr<RedisStore> store;
        std::unique_ptr<Runtime> runtime;
        std::unique_ptr<accord::redis::Supervisor> supervisor;
    };
    std::vector<float> lag_ms;
    std::vector<int> fired_by(static_cast<std::size_t>(nodes), 0);
    const std::int64_t lead_ms = 3000 + static_cast<std::int64_t>(instances) / 2;
    const std::int64_t due = accord::redis::system_now() + lead_ms;
    std::vector<Node> ns(static_cast<std::size_t>(nodes));
    for (int i = 0; i < nodes; ++i) {
        Node& n = ns[static_cast<std::size_t>(i)];
        auto c = Client::create(io.get_executor(), url);
        if (!c) fail(c.error().to_string());
        n.client = c.value();
        accord::redis::StoreOptions options;
        options.prefix = prefix;
        n.store = std::make_unique<RedisStore>(n.client, options);
        if (auto r = run(io, n.store->open()); !r) fail("open: " + r.error().to_string());
        accord::redis::RuntimeOptions ro;
        ro.node_id = "timer-bench-" + std::to_string(i);
        ro.on_commit = [&lag_ms, &fired_by, i, due](const accord::engine::Step& step) {
            if (step.instance.running()) return;
            lag_ms.push_back(static_cast<float>(accord::redis::system_now() - due));
            ++fired_by[static_cast<std::size_t>(i)];
        };
        n.runtime = std::make_unique<Runtime>(*n.store, ro);
        n.supervisor = std::make_unique<accord::redis::Supervisor>(io.get_executor());
        n.runtime->run(*n.supervisor);
    }
    if (auto r = run(io, ns[0].store->put_definition(loaded.definition)); !r)
        fail("put_definition: " + r.error().to_string());
    // The instances, 64 starts at a time, through the first node.
    Tally tally;
    Pool pool;
    const std::string due_text = accord::engine::format_date_time(due);
    for (int w = 0; w < 64; ++w) {
        ++pool.running;
        asio::co_spawn(
            io,
            [&]() -> Awaitable<void> {
                while (pool.next < static_cast<std::uint64_t>(instances) && tally.errors == 0) {
                    ++pool.next;
                    StartRequest req;
                    req.workflow = "timer_bench";
                    req.data = json::object();
                    req.data["due"] = due_text;
                    auto started =
                        co_await ns[0].runtime->start(std::move(req), Actor::system_actor());
                    if (!started) tally.error("start: " + started.error().to_string());
                }
                --pool.running;
            },
            asio::detached);
    }
    run_until(io, pool);
    if (tally.errors > 0) fail(tally.first_error);
    const std::int64_t created_at = accord::redis::system_now();
    if (created_at >= due)
        fail("the instances took longer to start than the lead of " + std::to_string(lead_ms) +
             " ms");
    const auto give_up =
        Clock::now() + std::chrono::milliseconds(due - created_at) + std::chrono::seconds(60);
    io.restart();
    while (lag_ms.size() < static_cast<std::size_t>(instances) && Clock::now() < give_up)
        io.run_for(std::chrono::milliseconds(10));
    std::string per_node;
    for (int f : fired_by) per_node += (per_node.empty() ? "" : ", ") + std::to_string(f);
    std::printf(
        "RESULT {\"mode\": \"timers\", \"nodes\": %d, \"instances\": %d, \"fired\": %zu, "
        "\"firedByNode\": [%s], \"p50LagMs\": %.0f, \"p99LagMs\": %.0f, \"maxLagMs\": %.0f}\n",
        nodes, instances, lag_ms.size(), per_node.c_str(), percentile(lag_ms, 0.5),
        percentile(lag_ms, 0.99),
        lag_ms.empty() ? 0.0f : *std::max_element(lag_ms.begin(), lag_ms.end()));
    std::fflush(stdout);
    if (lag_ms.size() != static_cast<std::size_t>(instances)) fail("not every timer fired");
    std::_Exit(0);  // the nodes' blocked reads are not waited out
}

int main(int argc, char** argv) {
    if (argc != 6) {
        std::fprintf(stderr,
                     "usage: redis_bench throughput URL PREFIX IN_FLIGHT SECONDS\n"
                     "       redis_bench memory URL PREFIX IN_FLIGHT INSTANCES\n"
                     "       redis_bench timers URL PREFIX NODES INSTANCES\n");
        return 2;
    }
    const std::string mode = argv[1];
    if (mode == "timers") return timers(argv[2], argv[3], std::atoi(argv[4]), std::atoi(argv[5]));
    const int in_flight = std::atoi(argv[4]);
    if (in_flight < 1) fail("IN_FLIGHT must be at least 1");
    if (mode == "throughput") return throughput(argv[2], argv[3], in_flight, std::atof(argv[5]));
    if (mode == "memory") return memory(argv[2], argv[3], in_flight, std::atoi(argv[5]));
    fail("unknown mode " + mode);
}
