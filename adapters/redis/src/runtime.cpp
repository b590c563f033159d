// Runtime: step, commit, retry on a stale revision; timers and the outbox in the background.
#include "accord/redis/runtime.hpp"

#include "accord/redis/blocking_reads.hpp"
#include "accord/redis/in_parallel.hpp"

#include <unistd.h>

#include <random>

#include <spdlog/spdlog.h>

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

StartRequest start_request(const engine::CrossInstanceEffect& effect,
                           const std::string& effect_id) {
    StartRequest req;
    req.workflow = effect.workflow;
    req.data = effect.data;
    req.business_key = effect.business_key;
    req.idempotency_key = effect_id;
    req.depth = effect.depth;
    return req;
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

Awaitable<Result<std::vector<std::optional<Instance>>>> Runtime::get_many(
    std::vector<std::string> ids) {
    auto loaded = co_await store_.load_many(std::move(ids));
    if (!loaded) co_return loaded.error();
    std::vector<std::optional<Instance>> out;
    out.reserve(loaded->size());
    for (auto& stored : *loaded) {
        if (!stored) {
            out.emplace_back();
            continue;
        }
        out.emplace_back(stored->instance);
        remember(std::make_shared<const StoredInstance>(std::move(*stored)));
    }
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
    co_return Sent{std::make_shared<const Instance>(std::move(first)), std::move(task), false};
}

}  // namespace

