// Feed: the reader of the shards' feed streams, each socket's snapshot, catch-up and live filter,
// and the actions sockets send (claim, release, complete, reassign).
#include "accord/http/feed.hpp"

#include <array>

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "accord/engine/json_text.hpp"
#include "accord/engine/time.hpp"
#include "accord/http/views.hpp"
#include "accord/redis/blocking_reads.hpp"
#include "accord/redis/runtime.hpp"
#include "merge_pages.hpp"

namespace accord::http {

namespace asio = boost::asio;
using engine::json;
using engine::Task;
using redis::FeedPosition;

struct Feed::Subscriber {
    enum class Mode { catching_up, live, lagging };
    std::shared_ptr<FeedSocket> socket;
    Principal who;
    Request credentials;         // the upgrade's Authorization and ?token=, to check them again
    std::string workflow, role;  // narrowing, when given
    std::string language;        // ?lang=, over the person's own

    const std::string& reads_in() const { return language.empty() ? who.language : language; }
    Mode mode = Mode::catching_up;
    Positions at;        // what this socket has been given, by shard
    bool ahead = false;  // at some shard past the reader (it caught up further on its own)
    std::string cursor;  // the last cursor sent
};

// What concerns() asks of an event, read once per event rather than once per socket.
struct Feed::Facts {
    std::string_view type, workflow;
    bool task = false;
    engine::policy::TaskFacts facts;        // the task's, as the change left it
    std::string_view from, by, event_role;  // the event's
    const json* people = nullptr;           // a notification's: whom it reaches

    Facts(const json& event, engine::TimeMs now) {
        type = text(event, "type");
        workflow = text(event, "workflow");
        from = text(event, "from");
        by = text(event, "by");
        event_role = text(event, "role");
        if (type == "notification")
            if (auto p = event.find("to"); p != event.end() && p->is_array()) people = &*p;
        if (auto t = event.find("task"); t != event.end() && t->is_object()) {
            task = true;
            facts.id = text(*t, "id");
            facts.role = text(*t, "role");
            facts.unit = text(*t, "unit");
            if (auto x = t->find("escalated_to"); x != t->end() && x->is_array())
                for (const auto& role : *x)
                    if (role.is_string())
                        facts.escalated_to.push_back(role.get_ref<const std::string&>());
            if (auto x = t->find("escalated_units"); x != t->end() && x->is_array())
                for (const auto& unit : *x)
                    facts.escalated_units.push_back(
                        unit.is_string() ? std::string_view(unit.get_ref<const std::string&>())
                                         : std::string_view());
            facts.assignee = text(*t, "assignee");
            facts.claimed_by = text(*t, "claimed_by");
            facts.claimed_for = text(*t, "claimed_for");
            facts.closed_by = text(*t, "closed_by");
            facts.open = text(*t, "status") == "open";
            auto p = t->find("personal");
            facts.personal = p != t->end() && p->is_boolean() && p->get<bool>();
            auto until = t->find("claim_until");
            facts.claim_until =
                until != t->end() && until->is_number_integer() ? until->get<engine::TimeMs>() : 0;
            facts.claim_holds =
                !facts.claimed_by.empty() && (facts.claim_until == 0 || now < facts.claim_until);
            if (auto x = t->find("excluded"); x != t->end() && x->is_array())
                for (const auto& person : *x)
                    if (person.is_string())
                        facts.excluded.push_back(person.get_ref<const std::string&>());
        }
    }

    static std::string_view text(const json& j, const char* name) {
        auto it = j.find(name);
        if (it == j.end() || !it->is_string()) return {};
        return it->get_ref<const std::string&>();
    }
};

namespace {

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
    asio::steady_timer t(co_await asio::this_coro::executor);
    t.expires_after(d);
    co_await t.async_wait(asio::use_awaitable);
}

void iso_times(json& j, std::initializer_list<const char*> names) {
    for (const char* n : names)
        if (auto it = j.find(n); it != j.end() && it->is_number_integer())
            *it = engine::format_date_time(it->get<engine::TimeMs>());
}

}  // namespace

Feed::Feed(Api& api, redis::Runtime& runtime, FeedOptions options)
    : api_(api), runtime_(runtime), options_(std::move(options)) {}

