// Outbound (outbound.hpp): the queue's scripts and the sending loop.
#include "accord/notify/outbound.hpp"
#include "accord/engine/json_text.hpp"

#include <algorithm>
#include <optional>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "accord/redis/in_parallel.hpp"

#include "accord/redis/blocking_reads.hpp"

namespace accord::notify {

using engine::ErrorCode;
using json = nlohmann::json;
using redis::Call;
using redis::command_of;
using redis::Reply;

namespace {

constexpr const char* kGroup = "senders";

// KEYS queue, retry | ARGV entry id, group, score, job: out of the queue, into the retries.
const redis::Script kRetry{"outbound_retry", R"lua(
redis.call('XACK', KEYS[1], ARGV[2], ARGV[1])
redis.call('XDEL', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return 1
)lua"};

// KEYS queue, failed | ARGV entry id, group, job, why: out of the queue, set aside.
const redis::Script kGiveUp{"outbound_give_up", R"lua(
redis.call('XACK', KEYS[1], ARGV[2], ARGV[1])
redis.call('XDEL', KEYS[1], ARGV[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', '10000', '*', 'j', ARGV[3], 'why', ARGV[4])
return 1
)lua"};

// KEYS queue | ARGV entry id, group: sent.
const redis::Script kDone{"outbound_done", R"lua(
redis.call('XACK', KEYS[1], ARGV[2], ARGV[1])
return redis.call('XDEL', KEYS[1], ARGV[1])
)lua"};

// KEYS retry, queue | ARGV now: the retries due, back into the queue (at most 100).
const redis::Script kDue{"outbound_due", R"lua(
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 100)
for _, job in ipairs(due) do
  redis.call('ZREM', KEYS[1], job)
  redis.call('XADD', KEYS[2], '*', 'j', job)
end
return #due
)lua"};

const std::string* field(const Reply& entry, std::string_view name) {
    if (entry.elements.size() < 2) return nullptr;
    const auto& kv = entry.elements[1].elements;
    for (std::size_t i = 0; i + 1 < kv.size(); i += 2)
        if (kv[i].str == name) return &kv[i + 1].str;
    return nullptr;
}

}  // namespace

Outbound::Outbound(std::shared_ptr<redis::Client> client, OutboundOptions options, Send send)
    : client_(std::move(client)),
      options_(std::move(options)),
      send_(std::move(send)),
      queue_(key("queue")),
      retry_(key("retry")),
      failed_(key("failed")) {}

Outbound::~Outbound() {
    *alive_ = false;
}

std::string Outbound::key(std::string_view part) const {
    return options_.prefix + ":{" + options_.slot + "}:" + std::string(part);
}

engine::TimeMs Outbound::now() const {
    if (options_.now) return options_.now();
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Awaitable<Result<void>> Outbound::enqueue(std::vector<json> jobs) {
    if (jobs.empty()) co_return engine::Ok{};
    std::vector<Call> calls;
    calls.reserve(jobs.size());
    const std::string first = std::to_string(now());
    for (auto& job : jobs) {
        if (!job.contains("first")) job["first"] = first;
        if (!job.contains("attempt")) job["attempt"] = 0;
        calls.push_back(
            Call::cmd(queue_, command_of("XADD", queue_, "*", "j", engine::json_text(job))));
    }
    for (const auto& r : co_await client_->all(std::move(calls)))
        if (!r) co_return r.error();
    co_return engine::Ok{};
}

Awaitable<Result<void>> Outbound::open() {
    if (opened_) co_return engine::Ok{};
    auto r = co_await client_->command(
        queue_, command_of("XGROUP", "CREATE", queue_, kGroup, "0", "MKSTREAM"));
    if (!r && r.error().message.find("BUSYGROUP") == std::string::npos) co_return r.error();
    opened_ = true;
    co_return engine::Ok{};
}

Awaitable<void> Outbound::pace() {
    if (options_.rate <= 0) co_return;
    const auto now = std::chrono::steady_clock::now();
    const auto gap = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(1.0 / options_.rate));
    if (next_send_ < now) next_send_ = now;  // (an idle spell saves up no turns)
    const auto turn = next_send_;
    next_send_ += gap;
    if (turn <= now) co_return;
    boost::asio::steady_timer wait(co_await boost::asio::this_coro::executor, turn);
    boost::system::error_code ignored;
    co_await wait.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ignored));
}

Awaitable<Result<void>> Outbound::settle(const Reply& entry) {
    const std::string id = entry.elements.empty() ? std::string() : entry.elements[0].str;
    const std::string* text = field(entry, "j");
    // (Built before any co_await: GCC 12 mishandles a conditional inside one.)
    const std::string as_stored = text != nullptr ? *text : std::string();
    json job = json::parse(as_stored, nullptr, false);
    if (!job.is_object()) {
        auto r = co_await client_->eval(kGiveUp, command_of(queue_, failed_),
                                        command_of(id, kGroup, as_stored, "malformed"));
        if (!r) co_return r.error();
        ++given_up_;
        co_return engine::Ok{};
    }
    co_await pace();
    Result<void> sent = co_await send_(job);
    const engine::TimeMs at = now();
    const int attempt = job.value("attempt", 0) + 1;
    job["attempt"] = attempt;
    if (sent) {
        auto r = co_await client_->eval(kDone, command_of(queue_), command_of(id, kGroup));
        if (!r) co_return r.error();
        ++sent_;
        if (attempted_) co_await attempted_(job, sent, true);
        co_return engine::Ok{};
    }
    // Filed first (set aside, or set to retry), then counted and told: whoever sees the attempt
    // finds its next one already set.
    const engine::TimeMs first = std::strtoll(job.value("first", "0").c_str(), nullptr, 10);
    const bool final =
        sent.error().code != ErrorCode::unavailable || at - first >= options_.give_up_after.count();
    if (final) {
        spdlog::warn("{} {} set aside after {} attempt(s): {}", options_.slot, job.value("id", ""),
                     attempt, sent.error().message);
        auto r = co_await client_->eval(
            kGiveUp, command_of(queue_, failed_),
            command_of(id, kGroup, engine::json_text(job), sent.error().message));
        if (!r) co_return r.error();
        ++given_up_;
    } else {
        const auto wait = std::min<std::int64_t>(
            options_.max_retry.count(), options_.first_retry.count() << std::min(attempt - 1, 20));
        spdlog::info("{} {} failed (attempt {}), again in {} s: {}", options_.slot,
                     job.value("id", ""), attempt, wait / 1000, sent.error().message);
        auto r = co_await client_->eval(
            kRetry, command_of(queue_, retry_),
            command_of(id, kGroup, std::to_string(at + wait), engine::json_text(job)));
        if (!r) co_return r.error();
    }
    ++failures_;
    if (attempted_) co_await attempted_(job, sent, final);
    co_return engine::Ok{};
}

Awaitable<Result<void>> Outbound::settle_all(std::vector<Reply> entries) {
    // A few at a time; the first error is the answer, once all are done, and stops the rest.
    std::optional<engine::Error> error;
    co_await redis::in_parallel(entries.size(), options_.parallel,
                                [this, &entries, &error](std::size_t i) -> Awaitable<void> {
                                    if (error) co_return;
                                    auto s = co_await settle(entries[i]);
                                    if (!s && !error) error = s.error();
                                });
    if (error) co_return *error;
    co_return engine::Ok{};
}

Awaitable<Result<void>> Outbound::round() {
    auto r = co_await client_->eval(kDue, command_of(retry_, queue_),
                                    command_of(std::to_string(now())));
    if (!r) co_return r.error();
    if (round_) co_return co_await round_();
    co_return engine::Ok{};
}

Awaitable<Result<std::vector<Reply>>> Outbound::reclaim() {
    auto r = co_await client_->command(
        queue_, command_of("XAUTOCLAIM", queue_, kGroup, options_.node_id,
                           std::to_string(options_.reclaim_after.count()), "0-0", "COUNT", "16"));
    if (!r) co_return r.error();
    std::vector<Reply> out;
    if (r->elements.size() >= 2)
        for (auto& e : r->elements[1].elements)
            if (e.elements.size() >= 2) out.push_back(std::move(e));
    co_return out;
}

Awaitable<Result<std::size_t>> Outbound::drain() {
    if (auto o = co_await open(); !o) co_return o.error();
    std::size_t done = 0;
    for (int rounds = 0; rounds < 1000; ++rounds) {
        if (auto r = co_await round(); !r) co_return r.error();
        auto r = co_await client_->command(
            queue_, command_of("XREADGROUP", "GROUP", kGroup, options_.node_id, "COUNT", "64",
                               "STREAMS", queue_, ">"));
        if (!r) co_return r.error();
        if (r->is_nil() || r->elements.empty() || r->elements[0].elements.size() < 2 ||
            r->elements[0].elements[1].elements.empty())
            break;
        done += r->elements[0].elements[1].elements.size();
        if (auto s = co_await settle_all(std::move(r->elements[0].elements[1].elements)); !s)
            co_return s.error();
    }
    co_return done;
}

void Outbound::start(redis::Supervisor& supervisor) {
    supervisor.spawn(options_.slot, [this](redis::LoopState& state) { return loop(state); });
}

Awaitable<Result<void>> Outbound::loop(redis::LoopState& state) {
    auto alive = alive_;
    state.doing("opening the queue");
    if (auto o = co_await open(); !o) co_return o.error();
    redis::BlockingReadOptions read_options;
    // Awake often enough to take over a stopped node's jobs in time.
    read_options.block = std::min(options_.block,
                                  std::chrono::duration_cast<std::chrono::milliseconds>(
                                      options_.reclaim_after / 2));
    read_options.count = 16;
    read_options.group = kGroup;
    read_options.consumer = options_.node_id;
    redis::BlockingReads reads(*client_, {queue_}, read_options);
    auto next_reclaim = std::chrono::steady_clock::now();
    const std::vector<std::string> after = {">"};  // (not a temporary in the co_await)
    while (*alive && !state.stopping()) {
        state.doing("moving what is due for another attempt");
        if (auto r = co_await round(); !r) co_return r.error();
        if (std::chrono::steady_clock::now() >= next_reclaim) {
            state.doing("taking over what a stopped node held");
            auto taken = co_await reclaim();
            if (!taken) co_return taken.error();
            if (auto s = co_await settle_all(std::move(taken).value()); !s) co_return s.error();
            next_reclaim = std::chrono::steady_clock::now() + options_.reclaim_after / 2;
        }
        state.doing("waiting for something to send");
        auto got = co_await reads.read(after);
        if (!*alive) co_return engine::Ok{};
        if (!got) co_return got.error();
        state.doing("sending");
        std::vector<Reply> entries;
        for (auto& stream : *got)
            for (auto& entry : stream.entries) entries.push_back(std::move(entry));
        if (auto s = co_await settle_all(std::move(entries)); !s) co_return s.error();
        state.healthy();
    }
    co_return engine::Ok{};
}

std::string Outbound::metrics() const {
    const std::string base = "accord_" + options_.slot;
    auto counter = [&](const std::string& name, const char* help, std::uint64_t v) {
        return "# HELP " + name + " " + help + "\n# TYPE " + name + " counter\n" + name + " " +
               std::to_string(v) + "\n";
    };
    return counter(base + "_sent_total", "Sent by this node.", sent_) +
           counter(base + "_failures_total", "Failed attempts (tried again later).", failures_) +
           counter(base + "_given_up_total", "Set aside: refused for good, or failing for 24 hours.",
                   given_up_);
}

}  // namespace accord::notify