Awaitable<Result<Sent>> Runtime::send(std::string id, Input input, SendOptions options) {
    input.directory = options_.directory;
    // The office's calendar now, unless the input brings its own (rescheduling's, as stored).
    const auto calendar =
        input.calendar == nullptr && options_.calendar ? options_.calendar() : nullptr;
    if (input.calendar == nullptr) input.calendar = calendar.get();
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
        if (step->effects.empty() && std::holds_alternative<engine::RescheduleInput>(input.kind))
            co_return Sent{std::shared_ptr<const Instance>(current, &current->instance),
                           std::nullopt, false};  // nothing moved: nothing to commit
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
    in.directory = options_.directory;
    const auto calendar = options_.calendar ? options_.calendar() : nullptr;
    in.calendar = calendar.get();
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
    if (step.instance.running()) {
        // A timer earlier than any this node knew of: its timer loop, and every other node's
        // (through the wake-up stream), look again. Later ones are found when they look.
        const TimeMs due = step.instance.next_timer_due();
        if (due > 0 && due < next_timer_) {
            next_timer_ = due;
            wake_timers();
            ++stats_.timer_wakeups_sent;
            store_.announce_timer(due);
        }
    }
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
    if (e.kind == "notify") {
        if (!options_.notifier) co_return engine::Ok{};
        // The effect id lets a receiver tell a repeated delivery from a new notification.
        json notification = e.payload;
        notification["effect_id"] = e.effect_id;
        // When it was committed, and its place in the commit: the outbox entry's stream id
        // ("<ms>-<seq>"), the same on every delivery.
        notification["committed_at"] = std::strtoll(e.id.c_str(), nullptr, 10);
        if (const auto dash = e.id.find('-'); dash != std::string::npos)
            notification["committed_seq"] = std::strtoll(e.id.c_str() + dash + 1, nullptr, 10);
        co_return co_await options_.notifier(notification);
    }
    if (e.kind == "reschedule") {
        const json& shard = e.payload["shard"];
        if (!shard.is_number_integer() || shard.get<int>() < 0 ||
            shard.get<int>() >= store_.keys().shards())
            co_return make_error(ErrorCode::invalid_input, "a reschedule entry without its shard");
        if (!options_.stored_calendar) co_return engine::Ok{};
        auto calendar = co_await options_.stored_calendar();
        if (!calendar) co_return calendar.error();  // Redis away: taken again later
        const engine::Calendar office = *calendar ? **calendar : engine::Calendar();
        auto moved = co_await reschedule_shard(shard.get<int>(), office);
        if (!moved) co_return moved.error();
        if (*moved > 0)
            spdlog::info("office calendar changed: {} instance(s) of shard {} rescheduled", *moved,
                         shard.get<int>());
        co_return engine::Ok{};
    }
    if (e.kind == "feed") {
        if (!options_.feed_events) co_return engine::Ok{};
        json entry = e.payload;
        entry["effect_id"] = e.effect_id;
        co_return co_await options_.feed_events(entry);
    }
    auto parsed = engine::CrossInstanceEffect::from_payload(e.kind, e.payload);
    if (!parsed) {
        // A kind this version does not know is nothing to do; a known one without what it
        // needs can never be delivered: it is set aside.
        if (e.kind == "child.start" || e.kind == "child.cancel" || e.kind == "child.result" ||
            e.kind == "start")
            co_return parsed.error();  // invalid_input: parked by deliver_each
        co_return engine::Ok{};
    }
    const engine::CrossInstanceEffect& effect = *parsed;
    // An input that no longer applies (the parent moved on, the child ended) is spent.
    auto spent_unless_unavailable = [](const Result<Instance>& r) -> Result<void> {
        if (!r && r.error().code == ErrorCode::unavailable) return r.error();
        return engine::Ok{};
    };
    if (!effect.starts()) {
        auto r = co_await send(effect.target, effect.input(), e.effect_id);
        co_return spent_unless_unavailable(r);
    }
    using Kind = engine::CrossInstanceEffect::Kind;
    std::optional<engine::Error> why;
    if (auto admitted = engine::admit_start(effect, options_.max_start_depth); !admitted) {
        ++stats_.starts_refused;
        why = admitted.error();
    } else if (effect.kind == Kind::start) {
        auto s = co_await start(start_request(effect, e.effect_id), Actor::system_actor());
        if (!s && s.error().code == ErrorCode::unavailable) co_return s.error();
        co_return engine::Ok{};
    } else {
        auto def = co_await store_.definition(effect.workflow, effect.version);
        if (!def && def.error().code == ErrorCode::unavailable) co_return def.error();
        if (!def) why = def.error();
        if (def) {
            const CommitOptions none;
            auto s = co_await start_with_id(*def, effect.target, effect.start_input(),
                                            Actor::system_actor(), none);
            // conflict: the child exists, started by an earlier delivery.
            if (s || s.error().code == ErrorCode::conflict) co_return engine::Ok{};
            if (s.error().code == ErrorCode::unavailable) co_return s.error();
            why = s.error();
        }
    }
    if (effect.kind == Kind::start) co_return engine::Ok{};  // nobody waits for it
    // The child can't run: its parent learns at once, with the outcome "failed".
    const auto failed = engine::child_failed(effect, *why);
    auto r = co_await send(failed.target, failed.input(), e.effect_id);
    co_return spent_unless_unavailable(r);
}

Awaitable<Result<void>> Runtime::calendar_changed() {
    const std::string change = std::to_string(now()) + "." + options_.node_id;
    std::vector<OutboxEntry> entries;
    for (int s = 0; s < store_.keys().shards(); ++s) {
        OutboxEntry e;
        e.shard = s;
        e.kind = "reschedule";
        e.effect_id = "calendar@" + change + "." + std::to_string(s);
        e.payload = json{{"shard", s}};
        entries.push_back(std::move(e));
    }
    co_return co_await store_.add_to_outbox(std::move(entries));
}

