// MemoryService: the Service's queries answered by scanning the MemoryStore, its commands by
// LocalRuntime; cursors are "<list>:<ms>:<id>", the ordering key of the item a page ended on.
#include "memory_service.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <set>

#include "accord/http/metrics.hpp"

namespace accord::http {

using engine::ErrorCode;
using engine::Instance;
using engine::make_error;
using engine::Task;

namespace {

// Where an item stands in a list ordered by (ms, id): the item itself, as a cursor names it.
struct Position {
    std::int64_t ms = 0;
    std::string id;
    auto operator<=>(const Position&) const = default;
};

std::string cursor_of(char list, const Position& p) {
    return std::string(1, list) + ':' + std::to_string(p.ms) + ':' + p.id;
}

// Empty: nullopt (from the start); not a cursor of `list`: invalid_input.
Result<std::optional<Position>> position_of(char list, std::string_view cursor) {
    if (cursor.empty()) return std::optional<Position>();
    const auto refused = [&] {
        return make_error(ErrorCode::invalid_input,
                          "cursor: not one this list gave (\"" + std::string(cursor) + "\")");
    };
    if (cursor.size() < 4 || cursor[0] != list || cursor[1] != ':') return refused();
    const auto colon = cursor.find(':', 2);
    if (colon == std::string_view::npos || colon + 1 == cursor.size()) return refused();
    Position p;
    auto [end, ec] = std::from_chars(cursor.data() + 2, cursor.data() + colon, p.ms);
    if (ec != std::errc{} || end != cursor.data() + colon) return refused();
    p.id = std::string(cursor.substr(colon + 1));
    return std::optional<Position>(std::move(p));
}

// A list of tasks: its name in cursors, and its order.
struct TaskList {
    char name;
    Position (*position)(const Task&);
    bool newest_first;

    bool before(const Task& a, const Task& b) const {
        return newest_first ? position(b) < position(a) : position(a) < position(b);
    }
    // Whether `t` comes after `cursor` (none: the list's start).
    bool after(const Task& t, const std::optional<Position>& cursor) const {
        if (!cursor) return true;
        return newest_first ? position(t) < *cursor : *cursor < position(t);
    }
};

// Open tasks: most urgent first, those without a due time last.
constexpr TaskList kOpen{
    'q',
    [](const Task& t) -> Position {
        return {t.due_at ? t.due_at : std::numeric_limits<std::int64_t>::max(), t.id};
    },
    false};
// Completed tasks: newest first.
constexpr TaskList kDone{'d', [](const Task& t) -> Position { return {t.closed_at, t.id}; }, true};

// Several queues' pages as one: the first `limit` tasks of each, in the list's order, each task
// once, up to where the first full page ends (a later task may come after ones that page left
// out).
TaskPage merged(const TaskList& list, std::vector<std::vector<Task>> queues, std::size_t limit) {
    TaskPage page;
    std::optional<Task> horizon;  // the first full page's last task
    for (auto& tasks : queues) {
        std::sort(tasks.begin(), tasks.end(),
                  [&](const Task& a, const Task& b) { return list.before(a, b); });
        if (tasks.size() >= limit && limit > 0) {
            tasks.resize(limit);
            page.full = true;
            if (!horizon || list.before(tasks.back(), *horizon)) horizon = tasks.back();
        }
        for (auto& t : tasks)
            page.items.push_back(ListedTask{cursor_of(list.name, list.position(t)), std::move(t)});
    }
    if (horizon)
        std::erase_if(page.items,
                      [&](const ListedTask& t) { return list.before(*horizon, t.task); });
    std::stable_sort(
        page.items.begin(), page.items.end(),
        [&](const ListedTask& a, const ListedTask& b) { return list.before(a.task, b.task); });
    std::set<std::string> seen;
    std::erase_if(page.items, [&](const ListedTask& t) { return !seen.insert(t.task.id).second; });
    return page;
}

std::string hex(std::size_t value) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(2 * sizeof value, '0');
    for (auto it = out.rbegin(); it != out.rend(); ++it, value >>= 4) *it = kDigits[value & 15];
    return out;
}

}  // namespace

MemoryService::MemoryService(std::function<TimeMs()> clock) : clock_(std::move(clock)) {
    runtime_.set_observer([this](const engine::Step& step) { committed(step); });
}

TimeMs MemoryService::now() const {
    return clock_();
}

void MemoryService::committed(const engine::Step& step) {
    ++commits_;
    engine::json entry = engine::to_json(step.history);
    entry["revision"] = step.instance.revision;
    engine::json effects = engine::json::array();
    for (const auto& effect : step.effects) {
        effects.push_back(engine::to_json(effect));
        if (const auto* closed = std::get_if<engine::TaskClosed>(&effect);
            closed && closed->status == engine::TaskStatus::completed)
            completed_.push_back(closed->task_id);
    }
    entry["effects"] = std::move(effects);
    auto& items = history_[step.instance.id];
    std::string text = entry.dump();
    std::string hash =
        hex(std::hash<std::string>{}((items.empty() ? "" : items.back().hash) + text));
    items.push_back(
        HistoryItem{std::to_string(items.size() + 1), std::move(text), std::move(hash)});
}