Feed::~Feed() {
    *alive_ = false;
}

Feed::Positions Feed::positions(const std::string& cursor) const {
    redis::FeedCursor c;
    Positions out;
    if (!redis::FeedCursor::decode(cursor, runtime_.store().keys().shards(), c)) return out;
    for (const auto& id : c.ids) out.push_back(FeedPosition::parse(id));
    return out;
}

void Feed::start(redis::Supervisor& supervisor) {
    if (running_) return;
    running_ = true;
    supervisor.spawn("feed", [this](redis::LoopState& state) { return read_loop(state); });
}

void Feed::stop() {
    running_ = false;
    if (wake_) wake_->cancel();
    if (waits_) waits_->cancel();
    close_all();
}

void Feed::close_all() {
    for (auto& [raw, sub] : subscribers_) sub->socket->close(1001, "server going away");
}

std::size_t Feed::open_for(std::uint64_t credential) const {
    auto it = per_token_.find(credential);
    return it == per_token_.end() ? 0 : it->second;
}

void Feed::attach(std::shared_ptr<FeedSocket> socket, Principal who, const Request& request) {
    auto sub = std::make_shared<Subscriber>();
    sub->socket = socket;
    sub->who = std::move(who);
    sub->credentials.authorization = request.authorization;
    sub->credentials.cookie = request.cookie;
    sub->credentials.origin = request.origin;
    sub->credentials.host = request.host;
    sub->credentials.forwarded_for = request.forwarded_for;
    sub->credentials.peer = request.peer;
    sub->credentials.tls = request.tls;
    if (auto it = request.query.find("token"); it != request.query.end())
        sub->credentials.query.emplace("token", it->second);
    auto param = [&](const char* name) {
        auto it = request.query.find(name);
        return it == request.query.end() ? std::string() : it->second;
    };
    sub->workflow = param("workflow");
    sub->role = param("role");
    if (engine::is_language_tag(param("lang"))) sub->language = param("lang");
    ++per_token_[sub->who.credential];
    subscribers_[socket.get()] = sub;
    if (wake_) wake_->cancel();
    if (!sub->role.empty()) {
        if (auto allowed = engine::policy::may_list_role(sub->who, sub->role); !allowed) {
            socket->close(1008, allowed.error().message);
            return;
        }
    }
    asio::co_spawn(runtime_.store().client().executor(), begin(sub, param("cursor"), false),
                   asio::detached);
}

void Feed::detach(const std::shared_ptr<FeedSocket>& socket) {
    auto it = subscribers_.find(socket.get());
    if (it == subscribers_.end()) return;
    if (auto u = per_token_.find(it->second->who.credential);
        u != per_token_.end() && --u->second == 0)
        per_token_.erase(u);
    subscribers_.erase(it);
}

bool Feed::deliver(Subscriber& sub, std::shared_ptr<const std::string> text) {
    if (!sub.socket->send(std::move(text))) {
        // Too slow: drop what it can't take, and start it afresh once its queue drained.
        sub.mode = Subscriber::Mode::lagging;
        ++resyncs_;
        return false;
    }
    ++messages_sent_;
    return true;
}

