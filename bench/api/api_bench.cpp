// bench/api: a running accordd under load through its REST API and its WebSocket feed, from a
// client on one thread: the REST load on plain sockets and epoll (rest_load.cpp), the feed on
// Beast (asynchronous, one io_context). Each mode prints one RESULT line
// of JSON that bench/run.sh puts in a table beside redis_bench's in-process figure:
//   users URL PREFIX TOKENS_FILE PEOPLE
//         the bench's users, made with UserStore before accordd starts: olga (officer), dan
//         (dean), iris (ir_director), admin (admin) and p0..p<PEOPLE-1> (feed_watcher, a role
//         no task has); writes "NAME TOKEN" lines
//   rest  PORT TOKENS_FILE CONNECTIONS SECONDS [lifecycles|completions]
//         mou_proposal lifecycles driven as redis_bench's throughput mode drives them (a start,
//         then seven completions by the officer, the dean and the IR director, each next task
//         taken from the answer's instance_state), one request at a time on each keep-alive
//         connection, measured for SECONDS after a one-second warm-up. `lifecycles` (the
//         default): starts and completions in the window alike, as redis_bench has them;
//         `completions`: the warm-up starts the instances and the window completes their tasks
//   idle  PORT[,PORT...] TOKENS_FILE SOCKETS SECONDS REDIS_URL
//         SOCKETS feed sockets of p0.. spread over the nodes (accordd on each PORT); once their
//         snapshots are in and a second passed, the Redis commands of SECONDS with nothing
//         happening, per node and second (INFO stats)
//   feed  PORT ADMIN_TOKEN TOKENS_FILE SUBSCRIBERS RATE SECONDS
//         one feed socket for each of p0..p<SUBSCRIBERS-1>; once every snapshot is in, RATE
//         starts a second of feed_bench.json for SECONDS, change i opening a task assigned to
//         p<i mod SUBSCRIBERS>: latency from the start request's sending to its task.opened
//         message at that subscriber
// Any answer that is not 2xx is an error (a REST connection stops at its first); errors (and, for
// the feed, changes not received within 2 s) make the exit status 1, after the RESULT line.
// Optional for `rest` and `feed`: API_BENCH_SERVER_PID (accordd's CPU per request or change, from
// /proc) and API_BENCH_REDIS (a redis:// URL: redis-server's, from INFO).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "accord/engine/time.hpp"
#include "accord/redis/users.hpp"
#include "rest_load.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using json = nlohmann::json;
using accord::bench::Clock;
using accord::bench::drive_rest;
using accord::bench::RestRun;
using accord::bench::Step;
using accord::bench::Workload;
template <typename T>
using Awaitable = asio::awaitable<T>;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// (GCC 12: no temporaries of class type in co_await expressions; the targets are named.)
const std::string kInstances = "/api/v1/instances";
const std::string kDefinitions = "/api/v1/definitions";

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "api_bench: %s\n", what.c_str());
    std::exit(1);
}

double ms_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double, std::milli>(to - from).count();
}

double wall_ms_now() {
    return std::chrono::duration<double, std::milli>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

float percentile(std::vector<float> v, double p) {
    if (v.empty()) return 0;
    auto at = v.begin() + static_cast<long>(p * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), at, v.end());
    return *at;
}

Awaitable<void> sleep_until(Clock::time_point t) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    timer.expires_at(t);
    co_await timer.async_wait(use_tuple);
}

// "NAME TOKEN" lines, as the users mode writes them.
std::map<std::string, std::string> read_tokens(const std::string& path) {
    std::ifstream in(path);
    if (!in) fail("cannot read " + path);
    std::map<std::string, std::string> tokens;
    std::string name, token;
    while (in >> name >> token) tokens[name] = token;
    return tokens;
}

const std::string& token_of(const std::map<std::string, std::string>& tokens,
                            const std::string& name) {
    auto it = tokens.find(name);
    if (it == tokens.end()) fail("no token for " + name + " in the tokens file");
    return it->second;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) fail("cannot read " + path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// ---- CPU meters --------------------------------------------------------------------------------

double own_cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    return s(u.ru_utime) + s(u.ru_stime);
}

