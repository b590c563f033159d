// Claims, releases and reassignments: who may take a task, how long a claim binds, who may break
// it or hand the task to someone else, and that these inputs go through step() like any other.
#include "accord/engine/interpreter.hpp"

#include "test_support.hpp"

namespace accord::engine {
namespace {

using namespace testkit;

// A legal review that `proposer` may not act on.
DefinitionPtr review() {
    return load(workflow(json::parse(R"({
      "review": { "task": { "role": "legal", "title": "Review", "outcomes": ["approve", "reject"],
                            "separate_from": {"var": "proposer"} },
                  "on": { "approve": "approved", "reject": "rejected" } },
      "approved": { "final": "approved" },
      "rejected": { "final": "rejected" }
    })"),
                         "review"));
}

// One personal task per signatory, all of whom must sign.
DefinitionPtr signing() {
    return load(workflow(json::parse(R"({
      "sign": { "task": { "role": "signatory", "title": "Sign", "assignees": {"var": "signatories"},
                          "join": "all", "outcomes": ["sign", "refuse"] },
                "on": { "sign": "signed", "refuse": "refused" } },
      "signed": { "final": "signed" },
      "refused": { "final": "refused" }
    })"),
                         "sign"));
}

const json kReviewData = {{"proposer", "pat"}};

Actor lee() {
    return person("lee", {"legal"});
}
Actor lou() {
    return person("lou", {"legal"});
}
Actor lead() {
    return person("lena", {"legal_lead"});
}
Actor admin() {
    return person("ada", {"admin"});
}

Input claim(std::string task_id, Actor actor, TimeMs lease_until = 0) {
    return Input{ClaimTaskInput{std::move(task_id), lease_until}, std::move(actor)};
}
Input release(std::string task_id, Actor actor) {
    return Input{ReleaseTaskInput{std::move(task_id)}, std::move(actor)};
}
Input reassign(std::string task_id, std::string assignee, Actor actor) {
    return Input{ReassignTaskInput{std::move(task_id), std::move(assignee)}, std::move(actor)};
}

const TimeMs kStart = T("2027-01-01");
const TimeMs kDay2 = T("2027-01-02");
const TimeMs kDay3 = T("2027-01-03");
const TimeMs kDay4 = T("2027-01-04");

// The review's task, claimed by lee until day 3.
Step claimed_by_lee() {
    const auto def = review();
    const Step s0 = start_ok(*def, kReviewData, kStart);
    return step_ok(*def, s0.instance, claim(s0.instance.tasks[0].id, lee(), kDay3), kDay2);
}

// ---------------------------------------------------------------------------------------------
// Claiming

TEST(Claims, ARoleHolderClaimsAnOpenTask) {
    const auto def = review();
    const Step s0 = start_ok(*def, kReviewData, kStart);
    const std::string id = s0.instance.tasks[0].id;
    const Step s = step_ok(*def, s0.instance, claim(id, lee(), kDay3), kDay2);
    const Task& t = the_open_task(s.instance);
    EXPECT_EQ(t.claimed_by, "lee");
    EXPECT_EQ(t.claim_until, kDay3);
    const auto claimed = effects_of<TaskClaimed>(s);
    ASSERT_EQ(claimed.size(), 1u);
    EXPECT_EQ(claimed[0].task_id, id);
    EXPECT_EQ(claimed[0].by, "lee");
    EXPECT_EQ(claimed[0].until, kDay3);
    EXPECT_EQ(s.history.input, "claim");
    EXPECT_EQ(s.history.actor, "lee");
    EXPECT_EQ(s.history.detail, json({{"task", id}, {"until", "2027-01-03T00:00:00Z"}}));
}

TEST(Claims, AClaimChangesNeitherStateNorDataAndFiresNothing) {
    const auto def = review();
    const Step s0 = start_ok(*def, kReviewData, kStart);
    const Step s = step_ok(*def, s0.instance, claim(s0.instance.tasks[0].id, lee()), kDay2);
    EXPECT_EQ(state_of(*def, s.instance), "review");
    EXPECT_EQ(s.history.from_state, "review");
    EXPECT_EQ(s.history.to_state, "review");
    EXPECT_TRUE(s.history.events.empty());
    EXPECT_EQ(s.instance.data.get(), s0.instance.data.get());
    EXPECT_EQ(s.instance.timers.size(), s0.instance.timers.size());
    EXPECT_EQ(s.instance.revision, s0.instance.revision + 1);
    EXPECT_EQ(s.instance.updated_at, kDay2);
    EXPECT_EQ(s.instance.entered_at, s0.instance.entered_at);
    EXPECT_EQ(effect_types(s), std::vector<std::string>{"task.claimed"});
}