Awaitable<Result<void>> Feed::send_snapshot(Subscriber& sub, bool reset, bool resync) {
    auto& store = runtime_.store();
    auto end = co_await store.feed_end();  // before the queues: later changes follow it
    if (!end) co_return end.error();
    const auto now = runtime_.now();
    const std::size_t limit = options_.snapshot_limit;
    // The person's own queue and their roles' (or the one asked for), in one round trip.
    std::vector<redis::TaskQueue> queues;
    queues.push_back(redis::TaskQueue{false, sub.who.id});
    for (const auto& p : sub.who.deputy_for) queues.push_back(redis::TaskQueue{false, p});
    if (sub.role.empty())
        for (const auto& r : sub.who.roles) queues.push_back(redis::TaskQueue{true, r});
    else
        queues.push_back(redis::TaskQueue{true, sub.role});
    auto pages = co_await store.open_tasks_of(queues, limit, now);
    if (!pages) co_return pages.error();
    // What waits for the person, as GET /api/v1/tasks shows it: the most urgent, merged as
    // the task lists merge their queues.
    std::vector<Task> tasks = merge_pages(std::move(pages).value(), limit,
                                          [](const Task& t) { return redis::QueuePosition::of(t); });
    std::erase_if(tasks, [&](const Task& t) {
        return !engine::policy::waits_for(sub.who, engine::policy::TaskFacts::of(t, now));
    });
    auto text = std::make_shared<std::string>();
    engine::JsonWriter w(*text);
    w.object().str("type", "snapshot").str("cursor", *end);
    if (reset) w.flag("reset", true);
    if (resync) w.flag("resync", true);
    w.key("items").array();
    std::set<std::string> seen;
    Principal reader = sub.who;
    reader.language = sub.reads_in();
    for (const auto& t : tasks) {
        if (seen.size() == limit) break;
        if (!sub.workflow.empty() && t.workflow != sub.workflow) continue;
        if (!sub.role.empty() && t.role != sub.role &&
            std::find(t.escalated_to.begin(), t.escalated_to.end(), sub.role) ==
                t.escalated_to.end())
            continue;
        if (seen.insert(t.id).second) write_task(w, t, now, reader);
    }
    w.end_array().end_object();
    sub.cursor = *end;
    sub.at = positions(*end);
    sub.mode = Subscriber::Mode::catching_up;
    deliver(sub, std::move(text));
    co_return engine::Ok{};
}

Awaitable<void> Feed::begin(std::shared_ptr<Subscriber> sub, std::string cursor, bool resync) {
    auto alive = alive_;
    auto& store = runtime_.store();
    while (!ready_ && running_) co_await sleep_for(std::chrono::milliseconds(5));
    if (!*alive || !subscribers_.contains(sub->socket.get())) co_return;
    if (resync) {
        deliver(*sub, std::make_shared<const std::string>(
                          json({{"type", "resync"}, {"cursor", sub->cursor}}).dump()));
        sub->mode = Subscriber::Mode::catching_up;
    }
    if (cursor.empty()) {
        auto sent = co_await send_snapshot(*sub, false, resync);
        if (!*alive) co_return;
        if (!sent) {
            sub->socket->close(1013, sent.error().message);
            co_return;
        }
        cursor = sub->cursor;
    } else {
        sub->at = positions(cursor);
        if (sub->at.empty()) {
            sub->socket->close(1008, "not a feed cursor");
            co_return;
        }
        sub->cursor = cursor;
    }
    // Catch up on our own until at or past the reader on every shard; then the reader's events
    // after that are the ones still to send.
    while (*alive && subscribers_.contains(sub->socket.get())) {
        bool behind = false;
        for (std::size_t s = 0; s < at_.size() && s < sub->at.size(); ++s)
            behind = behind || sub->at[s] < at_[s];
        if (!behind) {
            sub->ahead = false;
            for (std::size_t s = 0; s < at_.size() && s < sub->at.size(); ++s)
                sub->ahead = sub->ahead || at_[s] < sub->at[s];
            sub->mode = Subscriber::Mode::live;
            co_return;
        }
        auto page = co_await store.read_feed(sub->cursor, options_.batch);
        if (!*alive || !subscribers_.contains(sub->socket.get())) co_return;
        if (!page) {
            sub->socket->close(1013, page.error().message);
            co_return;
        }
        if (page->reset) {
            auto sent = co_await send_snapshot(*sub, true, false);
            if (!*alive) co_return;
            if (!sent) {
                sub->socket->close(1013, sent.error().message);
                co_return;
            }
            continue;
        }
        const auto now = runtime_.now();
        for (const auto& e : page->events) {
            const Facts facts(e.event, now);
            if (concerns(*sub, facts) &&
                !deliver(*sub, message(e.event, e.cursor, can(*sub, facts), sub->who.id,
                                       sub->reads_in())))
                co_return;
        }
        sub->cursor = page->cursor;
        sub->at = positions(page->cursor);
        if (page->held_back && page->events.empty())
            co_await sleep_for(std::chrono::milliseconds(1));
    }
}