// User and system CPU seconds of another process (/proc/PID/stat, fields 14 and 15); -1 when
// it cannot be read.
double process_cpu_seconds(const std::string& pid) {
    std::ifstream in("/proc/" + pid + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto paren = text.rfind(')');
    if (paren == std::string::npos) return -1;
    std::istringstream fields(text.substr(paren + 2));  // from field 3, the state
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i)
        if (i >= 14) ticks += std::atof(field.c_str());
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// A number of an INFO reply ("name:value\r\n"); 0 when it is not there.
double info_field(const std::string& info, const std::string& name) {
    auto at = info.find("\n" + name + ":");
    return at == std::string::npos ? 0 : std::atof(info.c_str() + at + name.size() + 2);
}

// CPU seconds of this process, of accordd and of redis-server (AOF rewrites included), when
// the last two are known.
struct CpuMeter {
    std::string server_pid;
    std::shared_ptr<accord::redis::Client> redis;

    struct Reading {
        double own = 0, server = -1, redis = -1;
    };

    // API_BENCH_SERVER_PID and API_BENCH_REDIS, when set.
    static CpuMeter from_environment(asio::io_context& io) {
        CpuMeter meter;
        if (const char* pid = std::getenv("API_BENCH_SERVER_PID")) meter.server_pid = pid;
        if (const char* url = std::getenv("API_BENCH_REDIS"); url && *url) {
            auto c = accord::redis::Client::create(io.get_executor(), url);
            if (!c) fail("API_BENCH_REDIS: " + c.error().to_string());
            meter.redis = c.value();
        }
        return meter;
    }

    // (GCC 12 miscompiles a co_await on the right of && or ||: each stands alone here.)
    Awaitable<void> connect() {
        if (!redis) co_return;
        auto connected = co_await redis->connect();
        if (!connected) redis.reset();
    }
    Awaitable<Reading> read() {
        Reading r;
        r.own = own_cpu_seconds();
        if (!server_pid.empty()) r.server = process_cpu_seconds(server_pid);
        if (redis) {
            const std::string route = "cpu";
            auto info = co_await redis->command(route, accord::redis::command_of("INFO", "cpu"));
            if (info)
                r.redis = info_field(info->str, "used_cpu_user") +
                          info_field(info->str, "used_cpu_sys") +
                          info_field(info->str, "used_cpu_user_children") +
                          info_field(info->str, "used_cpu_sys_children");
        }
        co_return r;
    }
};

// Microseconds of CPU per item between two readings, as JSON ("null" when not measured).
std::string cpu_us_per(double before, double after, double items) {
    if (before < 0 || after < 0 || items <= 0) return "null";
    return std::to_string((after - before) * 1e6 / items);
}

// ---- HTTP ------------------------------------------------------------------------------------

struct Answer {
    int status = 0;    // 0: no answer (the connection failed)
    std::string body;  // or what failed
};

// One keep-alive HTTP/1.1 connection, one request at a time.
class HttpConnection {
public:
    HttpConnection(asio::any_io_executor ex, tcp::endpoint server) : stream_(ex), server_(server) {}

    bool is_open() const { return open_; }

    Awaitable<bool> connect() {
        beast::error_code ignored;
        stream_.socket().close(ignored);
        buffer_.clear();
        stream_.expires_after(std::chrono::seconds(10));
        auto [ec] = co_await stream_.async_connect(server_, use_tuple);
        if (ec) co_return false;
        stream_.socket().set_option(tcp::no_delay(true));
        open_ = true;
        co_return true;
    }

    Awaitable<Answer> post(const std::string& target, const std::string& token,
                           const std::string& body) {
        bhttp::request<bhttp::string_body> request(bhttp::verb::post, target, 11);
        request.set(bhttp::field::host, "127.0.0.1");
        request.set(bhttp::field::authorization, "Bearer " + token);
        request.set(bhttp::field::content_type, "application/json");
        request.keep_alive(true);
        request.body() = body;
        request.prepare_payload();
        Answer answer;
        stream_.expires_after(std::chrono::seconds(30));
        auto [wec, wn] = co_await bhttp::async_write(stream_, request, use_tuple);
        if (wec) {
            open_ = false;
            answer.body = "write: " + wec.message();
            co_return answer;
        }
        bhttp::response<bhttp::string_body> response;
        auto [rec, rn] = co_await bhttp::async_read(stream_, buffer_, response, use_tuple);
        if (rec) {
            open_ = false;
            answer.body = "read: " + rec.message();
            co_return answer;
        }
        open_ = response.keep_alive();
        answer.status = response.result_int();
        answer.body = std::move(response.body());
        co_return answer;
    }

private:
    beast::tcp_stream stream_;
    tcp::endpoint server_;
    beast::flat_buffer buffer_;
    bool open_ = false;
};

bool is_2xx(const Answer& a) {
    return a.status >= 200 && a.status < 300;
}

// ---- users -----------------------------------------------------------------------------------

// Runs `work` with a UserStore on `url` (connected), then fails with the error it gave, if any.
void with_users(const std::string& url, const std::string& prefix,
                const std::function<Awaitable<std::string>(accord::redis::UserStore&,
                                                           accord::engine::TimeMs)>& work) {
    asio::io_context io;
    auto client = accord::redis::Client::create(io.get_executor(), url);
    if (!client) fail(client.error().to_string());
    std::string error;
    bool done = false;
    asio::co_spawn(
        io,
        [&]() -> Awaitable<void> {
            if (auto c = co_await client.value()->connect(); !c) {
                error = c.error().to_string();
                co_return;
            }
            accord::redis::UserStore store(client.value(), prefix);
            error = co_await work(store, static_cast<accord::engine::TimeMs>(wall_ms_now()));
        },
        [&](std::exception_ptr) { done = true; });
    while (!done) io.run_one();  // the client's timers outlive the work
    if (!error.empty()) fail(error);
}

int users(const std::string& url, const std::string& prefix, const std::string& path, int people) {
    std::vector<std::pair<std::string, std::string>> wanted = {
        {"olga", "officer"}, {"dan", "dean"}, {"iris", "ir_director"}, {"admin", "admin"}};
    for (int i = 0; i < people; ++i) wanted.emplace_back("p" + std::to_string(i), "feed_watcher");
    std::ofstream out(path);
    if (!out) fail("cannot write " + path);
    with_users(
        url, prefix,
        [&](accord::redis::UserStore& store, accord::engine::TimeMs now) -> Awaitable<std::string> {
            for (const auto& [name, role] : wanted) {
                std::vector<std::string> roles{role};
                auto issued = co_await store.add(name, std::move(roles), now);
                if (!issued) co_return "user add " + name + ": " + issued.error().to_string();
                out << name << ' ' << issued->token << '\n';
            }
            co_return std::string();
        });
    out.close();
    if (!out) fail("cannot write " + path);
    std::printf("RESULT {\"mode\": \"users\", \"users\": %zu}\n", wanted.size());
    return 0;
}

// People who hold the role "reader", each with an e-mail address and e-mail for their role's
// notices: the audience of a notice to a large role (bench/run.sh notices). Written straight
// into Redis, as users() does.
int readers(const std::string& url, const std::string& prefix, int people) {
    with_users(
        url, prefix,
        [&](accord::redis::UserStore& store, accord::engine::TimeMs now) -> Awaitable<std::string> {
            for (int i = 0; i < people; ++i) {
                const std::string name = "r" + std::to_string(i);
                accord::engine::Profile profile;
                profile.email = name + "@bench.invalid";
                profile.email_role_tasks = true;  // their role's notices by e-mail too
                std::vector<std::string> roles{"reader"};
                const accord::redis::ChangedBy by;
                auto issued = co_await store.add(name, std::move(roles), now, std::move(profile),
                                                 std::string(), by);
                if (!issued) co_return "user add " + name + ": " + issued.error().to_string();
            }
            co_return std::string();
        });
    std::printf("RESULT {\"mode\": \"readers\", \"users\": %d}\n", people);
    return 0;
}

// ---- rest ------------------------------------------------------------------------------------

Workload mou_workload(const std::map<std::string, std::string>& tokens) {
    const json proposal = json::parse(R"({
      "agreement_type": "student_exchange",
      "scope": "Faculty of Arts; bachelor students",
      "rationale": "Strong partner in Iberian studies",
      "start_date": "2027-09-01",
      "end_date": "2029-08-31",
      "quotas": {"students": 4, "staff": 2}
    })");
    const json note = {{"note", "Please give the yearly quotas per faculty"}};
    auto step = [&](const char* who, const char* outcome, const json& fields) {
        Step s;
        s.token = token_of(tokens, who);
        s.body = json{{"outcome", outcome}, {"fields", fields}}.dump();
        return s;
    };
    Workload w;
    w.officer = token_of(tokens, "olga");
    const json none = json::object();
    w.steps = {step("olga", "submit", proposal), step("dan", "return", note),
               step("olga", "submit", proposal), step("dan", "return", note),
               step("olga", "submit", proposal), step("dan", "endorse", none),
               step("iris", "accept", none)};
    return w;
}

