// RedisStore: a step becomes one call of commit.lua (its operations planned here, from the
// instance before and after), reads are pipelined over the shards and merged.
#include "accord/redis/redis_store.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>
#include <unordered_map>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "accord/engine/cross_instance.hpp"
#include "accord/engine/json_text.hpp"
#include "accord/engine/notices.hpp"
#include "accord/engine/validator.hpp"
#include "codec.hpp"
#include "dictionaries.hpp"
#include "scripts.hpp"

namespace accord::redis {

using engine::ErrorCode;
using engine::json;
using engine::make_error;
using engine::Step;

namespace {

constexpr TimeMs kNoDue = QueuePosition::kNoDue;  // tasks without a deadline sort last

// A sorted set's score as Redis prints it ("1733000000000", but "9e+18" for kNoDue).
TimeMs parse_score(const std::string& text) {
    return static_cast<TimeMs>(std::llround(std::strtod(text.c_str(), nullptr)));
}

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
        for (const auto& role : t.escalated_to)
            if (role != t.role) out.push_back({keys.role_queue(shard, role), t.id, score});
        if (!t.assignee.empty())
            out.push_back({keys.assignee_queue(shard, t.assignee), t.id, score});
        if (!t.claimed_by.empty() && t.claimed_by != t.assignee)
            out.push_back({keys.assignee_queue(shard, t.claimed_by), t.id, score});
    }
    // One timer entry per instance, at its earliest pending timer: firing it fires every
    // timer of the instance that is due, and its commit moves the entry to the next one.
    if (const TimeMs next = inst.next_timer_due(); next != 0)
        out.push_back({keys.timers(shard), inst.id, next});
    return out;
}

// commit.lua's arguments: KEYS numbered as they are first named; the operations, each a letter
// and its key's index in two bytes; their arguments in order after them.
class Plan {
public:
    Plan(std::string instance_key, std::string history_key) {
        keys_.push_back(std::move(instance_key));
        keys_.push_back(std::move(history_key));
    }
    // The guards, then the check's end, then the rest.
    void idempotency(std::string k, std::chrono::seconds ttl) {
        op('I', std::move(k));
        values_.push_back(std::to_string(ttl.count()));
    }
    void business_key(std::string k, std::string field, std::string owner) {
        op('B', std::move(k));
        values_.push_back(std::move(field));
        values_.push_back(std::move(owner));
    }
    // The last index, in the stored value, of the head the commit expects.
    void check_end(std::size_t last) { values_.push_back(std::to_string(last)); }
    void zadd(std::string k, TimeMs score, const std::string& member) {
        op('Z', std::move(k));
        values_.push_back(std::to_string(score));
        values_.push_back(member);
    }
    void zrem(std::string k, const std::string& member) {
        op('R', std::move(k));
        values_.push_back(member);
    }
    // A completed task, listed by the `done` calls after it: LPUSH of "<closed_at> <history
    // entry id> <rest>" (the id is the commit's own, known only in the script), keeping the
    // `keep` newest, the latest time trimmed in the hash `since`.
    void listed(std::string since, TimeMs closed_at, std::size_t keep, std::string rest) {
        op('L', std::move(since));
        values_.push_back(std::to_string(closed_at));
        values_.push_back(std::to_string(keep));
        values_.push_back(std::move(rest));
    }
    void done(std::string list) { op('D', std::move(list)); }
    // A task closed by this commit: the instance's index of closed tasks maps its id, relative
    // to the instance (".t3"), to this commit's history entry.
    void closed(std::string index, std::string_view task) {
        op('C', std::move(index));
        values_.emplace_back(task);
    }
    // The feed's entry; `maxlen` 0: not trimmed this time.
    void xadd(std::string k, std::size_t maxlen, std::string entry) {
        op(maxlen == 0 ? 'X' : 'Y', std::move(k));
        if (maxlen != 0) values_.push_back(std::to_string(maxlen));
        values_.push_back(std::move(entry));
    }
    // An outbox entry: kind, effect id (the receiver's idempotency key), payload.
    void outbox(std::string k, std::string_view kind, std::string effect_id, std::string payload) {
        op('O', std::move(k));
        values_.emplace_back(kind);
        values_.push_back(std::move(effect_id));
        values_.push_back(std::move(payload));
    }
    // Whether every key's index fits its two bytes.
    bool fits() const { return keys_.size() <= 0xFFFF; }
    std::vector<std::string>& keys() { return keys_; }
    std::string& ops() { return ops_; }
    std::vector<std::string>& values() { return values_; }

private:
    std::size_t key(std::string k) {
        for (std::size_t i = 0; i < keys_.size(); ++i)
            if (keys_[i] == k) return i + 1;
        keys_.push_back(std::move(k));
        return keys_.size();
    }
    void op(char letter, std::string k) {
        const std::size_t index = key(std::move(k));
        ops_ += letter;
        ops_ += static_cast<char>((index >> 8) & 0xFF);
        ops_ += static_cast<char>(index & 0xFF);
    }
    std::vector<std::string> keys_;
    std::string ops_;
    std::vector<std::string> values_;
};