Awaitable<Result<void>> Feed::read_loop(redis::LoopState& state) {
    auto alive = alive_;
    auto& store = runtime_.store();
    std::vector<std::string> streams;
    for (int s = 0; s < store.keys().shards(); ++s) streams.push_back(store.keys().feed(s));
    redis::BlockingReadOptions wait_options;
    wait_options.block = options_.idle_check;
    redis::BlockingReads waits(store.client(), std::move(streams), wait_options);
    struct Waiting {
        Feed& feed;
        std::shared_ptr<bool> alive;
        ~Waiting() {
            if (*alive) feed.waits_ = nullptr;
        }
    } waiting{*this, alive};
    waits_ = &waits;
    auto last_auth = std::chrono::steady_clock::now();
    auto last_people = last_auth;
    // Restarted after a failure, the reader goes on from where it was (cursor_, ready_): the
    // live sockets miss nothing.
    while (running_ && *alive) {
        if (subscribers_.empty()) {
            // Nobody to hand events to: wait for a socket without asking Redis anything, then
            // start at the feed's end. A socket's catch-up waits for that (ready_), so it
            // starts at or after the reader.
            ready_ = false;
            state.doing("waiting for a feed socket");
            co_await idle();
            if (!*alive) co_return engine::Ok{};
            continue;
        }
        if (!ready_) {
            state.doing("reading the feed's end");
            auto end = co_await store.feed_end();
            if (!*alive) co_return engine::Ok{};
            if (!end) co_return end.error();
            cursor_ = *end;
            at_ = positions(cursor_);
            ready_ = true;
        }
        state.doing("reading the feed");
        auto page = co_await store.read_feed(cursor_, options_.batch);
        if (!*alive) co_return engine::Ok{};
        if (!page) co_return page.error();
        state.healthy();
        if (page->reset) {
            // The reader itself fell behind retention: every live socket starts afresh.
            for (auto& [raw, sub] : subscribers_)
                if (sub->mode == Subscriber::Mode::live) sub->mode = Subscriber::Mode::lagging;
        }
        state.doing("handing out feed events");
        for (const auto& e : page->events) {
            ++events_read_;
            try {
                if (e.event.value("type", "") == "instance.finished") {
                    const std::string wf = e.event.value("workflow", "");
                    if (!workflows_.contains(wf)) {
                        auto def = co_await store.definition(wf, 0);
                        if (!*alive) co_return engine::Ok{};
                        workflows_[wf] = def ? *def : nullptr;
                    }
                }
            } catch (const std::exception& ex) {
                skipped(e, ex);
                at_ = positions(e.cursor);
                continue;
            }
            // The reader's position moves event by event, so that a socket that joins while
            // this page is handed out (above, at a co_await) joins exactly where it is.
            auto after = positions(e.cursor);
            if (static_cast<std::size_t>(e.shard) < after.size()) {
                try {
                    dispatch(e.event, e.cursor, after, e.shard);
                } catch (const std::exception& ex) {
                    skipped(e, ex);
                }
            }
            at_ = std::move(after);
        }
        cursor_ = page->cursor;
        at_ = positions(cursor_);
        // Sockets that caught up past where the reader was are no longer ahead once it passed.
        for (auto& [raw, sub] : subscribers_)
            if (sub->ahead) {
                bool still = false;
                for (std::size_t s = 0; s < at_.size() && s < sub->at.size(); ++s)
                    still = still || at_[s] < sub->at[s];
                sub->ahead = still;
            }
        // Lagging sockets whose queue drained start again with a snapshot.
        for (auto& [raw, sub] : subscribers_)
            if (sub->mode == Subscriber::Mode::lagging && sub->socket->queued() == 0) {
                sub->mode = Subscriber::Mode::catching_up;
                asio::co_spawn(store.client().executor(), begin(sub, "", true), asio::detached);
            }
        if (options_.epoch && !checking_ &&
            (recheck_tokens_ ||
             std::chrono::steady_clock::now() - last_auth > options_.auth_check)) {
            recheck_tokens_ = false;
            last_auth = std::chrono::steady_clock::now();
            const bool everyone = last_auth - last_people > options_.people_check;
            if (everyone) last_people = last_auth;
            // Beside the reader, not in its way: a check authenticates every socket again, a
            // read of Redis each, and 1,000 sockets checked in line held every event back for
            // 200 ms once a minute.
            checking_ = true;
            const auto done = [this, alive](std::exception_ptr failed) {
                if (!*alive) return;
                checking_ = false;
                if (recheck_tokens_ && waits_) waits_->cancel();  // asked for meanwhile
                if (failed) {
                    try {
                        std::rethrow_exception(failed);
                    } catch (const std::exception& e) {
                        spdlog::error("feed: checking the sockets' tokens: {}", e.what());
                    }
                }
            };
            asio::co_spawn(store.client().executor(), check_tokens(everyone), done);
        }
        // Events held back at the read's horizon are a millisecond from being handed out.
        if (page->held_back) {
            co_await sleep_for(std::chrono::milliseconds(1));
        } else if (page->events.size() < options_.batch && !subscribers_.empty() && !check_due()) {
            // At the end of every shard: wait in Redis for the next entry of any.
            state.doing("waiting for feed entries");
            redis::FeedCursor at;
            if (!redis::FeedCursor::decode(cursor_, store.keys().shards(), at))
                co_return engine::make_error(engine::ErrorCode::storage_error,
                                             "the feed reader's cursor does not decode");
            for (auto& id : at.ids) id = id.substr(0, id.find('.'));
            auto got = co_await waits.read(at.ids);
            // A wait that ended empty (its block passed) found nothing new: wait again, without
            // a page read, unless asked to check the tokens or there is nobody left to serve.
            while (*alive && running_ && got && got->empty() && !check_due() &&
                   !subscribers_.empty())
                got = co_await waits.read(at.ids);
            if (!*alive) co_return engine::Ok{};
            if (!got) co_return got.error();
        }
    }
    co_return engine::Ok{};
}