int rest(int port, const std::string& tokens_file, int connections, double seconds, bool prestart) {
    asio::io_context io;  // for the CPU meter; the load itself is on rest_load's epoll loop
    const Workload w = mou_workload(read_tokens(tokens_file));
    CpuMeter meter = CpuMeter::from_environment(io);
    RestRun run;
    run.latency_ms.reserve(1'000'000);
    run.from = Clock::now() + std::chrono::seconds(1);
    run.until = run.from +
                std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    CpuMeter::Reading cpu0, cpu1;
    bool metered = false;
    asio::co_spawn(
        io,
        [&]() -> Awaitable<void> {
            co_await meter.connect();
            co_await sleep_until(run.from);
            cpu0 = co_await meter.read();
            co_await sleep_until(run.until);
            cpu1 = co_await meter.read();
        },
        [&](std::exception_ptr) { metered = true; });
    drive_rest(port, connections, prestart, w, run, [&io] { io.poll(); });
    while (!metered) io.run_one();
    const double requests = static_cast<double>(run.requests);
    auto per_request = [&](double a, double b) { return cpu_us_per(a, b, requests); };
    std::printf(
        "RESULT {\"mode\": \"rest\", \"load\": \"%s\", \"connections\": %d, \"seconds\": %.3f, "
        "\"requests\": %llu, "
        "\"completions\": %llu, \"lifecycles\": %llu, \"completionsPerS\": %.0f, "
        "\"requestsPerS\": %.0f, \"p50Ms\": %.2f, \"p99Ms\": %.2f, \"errors\": %llu, "
        "\"clientCpuUsPerRequest\": %s, \"serverCpuUsPerRequest\": %s, "
        "\"redisCpuUsPerRequest\": %s}\n",
        prestart ? "completions" : "lifecycles", connections, seconds,
        static_cast<unsigned long long>(run.requests),
        static_cast<unsigned long long>(run.completions),
        static_cast<unsigned long long>(run.lifecycles),
        static_cast<double>(run.completions) / seconds, requests / seconds,
        percentile(run.latency_ms, 0.5), percentile(run.latency_ms, 0.99),
        static_cast<unsigned long long>(run.errors), per_request(cpu0.own, cpu1.own).c_str(),
        per_request(cpu0.server, cpu1.server).c_str(), per_request(cpu0.redis, cpu1.redis).c_str());
    return run.errors == 0 ? 0 : 1;
}

