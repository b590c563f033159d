// The durable runtime against a real Redis, a single server and a 3-master cluster alike:
// commits, task queues, idempotency, business keys, races between nodes, timers fired once by
// several nodes, child workflows through the outbox, the feed and its cursor, the history's
// hash chain.
#include <sys/wait.h>

#include <cstdio>
#include <set>

#include <thread>

#include "accord/redis/workflow_loader.hpp"
#include "durable_fixture.hpp"

namespace accord::redis::testing {
namespace {

using engine::ErrorCode;
using engine::Input;

json partner() {
    return json::parse(R"({"partner": {"name": "Universidad de Salamanca", "country": "ES"}})");
}

// A workflow with a state timer: waiting --(after P1D)--> done.
json timed_workflow() {
    return json::parse(R"({
      "workflow": "timed", "version": 1, "title": "A timer", "start": "waiting",
      "states": {
        "waiting": {"timers": [{"after": "P1D", "event": "ring"}], "on": {"ring": "rung"}},
        "rung": {"final": "done"}
      }})");
}

// Built outside coroutines (see command_of): a start of the latest version.
StartRequest request(std::string workflow, json data, std::string key = {}, std::string idem = {}) {
    StartRequest r;
    r.workflow = std::move(workflow);
    r.data = std::move(data);
    r.business_key = std::move(key);
    r.idempotency_key = std::move(idem);
    return r;
}

class Durable : public DurableTest {
protected:
    // Starts `n` proposals and submits each draft as `who`, an officer, a second apart: the
    // drafts' ids in the order completed.
    std::vector<std::string> submit_drafts(Node& node, int n, const std::string& who = "olga") {
        const auto officer = person(who, {"officer"});
        std::vector<std::string> drafts;
        for (int i = 0; i < n; ++i) {
            auto started = propose(node);
            const std::string task_id = started->instance.tasks.front().id;
            clock_.now += 1000;
            auto moved = run(node.runtime->send(started->instance.id,
                                                complete(task_id, "submit", kProposal, officer)));
            if (!moved) throw std::runtime_error(moved.error().to_string());
            drafts.push_back(task_id);
        }
        return drafts;
    }
    // RedisStore::done_tasks' tasks.
    std::vector<engine::Task> run_done(RedisStore& store, bool by_role, std::string name,
                                       std::size_t limit, std::optional<DonePosition> before) {
        auto page = run(store.done_tasks(by_role, std::move(name), limit, before));
        if (!page) throw std::runtime_error(page.error().to_string());
        return page->tasks;
    }
    // A proposal started by an officer on a node that has mou_proposal.
    std::optional<Started> propose(Node& node) {
        auto started = run(
            node.runtime->start(request("mou_proposal", partner()), person("olga", {"officer"})));
        EXPECT_TRUE(started.ok()) << started.error().to_string();
        if (!started) throw std::runtime_error("could not start a proposal");
        return std::move(started).value();
    }
};

TEST_P(Durable, AnInputIsCommittedWithItsTasksInTheirQueuesAndReadBack) {
    Node& node = add_node();
    put(node, shipped("mou_proposal"));
    auto olga = person("olga", {"officer"});
    auto started = propose(node);
    EXPECT_TRUE(started->created);
    const std::string id = started->instance.id;

    auto officers = run(node.store->open_tasks_for_role("officer", 10));
    ASSERT_TRUE(officers.ok());
    ASSERT_EQ(officers->size(), 1u);
    const std::string draft = officers->front().id;
    EXPECT_EQ(officers->front().instance_id, id);

    json fields = kProposal;
    auto moved = run(node.runtime->send(id, complete(draft, "submit", fields, olga)));
    ASSERT_TRUE(moved.ok()) << moved.error().to_string();

    // Read back by another node, from Redis alone.
    Node& other = add_node();
    auto loaded = run(other.store->load(id));
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    EXPECT_EQ(loaded->revision, 2u);
    EXPECT_EQ(loaded->data.get()["scope"], kProposal["scope"]);
    EXPECT_TRUE(run(other.store->open_tasks_for_role("officer", 10))->empty());
    auto deans = run(other.store->open_tasks_for_role("dean", 10));
    ASSERT_EQ(deans->size(), 1u);
    EXPECT_EQ(deans->front().state, "endorsement");
    EXPECT_GT(deans->front().due_at, 0);

    auto closed = run(other.store->find_task(draft));
    ASSERT_TRUE(closed.ok()) << closed.error().to_string();
    EXPECT_EQ(closed->status, engine::TaskStatus::completed);
    EXPECT_EQ(closed->closed_by, "olga");
    EXPECT_EQ(closed->id, draft);
    EXPECT_EQ(closed->instance_id, id);
    EXPECT_EQ(closed->workflow, "mou_proposal");
    EXPECT_EQ(closed->outcome, "submit");
    EXPECT_EQ(closed->fields, kProposal) << "the submitted fields, kept once in the entry";
    EXPECT_FALSE(closed->title.empty());

    auto history = run(other.store->history(id));
    ASSERT_EQ(history->size(), 2u);
    const json entry = json::parse(history->at(1).entry);
    EXPECT_EQ(entry["input"], "complete");
    EXPECT_EQ(entry["actor"], "olga");
    std::vector<std::string> effect_types;
    for (const auto& e : entry["effects"]) effect_types.push_back(e["type"]);
    EXPECT_NE(std::find(effect_types.begin(), effect_types.end(), "task.completed"),
              effect_types.end());
    EXPECT_NE(std::find(effect_types.begin(), effect_types.end(), "task.opened"),
              effect_types.end());
    auto check = run(other.store->verify_history(id));
    ASSERT_TRUE(check.ok());
    EXPECT_TRUE(check->intact) << check->problem;
}

TEST_P(Durable, CompletedTasksAreListedNewestFirstByWhoCompletedThemAndByRoleAcrossShards) {
    Node& node = add_node();
    put(node, shipped("mou_proposal"));
    const std::vector<std::string> drafts = submit_drafts(node, 5);
    const std::vector<std::string> newest_first(drafts.rbegin(), drafts.rend());
    auto ids = [](const std::vector<engine::Task>& tasks) {
        std::vector<std::string> out;
        for (const auto& t : tasks) out.push_back(t.id);
        return out;
    };
    const auto by_olga = run_done(*node.store, false, "olga", 10, std::nullopt);
    EXPECT_EQ(ids(by_olga), newest_first) << "merged over the shards, newest first";
    ASSERT_FALSE(by_olga.empty());
    const auto& last = by_olga.front();
    EXPECT_EQ(last.status, engine::TaskStatus::completed);
    EXPECT_EQ(last.closed_by, "olga");
    EXPECT_EQ(last.outcome, "submit");
    EXPECT_EQ(last.fields, kProposal) << "the task as completed, read from its history entry";
    EXPECT_EQ(last.workflow, "mou_proposal");
    EXPECT_EQ(last.closed_at, clock_.now);
    EXPECT_EQ(ids(run_done(*node.store, true, "officer", 10, std::nullopt)), newest_first);
    EXPECT_TRUE(run_done(*node.store, true, "dean", 10, std::nullopt).empty());
    EXPECT_TRUE(run_done(*node.store, false, "dan", 10, std::nullopt).empty());

    // Pages: two, then from where the page ended.
    const auto first = run_done(*node.store, false, "olga", 2, std::nullopt);
    ASSERT_EQ(ids(first), std::vector<std::string>(newest_first.begin(), newest_first.begin() + 2));
    const auto rest = run_done(*node.store, false, "olga", 10, DonePosition::of(first.back()));
    EXPECT_EQ(ids(rest), std::vector<std::string>(newest_first.begin() + 2, newest_first.end()));
}

// A closed task is found by its id through the instance's index of closed tasks: the instance
// and the index in one round trip, then the one history entry; a long history is not walked.
TEST_P(Durable, AClosedTaskIsFoundByItsIdWithoutWalkingTheHistory) {
    Node& node = add_node();
    put(node, shipped("mou_proposal"));
    const std::string draft = submit_drafts(node, 1).at(0);
    const std::string id(Keyspace::instance_of(draft));
    // Over 250 more history entries after it: claims and releases of the next task.
    auto inst = run(node.runtime->get(id));
    ASSERT_TRUE(inst.ok()) << inst.error().to_string();
    ASSERT_FALSE(inst->tasks.empty());
    const engine::Task next = inst->tasks.front();
    const auto holder = person("dana", {next.role});
    for (int i = 0; i < 130; ++i) {
        ASSERT_TRUE(run(node.runtime->send(id, Input{engine::ClaimTaskInput{next.id, 0}, holder})));
        ASSERT_TRUE(run(node.runtime->send(id, Input{engine::ReleaseTaskInput{next.id}, holder})));
    }
    auto walks = [&] {
        long long calls = 0;
        for (const auto& info :
             run(node.client->on_every_node(command_of("INFO", "commandstats")))) {
            if (!info) continue;
            const std::string field = "cmdstat_xrevrange:calls=";
            if (auto at = info->str.find(field); at != std::string::npos)
                calls += std::stoll(info->str.substr(at + field.size()));
        }
        return calls;
    };
    const long long before = walks();
    auto closed = run(node.store->find_task(draft));
    ASSERT_TRUE(closed.ok()) << closed.error().to_string();
    EXPECT_EQ(closed->status, engine::TaskStatus::completed);
    EXPECT_EQ(closed->outcome, "submit");
    EXPECT_EQ(closed->fields, kProposal);
    EXPECT_EQ(walks(), before) << "found through the index, without a walk";
    auto open = run(node.store->find_task(next.id));
    ASSERT_TRUE(open.ok());
    EXPECT_TRUE(open->is_open());
    EXPECT_EQ(walks(), before);

    // A task closed before the index was kept is still found, by walking the history.
    const std::string index = node.store->keys().closed_tasks(id);
    ASSERT_TRUE(run(node.client->command(index, command_of("DEL", index))));
    auto walked = run(node.store->find_task(draft));
    ASSERT_TRUE(walked.ok()) << walked.error().to_string();
    EXPECT_EQ(walked->outcome, "submit");
    EXPECT_GT(walks(), before);
    EXPECT_EQ(run(node.store->find_task(id + ".t99")).error().code,
              engine::ErrorCode::task_not_found);
}

TEST_P(Durable, EachShardKeepsOnlyTheNewestCompletedTasksListed) {
    shards_ = 1;
    done_kept_ = 2;
    Node& node = add_node();
    put(node, shipped("mou_proposal"));
    const std::vector<std::string> drafts = submit_drafts(node, 4);
    const auto listed = run_done(*node.store, false, "olga", 10, std::nullopt);
    ASSERT_EQ(listed.size(), 2u);
    EXPECT_EQ(listed.at(0).id, drafts[3]);
    EXPECT_EQ(listed.at(1).id, drafts[2]);
    const std::string list = node.store->keys().done_list(0, Keyspace::done_field(false, "olga"));
    auto length = run(node.client->command(list, command_of("LLEN", list)));
    ASSERT_TRUE(length.ok());
    EXPECT_EQ(length->integer, 2) << "the older ones are trimmed in the commit";
    // The older ones are still found by id, from their instances' histories.
    auto old = run(node.store->find_task(drafts[0]));
    ASSERT_TRUE(old.ok()) << old.error().to_string();
    EXPECT_EQ(old->status, engine::TaskStatus::completed);
}

// commit.lua finds a list's field in its key, after the shard's tag, only when it trims the
// list: a name that holds the very text it looks for, a colon and a space changes nothing.
TEST_P(Durable, ADoneListIsTrimmedUnderItsOwnFieldWhateverThePersonIsCalled) {
    shards_ = 1;
    done_kept_ = 2;
    Node& node = add_node();
    put(node, shipped("mou_proposal"));
    const std::string odd = "o}:done-list:who:x y";
    const std::vector<std::string> drafts = submit_drafts(node, 4, odd);
    auto page = run(node.store->done_tasks(false, odd, 10, std::nullopt));
    ASSERT_TRUE(page.ok()) << page.error().to_string();
    ASSERT_EQ(page->tasks.size(), 2u);
    EXPECT_EQ(page->tasks[0].id, drafts[3]);
    EXPECT_EQ(page->tasks[1].id, drafts[2]);
    auto trimmed = run(node.store->find_task(drafts[1]));
    ASSERT_TRUE(trimmed.ok()) << trimmed.error().to_string();
    EXPECT_EQ(page->complete_since, trimmed->closed_at + 1) << "the newest trimmed, and no later";
    const std::string since = node.store->keys().done_since(0);
    for (bool by_role : {false, true}) {
        const std::string field = Keyspace::done_field(by_role, by_role ? "officer" : odd);
        const std::string list = node.store->keys().done_list(0, field);
        auto length = run(node.client->command(list, command_of("LLEN", list)));
        ASSERT_TRUE(length.ok()) << length.error().to_string();
        EXPECT_EQ(length->integer, 2) << field;
        auto at = run(node.client->command(since, command_of("HGET", since, field)));
        ASSERT_TRUE(at.ok()) << at.error().to_string();
        EXPECT_EQ(at->str, std::to_string(trimmed->closed_at)) << field;
    }
    auto fields = run(node.client->command(since, command_of("HLEN", since)));
    ASSERT_TRUE(fields.ok());
    EXPECT_EQ(fields->integer, 2) << "one field per list trimmed, none under a wrong name";
}

// A shard's feed is trimmed by one add in 16 of a node's (RedisStore::kFeedTrimEvery), to
// about feed_max_length: whole stream nodes go, so with nodes of 2 entries it stays within the
// length, a node, and the adds since the last trim.
TEST_P(Durable, AShardsFeedStaysNearItsLengthThoughOnlySomeAddsTrimIt) {
    shards_ = 1;
    feed_max_length_ = 4;
    Node& node = add_node();
    put(node, shipped("mou_proposal"));
    for (const auto& set : run(node.client->on_every_node(
             command_of("CONFIG", "SET", "stream-node-max-entries", "2"))))
        ASSERT_TRUE(set.ok()) << set.error().to_string();
    const std::string feed = node.store->keys().feed(0);
    std::size_t longest = 0;
    for (int round = 0; round < 6; ++round) {
        submit_drafts(node, 5);  // ten entries: each start and each submission opens a task
        auto length = run(node.client->command(feed, command_of("XLEN", feed)));
        ASSERT_TRUE(length.ok()) << length.error().to_string();
        longest = std::max<std::size_t>(longest, static_cast<std::size_t>(length->integer));
    }
    EXPECT_LE(longest, 4u + 2u + RedisStore::kFeedTrimEvery) << "60 entries added";
    EXPECT_GE(longest, 4u);
}

TEST_P(Durable, ADoneListHasNoGapsWhereOneShardsListWasTrimmedAndAnothersNot) {
    done_kept_ = 2;  // 16 shards: some lists get trimmed, most do not
    Node& node = add_node();
    put(node, shipped("mou_proposal"));
    const std::vector<std::string> drafts = submit_drafts(node, 40);
    auto page = run(node.store->done_tasks(false, "olga", 100, std::nullopt));
    ASSERT_TRUE(page.ok()) << page.error().to_string();
    EXPECT_GT(page->complete_since, 0) << "40 completions over 16 shards trim some list";
    ASSERT_FALSE(page->tasks.empty());
    // Whatever is listed is the newest completions, each one of them down to the oldest listed.
    for (std::size_t i = 0; i < page->tasks.size(); ++i)
        EXPECT_EQ(page->tasks[i].id, drafts[drafts.size() - 1 - i]) << "at " << i;
    EXPECT_GE(page->tasks.back().closed_at, page->complete_since);
}

TEST_P(Durable, ARefusedInputChangesNothing) {
    Node& node = add_node();
    put(node, shipped("mou_proposal"));
    auto started = propose(node);
    const std::string id = started->instance.id;
    const std::string draft = started->instance.tasks.front().id;
    auto wrong =
        run(node.runtime->send(id, complete(draft, "submit", kProposal, person("dan", {"dean"}))));
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(wrong.error().code, ErrorCode::forbidden);
    auto unknown =
        run(node.runtime->send(id, Input{engine::EventInput{"no_such_event", json::object()},
                                         person("olga", {"officer"})}));
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, ErrorCode::unknown_event);
    auto loaded = run(node.store->load(id));
    EXPECT_EQ(loaded->revision, 1u);
    EXPECT_EQ(run(node.store->history(id))->size(), 1u);
    EXPECT_EQ(run(node.store->open_tasks_for_role("officer", 10))->size(), 1u);
}

