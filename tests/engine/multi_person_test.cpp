// Multi-person tasks: one task per assignee, joined by all / any / at_least N; the counted
// outcome, the other outcome when it can no longer be reached, separation of duties, save_to.
#include "accord/engine/interpreter.hpp"

#include <algorithm>
#include <set>

#include "test_support.hpp"

namespace accord::engine {
namespace {

using namespace testkit;

// A draft, then a signing state whose task goes to every person in "signatories".
DefinitionPtr signing(json join, json task_overrides = json::object()) {
    json states = json::parse(R"({
      "draft": {"on": {"send": "signing"}},
      "signing": {
        "task": {"role": "signatory", "assignees": {"var": "signatories"},
                 "outcomes": ["sign", "refuse", "abstain"], "title": "Sign the agreement with {{partner.name}}",
                 "fields": {"note": {"type": "string", "optional": true}},
                 "separate_from": {"var": "proposer"}, "due": "P14D", "remind": ["P7D"]},
        "on": {"sign": {"target": "signed", "actions": [{"set": {"group": {"var": "$event"}}}]},
               "refuse": {"target": "refused", "actions": [{"set": {"group": {"var": "$event"}}}]},
               "abstain": {"target": "abstained", "actions": [{"set": {"group": {"var": "$event"}}}]}}},
      "signed": {"final": "signed"},
      "refused": {"final": "refused"},
      "abstained": {"final": "abstained"}
    })");
    if (!join.is_null()) states["signing"]["task"]["join"] = join;
    for (auto it = task_overrides.begin(); it != task_overrides.end(); ++it)
        states["signing"]["task"][it.key()] = it.value();
    return load(workflow(states, "draft"));
}

json people(std::vector<std::string> ids, std::string proposer = "pat") {
    return {{"signatories", ids}, {"proposer", proposer}, {"partner", {{"name", "Uni Wien"}}}};
}

Actor signatory(const std::string& id) {
    return person(id, {"signatory"});
}

// The instance in "signing", after "send" at 2027-01-01.
Step sent(const Definition& def, json data) {
    return step_ok(def, start_ok(def, std::move(data)).instance, event("send"), T("2027-01-01"));
}

const Task& task_of(const Instance& inst, const std::string& assignee) {
    for (const auto& t : inst.tasks)
        if (t.assignee == assignee) return t;
    ADD_FAILURE() << "no task for " << assignee;
    throw HelperFailed("no task");
}

// Completes `who`'s own task with `outcome`.
Step by(const Definition& def, const Step& s, const std::string& who, const std::string& outcome,
        TimeMs at = T("2027-01-02")) {
    return step_ok(def, s.instance, complete(task_of(s.instance, who).id, outcome, signatory(who)),
                   at);
}

TEST(MultiPerson, OneTaskOpensPerPersonAssignedToThem) {
    const auto def = signing("all");
    const Step s = sent(*def, people({"ann", "bob", "cid"}));
    const auto opened = effects_of<TaskOpened>(s);
    ASSERT_EQ(opened.size(), 3u);
    EXPECT_EQ(opened[0].task.assignee, "ann");
    EXPECT_EQ(opened[1].task.assignee, "bob");
    EXPECT_EQ(opened[2].task.assignee, "cid");
    std::set<std::string> ids;
    for (const auto& t : s.instance.tasks) {
        ids.insert(t.id);
        EXPECT_EQ(t.role, "signatory");
        EXPECT_EQ(t.title, "Sign the agreement with Uni Wien");
        EXPECT_EQ(t.due_at, T("2027-01-15"));
        EXPECT_TRUE(t.is_open());
    }
    EXPECT_EQ(ids.size(), 3u);
    // Each task has its own deadline and reminder.
    EXPECT_EQ(timers_of_kind(s.instance, Timer::Kind::task_due).size(), 3u);
    EXPECT_EQ(timers_of_kind(s.instance, Timer::Kind::task_reminder).size(), 3u);
}

TEST(MultiPerson, JoinDefaultsToAll) {
    const auto def = signing(nullptr);
    Step s = sent(*def, people({"ann", "bob"}));
    s = by(*def, s, "ann", "sign");
    EXPECT_EQ(state_of(*def, s.instance), "signing");
    s = by(*def, s, "bob", "sign");
    EXPECT_EQ(state_of(*def, s.instance), "signed");
}

TEST(MultiPerson, AllWaitsForEveryoneThenRaisesTheCountedOutcome) {
    const auto def = signing("all");
    Step s = sent(*def, people({"ann", "bob", "cid"}));
    s = by(*def, s, "ann", "sign");
    EXPECT_EQ(state_of(*def, s.instance), "signing");
    EXPECT_EQ(s.instance.revision, 3u);
    EXPECT_TRUE(events_of(s.history).empty());
    EXPECT_EQ(open_tasks(s.instance).size(), 2u);
    s = by(*def, s, "bob", "sign");
    EXPECT_EQ(state_of(*def, s.instance), "signing");
    s = by(*def, s, "cid", "sign");
    EXPECT_EQ(state_of(*def, s.instance), "signed");
    EXPECT_EQ(events_of(s.history), std::vector<std::string>{"sign"});
    const json& group = s.instance.data.get()["group"];
    EXPECT_EQ(group["outcome"], "sign");
    EXPECT_EQ(group["counts"], json::parse(R"({"sign": 3, "refuse": 0, "abstain": 0})"));
    ASSERT_TRUE(group["results"].is_object());
    EXPECT_EQ(group["results"].size(), 3u);
    EXPECT_EQ(group["results"]["bob"]["outcome"], "sign");
    EXPECT_EQ(group["results"]["bob"]["by"], "bob");
}

TEST(MultiPerson, AllIsDecidedByTheFirstOtherOutcomeAndTheRestAreCancelled) {
    const auto def = signing("all");
    Step s = sent(*def, people({"ann", "bob", "cid"}));
    s = by(*def, s, "ann", "sign");
    const std::string bob_task = task_of(s.instance, "bob").id;
    const std::string cid_task = task_of(s.instance, "cid").id;
    s = by(*def, s, "bob", "refuse");
    EXPECT_EQ(state_of(*def, s.instance), "refused");
    const json& group = s.instance.data.get()["group"];
    EXPECT_EQ(group["outcome"], "refuse");
    EXPECT_EQ(group["counts"], json::parse(R"({"sign": 1, "refuse": 1, "abstain": 0})"));
    EXPECT_EQ(group["results"].size(), 2u);
    EXPECT_FALSE(group["results"].contains("cid"));
    const auto closed = effects_of<TaskClosed>(s);
    ASSERT_EQ(closed.size(), 2u);
    EXPECT_EQ(closed[0].task_id, bob_task);
    EXPECT_EQ(closed[0].status, TaskStatus::completed);
    EXPECT_EQ(closed[1].task_id, cid_task);
    EXPECT_EQ(closed[1].status, TaskStatus::cancelled);
    EXPECT_TRUE(s.instance.pending_timers().empty());
}

TEST(MultiPerson, AnyIsDecidedByTheFirstCountedOutcome) {
    const auto def = signing("any");
    Step s = sent(*def, people({"ann", "bob", "cid"}));
    s = by(*def, s, "bob", "sign");
    EXPECT_EQ(state_of(*def, s.instance), "signed");
    EXPECT_EQ(s.instance.data.get()["group"]["counts"]["sign"], 1);
    const auto closed = effects_of<TaskClosed>(s);
    ASSERT_EQ(closed.size(), 3u);
    EXPECT_EQ(std::count_if(closed.begin(), closed.end(),
                            [](const TaskClosed& c) { return c.status == TaskStatus::cancelled; }),
              2);
}

TEST(MultiPerson, AnyFallsToTheOtherOutcomeOnlyWhenEveryoneChoseIt) {
    const auto def = signing("any");
    Step s = sent(*def, people({"ann", "bob"}));
    s = by(*def, s, "ann", "refuse");
    EXPECT_EQ(state_of(*def, s.instance), "signing");
    s = by(*def, s, "bob", "refuse");
    EXPECT_EQ(state_of(*def, s.instance), "refused");
}

TEST(MultiPerson, AtLeastWinsAsSoonAsReached) {
    const auto def = signing(json{{"at_least", 2}});
    Step s = sent(*def, people({"ann", "bob", "cid"}));
    s = by(*def, s, "ann", "sign");
    s = by(*def, s, "bob", "refuse");
    EXPECT_EQ(state_of(*def, s.instance), "signing");
    s = by(*def, s, "cid", "sign");
    EXPECT_EQ(state_of(*def, s.instance), "signed");
    EXPECT_EQ(s.instance.data.get()["group"]["counts"],
              json::parse(R"({"sign": 2, "refuse": 1, "abstain": 0})"));
}

TEST(MultiPerson, AtLeastFallsToTheOtherOutcomeAsSoonAsItCanNoLongerBeReached) {
    const auto def = signing(json{{"at_least", 2}});
    Step s = sent(*def, people({"ann", "bob", "cid"}));
    s = by(*def, s, "ann", "refuse");
    EXPECT_EQ(state_of(*def, s.instance), "signing");
    s = by(*def, s, "bob", "refuse");
    EXPECT_EQ(state_of(*def, s.instance), "refused");
    const auto closed = effects_of<TaskClosed>(s);
    ASSERT_EQ(closed.size(), 2u);
    EXPECT_EQ(closed[0].status, TaskStatus::completed);
    EXPECT_EQ(closed[1].status, TaskStatus::cancelled);
}

TEST(MultiPerson, TheOtherOutcomeChosenMostOftenWins) {
    const auto def = signing(json{{"at_least", 3}});
    Step s = sent(*def, people({"ann", "bob", "cid", "dan", "eva"}));
    s = by(*def, s, "ann", "refuse");
    s = by(*def, s, "bob", "abstain");
    EXPECT_EQ(state_of(*def, s.instance), "signing");
    s = by(*def, s, "cid", "abstain");
    EXPECT_EQ(state_of(*def, s.instance), "abstained");
    EXPECT_EQ(s.instance.data.get()["group"]["outcome"], "abstain");
}

TEST(MultiPerson, ATieBetweenOtherOutcomesGoesToTheEarlierOne) {
    const auto def = signing(json{{"at_least", 3}});
    Step s = sent(*def, people({"ann", "bob", "cid", "dan"}));
    s = by(*def, s, "ann", "abstain");
    EXPECT_EQ(state_of(*def, s.instance), "signing");
    s = by(*def, s, "bob", "refuse");
    EXPECT_EQ(state_of(*def, s.instance), "refused");
}

TEST(MultiPerson, OnceTheGroupIsDecidedTheOpenTasksAreCancelledEvenIfTheStateStays) {
    const auto def = load(workflow(json::parse(R"({
      "vote": {"task": {"role": "board", "assignees": {"var": "members"}, "join": "any", "outcomes": ["yes", "no"],
                        "title": "Vote", "due": "P7D"},
               "on": {"yes": {"actions": [{"set": {"yes_events": {"+": [{"var": "yes_events"}, 1]}}}]}, "no": "done"}},
      "done": {"final": "ok"}})"),
                                   "vote"));
    Step s = start_ok(*def, {{"members", {"ann", "bob"}}, {"yes_events", 0}});
    const std::string bob_task = task_of(s.instance, "bob").id;
    s = step_ok(*def, s.instance, complete(task_of(s.instance, "ann").id, "yes", person("ann")),
                T("2027-01-02"));
    EXPECT_EQ(s.instance.data.get()["yes_events"], 1);
    EXPECT_EQ(state_of(*def, s.instance), "vote");
    EXPECT_TRUE(open_tasks(s.instance).empty());
    EXPECT_EQ(
        refused(*def, s.instance, complete(bob_task, "yes", person("bob")), T("2027-01-03")).code,
        ErrorCode::task_closed);
}

