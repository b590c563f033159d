// Child workflows: invoke, the child's outcome raised in the parent, for_each with join, leaving
// the state cancels children; and end to end through LocalRuntime and MemoryStore.
#include "accord/engine/interpreter.hpp"
#include "accord/engine/local_runtime.hpp"
#include "accord/engine/memory_store.hpp"

#include "test_support.hpp"

namespace accord::engine {
namespace {

using namespace testkit;

DefinitionPtr def_of(const char* states_text, const char* start, const char* name = "w") {
    json doc = workflow(json::parse(states_text), start);
    doc["workflow"] = name;
    return load(doc);
}

// A parent that waits for one "signing" child.
DefinitionPtr parent() {
    return def_of(R"({
      "draft": {"on": {"send": "signing"}},
      "signing": {"invoke": {"workflow": "signing", "data": {"var": "contract"}},
                  "on": {"signing.signed": {"target": "active", "actions": [{"set": {"signed": {"var": "$event"}}}]},
                         "signing.refused": {"target": "draft", "actions": [{"set": {"contract.round": {"+": [{"var": "contract.round"}, 1]}}}]},
                         "signing.failed": {"target": "broken", "actions": [{"set": {"failure": {"var": "$event.data"}}}]},
                         "signing.cancelled": "draft",
                         "withdraw": "draft"}},
      "active": {"on": {"end": "ended"}},
      "broken": {"on": {"retry": "signing"}},
      "ended": {"final": "ended"}
    })",
                  "draft", "agreement");
}

json contract() {
    return {{"contract", {{"partner", "Uni Wien"}, {"round", 1}}}};
}

TEST(Children, EnteringAnInvokeStateStartsAChildWithTheEvaluatedData) {
    const auto def = parent();
    const Step s0 =
        start_ok(*def, {{"contract", {{"partner", "Uni Wien"}, {"round", 1}}}, {"other", true}});
    const Step s = step_ok(*def, s0.instance, event("send"), T("2027-01-02"));
    const auto started = effects_of<ChildStarted>(s);
    ASSERT_EQ(started.size(), 1u);
    EXPECT_EQ(started[0].workflow, "signing");
    EXPECT_EQ(started[0].version, 0);
    EXPECT_EQ(started[0].data, json({{"partner", "Uni Wien"}, {"round", 1}}));
    ASSERT_EQ(s.instance.children.size(), 1u);
    EXPECT_EQ(s.instance.children[0].id, started[0].child_id);
    EXPECT_EQ(s.instance.children[0].workflow, "signing");
    EXPECT_TRUE(s.instance.children[0].running);
}

TEST(Children, ChildDataMayBeBuiltWithTheObjectOperator) {
    const auto def = def_of(R"({"wait": {"invoke": {"workflow": "signing",
                                                    "data": {"object": {"partner": {"var": "contract.partner"},
                                                                        "due": {"date_add": [{"today": []}, "P30D"]}}}},
                                         "on": {"signing.signed": "done"}},
                                "done": {"final": "ok"}})",
                            "wait");
    const auto started = effects_of<ChildStarted>(start_ok(*def, contract(), T("2027-01-01")));
    ASSERT_EQ(started.size(), 1u);
    EXPECT_EQ(started[0].data, json::parse(R"({"partner": "Uni Wien", "due": "2027-01-31"})"));
}

TEST(Children, WithoutDataTheChildGetsTheWholeParentDataAndAPinnedVersion) {
    const auto def = def_of(
        R"({"wait": {"invoke": {"workflow": "signing", "version": 3}, "on": {"signing.signed": "done"}},
                                "done": {"final": "ok"}})",
        "wait");
    const Step s = start_ok(*def, {{"a", 1}, {"b", {{"c", 2}}}});
    const auto started = effects_of<ChildStarted>(s);
    ASSERT_EQ(started.size(), 1u);
    EXPECT_EQ(started[0].version, 3);
    EXPECT_EQ(started[0].data, json::parse(R"({"a": 1, "b": {"c": 2}})"));
}