// ---- feed ------------------------------------------------------------------------------------

// One change: an instance of feed_bench started for one subscriber.
struct Change {
    Clock::time_point due, sent, answered, received;
    double received_wall_ms = 0;
    double at_ms = -1;  // the event's `at`
    int copies = 0;     // task.opened messages received for it
};

struct FeedRun {
    int subscribers = 0;
    std::vector<Change> changes;
    std::vector<bool> snapshot;  // by subscriber
    int snapshots = 0, connected = 0;
    std::uint64_t errors = 0, wrong_recipient = 0, resyncs = 0, other_messages = 0;
    int starters_running = 0;

    void error(const std::string& what) { accord::bench::count_error(errors, what); }

    // A message at subscriber `who`, read at (steady, wall).
    void take(int who, const std::string& text, Clock::time_point steady, double wall) {
        json msg = json::parse(text, nullptr, false);
        const std::string type = msg.is_object() ? msg.value("type", "") : "";
        if (!snapshot[static_cast<std::size_t>(who)]) {
            if (type != "snapshot") {
                error("p" + std::to_string(who) +
                      "'s first message is not a snapshot: " + text.substr(0, 200));
                return;
            }
            snapshot[static_cast<std::size_t>(who)] = true;
            ++snapshots;
            return;
        }
        if (type == "resync") ++resyncs;
        if (type != "task.opened") {
            ++other_messages;
            return;
        }
        const json& task = msg.value("task", json::object());
        const std::string title = task.value("title", "");
        const auto space = title.rfind(' ');
        const std::size_t seq = space == std::string::npos
                                    ? changes.size()
                                    : std::strtoull(title.c_str() + space + 1, nullptr, 10);
        if (seq >= changes.size() || task.value("assignee", "") != "p" + std::to_string(who)) {
            ++other_messages;
            return;
        }
        if (static_cast<int>(seq % static_cast<std::size_t>(subscribers)) != who) {
            ++wrong_recipient;
            return;
        }
        Change& c = changes[seq];
        if (c.copies++ > 0) return;
        c.received = steady;
        c.received_wall_ms = wall;
        if (auto at = accord::engine::parse_time(msg.value("at", ""))) c.at_ms = at->ms;
    }
};

