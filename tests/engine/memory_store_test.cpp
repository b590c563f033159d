// MemoryStore and LocalRuntime: commits and their revision check, definitions and versions,
// task and timer queries, business keys, history; and the storage form of instances.
#include "accord/engine/memory_store.hpp"

#include "accord/engine/local_runtime.hpp"
#include "test_support.hpp"

namespace accord::engine {
namespace {

using namespace testkit;

DefinitionPtr review(int version = 1, const char* title = "A test workflow") {
    json doc = workflow(json::parse(R"({
      "review": {"task": {"role": "legal", "title": "Review {{name}}", "assignee": {"var": "owner"},
                          "outcomes": ["approve", "reject"], "due": {"var": "deadline"},
                          "escalate": {"after": "P20D", "role": "legal_lead"}},
                 "timers": [{"after": "P30D", "event": "expire"}],
                 "on": {"approve": "approved", "reject": "rejected", "expire": "rejected", "withdraw": "rejected", "poke": {"actions": []},
                        "spawn": {"actions": [{"start": {"workflow": "w", "data": {"var": "$event"}, "key": {"var": "$event.key"}}}]}}},
      "approved": {"final": "approved"},
      "rejected": {"final": "rejected"}
    })"),
                        "review");
    doc["version"] = version;
    doc["title"] = title;
    return load(doc);
}

json review_data(const std::string& name, const std::string& deadline,
                 const std::string& owner = "") {
    json d = {{"name", name}, {"deadline", deadline}};
    if (!owner.empty()) d["owner"] = owner;
    return d;
}

Step started(const Definition& def, const std::string& id, json data,
             TimeMs now = T("2027-01-01")) {
    return start_ok(def, std::move(data), now, id);
}

void commit_ok(MemoryStore& store, const Step& s) {
    auto r = store.commit(s);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
}

// ---------------------------------------------------------------------------------------------
// Commits

TEST(MemoryStore, ACommittedInstanceCanBeLoadedBack) {
    MemoryStore store;
    const auto def = review();
    ASSERT_TRUE(store.put_definition(def).ok());
    const Step s = started(*def, "i1", review_data("a", "2027-02-01"));
    commit_ok(store, s);
    auto loaded = store.load_instance("i1");
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(to_json(*loaded, *def), to_json(s.instance, *def));
    EXPECT_EQ(store.instances().size(), 1u);
}

TEST(MemoryStore, LoadingAnUnknownInstanceIsNotFound) {
    MemoryStore store;
    auto r = store.load_instance("nope");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::not_found);
}

TEST(MemoryStore, ACommitWithAStaleRevisionIsAConflictAndChangesNothing) {
    MemoryStore store;
    const auto def = review();
    ASSERT_TRUE(store.put_definition(def).ok());
    const Step s0 = started(*def, "i1", review_data("a", "2027-02-01"));
    commit_ok(store, s0);
    const Step s1 = step_ok(*def, s0.instance, event("poke"), T("2027-01-02"));
    const Step other = step_ok(*def, s0.instance, event("withdraw"),
                               T("2027-01-02"));  // made from the same revision
    commit_ok(store, s1);
    const json before = store_snapshot(store);
    auto r = store.commit(other);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::conflict);
    EXPECT_EQ(store_snapshot(store), before);
    // The same step twice is stale too.
    r = store.commit(s1);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::conflict);
    EXPECT_EQ(store_snapshot(store), before);
    EXPECT_EQ(store.history("i1").size(), 2u);
}

TEST(MemoryStore, ANewInstanceMustBeCommittedAtRevisionOne) {
    MemoryStore store;
    const auto def = review();
    ASSERT_TRUE(store.put_definition(def).ok());
    Step s = started(*def, "i1", review_data("a", "2027-02-01"));
    s.instance.revision = 3;
    auto r = store.commit(s);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::conflict);
    EXPECT_TRUE(store.instances().empty());
    EXPECT_FALSE(store.next_due_timer(std::numeric_limits<TimeMs>::max()));
    EXPECT_TRUE(store.open_tasks_for_role("legal").empty());
}