// An event this version cannot hand out (a malformed entry written into the feed): passed over,
// the rest go on.
void Feed::skipped(const redis::FeedEvent& e, const std::exception& why) {
    ++events_skipped_;
    spdlog::error("feed: event at {} of shard {} passed over: {}", e.id, e.shard, why.what());
}

Awaitable<void> Feed::idle() {
    wake_ = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor);
    wake_->expires_at(asio::steady_timer::time_point::max());
    auto wake = wake_;  // attach() may replace wake_ while this waits
    boost::system::error_code ec;
    if (subscribers_.empty() && running_)
        co_await wake->async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

void Feed::recheck_tokens() {
    recheck_tokens_ = true;
    if (waits_ && !checking_) waits_->cancel();  // else when the check under way ends
}

// Every socket's credentials authenticated again when the epoch moved (a revoke, a sign-out, a
// change to people), or, with `everyone`, regardless: a closed socket for who no longer gets
// in, the new roles and deputies for the others.
Awaitable<void> Feed::check_tokens(bool everyone) {
    auto alive = alive_;
    auto epoch = co_await options_.epoch();
    if (!*alive || !epoch || (*epoch == epoch_ && !everyone)) co_return;
    epoch_ = *epoch;
    std::vector<std::shared_ptr<Subscriber>> subs;
    for (auto& [raw, sub] : subscribers_) subs.push_back(sub);
    for (auto& sub : subs) {
        auto who = co_await api_.authenticate(sub->credentials, true);
        if (!*alive) co_return;
        if (!who && who.error().code == engine::ErrorCode::forbidden) {
            sub->socket->close(1008, "token revoked or session ended");
        } else if (who) {  // new roles take effect on the socket too
            const auto credential = sub->who.credential;
            sub->who = std::move(who).value();
            sub->who.credential = credential;
        }
    }
}