// ---- Definitions

Awaitable<Result<std::vector<std::string>>> MemoryService::workflow_names() {
    std::set<std::string> names;
    for (const auto& def : store_.definitions()) names.insert(def->name);
    co_return std::vector<std::string>(names.begin(), names.end());
}

Awaitable<Result<engine::DefinitionPtr>> MemoryService::definition(std::string name, int version) {
    if (auto def = store_.find_definition(name, version)) co_return def;
    co_return make_error(
        ErrorCode::not_found,
        "no workflow " + name + (version == 0 ? "" : " version " + std::to_string(version)),
        "/workflow");
}

Awaitable<Result<std::vector<int>>> MemoryService::definition_versions(std::string name) {
    std::vector<int> out;
    for (const auto& def : store_.definitions())
        if (def->name == name) out.push_back(def->version);
    if (out.empty()) co_return make_error(ErrorCode::not_found, "no workflow " + name);
    std::sort(out.begin(), out.end());
    co_return out;
}

Awaitable<Result<void>> MemoryService::put_definition(engine::DefinitionPtr definition) {
    co_return store_.put_definition(std::move(definition));
}

// ---- Instances

Awaitable<Result<Started>> MemoryService::start(StartRequest request, engine::Actor actor) {
    auto def = store_.find_definition(request.workflow, request.version);
    if (!def) co_return make_error(ErrorCode::not_found, "no workflow " + request.workflow);
    if (!request.idempotency_key.empty()) {
        if (auto it = started_.find(request.idempotency_key); it != started_.end())
            co_return Started{it->second, false};
    }
    if (!request.business_key.empty()) {
        if (auto owner = store_.find_by_key(def->name, request.business_key)) {
            auto existing = store_.load_instance(*owner);
            if (!existing) co_return existing.error();
            co_return Started{std::move(existing).value(), false};
        }
    }
    auto started = runtime_.start(def->name, std::move(request.data), actor, now(),
                                  std::move(request.business_key), def->version);
    if (!started) co_return started.error();
    if (!request.idempotency_key.empty()) started_.emplace(request.idempotency_key, *started);
    co_return Started{std::move(started).value(), true};
}

Awaitable<Result<Sent>> MemoryService::send(std::string instance_id, engine::Input input,
                                            SendOptions options) {
    // Admitted on `inst`, the revision the input is applied to (or its first result).
    const auto admit = [&options, this](const Instance& inst) -> Result<void> {
        if (!options.admit) return engine::Ok{};
        auto def = store_.find_definition(inst.workflow, inst.version);
        if (!def) return make_error(ErrorCode::not_found, "no definition " + inst.workflow);
        return options.admit(inst, *def);
    };
    const std::pair<std::string, std::string> key{instance_id, options.idempotency_key};
    if (!options.idempotency_key.empty()) {
        if (auto it = sent_.find(key); it != sent_.end()) {
            if (auto admitted = admit(it->second); !admitted) co_return admitted.error();
            std::optional<Task> task;
            if (const Task* t = it->second.find_task(options.task_id)) task = *t;
            co_return Sent{std::make_shared<const Instance>(it->second), std::move(task)};
        }
    }
    auto before = store_.load_instance(instance_id);
    if (!before) co_return before.error();
    if (auto admitted = admit(*before); !admitted) co_return admitted.error();
    auto after = runtime_.send(instance_id, std::move(input), now());
    if (!after) co_return after.error();
    if (!options.idempotency_key.empty()) sent_.emplace(key, *after);
    std::optional<Task> task;
    if (!options.task_id.empty()) {
        // In the instance while its state is current; else as the store closed it.
        if (const Task* t = after->find_task(options.task_id))
            task = *t;
        else if (auto closed = store_.find_task(options.task_id))
            task = std::move(closed).value();
    }
    co_return Sent{std::make_shared<const Instance>(std::move(after).value()), std::move(task)};
}

Awaitable<Result<Instance>> MemoryService::instance(std::string id) {
    co_return store_.load_instance(id);
}

Awaitable<Result<std::optional<std::string>>> MemoryService::find_by_key(std::string workflow,
                                                                         std::string key) {
    co_return store_.find_by_key(workflow, key);
}