TEST(MemoryStore, HistoryHasOneEntryPerCommittedInputInOrder) {
    MemoryStore store;
    const auto def = review();
    ASSERT_TRUE(store.put_definition(def).ok());
    const Step s0 = started(*def, "i1", review_data("a", "2027-02-01"));
    commit_ok(store, s0);
    const Step s1 = step_ok(*def, s0.instance, event("poke"), T("2027-01-02"));
    commit_ok(store, s1);
    const Step s2 = step_ok(*def, s1.instance,
                            complete(s1.instance.tasks[0].id, "approve", person("lee", {"legal"})),
                            T("2027-01-03"));
    commit_ok(store, s2);
    const auto h = store.history("i1");
    ASSERT_EQ(h.size(), 3u);
    EXPECT_EQ(h[0].input, "start");
    EXPECT_EQ(h[1].input, "event");
    EXPECT_EQ(h[2].input, "complete");
    EXPECT_EQ(h[2].from_state, "review");
    EXPECT_EQ(h[2].to_state, "approved");
    EXPECT_EQ(h[2].actor, "lee");
    EXPECT_EQ(h[2].at, T("2027-01-03"));
    EXPECT_TRUE(store.history("other").empty());
}

// ---------------------------------------------------------------------------------------------
// Definitions

TEST(MemoryStore, PuttingTheSameDefinitionTwiceIsFine) {
    MemoryStore store;
    ASSERT_TRUE(store.put_definition(review()).ok());
    EXPECT_TRUE(store.put_definition(review()).ok());
    EXPECT_EQ(store.definitions().size(), 1u);
}

TEST(MemoryStore, ADifferentBodyUnderAStoredVersionIsAConflict) {
    MemoryStore store;
    ASSERT_TRUE(store.put_definition(review(1, "First")).ok());
    auto r = store.put_definition(review(1, "Second"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::conflict);
    EXPECT_EQ(store.find_definition("w", 1)->title, "First");
    EXPECT_EQ(store.definitions().size(), 1u);
}

TEST(MemoryStore, FindDefinitionGivesTheLatestOrTheVersionAsked) {
    MemoryStore store;
    ASSERT_TRUE(store.put_definition(review(2, "Two")).ok());
    ASSERT_TRUE(store.put_definition(review(10, "Ten")).ok());
    ASSERT_TRUE(store.put_definition(review(1, "One")).ok());
    EXPECT_EQ(store.find_definition("w")->version, 10);
    EXPECT_EQ(store.find_definition("w", 0)->title, "Ten");
    EXPECT_EQ(store.find_definition("w", 2)->title, "Two");
    EXPECT_EQ(store.find_definition("w", 3), nullptr);
    EXPECT_EQ(store.find_definition("other"), nullptr);
    EXPECT_EQ(store.definitions().size(), 3u);
}

// ---------------------------------------------------------------------------------------------
// Tasks and timers

TEST(MemoryStore, OpenTasksForARoleComeMostUrgentFirst) {
    MemoryStore store;
    const auto def = review();
    ASSERT_TRUE(store.put_definition(def).ok());
    commit_ok(store, started(*def, "i1", review_data("late", "2027-03-01"), T("2027-01-01")));
    commit_ok(store, started(*def, "i2", review_data("soon", "2027-01-15"), T("2027-01-02")));
    commit_ok(store, started(*def, "i3", review_data("middle", "2027-02-01"), T("2027-01-03")));
    const auto tasks = store.open_tasks_for_role("legal");
    ASSERT_EQ(tasks.size(), 3u);
    EXPECT_EQ(tasks[0].title, "Review soon");
    EXPECT_EQ(tasks[1].title, "Review middle");
    EXPECT_EQ(tasks[2].title, "Review late");
    EXPECT_TRUE(store.open_tasks_for_role("officer").empty());
}

TEST(MemoryStore, TasksWithTheSameDueDateComeInOrderOfCreation) {
    MemoryStore store;
    const auto def = review();
    ASSERT_TRUE(store.put_definition(def).ok());
    commit_ok(store, started(*def, "i1", review_data("second", "2027-03-01"), T("2027-01-02")));
    commit_ok(store, started(*def, "i2", review_data("first", "2027-03-01"), T("2027-01-01")));
    const auto tasks = store.open_tasks_for_role("legal");
    ASSERT_EQ(tasks.size(), 2u);
    EXPECT_EQ(tasks[0].title, "Review first");
    EXPECT_EQ(tasks[1].title, "Review second");
}

TEST(MemoryStore, OpenTasksForAnAssigneeComeMostUrgentFirst) {
    MemoryStore store;
    const auto def = review();
    ASSERT_TRUE(store.put_definition(def).ok());
    commit_ok(store, started(*def, "i1", review_data("late", "2027-03-01", "ann")));
    commit_ok(store, started(*def, "i2", review_data("other", "2027-01-10", "bob")));
    commit_ok(store, started(*def, "i3", review_data("soon", "2027-01-15", "ann")));
    const auto tasks = store.open_tasks_for_assignee("ann");
    ASSERT_EQ(tasks.size(), 2u);
    EXPECT_EQ(tasks[0].title, "Review soon");
    EXPECT_EQ(tasks[1].title, "Review late");
    EXPECT_EQ(store.open_tasks_for_assignee("bob").size(), 1u);
    EXPECT_TRUE(store.open_tasks_for_assignee("cid").empty());
}

TEST(MemoryStore, ClosedTasksLeaveTheListsButCanStillBeFound) {
    MemoryStore store;
    const auto def = review();
    ASSERT_TRUE(store.put_definition(def).ok());
    const Step s0 = started(*def, "i1", review_data("a", "2027-02-01"));
    commit_ok(store, s0);
    const std::string id = s0.instance.tasks[0].id;
    commit_ok(store, step_ok(*def, s0.instance, complete(id, "approve", person("lee", {"legal"})),
                             T("2027-01-05")));
    EXPECT_TRUE(store.open_tasks_for_role("legal").empty());
    auto t = store.find_task(id);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->status, TaskStatus::completed);
    EXPECT_EQ(t->outcome, "approve");
    EXPECT_EQ(t->closed_by, "lee");
    EXPECT_EQ(t->closed_at, T("2027-01-05"));
    auto missing = store.find_task("nope");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::task_not_found);
}