TEST_P(Durable, TheSameIdempotencyKeyTwiceHasOneEffect) {
    Node& node = add_node();
    put(node, shipped("mou_proposal"));
    auto olga = person("olga", {"officer"});
    auto first = run(node.runtime->start(request("mou_proposal", partner(), "", "start-42"), olga));
    auto again = run(node.runtime->start(request("mou_proposal", partner(), "", "start-42"), olga));
    ASSERT_TRUE(first.ok() && again.ok());
    EXPECT_TRUE(first->created);
    EXPECT_FALSE(again->created);
    EXPECT_EQ(first->instance.id, again->instance.id);

    const std::string id = first->instance.id;
    const std::string draft = first->instance.tasks.front().id;
    auto a = run(node.runtime->send(id, complete(draft, "submit", kProposal, olga), "submit-1"));
    // A second node, which never saw the first request, gets the same key.
    Node& other = add_node();
    auto b = run(other.runtime->send(id, complete(draft, "submit", kProposal, olga), "submit-1"));
    ASSERT_TRUE(a.ok()) << a.error().to_string();
    ASSERT_TRUE(b.ok()) << b.error().to_string();
    EXPECT_EQ(a->revision, 2u);
    EXPECT_EQ(b->revision, 2u) << "the first result, not a second application";
    EXPECT_EQ(run(node.store->load(id))->revision, 2u);
    EXPECT_EQ(run(node.store->history(id))->size(), 2u);
    EXPECT_EQ(node.runtime->stats().duplicates + other.runtime->stats().duplicates, 2u);
}