bool Feed::concerns(const Subscriber& sub, const Facts& e) const {
    if (!sub.workflow.empty() && e.workflow != sub.workflow) return false;
    const Principal& who = sub.who;
    const auto holds = [&](std::string_view role) { return !role.empty() && who.has_role(role); };
    if (e.type == "instance.finished") {
        if (!sub.role.empty()) return false;
        auto it = workflows_.find(std::string(e.workflow));
        return it != workflows_.end() && it->second &&
               engine::policy::may_see_workflow(who, *it->second);
    }
    if (e.type == "notification") {
        // Named for each person it reaches (the deputies of those away among them).
        if (e.people == nullptr || !sub.role.empty()) return false;
        return std::any_of(e.people->begin(), e.people->end(), [&](const json& person) {
            return person.is_string() && person.get_ref<const std::string&>() == who.id;
        });
    }
    if (!e.task) return false;
    const auto& t = e.facts;
    if (!sub.role.empty() && t.role != sub.role &&
        std::find(t.escalated_to.begin(), t.escalated_to.end(), sub.role) ==
            t.escalated_to.end() &&
        e.event_role != sub.role)
        return false;
    // Whoever may see the task as the change left it, and whoever the change names (the
    // assignee it was taken from, who acted): so that a task leaves the lists it left.
    return engine::policy::may_see(who, t) || e.from == who.id || e.by == who.id ||
           holds(e.event_role);
}

std::optional<engine::policy::TaskActions> Feed::can(const Subscriber& sub, const Facts& e) const {
    if (!e.task) return std::nullopt;
    return engine::policy::allowed(sub.who, e.facts);
}

std::shared_ptr<const std::string> Feed::message(
    const json& event, const std::string& cursor,
    std::optional<engine::policy::TaskActions> can, const std::string& reader,
    const std::string& language) const {
    json msg = event;
    std::string type = msg.value("type", "");
    // Texts for people in the reader's language.
    for (const char* text : {"subject", "message", "task_title"})
        if (auto it = msg.find(text); it != msg.end() && it->is_object())
            *it = engine::text_in(*it, language);
    if (auto t = msg.find("task"); t != msg.end() && t->is_object())
        if (auto title = t->find("title"); title != t->end() && title->is_object())
            *title = engine::text_in(*title, language);
    if (type == "notification") {
        // The reader's own copy: whom else it reached is not theirs to know.
        msg.erase("to");
        std::string for_person;
        if (auto f = msg.find("for"); f != msg.end() && f->is_object())
            for_person = f->value(reader, std::string());
        if (for_person.empty())
            msg.erase("for");
        else
            msg["for"] = for_person;
        iso_times(msg, {"at"});
        msg["cursor"] = cursor;
        return std::make_shared<const std::string>(engine::json_text(msg));
    }
    if (auto t = msg.find("task"); t != msg.end() && t->is_object()) {
        t->erase("excluded");  // the policy's input; "can" is its answer for this reader
        if (can) {
            json names = json::array();
            for (auto a : engine::policy::kTaskActions)
                if (can->has(a)) names.push_back(engine::policy::to_string(a));
            (*t)["can"] = std::move(names);
        }
        // A reminder before the task's deadline is "due soon".
        if (type == "reminder" && t->contains("due_at") && (*t)["due_at"].is_number_integer() &&
            msg.contains("at") && msg["at"].is_number_integer() &&
            msg["at"].get<engine::TimeMs>() < (*t)["due_at"].get<engine::TimeMs>())
            type = "task.due_soon";
        iso_times(*t, {"due_at", "claim_until", "created_at", "closed_at"});
    }
    iso_times(msg, {"at", "until"});
    msg["type"] = type;
    msg["cursor"] = cursor;
    return std::make_shared<const std::string>(engine::json_text(msg));
}