TEST(MemoryStore, ACompletedTaskKeepsItsFieldsAndCommentAfterTheInstanceMovesOn) {
    MemoryStore store;
    const auto def = load(workflow(json::parse(R"({
      "review": {"task": {"role": "legal", "title": "Review", "outcomes": ["approve"], "fields": {"risk": {"type": "string"}}, "due": "P1D"},
                 "on": {"approve": "approved"}},
      "approved": {"final": "approved"}})"),
                                   "review"));
    ASSERT_TRUE(store.put_definition(def).ok());
    const Step s0 = started(*def, "i1", json::object());
    commit_ok(store, s0);
    const std::string id = s0.instance.tasks[0].id;
    commit_ok(store,
              step_ok(*def, s0.instance,
                      complete(id, "approve", person("lee", {"legal"}), {{"risk", "low"}}, "fine"),
                      T("2027-01-05")));
    auto t = store.find_task(id);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->status, TaskStatus::completed);
    EXPECT_EQ(t->outcome, "approve");
    EXPECT_EQ(t->closed_by, "lee");
    EXPECT_EQ(t->fields, json({{"risk", "low"}}));
    EXPECT_EQ(t->comment, "fine");
}

TEST(MemoryStore, HistoryOutlivesTheDefinitionObjectTheStepRanOn) {
    MemoryStore store;
    ASSERT_TRUE(store.put_definition(review()).ok());
    {
        // An equal definition, loaded separately and dropped after the commit.
        const auto transient = review();
        commit_ok(store, started(*transient, "i1", review_data("a", "2027-02-01")));
        commit_ok(store, step_ok(*transient, store.load_instance("i1").value(), event("withdraw"),
                                 T("2027-01-02")));
    }
    std::vector<std::string> filler(1000, std::string(40, 'x'));  // reuse the freed memory
    const auto h = store.history("i1");
    ASSERT_EQ(h.size(), 2u);
    EXPECT_EQ(to_json(h[1])["from"], "review");
    EXPECT_EQ(to_json(h[1])["to"], "rejected");
    EXPECT_EQ(to_json(h[1])["events"], json({"withdraw"}));
}

TEST(MemoryStore, TasksCancelledByLeavingTheStateAreMarkedCancelled) {
    MemoryStore store;
    const auto def = review();
    ASSERT_TRUE(store.put_definition(def).ok());
    const Step s0 = started(*def, "i1", review_data("a", "2027-02-01"));
    commit_ok(store, s0);
    const std::string id = s0.instance.tasks[0].id;
    commit_ok(store, step_ok(*def, s0.instance, cancel(), T("2027-01-05")));
    EXPECT_TRUE(store.open_tasks_for_role("legal").empty());
    EXPECT_EQ(store.find_task(id)->status, TaskStatus::cancelled);
}