TEST(Children, ChildDataThatIsNotAnObjectIsARuntimeError) {
    const auto def = def_of(R"({"a": {"on": {"go": "wait"}},
                                "wait": {"invoke": {"workflow": "signing", "data": {"var": "items"}}, "on": {"signing.signed": "done"}},
                                "done": {"final": "ok"}})",
                            "a");
    const Step s0 = start_ok(*def, {{"items", {1, 2}}});
    const Error e = refused(*def, s0.instance, event("go"), T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::runtime_error);
    EXPECT_EQ(e.pointer, "/states/wait/invoke/data");
}

TEST(Children, TheChildsOutcomeIsRaisedInTheParentWithItsData) {
    const auto def = parent();
    const Step s1 =
        step_ok(*def, start_ok(*def, contract()).instance, event("send"), T("2027-01-02"));
    const std::string child = s1.instance.children[0].id;
    const Step s =
        step_ok(*def, s1.instance, child_finished(child, "signed", {{"signed_on", "2027-01-05"}}),
                T("2027-01-05"));
    EXPECT_EQ(state_of(*def, s.instance), "active");
    EXPECT_EQ(s.instance.data.get()["signed"],
              json::parse(R"({"child": ")" + child +
                          R"(", "outcome": "signed", "data": {"signed_on": "2027-01-05"}})"));
    EXPECT_EQ(events_of(s.history), std::vector<std::string>{"signing.signed"});
    EXPECT_EQ(s.history.input, "child");
    EXPECT_TRUE(s.instance.children.empty());
    EXPECT_TRUE(effects_of<ChildCancelled>(s).empty());
}

TEST(Children, AnotherOutcomeTakesItsOwnTransition) {
    const auto def = parent();
    const Step s1 =
        step_ok(*def, start_ok(*def, contract()).instance, event("send"), T("2027-01-02"));
    const Step s = step_ok(*def, s1.instance, child_finished(s1.instance.children[0].id, "refused"),
                           T("2027-01-05"));
    EXPECT_EQ(state_of(*def, s.instance), "draft");
    EXPECT_EQ(s.instance.data.get()["contract"]["round"], 2);
}

TEST(Children, AResultFromAnUnknownChildIsNotFound) {
    const auto def = parent();
    const Step s1 =
        step_ok(*def, start_ok(*def, contract()).instance, event("send"), T("2027-01-02"));
    EXPECT_EQ(refused(*def, s1.instance, child_finished("nobody", "signed"), T("2027-01-05")).code,
              ErrorCode::not_found);
}

TEST(Children, AResultForAChildAlreadyFinishedIsNotFound) {
    const auto def = def_of(
        R"({"wait": {"invoke": {"workflow": "child", "for_each": {"var": "xs"}, "outcomes": ["ok", "bad"]},
                                         "on": {"child.ok": "done", "child.bad": "done"}},
                                "done": {"final": "ok"}})",
        "wait");
    const Step s0 = start_ok(*def, {{"xs", {1, 2}}});
    const Step s1 = step_ok(*def, s0.instance, child_finished(s0.instance.children[0].id, "ok"),
                            T("2027-01-02"));
    EXPECT_EQ(refused(*def, s1.instance, child_finished(s0.instance.children[0].id, "ok"),
                      T("2027-01-03"))
                  .code,
              ErrorCode::not_found);
}

TEST(Children, AnOutcomeTheStateDoesNotHandleIsSpent) {
    const auto def = parent();
    const Step s1 =
        step_ok(*def, start_ok(*def, contract()).instance, event("send"), T("2027-01-02"));
    const Step s = step_ok(*def, s1.instance,
                           child_finished(s1.instance.children[0].id, "exploded"), T("2027-01-05"));
    EXPECT_EQ(state_of(*def, s.instance), "signing");
    EXPECT_FALSE(s.history.note.empty());
    EXPECT_FALSE(s.instance.children[0].running);
}

TEST(Children, LeavingTheStateCancelsRunningChildren) {
    const auto def = parent();
    const Step s1 =
        step_ok(*def, start_ok(*def, contract()).instance, event("send"), T("2027-01-02"));
    const Step s = step_ok(*def, s1.instance, event("withdraw"), T("2027-01-03"));
    EXPECT_EQ(state_of(*def, s.instance), "draft");
    const auto cancelled = effects_of<ChildCancelled>(s);
    ASSERT_EQ(cancelled.size(), 1u);
    EXPECT_EQ(cancelled[0].child_id, s1.instance.children[0].id);
    EXPECT_TRUE(s.instance.children.empty());
}