using WebSocket = websocket::stream<beast::tcp_stream>;

Awaitable<void> read_feed(std::shared_ptr<WebSocket> ws, int who, FeedRun& run) {
    beast::flat_buffer buffer;
    while (true) {
        auto [ec, n] = co_await ws->async_read(buffer, use_tuple);
        const auto steady = Clock::now();
        const double wall = wall_ms_now();
        if (ec) {
            if (ec != asio::error::operation_aborted)
                run.error("p" + std::to_string(who) + "'s feed: " + ec.message());
            co_return;
        }
        run.take(who, beast::buffers_to_string(buffer.data()), steady, wall);
        buffer.consume(buffer.size());
    }
}

// Opens subscribers' sockets, `next` onwards, one at a time (a few of these run at once).
// Subscriber i connects to servers[i mod servers].
Awaitable<void> open_feeds(std::vector<tcp::endpoint> servers,
                           const std::vector<std::string>& tokens, int& next, FeedRun& run) {
    auto ex = co_await asio::this_coro::executor;
    while (next < run.subscribers) {
        const int who = next++;
        auto ws = std::make_shared<WebSocket>(ex);
        auto& lowest = beast::get_lowest_layer(*ws);
        lowest.expires_after(std::chrono::seconds(30));
        const tcp::endpoint server = servers[static_cast<std::size_t>(who) % servers.size()];
        auto [cec] = co_await lowest.async_connect(server, use_tuple);
        if (cec) {
            run.error("p" + std::to_string(who) + ": connect: " + cec.message());
            continue;
        }
        lowest.socket().set_option(tcp::no_delay(true));
        lowest.expires_never();
        ws->set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
        const std::string authorization = "Bearer " + tokens[static_cast<std::size_t>(who)];
        ws->set_option(
            websocket::stream_base::decorator([authorization](websocket::request_type& r) {
                r.set(bhttp::field::authorization, authorization);
            }));
        auto [hec] = co_await ws->async_handshake("127.0.0.1", "/api/v1/feed", use_tuple);
        if (hec) {
            run.error("p" + std::to_string(who) + ": feed upgrade: " + hec.message());
            continue;
        }
        ++run.connected;
        asio::co_spawn(ex, read_feed(ws, who, run), asio::detached);
    }
}

// Starts changes k, k + stride, ... each at its due time, one at a time on one connection.
Awaitable<void> start_changes(tcp::endpoint server, const std::string& admin, std::size_t k,
                              std::size_t stride, FeedRun& run) {
    HttpConnection c(co_await asio::this_coro::executor, server);
    for (std::size_t i = k; i < run.changes.size(); i += stride) {
        Change& change = run.changes[i];
        co_await sleep_until(change.due);
        if (!c.is_open()) {
            const bool connected = co_await c.connect();
            if (!connected) {
                run.error("cannot connect to accordd");
                break;
            }
        }
        const std::string body = R"({"workflow":"feed_bench","data":{"person":"p)" +
                                 std::to_string(i % static_cast<std::size_t>(run.subscribers)) +
                                 R"(","seq":)" + std::to_string(i) + "}}";
        change.sent = Clock::now();
        Answer a = co_await c.post(kInstances, admin, body);
        change.answered = Clock::now();
        if (!is_2xx(a))
            run.error("start of change " + std::to_string(i) + ": " +
                      (a.status ? std::to_string(a.status) + " " : "") + a.body.substr(0, 300));
    }
    --run.starters_running;
}