TEST(MemoryStore, AnEscalatedTaskIsListedForTheEscalationRoleToo) {
    MemoryStore store;
    const auto def = review();
    ASSERT_TRUE(store.put_definition(def).ok());
    const Step s0 = started(*def, "i1", review_data("a", "2027-03-01"));
    commit_ok(store, s0);
    EXPECT_TRUE(store.open_tasks_for_role("legal_lead").empty());
    const Timer& esc = the_timer(s0.instance, Timer::Kind::task_escalation);
    commit_ok(store, step_ok(*def, s0.instance, fire_timer(esc.id), esc.due_at));
    const auto tasks = store.open_tasks_for_role("legal_lead");
    ASSERT_EQ(tasks.size(), 1u);
    EXPECT_EQ(tasks[0].escalated_to, std::vector<std::string>{"legal_lead"});
    EXPECT_EQ(store.open_tasks_for_role("legal").size(), 1u);
}

TEST(MemoryStore, NextDueTimerIsTheEarliestPendingOneUpToTheLimit) {
    MemoryStore store;
    const auto def = review();
    ASSERT_TRUE(store.put_definition(def).ok());
    const Step a = started(
        *def, "i1", review_data("a", "2027-01-25"));  // due 01-25, escalation 01-21, expiry 01-31
    const Step b = started(*def, "i2", review_data("b", "2027-01-10"));  // due 01-10
    commit_ok(store, a);
    commit_ok(store, b);
    EXPECT_FALSE(store.next_due_timer(T("2027-01-09")));
    auto next = store.next_due_timer(T("2027-01-10"));
    ASSERT_TRUE(next);
    EXPECT_EQ(next->instance_id, "i2");
    EXPECT_EQ(next->due_at, T("2027-01-10"));
    EXPECT_EQ(next->timer_id, the_timer(b.instance, Timer::Kind::task_due).id);
    // Once i2 finishes its timers are gone, and i1's escalation comes next.
    commit_ok(store, step_ok(*def, b.instance, event("withdraw"), T("2027-01-05")));
    next = store.next_due_timer(std::numeric_limits<TimeMs>::max());
    ASSERT_TRUE(next);
    EXPECT_EQ(next->instance_id, "i1");
    EXPECT_EQ(next->due_at, T("2027-01-21"));
}

TEST(MemoryStore, AFiredAtTimerIsNoLongerDue) {
    MemoryStore store;
    const auto def = load(workflow(json::parse(R"({
      "active": {"timers": [{"at": {"var": "when"}, "event": "ping"}],
                 "on": {"ping": {"actions": [{"set": {"pinged": true}}]}, "end": "ended"}},
      "ended": {"final": "ended"}})"),
                                   "active"));
    ASSERT_TRUE(store.put_definition(def).ok());
    const Step s0 = started(*def, "i1", {{"when", "2027-02-01"}});
    commit_ok(store, s0);
    const Timer t = s0.instance.timers[0];
    commit_ok(store, step_ok(*def, s0.instance, fire_timer(t.id), t.due_at));
    EXPECT_FALSE(store.next_due_timer(std::numeric_limits<TimeMs>::max()));
}

TEST(MemoryStore, ABusinessKeyFindsItsInstanceAndIsNotTakenTwice) {
    MemoryStore store;
    const auto def = review();
    ASSERT_TRUE(store.put_definition(def).ok());
    StartInput in{"i1", review_data("a", "2027-02-01"), "agreement-7", {}};
    auto first = start(*def, in, system_actor(), T("2027-01-01"));
    ASSERT_TRUE(first.ok());
    commit_ok(store, *first);
    EXPECT_EQ(store.find_by_key("w", "agreement-7"), "i1");
    EXPECT_FALSE(store.find_by_key("w", "agreement-8"));
    EXPECT_FALSE(store.find_by_key("other", "agreement-7"));
    in.instance_id = "i2";
    auto second = start(*def, in, system_actor(), T("2027-01-01"));
    ASSERT_TRUE(second.ok());
    const json before = store_snapshot(store);
    auto r = store.commit(*second);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::conflict);
    EXPECT_EQ(store_snapshot(store), before);
}

// ---------------------------------------------------------------------------------------------
// LocalRuntime

TEST(LocalRuntime, StartingUnderATakenBusinessKeyReturnsTheSameInstance) {
    MemoryStore store;
    LocalRuntime rt(store);
    ASSERT_TRUE(store.put_definition(review()).ok());
    auto a = rt.start("w", review_data("a", "2027-02-01"), person("olga"), T("2027-01-01"),
                      "agreement-7");
    ASSERT_TRUE(a.ok()) << a.error().to_string();
    auto b = rt.start("w", review_data("b", "2027-02-01"), person("olga"), T("2027-01-02"),
                      "agreement-7");
    ASSERT_TRUE(b.ok()) << b.error().to_string();
    EXPECT_EQ(a->id, b->id);
    EXPECT_EQ(b->data.get()["name"], "a");
    EXPECT_EQ(store.instances().size(), 1u);
    auto c = rt.start("w", review_data("c", "2027-02-01"), person("olga"), T("2027-01-02"),
                      "agreement-8");
    ASSERT_TRUE(c.ok());
    EXPECT_NE(c->id, a->id);
    EXPECT_EQ(store.instances().size(), 2u);
}