TEST(MultiPerson, ACompletedTaskOfTheGroupCannotBeCompletedAgain) {
    const auto def = signing("all");
    Step s = sent(*def, people({"ann", "bob"}));
    const std::string ann_task = task_of(s.instance, "ann").id;
    s = by(*def, s, "ann", "sign");
    EXPECT_EQ(
        refused(*def, s.instance, complete(ann_task, "refuse", signatory("ann")), T("2027-01-03"))
            .code,
        ErrorCode::task_closed);
}

TEST(MultiPerson, SeparationOfDutiesLeavesThePersonOutAndRefusesThem) {
    const auto def = signing("all");
    const Step s = sent(*def, people({"ann", "pat", "bob"}, "pat"));
    ASSERT_EQ(s.instance.tasks.size(), 2u);
    for (const auto& t : s.instance.tasks) {
        EXPECT_NE(t.assignee, "pat");
        EXPECT_EQ(t.excluded, std::vector<std::string>{"pat"});
    }
    const Error e =
        refused(*def, s.instance, complete(task_of(s.instance, "ann").id, "sign", signatory("pat")),
                T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::forbidden);
}

TEST(MultiPerson, SeparateFromMayNameSeveralPeople) {
    const auto def = signing("all", {{"separate_from", {{"var", "conflicted"}}}});
    json data = people({"ann", "bob", "cid"});
    data["conflicted"] = {"ann", "cid"};
    const Step s = sent(*def, data);
    ASSERT_EQ(s.instance.tasks.size(), 1u);
    EXPECT_EQ(s.instance.tasks[0].assignee, "bob");
}