TEST(Children, ChildrenOfAStateLeftAreKeptWithTheirOutcomeWithoutTheirData) {
    const auto def = parent();
    const Step s1 =
        step_ok(*def, start_ok(*def, contract()).instance, event("send"), T("2027-01-02"));
    const std::string first = s1.instance.children[0].id;
    const Step s2 = step_ok(*def, s1.instance, child_finished(first, "refused"), T("2027-01-03"));
    const Step s3 = step_ok(*def, s2.instance, event("send"), T("2027-01-04"));
    const Step s4 = step_ok(*def, s3.instance, event("withdraw"), T("2027-01-05"));
    ASSERT_EQ(s4.instance.earlier_children.size(), 2u);
    EXPECT_EQ(s4.instance.earlier_children[0].id, first);
    EXPECT_EQ(s4.instance.earlier_children[0].outcome, "refused");
    EXPECT_FALSE(s4.instance.earlier_children[0].running);
    EXPECT_TRUE(s4.instance.earlier_children[0].data.is_null());
    // The second was still running when the state was left: cancelled.
    EXPECT_EQ(s4.instance.earlier_children[1].id, s3.instance.children[0].id);
    EXPECT_EQ(s4.instance.earlier_children[1].outcome, "cancelled");
    EXPECT_TRUE(s4.instance.children.empty());

    // The stored form keeps them.
    auto back = instance_from_json(to_json(s4.instance, *def), *def);
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    ASSERT_EQ(back->earlier_children.size(), 2u);
    EXPECT_EQ(back->earlier_children[1].outcome, "cancelled");
    EXPECT_EQ(to_json(*back, *def), to_json(s4.instance, *def));
    EXPECT_EQ(json::parse(instance_text(s4.instance, *def)), to_json(s4.instance, *def));
}

TEST(Children, ReenteringTheStateStartsAFreshChild) {
    const auto def = parent();
    const Step s1 =
        step_ok(*def, start_ok(*def, contract()).instance, event("send"), T("2027-01-02"));
    const Step s2 = step_ok(*def, s1.instance,
                            child_finished(s1.instance.children[0].id, "refused"), T("2027-01-03"));
    const Step s3 = step_ok(*def, s2.instance, event("send"), T("2027-01-04"));
    ASSERT_EQ(s3.instance.children.size(), 1u);
    EXPECT_NE(s3.instance.children[0].id, s1.instance.children[0].id);
    EXPECT_EQ(effects_of<ChildStarted>(s3)[0].data["round"], 2);
}

// ---------------------------------------------------------------------------------------------
// for_each

DefinitionPtr per_partner(json join) {
    json states = json::parse(R"({
      "draft": {"on": {"send": "signing"}},
      "signing": {"invoke": {"workflow": "signing", "for_each": {"var": "partners"},
                             "data": {"var": "$item"}, "outcomes": ["signed", "refused"]},
                  "on": {"signing.signed": {"target": "active", "actions": [{"set": {"group": {"var": "$event"}}}]},
                         "signing.refused": {"target": "draft", "actions": [{"set": {"group": {"var": "$event"}}}]}}},
      "active": {"on": {"end": "done"}},
      "done": {"final": "ok"}
    })");
    if (!join.is_null()) states["signing"]["invoke"]["join"] = join;
    return load(workflow(states, "draft"));
}

json partners(int n) {
    json list = json::array();
    for (int i = 0; i < n; ++i)
        list.push_back({{"name", std::string(1, static_cast<char>('a' + i))}, {"position", i}});
    return {{"partners", list}};
}