TEST(LocalRuntime, StartingAnUnknownWorkflowIsNotFound) {
    MemoryStore store;
    LocalRuntime rt(store);
    auto r = rt.start("nope", json::object(), person("olga"), T("2027-01-01"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::not_found);
}

TEST(LocalRuntime, SendingToAnUnknownInstanceIsNotFound) {
    MemoryStore store;
    LocalRuntime rt(store);
    auto r = rt.send("nope", event("poke"), T("2027-01-01"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::not_found);
}

TEST(LocalRuntime, ARefusedInputLeavesTheStoreAsItWas) {
    MemoryStore store;
    LocalRuntime rt(store);
    ASSERT_TRUE(store.put_definition(review()).ok());
    auto a = rt.start("w", review_data("a", "2027-02-01"), person("olga"), T("2027-01-01"));
    ASSERT_TRUE(a.ok());
    const json before = store_snapshot(store);
    const std::string task = a->tasks[0].id;
    for (const Input& in :
         {event("nope"), complete(task, "approve", person("eve")),
          complete(task, "maybe", person("lee", {"legal"})), fire_timer("nope")}) {
        auto r = rt.send(a->id, in, T("2027-01-02"));
        EXPECT_FALSE(r.ok());
        EXPECT_EQ(store_snapshot(store), before);
    }
}

TEST(LocalRuntime, EveryAppliedInputIsCommittedWithItsHistoryEntry) {
    MemoryStore store;
    LocalRuntime rt(store);
    ASSERT_TRUE(store.put_definition(review()).ok());
    std::vector<std::uint64_t> revisions;
    rt.set_observer([&](const Step& s) { revisions.push_back(s.instance.revision); });
    auto a = rt.start("w", review_data("a", "2027-02-01"), person("olga"), T("2027-01-01"));
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(rt.send(a->id, event("poke"), T("2027-01-02")).ok());
    ASSERT_TRUE(rt.send(a->id, event("poke"), T("2027-01-03")).ok());
    ASSERT_TRUE(rt.send(a->id, complete(a->tasks[0].id, "approve", person("lee", {"legal"})),
                        T("2027-01-04"))
                    .ok());
    EXPECT_EQ(revisions, (std::vector<std::uint64_t>{1, 2, 3, 4}));
    const auto h = store.history(a->id);
    ASSERT_EQ(h.size(), 4u);
    EXPECT_EQ(h[0].input, "start");
    EXPECT_EQ(h[1].input, "event");
    EXPECT_EQ(h[3].input, "complete");
    EXPECT_EQ(store.load_instance(a->id)->revision, 4u);
}

TEST(LocalRuntime, TheHistoryOfAnEventRecordsItsNameAndPayload) {
    MemoryStore store;
    LocalRuntime rt(store);
    ASSERT_TRUE(store.put_definition(review()).ok());
    auto a = rt.start("w", review_data("a", "2027-02-01"), person("olga"), T("2027-01-01"));
    ASSERT_TRUE(a.ok());
    ASSERT_TRUE(rt.send(a->id, event("poke", {{"why", "late"}}), T("2027-01-02")).ok());
    const auto h = store.history(a->id);
    ASSERT_EQ(h.size(), 2u);
    EXPECT_EQ(h[1].detail["event"], "poke");
    EXPECT_EQ(h[1].detail["data"], json({{"why", "late"}}));
    EXPECT_EQ(h[1].actor, "olga");
}

TEST(LocalRuntime, FireDueTimersMayFireEverythingAtTheEndOfThePeriod) {
    MemoryStore store;
    LocalRuntime rt(store);
    ASSERT_TRUE(store.put_definition(review()).ok());
    auto a = rt.start("w", review_data("a", "2027-01-10"), person("olga"), T("2027-01-01"));
    ASSERT_TRUE(a.ok());
    std::vector<TimeMs> times;
    rt.set_observer([&](const Step& s) { times.push_back(s.history.at); });
    EXPECT_EQ(rt.fire_due_timers(T("2027-01-25"), false), 2);
    EXPECT_EQ(times, (std::vector<TimeMs>{T("2027-01-25"), T("2027-01-25")}));
    const auto h = store.history(a->id);
    ASSERT_EQ(h.size(), 3u);
    EXPECT_NE(h[1].note.find("late"), std::string::npos) << h[1].note;
}

TEST(LocalRuntime, AnInstanceStaysOnItsVersionAfterANewerOneIsPut) {
    MemoryStore store;
    LocalRuntime rt(store);
    ASSERT_TRUE(store.put_definition(review()).ok());
    auto a = rt.start("w", review_data("a", "2027-02-01"), person("olga"), T("2027-01-01"));
    ASSERT_TRUE(a.ok());
    // Version 2 routes "withdraw" elsewhere and knows nothing of "poke".
    json v2 = review()->source;
    v2["version"] = 2;
    v2["states"]["review"]["on"].erase("poke");
    v2["states"]["review"]["on"]["withdraw"] = "approved";
    ASSERT_TRUE(store.put_definition(load(v2)).ok());
    ASSERT_TRUE(rt.send(a->id, event("poke"), T("2027-01-02")).ok());
    auto done = rt.send(a->id, event("withdraw"), T("2027-01-03"));
    ASSERT_TRUE(done.ok()) << done.error().to_string();
    EXPECT_EQ(done->version, 1);
    EXPECT_EQ(done->outcome, "rejected");
    // A new instance takes the latest.
    auto b = rt.start("w", review_data("b", "2027-02-01"), person("olga"), T("2027-01-04"));
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->version, 2);
}

TEST(LocalRuntime, FireDueTimersFiresEachDueTimerAtItsOwnTime) {
    MemoryStore store;
    LocalRuntime rt(store);
    ASSERT_TRUE(store.put_definition(review()).ok());
    auto a = rt.start("w", review_data("a", "2027-01-10"), person("olga"), T("2027-01-01"));
    ASSERT_TRUE(a.ok());
    std::vector<TimeMs> times;
    rt.set_observer([&](const Step& s) { times.push_back(s.history.at); });
    // Due 01-10 (overdue) and escalation 01-21; expiry 01-31 is later.
    EXPECT_EQ(rt.fire_due_timers(T("2027-01-25"), true), 2);
    EXPECT_EQ(times, (std::vector<TimeMs>{T("2027-01-10"), T("2027-01-21")}));
    EXPECT_EQ(store.open_tasks_for_role("legal_lead").size(), 1u);
    EXPECT_EQ(rt.fire_due_timers(T("2027-02-01"), true), 1);
    EXPECT_EQ(store.load_instance(a->id)->outcome, "rejected");
    EXPECT_EQ(rt.fire_due_timers(T("2028-01-01"), true), 0);
}

TEST(LocalRuntime, AStartActionStartsAnIndependentInstanceOncePerKey) {
    MemoryStore store;
    LocalRuntime rt(store);
    ASSERT_TRUE(store.put_definition(review()).ok());
    auto a = rt.start("w", review_data("a", "2027-02-01"), person("olga"), T("2027-01-01"));
    ASSERT_TRUE(a.ok());
    const json payload = {{"name", "spawned"}, {"deadline", "2027-03-01"}, {"key", "k-1"}};
    ASSERT_TRUE(rt.send(a->id, event("spawn", payload), T("2027-01-02")).ok());
    ASSERT_EQ(store.instances().size(), 2u);
    const auto spawned = store.find_by_key("w", "k-1");
    ASSERT_TRUE(spawned);
    EXPECT_EQ(store.load_instance(*spawned)->data.get()["name"], "spawned");
    EXPECT_FALSE(store.load_instance(*spawned)->parent);
    ASSERT_TRUE(rt.send(a->id, event("spawn", payload), T("2027-01-03")).ok());
    EXPECT_EQ(store.instances().size(), 2u);
}

// ---------------------------------------------------------------------------------------------
// The storage form

void expect_same(const Task& a, const Task& b) {
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.instance_id, b.instance_id);
    EXPECT_EQ(a.workflow, b.workflow);
    EXPECT_EQ(a.state, b.state);
    EXPECT_EQ(a.role, b.role);
    EXPECT_EQ(a.escalated_to, b.escalated_to);
    EXPECT_EQ(a.assignee, b.assignee);
    EXPECT_EQ(a.personal, b.personal);
    EXPECT_EQ(a.excluded, b.excluded);
    EXPECT_EQ(a.title, b.title);
    EXPECT_EQ(a.description, b.description);
    EXPECT_EQ(a.created_at, b.created_at);
    EXPECT_EQ(a.due_at, b.due_at);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.claimed_by, b.claimed_by);
    EXPECT_EQ(a.outcome, b.outcome);
    EXPECT_EQ(a.closed_by, b.closed_by);
    EXPECT_EQ(a.closed_at, b.closed_at);
    EXPECT_EQ(a.fields, b.fields);
    EXPECT_EQ(a.comment, b.comment);
}

