// Runtime: step, commit, retry on a stale revision; timers and the outbox in the background.
#include "accord/redis/runtime.hpp"

#include <unistd.h>

#include <random>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace accord::redis {

namespace asio = boost::asio;
using engine::Actor;
using engine::ErrorCode;
using engine::Input;
using engine::json;
using engine::make_error;

TimeMs system_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

namespace {

// Runs `work(i)` for i in [0, n), at most `width` at a time, and returns when all are done.
template <typename Work>
Awaitable<void> in_parallel(std::size_t n, std::size_t width, Work work) {
    if (n == 0) co_return;
    auto ex = co_await asio::this_coro::executor;
    struct Shared {
        explicit Shared(asio::any_io_executor e) : done(e, asio::steady_timer::time_point::max()) {}
        std::size_t next = 0, running = 0;
        asio::steady_timer done;
    };
    auto shared = std::make_shared<Shared>(ex);
    const std::size_t workers = std::min(n, std::max<std::size_t>(width, 1));
    shared->running = workers;
    for (std::size_t w = 0; w < workers; ++w) {
        asio::co_spawn(
            ex,
            [shared, n, work]() -> Awaitable<void> {
                while (shared->next < n) co_await work(shared->next++);
                if (--shared->running == 0) shared->done.cancel();
            },
            asio::detached);
    }
    boost::system::error_code ec;
    co_await shared->done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

// Inputs and requests are built outside the coroutines: GCC 12 mishandles aggregate
// temporaries with defaulted members inside coroutine bodies (destroying them twice).
Input system_input(engine::InputKind kind) {
    Input in;
    in.kind = std::move(kind);
    in.actor = Actor::system_actor();
    return in;
}

Input timer_input(const std::string& timer_id) {
    engine::TimerFiredInput t;
    t.timer_id = timer_id;
    return system_input(std::move(t));
}

Input child_result_input(const json& p) {
    engine::ChildFinishedInput r;
    r.child_id = p.value("child", "");
    r.outcome = p.value("outcome", "");
    r.data = p.value("data", json::object());
    return system_input(std::move(r));
}

Input child_failed_input(const std::string& child, const engine::Error& why) {
    engine::ChildFinishedInput r;
    r.child_id = child;
    r.outcome = "failed";
    r.data = json::object();
    r.data["error"] = why.to_string();
    return system_input(std::move(r));
}

Input cancel_input(const std::string& reason) {
    engine::CancelInput c;
    c.reason = reason;
    return system_input(std::move(c));
}

engine::StartInput child_start_input(const json& p) {
    engine::StartInput in;
    in.instance_id = p.value("child", "");
    in.data = p.value("data", json::object());
    in.parent = engine::ParentLink{p.value("parent", ""), in.instance_id};
    in.depth = p.value("depth", std::uint16_t{0});
    return in;
}

StartRequest start_request(const json& p, const std::string& effect_id) {
    StartRequest req;
    req.workflow = p.value("workflow", "");
    req.data = p.value("data", json::object());
    req.business_key = p.value("key", "");
    req.idempotency_key = effect_id;
    req.depth = p.value("depth", std::uint16_t{0});
    return req;
}

engine::Error too_deep(int max) {
    return make_error(ErrorCode::runtime_error,
                      "more than " + std::to_string(max) +
                          " starts in a row, each caused by the one before: a workflow that "
                          "starts itself?");
}

Started make_started(Instance instance, bool created) {
    Started s;
    s.instance = std::move(instance);
    s.created = created;
    return s;
}

}  // namespace

Runtime::Runtime(RedisStore& store, RuntimeOptions options)
    : store_(store), options_(std::move(options)), id_state_(std::random_device{}()) {
    id_state_ =
        (id_state_ << 32) ^ std::random_device{}() ^ static_cast<std::uint64_t>(system_now());
    if (options_.node_id.empty()) {
        char host[256] = {};
        gethostname(host, sizeof host - 1);
        options_.node_id = std::string(host) + "-" + std::to_string(getpid());
    }
}

Runtime::~Runtime() {
    *alive_ = false;
}

TimeMs Runtime::now() const {
    return options_.now ? options_.now() : system_now();
}

// "<workflow>-<13 letters>": 64 random bits in base 32, drawn until the id is on `shard`.
std::string Runtime::new_instance_id(const std::string& workflow, int shard) {
    static constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
    while (true) {
        // splitmix64: cheap, and distinct per node because of its random seed.
        std::uint64_t z = (id_state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        std::string id = workflow + "-";
        for (int i = 0; i < 13; ++i, z >>= 5) id += kAlphabet[z & 31];
        if (shard < 0 || store_.keys().shard_of(id) == shard) return id;
    }
}

std::shared_ptr<const StoredInstance> Runtime::cached(const std::string& id) {
    auto it = cache_.find(id);
    if (it == cache_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second);
    return *it->second;
}

void Runtime::remember(std::shared_ptr<const StoredInstance> stored) {
    if (options_.instance_cache == 0) return;
    const std::string& id = stored->instance.id;
    if (auto it = cache_.find(id); it != cache_.end()) {
        *it->second = std::move(stored);
        lru_.splice(lru_.begin(), lru_, it->second);
        return;
    }
    lru_.push_front(std::move(stored));
    cache_[lru_.front()->instance.id] = lru_.begin();
    if (lru_.size() > options_.instance_cache) {
        cache_.erase(lru_.back()->instance.id);
        lru_.pop_back();
    }
}

void Runtime::forget(const std::string& id) {
    if (auto it = cache_.find(id); it != cache_.end()) {
        lru_.erase(it->second);
        cache_.erase(it);
    }
}

Awaitable<Result<Instance>> Runtime::get(std::string id) {
    auto loaded = co_await store_.load_stored(id);
    if (!loaded) co_return loaded.error();
    Instance out = loaded->instance;
    remember(std::make_shared<const StoredInstance>(std::move(loaded).value()));
    co_return out;
}

Awaitable<Result<Instance>> Runtime::send(std::string id, Input input, std::string idem) {
    SendOptions options;
    options.idempotency_key = std::move(idem);
    auto sent = co_await send(std::move(id), std::move(input), std::move(options));
    if (!sent) co_return sent.error();
    co_return *sent->instance;
}

namespace {

// A repeated input's answer: its first result, if the sender may see it.
Awaitable<Result<Sent>> repeated(RedisStore& store, Instance first, const SendOptions& options) {
    if (options.admit) {
        auto def = co_await store.definition(first.workflow, first.version);
        if (!def) co_return def.error();
        if (auto admitted = options.admit(first, **def); !admitted) co_return admitted.error();
    }
    std::optional<engine::Task> task;
    if (const engine::Task* t = first.find_task(options.task_id)) task = *t;
    co_return Sent{std::make_shared<const Instance>(std::move(first)), std::move(task)};
}

}  // namespace

Awaitable<Result<Sent>> Runtime::send(std::string id, Input input, SendOptions options) {
    // The instance as this node last saw it, shared with the cache (immutable: a step copies).
    std::shared_ptr<const StoredInstance> current = cached(id);
    bool from_cache = current != nullptr;
    CommitOptions commit;
    commit.idempotency_scope = id;
    commit.idempotency_key = options.idempotency_key;
    if (!commit.idempotency_key.empty()) {
        // Seen before: the first result, even if the input would be refused now. The commit
        // checks the key again, atomically, for a repeat that races the first.
        auto first = co_await store_.idempotent_result(id, commit.idempotency_key,
                                                       store_.keys().shard_of(id));
        if (!first) co_return first.error();
        if (*first) {
            ++stats_.duplicates;
            co_return co_await repeated(store_, std::move(**first), options);
        }
    }
    for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
        if (!current) {
            auto loaded = co_await store_.load_stored(id);
            if (!loaded) co_return loaded.error();
            current = std::make_shared<const StoredInstance>(std::move(loaded).value());
            from_cache = false;
        }
        const Instance& before = current->instance;
        auto def = co_await store_.definition(before.workflow, before.version);
        if (!def) co_return def.error();
        Result<void> admitted = engine::Ok{};
        if (options.admit) admitted = options.admit(before, **def);
        auto step = admitted ? engine::step(**def, before, input, now())
                             : Result<engine::Step>(admitted.error());
        if (!step) {
            // Refused on what this node last saw: the stored instance may have moved on.
            if (from_cache) {
                current.reset();
                continue;
            }
            co_return step.error();
        }
        engine::record_input(step->history, input);
        auto outcome = co_await store_.commit(**def, *step, &before, current->head, commit);
        if (!outcome) {
            forget(id);  // unknown whether it applied: the next input reads Redis
            co_return outcome.error();
        }
        switch (outcome->status) {
            case CommitOutcome::Status::applied: {
                committed(*step);
                std::optional<engine::Task> task;
                if (!options.task_id.empty())
                    task = engine::task_after(before, *step, options.task_id);
                auto stored = std::make_shared<const StoredInstance>(
                    StoredInstance{std::move(step->instance), std::move(outcome->head)});
                remember(stored);
                co_return Sent{std::shared_ptr<const Instance>(stored, &stored->instance),
                               std::move(task)};
            }
            case CommitOutcome::Status::duplicate:
                ++stats_.duplicates;
                co_return co_await repeated(store_, std::move(*outcome->current), options);
            case CommitOutcome::Status::stale:
                ++stats_.stale_retries;
                current = std::make_shared<const StoredInstance>(
                    StoredInstance{std::move(*outcome->current), std::move(outcome->head)});
                from_cache = false;
                remember(current);
                continue;
            case CommitOutcome::Status::key_taken:
                co_return make_error(ErrorCode::storage_error, "business key on a step");
        }
    }
    co_return make_error(ErrorCode::conflict, "instance " + id + " changed " +
                                                  std::to_string(options_.max_attempts) +
                                                  " times while this input was applied; try again");
}

Awaitable<Result<Started>> Runtime::start(StartRequest req, Actor actor) {
    auto def = co_await store_.definition(req.workflow, req.version);
    if (!def) co_return def.error();
    const Keyspace& keys = store_.keys();
    // A keyed start lives on its key's shard, as does an idempotent one on its key's.
    const int shard = !req.business_key.empty() ? keys.shard_of_key((*def)->name, req.business_key)
                      : !req.idempotency_key.empty() ? keys.shard_of(req.idempotency_key)
                                                     : -1;
    engine::StartInput in;
    in.data = std::move(req.data);
    in.business_key = std::move(req.business_key);
    in.depth = req.depth;
    CommitOptions commit;
    commit.idempotency_scope = "start";
    commit.idempotency_key = req.idempotency_key;
    if (!req.idempotency_key.empty()) {
        auto first = co_await store_.idempotent_result("start", req.idempotency_key, shard);
        if (!first) co_return first.error();
        if (*first) {
            ++stats_.duplicates;
            co_return make_started(std::move(**first), false);
        }
    }
    for (int attempt = 0; attempt < 8; ++attempt) {
        auto started =
            co_await start_with_id(*def, new_instance_id((*def)->name, shard), in, actor, commit);
        if (started || started.error().code != ErrorCode::conflict) co_return started;
        // Only an id drawn twice gets here: draw again.
    }
    co_return make_error(ErrorCode::conflict, "could not draw a free instance id");
}

Awaitable<Result<Started>> Runtime::start_with_id(const engine::DefinitionPtr& def, std::string id,
                                                  engine::StartInput in, const Actor& actor,
                                                  const CommitOptions& commit) {
    in.instance_id = std::move(id);
    auto step = engine::start(*def, in, actor, now());
    if (!step) co_return step.error();
    auto outcome = co_await store_.commit(*def, *step, nullptr, {}, commit);
    if (!outcome) co_return outcome.error();
    switch (outcome->status) {
        case CommitOutcome::Status::applied:
            committed(*step);
            remember(std::make_shared<const StoredInstance>(
                StoredInstance{step->instance, std::move(outcome->head)}));
            co_return make_started(std::move(step->instance), true);
        case CommitOutcome::Status::duplicate:
            ++stats_.duplicates;
            co_return make_started(std::move(*outcome->current), false);
        case CommitOutcome::Status::key_taken: {
            auto owner = co_await store_.load(outcome->owner);
            if (!owner) co_return owner.error();
            co_return make_started(std::move(owner).value(), false);
        }
        case CommitOutcome::Status::stale:
            co_return make_error(ErrorCode::conflict, "instance " + in.instance_id + " exists");
    }
    co_return make_error(ErrorCode::storage_error, "unreachable");
}

void Runtime::committed(const engine::Step& step) {
    ++stats_.commits;
    if (options_.on_commit) options_.on_commit(step);
}

Awaitable<Result<std::size_t>> Runtime::fire_due_timers() {
    auto due =
        co_await store_.claim_due_timers(now(), options_.timer_lease, options_.timers_per_shard);
    if (!due) co_return due.error();
    std::size_t fired = 0;
    auto& timers = due.value();
    co_await in_parallel(timers.size(), options_.parallel_timers,
                         [this, &timers, &fired](std::size_t i) -> Awaitable<void> {
                             fired += co_await fire_instance_timers(timers[i].instance_id);
                         });
    co_return fired;
}

Awaitable<std::size_t> Runtime::fire_instance_timers(std::string id) {
    auto stored = co_await store_.load_stored(id);
    if (!stored) {
        if (stored.error().code == ErrorCode::not_found)
            (void)co_await store_.mend_timer_entry(id, 0, 0);
        co_return 0;  // Redis away: the claim lapses and the timer is due again
    }
    auto shared = std::make_shared<const StoredInstance>(std::move(stored).value());
    remember(shared);
    const Instance* loaded = &shared->instance;
    const TimeMs at = now();
    std::vector<std::pair<TimeMs, std::string>> due;
    for (const engine::Timer* t : loaded->pending_timers())
        if (t->due_at <= at) due.emplace_back(t->due_at, t->id);
    std::sort(due.begin(), due.end());
    std::size_t fired = 0;
    for (const auto& [due_at, timer] : due) {
        auto r = co_await send(id, timer_input(timer));
        if (r) {
            ++fired;
            ++stats_.timers_fired;
        } else if (r.error().code == ErrorCode::unavailable ||
                   r.error().code == ErrorCode::storage_error) {
            co_return fired;  // the claim lapses: what is left fires later
        }
        // Otherwise fired by another node meanwhile, or no longer pending (the state moved on
        // with an earlier timer): nothing to do.
    }
    if (due.empty())  // the entry pointed at nothing due: set it to what is pending
        (void)co_await store_.mend_timer_entry(id, loaded->revision,
                                               loaded->running() ? loaded->next_timer_due() : 0);
    co_return fired;
}

Awaitable<Result<void>> Runtime::deliver(const OutboxEntry& e) {
    const json& p = e.payload;
    auto dropped_unless_unavailable = [](const Result<Instance>& r) -> Result<void> {
        // An input that no longer applies (the parent moved on, the child ended) is spent.
        if (!r && r.error().code == ErrorCode::unavailable) return r.error();
        return engine::Ok{};
    };
    if (e.kind == "child.result") {
        auto r = co_await send(p.value("parent", ""), child_result_input(p), e.effect_id);
        co_return dropped_unless_unavailable(r);
    }
    if (e.kind == "child.cancel") {
        auto r = co_await send(p.value("child", ""),
                               cancel_input("parent " + p.value("parent", "") + " left the state"),
                               e.effect_id);
        co_return dropped_unless_unavailable(r);
    }
    if (e.kind == "child.start") {
        engine::StartInput in = child_start_input(p);
        const std::string child = in.instance_id, parent = in.parent->instance_id;
        if (in.depth > options_.max_start_depth) {
            ++stats_.starts_refused;
            auto r = co_await send(
                parent, child_failed_input(child, too_deep(options_.max_start_depth)), e.effect_id);
            co_return dropped_unless_unavailable(r);
        }
        auto def = co_await store_.definition(p.value("workflow", ""), p.value("version", 0));
        if (!def && def.error().code == ErrorCode::unavailable) co_return def.error();
        std::optional<engine::Error> why;
        if (!def) why = def.error();
        if (def) {
            const CommitOptions none;
            auto s =
                co_await start_with_id(*def, child, std::move(in), Actor::system_actor(), none);
            // conflict: the child exists, started by an earlier delivery.
            if (s || s.error().code == ErrorCode::conflict) co_return engine::Ok{};
            if (s.error().code == ErrorCode::unavailable) co_return s.error();
            why = s.error();
        }
        // The child can't run: its parent learns at once, with the outcome "failed".
        auto r = co_await send(parent, child_failed_input(child, *why), e.effect_id);
        co_return dropped_unless_unavailable(r);
    }
    if (e.kind == "start") {
        if (p.value("depth", 0) > options_.max_start_depth) {
            ++stats_.starts_refused;
            co_return engine::Ok{};
        }
        auto s = co_await start(start_request(p, e.effect_id), Actor::system_actor());
        if (!s && s.error().code == ErrorCode::unavailable) co_return s.error();
        co_return engine::Ok{};
    }
    if (e.kind == "notify") {
        if (!options_.notifier) co_return engine::Ok{};
        // The effect id lets a receiver tell a repeated delivery from a new notification.
        json notification = p;
        notification["effect_id"] = e.effect_id;
        co_return co_await options_.notifier(notification);
    }
    co_return engine::Ok{};  // a kind this version does not know: nothing to do
}

Awaitable<Result<std::size_t>> Runtime::deliver_outbox() {
    auto entries = co_await store_.take_outbox(options_.node_id, 64, options_.outbox_reclaim);
    if (!entries) co_return entries.error();
    std::size_t delivered = 0;
    for (const auto& e : entries.value()) {
        auto r = co_await deliver(e);
        if (!r) continue;  // stays pending: delivered again, here or by another node
        if (auto acked = co_await store_.ack_outbox(e); !acked) co_return acked.error();
        ++delivered;
        ++stats_.outbox_delivered;
    }
    co_return delivered;
}

Awaitable<void> Runtime::loop() {
    auto alive = alive_;
    sleep_ = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
    auto sleep = sleep_;
    while (*alive && running_) {
        if (options_.refresh_clock) {
            (void)co_await options_.refresh_clock();  // Redis away: the last time read holds
            if (!*alive || !running_) break;
        }
        bool busy = false;
        if (held_ == 0) {
            in_round_ = true;
            auto fired = co_await fire_due_timers();
            if (!*alive) break;
            Result<std::size_t> delivered = std::size_t{0};
            if (running_) delivered = co_await deliver_outbox();
            if (!*alive) break;
            in_round_ = false;
            if (!running_) break;
            busy = (fired && *fired > 0) || (delivered && *delivered > 0);
        }
        if (busy) continue;
        sleep->expires_after(options_.poll_interval);
        boost::system::error_code ec;
        co_await sleep->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (*alive && stopped_) stopped_();
}

void Runtime::run(std::function<void()> stopped) {
    if (running_) return;
    running_ = true;
    stopped_ = std::move(stopped);
    asio::co_spawn(store_.client().executor(), loop(), asio::detached);
}

void Runtime::stop() {
    running_ = false;
    if (sleep_) sleep_->cancel();
}

Awaitable<void> Runtime::hold_background() {
    ++held_;
    auto alive = alive_;
    asio::steady_timer wait(co_await asio::this_coro::executor);
    while (*alive && in_round_) {
        wait.expires_after(std::chrono::milliseconds(1));
        boost::system::error_code ec;
        co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

void Runtime::release_background() {
    if (held_ > 0) --held_;
}

}  // namespace accord::redis