TEST(Claims, ClaimBySomeoneWithoutTheRoleIsForbiddenAndChangesNothing) {
    const auto def = review();
    const Step s0 = start_ok(*def, kReviewData, kStart);
    const Error e = refused(*def, s0.instance, claim(s0.instance.tasks[0].id, officer()), kDay2);
    EXPECT_EQ(e.code, ErrorCode::forbidden);
    EXPECT_NE(e.message.find("role legal"), std::string::npos) << e.message;
}

TEST(Claims, ClaimByAPersonExcludedBySeparationOfDutiesIsForbidden) {
    const auto def = review();
    const Step s0 = start_ok(*def, kReviewData, kStart);
    const Error e =
        refused(*def, s0.instance, claim(s0.instance.tasks[0].id, person("pat", {"legal"})), kDay2);
    EXPECT_EQ(e.code, ErrorCode::forbidden);
    EXPECT_NE(e.message.find("separation of duties"), std::string::npos) << e.message;
}

TEST(Claims, ClaimByAnotherPersonIsRefusedWhileTheLeaseRuns) {
    const auto def = review();
    const Step s = claimed_by_lee();
    const Error e =
        refused(*def, s.instance, claim(s.instance.tasks[0].id, lou()), T("2027-01-02T23:59:59Z"));
    EXPECT_EQ(e.code, ErrorCode::conflict);
    EXPECT_NE(e.message.find("claimed by lee until 2027-01-03T00:00:00Z"), std::string::npos)
        << e.message;
}

TEST(Claims, ClaimByAnotherPersonIsAllowedOnceTheLeaseExpired) {
    const auto def = review();
    const Step s0 = claimed_by_lee();
    const Step s = step_ok(*def, s0.instance, claim(s0.instance.tasks[0].id, lou(), kDay4), kDay3);
    EXPECT_EQ(the_open_task(s.instance).claimed_by, "lou");
    EXPECT_EQ(the_open_task(s.instance).claim_until, kDay4);
    EXPECT_TRUE(s.history.note.empty());
}

TEST(Claims, AClaimWithoutALeaseBindsUntilReleased) {
    const auto def = review();
    const Step s0 = start_ok(*def, kReviewData, kStart);
    const Step s = step_ok(*def, s0.instance, claim(s0.instance.tasks[0].id, lee()), kDay2);
    EXPECT_EQ(the_open_task(s.instance).claim_until, 0);
    EXPECT_FALSE(s.history.detail.contains("until"));
    const Error e =
        refused(*def, s.instance, claim(s.instance.tasks[0].id, lou()), T("2099-01-01"));
    EXPECT_EQ(e.code, ErrorCode::conflict);
    EXPECT_NE(e.message.find("claimed by lee with no expiry"), std::string::npos) << e.message;
}

TEST(Claims, ClaimingAgainRenewsTheLease) {
    const auto def = review();
    const Step s0 = claimed_by_lee();
    const Step s = step_ok(*def, s0.instance, claim(s0.instance.tasks[0].id, lee(), kDay4),
                           T("2027-01-02T12:00:00Z"));
    EXPECT_EQ(the_open_task(s.instance).claimed_by, "lee");
    EXPECT_EQ(the_open_task(s.instance).claim_until, kDay4);
    EXPECT_EQ(s.history.note, "renewed the claim");
    EXPECT_EQ(effects_of<TaskClaimed>(s).size(), 1u);
}

TEST(Claims, ALeaseThatEndsBeforeNowIsRefused) {
    const auto def = review();
    const Step s0 = start_ok(*def, kReviewData, kStart);
    const Error e = refused(*def, s0.instance, claim(s0.instance.tasks[0].id, lee(), kDay2), kDay2);
    EXPECT_EQ(e.code, ErrorCode::invalid_input);
    EXPECT_EQ(e.pointer, "/lease_until");
}