int feed(int port, const std::string& admin, const std::string& tokens_file, int subscribers,
         double rate, double seconds) {
    asio::io_context io;
    const tcp::endpoint server(asio::ip::make_address("127.0.0.1"),
                               static_cast<std::uint16_t>(port));
    const auto tokens_by_name = read_tokens(tokens_file);
    std::vector<std::string> tokens;
    for (int i = 0; i < subscribers; ++i)
        tokens.push_back(token_of(tokens_by_name, "p" + std::to_string(i)));
    FeedRun run;
    run.subscribers = subscribers;
    run.snapshot.assign(static_cast<std::size_t>(subscribers), false);
    run.changes.resize(static_cast<std::size_t>(rate * seconds));
    // Enough connections that a start's latency, tens of ms at worst, does not hold the next
    // one past its due time.
    const std::size_t starters = std::min<std::size_t>(64, run.changes.size());
    double connect_s = 0, snapshots_s = 0, changes_s = 0;
    CpuMeter meter = CpuMeter::from_environment(io);
    CpuMeter::Reading cpu0, cpu1;
    bool done = false;
    asio::co_spawn(
        io,
        [&]() -> Awaitable<void> {
            auto ex = co_await asio::this_coro::executor;
            co_await meter.connect();
            HttpConnection c(ex, server);
            const bool connected = co_await c.connect();
            if (!connected) fail("cannot connect to accordd on port " + std::to_string(port));
            const std::string definition = read_file(ACCORD_BENCH_DIR "/api/feed_bench.json");
            Answer published = co_await c.post(kDefinitions, admin, definition);
            if (!is_2xx(published))
                fail("publishing feed_bench.json: " + std::to_string(published.status) + " " +
                     published.body);
            // The sockets, 32 upgrades at a time; then every snapshot.
            const auto t0 = Clock::now();
            int next = 0, openers = 32;
            for (int i = 0; i < 32; ++i)
                asio::co_spawn(ex, open_feeds({server}, tokens, next, run),
                               [&openers](std::exception_ptr) { --openers; });
            while (openers > 0) co_await sleep_until(Clock::now() + std::chrono::milliseconds(5));
            connect_s = ms_between(t0, Clock::now()) / 1e3;
            const auto give_up = Clock::now() + std::chrono::seconds(60);
            while (run.snapshots + static_cast<int>(run.errors) < subscribers &&
                   Clock::now() < give_up)
                co_await sleep_until(Clock::now() + std::chrono::milliseconds(5));
            snapshots_s = ms_between(t0, Clock::now()) / 1e3;
            if (run.snapshots < subscribers) {
                run.error(std::to_string(run.snapshots) + " snapshots of " +
                          std::to_string(subscribers) + " subscribers came");
                done = true;
                co_return;
            }
            // The changes, evenly spaced; then up to 2 s for the last to arrive.
            const auto start = Clock::now() + std::chrono::milliseconds(100);
            for (std::size_t i = 0; i < run.changes.size(); ++i)
                run.changes[i].due =
                    start + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(static_cast<double>(i) / rate));
            run.starters_running = static_cast<int>(starters);
            for (std::size_t k = 0; k < starters; ++k)
                asio::co_spawn(ex, start_changes(server, admin, k, starters, run), asio::detached);
            co_await sleep_until(start);
            cpu0 = co_await meter.read();
            while (run.starters_running > 0)
                co_await sleep_until(Clock::now() + std::chrono::milliseconds(5));
            cpu1 = co_await meter.read();
            changes_s = ms_between(start, Clock::now()) / 1e3;
            Clock::time_point last_sent = start;
            for (const auto& ch : run.changes) last_sent = std::max(last_sent, ch.sent);
            auto all_in = [&run] {
                return std::all_of(run.changes.begin(), run.changes.end(),
                                   [](const Change& ch) { return ch.copies > 0; });
            };
            while (!all_in() && Clock::now() < last_sent + std::chrono::seconds(2))
                co_await sleep_until(Clock::now() + std::chrono::milliseconds(5));
            // A little longer, for duplicates or strays.
            co_await sleep_until(Clock::now() + std::chrono::milliseconds(200));
            done = true;
        },
        [&done](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
            done = true;
        });
    while (!done) io.run_one();

    std::vector<float> latency, from_at, start_latency, lag;
    std::uint64_t lost = 0, duplicates = 0;
    const double changes = static_cast<double>(run.changes.size());
    for (const auto& c : run.changes) {
        if (c.sent != Clock::time_point{}) {
            start_latency.push_back(static_cast<float>(ms_between(c.sent, c.answered)));
            lag.push_back(static_cast<float>(ms_between(c.due, c.sent)));
        }
        if (c.copies == 0 || ms_between(c.sent, c.received) > 2000) {
            ++lost;
            continue;
        }
        duplicates += static_cast<std::uint64_t>(c.copies - 1);
        latency.push_back(static_cast<float>(ms_between(c.sent, c.received)));
        if (c.at_ms >= 0) from_at.push_back(static_cast<float>(c.received_wall_ms - c.at_ms));
    }
    auto max_of = [](const std::vector<float>& v) {
        return v.empty() ? 0.0f : *std::max_element(v.begin(), v.end());
    };
    std::printf(
        "RESULT {\"mode\": \"feed\", \"latencyFrom\": \"start request sent\", "
        "\"subscribers\": %d, \"connected\": %d, \"rate\": %.0f, \"seconds\": %.1f, "
        "\"changes\": %zu, \"received\": %zu, \"lost\": %llu, \"duplicates\": %llu, "
        "\"wrongRecipient\": %llu, \"otherMessages\": %llu, \"resyncs\": %llu, "
        "\"p50Ms\": %.2f, \"p99Ms\": %.2f, \"maxMs\": %.2f, "
        "\"atP50Ms\": %.1f, \"atP99Ms\": %.1f, \"atMaxMs\": %.1f, "
        "\"startP50Ms\": %.2f, \"startP99Ms\": %.2f, \"sendLagP99Ms\": %.2f, "
        "\"sendLagMaxMs\": %.2f, \"connectS\": %.2f, \"snapshotsS\": %.2f, "
        "\"serverCpuUsPerChange\": %s, \"redisCpuUsPerChange\": %s, \"clientCpuUsPerChange\": %s, "
        "\"serverBusy\": %s, \"errors\": %llu}\n",
        subscribers, run.connected, rate, seconds, run.changes.size(), latency.size(),
        static_cast<unsigned long long>(lost), static_cast<unsigned long long>(duplicates),
        static_cast<unsigned long long>(run.wrong_recipient),
        static_cast<unsigned long long>(run.other_messages),
        static_cast<unsigned long long>(run.resyncs), percentile(latency, 0.5),
        percentile(latency, 0.99), max_of(latency), percentile(from_at, 0.5),
        percentile(from_at, 0.99), max_of(from_at), percentile(start_latency, 0.5),
        percentile(start_latency, 0.99), percentile(lag, 0.99), max_of(lag), connect_s, snapshots_s,
        cpu_us_per(cpu0.server, cpu1.server, changes).c_str(),
        cpu_us_per(cpu0.redis, cpu1.redis, changes).c_str(),
        cpu_us_per(cpu0.own, cpu1.own, changes).c_str(),
        cpu_us_per(cpu0.server, cpu1.server, changes_s * 1e6).c_str(),
        static_cast<unsigned long long>(run.errors));
    std::fflush(stdout);
    // The sockets close with the io_context, at once: accordd sees them go.
    return run.errors == 0 && lost == 0 && run.wrong_recipient == 0 ? 0 : 1;
}