void expect_same(const Instance& a, const Instance& b) {
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.workflow, b.workflow);
    EXPECT_EQ(a.version, b.version);
    EXPECT_EQ(a.state, b.state);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.outcome, b.outcome);
    EXPECT_EQ(a.data.get(), b.data.get());
    EXPECT_EQ(a.business_key, b.business_key);
    ASSERT_EQ(a.parent.has_value(), b.parent.has_value());
    if (a.parent) {
        EXPECT_EQ(a.parent->instance_id, b.parent->instance_id);
        EXPECT_EQ(a.parent->child_id, b.parent->child_id);
    }
    EXPECT_EQ(a.created_at, b.created_at);
    EXPECT_EQ(a.updated_at, b.updated_at);
    EXPECT_EQ(a.entered_at, b.entered_at);
    EXPECT_EQ(a.revision, b.revision);
    EXPECT_EQ(a.next_seq, b.next_seq);
    ASSERT_EQ(a.tasks.size(), b.tasks.size());
    for (std::size_t i = 0; i < a.tasks.size(); ++i) expect_same(a.tasks[i], b.tasks[i]);
    ASSERT_EQ(a.timers.size(), b.timers.size());
    for (std::size_t i = 0; i < a.timers.size(); ++i) {
        EXPECT_EQ(a.timers[i].id, b.timers[i].id);
        EXPECT_EQ(a.timers[i].kind, b.timers[i].kind);
        EXPECT_EQ(a.timers[i].index, b.timers[i].index);
        EXPECT_EQ(a.timers[i].task_id, b.timers[i].task_id);
        EXPECT_EQ(a.timers[i].due_at, b.timers[i].due_at);
        EXPECT_EQ(a.timers[i].fired, b.timers[i].fired);
    }
    ASSERT_EQ(a.children.size(), b.children.size());
    for (std::size_t i = 0; i < a.children.size(); ++i) {
        EXPECT_EQ(a.children[i].id, b.children[i].id);
        EXPECT_EQ(a.children[i].workflow, b.children[i].workflow);
        EXPECT_EQ(a.children[i].index, b.children[i].index);
        EXPECT_EQ(a.children[i].running, b.children[i].running);
        EXPECT_EQ(a.children[i].outcome, b.children[i].outcome);
        EXPECT_EQ(a.children[i].data, b.children[i].data);
    }
}