TEST(MultiPerson, AnEmptyListRefusesTheInputThatWouldEnterTheState) {
    const auto def = signing("all");
    const Step s0 = start_ok(*def, people({}));
    const Error e = refused(*def, s0.instance, event("send"), T("2027-01-01"));
    EXPECT_EQ(e.code, ErrorCode::runtime_error);
    EXPECT_EQ(e.pointer, "/states/signing/task/assignees");
}

TEST(MultiPerson, StartingIntoAStateWithNobodyToAssignIsRefused) {
    json doc = signing("all")->source;
    doc["start"] = "signing";
    const auto def = load(doc);
    StartInput in{"i1", people({}), {}, {}};
    auto r = start(*def, in, system_actor(), T("2027-01-01"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::runtime_error);
}

TEST(MultiPerson, APersonListedTwiceGetsOneTask) {
    const auto def = signing("all");
    const Step s = sent(*def, people({"ann", "bob", "ann"}));
    ASSERT_EQ(s.instance.tasks.size(), 2u);
    EXPECT_EQ(s.instance.tasks[0].assignee, "ann");
    EXPECT_EQ(s.instance.tasks[1].assignee, "bob");
}

TEST(MultiPerson, AListLeftEmptyBySeparationOfDutiesIsRefused) {
    const auto def = signing("any");
    const Step s0 = start_ok(*def, people({"pat"}, "pat"));
    EXPECT_EQ(refused(*def, s0.instance, event("send"), T("2027-01-01")).code,
              ErrorCode::runtime_error);
}

TEST(MultiPerson, FewerPeopleThanAtLeastNeedsIsRefused) {
    const auto def = signing(json{{"at_least", 3}});
    const Step s0 = start_ok(*def, people({"ann", "bob", "pat"}, "pat"));
    const Error e = refused(*def, s0.instance, event("send"), T("2027-01-01"));
    EXPECT_EQ(e.code, ErrorCode::runtime_error);
    // Exactly enough is fine.
    EXPECT_EQ(state_of(*def, sent(*def, people({"ann", "bob", "cid"})).instance), "signing");
}

TEST(MultiPerson, AnAssigneesExpressionGivingNoIdsIsRefused) {
    const auto def = signing("all");
    for (const json& list : {json{{"x", 1}}, json(nullptr), json::array({"", nullptr})}) {
        const Step s0 = start_ok(*def, {{"signatories", list}, {"proposer", "pat"}});
        EXPECT_EQ(refused(*def, s0.instance, event("send"), T("2027-01-01")).code,
                  ErrorCode::runtime_error)
            << list.dump();
    }
}

TEST(MultiPerson, SaveToKeepsEachPersonsResultUnderTheirId) {
    const auto def = signing("all", {{"save_to", "signing"}});
    Step s = sent(*def, people({"ann", "bob"}));
    s = step_ok(*def, s.instance,
                complete(task_of(s.instance, "ann").id, "sign", signatory("ann"),
                         {{"note", "gladly"}}, "ok"),
                T("2027-01-02T08:00:00Z"));
    const json& d = s.instance.data.get();
    EXPECT_FALSE(d.contains("note"));
    EXPECT_EQ(d["signing"]["ann"],
              json::parse(R"({"outcome": "sign", "by": "ann", "at": "2027-01-02T08:00:00Z",
                                                   "comment": "ok", "fields": {"note": "gladly"}})"));
    EXPECT_FALSE(d["signing"].contains("bob"));
    s = by(*def, s, "bob", "sign", T("2027-01-03T08:00:00Z"));
    EXPECT_EQ(s.instance.data.get()["signing"]["bob"]["outcome"], "sign");
    EXPECT_EQ(s.instance.data.get()["signing"]["bob"]["at"], "2027-01-03T08:00:00Z");
    EXPECT_EQ(s.instance.data.get()["signing"]["ann"]["outcome"], "sign");
}

TEST(MultiPerson, WithoutSaveToEachCompletionsFieldsAreMerged) {
    const auto def = signing("all");
    Step s = sent(*def, people({"ann", "bob"}));
    s = step_ok(
        *def, s.instance,
        complete(task_of(s.instance, "ann").id, "sign", signatory("ann"), {{"note", "from ann"}}),
        T("2027-01-02"));
    EXPECT_EQ(s.instance.data.get()["note"], "from ann");
}

TEST(MultiPerson, ATaskOfTheGroupIsPersonal) {
    const auto def = signing("all");
    const Step s = sent(*def, people({"ann", "bob"}));
    for (const auto& t : s.instance.tasks) EXPECT_TRUE(t.personal);
    // A holder of the role may not sign in another's place.
    const Error e =
        refused(*def, s.instance, complete(task_of(s.instance, "ann").id, "sign", signatory("bob")),
                T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::forbidden);
    EXPECT_EQ(
        refused(*def, s.instance, complete(task_of(s.instance, "ann").id, "sign", signatory("zoe")),
                T("2027-01-02"))
            .code,
        ErrorCode::forbidden);
}

TEST(MultiPerson, OnceEscalatedAHolderOfTheEscalationRoleMayCompleteAPersonalTask) {
    const auto def = signing("all", {{"escalate", {{"after", "P10D"}, {"role", "chair"}}}});
    const Step s = sent(*def, people({"ann", "bob"}));
    const Task& ann = task_of(s.instance, "ann");
    const Actor chair = person("cleo", {"chair"});
    EXPECT_EQ(refused(*def, s.instance, complete(ann.id, "sign", chair), T("2027-01-02")).code,
              ErrorCode::forbidden);
    const Timer* esc = nullptr;
    for (const Timer* t : timers_of_kind(s.instance, Timer::Kind::task_escalation))
        if (t->task_id == ann.id) esc = t;
    ASSERT_NE(esc, nullptr);
    const Step escalated = step_ok(*def, s.instance, fire_timer(esc->id), esc->due_at);
    EXPECT_EQ(task_of(escalated.instance, "ann").escalated_to, std::vector<std::string>{"chair"});
    const Step s2 =
        step_ok(*def, escalated.instance, complete(ann.id, "sign", chair), T("2027-01-12"));
    EXPECT_FALSE(task_of(s2.instance, "ann").is_open());
    EXPECT_TRUE(task_of(s2.instance, "bob").is_open());
}

TEST(MultiPerson, AnotherAssigneeWithoutTheRoleCannotCompleteSomeoneElsesTask) {
    const auto def = signing("all");
    const Step s = sent(*def, people({"ann", "bob"}));
    const Error e =
        refused(*def, s.instance, complete(task_of(s.instance, "ann").id, "sign", person("bob")),
                T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::forbidden);
    // The assignee needs no role for their own task.
    const Step s1 =
        step_ok(*def, s.instance, complete(task_of(s.instance, "ann").id, "sign", person("ann")),
                T("2027-01-02"));
    EXPECT_FALSE(task_of(s1.instance, "ann").is_open());
}

}  // namespace
}  // namespace accord::engine