// idle: SOCKETS feed sockets of p0.. spread over the nodes, their snapshots in, then the Redis
// commands of SECONDS with nothing happening, per node and second (INFO's counter, less the
// bench's own two INFOs).
int idle(const std::string& ports, const std::string& tokens_file, int sockets, double seconds,
         const std::string& redis_url) {
    asio::io_context io;
    std::vector<tcp::endpoint> servers;
    for (std::size_t at = 0; at <= ports.size();) {
        const auto comma = std::min(ports.find(',', at), ports.size());
        servers.emplace_back(
            asio::ip::make_address("127.0.0.1"),
            static_cast<std::uint16_t>(std::atoi(ports.substr(at, comma - at).c_str())));
        at = comma + 1;
    }
    const auto tokens_by_name = read_tokens(tokens_file);
    std::vector<std::string> tokens;
    for (int i = 0; i < sockets; ++i)
        tokens.push_back(token_of(tokens_by_name, "p" + std::to_string(i)));
    auto redis = accord::redis::Client::create(io.get_executor(), redis_url);
    if (!redis) fail("REDIS_URL: " + redis.error().to_string());
    FeedRun run;
    run.subscribers = sockets;
    run.snapshot.assign(static_cast<std::size_t>(sockets), false);
    double commands = -1;
    bool done = false;
    asio::co_spawn(
        io,
        [&]() -> Awaitable<void> {
            auto ex = co_await asio::this_coro::executor;
            int next = 0, openers = std::min(32, std::max(sockets, 1));
            for (int i = 0; i < openers; ++i)
                asio::co_spawn(ex, open_feeds(servers, tokens, next, run),
                               [&openers](std::exception_ptr) { --openers; });
            while (openers > 0) co_await sleep_until(Clock::now() + std::chrono::milliseconds(5));
            const auto give_up = Clock::now() + std::chrono::seconds(60);
            while (run.snapshots + static_cast<int>(run.errors) < sockets && Clock::now() < give_up)
                co_await sleep_until(Clock::now() + std::chrono::milliseconds(5));
            co_await sleep_until(Clock::now() + std::chrono::seconds(1));  // settled
            const std::string route = "stats";
            auto before =
                co_await (*redis)->command(route, accord::redis::command_of("INFO", "stats"));
            co_await sleep_until(Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                    std::chrono::duration<double>(seconds)));
            auto after =
                co_await (*redis)->command(route, accord::redis::command_of("INFO", "stats"));
            if (before && after)
                commands = info_field(after->str, "total_commands_processed") -
                           info_field(before->str, "total_commands_processed") - 1;
            done = true;
        },
        asio::detached);
    while (!done) io.run_one();
    if (run.snapshots < sockets)
        run.error(std::to_string(run.snapshots) + " snapshots of " + std::to_string(sockets));
    if (commands < 0) run.error("INFO stats failed");
    const double per_node = commands / seconds / static_cast<double>(servers.size());
    std::printf(
        "RESULT {\"mode\": \"idle\", \"nodes\": %zu, \"sockets\": %d, \"seconds\": %.1f, "
        "\"commands\": %.0f, \"commandsPerSecondPerNode\": %.2f, \"otherMessages\": %llu, "
        "\"errors\": %llu}\n",
        servers.size(), sockets, seconds, commands, per_node,
        static_cast<unsigned long long>(run.other_messages),
        static_cast<unsigned long long>(run.errors));
    std::fflush(stdout);
    std::_Exit(run.errors == 0 ? 0 : 1);  // the sockets are not closed one by one
}