TEST(Children, ForEachStartsOneChildPerElementWithTheItemAsData) {
    const auto def = load(workflow(json::parse(R"({
      "wait": {"invoke": {"workflow": "signing", "for_each": {"var": "partners"}, "data": {"var": "$item"},
                          "outcomes": ["signed", "refused"]},
               "on": {"signing.signed": "done", "signing.refused": "done"}},
      "done": {"final": "ok"}})"),
                                   "wait"));
    const Step s = start_ok(*def, partners(3));
    const auto started = effects_of<ChildStarted>(s);
    ASSERT_EQ(started.size(), 3u);
    ASSERT_EQ(s.instance.children.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(started[i].data, partners(3)["partners"][i]);
        EXPECT_EQ(s.instance.children[i].index, static_cast<int>(i));
        EXPECT_EQ(s.instance.children[i].id, started[i].child_id);
        EXPECT_TRUE(s.instance.children[i].running);
    }
}

TEST(Children, ForEachDataSeesTheIndex) {
    const auto def = load(workflow(json::parse(R"({
      "wait": {"invoke": {"workflow": "signing", "for_each": {"var": "partners"},
                          "data": {"if": [{"===": [{"var": "$index"}, 1]}, {"var": "second"}, {"var": "other"}]},
                          "outcomes": ["signed"]},
               "on": {"signing.signed": "done"}},
      "done": {"final": "ok"}})"),
                                   "wait"));
    json data = partners(3);
    data["second"] = {{"which", "second"}};
    data["other"] = {{"which", "other"}};
    const auto started = effects_of<ChildStarted>(start_ok(*def, data));
    ASSERT_EQ(started.size(), 3u);
    EXPECT_EQ(started[0].data["which"], "other");
    EXPECT_EQ(started[1].data["which"], "second");
    EXPECT_EQ(started[2].data["which"], "other");
}

TEST(Children, ForEachWithAllWaitsForEveryChild) {
    const auto def = per_partner("all");
    Step s = step_ok(*def, start_ok(*def, partners(3)).instance, event("send"), T("2027-01-02"));
    const auto kids = s.instance.children;
    ASSERT_EQ(kids.size(), 3u);
    s = step_ok(*def, s.instance, child_finished(kids[0].id, "signed", {{"n", 0}}),
                T("2027-01-03"));
    EXPECT_EQ(state_of(*def, s.instance), "signing");
    s = step_ok(*def, s.instance, child_finished(kids[2].id, "signed", {{"n", 2}}),
                T("2027-01-04"));
    EXPECT_EQ(state_of(*def, s.instance), "signing");
    s = step_ok(*def, s.instance, child_finished(kids[1].id, "signed", {{"n", 1}}),
                T("2027-01-05"));
    EXPECT_EQ(state_of(*def, s.instance), "active");
    const json& group = s.instance.data.get()["group"];
    EXPECT_EQ(group["outcome"], "signed");
    EXPECT_EQ(group["counts"], json::parse(R"({"signed": 3, "refused": 0})"));
    EXPECT_EQ(group["results"].size(), 3u);
    EXPECT_TRUE(effects_of<ChildCancelled>(s).empty());
}

TEST(Children, ForEachWithAllFailsAtTheFirstOtherOutcomeAndCancelsTheRest) {
    const auto def = per_partner("all");
    Step s = step_ok(*def, start_ok(*def, partners(3)).instance, event("send"), T("2027-01-02"));
    const auto kids = s.instance.children;
    s = step_ok(*def, s.instance, child_finished(kids[1].id, "refused"), T("2027-01-03"));
    EXPECT_EQ(state_of(*def, s.instance), "draft");
    EXPECT_EQ(s.instance.data.get()["group"]["outcome"], "refused");
    const auto cancelled = effects_of<ChildCancelled>(s);
    ASSERT_EQ(cancelled.size(), 2u);
    EXPECT_EQ(cancelled[0].child_id, kids[0].id);
    EXPECT_EQ(cancelled[1].child_id, kids[2].id);
}

TEST(Children, ForEachWithAnyTakesTheFirstCountedOutcome) {
    const auto def = per_partner("any");
    Step s = step_ok(*def, start_ok(*def, partners(3)).instance, event("send"), T("2027-01-02"));
    const auto kids = s.instance.children;
    s = step_ok(*def, s.instance, child_finished(kids[0].id, "refused"), T("2027-01-03"));
    EXPECT_EQ(state_of(*def, s.instance), "signing");
    s = step_ok(*def, s.instance, child_finished(kids[2].id, "signed"), T("2027-01-04"));
    EXPECT_EQ(state_of(*def, s.instance), "active");
    EXPECT_EQ(effects_of<ChildCancelled>(s).size(), 1u);
}