Awaitable<Result<std::vector<ListedInstance>>> MemoryService::list_instances(
    std::vector<std::string> workflows, std::string after, std::size_t limit) {
    auto from = position_of('i', after);
    if (!from) co_return from.error();
    const std::set<std::string> wanted(workflows.begin(), workflows.end());
    std::vector<std::pair<Position, Instance>> listed;
    for (auto& inst : store_.instances()) {
        if (!wanted.contains(inst.workflow)) continue;
        Position at{inst.created_at, inst.id};
        if (*from && !(at < **from)) continue;  // newest first: after it means older
        listed.emplace_back(std::move(at), std::move(inst));
    }
    std::sort(listed.begin(), listed.end(),
              [](const auto& a, const auto& b) { return b.first < a.first; });
    if (listed.size() > limit) listed.resize(limit);
    std::vector<ListedInstance> out;
    out.reserve(listed.size());
    for (auto& [at, inst] : listed)
        out.push_back(ListedInstance{cursor_of('i', at), std::move(inst)});
    co_return out;
}

Awaitable<Result<std::vector<HistoryItem>>> MemoryService::history(std::string instance_id) {
    auto it = history_.find(instance_id);
    if (it == history_.end())
        co_return make_error(ErrorCode::not_found, "no instance " + instance_id);
    co_return it->second;
}

// ---- Tasks

Awaitable<Result<Task>> MemoryService::find_task(std::string task_id) {
    co_return store_.find_task(task_id);
}

Awaitable<Result<TaskPage>> MemoryService::open_tasks(std::vector<TaskQueue> queues,
                                                      std::size_t limit, TimeMs now,
                                                      std::string after) {
    auto from = position_of(kOpen.name, after);
    if (!from) co_return from.error();
    const auto instances = store_.instances();
    std::vector<std::vector<Task>> pages;
    for (const auto& q : queues) {
        // As RedisStore queues them: a role's holds its tasks and those escalated to it; a
        // person's, those assigned to them and those they hold a running claim on.
        const auto in_queue = [&](const Task& t) {
            if (q.by_role)
                return t.role == q.name || std::find(t.escalated_to.begin(), t.escalated_to.end(),
                                                     q.name) != t.escalated_to.end();
            return t.assignee == q.name || (t.claimed_by == q.name && t.claim_holds(now));
        };
        std::vector<Task> tasks;
        for (const auto& inst : instances)
            for (const auto& t : inst.tasks)
                if (t.is_open() && in_queue(t) && kOpen.after(t, *from)) tasks.push_back(t);
        pages.push_back(std::move(tasks));
    }
    co_return merged(kOpen, std::move(pages), limit);
}

Awaitable<Result<TaskPage>> MemoryService::done_tasks(std::vector<TaskQueue> queues,
                                                      std::size_t limit, std::string before) {
    auto from = position_of(kDone.name, before);
    if (!from) co_return from.error();
    std::vector<std::vector<Task>> pages;
    for (const auto& q : queues) {
        std::vector<Task> tasks;
        for (const auto& id : completed_) {
            auto t = store_.find_task(id);
            if (!t || (q.by_role ? t->role : t->closed_by) != q.name) continue;
            if (kDone.after(*t, *from)) tasks.push_back(std::move(t).value());
        }
        pages.push_back(std::move(tasks));
    }
    co_return merged(kDone, std::move(pages), limit);
}

// ---- Answers kept per Idempotency-Key

Awaitable<Result<RequestClaim>> MemoryService::claim_request(std::string scope, std::string key,
                                                             std::string fingerprint) {
    auto [it, fresh] = kept_.try_emplace({std::move(scope), std::move(key)}, Kept{fingerprint, {}});
    RequestClaim claim;
    if (fresh)
        claim.kind = RequestClaim::Kind::fresh;
    else if (it->second.fingerprint != fingerprint)
        claim.kind = RequestClaim::Kind::mismatch;
    else if (!it->second.answer)
        claim.kind = RequestClaim::Kind::busy;
    else {
        claim.kind = RequestClaim::Kind::answered;
        claim.answer = *it->second.answer;
    }
    co_return claim;
}

Awaitable<Result<void>> MemoryService::keep_answer(std::string scope, std::string key,
                                                   std::string fingerprint, KeptAnswer answer) {
    kept_[{std::move(scope), std::move(key)}] = Kept{std::move(fingerprint), std::move(answer)};
    co_return engine::Ok{};
}

Awaitable<Result<void>> MemoryService::forget_request(std::string scope, std::string key) {
    kept_.erase({std::move(scope), std::move(key)});
    co_return engine::Ok{};
}

// ---- The node

Awaitable<Result<void>> MemoryService::ready() {
    co_return engine::Ok{};
}

Awaitable<std::string> MemoryService::metrics() {
    std::string out = "# TYPE accord_commits_total counter\n";
    append_sample(out, "accord_commits_total", "", static_cast<double>(commits_));
    std::map<std::string, std::size_t> open;  // by role
    for (const auto& inst : store_.instances())
        for (const auto& t : inst.tasks)
            if (t.is_open()) ++open[t.role];
    out += "# TYPE accord_open_tasks gauge\n";
    for (const auto& [role, n] : open)
        append_sample(out, "accord_open_tasks", "role=\"" + role + "\"", static_cast<double>(n));
    co_return out;
}

}  // namespace accord::http