int number(const char* text, const char* what) {
    char* end = nullptr;
    const long v = std::strtol(text, &end, 10);
    if (end == text || *end != '\0' || v < 1 || v > 1'000'000)
        fail(std::string(what) + " must be a whole number from 1");
    return static_cast<int>(v);
}

}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "users" && argc == 6) return users(argv[2], argv[3], argv[4], std::atoi(argv[5]));
    if (mode == "readers" && argc == 5) return readers(argv[2], argv[3], std::atoi(argv[4]));
    const std::string load = argc == 7 ? argv[6] : "lifecycles";
    if (mode == "rest" && (argc == 6 || argc == 7) &&
        (load == "completions" || load == "lifecycles"))
        return rest(number(argv[2], "PORT"), argv[3], number(argv[4], "CONNECTIONS"),
                    std::atof(argv[5]), load == "completions");
    if (mode == "idle" && argc == 7)
        return idle(argv[2], argv[3], std::atoi(argv[4]), std::atof(argv[5]), argv[6]);
    if (mode == "feed" && argc == 8)
        return feed(number(argv[2], "PORT"), argv[3], argv[4], number(argv[5], "SUBSCRIBERS"),
                    number(argv[6], "RATE"), std::atof(argv[7]));
    std::fprintf(
        stderr,
        "usage: api_bench users URL PREFIX TOKENS_FILE PEOPLE\n"
        "       api_bench readers URL PREFIX PEOPLE\n"
        "       api_bench rest PORT TOKENS_FILE CONNECTIONS SECONDS [lifecycles|completions]\n"
        "       api_bench feed PORT ADMIN_TOKEN TOKENS_FILE SUBSCRIBERS RATE SECONDS\n"
        "       api_bench idle PORT[,PORT...] TOKENS_FILE SOCKETS SECONDS REDIS_URL\n");
    return 2;
}