TEST(Claims, AClaimNeedsTheClaimantsId) {
    const auto def = review();
    const Step s0 = start_ok(*def, kReviewData, kStart);
    EXPECT_EQ(
        refused(*def, s0.instance, claim(s0.instance.tasks[0].id, person("", {"legal"})), kDay2)
            .code,
        ErrorCode::invalid_input);
}

TEST(Claims, ClaimOfATaskNotInTheCurrentStateIsTaskNotFound) {
    const auto def = review();
    const Step s0 = start_ok(*def, kReviewData, kStart);
    EXPECT_EQ(refused(*def, s0.instance, claim("i1.t99", lee()), kDay2).code,
              ErrorCode::task_not_found);
}

// ---------------------------------------------------------------------------------------------
// Completing a claimed task

TEST(Claims, CompletingATaskClaimedBySomeoneElseIsRefusedWhileTheLeaseRuns) {
    const auto def = review();
    const Step s = claimed_by_lee();
    const Error e = refused(*def, s.instance, complete(s.instance.tasks[0].id, "approve", lou()),
                            T("2027-01-02T18:00:00Z"));
    EXPECT_EQ(e.code, ErrorCode::forbidden);
    EXPECT_NE(e.message.find("claimed by lee"), std::string::npos) << e.message;
    const Step done = step_ok(*def, s.instance, complete(s.instance.tasks[0].id, "approve", lee()),
                              T("2027-01-02T18:00:00Z"));
    EXPECT_EQ(state_of(*def, done.instance), "approved");
}

TEST(Claims, CompletingATaskWhoseClaimExpiredIsAllowedToOthers) {
    const auto def = review();
    const Step s = claimed_by_lee();
    const Step done =
        step_ok(*def, s.instance, complete(s.instance.tasks[0].id, "approve", lou()), kDay3);
    EXPECT_EQ(state_of(*def, done.instance), "approved");
    EXPECT_EQ(effects_of<TaskClosed>(done).at(0).by, "lou");
}

// May `who` complete `t` at `now`?
Result<void> may_complete(const Task& t, const Actor& who, TimeMs now) {
    return policy::may(who, policy::TaskAction::complete, policy::TaskFacts::of(t, now));
}

TEST(Claims, ThePolicyIgnoresAnExpiredClaim) {
    Task t;
    t.role = "legal";
    t.claimed_by = "lee";
    t.claim_until = kDay3;
    EXPECT_EQ(may_complete(t, lou(), kDay2).error().code, ErrorCode::forbidden);
    EXPECT_TRUE(may_complete(t, lou(), kDay3).ok());
    EXPECT_TRUE(may_complete(t, lee(), kDay2).ok());
    // An expired claim gives no rights either: the claimant still needs the role.
    EXPECT_EQ(may_complete(t, person("lee"), kDay2).error().code, ErrorCode::forbidden);
    t.claim_until = 0;
    EXPECT_EQ(may_complete(t, lou(), T("2099-01-01")).error().code, ErrorCode::forbidden);
}

// ---------------------------------------------------------------------------------------------
// Releasing

TEST(Claims, TheClaimantReleasesTheirClaim) {
    const auto def = review();
    const Step s0 = claimed_by_lee();
    const std::string id = s0.instance.tasks[0].id;
    const Step s = step_ok(*def, s0.instance, release(id, lee()), kDay2);
    const Task& t = the_open_task(s.instance);
    EXPECT_TRUE(t.claimed_by.empty());
    EXPECT_EQ(t.claim_until, 0);
    const auto released = effects_of<TaskReleased>(s);
    ASSERT_EQ(released.size(), 1u);
    EXPECT_EQ(released[0].task_id, id);
    EXPECT_EQ(released[0].by, "lee");
    EXPECT_EQ(s.history.input, "release");
    EXPECT_EQ(s.history.detail, json({{"task", id}, {"claimed_by", "lee"}}));
    // Free again: someone else may claim it at once.
    EXPECT_EQ(the_open_task(step_ok(*def, s.instance, claim(id, lou()), kDay2).instance).claimed_by,
              "lou");
}

