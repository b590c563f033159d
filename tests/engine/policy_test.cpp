// The policy, table-driven: every kind of person against every kind of task (who may see it,
// what they may do to it, whether it waits for them), and against workflows and instances
// (start, cancel, see, send an event, read a role's queue).
#include <map>
#include <set>

#include "accord/engine/policy.hpp"
#include "test_support.hpp"

namespace accord::engine {
namespace {

using namespace testkit;
using policy::TaskAction;
using policy::TaskFacts;

constexpr TimeMs kNow = 1'800'000'000'000;

// The kinds of person: names say what they are to a "legal" task.
const std::map<std::string, Actor>& people() {
    static const std::map<std::string, Actor> all = {
        {"admin", Actor{"ada", {"admin"}, false}},
        {"auditor", Actor{"aud", {"auditor"}, false}},
        {"holder", Actor{"hal", {"legal"}, false}},       // holds the task's role
        {"lead", Actor{"lea", {"legal_lead"}, false}},    // leads it
        {"director", Actor{"dir", {"director"}, false}},  // the role tasks escalate to
        {"assignee", Actor{"ann", {}, false}},            // named by assigned tasks, no role
        {"claimant", Actor{"lou", {"legal"}, false}},     // holds the role; claims and closes
        {"stranger", Actor{"sam", {"finance"}, false}},   // another workflow's role
        {"system", Actor::system_actor()},
    };
    return all;
}

// The kinds of task, all of role "legal".
Task task_of_kind(const std::string& kind) {
    Task t;
    t.id = "w-1.t1";
    t.role = "legal";
    if (kind == "claimed") {
        t.claimed_by = "lou";
        t.claim_until = kNow + 60'000;
    } else if (kind == "claim ran out") {
        t.claimed_by = "lou";
        t.claim_until = kNow - 1;
    } else if (kind == "assigned") {
        t.assignee = "ann";
    } else if (kind == "personal") {
        t.assignee = "ann";
        t.personal = true;
    } else if (kind == "escalated") {
        t.escalated_to = {"director"};
    } else if (kind == "excludes holder") {
        t.excluded = {"hal"};
    } else if (kind == "closed") {
        t.status = TaskStatus::completed;
        t.closed_by = "lou";
    }
    return t;
}

std::string can_text(policy::TaskActions can) {
    std::string out;
    for (auto a : policy::kTaskActions)
        if (can.has(a)) out += (out.empty() ? "" : " ") + std::string(policy::to_string(a));
    return out;
}

struct Row {
    std::string task, person;
    bool sees;
    std::string can;  // the actions allowed, in order, space-separated
};

// Every kind of task against every kind of person.
const std::vector<Row> kTaskTable = {
    {"open", "admin", true, "reassign"},
    {"open", "auditor", true, ""},
    {"open", "holder", true, "claim complete"},
    {"open", "lead", true, "reassign"},
    {"open", "director", false, ""},
    {"open", "assignee", false, ""},
    {"open", "claimant", true, "claim complete"},
    {"open", "stranger", false, ""},
    {"open", "system", true, "claim complete reassign"},

    {"claimed", "admin", true, "release reassign"},
    {"claimed", "auditor", true, ""},
    {"claimed", "holder", true, ""},
    {"claimed", "lead", true, "release reassign"},
    {"claimed", "director", false, ""},
    {"claimed", "assignee", false, ""},
    {"claimed", "claimant", true, "claim complete release"},
    {"claimed", "stranger", false, ""},
    {"claimed", "system", true, "complete release reassign"},

    {"claim ran out", "admin", true, "release reassign"},
    {"claim ran out", "auditor", true, ""},
    {"claim ran out", "holder", true, "claim complete"},
    {"claim ran out", "lead", true, "release reassign"},
    {"claim ran out", "director", false, ""},
    {"claim ran out", "assignee", false, ""},
    {"claim ran out", "claimant", true, "claim complete release"},
    {"claim ran out", "stranger", false, ""},
    {"claim ran out", "system", true, "claim complete release reassign"},

    {"assigned", "admin", true, "reassign"},
    {"assigned", "auditor", true, ""},
    {"assigned", "holder", true, "claim complete"},
    {"assigned", "lead", true, "reassign"},
    {"assigned", "director", false, ""},
    {"assigned", "assignee", true, "claim complete"},
    {"assigned", "claimant", true, "claim complete"},
    {"assigned", "stranger", false, ""},
    {"assigned", "system", true, "claim complete reassign"},

    {"personal", "admin", true, "reassign"},
    {"personal", "auditor", true, ""},
    {"personal", "holder", false, ""},
    {"personal", "lead", true, "reassign"},
    {"personal", "director", false, ""},
    {"personal", "assignee", true, "claim complete"},
    {"personal", "claimant", false, ""},
    {"personal", "stranger", false, ""},
    {"personal", "system", true, "claim complete reassign"},

    {"escalated", "admin", true, "reassign"},
    {"escalated", "auditor", true, ""},
    {"escalated", "holder", true, "claim complete"},
    {"escalated", "lead", true, "reassign"},
    {"escalated", "director", true, "claim complete"},
    {"escalated", "assignee", false, ""},
    {"escalated", "claimant", true, "claim complete"},
    {"escalated", "stranger", false, ""},
    {"escalated", "system", true, "claim complete reassign"},

    {"excludes holder", "admin", true, "reassign"},
    {"excludes holder", "auditor", true, ""},
    {"excludes holder", "holder", true, ""},
    {"excludes holder", "lead", true, "reassign"},
    {"excludes holder", "director", false, ""},
    {"excludes holder", "assignee", false, ""},
    {"excludes holder", "claimant", true, "claim complete"},
    {"excludes holder", "stranger", false, ""},
    {"excludes holder", "system", true, "claim complete reassign"},

    {"closed", "admin", true, ""},
    {"closed", "auditor", true, ""},
    {"closed", "holder", true, ""},
    {"closed", "lead", true, ""},
    {"closed", "director", false, ""},
    {"closed", "assignee", false, ""},
    {"closed", "claimant", true, ""},
    {"closed", "stranger", false, ""},
    {"closed", "system", true, ""},
};

TEST(Policy, EveryKindOfPersonAgainstEveryKindOfTask) {
    std::set<std::pair<std::string, std::string>> covered;
    for (const auto& row : kTaskTable) {
        SCOPED_TRACE(row.task + " / " + row.person);
        covered.emplace(row.task, row.person);
        const Task task = task_of_kind(row.task);
        const TaskFacts facts = TaskFacts::of(task, kNow);
        const Actor& who = people().at(row.person);
        EXPECT_EQ(policy::may_see(who, facts), row.sees);
        const auto can = policy::allowed(who, facts);
        EXPECT_EQ(can_text(can), row.can);
        // may() agrees with allowed(), action by action.
        for (auto a : policy::kTaskActions)
            EXPECT_EQ(policy::may(who, a, facts).ok(), can.has(a)) << policy::to_string(a);
        // The inbox is what one may complete now.
        EXPECT_EQ(policy::waits_for(who, facts), can.has(TaskAction::complete));
    }
    EXPECT_EQ(covered.size(), 8u * people().size()) << "a kind of task or person is missing";
}

TEST(Policy, RefusalsSayWhyWithTheirCode) {
    const Actor& hal = people().at("holder");
    const Actor& sam = people().at("stranger");
    const Task claimed_task = task_of_kind("claimed");
    const auto claimed = TaskFacts::of(claimed_task, kNow);
    // Someone else's claim: a conflict to claim, forbidden to complete.
    const auto claim = policy::may(hal, TaskAction::claim, claimed);
    EXPECT_EQ(claim.error().code, ErrorCode::conflict);
    EXPECT_NE(claim.error().message.find("claimed by lou until"), std::string::npos);
    EXPECT_EQ(policy::may(hal, TaskAction::complete, claimed).error().code, ErrorCode::forbidden);
    // Not theirs at all: forbidden, naming the role, before any claim is mentioned.
    const auto by_stranger = policy::may(sam, TaskAction::claim, claimed);
    EXPECT_EQ(by_stranger.error().code, ErrorCode::forbidden);
    EXPECT_NE(by_stranger.error().message.find("role legal"), std::string::npos);
    // Separation of duties is named.
    const Task excluded_task = task_of_kind("excludes holder");
    const auto excluded = TaskFacts::of(excluded_task, kNow);
    EXPECT_NE(policy::may(hal, TaskAction::complete, excluded)
                  .error()
                  .message.find("separation of duties"),
              std::string::npos);
    // Release: nothing to release is a conflict.
    const Task open_task = task_of_kind("open");
    const auto open = TaskFacts::of(open_task, kNow);
    EXPECT_EQ(policy::may(people().at("lead"), TaskAction::release, open).error().code,
              ErrorCode::conflict);
    EXPECT_EQ(policy::may(hal, TaskAction::release, claimed).error().code, ErrorCode::forbidden);
    // A closed task: task_closed whatever the action.
    const Task closed_task = task_of_kind("closed");
    const auto closed = TaskFacts::of(closed_task, kNow);
    for (auto a : policy::kTaskActions)
        EXPECT_EQ(policy::may(people().at("admin"), a, closed).error().code,
                  ErrorCode::task_closed);
}

// A workflow with a task role ("legal"), an escalation ("director"), a declared event with
// roles ("withdraw": "officer"), one open to anyone ("note") and one the workflow raises itself
// (its outcome "approve").
DefinitionPtr agreement() {
    return load(
        workflow({{"review",
                   {{"task",
                     {{"role", "legal"},
                      {"title", "Review"},
                      {"outcomes", {"approve"}},
                      {"due", "P10D"},
                      {"escalate", {{"after", "P5D"}, {"role", "director"}}}}},
                    {"on", {{"approve", "done"}, {"withdraw", "done"}, {"note", json::object()}}}}},
                  {"done", {{"final", "done"}}}},
                 "review",
                 {{"events", {{"withdraw", {{"roles", {"officer"}}}}, {"note", json::object()}}}}));
}

TEST(Policy, AWorkflowsRolesAreItsTaskRolesTheirLeadsEscalationsAndEventRoles) {
    EXPECT_EQ(agreement()->roles,
              (std::vector<std::string>{"director", "legal", "legal_lead", "officer"}));
}

TEST(Policy, EveryKindOfPersonAgainstAWorkflow) {
    const auto def = agreement();
    const auto approve = *def->find_event("approve");
    const auto withdraw = *def->find_event("withdraw");
    const auto note = *def->find_event("note");
    struct WorkflowRow {
        std::string person;
        bool sees, starts, cancels, withdraws, notes, reads_legal_queue;
    };
    const std::vector<WorkflowRow> table = {
        {"admin", true, true, true, false, true, true},
        {"auditor", true, false, false, false, true, true},
        {"holder", true, true, false, false, true, true},
        {"lead", true, true, true, false, true, true},
        {"director", true, true, false, false, true, false},
        {"assignee", false, false, false, false, true, false},
        {"stranger", false, false, false, false, true, false},
        {"system", true, true, true, true, true, true},
    };
    for (const auto& row : table) {
        SCOPED_TRACE(row.person);
        const Actor& who = people().at(row.person);
        EXPECT_EQ(policy::may_see_workflow(who, *def), row.sees);
        EXPECT_EQ(policy::may_start(who, *def).ok(), row.starts);
        EXPECT_EQ(policy::may_cancel(who, *def).ok(), row.cancels);
        EXPECT_EQ(policy::may_send(who, *def, withdraw).ok(), row.withdraws);
        EXPECT_EQ(policy::may_send(who, *def, note).ok(), row.notes);
        EXPECT_EQ(policy::may_list_role(who, "legal").ok(), row.reads_legal_queue);
        // The workflow's own outcome event comes from outside from nobody but the system.
        EXPECT_EQ(policy::may_send(who, *def, approve).ok(), who.system);
    }
    const Actor officer{"olga", {"officer"}, false};
    EXPECT_TRUE(policy::may_send(officer, *def, withdraw).ok());
    EXPECT_EQ(policy::may_send(people().at("holder"), *def, approve).error().code,
              ErrorCode::event_not_allowed);
    EXPECT_EQ(policy::may_send(people().at("holder"), *def, withdraw).error().code,
              ErrorCode::forbidden);
}

TEST(Policy, AnInstanceShowsToThoseItsTasksNamedEvenWithoutItsRoles) {
    const auto def = agreement();
    Instance inst;
    inst.id = "w-1";
    inst.workflow = "w";
    const Actor& ann = people().at("assignee");
    EXPECT_FALSE(policy::may_see(ann, inst, *def));
    for (auto field : {&Task::assignee, &Task::claimed_by, &Task::closed_by}) {
        Task t = task_of_kind("open");
        t.*field = "ann";
        inst.tasks = {t};
        EXPECT_TRUE(policy::may_see(ann, inst, *def));
    }
    inst.tasks.clear();
    EXPECT_TRUE(policy::may_see(people().at("holder"), inst, *def));
    EXPECT_FALSE(policy::may_see(people().at("stranger"), inst, *def));
}

}  // namespace
}  // namespace accord::engine