void Feed::dispatch(const json& event, const std::string& cursor, const Positions& after,
                    int shard) {
    // Made once for every socket not ahead and allowed the same actions, in each language.
    std::vector<std::pair<std::string, std::array<std::shared_ptr<const std::string>, 16>>> shared;
    const Facts facts(event, runtime_.now());
    const auto s = static_cast<std::size_t>(shard);
    const FeedPosition& position = after[s];
    for (auto& [raw, sub] : subscribers_) {
        if (sub->mode != Subscriber::Mode::live || s >= sub->at.size()) continue;
        if (position <= sub->at[s]) continue;  // sent while it caught up
        sub->at[s] = position;
        if (!concerns(*sub, facts)) continue;
        const auto allowed = can(*sub, facts);
        if (!sub->ahead && facts.type == "notification") {  // each reader's own copy
            sub->cursor = cursor;
            deliver(*sub, message(event, cursor, allowed, sub->who.id, sub->reads_in()));
            continue;
        }
        if (!sub->ahead) {
            const std::string& language = sub->reads_in();
            auto in = std::find_if(shared.begin(), shared.end(),
                                   [&](const auto& cached) { return cached.first == language; });
            if (in == shared.end()) in = shared.insert(shared.end(), {language, {}});
            auto& text = in->second[allowed ? allowed->bits() : 0];
            if (!text) text = message(event, cursor, allowed, sub->who.id, language);
            sub->cursor = cursor;
            deliver(*sub, text);
            continue;
        }
        // Its own position, which is past the reader's at some shard.
        redis::FeedCursor c;
        for (std::size_t i = 0; i < sub->at.size(); ++i) {
            const auto& p = std::max(sub->at[i], after.size() > i ? after[i] : sub->at[i]);
            std::string id = fmt::format("{}-{}", p.ms, p.seq);
            if (p.k != FeedPosition::kWhole) id += fmt::format(".{}", p.k);
            c.ids.push_back(std::move(id));
        }
        sub->at = positions(c.encode());
        sub->cursor = c.encode();
        deliver(*sub, message(event, sub->cursor, allowed, sub->who.id, sub->reads_in()));
    }
}

void Feed::receive(const std::shared_ptr<FeedSocket>& socket, std::string text) {
    auto it = subscribers_.find(socket.get());
    if (it == subscribers_.end()) return;
    asio::co_spawn(runtime_.store().client().executor(), act(it->second, std::move(text)),
                   asio::detached);
}

// {"id": "...", "action": "claim" | "release" | "complete" | "reassign", "task": "...", ...}:
// the same request as POST /api/v1/tasks/{task}/{action}, answered with {"type": "reply"}.
Awaitable<void> Feed::act(std::shared_ptr<Subscriber> sub, std::string text) {
    auto alive = alive_;
    json reply = {{"type", "reply"}};
    json body = json::parse(text, nullptr, false);
    Response response;
    if (body.is_discarded() || !body.is_object()) {
        response = problem(400, "invalid_json", "a feed message is a JSON object");
    } else {
        reply["id"] = body.contains("id") ? body["id"] : json();
        const auto text_of = [&](const char* name) {
            auto it = body.find(name);
            return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
        };
        const std::string action = text_of("action"), task = text_of("task");
        if ((action != "claim" && action != "release" && action != "complete" &&
             action != "reassign") ||
            task.empty()) {
            response = problem(400, "invalid_input",
                               "action (claim, release, complete, reassign) and task are required");
        } else {
            Request r = sub->credentials;
            r.method = "POST";
            r.segments = {"api", "v1", "tasks", task, action};
            r.content_type = "application/json";
            body.erase("id");
            body.erase("action");
            body.erase("task");
            r.body = body.dump();
            response = co_await api_.handle(std::move(r));
            if (!*alive) co_return;
        }
    }
    reply["status"] = response.status;
    reply["body"] = json::parse(response.body, nullptr, false);
    reply["cursor"] = sub->cursor;
    if (subscribers_.contains(sub->socket.get()))
        deliver(*sub, std::make_shared<const std::string>(engine::json_text(reply)));
}

std::string Feed::metrics() const {
    std::string out;
    out += "# TYPE accord_feed_subscribers gauge\n";
    append_sample(out, "accord_feed_subscribers", "", static_cast<double>(subscribers_.size()));
    out += "# TYPE accord_feed_events_read_total counter\n";
    append_sample(out, "accord_feed_events_read_total", "", static_cast<double>(events_read_));
    out += "# TYPE accord_feed_messages_sent_total counter\n";
    append_sample(out, "accord_feed_messages_sent_total", "", static_cast<double>(messages_sent_));
    out += "# TYPE accord_feed_resyncs_total counter\n";
    append_sample(out, "accord_feed_resyncs_total", "", static_cast<double>(resyncs_));
    out += "# TYPE accord_feed_events_skipped_total counter\n";
    append_sample(out, "accord_feed_events_skipped_total", "",
                  static_cast<double>(events_skipped_));
    return out;
}

}  // namespace accord::http