TEST(Claims, ALeadOfTheTasksRoleReleasesSomeoneElsesClaim) {
    const auto def = review();
    const Step s0 = claimed_by_lee();
    const Step s = step_ok(*def, s0.instance, release(s0.instance.tasks[0].id, lead()), kDay2);
    EXPECT_TRUE(the_open_task(s.instance).claimed_by.empty());
    EXPECT_EQ(effects_of<TaskReleased>(s).at(0).by, "lena");
}

TEST(Claims, AnAdminOrTheSystemReleasesSomeoneElsesClaim) {
    const auto def = review();
    const Step s0 = claimed_by_lee();
    EXPECT_TRUE(
        the_open_task(
            step_ok(*def, s0.instance, release(s0.instance.tasks[0].id, admin()), kDay2).instance)
            .claimed_by.empty());
    EXPECT_TRUE(the_open_task(step_ok(*def, s0.instance,
                                      release(s0.instance.tasks[0].id, system_actor()), kDay2)
                                  .instance)
                    .claimed_by.empty());
}

TEST(Claims, ReleaseBySomeoneElseIsForbidden) {
    const auto def = review();
    const Step s = claimed_by_lee();
    for (const Actor& who : {lou(), officer(), person("lars", {"finance_lead"})}) {
        const Error e = refused(*def, s.instance, release(s.instance.tasks[0].id, who), kDay2);
        EXPECT_EQ(e.code, ErrorCode::forbidden) << who.id;
        EXPECT_NE(e.message.find("legal_lead"), std::string::npos) << e.message;
    }
}

TEST(Claims, ReleasingATaskThatIsNotClaimedIsAConflict) {
    const auto def = review();
    const Step s0 = start_ok(*def, kReviewData, kStart);
    const Error e = refused(*def, s0.instance, release(s0.instance.tasks[0].id, lee()), kDay2);
    EXPECT_EQ(e.code, ErrorCode::conflict);
    EXPECT_NE(e.message.find("not claimed"), std::string::npos) << e.message;
}

// ---------------------------------------------------------------------------------------------
// Reassigning

TEST(Claims, AnAdminReassignsTheTaskAndClearsTheClaim) {
    const auto def = review();
    const Step s0 = claimed_by_lee();
    const std::string id = s0.instance.tasks[0].id;
    const Step s = step_ok(*def, s0.instance, reassign(id, "lou", admin()), kDay2);
    const Task& t = the_open_task(s.instance);
    EXPECT_EQ(t.assignee, "lou");
    EXPECT_TRUE(t.claimed_by.empty());
    EXPECT_EQ(t.claim_until, 0);
    const auto moved = effects_of<TaskReassigned>(s);
    ASSERT_EQ(moved.size(), 1u);
    EXPECT_EQ(moved[0].task_id, id);
    EXPECT_EQ(moved[0].from, "");
    EXPECT_EQ(moved[0].to, "lou");
    EXPECT_EQ(moved[0].by, "ada");
    EXPECT_EQ(s.history.input, "reassign");
    EXPECT_EQ(s.history.detail, json({{"task", id}, {"from", ""}, {"assignee", "lou"}}));
    // The claim is gone: lou, the assignee now, may complete it.
    EXPECT_EQ(
        state_of(*def, step_ok(*def, s.instance, complete(id, "approve", lou()), kDay2).instance),
        "approved");
}

TEST(Claims, TheNewAssigneeMayCompleteWithoutTheRole) {
    const auto def = review();
    const Step s0 = start_ok(*def, kReviewData, kStart);
    const std::string id = s0.instance.tasks[0].id;
    const Step s = step_ok(*def, s0.instance, reassign(id, "olga", lead()), kDay2);
    EXPECT_EQ(
        state_of(*def,
                 step_ok(*def, s.instance, complete(id, "reject", officer()), kDay2).instance),
        "rejected");
}