Instance round_trip(const Instance& inst, const Definition& def) {
    auto back = instance_from_json(to_json(inst, def), def);
    if (!back) {
        ADD_FAILURE() << back.error().to_string();
        throw HelperFailed("round trip failed");
    }
    EXPECT_EQ(to_json(*back, def), to_json(inst, def));
    return *back;
}

TEST(StorageForm, AnInstanceWithTasksAndTimersRoundTripsExactly) {
    const auto def = load(workflow(json::parse(R"({
      "vote": {"task": {"role": "board", "title": "Vote on {{name}}", "description": "By {{deadline}}",
                        "assignees": {"var": "members"}, "separate_from": {"var": "proposer"},
                        "outcomes": ["yes", "no"], "due": "P10D", "remind": ["P3D", "-P1D"],
                        "escalate": {"after": "P12D", "role": "chair"}},
               "timers": [{"at": {"var": "deadline"}, "event": "close"}, {"every": "P1D", "event": "tick"}],
               "on": {"yes": "done", "no": "done", "close": "done", "tick": {"actions": []}}},
      "done": {"final": "ok"}})"),
                                   "vote"));
    StartInput in{"i1",
                  {{"name", "Budget"},
                   {"deadline", "2027-01-20"},
                   {"members", {"ann", "bob", "cid"}},
                   {"proposer", "dan"}},
                  "budget-2027",
                  ParentLink{"p1", "i1"}};
    auto s0 = start(*def, in, system_actor(), T("2027-01-01"));
    ASSERT_TRUE(s0.ok());
    Instance inst = s0->instance;
    inst.tasks[2].claimed_by = "cid";
    // A completed task with fields and a comment, an escalated one, a fired at timer.
    inst = step_ok(*def, inst,
                   complete(inst.tasks[0].id, "yes", person("ann"), json::object(), "fine"),
                   T("2027-01-02"))
               .instance;
    const Timer esc = *timers_of_kind(inst, Timer::Kind::task_escalation)[0];
    inst = step_ok(*def, inst, fire_timer(esc.id), esc.due_at).instance;
    inst.timers.push_back(Timer{"i1.w99", Timer::Kind::state, 0, {}, T("2027-01-20"), true});
    ASSERT_EQ(inst.tasks.size(), 3u);
    ASSERT_FALSE(inst.timers.empty());
    expect_same(round_trip(inst, *def), inst);
}