Awaitable<Result<std::size_t>> Runtime::reschedule_shard(int shard,
                                                         const engine::Calendar& calendar) {
    std::size_t moved = 0;
    std::string cursor = "0";
    do {
        auto page = co_await store_.scan_timer_entries(shard, cursor, 256);
        if (!page) co_return page.error();
        cursor = std::move(page->cursor);
        const auto& ids = page->instance_ids;
        std::optional<engine::Error> failed;
        co_await in_parallel(ids.size(), 16, [&](std::size_t i) -> Awaitable<void> {
            engine::Input input;
            input.kind = engine::RescheduleInput{};
            input.actor = Actor::system_actor();
            input.calendar = &calendar;
            SendOptions options;  // (a temporary in the co_await would be freed twice: GCC 12)
            auto r = co_await send(ids[i], std::move(input), std::move(options));
            if (!r && r.error().code == ErrorCode::unavailable) failed = r.error();
            if (r && r->committed) ++moved;
        });
        if (failed) co_return *failed;  // the entry is taken again: the walk starts over
    } while (cursor != "0");
    stats_.rescheduled += moved;
    co_return moved;
}

Awaitable<Result<std::size_t>> Runtime::deliver_outbox() {
    auto entries = co_await store_.take_outbox(options_.node_id, 64, options_.outbox_reclaim);
    if (!entries) co_return entries.error();
    const auto before = stats_.outbox_delivered;
    co_await deliver_each(std::move(entries).value());
    co_return static_cast<std::size_t>(stats_.outbox_delivered - before);
}

// Delivers each entry; a malformed one, or one whose delivery throws, is parked (logged, kept
// aside with why) so that the rest go on. A failed delivery stays pending: it is taken again,
// here or by another node, once idle for RuntimeOptions::outbox_reclaim.
Awaitable<void> Runtime::deliver_each(std::vector<OutboxEntry> entries) {
    auto alive = alive_;
    for (const auto& e : entries) {
        std::string problem = e.problem;
        bool delivered = false;
        if (problem.empty()) {
            try {
                auto r = co_await deliver(e);
                if (!*alive) co_return;
                delivered = static_cast<bool>(r);
                if (!r && r.error().code == ErrorCode::invalid_input) problem = r.error().message;
            } catch (const std::exception& ex) {
                problem = std::string("delivery threw: ") + ex.what();
            }
        }
        if (!*alive) co_return;
        if (!problem.empty()) {
            spdlog::error("outbox entry {} of shard {} ({}) parked: {}", e.id, e.shard,
                          e.kind.empty() ? "no kind" : e.kind, problem);
            if (auto parked = co_await store_.park_outbox(e, problem); parked)
                ++stats_.outbox_parked;
            continue;
        }
        if (!delivered) continue;
        if (auto acked = co_await store_.ack_outbox(e); !acked) continue;  // delivered again
        ++stats_.outbox_delivered;
    }
}

namespace {

// Counts a loop in a round of work while it lives (Runtime::hold_background waits for none).
struct InRound {
    explicit InRound(int& n) : n_(n) { ++n_; }
    ~InRound() { --n_; }
    InRound(const InRound&) = delete;
    InRound& operator=(const InRound&) = delete;
    int& n_;
};

}  // namespace