TEST(Claims, ALeadReassignsTheTaskBackToTheRolesQueue) {
    const auto def = review();
    const Step s0 = start_ok(*def, kReviewData, kStart);
    const std::string id = s0.instance.tasks[0].id;
    const Step to_lou = step_ok(*def, s0.instance, reassign(id, "lou", lead()), kDay2);
    const Step back = step_ok(*def, to_lou.instance, reassign(id, "", lead()), kDay3);
    EXPECT_TRUE(the_open_task(back.instance).assignee.empty());
    const auto moved = effects_of<TaskReassigned>(back);
    ASSERT_EQ(moved.size(), 1u);
    EXPECT_EQ(moved[0].from, "lou");
    EXPECT_EQ(moved[0].to, "");
    EXPECT_EQ(moved[0].by, "lena");
}

TEST(Claims, ReassignByAnOfficerIsForbiddenSayingWhoMay) {
    const auto def = review();
    const Step s0 = start_ok(*def, kReviewData, kStart);
    for (const Actor& who : {officer(), lee()}) {
        const Error e =
            refused(*def, s0.instance, reassign(s0.instance.tasks[0].id, "lou", who), kDay2);
        EXPECT_EQ(e.code, ErrorCode::forbidden) << who.id;
        EXPECT_NE(e.message.find("admin or legal_lead"), std::string::npos) << e.message;
    }
}

TEST(Claims, ReassignToAPersonExcludedBySeparationOfDutiesIsForbidden) {
    const auto def = review();
    const Step s0 = start_ok(*def, kReviewData, kStart);
    const Error e =
        refused(*def, s0.instance, reassign(s0.instance.tasks[0].id, "pat", admin()), kDay2);
    EXPECT_EQ(e.code, ErrorCode::forbidden);
    EXPECT_NE(e.message.find("separation of duties"), std::string::npos) << e.message;
}

TEST(Claims, APersonalTaskIsReassignedOnlyToSomeoneOutsideTheGroup) {
    const auto def = signing();
    const Step s0 = start_ok(*def, {{"signatories", {"sam", "sue"}}}, kStart);
    const std::string sams = s0.instance.tasks[0].id;
    EXPECT_EQ(refused(*def, s0.instance, reassign(sams, "", admin()), kDay2).code,
              ErrorCode::invalid_input);
    EXPECT_EQ(refused(*def, s0.instance, reassign(sams, "sue", admin()), kDay2).code,
              ErrorCode::conflict);
    const Step s = step_ok(*def, s0.instance, reassign(sams, "sid", admin()), kDay2);
    EXPECT_EQ(s.instance.tasks[0].assignee, "sid");
    EXPECT_TRUE(s.instance.tasks[0].personal);
}

// ---------------------------------------------------------------------------------------------
// Closed tasks and finished instances

TEST(Claims, ClaimReleaseReassignAndCompleteOnAClosedTaskAreRefusedAsTaskClosed) {
    const auto def = signing();
    const Step s0 = start_ok(*def, {{"signatories", {"sam", "sue"}}}, kStart);
    const std::string sams = s0.instance.tasks[0].id;
    // Sam signs; the group waits for Sue, and Sam's completed task stays in the state.
    const Step s = step_ok(*def, s0.instance, complete(sams, "sign", person("sam")), kDay2);
    ASSERT_EQ(s.instance.tasks[0].status, TaskStatus::completed);
    for (const Input& in : {claim(sams, person("sam")), release(sams, system_actor()),
                            reassign(sams, "sid", admin()), complete(sams, "sign", person("sam"))})
        EXPECT_EQ(refused(*def, s.instance, in, kDay3).code, ErrorCode::task_closed);
}

TEST(Claims, ClaimOnAFinishedInstanceIsRefused) {
    const auto def = review();
    const Step s0 = start_ok(*def, kReviewData, kStart);
    const std::string id = s0.instance.tasks[0].id;
    const Step done = step_ok(*def, s0.instance, complete(id, "approve", lee()), kDay2);
    EXPECT_EQ(refused(*def, done.instance, claim(id, lee()), kDay3).code,
              ErrorCode::instance_finished);
}

// ---------------------------------------------------------------------------------------------
// Pure and in place, effects, storage