TEST(Children, ForEachWithAtLeast) {
    const auto def = per_partner(json{{"at_least", 2}});
    Step s = step_ok(*def, start_ok(*def, partners(3)).instance, event("send"), T("2027-01-02"));
    const auto kids = s.instance.children;
    s = step_ok(*def, s.instance, child_finished(kids[0].id, "refused"), T("2027-01-03"));
    s = step_ok(*def, s.instance, child_finished(kids[1].id, "signed"), T("2027-01-03"));
    EXPECT_EQ(state_of(*def, s.instance), "signing");
    s = step_ok(*def, s.instance, child_finished(kids[2].id, "signed"), T("2027-01-04"));
    EXPECT_EQ(state_of(*def, s.instance), "active");
}

TEST(Children, OnceTheGroupIsDecidedTheChildrenStillRunningAreCancelledEvenIfTheStateStays) {
    // As for multi-person tasks: "either way the tasks still open are cancelled".
    const auto def = load(workflow(json::parse(R"({
      "signing": {"invoke": {"workflow": "signing", "for_each": {"var": "partners"}, "data": {"var": "$item"},
                             "join": "any", "outcomes": ["signed", "refused"]},
                  "on": {"signing.signed": {"actions": [{"set": {"signings": {"+": [{"var": "signings"}, 1]}}}]},
                         "signing.refused": "done", "close": "done"}},
      "done": {"final": "ok"}})"),
                                   "signing"));
    json data = partners(3);
    data["signings"] = 0;
    Step s = start_ok(*def, data);
    const auto kids = s.instance.children;
    s = step_ok(*def, s.instance, child_finished(kids[0].id, "signed"), T("2027-01-02"));
    EXPECT_EQ(s.instance.data.get()["signings"], 1);
    EXPECT_EQ(effects_of<ChildCancelled>(s).size(), 2u);
    for (const auto& c : s.instance.children) EXPECT_FALSE(c.running) << c.id;
    // A late result from a cancelled child does not raise the group's event again.
    auto late = step(*def, s.instance, child_finished(kids[1].id, "signed"), T("2027-01-03"));
    if (late) {
        EXPECT_EQ(late->instance.data.get()["signings"], 1);
    }
}

TEST(Children, ForEachOverAnEmptyListIsARuntimeErrorAndChangesNothing) {
    const auto def = per_partner("all");
    const Step s0 = start_ok(*def, partners(0));
    const Error e = refused(*def, s0.instance, event("send"), T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::runtime_error);
    EXPECT_EQ(e.pointer, "/states/signing/invoke/for_each");
}

TEST(Children, ForEachWithFewerElementsThanAtLeastIsARuntimeError) {
    const auto def = per_partner(json{{"at_least", 3}});
    const Step s0 = start_ok(*def, partners(2));
    EXPECT_EQ(refused(*def, s0.instance, event("send"), T("2027-01-02")).code,
              ErrorCode::runtime_error);
}

// ---------------------------------------------------------------------------------------------
// End to end: LocalRuntime over a MemoryStore

DefinitionPtr signing_child() {
    return def_of(R"({
      "waiting": {"task": {"role": "signatory", "title": "Sign for {{partner}}", "outcomes": ["sign", "refuse"], "due": "P7D"},
                  "on": {"sign": {"target": "signed", "actions": [{"set": {"signed_by": {"var": "$event.by"}}}]},
                         "refuse": "refused"}},
      "signed": {"final": "signed"},
      "refused": {"final": "refused"}
    })",
                  "waiting", "signing");
}

struct Runtime {
    MemoryStore store;
    LocalRuntime runtime{store};
    std::vector<std::string> commits;  // "instance:from->to"