TEST_P(Durable, ABusinessKeyStartsOneInstance) {
    Node& a = add_node();
    Node& b = add_node();
    put(a, shipped("mou_proposal"));
    auto olga = person("olga", {"officer"});
    auto first = run(a.runtime->start(request("mou_proposal", partner(), "MOU-2027-001"), olga));
    auto second = run(b.runtime->start(request("mou_proposal", partner(), "MOU-2027-001"), olga));
    ASSERT_TRUE(first.ok() && second.ok());
    EXPECT_TRUE(first->created);
    EXPECT_FALSE(second->created);
    EXPECT_EQ(first->instance.id, second->instance.id);
    EXPECT_EQ(run(a.store->open_tasks_for_role("officer", 10))->size(), 1u);
}

TEST_P(Durable, TwoNodesCompletingTheSameTaskAtOnceOneWinsTheOtherIsRefused) {
    Node& a = add_node();
    Node& b = add_node();
    put(a, shipped("mou_proposal"));
    auto olga = person("olga", {"officer"});
    auto otto = person("otto", {"officer"});
    for (int round = 0; round < 10; ++round) {
        auto started = run(a.runtime->start(request("mou_proposal", partner()), olga));
        ASSERT_TRUE(started.ok());
        const std::string id = started->instance.id;
        const std::string draft = started->instance.tasks.front().id;
        (void)run(b.runtime->get(id));  // both nodes hold revision 1
        auto both = [&]() -> boost::asio::awaitable<
                              std::pair<Result<engine::Instance>, Result<engine::Instance>>> {
            auto ex = co_await boost::asio::this_coro::executor;
            auto fa =
                spawn(ex, a.runtime->send(id, complete(draft, "withdraw", json::object(), olga)));
            auto rb = co_await b.runtime->send(id, complete(draft, "submit", kProposal, otto));
            while (fa.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
                boost::asio::steady_timer t(ex, std::chrono::milliseconds(1));
                co_await t.async_wait(boost::asio::use_awaitable);
            }
            co_return std::make_pair(std::move(*fa.get()), std::move(rb));
        };
        auto [ra, rb] = run(both());
        EXPECT_NE(ra.ok(), rb.ok()) << "exactly one wins";
        const auto& loser = ra.ok() ? rb : ra;
        ASSERT_FALSE(loser.ok());
        // Withdrawing ends the instance; submitting moves it on: the other one came too late.
        EXPECT_TRUE(loser.error().code == ErrorCode::task_closed ||
                    loser.error().code == ErrorCode::task_not_found ||
                    loser.error().code == ErrorCode::instance_finished)
            << loser.error().to_string();
        EXPECT_EQ(run(a.store->load(id))->revision, 2u);
        EXPECT_EQ(run(a.store->history(id))->size(), 2u);
    }
}

