// RedisStore: a step becomes one call of commit.lua (its operations planned here, from the
// instance before and after), reads are pipelined over the shards and merged.
#include "accord/redis/redis_store.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "accord/engine/json_text.hpp"
#include "accord/engine/validator.hpp"
#include "scripts.hpp"

namespace accord::redis {

using engine::ErrorCode;
using engine::json;
using engine::make_error;
using engine::Step;

namespace {

constexpr TimeMs kNoDue = 9'000'000'000'000'000;  // tasks without a deadline sort last

std::string dump(const json& j) {
    return engine::json_text(j);
}

// One sorted-set membership that an instance implies: its open tasks in their queues, its
// pending timers in the shard's timer set.
struct IndexEntry {
    std::string key, member;
    TimeMs score;
};

std::vector<IndexEntry> index_entries(const Keyspace& keys, int shard, const Instance& inst) {
    std::vector<IndexEntry> out;
    if (!inst.running()) return out;
    for (const auto& t : inst.tasks) {
        if (!t.is_open()) continue;
        const TimeMs score = t.due_at ? t.due_at : kNoDue;
        out.push_back({keys.role_queue(shard, t.role), t.id, score});
        if (!t.escalated_to.empty() && t.escalated_to != t.role)
            out.push_back({keys.role_queue(shard, t.escalated_to), t.id, score});
        if (!t.assignee.empty())
            out.push_back({keys.assignee_queue(shard, t.assignee), t.id, score});
        if (!t.claimed_by.empty() && t.claimed_by != t.assignee)
            out.push_back({keys.assignee_queue(shard, t.claimed_by), t.id, score});
    }
    for (const auto* t : inst.pending_timers())
        out.push_back({keys.timers(shard), t->id, t->due_at});
    return out;
}

// commit.lua's arguments, with KEYS numbered as they are first named.
class Plan {
public:
    Plan(std::string instance_key, std::string history_key) {
        keys_.push_back(std::move(instance_key));
        keys_.push_back(std::move(history_key));
    }
    std::string key(const std::string& k) {
        for (std::size_t i = 0; i < keys_.size(); ++i)
            if (keys_[i] == k) return std::to_string(i + 1);
        keys_.push_back(k);
        return std::to_string(keys_.size());
    }
    void zadd(const std::string& k, TimeMs score, const std::string& member) {
        op(command_of("ZADD", key(k), std::to_string(score), member));
    }
    void zrem(const std::string& k, const std::string& member) {
        op(command_of("ZREM", key(k), member));
    }
    void hset(const std::string& k, const std::string& field, std::string value) {
        op(command_of("HSET", key(k), field, std::move(value)));
    }
    void xadd(const std::string& k, std::size_t maxlen,
              std::vector<std::pair<std::string, std::string>> fields) {
        std::vector<std::string> o =
            command_of("XADD", key(k), std::to_string(maxlen), std::to_string(fields.size()));
        for (auto& [f, v] : fields) {
            o.push_back(f);
            o.push_back(std::move(v));
        }
        op(std::move(o));
    }
    std::vector<std::string>& keys() { return keys_; }
    std::size_t op_count() const { return count_; }
    std::vector<std::string>& ops() { return ops_; }

private:
    void op(std::vector<std::string> parts) {
        ++count_;
        for (auto& p : parts) ops_.push_back(std::move(p));
    }
    std::vector<std::string> keys_;
    std::vector<std::string> ops_;
    std::size_t count_ = 0;
};

// What the feed says of a task: enough to show and sort it in a list of pending actions
// (its description, form and fields are one GET /tasks/{id} away).
json task_summary(const Task& t) {
    json j = {{"id", t.id},
              {"instance", t.instance_id},
              {"workflow", t.workflow},
              {"state", t.state},
              {"role", t.role},
              {"title", t.title},
              {"status", engine::to_string(t.status)}};
    if (!t.escalated_to.empty()) j["escalated_to"] = t.escalated_to;
    if (!t.assignee.empty()) j["assignee"] = t.assignee;
    if (t.personal) j["personal"] = true;
    if (t.due_at != 0) j["due_at"] = t.due_at;
    if (!t.claimed_by.empty()) j["claimed_by"] = t.claimed_by;
    if (t.claim_until != 0) j["claim_until"] = t.claim_until;
    if (!t.outcome.empty()) j["outcome"] = t.outcome;
    if (!t.closed_by.empty()) j["closed_by"] = t.closed_by;
    return j;
}

const Task* find_in(const std::vector<Task>& tasks, const std::string& id) {
    for (const auto& t : tasks)
        if (t.id == id) return &t;
    return nullptr;
}

// "<revision> <head> <document>"
bool split_stored(std::string_view stored, std::uint64_t& revision, std::string_view& head,
                  std::string_view& doc) {
    auto a = stored.find(' ');
    if (a == std::string_view::npos) return false;
    auto b = stored.find(' ', a + 1);
    if (b == std::string_view::npos) return false;
    revision = std::strtoull(std::string(stored.substr(0, a)).c_str(), nullptr, 10);
    head = stored.substr(a + 1, b - a - 1);
    doc = stored.substr(b + 1);
    return true;
}

std::pair<std::uint64_t, std::uint64_t> stream_id(std::string_view id) {
    auto dash = id.find('-');
    return {std::strtoull(std::string(id.substr(0, dash)).c_str(), nullptr, 10),
            dash == std::string_view::npos
                ? 0
                : std::strtoull(std::string(id.substr(dash + 1)).c_str(), nullptr, 10)};
}

// A stream entry [id, [field, value, ...]] -> field's value.
const std::string* field_of(const Reply& entry, std::string_view field) {
    if (entry.elements.size() < 2) return nullptr;
    const auto& kv = entry.elements[1].elements;
    for (std::size_t i = 0; i + 1 < kv.size(); i += 2)
        if (kv[i].str == field) return &kv[i + 1].str;
    return nullptr;
}

Result<Task> task_in_document(std::string_view doc, const std::string& task_id) {
    json j = json::parse(doc, nullptr, false);
    if (j.is_discarded()) return make_error(ErrorCode::storage_error, "malformed stored instance");
    if (auto tasks = j.find("tasks"); tasks != j.end())
        for (const auto& t : *tasks)
            if (t.value("id", "") == task_id) return engine::task_from_json(t);
    return make_error(ErrorCode::task_not_found, "no task " + task_id);
}

engine::Error first_error(const std::vector<Result<Reply>>& replies) {
    for (const auto& r : replies)
        if (!r) return r.error();
    return make_error(ErrorCode::storage_error, "no error");
}

bool any_failed(const std::vector<Result<Reply>>& replies) {
    return std::any_of(replies.begin(), replies.end(), [](const auto& r) { return !r.ok(); });
}

}  // namespace

RedisStore::RedisStore(std::shared_ptr<Client> client, StoreOptions options)
    : client_(std::move(client)),
      options_(std::move(options)),
      keys_(options_.prefix, options_.shards) {}

Awaitable<Result<void>> RedisStore::open() {
    if (auto r = co_await client_->connect(); !r) co_return r.error();
    const std::string meta = keys_.meta();
    auto created = co_await client_->all(calls_of(
        Call::cmd(meta, command_of("HSETNX", meta, "shards", std::to_string(options_.shards))),
        Call::cmd(meta, command_of("HSETNX", meta, "layout", "1")),
        Call::cmd(meta, command_of("HGET", meta, "shards"))));
    if (any_failed(created)) co_return first_error(created);
    const int shards = std::atoi(created[2]->str.c_str());
    if (shards < 1) co_return make_error(ErrorCode::storage_error, meta + " has no shard count");
    keys_ = Keyspace(options_.prefix, shards);
    std::vector<Call> groups;
    for (int s = 0; s < shards; ++s) {
        const std::string outbox = keys_.outbox(s);
        groups.push_back(Call::cmd(
            outbox, command_of("XGROUP", "CREATE", outbox, kOutboxGroup, "0", "MKSTREAM")));
    }
    for (auto& r : co_await client_->all(std::move(groups)))
        if (!r && !r.error().message.starts_with("BUSYGROUP")) co_return r.error();
    co_return engine::Ok{};
}

// ---- definitions ---------------------------------------------------------------------------

Awaitable<Result<void>> RedisStore::put_definition(DefinitionPtr def) {
    auto r = co_await client_->eval(
        scripts::put_definition(),
        command_of(keys_.definition_names(), keys_.definition_versions(def->name),
                   keys_.definition_latest()),
        command_of(def->name, std::to_string(def->version), dump(def->source)));
    if (!r) co_return r.error();
    if (r->str == "conflict")
        co_return make_error(ErrorCode::conflict,
                             "workflow " + def->name + " version " + std::to_string(def->version) +
                                 " exists with a different body; publish a new version");
    definitions_[{def->name, def->version}] = def;
    auto& latest = latest_[def->name];
    latest.version = std::max(latest.version, def->version);
    co_return engine::Ok{};
}

Awaitable<Result<DefinitionPtr>> RedisStore::definition(std::string name, int version) {
    if (version == 0) {
        auto it = latest_.find(name);
        const auto now = std::chrono::steady_clock::now();
        if (it == latest_.end() || now - it->second.checked > std::chrono::seconds(1)) {
            auto r = co_await client_->command(keys_.definition_latest(),
                                               command_of("HGET", keys_.definition_latest(), name));
            if (!r) co_return r.error();
            if (r->is_nil())
                co_return make_error(ErrorCode::not_found, "no workflow " + name, "/workflow");
            it = latest_.insert_or_assign(name, Latest{std::atoi(r->str.c_str()), now}).first;
        }
        version = it->second.version;
    }
    if (auto it = definitions_.find(std::make_pair(name, version)); it != definitions_.end())
        co_return it->second;
    const std::string versions = keys_.definition_versions(name);
    auto r =
        co_await client_->command(versions, command_of("HGET", versions, std::to_string(version)));
    if (!r) co_return r.error();
    if (r->is_nil())
        co_return make_error(ErrorCode::not_found,
                             "no workflow " + name + " version " + std::to_string(version),
                             "/workflow");
    auto loaded = engine::load_definition_text(r->str);
    if (!loaded.ok())
        co_return make_error(
            ErrorCode::storage_error,
            "stored workflow " + name + " v" + std::to_string(version) +
                " no longer loads: " + engine::definition_error(loaded.diagnostics).message);
    definitions_[{name, version}] = loaded.definition;
    co_return loaded.definition;
}

Awaitable<Result<std::vector<std::string>>> RedisStore::workflow_names() {
    auto r = co_await client_->command(keys_.definition_names(),
                                       command_of("SMEMBERS", keys_.definition_names()));
    if (!r) co_return r.error();
    std::vector<std::string> out;
    for (auto& e : r->elements) out.push_back(std::move(e.str));
    std::sort(out.begin(), out.end());
    co_return out;
}

// ---- instances -----------------------------------------------------------------------------

Awaitable<Result<Instance>> RedisStore::parse_stored(const std::string& stored) {
    std::uint64_t revision = 0;
    std::string_view head, doc;
    if (!split_stored(stored, revision, head, doc))
        co_return make_error(ErrorCode::storage_error, "malformed stored instance");
    json j = json::parse(doc, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        co_return make_error(ErrorCode::storage_error, "malformed stored instance document");
    auto def = co_await definition(j.value("workflow", ""), j.value("version", 0));
    if (!def) co_return def.error();
    auto inst = engine::instance_from_json(j, **def);
    if (!inst) co_return inst.error();
    if (inst->revision != revision)
        co_return make_error(ErrorCode::storage_error, "stored instance revision disagrees");
    co_return std::move(inst).value();
}

Awaitable<Result<Instance>> RedisStore::parse_document(const std::string& doc) {
    json j = json::parse(doc, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        co_return make_error(ErrorCode::storage_error, "malformed stored instance document");
    auto def = co_await definition(j.value("workflow", ""), j.value("version", 0));
    if (!def) co_return def.error();
    co_return engine::instance_from_json(j, **def);
}

Awaitable<Result<std::optional<Instance>>> RedisStore::idempotent_result(std::string scope,
                                                                         std::string key,
                                                                         int shard) {
    const std::string k = keys_.idempotency(shard, scope, key);
    auto r = co_await client_->command(k, command_of("GET", k));
    if (!r) co_return r.error();
    if (r->is_nil()) co_return std::optional<Instance>();
    auto first = co_await parse_document(r->str);
    if (!first) co_return first.error();
    co_return std::optional<Instance>(std::move(first).value());
}

Awaitable<Result<Instance>> RedisStore::load(std::string id) {
    const std::string key = keys_.instance(id);
    auto r = co_await client_->command(key, command_of("GET", key));
    if (!r) co_return r.error();
    if (r->is_nil()) co_return make_error(ErrorCode::not_found, "no instance " + id);
    co_return co_await parse_stored(r->str);
}

// commit.lua's KEYS and ARGV for a step. A plain function, not part of the coroutine that
// sends it (see command_of).
Result<RedisStore::PlannedCommit> RedisStore::plan_commit(const Step& step, const Instance* before,
                                                          const CommitOptions& opts,
                                                          const std::string& doc) const {
    const Instance& inst = step.instance;
    const int shard = keys_.shard_of(inst.id);
    Plan plan(keys_.instance(inst.id), keys_.history(inst.id));
    std::string idem_index = "0", bkey_index = "0", bkey_field;
    if (!opts.idempotency_key.empty())
        idem_index =
            plan.key(keys_.idempotency(shard, opts.idempotency_scope, opts.idempotency_key));
    if (before == nullptr && !inst.business_key.empty()) {
        if (keys_.shard_of_key(inst.workflow, inst.business_key) != shard)
            return make_error(ErrorCode::storage_error,
                              "instance " + inst.id + " is not on its business key's shard");
        bkey_index = plan.key(keys_.business_keys(shard));
        bkey_field = inst.workflow + '\x1f' + inst.business_key;
    }

    // Index memberships: what changed between the stored instance and the new one.
    {
        std::vector<IndexEntry> old_entries =
            before ? index_entries(keys_, shard, *before) : std::vector<IndexEntry>{};
        std::vector<IndexEntry> new_entries = index_entries(keys_, shard, inst);
        std::unordered_map<std::string, TimeMs> old_scores, new_scores;
        for (const auto& e : old_entries) old_scores[e.key + '\n' + e.member] = e.score;
        for (const auto& e : new_entries) new_scores[e.key + '\n' + e.member] = e.score;
        for (const auto& e : old_entries)
            if (!new_scores.count(e.key + '\n' + e.member)) plan.zrem(e.key, e.member);
        for (const auto& e : new_entries) {
            auto old = old_scores.find(e.key + '\n' + e.member);
            if (old == old_scores.end() || old->second != e.score)
                plan.zadd(e.key, e.score, e.member);
        }
    }
    if (before == nullptr)
        plan.zadd(keys_.workflow_instances(shard, inst.workflow), inst.created_at, inst.id);

    // Each effect goes into the history entry; the feed gets every change a person may wait
    // for, with a summary of the task; work for other instances goes to the outbox. A closed
    // task is recorded whole in the history, where it stays findable once its state is left.
    std::unordered_map<std::string, const Task*> opened;
    auto task_now = [&](const std::string& id) -> std::optional<Task> {
        if (const Task* t = find_in(inst.tasks, id)) return *t;
        if (auto it = opened.find(id); it != opened.end()) return *it->second;
        if (before != nullptr)
            if (const Task* t = find_in(before->tasks, id)) return *t;
        return std::nullopt;
    };
    const std::string rev = std::to_string(inst.revision);
    int n = 0;
    auto outbox = [&](std::string kind, json payload) {
        plan.xadd(keys_.outbox(shard), 0,
                  {{"k", std::move(kind)},
                   {"x", inst.id + "@" + rev + "." + std::to_string(n)},
                   {"p", dump(payload)}});
    };
    json entry = engine::to_json(step.history);
    entry["revision"] = inst.revision;
    json& recorded = entry["effects"] = json::array();
    for (const auto& effect : step.effects) {
        ++n;
        json ev = engine::to_json(effect);
        const std::string type = ev["type"].get<std::string>();
        const bool to_feed = type.starts_with("task.") || type == "reminder" || type == "notify" ||
                             type == "instance.finished";
        std::optional<Task> task;  // the task the effect concerns, as the step left it
        bool closed = false;
        if (const auto* o = std::get_if<engine::TaskOpened>(&effect)) {
            opened[o->task.id] = &o->task;
            task = o->task;
        } else if (const auto* c = std::get_if<engine::TaskClosed>(&effect)) {
            task = task_now(c->task_id);
            if (task) {
                closed = true;
                task->status = c->status;
                task->outcome = c->outcome;
                task->closed_by = c->by;
                if (task->closed_at == 0) task->closed_at = inst.updated_at;
                if (c->status == engine::TaskStatus::completed) {
                    task->fields = c->fields;
                    task->comment = c->comment;
                }
            }
        } else if (auto t = ev.find("task"); t != ev.end() && t->is_string()) {
            task = task_now(t->get<std::string>());
        }
        if (task) ev["task"] = closed ? engine::to_json(*task) : json(task->id);
        recorded.push_back(ev);

        if (const auto* child = std::get_if<engine::ChildStarted>(&effect)) {
            outbox("child.start", {{"child", child->child_id},
                                   {"workflow", child->workflow},
                                   {"version", child->version},
                                   {"data", child->data},
                                   {"parent", inst.id},
                                   {"depth", inst.depth + 1}});
        } else if (const auto* cancel = std::get_if<engine::ChildCancelled>(&effect)) {
            outbox("child.cancel", {{"child", cancel->child_id}, {"parent", inst.id}});
        } else if (const auto* started = std::get_if<engine::WorkflowStarted>(&effect)) {
            outbox("start", {{"workflow", started->workflow},
                             {"data", started->data},
                             {"key", started->business_key},
                             {"by", inst.id},
                             {"depth", inst.depth + 1}});
        } else if (const auto* finished = std::get_if<engine::InstanceFinished>(&effect)) {
            if (inst.parent)
                outbox("child.result", {{"parent", inst.parent->instance_id},
                                        {"child", inst.parent->child_id},
                                        {"outcome", finished->outcome},
                                        {"data", inst.data.get()}});
            ev["instance"] = {{"id", inst.id},
                              {"workflow", inst.workflow},
                              {"status", engine::to_string(inst.status)},
                              {"outcome", inst.outcome}};
        } else if (std::holds_alternative<engine::Notification>(effect)) {
            json payload = ev;
            payload["instance"] = inst.id;
            payload["workflow"] = inst.workflow;
            outbox("notify", std::move(payload));
        }
        if (!to_feed) continue;
        if (task) ev["task"] = task_summary(*task);
        ev["at"] = inst.updated_at;
        if (!ev.contains("instance")) ev["instance"] = inst.id;
        ev["workflow"] = inst.workflow;
        plan.xadd(keys_.feed(shard), options_.feed_max_length, {{"e", dump(ev)}});
    }

    const auto ttl =
        opts.idempotency_ttl.count() > 0 ? opts.idempotency_ttl : options_.idempotency_ttl;
    std::vector<std::string> args{before ? std::to_string(before->revision) : "0",
                                  rev,
                                  doc,
                                  dump(entry),
                                  idem_index,
                                  std::to_string(ttl.count()),
                                  bkey_index,
                                  bkey_field,
                                  inst.id,
                                  std::to_string(plan.op_count())};
    for (auto& o : plan.ops()) args.push_back(std::move(o));
    return PlannedCommit{std::move(plan.keys()), std::move(args)};
}

Awaitable<Result<CommitOutcome>> RedisStore::commit(const engine::Definition& def, const Step& step,
                                                    const Instance* before,
                                                    const CommitOptions& opts) {
    const Instance& inst = step.instance;
    const std::string doc = dump(engine::to_json(inst, def));
    auto planned = plan_commit(step, before, opts, doc);
    if (!planned) co_return planned.error();
    auto r = co_await client_->eval(scripts::commit(), planned->keys, planned->args);
    if (!r) co_return r.error();
    if (r->type != Reply::Type::array || r->elements.empty())
        co_return make_error(ErrorCode::storage_error, "commit: unexpected reply");
    const std::string& status = r->elements[0].str;
    CommitOutcome out;
    if (status == "ok") {
        out.history_id = r->elements.size() > 1 ? r->elements[1].str : "";
        co_return out;
    }
    if (status == "missing")
        co_return make_error(ErrorCode::not_found, "instance " + inst.id + " is gone");
    if (status == "taken") {
        out.status = CommitOutcome::Status::key_taken;
        out.owner = r->elements.at(1).str;
        co_return out;
    }
    if (status == "stale") {
        out.status = CommitOutcome::Status::stale;
        auto current = co_await parse_stored(r->elements.at(1).str);
        if (!current) co_return current.error();
        out.current = std::move(current).value();
        co_return out;
    }
    if (status == "dup") {
        // The idempotency key's value is the document the first commit stored.
        out.status = CommitOutcome::Status::duplicate;
        auto first = co_await parse_document(r->elements.at(1).str);
        if (!first) co_return first.error();
        out.current = std::move(first).value();
        co_return out;
    }
    co_return make_error(ErrorCode::storage_error, "commit: unexpected status " + status);
}

// ---- tasks and timers ----------------------------------------------------------------------

namespace {

// A closed task as the history recorded it: the newest task.completed or task.cancelled effect
// that names it, in a page of entries newest first.
std::optional<Task> closed_task_in(const Reply& page, const std::string& task_id) {
    for (const auto& e : page.elements) {
        const std::string* text = field_of(e, "e");
        if (text == nullptr || text->find(task_id) == std::string::npos) continue;
        json entry = json::parse(*text, nullptr, false);
        if (entry.is_discarded()) continue;
        for (const auto& effect : entry.value("effects", json::array())) {
            auto t = effect.find("task");
            if (t == effect.end() || !t->is_object() || t->value("id", "") != task_id) continue;
            if (auto task = engine::task_from_json(*t)) return std::move(task).value();
        }
    }
    return std::nullopt;
}

}  // namespace

Awaitable<Result<Task>> RedisStore::find_task(std::string task_id) {
    const std::string inst(Keyspace::instance_of(task_id));
    const std::string key = keys_.instance(inst);
    auto stored = co_await client_->command(key, command_of("GET", key));
    if (!stored) co_return stored.error();
    if (stored->is_nil()) co_return make_error(ErrorCode::task_not_found, "no task " + task_id);
    std::uint64_t revision = 0;
    std::string_view head, doc;
    if (split_stored(stored->str, revision, head, doc)) {
        auto t = task_in_document(doc, task_id);
        if (t || t.error().code != ErrorCode::task_not_found) co_return t;
    }
    // Not in the current state: a task of a state left since, closed, found in the history.
    const std::string history = keys_.history(inst);
    std::string from = "+";
    while (true) {
        auto page = co_await client_->command(
            history, command_of("XREVRANGE", history, from, "-", "COUNT", "200"));
        if (!page) co_return page.error();
        if (auto task = closed_task_in(page.value(), task_id)) co_return std::move(*task);
        if (page->elements.size() < 200) break;
        from = "(" + page->elements.back().elements[0].str;
    }
    co_return make_error(ErrorCode::task_not_found, "no task " + task_id);
}

namespace {

// The shards' pages of one queue merged, most urgent first. In a person's queue, a task that
// is there only by a claim whose lease has ended is left out (the entry goes with the next
// commit of its instance).
std::vector<Task> merge_queue_pages(const std::vector<Result<Reply>>& replies, std::size_t limit,
                                    const std::string& person, TimeMs now) {
    struct Ranked {
        TimeMs score;
        std::string id;
        Task task;
    };
    std::vector<Ranked> ranked;
    for (const auto& r : replies) {
        const auto& e = r->elements;
        for (std::size_t i = 0; i + 2 < e.size(); i += 3) {
            if (e[i + 2].type != Reply::Type::string) continue;  // the instance went meanwhile
            std::uint64_t revision = 0;
            std::string_view head, doc;
            if (!split_stored(e[i + 2].str, revision, head, doc)) continue;
            auto t = task_in_document(doc, e[i].str);
            if (!t || !t->is_open()) continue;
            if (!person.empty() && t->assignee != person && !t->claim_holds(now)) continue;
            ranked.push_back(
                {std::strtoll(e[i + 1].str.c_str(), nullptr, 10), e[i].str, std::move(t).value()});
        }
    }
    std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
        return std::tie(a.score, a.id) < std::tie(b.score, b.id);
    });
    std::vector<Task> out;
    for (auto& r : ranked) {
        if (out.size() == limit) break;
        out.push_back(std::move(r.task));
    }
    return out;
}

std::vector<Call> queue_page_calls(const Keyspace& keys, bool by_role, const std::string& who,
                                   std::size_t limit) {
    std::vector<Call> calls;
    for (int s = 0; s < keys.shards(); ++s)
        calls.push_back(
            Call::eval(scripts::open_tasks(),
                       {by_role ? keys.role_queue(s, who) : keys.assignee_queue(s, who)},
                       {"-inf", std::to_string(limit), keys.instance_prefix(s)}));
    return calls;
}

}  // namespace

Awaitable<Result<std::vector<Task>>> RedisStore::open_tasks_for_role(std::string role,
                                                                     std::size_t limit) {
    auto replies = co_await client_->all(queue_page_calls(keys_, true, role, limit));
    if (any_failed(replies)) co_return first_error(replies);
    co_return merge_queue_pages(replies, limit, {}, 0);
}

Awaitable<Result<std::vector<Task>>> RedisStore::open_tasks_for_assignee(std::string person,
                                                                         std::size_t limit,
                                                                         TimeMs now) {
    auto replies = co_await client_->all(queue_page_calls(keys_, false, person, limit));
    if (any_failed(replies)) co_return first_error(replies);
    co_return merge_queue_pages(replies, limit, person, now);
}

Awaitable<Result<std::size_t>> RedisStore::pending_timer_count() {
    std::vector<Call> calls;
    for (int s = 0; s < keys_.shards(); ++s)
        calls.push_back(Call::cmd(keys_.timers(s), command_of("ZCARD", keys_.timers(s))));
    auto replies = co_await client_->all(std::move(calls));
    if (any_failed(replies)) co_return first_error(replies);
    std::size_t n = 0;
    for (const auto& r : replies) n += static_cast<std::size_t>(r->integer);
    co_return n;
}

Awaitable<Result<std::vector<DueTimer>>> RedisStore::claim_due_timers(
    TimeMs now, std::chrono::milliseconds lease, std::size_t per_shard) {
    std::vector<Call> calls;
    for (int s = 0; s < keys_.shards(); ++s)
        calls.push_back(Call::eval(
            scripts::claim_due(), {keys_.timers(s)},
            {std::to_string(now), std::to_string(lease.count()), std::to_string(per_shard)}));
    auto replies = co_await client_->all(std::move(calls));
    if (any_failed(replies)) co_return first_error(replies);
    std::vector<DueTimer> out;
    for (const auto& r : replies)
        for (std::size_t i = 0; i + 1 < r->elements.size(); i += 2) {
            const std::string& id = r->elements[i].str;
            DueTimer t;
            t.instance_id = std::string(Keyspace::instance_of(id));
            t.timer_id = id;
            t.due_at = std::strtoll(r->elements[i + 1].str.c_str(), nullptr, 10);
            out.push_back(std::move(t));
        }
    std::sort(out.begin(), out.end(),
              [](const DueTimer& a, const DueTimer& b) { return a.due_at < b.due_at; });
    co_return out;
}

Awaitable<Result<void>> RedisStore::drop_timer(const DueTimer& timer) {
    const std::string key = keys_.timers(keys_.shard_of(timer.instance_id));
    auto r = co_await client_->command(key, command_of("ZREM", key, timer.timer_id));
    if (!r) co_return r.error();
    co_return engine::Ok{};
}

// ---- history, feed, outbox -----------------------------------------------------------------

Awaitable<Result<std::vector<HistoryRecord>>> RedisStore::history(std::string instance_id) {
    const std::string key = keys_.history(instance_id);
    std::vector<HistoryRecord> out;
    std::string from = "-";
    while (true) {
        auto r =
            co_await client_->command(key, command_of("XRANGE", key, from, "+", "COUNT", "1000"));
        if (!r) co_return r.error();
        for (const auto& e : r->elements) {
            const std::string* entry = field_of(e, "e");
            const std::string* hash = field_of(e, "h");
            HistoryRecord record;
            record.id = e.elements[0].str;
            if (entry) record.entry = *entry;
            if (hash) record.hash = *hash;
            out.push_back(std::move(record));
        }
        if (r->elements.size() < 1000) break;
        from = "(" + r->elements.back().elements[0].str;
    }
    co_return out;
}

Awaitable<Result<HistoryCheck>> RedisStore::verify_history(std::string instance_id) {
    const std::string key = keys_.instance(instance_id);
    auto stored = co_await client_->command(key, command_of("GET", key));
    if (!stored) co_return stored.error();
    if (stored->is_nil()) co_return make_error(ErrorCode::not_found, "no instance " + instance_id);
    std::uint64_t revision = 0;
    std::string_view head, doc;
    if (!split_stored(stored->str, revision, head, doc))
        co_return make_error(ErrorCode::storage_error, "malformed stored instance");
    auto records = co_await history(instance_id);
    if (!records) co_return records.error();
    HistoryCheck check;
    check.entries = records->size();
    std::string previous;
    for (std::size_t i = 0; i < records->size(); ++i) {
        const HistoryRecord& r = (*records)[i];
        if (sha1_hex(previous + r.entry) != r.hash) {
            check.intact = false;
            check.problem = "entry " + std::to_string(i + 1) + " (" + r.id +
                            ") does not match its hash: it, or the one before, was changed";
            co_return check;
        }
        previous = r.hash;
    }
    if (previous != head) {
        check.intact = false;
        check.problem = "the instance's last entry is " +
                        std::string(head.empty() ? "none" : head) + " but the history ends at " +
                        (previous.empty() ? "none" : previous) + ": entries were removed or added";
    } else if (records->size() != revision) {
        check.intact = false;
        check.problem = "revision " + std::to_string(revision) + " but " +
                        std::to_string(records->size()) + " entries";
    }
    co_return check;
}

Awaitable<Result<FeedPage>> RedisStore::read_feed(std::string token, std::size_t count) {
    FeedCursor cursor;
    if (!FeedCursor::decode(token, keys_.shards(), cursor))
        co_return make_error(ErrorCode::invalid_input, "not a feed cursor", "/cursor");
    std::vector<Call> calls;
    for (int s = 0; s < keys_.shards(); ++s) {
        const std::string key = keys_.feed(s);
        const std::string& after = cursor.ids[static_cast<std::size_t>(s)];
        calls.push_back(Call::cmd(key, command_of("XRANGE", key, after == "0-0" ? "-" : "(" + after,
                                                  "+", "COUNT", std::to_string(count))));
        calls.push_back(Call::cmd(key, command_of("XINFO", "STREAM", key)));
    }
    auto replies = co_await client_->all(std::move(calls));
    FeedPage page;
    struct Item {
        int shard;
        const Reply* entry;
    };
    std::vector<Item> items;
    for (int s = 0; s < keys_.shards(); ++s) {
        const auto& range = replies[static_cast<std::size_t>(2 * s)];
        if (!range) co_return range.error();
        const auto& info = replies[static_cast<std::size_t>(2 * s + 1)];
        if (info) {
            // Entries after the cursor that were trimmed away: the client missed something.
            const auto& kv = info->elements;
            for (std::size_t i = 0; i + 1 < kv.size(); i += 2)
                if (kv[i].str == "max-deleted-entry-id" &&
                    cursor.ids[static_cast<std::size_t>(s)] != "0-0" &&
                    stream_id(cursor.ids[static_cast<std::size_t>(s)]) < stream_id(kv[i + 1].str))
                    page.reset = true;
        } else if (!info.error().message.starts_with("ERR no such key")) {
            co_return info.error();
        }
        for (const auto& e : range->elements) items.push_back(Item{s, &e});
    }
    std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
        auto ia = stream_id(a.entry->elements[0].str), ib = stream_id(b.entry->elements[0].str);
        return std::tie(ia, a.shard) < std::tie(ib, b.shard);
    });
    if (items.size() > count) items.resize(count);
    for (const auto& item : items) {
        const std::string& id = item.entry->elements[0].str;
        cursor.ids[static_cast<std::size_t>(item.shard)] = id;
        const std::string* e = field_of(*item.entry, "e");
        json ev = e ? json::parse(*e, nullptr, false) : json();
        FeedEvent event;
        event.cursor = cursor.encode();
        event.shard = item.shard;
        event.id = id;
        event.event = std::move(ev);
        page.events.push_back(std::move(event));
    }
    page.cursor = cursor.encode();
    co_return page;
}