    Runtime() {
        runtime.set_observer([this](const Step& s) {
            commits.push_back(s.instance.id + ":" + std::string(s.history.from_state) + "->" +
                              std::string(s.history.to_state));
        });
    }
    void put(const DefinitionPtr& def) {
        auto r = store.put_definition(def);
        ASSERT_TRUE(r.ok()) << r.error().to_string();
    }
    Instance load(const std::string& id) {
        auto r = store.load_instance(id);
        if (!r) {
            ADD_FAILURE() << r.error().to_string();
            throw HelperFailed("no instance");
        }
        return *r;
    }
};

TEST(ChildrenEndToEnd, TheParentMovesOnWhenItsChildFinishes) {
    Runtime rt;
    rt.put(parent());
    rt.put(signing_child());
    auto started =
        rt.runtime.start("agreement", contract(), person("olga", {"officer"}), T("2027-01-01"));
    ASSERT_TRUE(started.ok()) << started.error().to_string();
    const std::string parent_id = started->id;
    auto sent = rt.runtime.send(parent_id, event("send"), T("2027-01-02"));
    ASSERT_TRUE(sent.ok()) << sent.error().to_string();
    const Instance p = rt.load(parent_id);
    ASSERT_EQ(p.children.size(), 1u);
    const Instance child = rt.load(p.children[0].id);
    EXPECT_EQ(child.workflow, "signing");
    EXPECT_EQ(child.data.get(), contract()["contract"]);
    ASSERT_TRUE(child.parent);
    EXPECT_EQ(child.parent->instance_id, parent_id);
    const auto tasks = rt.store.open_tasks_for_role("signatory");
    ASSERT_EQ(tasks.size(), 1u);
    EXPECT_EQ(tasks[0].title, "Sign for Uni Wien");

    auto done = rt.runtime.send(
        child.id, complete(tasks[0].id, "sign", person("sam", {"signatory"})), T("2027-01-03"));
    ASSERT_TRUE(done.ok()) << done.error().to_string();
    EXPECT_EQ(rt.load(child.id).status, InstanceStatus::finished);
    const Instance after = rt.load(parent_id);
    EXPECT_EQ(after.state, *parent()->find_state("active"));
    EXPECT_EQ(after.data.get()["signed"]["outcome"], "signed");
    EXPECT_EQ(after.data.get()["signed"]["data"]["signed_by"], "sam");
    EXPECT_EQ(rt.commits.back(), parent_id + ":signing->active");
}

TEST(ChildrenEndToEnd, AChildThatFinishesAtOnceMovesTheParentInTheSameSend) {
    Runtime rt;
    rt.put(parent());
    rt.put(def_of(R"({"done": {"entry": [{"set": {"auto": true}}], "final": "signed"}})", "done",
                  "signing"));
    auto started =
        rt.runtime.start("agreement", contract(), person("olga", {"officer"}), T("2027-01-01"));
    ASSERT_TRUE(started.ok());
    ASSERT_TRUE(rt.runtime.send(started->id, event("send"), T("2027-01-02")).ok());
    const Instance p = rt.load(started->id);
    EXPECT_EQ(p.state, *parent()->find_state("active"));
    EXPECT_EQ(p.data.get()["signed"]["data"]["auto"], true);
}

TEST(ChildrenEndToEnd, AChildOfAnUnknownWorkflowGivesTheParentTheOutcomeFailed) {
    Runtime rt;
    rt.put(parent());  // no "signing" definition
    auto started =
        rt.runtime.start("agreement", contract(), person("olga", {"officer"}), T("2027-01-01"));
    ASSERT_TRUE(started.ok());
    auto sent = rt.runtime.send(started->id, event("send"), T("2027-01-02"));
    ASSERT_TRUE(sent.ok()) << sent.error().to_string();
    const Instance p = rt.load(started->id);
    EXPECT_EQ(p.state, *parent()->find_state("broken"));
    EXPECT_TRUE(p.data.get()["failure"].contains("error"));
    EXPECT_EQ(rt.store.instances().size(), 1u);
}