TEST_P(Durable, TenThousandTimersDueAtOnceFireExactlyOnceAcrossThreeNodes) {
    Node& a = add_node();
    put(a, definition(timed_workflow()));
    constexpr int kInstances = 10'000;
    std::vector<std::string> ids;
    auto start_all = [&]() -> boost::asio::awaitable<void> {
        for (int i = 0; i < kInstances; ++i) {
            auto s = co_await a.runtime->start(request("timed", json::object()),
                                               engine::Actor::system_actor());
            if (s) ids.push_back(s->instance.id);
        }
    };
    run(start_all());
    ASSERT_EQ(ids.size(), static_cast<std::size_t>(kInstances));
    EXPECT_EQ(*run(a.store->instances_with_timers()), static_cast<std::size_t>(kInstances));

    Node& b = add_node();
    Node& c = add_node();
    clock_.now += 2 * 24 * 3600 * 1000;  // every timer is now a day late
    // The three nodes poll at the same time, as three processes would.
    auto drain = [&](Node& n) -> boost::asio::awaitable<void> {
        for (int idle = 0; idle < 3;) {
            auto fired = co_await n.runtime->fire_due_timers();
            idle = (fired && *fired == 0) ? idle + 1 : 0;
        }
    };
    auto all_three = [&]() -> boost::asio::awaitable<void> {
        auto ex = co_await boost::asio::this_coro::executor;
        auto fb = boost::asio::co_spawn(ex, drain(b), boost::asio::use_future);
        auto fc = boost::asio::co_spawn(ex, drain(c), boost::asio::use_future);
        co_await drain(a);
        while (fb.wait_for(std::chrono::seconds(0)) != std::future_status::ready ||
               fc.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
            boost::asio::steady_timer t(ex, std::chrono::milliseconds(2));
            co_await t.async_wait(boost::asio::use_awaitable);
        }
    };
    run(all_three());
    const auto fired = a.runtime->stats().timers_fired + b.runtime->stats().timers_fired +
                       c.runtime->stats().timers_fired;
    EXPECT_EQ(fired, static_cast<std::uint64_t>(kInstances));
    EXPECT_GT(b.runtime->stats().timers_fired, 0u) << "the work was shared";
    EXPECT_EQ(*run(a.store->instances_with_timers()), 0u);
    // Each instance: started, then its one timer, a day late (a sample of them, fully checked).
    for (int i = 0; i < kInstances; i += 97) {
        auto history = run(a.store->history(ids[static_cast<std::size_t>(i)]));
        ASSERT_EQ(history->size(), 2u) << ids[static_cast<std::size_t>(i)];
        json entry = json::parse(history->at(1).entry);
        EXPECT_EQ(entry["input"], "timer");
        EXPECT_EQ(entry["detail"]["late_ms"], 24 * 3600 * 1000);
        EXPECT_EQ(run(a.store->load(ids[static_cast<std::size_t>(i)]))->status,
                  engine::InstanceStatus::finished);
    }
}