Awaitable<Result<std::string>> RedisStore::feed_end() {
    std::vector<Call> calls;
    for (int s = 0; s < keys_.shards(); ++s)
        calls.push_back(Call::cmd(keys_.feed(s),
                                  command_of("XREVRANGE", keys_.feed(s), "+", "-", "COUNT", "1")));
    auto replies = co_await client_->all(std::move(calls));
    if (any_failed(replies)) co_return first_error(replies);
    FeedCursor cursor;
    for (const auto& r : replies)
        cursor.ids.push_back(r->elements.empty() ? "0-0" : r->elements[0].elements[0].str);
    co_return cursor.encode();
}

Awaitable<Result<std::vector<OutboxEntry>>> RedisStore::take_outbox(
    std::string consumer, std::size_t per_shard, std::chrono::milliseconds reclaim_after) {
    std::vector<Call> calls;
    for (int s = 0; s < keys_.shards(); ++s) {
        const std::string key = keys_.outbox(s);
        calls.push_back(
            Call::cmd(key, command_of("XREADGROUP", "GROUP", kOutboxGroup, consumer, "COUNT",
                                      std::to_string(per_shard), "STREAMS", key, ">")));
        calls.push_back(Call::cmd(key, command_of("XAUTOCLAIM", key, kOutboxGroup, consumer,
                                                  std::to_string(reclaim_after.count()), "0-0",
                                                  "COUNT", std::to_string(per_shard))));
    }
    auto replies = co_await client_->all(std::move(calls));
    std::vector<OutboxEntry> out;
    std::set<std::pair<int, std::string>> seen;
    auto take = [&](int shard, const Reply& entry) {
        if (entry.elements.size() < 2 || entry.elements[1].type != Reply::Type::array) return;
        const std::string& id = entry.elements[0].str;
        if (!seen.insert({shard, id}).second) return;
        const std::string* kind = field_of(entry, "k");
        const std::string* effect = field_of(entry, "x");
        const std::string* payload = field_of(entry, "p");
        if (!kind || !effect || !payload) return;
        OutboxEntry o;
        o.shard = shard;
        o.id = id;
        o.effect_id = *effect;
        o.kind = *kind;
        o.payload = json::parse(*payload, nullptr, false);
        out.push_back(std::move(o));
    };
    for (int s = 0; s < keys_.shards(); ++s) {
        const auto& fresh = replies[static_cast<std::size_t>(2 * s)];
        if (!fresh) co_return fresh.error();
        // XREADGROUP: [[stream, [entries...]]] or nil
        for (const auto& stream : fresh->elements)
            if (stream.elements.size() == 2)
                for (const auto& e : stream.elements[1].elements) take(s, e);
        const auto& claimed = replies[static_cast<std::size_t>(2 * s + 1)];
        if (!claimed) co_return claimed.error();
        // XAUTOCLAIM: [next, [entries...], [deleted ids]]
        if (claimed->elements.size() >= 2)
            for (const auto& e : claimed->elements[1].elements) take(s, e);
    }
    co_return out;
}

Awaitable<Result<void>> RedisStore::ack_outbox(const OutboxEntry& entry) {
    const std::string key = keys_.outbox(entry.shard);
    auto replies = co_await client_->all(
        calls_of(Call::cmd(key, command_of("XACK", key, kOutboxGroup, entry.id)),
                 Call::cmd(key, command_of("XDEL", key, entry.id))));
    if (any_failed(replies)) co_return first_error(replies);
    co_return engine::Ok{};
}

}  // namespace accord::redis