TEST(Claims, PureAndInPlaceFormsAgreeAndARefusalInPlaceRestoresTheInstance) {
    const auto def = review();
    Instance pure = start_ok(*def, kReviewData, kStart).instance;
    Instance in_place = pure;
    const std::string id = pure.tasks[0].id;
    struct Case {
        Input input;
        TimeMs at;
        bool accepted;
    };
    const std::vector<Case> cases = {{claim(id, officer()), kDay2, false},
                                     {claim(id, lee(), kDay3), kDay2, true},
                                     {claim(id, lou()), kDay2, false},
                                     {claim(id, lee(), kDay4), kDay2, true},
                                     {release(id, lou()), kDay2, false},
                                     {release(id, lead()), kDay2, true},
                                     {release(id, lee()), kDay2, false},
                                     {claim(id, lou(), kDay3), kDay2, true},
                                     {reassign(id, "pat", admin()), kDay2, false},
                                     {reassign(id, "lee", lee()), kDay2, false},
                                     {reassign(id, "lee", admin()), kDay2, true},
                                     {claim(id, lee()), kDay3, true},
                                     {complete(id, "approve", lou()), kDay3, false}};
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const Case& c = cases[i];
        const json before = to_json(in_place, *def);
        auto a = step(*def, std::as_const(pure), c.input, c.at);
        auto b = step(*def, std::move(in_place), c.input, c.at);
        ASSERT_EQ(a.ok(), c.accepted) << "case " << i;
        ASSERT_EQ(b.ok(), c.accepted) << "case " << i;
        if (!c.accepted) {
            EXPECT_EQ(a.error().code, b.error().code) << "case " << i;
            EXPECT_EQ(to_json(in_place, *def), before) << "case " << i;
            continue;
        }
        EXPECT_EQ(to_json(a->instance, *def), to_json(b->instance, *def)) << "case " << i;
        ASSERT_EQ(a->effects.size(), b->effects.size()) << "case " << i;
        for (std::size_t k = 0; k < a->effects.size(); ++k)
            EXPECT_EQ(to_json(a->effects[k]), to_json(b->effects[k])) << "case " << i;
        EXPECT_EQ(to_json(a->history), to_json(b->history)) << "case " << i;
        pure = std::move(a->instance);
        in_place = std::move(b->instance);
    }
    EXPECT_EQ(the_open_task(pure).assignee, "lee");
    EXPECT_EQ(the_open_task(pure).claimed_by, "lee");
}

TEST(Claims, EffectsSerialiseWithTheirTypes) {
    EXPECT_EQ(to_json(Effect{TaskClaimed{"i1.t1", "lee", kDay3}}),
              json({{"type", "task.claimed"}, {"task", "i1.t1"}, {"by", "lee"}, {"until", kDay3}}));
    EXPECT_EQ(to_json(Effect{TaskClaimed{"i1.t1", "lee", 0}}),
              json({{"type", "task.claimed"}, {"task", "i1.t1"}, {"by", "lee"}}));
    EXPECT_EQ(to_json(Effect{TaskReleased{"i1.t1", "lena"}}),
              json({{"type", "task.released"}, {"task", "i1.t1"}, {"by", "lena"}}));
    EXPECT_EQ(to_json(Effect{TaskReassigned{"i1.t1", "lee", "lou", "ada"}}),
              json({{"type", "task.reassigned"},
                    {"task", "i1.t1"},
                    {"from", "lee"},
                    {"to", "lou"},
                    {"by", "ada"}}));
}

TEST(Claims, TheStorageFormKeepsTheLease) {
    const auto def = review();
    const Step s = claimed_by_lee();
    const json stored = to_json(s.instance.tasks[0]);
    EXPECT_EQ(stored["claimed_by"], "lee");
    EXPECT_EQ(stored["claim_until"], kDay3);
    auto back = instance_from_json(to_json(s.instance, *def), *def);
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_EQ(back->tasks[0].claim_until, kDay3);
    EXPECT_EQ(to_json(*back, *def), to_json(s.instance, *def));

    Task unclaimed = s.instance.tasks[0];
    unclaimed.claimed_by.clear();
    unclaimed.claim_until = 0;
    EXPECT_FALSE(to_json(unclaimed).contains("claim_until"));
    auto task = task_from_json(to_json(unclaimed));
    ASSERT_TRUE(task.ok()) << task.error().to_string();
    EXPECT_EQ(task->claim_until, 0);
}