TEST_P(Durable, ATimerClaimedByANodeThatDiedFiresOnceTheLeaseEnds) {
    Node& a = add_node();
    put(a, definition(timed_workflow()));
    auto s = run(a.runtime->start(request("timed", json::object()), engine::Actor::system_actor()));
    ASSERT_TRUE(s.ok());
    clock_.now += 2 * 24 * 3600 * 1000;
    // A node claims the timer and dies before its commit.
    auto claimed =
        run(a.store->claim_due_timers(clock_.now, std::chrono::milliseconds(30'000), 10));
    ASSERT_EQ(claimed->size(), 1u);
    Node& b = add_node();
    EXPECT_EQ(*run(b.runtime->fire_due_timers()), 0u) << "the lease still runs";
    clock_.now += 31'000;
    EXPECT_EQ(*run(b.runtime->fire_due_timers()), 1u);
    EXPECT_EQ(*run(b.runtime->fire_due_timers()), 0u);
    EXPECT_EQ(run(b.store->history(s->instance.id))->size(), 2u);
}

TEST_P(Durable, ATimerEntryPointingAtNothingDueIsMendedToTheNextPendingTimer) {
    Node& a = add_node();
    put(a, definition(timed_workflow()));
    auto s = run(a.runtime->start(request("timed", json::object()), engine::Actor::system_actor()));
    ASSERT_TRUE(s.ok());
    const std::string id = s->instance.id;
    const TimeMs due = s->instance.next_timer_due();
    ASSERT_GT(due, clock_.now);
    // The entry says a timer is due now; the instance's one timer is due tomorrow.
    const std::string timers = a.store->keys().timers(a.store->keys().shard_of(id));
    ASSERT_TRUE(
        run(a.client->command(timers, command_of("ZADD", timers, std::to_string(clock_.now), id)))
            .ok());
    EXPECT_EQ(*run(a.runtime->fire_due_timers()), 0u);
    auto score = run(a.client->command(timers, command_of("ZSCORE", timers, id)));
    ASSERT_TRUE(score.ok());
    EXPECT_EQ(score->str, std::to_string(due)) << "set to the instance's own next timer";
    EXPECT_EQ(run(a.store->history(id))->size(), 1u) << "and nothing fired";
}

TEST_P(Durable, AnInstanceWithSeveralTimersDueAtOnceFiresEachOnceInDueOrder) {
    Node& a = add_node();
    put(a, shipped("mou_proposal"));
    auto started = propose(a);
    const std::string id = started->instance.id;
    auto submitted = run(a.runtime->send(id, complete(started->instance.tasks.front().id, "submit",
                                                      kProposal, person("olga", {"officer"}))));
    ASSERT_TRUE(submitted.ok()) << submitted.error().to_string();
    // The dean's task: two reminders and its due date, all three past after 60 days.
    std::vector<std::pair<engine::TimeMs, std::string>> expected;
    for (const auto* t : submitted->pending_timers()) expected.emplace_back(t->due_at, t->id);
    ASSERT_EQ(expected.size(), 3u);
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(*run(a.store->instances_with_timers()), 1u) << "one entry for the instance";
    clock_.now += 60LL * 24 * 3600 * 1000;
    Node& b = add_node();
    std::size_t fired = 0;
    for (int round = 0; round < 5; ++round) {
        auto fa = run(a.runtime->fire_due_timers());
        auto fb = run(b.runtime->fire_due_timers());
        ASSERT_TRUE(fa.ok() && fb.ok());
        fired += *fa + *fb;
    }
    std::vector<std::string> order;
    auto history = run(a.store->history(id));
    ASSERT_TRUE(history.ok());
    for (const auto& record : history.value()) {
        json entry = json::parse(record.entry);
        if (entry["input"] == "timer") order.push_back(entry["detail"]["timer"]);
    }
    std::vector<std::string> ids;
    for (const auto& [due, timer] : expected) ids.push_back(timer);
    EXPECT_EQ(order, ids) << "each once, earliest first";
    EXPECT_EQ(fired, 3u);
}

TEST_P(Durable, ChildWorkflowsCrossShardsThroughTheOutboxExactlyOnceInEffect) {
    Node& node = add_node();
    put(node, definition(json::parse(R"({
      "workflow": "parent", "version": 1, "title": "Parent", "start": "waiting",
      "states": {
        "waiting": {"invoke": {"workflow": "child"}, "on": {"child.done": {"target": "over", "actions": [{"set": {"got": {"var": "$event.data.answer"}}}]}}},
        "over": {"final": "ok"}
      }})")));
    put(node, definition(json::parse(R"({
      "workflow": "child", "version": 1, "title": "Child", "start": "asking",
      "states": {
        "asking": {"task": {"role": "officer", "title": "Answer", "fields": {"answer": {"type": "string"}}, "outcomes": ["answer"]},
                   "on": {"answer": "done"}},
        "done": {"final": "done"}
      }})")));
    auto parent =
        run(node.runtime->start(request("parent", json::object()), person("olga", {"officer"})));
    ASSERT_TRUE(parent.ok()) << parent.error().to_string();

    // Delivered twice, as after a node died between delivering and acknowledging.
    auto entries = run(node.store->take_outbox("n1", 10, std::chrono::milliseconds(60'000)));
    ASSERT_EQ(entries->size(), 1u);
    EXPECT_EQ(entries->front().kind, "child.start");
    ASSERT_TRUE(run(node.runtime->deliver(entries->front())).ok());
    ASSERT_TRUE(run(node.runtime->deliver(entries->front())).ok());
    ASSERT_TRUE(run(node.store->ack_outbox(entries->front())).ok());

    auto tasks = run(node.store->open_tasks_for_role("officer", 10));
    ASSERT_EQ(tasks->size(), 1u) << "one child, started once";
    const std::string child = tasks->front().instance_id;
    EXPECT_EQ(run(node.store->history(child))->size(), 1u);
    ASSERT_TRUE(
        run(node.runtime->send(child, complete(tasks->front().id, "answer", {{"answer", "yes"}},
                                               person("otto", {"officer"}))))
            .ok());

    auto results = run(node.store->take_outbox("n1", 10, std::chrono::milliseconds(60'000)));
    ASSERT_EQ(results->size(), 1u);
    EXPECT_EQ(results->front().kind, "child.result");
    ASSERT_TRUE(run(node.runtime->deliver(results->front())).ok());
    ASSERT_TRUE(run(node.runtime->deliver(results->front())).ok());
    ASSERT_TRUE(run(node.store->ack_outbox(results->front())).ok());
    auto done = run(node.store->load(parent->instance.id));
    EXPECT_EQ(done->status, engine::InstanceStatus::finished);
    EXPECT_EQ(done->data.get()["got"], "yes");
    EXPECT_EQ(run(node.store->history(parent->instance.id))->size(), 2u) << "the result, once";
    EXPECT_TRUE(run(node.store->take_outbox("n1", 10, std::chrono::milliseconds(0)))->empty());
}

TEST_P(Durable, ADeadNodesOutboxEntriesAreTakenOverByAnother) {
    Node& a = add_node();
    put(a, definition(json::parse(R"({
      "workflow": "starter", "version": 1, "title": "Starts another", "start": "go",
      "states": {"go": {"entry": [{"start": {"workflow": "timed"}}], "on": {"stop": "end"}}, "end": {"final": "ok"}}})")));
    put(a, definition(timed_workflow()));
    ASSERT_TRUE(
        run(a.runtime->start(request("starter", json::object()), engine::Actor::system_actor()))
            .ok());
    // Node a takes the entry and dies without acknowledging it.
    ASSERT_EQ(run(a.store->take_outbox("a", 10, std::chrono::milliseconds(60'000)))->size(), 1u);
    RuntimeOptions reclaiming;
    reclaiming.node_id = "b";
    reclaiming.outbox_reclaim = std::chrono::milliseconds(0);
    Node& b = add_node(reclaiming);
    EXPECT_EQ(*run(b.runtime->deliver_outbox()), 1u);
    EXPECT_EQ(*run(b.runtime->deliver_outbox()), 0u);
    EXPECT_EQ(*run(b.store->instances_with_timers()), 1u) << "the started instance, once";
}

TEST_P(Durable, AWorkflowThatStartsItselfStopsAtTheDepthBound) {
    RuntimeOptions options;
    options.max_start_depth = 5;
    Node& node = add_node(options);
    put(node, definition(json::parse(R"({
      "workflow": "looper", "version": 1, "title": "Starts itself", "start": "go",
      "states": {"go": {"entry": [{"start": {"workflow": "looper"}}], "on": {"stop": "end"}}, "end": {"final": "ok"}}})")));
    ASSERT_TRUE(
        run(node.runtime->start(request("looper", json::object()), engine::Actor::system_actor()))
            .ok());
    for (int round = 0; round < 20; ++round) (void)run(node.runtime->deliver_outbox());
    std::size_t instances = 0;
    for (int s = 0; s < node.store->keys().shards(); ++s) {
        const std::string key = node.store->keys().workflow_instances(s, "looper");
        instances += static_cast<std::size_t>(
            run(node.client->command(key, command_of("ZCARD", key)))->integer);
    }
    EXPECT_EQ(instances, 6u) << "depths 0 to 5";
    EXPECT_EQ(node.runtime->stats().starts_refused, 1u);
    EXPECT_TRUE(run(node.store->take_outbox("n1", 10, std::chrono::milliseconds(0)))->empty());
}

TEST_P(Durable, ClaimsAreExclusiveUntilTheirLeaseEnds) {
    Node& node = add_node();
    put(node, shipped("mou_proposal"));
    auto olga = person("olga", {"officer"});
    auto otto = person("otto", {"officer"});
    auto started = propose(node);
    const std::string id = started->instance.id, draft = started->instance.tasks.front().id;
    auto claimed = run(
        node.runtime->send(id, Input{engine::ClaimTaskInput{draft, clock_.now + 60'000}, olga}));
    ASSERT_TRUE(claimed.ok()) << claimed.error().to_string();
    EXPECT_EQ(run(node.store->open_tasks_for_assignee("olga", 10, clock_.now))->size(), 1u)
        << "mine now";
    auto refused = run(node.runtime->send(id, complete(draft, "submit", kProposal, otto)));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::forbidden);
    clock_.now += 61'000;
    EXPECT_TRUE(run(node.store->open_tasks_for_assignee("olga", 10, clock_.now))->empty())
        << "the lease ended: no longer hers";
    auto after = run(node.runtime->send(id, complete(draft, "submit", kProposal, otto)));
    EXPECT_TRUE(after.ok()) << after.error().to_string();
    EXPECT_TRUE(run(node.store->open_tasks_for_assignee("olga", 10, clock_.now))->empty());
}

TEST_P(Durable, TheFeedCarriesEachChangeOnceAndResumesFromACursor) {
    Node& node = add_node();
    put(node, shipped("mou_proposal"));
    auto olga = person("olga", {"officer"});
    auto started = propose(node);
    // A read holds back what is as new as the read itself (FeedPage::held_back): these reads
    // come a few milliseconds after the commits they look for.
    const auto feed_after = [&](const std::string& from, std::size_t n) {
        std::this_thread::sleep_for(std::chrono::milliseconds(3));
        return run(node.store->read_feed(from, n));
    };
    auto page = feed_after("", 100);
    ASSERT_TRUE(page.ok()) << page.error().to_string();
    ASSERT_EQ(page->events.size(), 1u);
    EXPECT_EQ(page->events[0].event["type"], "task.opened");
    EXPECT_EQ(page->events[0].event["task"]["role"], "officer");
    const std::string cursor = page->cursor;

    const std::string id = started->instance.id;
    ASSERT_TRUE(run(node.runtime->send(id, complete(started->instance.tasks.front().id, "submit",
                                                    kProposal, olga)))
                    .ok());
    auto more = feed_after(cursor, 100);
    ASSERT_TRUE(more.ok());
    std::vector<std::string> types;
    for (const auto& e : more->events) types.push_back(e.event["type"]);
    EXPECT_EQ(types, (std::vector<std::string>{"task.completed", "task.opened"}));
    EXPECT_EQ(more->events[1].event["task"]["role"], "dean");
    EXPECT_FALSE(more->reset);
    // From the last cursor: nothing again; from the one in between: the rest, once.
    EXPECT_TRUE(feed_after(more->cursor, 100)->events.empty());
    auto rest = feed_after(more->events[0].cursor, 100);
    ASSERT_EQ(rest->events.size(), 1u);
    EXPECT_EQ(rest->events[0].event["type"], "task.opened");
    // One commit's events are one entry: a page may end inside it, and resume there.
    auto first = feed_after(cursor, 1);
    ASSERT_EQ(first->events.size(), 1u);
    EXPECT_EQ(first->events[0].event["type"], "task.completed");
    EXPECT_EQ(first->events[0].event["instance"], id);
    EXPECT_EQ(first->events[0].event["task"]["instance"], id);
    auto second = feed_after(first->cursor, 1);
    ASSERT_EQ(second->events.size(), 1u);
    EXPECT_EQ(second->events[0].event["type"], "task.opened");
    EXPECT_EQ(second->cursor, more->cursor);
    EXPECT_TRUE(feed_after(second->cursor, 1)->events.empty());
    auto bad = feed_after("not a cursor!", 10);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, ErrorCode::invalid_input);
    // A position inside an entry is "<id>.<k>"; anything else there is refused, not guessed.
    for (const char* position : {"1-0.", "1-0.x", "1-0.-1", "1-0.1.2", ".3"}) {
        FeedCursor forged;
        forged.ids.assign(static_cast<std::size_t>(node.store->keys().shards()), "0-0");
        forged.ids[0] = position;
        auto refused = feed_after(forged.encode(), 10);
        ASSERT_FALSE(refused.ok()) << position;
        EXPECT_EQ(refused.error().code, ErrorCode::invalid_input) << position;
    }
}

TEST_P(Durable, NodesWithAndWithoutCompressionShareOneKeyspace) {
    // Node a keeps plain JSON, node b zstd frames: each reads what the other wrote, and the
    // history chain holds across both.
    Node& a = add_node({}, 0);
    Node& b = add_node({}, 3);
    put(a, shipped("mou_proposal"));
    auto olga = person("olga", {"officer"});
    auto started = propose(a);
    const std::string id = started->instance.id;
    const std::string draft = started->instance.tasks.front().id;
    const std::string key = a.store->keys().instance(id);
    const auto raw = [&] { return run(a.client->command(key, command_of("GET", key)))->str; };
    EXPECT_NE(raw().find("{\"id\""), std::string::npos) << "a wrote JSON";
    auto moved = run(b.runtime->send(id, complete(draft, "submit", kProposal, olga)));
    ASSERT_TRUE(moved.ok()) << moved.error().to_string();
    EXPECT_EQ(raw().find("{\"id\""), std::string::npos) << "b wrote a frame";
    auto loaded = run(a.store->load(id));
    ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
    EXPECT_EQ(loaded->revision, 2u);
    EXPECT_EQ(loaded->data.get()["scope"], kProposal["scope"]);
    auto closed = run(a.store->find_task(draft));
    ASSERT_TRUE(closed.ok()) << closed.error().to_string();
    EXPECT_EQ(closed->fields, kProposal) << "from b's compressed history entry";
    auto deans = run(a.store->open_tasks_for_role("dean", 10));
    ASSERT_EQ(deans->size(), 1u);
    auto returned = run(a.runtime->send(
        id, complete(deans->front().id, "return", {{"note", "quotas?"}}, person("dan", {"dean"}))));
    ASSERT_TRUE(returned.ok()) << returned.error().to_string();
    for (Node* n : {&a, &b}) {
        auto check = run(n->store->verify_history(id));
        ASSERT_TRUE(check.ok());
        EXPECT_TRUE(check->intact) << check->problem;
        EXPECT_EQ(check->entries, 3u);
        auto history = run(n->store->history(id));
        ASSERT_EQ(history->size(), 3u);
        for (const auto& r : *history) EXPECT_TRUE(json::accept(r.entry)) << "readable JSON";
    }
}

TEST_P(Durable, ACorruptCompressedDocumentIsAStorageErrorNotACrash) {
    Node& node = add_node();
    put(node, shipped("mou_proposal"));
    auto started = propose(node);
    const std::string id = started->instance.id;
    const std::string key = node.store->keys().instance(id);
    const std::string magic = "\x28\xb5\x2f\xfd";
    for (const std::string& doc : {magic, magic + "garbage that is no frame", magic + "\xff\xff"}) {
        ASSERT_TRUE(run(node.client->command(key, command_of("SET", key, "1 abc " + doc))).ok());
        auto loaded = run(node.store->load(id));
        ASSERT_FALSE(loaded.ok());
        EXPECT_EQ(loaded.error().code, ErrorCode::storage_error) << loaded.error().to_string();
    }
}

TEST_P(Durable, TamperingWithHistoryIsDetected) {
    Node& node = add_node();
    put(node, shipped("mou_proposal"));
    auto olga = person("olga", {"officer"});
    auto started = propose(node);
    const std::string id = started->instance.id;
    ASSERT_TRUE(run(node.runtime->send(id, complete(started->instance.tasks.front().id, "submit",
                                                    kProposal, olga)))
                    .ok());
    EXPECT_TRUE(run(node.store->verify_history(id))->intact);
    // Someone rewrites the first entry (delete it and append a forged one).
    const std::string key = node.store->keys().history(id);
    auto history = *run(node.store->history(id));
    json forged = json::parse(history[0].entry);
    forged["actor"] = "mallory";
    ASSERT_TRUE(run(node.client->command(key, command_of("XDEL", key, history[0].id))).ok());
    ASSERT_TRUE(run(node.client->command(key, command_of("XADD", key, "*", "e", forged.dump(), "h",
                                                         history[0].hash)))
                    .ok());
    auto check = run(node.store->verify_history(id));
    ASSERT_TRUE(check.ok());
    EXPECT_FALSE(check->intact);
    EXPECT_FALSE(check->problem.empty());
}

// Runs a command; its exit status and standard output.
std::pair<int, std::string> run_command(const std::string& command) {
    std::string out;
    FILE* p = ::popen(command.c_str(), "r");
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    const int status = ::pclose(p);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST_P(Durable, AccordctlVerifyHistorySaysWhetherTheChainHolds) {
    Node& node = add_node();
    put(node, shipped("mou_proposal"));
    auto started = propose(node);
    const std::string id = started->instance.id;
    const std::string cmd = std::string(ACCORDCTL) + " verify-history " + id + " --redis '" + url_ +
                            "' --prefix " + prefix_;
    auto [ok_status, ok_out] = run_command(cmd);
    EXPECT_EQ(ok_status, 0) << ok_out;
    EXPECT_NE(ok_out.find("1 entries, hash chain intact"), std::string::npos) << ok_out;

    const std::string key = node.store->keys().history(id);
    auto history = *run(node.store->history(id));
    ASSERT_TRUE(run(node.client->command(key, command_of("XDEL", key, history[0].id))).ok());
    auto [bad_status, bad_out] = run_command(cmd);
    EXPECT_EQ(bad_status, 1) << bad_out;
    EXPECT_NE(bad_out.find("history broken"), std::string::npos) << bad_out;
}

TEST_P(Durable, DefinitionsAreImmutablePerVersion) {
    Node& node = add_node();
    auto def = definition(timed_workflow());
    put(node, def);
    put(node, def);  // the same again: a no-op
    json changed = timed_workflow();
    changed["title"] = "Another body";
    auto r = run(node.store->put_definition(definition(changed)));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::conflict);
    changed["version"] = 2;
    put(node, definition(changed));
    Node& other = add_node();
    auto latest = run(other.store->definition("timed", 0));
    ASSERT_TRUE(latest.ok());
    EXPECT_EQ((*latest)->version, 2);
    EXPECT_EQ((*run(other.store->definition("timed", 1)))->source["title"], "A timer");
}

TEST_P(Durable, ADefinitionKeepsItsAuthorsOrderAndTheSameInAnotherOrderIsTheSame) {
    Node& node = add_node();
    // Members out of alphabetical order: the order is the author's, and stays.
    const std::string text = R"({"workflow": "ordered", "version": 1, "title": "Ordered",
      "data": {"properties": {"zeta": {"type": "string"}, "alpha": {"type": "string"}}},
      "start": "wait", "states": {"wait": {"on": {"go": "done"}}, "done": {"final": "done"}}})";
    auto loaded = engine::load_definition_text(text);
    ASSERT_TRUE(loaded.ok());
    ASSERT_TRUE(run(node.store->put_definition(loaded.definition)).ok());
    Node& other = add_node();
    auto back = run(other.store->definition("ordered", 1));
    ASSERT_TRUE(back.ok());
    const std::string dumped = (*back)->ordered_source.dump();
    EXPECT_LT(dumped.find("\"zeta\""), dumped.find("\"alpha\"")) << dumped;
    EXPECT_LT(dumped.find("\"workflow\""), dumped.find("\"data\"")) << dumped;
    // The same definition in json's own (sorted) order, as stored before: the same, no conflict.
    auto sorted = engine::load_definition(json::parse(text));
    ASSERT_TRUE(sorted.ok());
    EXPECT_TRUE(run(node.store->put_definition(sorted.definition)).ok());
}

TEST_P(Durable, ShippedWorkflowsAreLoadedWhenAbsentAndAStoredVersionIsNeverReplaced) {
    Node& node = add_node();
    const std::string shipped_dir = std::string(ACCORD_SOURCE_DIR) + "/workflows";
    auto first = run(load_workflows(*node.store, shipped_dir));
    ASSERT_TRUE(first.ok()) << first.error().to_string();
    EXPECT_EQ(first->stored.size(), 6u);
    EXPECT_TRUE(first->warnings.empty());
    EXPECT_EQ(run(node.store->workflow_names())->size(), 6u);

    // The same directory with one body changed under the same version, and a broken file.
    char tmpl[] = "/tmp/accord-wf-XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    for (const auto& entry : std::filesystem::directory_iterator(shipped_dir))
        std::filesystem::copy(entry.path(), dir + "/" + entry.path().filename().string());
    json changed = json::parse(std::ifstream(dir + "/signing.json"));
    changed["title"] = "Changed without a new version";
    std::ofstream(dir + "/signing.json") << changed.dump();
    std::ofstream(dir + "/broken.json") << R"({"workflow": "broken", "version": 1, "states": )";
    auto second = run(load_workflows(*node.store, dir));
    std::filesystem::remove_all(dir);
    ASSERT_TRUE(second.ok());
    ASSERT_EQ(second->warnings.size(), 2u);
    std::string all;
    for (const auto& w : second->warnings) all += w + "\n";
    EXPECT_NE(all.find("signing v1 is stored with another body"), std::string::npos) << all;
    EXPECT_NE(all.find("broken.json: refused"), std::string::npos) << all;
    Node& other = add_node();
    EXPECT_NE((*run(other.store->definition("signing", 1)))->source["title"], changed["title"]);
}

INSTANTIATE_TEST_SUITE_P(Backends, Durable, ::testing::Values(Backend::single, Backend::cluster),
                         backend_name);

}  // namespace
}  // namespace accord::redis::testing