namespace accord::engine {
namespace {

// Deputies: dee stands in for ann (away) and for lou (away); stan stands in for hal, whom the
// task's separation of duties does not exclude, but is excluded himself.
TEST(PolicyDeputies, WhatIsPersonallyTheAwayPersonsIsTheDeputysToo) {
    const Actor dee{"dee", {}, false, {"ann", "lou"}};
    const Actor dee_back{"dee", {}, false, {}};
    const auto facts = [](const Task& t) { return policy::TaskFacts::of(t, 1'800'000'000'000); };
    for (const char* kind : {"assigned", "personal", "claimed"}) {
        const Task t = [&] {
            Task x;
            x.id = "w-1.t1";
            x.role = "legal";
            if (std::string(kind) == "claimed") {
                x.claimed_by = "lou";
                x.claim_until = 1'800'000'060'000;
            } else {
                x.assignee = "ann";
                x.personal = std::string(kind) == "personal";
            }
            return x;
        }();
        const auto f = facts(t);
        EXPECT_TRUE(policy::may_see(dee, f)) << kind;
        EXPECT_TRUE(policy::waits_for(dee, f)) << kind;
        EXPECT_TRUE(policy::may(dee, TaskAction::complete, f)) << kind;
        EXPECT_TRUE(policy::may(dee, TaskAction::claim, f)) << kind;
        EXPECT_FALSE(policy::may(dee, TaskAction::reassign, f)) << kind;
        EXPECT_EQ(policy::acting_for(dee, TaskAction::complete, f),
                  std::string(kind) == "claimed" ? "lou" : "ann")
            << kind;
        // Back from leave: nothing.
        EXPECT_FALSE(policy::may_see(dee_back, f)) << kind;
        EXPECT_FALSE(policy::may(dee_back, TaskAction::complete, f)) << kind;
        EXPECT_EQ(policy::acting_for(dee_back, TaskAction::complete, f), "") << kind;
    }
    // A role's task nobody holds personally is not the deputy's.
    Task open_task;
    open_task.id = "w-1.t2";
    open_task.role = "legal";
    EXPECT_FALSE(policy::may(dee, TaskAction::complete, facts(open_task)));
    EXPECT_FALSE(policy::may_see(dee, facts(open_task)));
}

TEST(PolicyDeputies, SeparationOfDutiesAppliesToTheDeputy) {
    Task t;
    t.id = "w-1.t1";
    t.role = "signatory";
    t.assignee = "ann";
    t.personal = true;
    t.excluded = {"olga"};
    const Actor olga{"olga", {"officer"}, false, {"ann"}};
    const auto f = policy::TaskFacts::of(t, 0);
    auto refused = policy::may(olga, TaskAction::complete, f);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::forbidden);
    EXPECT_FALSE(policy::waits_for(olga, f));
}

TEST(PolicyDeputies, AClaimMadeForSomeoneStaysTheClaimantsWhenTheyAreBack) {
    Task t;
    t.id = "w-1.t1";
    t.role = "signatory";
    t.assignee = "ann";
    t.personal = true;
    t.claimed_by = "dee";
    t.claimed_for = "ann";
    const Actor dee_back{"dee", {}, false, {}};
    const auto f = policy::TaskFacts::of(t, 0);
    EXPECT_TRUE(policy::may(dee_back, TaskAction::complete, f));
    EXPECT_TRUE(policy::waits_for(dee_back, f));
    EXPECT_EQ(policy::acting_for(dee_back, TaskAction::complete, f), "ann");
    // ann, back, finds her task claimed by her deputy: she may not complete it over the claim,
    // but may see it; a lead may release it.
    const Actor ann{"ann", {"signatory"}, false, {}};
    EXPECT_TRUE(policy::may_see(ann, f));
    EXPECT_FALSE(policy::may(ann, TaskAction::complete, f));
    // A deputy may release the claim of the person they stand in for.
    Task claimed_by_ann = t;
    claimed_by_ann.claimed_by = "ann";
    claimed_by_ann.claimed_for.clear();
    const Actor dee{"dee", {}, false, {"ann"}};
    EXPECT_TRUE(policy::may(dee, TaskAction::release, policy::TaskFacts::of(claimed_by_ann, 0)));
}

}  // namespace
}  // namespace accord::engine