TEST(Claims, AStoreCommitsClaimsAndReassignmentsLikeAnyOtherInput) {
    const auto def = review();
    MemoryStore store;
    ASSERT_TRUE(store.put_definition(def).ok());
    const Step s0 = start_ok(*def, kReviewData, kStart);
    ASSERT_TRUE(store.commit(s0).ok());
    const std::string id = s0.instance.tasks[0].id;
    const Step s1 = step_ok(*def, s0.instance, claim(id, lee(), kDay3), kDay2);
    ASSERT_TRUE(store.commit(s1).ok());
    EXPECT_EQ(store.find_task(id)->claimed_by, "lee");
    const Step s2 = step_ok(*def, s1.instance, reassign(id, "lou", admin()), kDay2);
    ASSERT_TRUE(store.commit(s2).ok());
    ASSERT_EQ(store.open_tasks_for_assignee("lou").size(), 1u);
    EXPECT_TRUE(store.find_task(id)->claimed_by.empty());
    const auto history = store.history(s0.instance.id);
    ASSERT_EQ(history.size(), 3u);
    EXPECT_EQ(history[1].input, "claim");
    EXPECT_EQ(history[2].input, "reassign");
    EXPECT_EQ(store.load_instance(s0.instance.id)->revision, 3u);
    // A stale claim is refused by the store like any stale step.
    EXPECT_EQ(store.commit(s1).error().code, ErrorCode::conflict);
}

// ---------------------------------------------------------------------------------------------
// task_after: the task as a step left it, for answers that show the task acted on

TEST(TaskAfter, AClaimLeavesTheTaskInTheInstanceAndItIsTakenFromThere) {
    const Step s = claimed_by_lee();
    const Instance before = [] {
        const auto def = review();
        return start_ok(*def, kReviewData, kStart).instance;
    }();
    const auto t = task_after(before, s, s.instance.tasks[0].id);
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->claimed_by, "lee");
    EXPECT_EQ(t->claim_until, kDay3);
    EXPECT_TRUE(t->is_open());
}

TEST(TaskAfter, ACompletionThatLeavesTheStateGivesTheClosedTaskWithItsOutcomeAndFields) {
    const auto def = review();
    const Step s0 = start_ok(*def, kReviewData, kStart);
    const std::string id = s0.instance.tasks[0].id;
    const Step s =
        step_ok(*def, s0.instance, complete(id, "approve", lee(), json::object(), "fine"), kDay2);
    ASSERT_EQ(s.instance.find_task(id), nullptr);  // the state was left: the task is gone
    const auto t = task_after(s0.instance, s, id);
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->status, TaskStatus::completed);
    EXPECT_EQ(t->outcome, "approve");
    EXPECT_EQ(t->closed_by, "lee");
    EXPECT_EQ(t->closed_at, kDay2);
    EXPECT_EQ(t->comment, "fine");
    EXPECT_EQ(t->role, "legal");
}

TEST(TaskAfter, AnotherPersonsSignatureClosesTheGroupAndCancelsTheRest) {
    const auto def = signing();
    const Step s0 = start_ok(*def, {{"signatories", {"sam", "sofia"}}}, kStart);
    ASSERT_EQ(s0.instance.tasks.size(), 2u);
    const Task& sams =
        s0.instance.tasks[0].assignee == "sam" ? s0.instance.tasks[0] : s0.instance.tasks[1];
    const Task& sofias =
        &sams == &s0.instance.tasks[0] ? s0.instance.tasks[1] : s0.instance.tasks[0];
    // Sam refuses: the group's outcome is settled, so Sofia's task is cancelled with the state.
    const Step s = step_ok(*def, s0.instance,
                           complete(sams.id, "refuse", person("sam", {"signatory"})), kDay2);
    const auto other = task_after(s0.instance, s, sofias.id);
    ASSERT_TRUE(other.has_value());
    EXPECT_EQ(other->status, TaskStatus::cancelled);
    EXPECT_EQ(other->closed_at, kDay2);
    EXPECT_TRUE(other->outcome.empty());
    EXPECT_EQ(other->assignee, "sofia");
}

TEST(TaskAfter, ATaskInNeitherInstanceIsNone) {
    const Step s = claimed_by_lee();
    EXPECT_FALSE(task_after(s.instance, s, "nobody.t99").has_value());
}

}  // namespace
}  // namespace accord::engine