TEST(ChildrenEndToEnd, AChildOfAMissingPinnedVersionGivesTheParentTheOutcomeFailed) {
    Runtime rt;
    json doc = parent()->source;
    doc["states"]["signing"]["invoke"]["version"] = 7;
    const auto pinned = load(doc);
    rt.put(pinned);
    rt.put(signing_child());  // version 1 only
    auto started =
        rt.runtime.start("agreement", contract(), person("olga", {"officer"}), T("2027-01-01"));
    ASSERT_TRUE(started.ok());
    ASSERT_TRUE(rt.runtime.send(started->id, event("send"), T("2027-01-02")).ok());
    EXPECT_EQ(rt.load(started->id).state, *pinned->find_state("broken"));
}

TEST(ChildrenEndToEnd, AChildWhoseDataItsSchemaRefusesGivesTheParentTheOutcomeFailed) {
    Runtime rt;
    rt.put(parent());
    json child_doc = signing_child()->source;
    child_doc["data"] = {{"required", {"partner"}}};
    rt.put(load(child_doc));
    auto started = rt.runtime.start("agreement", {{"contract", {{"round", 1}}}},
                                    person("olga", {"officer"}), T("2027-01-01"));
    ASSERT_TRUE(started.ok());
    ASSERT_TRUE(rt.runtime.send(started->id, event("send"), T("2027-01-02")).ok());
    EXPECT_EQ(rt.load(started->id).state, *parent()->find_state("broken"));
}

TEST(ChildrenEndToEnd, LeavingTheStateCancelsTheChildInstance) {
    Runtime rt;
    rt.put(parent());
    rt.put(signing_child());
    auto started =
        rt.runtime.start("agreement", contract(), person("olga", {"officer"}), T("2027-01-01"));
    ASSERT_TRUE(rt.runtime.send(started->id, event("send"), T("2027-01-02")).ok());
    const std::string child_id = rt.load(started->id).children[0].id;
    ASSERT_TRUE(rt.runtime.send(started->id, event("withdraw"), T("2027-01-03")).ok());
    const Instance child = rt.load(child_id);
    EXPECT_EQ(child.status, InstanceStatus::cancelled);
    EXPECT_TRUE(rt.store.open_tasks_for_role("signatory").empty());
    EXPECT_EQ(rt.load(started->id).state, *parent()->find_state("draft"));
}

TEST(ChildrenEndToEnd, AChildCancelledFromOutsideGivesTheParentTheOutcomeCancelled) {
    Runtime rt;
    rt.put(parent());
    rt.put(signing_child());
    auto started =
        rt.runtime.start("agreement", contract(), person("olga", {"officer"}), T("2027-01-01"));
    ASSERT_TRUE(rt.runtime.send(started->id, event("send"), T("2027-01-02")).ok());
    const std::string child_id = rt.load(started->id).children[0].id;
    ASSERT_TRUE(rt.runtime.send(child_id, cancel("changed our minds"), T("2027-01-03")).ok());
    EXPECT_EQ(rt.load(started->id).state, *parent()->find_state("draft"));
}

TEST(ChildrenEndToEnd, ForEachChildrenAllRunAndJoin) {
    Runtime rt;
    const auto def = load(workflow(json::parse(R"({
      "signing": {"invoke": {"workflow": "signing", "for_each": {"var": "partners"}, "data": {"var": "$item"},
                             "outcomes": ["signed", "refused"]},
                  "on": {"signing.signed": "active", "signing.refused": "failed"}},
      "active": {"final": "active"},
      "failed": {"final": "failed"}})"),
                                   "signing"));
    rt.put(def);
    rt.put(signing_child());
    auto started =
        rt.runtime.start("w", json::parse(R"({"partners": [{"partner": "A"}, {"partner": "B"}]})"),
                         person("olga"), T("2027-01-01"));
    ASSERT_TRUE(started.ok()) << started.error().to_string();
    auto tasks = rt.store.open_tasks_for_role("signatory");
    ASSERT_EQ(tasks.size(), 2u);
    for (const auto& t : tasks) {
        ASSERT_TRUE(rt.runtime
                        .send(t.instance_id, complete(t.id, "sign", person("sam", {"signatory"})),
                              T("2027-01-02"))
                        .ok());
    }
    const Instance p = rt.load(started->id);
    EXPECT_EQ(p.status, InstanceStatus::finished);
    EXPECT_EQ(p.outcome, "active");
}

}  // namespace
}  // namespace accord::engine
