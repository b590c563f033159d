// RedisService: the Api's queries and commands answered by redis::Runtime and its RedisStore.
#include "accord/http/redis_service.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <utility>

#include "accord/http/metrics.hpp"
#include "accord/redis/reply.hpp"
#include "merge_pages.hpp"

namespace accord::http {

using engine::Instance;
using engine::Task;

namespace {

// A done task's position, ordered newest first.
struct Newest {
    redis::DonePosition at;
    bool operator<(const Newest& other) const { return other.at < at; }
    std::string encode() const { return at.encode(); }
};

// Several queues' pages as one (merge_pages), each task with the cursor of its position (a store
// position with encode()).
template <typename PositionOf>
void merge(TaskPage& page, std::vector<std::vector<Task>> pages, std::size_t limit,
           PositionOf position_of) {
    std::vector<Task> batch = merge_pages(std::move(pages), limit, position_of, &page.full);
    page.items.reserve(batch.size());
    for (auto& t : batch) {
        std::string cursor = position_of(t).encode();
        page.items.push_back(ListedTask{std::move(cursor), std::move(t)});
    }
}

}  // namespace

RedisService::RedisService(redis::Runtime& runtime)
    : runtime_(runtime),
      store_(runtime.store()),
      requests_(store_.client().shared_from_this(), store_.keys().prefix(),
                store_.options().idempotency_ttl) {}

TimeMs RedisService::now() const {
    return runtime_.now();
}

Awaitable<Result<std::vector<std::string>>> RedisService::workflow_names() {
    co_return co_await store_.workflow_names();
}

Awaitable<Result<engine::DefinitionPtr>> RedisService::definition(std::string name, int version) {
    co_return co_await store_.definition(std::move(name), version);
}

Awaitable<Result<std::vector<int>>> RedisService::definition_versions(std::string name) {
    co_return co_await store_.definition_versions(std::move(name));
}

Awaitable<Result<void>> RedisService::put_definition(engine::DefinitionPtr definition) {
    co_return co_await store_.put_definition(std::move(definition));
}

Awaitable<Result<Started>> RedisService::start(StartRequest request, engine::Actor actor) {
    redis::StartRequest req;
    req.workflow = std::move(request.workflow);
    req.version = request.version;
    req.data = std::move(request.data);
    req.business_key = std::move(request.business_key);
    req.idempotency_key = std::move(request.idempotency_key);
    auto started = co_await runtime_.start(std::move(req), std::move(actor));
    if (!started) co_return started.error();
    co_return Started{std::move(started->instance), started->created};
}

Awaitable<Result<Sent>> RedisService::send(std::string instance_id, engine::Input input,
                                           SendOptions options) {
    redis::SendOptions send;
    send.idempotency_key = std::move(options.idempotency_key);
    send.admit = std::move(options.admit);
    send.task_id = std::move(options.task_id);
    auto sent = co_await runtime_.send(std::move(instance_id), std::move(input), std::move(send));
    if (!sent) co_return sent.error();
    co_return Sent{std::move(sent->instance), std::move(sent->task)};
}

Awaitable<Result<Instance>> RedisService::instance(std::string id) {
    co_return co_await runtime_.get(std::move(id));
}

Awaitable<Result<std::optional<std::string>>> RedisService::find_by_key(std::string workflow,
                                                                        std::string key) {
    co_return co_await store_.find_by_key(std::move(workflow), std::move(key));
}

Awaitable<Result<std::vector<ListedInstance>>> RedisService::list_instances(
    std::vector<std::string> workflows, std::string after, std::size_t limit) {
    auto position = redis::InstancePosition::decode(after);
    if (!position) co_return position.error();
    auto page = co_await store_.list_instances(std::move(workflows), *position, limit);
    if (!page) co_return page.error();
    // The page's instances in one round trip.
    std::vector<std::string> ids;
    ids.reserve(page->size());
    for (const auto& entry : *page) ids.push_back(entry.id);
    auto loaded = co_await runtime_.get_many(std::move(ids));
    if (!loaded) co_return loaded.error();
    std::vector<ListedInstance> out;
    out.reserve(page->size());
    for (std::size_t i = 0; i < page->size(); ++i)
        out.push_back(ListedInstance{(*page)[i].encode(), std::move((*loaded)[i])});
    co_return out;
}

Awaitable<Result<std::vector<HistoryItem>>> RedisService::history(std::string instance_id) {
    auto records = co_await store_.history(std::move(instance_id));
    if (!records) co_return records.error();
    std::vector<HistoryItem> out;
    out.reserve(records->size());
    for (auto& r : *records)
        out.push_back(HistoryItem{std::move(r.id), std::move(r.entry), std::move(r.hash)});
    co_return out;
}

Awaitable<Result<Task>> RedisService::find_task(std::string task_id) {
    co_return co_await store_.find_task(std::move(task_id));
}

Awaitable<Result<TaskPage>> RedisService::open_tasks(std::vector<TaskQueue> queues,
                                                     std::size_t limit, TimeMs now,
                                                     std::string after) {
    auto position = redis::QueuePosition::decode(after);
    if (!position) co_return position.error();
    std::vector<redis::TaskQueue> keys;
    keys.reserve(queues.size());
    for (auto& q : queues) keys.push_back(redis::TaskQueue{q.by_role, std::move(q.name)});
    // Every queue's page in one round trip.
    auto pages = co_await store_.open_tasks_of(std::move(keys), limit, now, *position);
    if (!pages) co_return pages.error();
    TaskPage out;
    merge(out, std::move(pages).value(), limit,
          [](const Task& t) { return redis::QueuePosition::of(t); });
    co_return out;
}

Awaitable<Result<TaskPage>> RedisService::done_tasks(std::vector<TaskQueue> queues,
                                                     std::size_t limit, std::string before) {
    auto position = redis::DonePosition::decode(before);
    if (!position) co_return position.error();
    std::vector<std::vector<Task>> pages;
    // Each list has every completion since its complete_since: their union, since the latest
    // of those (so that the merged pages have no gaps either).
    TimeMs since = 0;
    for (const auto& q : queues) {
        auto page = co_await store_.done_tasks(q.by_role, q.name, limit, *position);
        if (!page) co_return page.error();
        since = std::max(since, page->complete_since);
        pages.push_back(std::move(page->tasks));
    }
    TaskPage out;
    merge(out, std::move(pages), limit,
          [](const Task& t) { return Newest{redis::DonePosition::of(t)}; });
    std::erase_if(out.items, [since](const ListedTask& t) { return t.task.closed_at < since; });
    co_return out;
}

// The fingerprint is kept as its SHA-256: a request's body may be large.
Awaitable<Result<RequestClaim>> RedisService::claim_request(std::string scope, std::string key,
                                                            std::string fingerprint) {
    auto claim =
        co_await requests_.claim(std::move(scope), std::move(key), redis::sha256_hex(fingerprint));
    if (!claim) co_return claim.error();
    RequestClaim out;
    using Kind = redis::RequestClaim::Kind;
    switch (claim->kind) {
        case Kind::fresh:
            out.kind = RequestClaim::Kind::fresh;
            break;
        case Kind::answered:
            out.kind = RequestClaim::Kind::answered;
            break;
        case Kind::busy:
            out.kind = RequestClaim::Kind::busy;
            break;
        case Kind::mismatch:
            out.kind = RequestClaim::Kind::mismatch;
            break;
    }
    auto& kept = claim->answer;
    out.answer = KeptAnswer{kept.status, std::move(kept.content_type), std::move(kept.body),
                            std::move(kept.headers)};
    co_return out;
}

Awaitable<Result<void>> RedisService::keep_answer(std::string scope, std::string key,
                                                  std::string fingerprint, KeptAnswer answer) {
    redis::KeptAnswer kept{answer.status, std::move(answer.content_type), std::move(answer.body),
                           std::move(answer.headers)};
    co_return co_await requests_.answer(std::move(scope), std::move(key),
                                        redis::sha256_hex(fingerprint), std::move(kept));
}

Awaitable<Result<void>> RedisService::forget_request(std::string scope, std::string key) {
    co_return co_await requests_.forget(std::move(scope), std::move(key));
}

Awaitable<Result<void>> RedisService::ready() {
    auto names = co_await store_.workflow_names();
    if (!names) co_return names.error();
    co_return engine::Ok{};
}

// The runtime's counters, then what Redis holds now: open tasks by role, instances with a timer
// due, and the time of a round trip. Read at each scrape: a few pipelined reads.
Awaitable<std::string> RedisService::metrics() {
    std::string out;
    const auto& st = runtime_.stats();
    out += "# TYPE accord_commits_total counter\n";
    append_sample(out, "accord_commits_total", "", static_cast<double>(st.commits));
    out += "# TYPE accord_timers_fired_total counter\n";
    append_sample(out, "accord_timers_fired_total", "", static_cast<double>(st.timers_fired));
    out += "# TYPE accord_stale_retries_total counter\n";
    append_sample(out, "accord_stale_retries_total", "", static_cast<double>(st.stale_retries));

    const auto started = std::chrono::steady_clock::now();
    auto names = co_await store_.workflow_names();
    const double rtt =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!names) {
        out += "# TYPE accord_redis_up gauge\naccord_redis_up 0\n";
        co_return out;
    }
    out += "# TYPE accord_redis_up gauge\naccord_redis_up 1\n";
    out += "# HELP accord_redis_round_trip_seconds One read of Redis, at this scrape.\n";
    out += "# TYPE accord_redis_round_trip_seconds gauge\n";
    append_sample(out, "accord_redis_round_trip_seconds", "", rtt);
    std::set<std::string> roles;
    for (const auto& name : *names) {
        auto def = co_await store_.definition(name, 0);
        if (!def) continue;
        roles.insert((*def)->roles.begin(), (*def)->roles.end());
    }
    std::vector<std::string> list(roles.begin(), roles.end());
    auto sizes = co_await store_.role_queue_sizes(list);
    if (sizes) {
        out += "# HELP accord_open_tasks Open tasks in each role's queue.\n";
        out += "# TYPE accord_open_tasks gauge\n";
        for (std::size_t i = 0; i < list.size(); ++i)
            if ((*sizes)[i] != 0 || !list[i].ends_with("_lead"))
                append_sample(out, "accord_open_tasks", "role=\"" + list[i] + "\"",
                              static_cast<double>((*sizes)[i]));
    }
    auto due = co_await store_.instances_due(runtime_.now());
    if (due) {
        out += "# HELP accord_timers_due Instances with a timer due now, not yet fired.\n";
        out += "# TYPE accord_timers_due gauge\n";
        append_sample(out, "accord_timers_due", "", static_cast<double>(*due));
    }
    co_return out;
}

}  // namespace accord::http