TEST(StorageForm, AnInstanceWithChildrenRoundTripsExactly) {
    const auto def = load(workflow(json::parse(R"({
      "wait": {"invoke": {"workflow": "child", "for_each": {"var": "xs"}, "outcomes": ["ok", "bad"]},
               "on": {"child.ok": "done", "child.bad": "done"}},
      "done": {"final": "ok"}})"),
                                   "wait"));
    const Step s0 = start_ok(*def, {{"xs", {1, 2, 3}}});
    const Step s1 = step_ok(*def, s0.instance,
                            child_finished(s0.instance.children[1].id, "ok", {{"result", {1, 2}}}),
                            T("2027-01-02"));
    ASSERT_EQ(s1.instance.children.size(), 3u);
    expect_same(round_trip(s1.instance, *def), s1.instance);
}

TEST(StorageForm, AFinishedOrCancelledInstanceRoundTrips) {
    const auto def = review();
    const Step s0 = started(*def, "i1", review_data("a", "2027-02-01", "ann"));
    const Step done =
        step_ok(*def, s0.instance, complete(s0.instance.tasks[0].id, "approve", person("ann")),
                T("2027-01-02"));
    expect_same(round_trip(done.instance, *def), done.instance);
    const Step cancelled = step_ok(*def, s0.instance, cancel(), T("2027-01-02"));
    expect_same(round_trip(cancelled.instance, *def), cancelled.instance);
}

TEST(StorageForm, ARoundTrippedInstanceStepsLikeTheOriginal) {
    const auto def = review();
    const Step s0 = started(*def, "i1", review_data("a", "2027-02-01"));
    const Instance back = round_trip(s0.instance, *def);
    const Step x = step_ok(*def, s0.instance,
                           complete(s0.instance.tasks[0].id, "approve", person("lee", {"legal"})),
                           T("2027-01-02"));
    const Step y =
        step_ok(*def, back, complete(back.tasks[0].id, "approve", person("lee", {"legal"})),
                T("2027-01-02"));
    EXPECT_EQ(to_json(x.instance, *def), to_json(y.instance, *def));
}

TEST(StorageForm, AnInstanceOfAnotherDefinitionIsRefused) {
    const auto def = review();
    const Step s0 = started(*def, "i1", review_data("a", "2027-02-01"));
    const auto v2 = review(2);
    auto r = instance_from_json(to_json(s0.instance, *def), *v2);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::invalid_input);
}

TEST(StorageForm, MalformedStoredInstancesAreRefused) {
    const auto def = review();
    const json good = to_json(started(*def, "i1", review_data("a", "2027-02-01")).instance, *def);
    json bad_state = good;
    bad_state["state"] = "nowhere";
    json bad_status = good;
    bad_status["status"] = "sleeping";
    json missing = good;
    missing.erase("revision");
    json bad_timer = good;
    bad_timer["timers"][0]["kind"] = "alarm";
    for (const json& j : {bad_state, bad_status, missing, bad_timer, json::array()}) {
        auto r = instance_from_json(j, *def);
        ASSERT_FALSE(r.ok()) << j.dump();
        EXPECT_EQ(r.error().code, ErrorCode::invalid_input);
    }
}

TEST(StorageForm, OpenAndClosedTasksRoundTrip) {
    const auto def = review();
    const Task open = started(*def, "i1", review_data("a", "2027-02-01", "ann")).instance.tasks[0];
    Task closed = open;
    closed.status = TaskStatus::completed;
    closed.outcome = "reject";
    closed.closed_by = "ann";
    closed.closed_at = T("2027-01-02");
    closed.fields = {{"reason", "late"}};
    closed.comment = "no";
    closed.escalated_to = {"legal_lead"};
    closed.claimed_by = "ann";
    closed.excluded = {"bob"};
    for (const Task& t : {open, closed}) {
        auto back = task_from_json(to_json(t));
        ASSERT_TRUE(back.ok()) << back.error().to_string();
        expect_same(*back, t);
    }
}

}  // namespace
}  // namespace accord::engine