Awaitable<bool> Runtime::unheld() {
    auto alive = alive_;
    while (*alive && running_ && held_ > 0) {
        if (!resume_) resume_ = std::make_shared<asio::steady_timer>(store_.client().executor());
        auto resume = resume_;
        resume->expires_at(asio::steady_timer::time_point::max());
        boost::system::error_code ec;
        co_await resume->async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    const bool go_on = *alive && running_;
    co_return go_on;
}

// A background loop's coroutine, counted while it lives; on its way out it forgets its
// blocking reads (`reads`, when given) and, the last of the loops to end after stop(), calls
// `stopped`. Nothing is touched once the runtime is gone.
struct Runtime::LoopRunning {
    LoopRunning(Runtime& r, BlockingReads** reads_of_loop)
        : runtime(r), alive(r.alive_), reads(reads_of_loop) {
        ++runtime.loops_;
    }
    ~LoopRunning() {
        if (!*alive) return;
        if (reads) *reads = nullptr;
        if (--runtime.loops_ == 0 && !runtime.running_) runtime.call_stopped();
    }
    LoopRunning(const LoopRunning&) = delete;
    LoopRunning& operator=(const LoopRunning&) = delete;
    Runtime& runtime;
    std::shared_ptr<bool> alive;
    BlockingReads** reads;
};

void Runtime::call_stopped() {
    if (!stopped_) return;
    auto stopped = std::move(stopped_);
    stopped_ = nullptr;
    stopped();
}

// Sleeps until the earliest timer of all shards is due, or a commit or a wake-up says there is
// an earlier one, or idle_check passed; then fires what is due, and looks again.
Awaitable<Result<void>> Runtime::timer_loop(LoopState& state) {
    auto alive = alive_;
    const LoopRunning running(*this, nullptr);
    auto sleep = sleep_;
    while (co_await unheld()) {
        if (options_.refresh_clock) {
            state.doing("reading the shared clock");
            (void)co_await options_.refresh_clock();  // Redis away: the last time read holds
            if (!*alive || !running_) break;
        }
        state.doing("looking for the earliest timer");
        timers_woken_ = false;
        auto earliest = co_await store_.earliest_timer();
        if (!*alive || !running_) break;
        if (!earliest) co_return earliest.error();
        if (held_ > 0) continue;
        const TimeMs at = now();
        if (*earliest && **earliest <= at) {
            state.doing("firing due timers");
            InRound round(in_round_);
            auto fired = co_await fire_due_timers();
            if (!*alive) break;
            if (!fired) co_return fired.error();
            state.healthy();
            continue;  // more may be due
        }
        state.healthy();
        next_timer_ = earliest->value_or(kNever);
        if (timers_woken_) continue;
        state.doing("waiting for the earliest timer");
        auto wait = options_.idle_check;
        if (next_timer_ != kNever)
            wait = std::min(wait, std::chrono::milliseconds(next_timer_ - at));
        sleep->expires_after(wait);
        boost::system::error_code ec;
        co_await sleep->async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (!*alive) break;
    }
    co_return engine::Ok{};
}

// Follows the timer wake-up stream: another node's commit set a timer earlier than it knew of.
Awaitable<Result<void>> Runtime::timer_wake_loop(LoopState& state) {
    auto alive = alive_;
    const LoopRunning running(*this, &wake_reads_);
    state.doing("finding the end of the timer wake-up stream");
    auto end = co_await store_.timer_wake_end();
    if (!*alive || !running_) co_return engine::Ok{};
    if (!end) co_return end.error();
    std::vector<std::string> after{*end};
    BlockingReadOptions options;
    options.block = options_.idle_check;
    options.count = 100;
    BlockingReads reads(store_.client(), {store_.keys().timer_wake()}, options);
    wake_reads_ = &reads;
    wake_timers();  // what was announced before the watch began
    while (*alive && running_) {
        state.doing("waiting for timer wake-ups");
        auto got = co_await reads.read(after);
        if (!*alive || !running_) break;
        if (!got) co_return got.error();
        state.healthy();
        for (const auto& stream : *got) {
            for (const auto& entry : stream.entries) {
                if (entry.elements.empty()) continue;
                after[0] = entry.elements[0].str;
                const std::string* due = nullptr;
                if (entry.elements.size() == 2)
                    for (std::size_t i = 0; i + 1 < entry.elements[1].elements.size(); i += 2)
                        if (entry.elements[1].elements[i].str == "due")
                            due = &entry.elements[1].elements[i + 1].str;
                const TimeMs at = due ? std::strtoll(due->c_str(), nullptr, 10) : 0;
                if (at > 0 && at < next_timer_) next_timer_ = at;
            }
            wake_timers();
        }
    }
    co_return engine::Ok{};
}

// Reads new outbox entries of every shard with blocking reads, and every reclaim period takes
// over the entries a stopped node (or a failed delivery) left pending.
Awaitable<Result<void>> Runtime::outbox_loop(LoopState& state) {
    auto alive = alive_;
    const LoopRunning running(*this, &outbox_reads_);
    std::vector<std::string> streams;
    for (int s = 0; s < store_.keys().shards(); ++s) streams.push_back(store_.keys().outbox(s));
    BlockingReadOptions options;
    options.block = options_.idle_check;
    options.count = 64;
    options.group = RedisStore::kOutboxGroup;
    options.consumer = options_.node_id;
    BlockingReads reads(store_.client(), std::move(streams), options);
    outbox_reads_ = &reads;
    const auto reclaim_every = std::min(options_.outbox_reclaim / 3, options_.idle_check);
    auto last_reclaim = std::chrono::steady_clock::now() - reclaim_every;
    while (co_await unheld()) {
        if (std::chrono::steady_clock::now() - last_reclaim >= reclaim_every) {
            state.doing("taking over outbox entries left pending");
            auto reclaimed =
                co_await store_.reclaim_outbox(options_.node_id, 64, options_.outbox_reclaim);
            if (!*alive || !running_) break;
            if (!reclaimed) co_return reclaimed.error();
            last_reclaim = std::chrono::steady_clock::now();
            if (!reclaimed->empty()) {
                state.doing("delivering outbox entries taken over");
                InRound round(in_round_);
                co_await deliver_each(std::move(reclaimed).value());
                if (!*alive) break;
            }
        }
        state.doing("waiting for outbox entries");
        auto got = co_await reads.read({});
        if (!*alive || !running_) break;
        if (!got) {
            // The group is gone (the keyspace was flushed): made again, then read again.
            if (got.error().message.find("NOGROUP") != std::string::npos)
                (void)co_await store_.open();
            co_return got.error();
        }
        state.healthy();
        if (got->empty()) continue;
        std::vector<OutboxEntry> entries;
        for (const auto& stream : *got)
            for (const auto& e : stream.entries)
                entries.push_back(
                    RedisStore::parse_outbox_entry(static_cast<int>(stream.stream), e));
        if (!co_await unheld()) break;
        state.doing("delivering outbox entries");
        InRound round(in_round_);
        co_await deliver_each(std::move(entries));
        if (!*alive) break;
    }
    co_return engine::Ok{};
}

void Runtime::wake_timers() {
    timers_woken_ = true;
    if (sleep_) sleep_->cancel();
}

void Runtime::run(std::function<void()> stopped) {
    if (!own_supervisor_)
        own_supervisor_ = std::make_unique<Supervisor>(store_.client().executor());
    run(*own_supervisor_, std::move(stopped));
}

void Runtime::run(Supervisor& supervisor, std::function<void()> stopped) {
    if (running_) return;
    running_ = true;
    stopped_ = std::move(stopped);
    sleep_ = std::make_shared<asio::steady_timer>(store_.client().executor());
    supervisor.spawn("timers", [this](LoopState& s) { return timer_loop(s); });
    supervisor.spawn("timer-wakeups", [this](LoopState& s) { return timer_wake_loop(s); });
    supervisor.spawn("outbox", [this](LoopState& s) { return outbox_loop(s); });
}

void Runtime::stop() {
    running_ = false;
    if (own_supervisor_) own_supervisor_->stop();
    if (sleep_) sleep_->cancel();
    if (resume_) resume_->cancel();
    if (outbox_reads_) outbox_reads_->cancel();
    if (wake_reads_) wake_reads_->cancel();
    if (loops_ == 0) call_stopped();
}

Awaitable<void> Runtime::hold_background() {
    ++held_;
    auto alive = alive_;
    asio::steady_timer wait(co_await asio::this_coro::executor);
    while (*alive && in_round_ > 0) {
        wait.expires_after(std::chrono::milliseconds(1));
        boost::system::error_code ec;
        co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

void Runtime::release_background() {
    if (held_ > 0) --held_;
    if (held_ > 0) return;
    if (resume_) resume_->cancel();
    // The clock may have moved (DevClock): every node's timer loop looks again.
    wake_timers();
    if (running_) store_.announce_timer(now());
}

}  // namespace accord::redis