// What the feed says of a task: enough to show and sort it in a list of pending actions
// (its description, form and fields are one GET /tasks/{id} away). The instance and workflow
// are the feed entry's, added back by read_feed.
void write_task_summary(engine::JsonWriter& w, const Task& t) {
    w.object().str("id", t.id).str("state", t.state).str("role", t.role);
    engine::write_text(w, "title", t.title);
    w.str("status", engine::to_string(t.status));
    if (!t.unit.empty()) w.str("unit", t.unit);
    w.strings_if_any("escalated_to", t.escalated_to);
    w.strings_if_any("escalated_units", t.escalated_units);
    if (!t.assignee.empty()) w.str("assignee", t.assignee);
    if (!t.deputy.empty()) w.str("deputy", t.deputy);
    if (t.personal) w.flag("personal", true);
    w.strings_if_any("excluded", t.excluded);
    if (t.due_at != 0) w.num("due_at", t.due_at);
    if (!t.claimed_by.empty()) w.str("claimed_by", t.claimed_by);
    if (!t.claimed_for.empty()) w.str("claimed_for", t.claimed_for);
    if (t.claim_until != 0) w.num("claim_until", t.claim_until);
    if (!t.outcome.empty()) w.str("outcome", t.outcome);
    if (!t.closed_by.empty()) w.str("closed_by", t.closed_by);
    if (!t.closed_for.empty()) w.str("closed_for", t.closed_for);
    w.end_object();
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
// The task an effect of `step` names, as the step left it: in the instance, opened by the step,
// or (a task of the state it left) in the instance before.
const Task* task_as_left(const Step& step, const Instance* before, std::string_view id) {
    if (const Task* t = step.instance.find_task(id)) return t;
    for (const auto& effect : step.effects)
        if (const auto* o = std::get_if<engine::TaskOpened>(&effect); o && o->task.id == id)
            return &o->task;
    return before != nullptr ? before->find_task(id) : nullptr;
}

// One effect in the history entry. In the instance's own history its task and timer ids are
// relative (".t5"). A closed task is recorded whole, where it stays findable once its state is
// left, without the fields and comment that the entry's detail already holds.
void record_effect(engine::JsonWriter& w, const engine::Effect& effect, std::string_view task_id,
                   const Task* closed, const engine::HistoryEntry& history,
                   const std::string& instance_id) {
    w.object().str("type", engine::effect_type(effect));
    if (closed != nullptr) {
        Task recorded = *closed;
        const json& detail = history.detail;
        if (detail.is_object() && detail.value("task", "") == recorded.id &&
            detail.contains("fields") && detail["fields"] == recorded.fields &&
            detail.value("comment", "") == recorded.comment) {
            recorded.fields = json();
            recorded.comment.clear();
        }
        w.key("task");
        engine::write_json(w, recorded, instance_id);
    } else if (!task_id.empty()) {
        w.str("task", engine::relative_id(task_id, instance_id));
    }
    engine::write_members(w, effect, &instance_id);
    w.end_object();
}

// Whether people may be waiting for this effect: task changes, reminders, the end of an
// instance. (Notifications reach the feed once delivered, named for each person: Notices.)
bool for_the_feed(const engine::Effect& effect) {
    const std::string_view type = engine::effect_type(effect);
    return type.starts_with("task.") || type == "reminder" || type == "instance.finished";
}

// One event of the commit's feed entry, with a summary of the task it concerns.
void feed_event(engine::JsonWriter& w, const engine::Effect& effect, std::string_view task_id,
                const Task* task, const Instance& inst) {
    w.object().str("type", engine::effect_type(effect));
    if (task != nullptr) {
        w.key("task");
        write_task_summary(w, *task);
    } else if (!task_id.empty()) {
        w.str("task", task_id);
    }
    engine::write_members(w, effect);
    if (std::holds_alternative<engine::InstanceFinished>(effect)) {
        w.key("instance").object().str("id", inst.id).str("workflow", inst.workflow);
        w.str("status", engine::to_string(inst.status)).str("outcome", inst.outcome);
        w.end_object();
    }
    w.end_object();
}

// The outbox entry an effect makes, if any: its kind and payload (work for another instance,
// engine::cross_instance_effect, or a notice for people, engine::notice_of).
std::optional<std::pair<std::string_view, json>> outbox_entry(const engine::Effect& effect,
                                                              const Instance& inst) {
    using Out = std::pair<std::string_view, json>;
    if (auto cross = engine::cross_instance_effect(effect, inst))
        return Out{cross->kind_name(), cross->payload()};
    if (auto notice = engine::notice_of(effect, inst)) return Out{"notify", to_json(*notice)};
    return std::nullopt;
}

// timer_index.lua's arguments. Built outside the coroutine: GCC 12 relocates the std::string
// temporary of a conditional inside a co_await expression by its bytes, so that a short one
// (kept in the string itself) points into the coroutine frame it was made in.
Command timer_index_args(std::uint64_t revision, const std::string& instance_id, TimeMs earliest) {
    return command_of(std::to_string(revision), instance_id,
                      earliest == 0 ? std::string() : std::to_string(earliest));
}

// next_timer.lua's replies, one per shard, merged. Built outside the coroutine: GCC 12 destroys
// aggregate temporaries with defaulted members twice inside coroutine bodies.
NextTimers merge_next_timers(const std::vector<Result<Reply>>& replies) {
    // A claimed entry's score is its lease's end plus 0.5: claim_due.lua hands it out again
    // from the next whole millisecond.
    auto entry = [](const Reply& id, const Reply& score) {
        const double value = std::strtod(score.str.c_str(), nullptr);
        const double whole = std::floor(value);
        DueTimer t;
        t.instance_id = id.str;
        t.due_at = static_cast<TimeMs>(whole) + (whole == value ? 0 : 1);
        return t;
    };
    NextTimers out;
    for (const auto& r : replies) {
        const auto& e = r->elements;
        if (e.size() >= 2 && e[0].type == Reply::Type::string) {
            DueTimer t = entry(e[0], e[1]);
            if (!out.earliest || t.due_at < out.earliest->due_at) out.earliest = std::move(t);
        }
        for (std::size_t i = 2; i + 1 < e.size(); i += 2)
            out.claimed.push_back(entry(e[i], e[i + 1]));
    }
    return out;
}

const std::string* field_of(const Reply& entry, std::string_view field) {
    if (entry.elements.size() < 2) return nullptr;
    const auto& kv = entry.elements[1].elements;
    for (std::size_t i = 0; i + 1 < kv.size(); i += 2)
        if (kv[i].str == field) return &kv[i + 1].str;
    return nullptr;
}

Result<Task> task_in_document(std::string_view doc, const std::string& task_id,
                              const Dictionaries& dictionaries) {
    std::string buffer;
    auto text = codec::decode(doc, buffer, dictionaries);
    if (!text) return text.error();
    json j = json::parse(*text, nullptr, false);
    if (j.is_discarded()) return make_error(ErrorCode::storage_error, "malformed stored instance");
    return engine::stored_task(j, task_id);
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

struct RedisStore::Worker {
    boost::asio::thread_pool pool{1};
    ~Worker() { pool.join(); }

    // Trains on the worker's thread; the awaiting coroutine resumes on its own executor (the
    // answer is posted back there: nothing of the store is touched on the worker's thread).
    Awaitable<std::string> run(Dictionaries::Learning learning) {
        return boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(std::string)>(
            [this](auto handler, Dictionaries::Learning work) {
                auto home = boost::asio::get_associated_executor(handler);
                boost::asio::post(
                    pool, [handler = std::move(handler), work = std::move(work), home]() mutable {
                        std::string made = Dictionaries::train(work);
                        boost::asio::post(
                            home, [handler = std::move(handler), made = std::move(made)]() mutable {
                                std::move(handler)(std::move(made));
                            });
                    });
            },
            boost::asio::use_awaitable, std::move(learning));
    }
};

RedisStore::RedisStore(std::shared_ptr<Client> client, StoreOptions options)
    : client_(std::move(client)),
      options_(std::move(options)),
      keys_(options_.prefix, options_.shards),
      dictionaries_(
          std::make_unique<Dictionaries>(options_.dictionaries ? options_.compression_level : 0)) {}

RedisStore::~RedisStore() = default;

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
    auto stored = co_await store_definition(std::move(def));
    if (!stored) co_return stored.error();
    co_return engine::Ok{};
}

Awaitable<Result<bool>> RedisStore::store_definition(DefinitionPtr def) {
    auto r = co_await client_->eval(
        scripts::put_definition(),
        command_of(keys_.definition_names(), keys_.definition_versions(def->name),
                   keys_.definition_latest()),
        command_of(def->name, std::to_string(def->version),
                   engine::json_text(def->ordered_source)));
    if (!r) co_return r.error();
    bool conflict = r->str == "conflict";
    if (conflict) {
        // The same document in another order of members (as stored before definitions kept
        // their author's order) is the same definition.
        const std::string versions = keys_.definition_versions(def->name);
        auto prior = co_await client_->command(
            versions, command_of("HGET", versions, std::to_string(def->version)));
        if (!prior) co_return prior.error();
        conflict = json::parse(prior->str, nullptr, false) != def->source;
    }
    if (conflict)
        co_return make_error(ErrorCode::conflict,
                             "workflow " + def->name + " version " + std::to_string(def->version) +
                                 " exists with a different body; publish a new version");
    definitions_[{def->name, def->version}] = def;
    auto& latest = latest_[def->name];
    latest.version = std::max(latest.version, def->version);
    // A version stored before may have a dictionary already. Without Redis's answer the
    // node learns one itself, and adopts whichever was stored first.
    co_await adopt_dictionary(*def, {});
    co_return r->str == "stored";
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
    co_await adopt_dictionary(*loaded.definition, {});
    co_return loaded.definition;
}

// ---- dictionaries --------------------------------------------------------------------------

namespace {

// The dictionaries that records in `reply` (at any depth) were compressed with and that
// `known` lacks.
void unknown_dictionaries(const Reply& reply, const Dictionaries& known,
                          std::vector<unsigned>& out) {
    if (reply.type == Reply::Type::string) {
        const unsigned id = dictionary_of(reply.str);
        if (id != 0 && known.find(id) == nullptr &&
            std::find(out.begin(), out.end(), id) == out.end())
            out.push_back(id);
    }
    for (const auto& e : reply.elements) unknown_dictionaries(e, known, out);
}

// put_dictionary.lua's arguments. Built outside the coroutine (see timer_index_args).
Command put_dictionary_args(const engine::Definition& def, unsigned id, std::string bytes) {
    return command_of(def.name + ' ' + std::to_string(def.version),
                      id == 0 ? std::string() : std::to_string(id), std::move(bytes));
}

}  // namespace

Awaitable<Result<void>> RedisStore::know_dictionaries(const Reply& reply) {
    std::vector<unsigned> ids;
    unknown_dictionaries(reply, *dictionaries_, ids);
    co_return co_await fetch_dictionaries(std::move(ids));
}

Awaitable<Result<void>> RedisStore::know_dictionaries(const std::vector<Result<Reply>>& replies) {
    std::vector<unsigned> ids;
    for (const auto& r : replies)
        if (r) unknown_dictionaries(*r, *dictionaries_, ids);
    co_return co_await fetch_dictionaries(std::move(ids));
}

// A dictionary that is not stored (a record forged, or from another keyspace) is no error
// here: decoding the record says what is wrong.
Awaitable<Result<void>> RedisStore::fetch_dictionaries(std::vector<unsigned> ids) {
    if (ids.empty()) co_return engine::Ok{};
    const std::string key = keys_.dictionaries();
    Command get = command_of("HMGET", key);
    for (unsigned id : ids) get.push_back(std::to_string(id));
    auto r = co_await client_->command(key, std::move(get));
    if (!r) co_return r.error();
    for (std::size_t i = 0; i < r->elements.size() && i < ids.size(); ++i) {
        if (r->elements[i].type != Reply::Type::string) continue;
        auto d = Dictionary::make(std::move(r->elements[i].str), dictionaries_->level());
        if (d && d->id() == ids[i]) dictionaries_->add(std::move(d));
    }
    co_return engine::Ok{};
}

// Stores `learned` as the version's dictionary unless it has one (empty: only looks), and
// adopts what is stored. Failing leaves the version without one: records are then compressed
// without it, which every reader takes as well.
Awaitable<Result<void>> RedisStore::adopt_dictionary(const engine::Definition& def,
                                                     std::string learned) {
    if (dictionaries_->level() == 0) co_return engine::Ok{};
    const unsigned id = learned.empty() ? 0 : dictionary_id(learned);
    Command args = put_dictionary_args(def, id, std::move(learned));
    auto r = co_await client_->eval(scripts::put_dictionary(),
                                    command_of(keys_.dictionaries(), keys_.version_dictionaries()),
                                    std::move(args));
    if (!r) {
        dictionaries_->forget_learning(def.name, def.version);
        co_return r.error();
    }
    if (r->elements.size() == 2 && r->elements[1].type == Reply::Type::string) {
        if (auto d = Dictionary::make(std::move(r->elements[1].str), dictionaries_->level())) {
            dictionaries_->adopt(def.name, def.version, std::move(d));
            co_return engine::Ok{};
        }
    }
    if (id != 0) dictionaries_->give_up(def.name, def.version);  // a collision, or unusable
    co_return engine::Ok{};
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

Awaitable<Result<std::vector<int>>> RedisStore::definition_versions(std::string name) {
    const std::string key = keys_.definition_versions(name);
    auto r = co_await client_->command(key, command_of("HKEYS", key));
    if (!r) co_return r.error();
    std::vector<int> out;
    for (const auto& e : r->elements) out.push_back(std::atoi(e.str.c_str()));
    if (out.empty()) co_return make_error(ErrorCode::not_found, "no workflow " + name);
    std::sort(out.begin(), out.end());
    co_return out;
}

Awaitable<Result<std::optional<std::string>>> RedisStore::find_by_key(std::string workflow,
                                                                      std::string key) {
    const std::string index = keys_.business_keys(keys_.shard_of_key(workflow, key));
    auto r = co_await client_->command(index, command_of("HGET", index, workflow + '\x1f' + key));
    if (!r) co_return r.error();
    if (r->is_nil()) co_return std::optional<std::string>();
    co_return std::optional<std::string>(std::move(r->str));
}

Awaitable<Result<std::vector<InstancePosition>>> RedisStore::list_instances(
    std::vector<std::string> workflows, std::optional<InstancePosition> before, std::size_t limit) {
    // Each shard's index from `before`'s time down, merged; the entries of that very
    // millisecond at or above `before` were on earlier pages.
    const std::string max = before ? std::to_string(before->created_at) : "+inf";
    std::vector<Call> calls;
    for (const auto& w : workflows)
        for (int s = 0; s < keys_.shards(); ++s) {
            const std::string key = keys_.workflow_instances(s, w);
            calls.push_back(
                Call::cmd(key, command_of("ZREVRANGEBYSCORE", key, max, "-inf", "WITHSCORES",
                                          "LIMIT", "0", std::to_string(limit))));
        }
    auto replies = co_await client_->all(std::move(calls));
    if (any_failed(replies)) co_return first_error(replies);
    std::vector<InstancePosition> out;
    for (const auto& r : replies)
        for (std::size_t i = 0; i + 1 < r->elements.size(); i += 2) {
            InstancePosition p{parse_score(r->elements[i + 1].str), r->elements[i].str};
            if (before && p >= *before) continue;
            out.push_back(std::move(p));
        }
    std::sort(out.begin(), out.end(), std::greater<>());
    if (out.size() > limit) out.resize(limit);
    co_return out;
}

// ---- instances -----------------------------------------------------------------------------

Awaitable<Result<StoredInstance>> RedisStore::parse_stored(const std::string& stored) {
    std::uint64_t revision = 0;
    std::string_view head, doc;
    if (!split_stored(stored, revision, head, doc))
        co_return make_error(ErrorCode::storage_error, "malformed stored instance");
    if (const unsigned id = dictionary_of(doc); id != 0 && dictionaries_->find(id) == nullptr) {
        std::vector<unsigned> ids(1, id);  // (no braced list in a co_await: GCC 12)
        if (auto known = co_await fetch_dictionaries(std::move(ids)); !known)
            co_return known.error();
    }
    std::string buffer;
    auto text = codec::decode(doc, buffer, *dictionaries_);
    if (!text) co_return text.error();
    json j = json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        co_return make_error(ErrorCode::storage_error, "malformed stored instance document");
    auto def = co_await definition(j.value("workflow", ""), j.value("version", 0));
    if (!def) co_return def.error();
    auto inst = engine::instance_from_json(j, **def);
    if (!inst) co_return inst.error();
    if (inst->revision != revision)
        co_return make_error(ErrorCode::storage_error, "stored instance revision disagrees");
    co_return StoredInstance{std::move(inst).value(), std::string(head)};
}

Awaitable<Result<std::optional<Instance>>> RedisStore::idempotent_result(std::string scope,
                                                                         std::string key,
                                                                         int shard) {
    const std::string k = keys_.idempotency(shard, scope, key);
    auto r = co_await client_->command(k, command_of("GET", k));
    if (!r) co_return r.error();
    if (r->is_nil()) co_return std::optional<Instance>();
    auto first = co_await parse_stored(r->str);
    if (!first) co_return first.error();
    co_return std::optional<Instance>(std::move(first->instance));
}

Awaitable<Result<StoredInstance>> RedisStore::load_stored(std::string id) {
    const std::string key = keys_.instance(id);
    auto r = co_await client_->command(key, command_of("GET", key));
    if (!r) co_return r.error();
    if (r->is_nil()) co_return make_error(ErrorCode::not_found, "no instance " + id);
    co_return co_await parse_stored(r->str);
}

Awaitable<Result<std::vector<std::optional<StoredInstance>>>> RedisStore::load_many(
    std::vector<std::string> ids) {
    std::vector<Call> calls;
    calls.reserve(ids.size());
    for (const auto& id : ids) {
        std::string key = keys_.instance(id);
        calls.push_back(Call::cmd(key, command_of("GET", key)));
    }
    auto replies = co_await client_->all(std::move(calls));
    std::vector<std::optional<StoredInstance>> out;
    out.reserve(replies.size());
    for (auto& r : replies) {
        if (!r) co_return r.error();
        if (r->is_nil()) {
            out.emplace_back();
            continue;
        }
        auto stored = co_await parse_stored(r->str);  // dictionaries and definitions cached
        if (!stored) co_return stored.error();
        out.emplace_back(std::move(stored).value());
    }
    co_return out;
}

Awaitable<Result<Instance>> RedisStore::load(std::string id) {
    auto stored = co_await load_stored(std::move(id));
    if (!stored) co_return stored.error();
    co_return std::move(stored->instance);
}

// commit.lua's KEYS and ARGV for a step. A plain function, not part of the coroutine that
// sends it (see command_of).
Result<RedisStore::PlannedCommit> RedisStore::plan_commit(const Step& step, const Instance* before,
                                                          const CommitOptions& opts,
                                                          std::string doc,
                                                          const std::string& before_head) {
    const Instance& inst = step.instance;
    const int shard = keys_.shard_of(inst.id);
    Plan plan(keys_.instance(inst.id), keys_.history(inst.id));
    if (!opts.idempotency_key.empty()) {
        const auto ttl =
            opts.idempotency_ttl.count() > 0 ? opts.idempotency_ttl : options_.idempotency_ttl;
        plan.idempotency(keys_.idempotency(shard, opts.idempotency_scope, opts.idempotency_key),
                         ttl);
    }
    if (before == nullptr && !inst.business_key.empty()) {
        if (keys_.shard_of_key(inst.workflow, inst.business_key) != shard)
            return make_error(ErrorCode::storage_error,
                              "instance " + inst.id + " is not on its business key's shard");
        plan.business_key(keys_.business_keys(shard), inst.workflow + '\x1f' + inst.business_key,
                          inst.id);
    }
    std::string expected;  // the stored value's head: "<revision> <hash> "
    if (before != nullptr) {
        expected = std::to_string(before->revision) + ' ' + before_head + ' ';
        plan.check_end(expected.size() - 1);
    }

    // Index memberships: what changed between the stored instance and the new one (a few
    // entries each: compared pairwise).
    {
        const std::vector<IndexEntry> old_entries =
            before ? index_entries(keys_, shard, *before) : std::vector<IndexEntry>{};
        const std::vector<IndexEntry> new_entries = index_entries(keys_, shard, inst);
        auto find = [](const std::vector<IndexEntry>& in, const IndexEntry& e) {
            for (const auto& x : in)
                if (x.member == e.member && x.key == e.key) return &x;
            return static_cast<const IndexEntry*>(nullptr);
        };
        for (const auto& e : old_entries)
            if (!find(new_entries, e)) plan.zrem(e.key, e.member);
        for (const auto& e : new_entries) {
            const IndexEntry* old = find(old_entries, e);
            if (old == nullptr || old->score != e.score) plan.zadd(e.key, e.score, e.member);
        }
    }
    if (before == nullptr)
        plan.zadd(keys_.workflow_instances(shard, inst.workflow), inst.created_at, inst.id);

    // Each effect goes into the history entry; the feed gets every change a person may wait
    // for, all of one commit in one entry; work for other instances goes to the outbox. Both
    // texts are written straight from the structs.
    const std::string rev = std::to_string(inst.revision);
    std::string entry;
    entry.reserve(512);
    engine::JsonWriter hw(entry);
    hw.object();
    engine::write_members(hw, step.history);
    hw.num("revision", inst.revision).key("effects").array();
    std::string feed;
    engine::JsonWriter fw(feed);
    int n = 0;
    for (const auto& effect : step.effects) {
        ++n;
        const std::string_view task_id = engine::effect_task(effect);
        const Task* task = task_id.empty() ? nullptr : task_as_left(step, before, task_id);
        std::optional<Task> closed;
        if (const auto* c = std::get_if<engine::TaskClosed>(&effect); c && task) {
            task = &closed.emplace(engine::closed_task(*task, *c, inst.updated_at));
            plan.closed(keys_.closed_tasks(inst.id), engine::relative_id(closed->id, inst.id));
            if (c->status == engine::TaskStatus::completed && options_.done_kept > 0) {
                // Listed as done by its closer and for its role: the task itself is read back
                // from this commit's history entry. The workflow is left out when the instance
                // id begins with it ("<workflow>-<random>", and children of the same workflow).
                std::string rest = closed->id + ' ';
                if (!inst.id.starts_with(inst.workflow + '-')) rest += inst.workflow;
                plan.listed(keys_.done_since(shard), closed->closed_at, options_.done_kept,
                            std::move(rest));
                for (bool by_role : {false, true}) {
                    const std::string& name = by_role ? closed->role : closed->closed_by;
                    if (name.empty()) continue;
                    plan.done(keys_.done_list(shard, Keyspace::done_field(by_role, name)));
                }
            }
        }
        record_effect(hw, effect, task_id, closed ? &*closed : nullptr, step.history, inst.id);
        if (auto out = outbox_entry(effect, inst))
            plan.outbox(keys_.outbox(shard), out->first,
                        inst.id + "@" + rev + "." + std::to_string(n), dump(out->second));
        if (!for_the_feed(effect)) continue;
        if (feed.empty()) {
            feed.reserve(512);
            fw.object().num("at", inst.updated_at).str("instance", inst.id);
            fw.str("workflow", inst.workflow).key("events").array();
        }
        feed_event(fw, effect, task_id, task, inst);
    }
    hw.end_array().end_object();
    if (!feed.empty()) fw.end_array().end_object();
    // For webhooks, the events as the outside world sees them, in the same commit, when one
    // of them is of a type some webhook wants.
    if (!feed.empty() && feed_to_outbox_ &&
        std::any_of(step.effects.begin(), step.effects.end(), [&](const engine::Effect& e) {
            return for_the_feed(e) && feed_to_outbox_(engine::effect_type(e));
        }))
        plan.outbox(keys_.outbox(shard), "feed", inst.id + "@" + rev + ".feed", feed);

    // The document and the entries as kept (codec): with the version's dictionary, or else
    // zstd frames at the configured levels (the feed's entry as JSON) while the records are
    // sampled to learn one.
    if (const Dictionary* dict = dictionaries_->of_version(inst.workflow, inst.version)) {
        doc = codec::encode(std::move(doc), *dict);
        entry = codec::encode(std::move(entry), *dict);
        if (!feed.empty()) feed = codec::encode(std::move(feed), *dict);
    } else {
        if (dictionaries_->wants_samples(inst.workflow, inst.version))
            dictionaries_->sample(inst.workflow, inst.version,
                                  step.history.from_state + '>' + step.history.to_state,
                                  {doc, entry, feed});
        doc = codec::encode(std::move(doc), options_.compression_level);
        entry = codec::encode(std::move(entry), options_.history_compression_level);
    }
    if (!feed.empty()) {
        // Trimmed with one add in kFeedTrimEvery of this node's to the shard's feed (from the
        // first), which keeps the stream near its length and most commits shorter.
        if (feed_adds_.size() <= static_cast<std::size_t>(shard)) feed_adds_.resize(shard + 1);
        const bool trim = feed_adds_[shard]++ % kFeedTrimEvery == 0;
        plan.xadd(keys_.feed(shard), trim ? options_.feed_max_length : 0, std::move(feed));
    }

    // The history chain: this entry's hash covers the previous hash and the entry as kept, so
    // that an entry changed or removed later shows.
    std::string hash = sha1_hex(before_head + entry);
    if (!plan.fits())
        return make_error(ErrorCode::storage_error,
                          "a commit of instance " + inst.id + " names too many keys");
    std::string stored;
    stored.reserve(rev.size() + hash.size() + doc.size() + 2);
    stored.append(rev).append(1, ' ').append(hash).append(1, ' ').append(doc);
    std::vector<std::string> args;
    args.reserve(5 + plan.values().size());
    args.push_back(std::move(expected));
    args.push_back(std::move(hash));
    args.push_back(std::move(stored));
    args.push_back(std::move(entry));
    args.push_back(std::move(plan.ops()));
    for (auto& v : plan.values()) args.push_back(std::move(v));
    return PlannedCommit{std::move(plan.keys()), std::move(args)};
}

Awaitable<Result<CommitOutcome>> RedisStore::commit(const engine::Definition& def, const Step& step,
                                                    const Instance* before, std::string before_head,
                                                    const CommitOptions& opts) {
    const Instance& inst = step.instance;
    auto planned = plan_commit(step, before, opts, engine::instance_text(inst, def), before_head);
    if (!planned) co_return planned.error();
    auto r = co_await client_->eval(scripts::commit(), std::move(planned->keys),
                                    std::move(planned->args));
    if (!r) co_return r.error();
    if (r->type != Reply::Type::array || r->elements.empty())
        co_return make_error(ErrorCode::storage_error, "commit: unexpected reply");
    const std::string& status = r->elements[0].str;
    CommitOutcome out;
    if (status == "ok") {
        out.history_id = r->elements.size() > 1 ? r->elements[1].str : "";
        out.head = r->elements.size() > 2 ? r->elements[2].str : "";
        if (dictionaries_->ready(inst.workflow, inst.version)) {
            // Enough of the version's records seen: learn its dictionary, once per node. The
            // training (a few ms of CPU) runs on a worker thread, so that the thread serving
            // requests goes on meanwhile; only this one input waits for it.
            if (!worker_) worker_ = std::make_unique<Worker>();
            std::string learned = co_await worker_->run(dictionaries_->take_samples(
                inst.workflow, inst.version, engine::json_text(def.source)));
            if (learned.empty())
                dictionaries_->give_up(inst.workflow, inst.version);
            else
                co_await adopt_dictionary(def, std::move(learned));
        }
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
        out.current = std::move(current->instance);
        out.head = std::move(current->head);
        co_return out;
    }
    if (status == "dup") {
        // The idempotency key's value is what the first commit stored.
        out.status = CommitOutcome::Status::duplicate;
        auto first = co_await parse_stored(r->elements.at(1).str);
        if (!first) co_return first.error();
        out.current = std::move(first->instance);
        co_return out;
    }
    co_return make_error(ErrorCode::storage_error, "commit: unexpected status " + status);
}

// ---- tasks and timers ----------------------------------------------------------------------

namespace {

// A closed task as the history recorded it: the newest task.completed or task.cancelled effect
// that names it, in a page of entries newest first.
std::optional<Task> closed_task_in(const Reply& page, const std::string& task_id,
                                   const std::string& instance_id, const std::string& workflow,
                                   const Dictionaries& dictionaries) {
    const std::string_view relative = engine::relative_id(task_id, instance_id);
    std::string buffer;
    for (const auto& e : page.elements) {
        const std::string* stored = field_of(e, "e");
        if (stored == nullptr) continue;
        auto text = codec::decode(*stored, buffer, dictionaries);
        if (!text || text->find(relative) == std::string_view::npos) continue;
        json entry = json::parse(*text, nullptr, false);
        if (entry.is_discarded()) continue;
        for (const auto& effect : entry.value("effects", json::array())) {
            auto t = effect.find("task");
            if (t == effect.end() || !t->is_object() ||
                engine::absolute_id(t->value("id", ""), instance_id) != task_id)
                continue;
            auto task = engine::task_from_json(*t, instance_id, workflow);
            if (!task) continue;
            // Fields and comment left to the entry's detail (see plan_commit).
            const json detail = entry.value("detail", json::object());
            if (!t->contains("fields") && detail.is_object() &&
                detail.value("task", "") == task_id) {
                task->fields = detail.value("fields", json());
                task->comment = detail.value("comment", "");
            }
            return std::move(task).value();
        }
    }
    return std::nullopt;
}

}  // namespace

namespace {

// find_task's calls: the instance, and where its closed task is in the history. Built outside
// the coroutine (GCC 12 and aggregate temporaries in coroutine bodies).
std::vector<Call> instance_and_closed_entry(const Keyspace& keys, const std::string& inst,
                                            const std::string& task_id) {
    const std::string key = keys.instance(inst), index = keys.closed_tasks(inst);
    std::vector<Call> calls;
    calls.push_back(Call::cmd(key, command_of("GET", key)));
    calls.push_back(Call::cmd(
        index, command_of("HGET", index, std::string(engine::relative_id(task_id, inst)))));
    return calls;
}

}  // namespace

Awaitable<Result<Task>> RedisStore::find_task(std::string task_id) {
    const std::string inst(Keyspace::instance_of(task_id));
    // One round trip for an open task or a closed one indexed (closed_tasks), a second for the
    // closing history entry.
    auto replies = co_await client_->all(instance_and_closed_entry(keys_, inst, task_id));
    for (const auto& r : replies)
        if (!r) co_return r.error();
    const Reply& stored = *replies[0];
    if (stored.is_nil()) co_return make_error(ErrorCode::task_not_found, "no task " + task_id);
    if (auto known = co_await know_dictionaries(stored); !known) co_return known.error();
    std::uint64_t revision = 0;
    std::string_view head, doc;
    if (!split_stored(stored.str, revision, head, doc))
        co_return make_error(ErrorCode::storage_error, "malformed stored instance");
    std::string buffer;
    auto text = codec::decode(doc, buffer, *dictionaries_);
    if (!text) co_return text.error();
    const json document = json::parse(*text, nullptr, false);
    if (!document.is_object())
        co_return make_error(ErrorCode::storage_error, "malformed stored instance document");
    if (auto t = engine::stored_task(document, task_id);
        t || t.error().code != ErrorCode::task_not_found)
        co_return t;
    const std::string workflow = document.value("workflow", "");
    const std::string history = keys_.history(inst);
    if (const Reply& at = *replies[1]; at.type == Reply::Type::string) {
        auto entry =
            co_await client_->command(history, command_of("XRANGE", history, at.str, at.str));
        if (!entry) co_return entry.error();
        if (auto known = co_await know_dictionaries(*entry); !known) co_return known.error();
        if (auto task = closed_task_in(entry.value(), task_id, inst, workflow, *dictionaries_))
            co_return std::move(*task);
    }
    // Closed before the index was kept (or not at all): the history, newest first.
    std::string from = "+";
    while (true) {
        auto page = co_await client_->command(
            history, command_of("XREVRANGE", history, from, "-", "COUNT", "200"));
        if (!page) co_return page.error();
        if (auto known = co_await know_dictionaries(*page); !known) co_return known.error();
        if (auto task = closed_task_in(page.value(), task_id, inst, workflow, *dictionaries_))
            co_return std::move(*task);
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
                                    const std::string& person, TimeMs now,
                                    const Dictionaries& dictionaries) {
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
            auto t = task_in_document(doc, e[i].str, dictionaries);
            if (!t || !t->is_open()) continue;
            if (!person.empty() && t->assignee != person && !t->claim_holds(now)) continue;
            ranked.push_back({parse_score(e[i + 1].str), e[i].str, std::move(t).value()});
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
                                   std::size_t limit, const std::optional<QueuePosition>& after) {
    std::vector<Call> calls;
    const std::string min = after ? std::to_string(after->score) : "-inf";
    const std::string after_id = after ? after->task_id : std::string();
    for (int s = 0; s < keys.shards(); ++s)
        calls.push_back(
            Call::eval(scripts::open_tasks(),
                       {by_role ? keys.role_queue(s, who) : keys.assignee_queue(s, who)},
                       {min, std::to_string(limit), keys.instance_prefix(s), after_id}));
    return calls;
}

}  // namespace

Awaitable<Result<std::vector<Task>>> RedisStore::open_tasks_for_role(
    std::string role, std::size_t limit, std::optional<QueuePosition> after) {
    std::vector<TaskQueue> queues(1, TaskQueue{true, std::move(role)});
    auto pages = co_await open_tasks_of(std::move(queues), limit, 0, std::move(after));
    if (!pages) co_return pages.error();
    co_return std::move(pages->front());
}

Awaitable<Result<std::vector<Task>>> RedisStore::open_tasks_for_assignee(
    std::string person, std::size_t limit, TimeMs now, std::optional<QueuePosition> after) {
    std::vector<TaskQueue> queues(1, TaskQueue{false, std::move(person)});
    auto pages = co_await open_tasks_of(std::move(queues), limit, now, std::move(after));
    if (!pages) co_return pages.error();
    co_return std::move(pages->front());
}

Awaitable<Result<std::vector<std::vector<Task>>>> RedisStore::open_tasks_of(
    std::vector<TaskQueue> queues, std::size_t limit, TimeMs now,
    std::optional<QueuePosition> after) {
    std::vector<Call> calls;
    for (const auto& q : queues)
        for (auto& c : queue_page_calls(keys_, q.by_role, q.name, limit, after))
            calls.push_back(std::move(c));
    auto replies = co_await client_->all(std::move(calls));
    if (any_failed(replies)) co_return first_error(replies);
    if (auto known = co_await know_dictionaries(replies); !known) co_return known.error();
    std::vector<std::vector<Task>> out;
    const auto shards = static_cast<std::size_t>(keys_.shards());
    for (std::size_t q = 0; q < queues.size(); ++q) {
        std::vector<Result<Reply>> one(std::make_move_iterator(replies.begin() + q * shards),
                                       std::make_move_iterator(replies.begin() + (q + 1) * shards));
        out.push_back(merge_queue_pages(one, limit,
                                        queues[q].by_role ? std::string() : queues[q].name,
                                        queues[q].by_role ? 0 : now, *dictionaries_));
    }
    co_return out;
}

Awaitable<Result<RedisStore::DonePage>> RedisStore::done_tasks(bool by_role, std::string name,
                                                               std::size_t limit,
                                                               std::optional<DonePosition> before) {
    // Each shard's whole list (at most 1.5 times done_kept), and the latest time trimmed
    // from it.
    const std::string field = Keyspace::done_field(by_role, name);
    std::vector<Call> calls;
    for (int s = 0; s < keys_.shards(); ++s) {
        const std::string list = keys_.done_list(s, field), since = keys_.done_since(s);
        calls.push_back(Call::cmd(list, command_of("LRANGE", list, "0", "-1")));
        calls.push_back(Call::cmd(since, command_of("HGET", since, field)));
    }
    auto all = co_await client_->all(std::move(calls));
    if (any_failed(all)) co_return first_error(all);
    // What a shard trimmed, up to its latest trimmed time, may be gone there while another
    // shard still lists that time: the page holds only what is later than every shard's.
    DonePage page;
    for (std::size_t s = 1; s < all.size(); s += 2)
        if (all[s]->type == Reply::Type::string)
            page.complete_since =
                std::max<TimeMs>(page.complete_since, std::atoll(all[s]->str.c_str()) + 1);
    // Members are "<closed_at> <history entry id> <task id> <workflow>", the workflow empty
    // when the instance id begins with it (and then the id up to its last '-': random parts
    // have none).
    struct Listed {
        DonePosition at;
        std::string entry, workflow;
    };
    std::vector<Listed> listed;
    for (std::size_t s = 0; s < all.size(); s += 2)
        for (const auto& e : all[s]->elements) {
            const std::string& member = e.str;
            const auto a = member.find(' '), b = member.find(' ', a + 1),
                       c = member.find(' ', b + 1);
            if (a == std::string::npos || b == std::string::npos || c == std::string::npos)
                continue;  // not ours: passed over
            Listed l{{std::atoll(member.c_str()), member.substr(b + 1, c - b - 1)},
                     member.substr(a + 1, b - a - 1),
                     member.substr(c + 1)};
            if ((before && l.at >= *before) || l.at.closed_at < page.complete_since) continue;
            listed.push_back(std::move(l));
        }
    std::sort(listed.begin(), listed.end(),
              [](const Listed& x, const Listed& y) { return y.at < x.at; });
    if (listed.size() > limit) listed.resize(limit);
    // Each task from the history entry of the commit that completed it: one XRANGE each.
    std::vector<Call> reads;
    for (const auto& l : listed) {
        const std::string history = keys_.history(std::string(Keyspace::instance_of(l.at.task_id)));
        reads.push_back(Call::cmd(history, command_of("XRANGE", history, l.entry, l.entry)));
    }
    auto entries = co_await client_->all(std::move(reads));
    if (any_failed(entries)) co_return first_error(entries);
    if (auto known = co_await know_dictionaries(entries); !known) co_return known.error();
    for (std::size_t i = 0; i < listed.size(); ++i) {
        const std::string inst(Keyspace::instance_of(listed[i].at.task_id));
        if (listed[i].workflow.empty()) listed[i].workflow = inst.substr(0, inst.rfind('-'));
        auto task = closed_task_in(*entries[i], listed[i].at.task_id, inst, listed[i].workflow,
                                   *dictionaries_);
        if (!task) continue;  // its history was trimmed or removed: nothing to show
        task->closed_at = listed[i].at.closed_at;
        page.tasks.push_back(std::move(*task));
    }
    co_return page;
}

Awaitable<Result<std::vector<std::size_t>>> RedisStore::role_queue_sizes(
    std::vector<std::string> roles) {
    std::vector<Call> calls;
    for (const auto& role : roles)
        for (int s = 0; s < keys_.shards(); ++s) {
            const std::string key = keys_.role_queue(s, role);
            calls.push_back(Call::cmd(key, command_of("ZCARD", key)));
        }
    auto replies = co_await client_->all(std::move(calls));
    if (any_failed(replies)) co_return first_error(replies);
    std::vector<std::size_t> out(roles.size(), 0);
    for (std::size_t i = 0; i < replies.size(); ++i)
        out[i / static_cast<std::size_t>(keys_.shards())] +=
            static_cast<std::size_t>(replies[i]->integer);
    co_return out;
}

Awaitable<Result<std::size_t>> RedisStore::instances_due(TimeMs now) {
    std::vector<Call> calls;
    for (int s = 0; s < keys_.shards(); ++s)
        calls.push_back(Call::cmd(
            keys_.timers(s), command_of("ZCOUNT", keys_.timers(s), "-inf", std::to_string(now))));
    auto replies = co_await client_->all(std::move(calls));
    if (any_failed(replies)) co_return first_error(replies);
    std::size_t n = 0;
    for (const auto& r : replies) n += static_cast<std::size_t>(r->integer);
    co_return n;
}

Awaitable<Result<std::size_t>> RedisStore::instances_with_timers() {
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
            DueTimer t;
            t.instance_id = r->elements[i].str;
            t.due_at = parse_score(r->elements[i + 1].str);
            out.push_back(std::move(t));
        }
    std::sort(out.begin(), out.end(),
              [](const DueTimer& a, const DueTimer& b) { return a.due_at < b.due_at; });
    co_return out;
}

Awaitable<Result<bool>> RedisStore::mend_timer_entry(std::string instance_id,
                                                     std::uint64_t revision, TimeMs earliest) {
    Command keys =
        command_of(keys_.instance(instance_id), keys_.timers(keys_.shard_of(instance_id)));
    Command args = timer_index_args(revision, instance_id, earliest);
    auto r = co_await client_->eval(scripts::timer_index(), std::move(keys), std::move(args));
    if (!r) co_return r.error();
    co_return r->integer == 1;
}

Awaitable<Result<std::optional<TimeMs>>> RedisStore::earliest_timer() {
    std::vector<Call> calls;
    for (int s = 0; s < keys_.shards(); ++s)
        calls.push_back(Call::cmd(keys_.timers(s),
                                  command_of("ZRANGE", keys_.timers(s), "0", "0", "WITHSCORES")));
    auto replies = co_await client_->all(std::move(calls));
    if (any_failed(replies)) co_return first_error(replies);
    std::optional<TimeMs> earliest;
    for (const auto& r : replies) {
        if (r->elements.size() < 2) continue;
        // A claimed entry scores its lease's end plus 0.5 (claim_due.lua): rounded up.
        const auto at =
            static_cast<TimeMs>(std::ceil(std::strtod(r->elements[1].str.c_str(), nullptr)));
        if (!earliest || at < *earliest) earliest = at;
    }
    co_return earliest;
}

void RedisStore::announce_timer(TimeMs due) {
    const std::string key = keys_.timer_wake();
    // Sent, not awaited: a node that stops before the answer leaves nothing waiting for it.
    client_->send(Call::cmd(key, command_of("XADD", key, "MAXLEN", "~", "100", "*", "due",
                                            std::to_string(due))),
                  [](Result<Reply>) {});
}

Awaitable<Result<std::string>> RedisStore::timer_wake_end() {
    const std::string key = keys_.timer_wake();
    auto r = co_await client_->command(key, command_of("XREVRANGE", key, "+", "-", "COUNT", "1"));
    if (!r) co_return r.error();
    if (r->elements.empty() || r->elements[0].elements.empty()) co_return std::string("0-0");
    co_return r->elements[0].elements[0].str;
}

Awaitable<Result<NextTimers>> RedisStore::next_timers(TimeMs claims_until) {
    std::vector<Call> calls;
    for (int s = 0; s < keys_.shards(); ++s)
        calls.push_back(
            Call::eval(scripts::next_timer(), {keys_.timers(s)}, {std::to_string(claims_until)}));
    auto replies = co_await client_->all(std::move(calls));
    if (any_failed(replies)) co_return first_error(replies);
    co_return merge_next_timers(replies);
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
        if (auto known = co_await know_dictionaries(*r); !known) co_return known.error();
        for (const auto& e : r->elements) {
            const std::string* entry = field_of(e, "e");
            const std::string* hash = field_of(e, "h");
            HistoryRecord record;
            record.id = e.elements[0].str;
            if (entry) {
                record.stored = *entry;
                std::string buffer;
                auto text = codec::decode(*entry, buffer, *dictionaries_);
                record.entry = text ? std::string(*text) : std::string();
            }
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
        if (sha1_hex(previous + r.stored) != r.hash) {
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

namespace {

// A feed position in one shard: "<stream id>" once an entry's events were all delivered, or
// "<stream id>.<k>" after the first k of its events.
std::pair<std::string_view, std::size_t> feed_position(std::string_view id) {
    auto dot = id.find('.');
    if (dot == std::string_view::npos) return {id, 0};
    return {id.substr(0, dot), std::strtoull(std::string(id.substr(dot + 1)).c_str(), nullptr, 10)};
}

// A feed entry {"at", "instance", "workflow", "events": [...]} as the events it holds, each
// with the entry's time, instance and workflow, as read_feed hands them out.
std::vector<json> feed_events(const std::string* stored, const Dictionaries& dictionaries) {
    std::vector<json> out;
    if (stored == nullptr) return out;
    std::string buffer;
    auto text = codec::decode(*stored, buffer, dictionaries);
    if (!text) return out;
    json entry = json::parse(*text, nullptr, false);
    if (!entry.is_object()) return out;
    auto events = entry.find("events");
    if (events == entry.end() || !events->is_array()) return out;
    for (auto& ev : *events) {
        if (!ev.is_object()) continue;
        ev["at"] = entry.value("at", json());
        if (!ev.contains("instance")) ev["instance"] = entry.value("instance", json());
        ev["workflow"] = entry.value("workflow", json());
        if (auto t = ev.find("task"); t != ev.end() && t->is_object()) {
            (*t)["instance"] = entry.value("instance", json());
            (*t)["workflow"] = entry.value("workflow", json());
        }
        out.push_back(std::move(ev));
    }
    return out;
}

}  // namespace

Awaitable<Result<FeedPage>> RedisStore::read_feed(std::string token, std::size_t count) {
    FeedCursor cursor;
    if (!FeedCursor::decode(token, keys_.shards(), cursor))
        co_return make_error(ErrorCode::invalid_input, "not a feed cursor", "/cursor");
    // The shards' reads are not one atomic snapshot: a change to one shard made after another
    // shard was read may show while an earlier change to the other does not. Feed ids are the
    // commit's Redis time in microseconds (commit.lua), and events are handed out only up to
    // the Redis time read first: any commit stamped before it had finished by then, so every
    // shard's read shows it, and the merge by id is the order of the commits. (A cluster's
    // masters have clocks of their own: there the order between shards is only as good as their
    // agreement.)
    std::vector<Call> calls;
    calls.push_back(Call::cmd(keys_.feed(0), command_of("TIME")));
    for (int s = 0; s < keys_.shards(); ++s) {
        const std::string key = keys_.feed(s);
        const auto [after, skip] = feed_position(cursor.ids[static_cast<std::size_t>(s)]);
        // Part of an entry delivered: read it again, from its id, and skip what was sent.
        const std::string from = after == "0-0" ? "-"
                                 : skip > 0     ? std::string(after)
                                                : "(" + std::string(after);
        calls.push_back(Call::cmd(key, command_of("XRANGE", key, from, "+", "COUNT",
                                                  std::to_string(count + (skip > 0)))));
        calls.push_back(Call::cmd(key, command_of("XINFO", "STREAM", key)));
    }
    auto replies = co_await client_->all(std::move(calls));
    if (auto known = co_await know_dictionaries(replies); !known) co_return known.error();
    std::uint64_t horizon = std::numeric_limits<std::uint64_t>::max();  // µs; TIME failed: none
    if (const auto& time = replies[0]; time && time->elements.size() == 2) {
        std::uint64_t seconds = 0, micros = 0;
        const std::string &a = time->elements[0].str, &b = time->elements[1].str;
        if (std::from_chars(a.data(), a.data() + a.size(), seconds).ec == std::errc{} &&
            std::from_chars(b.data(), b.data() + b.size(), micros).ec == std::errc{})
            horizon = seconds * 1'000'000 + micros;
    }
    replies.erase(replies.begin());
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
        const std::string after(feed_position(cursor.ids[static_cast<std::size_t>(s)]).first);
        if (info) {
            // Entries after the cursor that were trimmed away: the client missed something.
            const auto& kv = info->elements;
            for (std::size_t i = 0; i + 1 < kv.size(); i += 2)
                if (kv[i].str == "max-deleted-entry-id" && after != "0-0" &&
                    stream_id(after) < stream_id(kv[i + 1].str))
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
    for (const auto& item : items) {
        if (page.events.size() >= count) break;
        auto& position = cursor.ids[static_cast<std::size_t>(item.shard)];
        const std::string& id = item.entry->elements[0].str;
        if (stream_id(id).first >= horizon) {
            page.held_back = true;
            break;
        }
        const auto [after, skip] = feed_position(position);
        std::size_t k = after == id ? skip : 0;
        if (after == id && skip == 0) continue;  // delivered whole already
        std::vector<json> events = feed_events(field_of(*item.entry, "e"), *dictionaries_);
        for (; k < events.size() && page.events.size() < count; ++k) {
            position = k + 1 == events.size() ? id : id + "." + std::to_string(k + 1);
            FeedEvent event;
            event.cursor = cursor.encode();
            event.shard = item.shard;
            event.id = id;
            event.event = std::move(events[k]);
            page.events.push_back(std::move(event));
        }
        if (events.empty()) position = id;  // an entry this version can't read: passed over
    }
    page.cursor = cursor.encode();
    co_return page;
}

Awaitable<Result<void>> RedisStore::add_to_feed(std::string instance_id, std::string entry) {
    const std::string key = keys_.feed(keys_.shard_of(instance_id));
    auto r = co_await client_->eval(
        scripts::feed_add(), command_of(key),
        command_of(std::to_string(options_.feed_max_length), std::move(entry)));
    if (!r) co_return r.error();
    co_return engine::Ok{};
}

Awaitable<Result<void>> RedisStore::add_to_outbox(std::vector<OutboxEntry> entries) {
    std::vector<Call> calls;
    for (auto& e : entries) {
        const std::string key = keys_.outbox(e.shard);
        calls.push_back(Call::cmd(key, command_of("XADD", key, "*", "k", e.kind, "x", e.effect_id,
                                                  "p", dump(e.payload))));
    }
    auto replies = co_await client_->all(std::move(calls));
    if (any_failed(replies)) co_return first_error(replies);
    co_return engine::Ok{};
}

Awaitable<Result<RedisStore::TimerScan>> RedisStore::scan_timer_entries(int shard,
                                                                        std::string cursor,
                                                                        std::size_t count) {
    const std::string key = keys_.timers(shard);
    auto r = co_await client_->command(
        key, command_of("ZSCAN", key, cursor, "COUNT", std::to_string(count)));
    if (!r) co_return r.error();
    if (r->elements.size() != 2)
        co_return make_error(ErrorCode::storage_error, "ZSCAN answered no cursor and page");
    TimerScan page;
    page.cursor = r->elements[0].str;
    const auto& members = r->elements[1].elements;
    for (std::size_t i = 0; i + 1 < members.size(); i += 2)
        page.instance_ids.push_back(members[i].str);
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

OutboxEntry RedisStore::parse_outbox_entry(int shard, const Reply& entry) {
    OutboxEntry o;
    o.shard = shard;
    if (entry.elements.empty()) {
        o.problem = "not a stream entry";
        return o;
    }
    o.id = entry.elements[0].str;
    if (entry.elements.size() < 2 || entry.elements[1].type != Reply::Type::array) {
        o.problem = "no fields";  // (an entry deleted while pending reads as nil)
        return o;
    }
    const std::string* kind = field_of(entry, "k");
    const std::string* effect = field_of(entry, "x");
    const std::string* payload = field_of(entry, "p");
    if (kind) o.kind = *kind;
    if (effect) o.effect_id = *effect;
    if (payload) o.payload_text = *payload;
    if (!kind || !effect || !payload) {
        o.problem = "missing field k, x or p";
        return o;
    }
    o.payload = json::parse(*payload, nullptr, false);
    if (!o.payload.is_object()) o.problem = "the payload p is not a JSON object";
    return o;
}

namespace {

// Entries of XREADGROUP's answer ([[stream, [entry, ...]]] or nil) or XAUTOCLAIM's ([next,
// [entry, ...], [deleted ids]]) into `out`, each (shard, id) once.
void gather_outbox(int shard, const std::vector<Reply>& entries, std::vector<OutboxEntry>& out,
                   std::set<std::pair<int, std::string>>& seen) {
    for (const auto& e : entries) {
        OutboxEntry o = RedisStore::parse_outbox_entry(shard, e);
        if (!o.id.empty() && seen.insert({shard, o.id}).second) out.push_back(std::move(o));
    }
}

}  // namespace

Awaitable<Result<std::vector<OutboxEntry>>> RedisStore::take_outbox(
    std::string consumer, std::size_t per_shard, std::chrono::milliseconds reclaim_after) {
    std::vector<Call> calls;
    for (int s = 0; s < keys_.shards(); ++s) {
        const std::string key = keys_.outbox(s);
        calls.push_back(
            Call::cmd(key, command_of("XREADGROUP", "GROUP", kOutboxGroup, consumer, "COUNT",
                                      std::to_string(per_shard), "STREAMS", key, ">")));
    }
    auto replies = co_await client_->all(std::move(calls));
    std::vector<OutboxEntry> out;
    std::set<std::pair<int, std::string>> seen;
    for (int s = 0; s < keys_.shards(); ++s) {
        const auto& fresh = replies[static_cast<std::size_t>(s)];
        if (!fresh) co_return fresh.error();
        for (const auto& stream : fresh->elements)
            if (stream.elements.size() == 2)
                gather_outbox(s, stream.elements[1].elements, out, seen);
    }
    auto reclaimed = co_await reclaim_outbox(std::move(consumer), per_shard, reclaim_after);
    if (!reclaimed) co_return reclaimed.error();
    for (auto& o : *reclaimed)
        if (seen.insert({o.shard, o.id}).second) out.push_back(std::move(o));
    co_return out;
}

Awaitable<Result<std::vector<OutboxEntry>>> RedisStore::reclaim_outbox(
    std::string consumer, std::size_t per_shard, std::chrono::milliseconds reclaim_after) {
    std::vector<Call> calls;
    for (int s = 0; s < keys_.shards(); ++s) {
        const std::string key = keys_.outbox(s);
        calls.push_back(Call::cmd(key, command_of("XAUTOCLAIM", key, kOutboxGroup, consumer,
                                                  std::to_string(reclaim_after.count()), "0-0",
                                                  "COUNT", std::to_string(per_shard))));
    }
    auto replies = co_await client_->all(std::move(calls));
    std::vector<OutboxEntry> out;
    std::set<std::pair<int, std::string>> seen;
    for (int s = 0; s < keys_.shards(); ++s) {
        const auto& claimed = replies[static_cast<std::size_t>(s)];
        if (!claimed) co_return claimed.error();
        if (claimed->elements.size() >= 2)
            gather_outbox(s, claimed->elements[1].elements, out, seen);
    }
    co_return out;
}

Awaitable<Result<void>> RedisStore::park_outbox(const OutboxEntry& entry, std::string why) {
    const std::string key = keys_.outbox(entry.shard), parked = keys_.outbox_parked(entry.shard);
    auto replies = co_await client_->all(calls_of(
        Call::cmd(parked, command_of("XADD", parked, "MAXLEN", "~", std::to_string(kParkedKept),
                                     "*", "id", entry.id, "k", entry.kind, "x", entry.effect_id,
                                     "p", entry.payload_text, "why", std::move(why))),
        Call::cmd(key, command_of("XACK", key, kOutboxGroup, entry.id)),
        Call::cmd(key, command_of("XDEL", key, entry.id))));
    if (any_failed(replies)) co_return first_error(replies);
    co_return engine::Ok{};
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
