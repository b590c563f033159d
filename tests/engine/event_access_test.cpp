// Who may raise which event: events the workflow raises itself stay inside, declared events
// open them up; workflow-level transitions; $actor; personal tasks of multi-person groups.
#include "test_support.hpp"

namespace accord::engine {
namespace {

using namespace testkit;

json review_states() {
    return {{"review",
             {{"task",
               {{"role", "legal"},
                {"title", "Review"},
                {"outcomes", {"approve", "reject"}},
                {"due", "P10D"}}},
              {"timers", {{{"after", "P30D"}, {"event", "chase"}}}},
              {"on",
               {{"approve", "approved"},
                {"reject", "rejected"},
                {"chase", json::object()},
                {"withdraw", "withdrawn"}}}}},
            {"approved", {{"final", "approved"}}},
            {"rejected", {{"final", "rejected"}}},
            {"withdrawn", {{"final", "withdrawn"}}}};
}

TEST(EventAccess, ATaskOutcomeSentAsAnEventIsRefusedAndChangesNothing) {
    auto def = load(workflow(review_states(), "review"));
    Step s = start_ok(*def);
    Error e = refused(*def, s.instance, event("approve", {}, person("pat", {"partner"})),
                      T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::event_not_allowed);
    EXPECT_EQ(e.pointer, "/event");
    EXPECT_NE(e.message.find("complete the task"), std::string::npos) << e.message;
}

TEST(EventAccess, ATimerEventSentFromOutsideIsRefused) {
    auto def = load(workflow(review_states(), "review"));
    Step s = start_ok(*def);
    EXPECT_EQ(
        refused(*def, s.instance, event("chase", {}, person("olga", {"officer"})), T("2027-01-02"))
            .code,
        ErrorCode::event_not_allowed);
}

TEST(EventAccess, AChildOutcomeEventSentFromOutsideIsRefused) {
    json states = {
        {"signing", {{"invoke", {{"workflow", "signing"}}}, {"on", {{"signing.signed", "done"}}}}},
        {"done", {{"final", "done"}}}};
    auto def = load(workflow(states, "signing"));
    Step s = start_ok(*def);
    EXPECT_EQ(refused(*def, s.instance, event("signing.signed", {}, person("olga", {"officer"})),
                      T("2027-01-02"))
                  .code,
              ErrorCode::event_not_allowed);
}

TEST(EventAccess, AnEventNothingRaisesMayBeSentFromOutside) {
    auto def = load(workflow(review_states(), "review"));
    Step s = start_ok(*def);
    Step t = step_ok(*def, s.instance, event("withdraw", {}, person("olga", {"officer"})),
                     T("2027-01-02"));
    EXPECT_EQ(t.instance.outcome, "withdrawn");
}

TEST(EventAccess, DeclaringAnInternalEventOpensItToItsRoles) {
    auto def = load(workflow(review_states(), "review",
                             {{"events", {{"chase", {{"roles", {"ir_director"}}}}}}}));
    Step s = start_ok(*def);
    EXPECT_EQ(
        refused(*def, s.instance, event("chase", {}, person("olga", {"officer"})), T("2027-01-02"))
            .code,
        ErrorCode::forbidden);
    Step t = step_ok(*def, s.instance, event("chase", {}, person("ida", {"ir_director"})),
                     T("2027-01-02"));
    EXPECT_EQ(events_of(t.history), std::vector<std::string>{"chase"});
}

TEST(EventAccess, ADeclaredEventWithoutFieldsTakesAnyPayload) {
    auto def = load(workflow(review_states(), "review",
                             {{"events", {{"withdraw", {{"roles", {"officer"}}}}}}}));
    Step s = start_ok(*def);
    Step t = step_ok(*def, s.instance,
                     event("withdraw", {{"reason", "partner left"}}, person("olga", {"officer"})),
                     T("2027-01-02"));
    EXPECT_EQ(t.instance.outcome, "withdrawn");
}

TEST(EventAccess, ADeclaredEventWithFieldsRefusesAnUnknownOne) {
    json decl = {{"roles", {"officer"}}, {"fields", {{"reason", {{"type", "string"}}}}}};
    auto def = load(workflow(review_states(), "review", {{"events", {{"withdraw", decl}}}}));
    Step s = start_ok(*def);
    Error e =
        refused(*def, s.instance,
                event("withdraw", {{"reason", "x"}, {"reson", "y"}}, person("olga", {"officer"})),
                T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::invalid_field);
    EXPECT_EQ(e.pointer, "/data/reson");
}

TEST(WorkflowLevelOn, EveryWaitStateTakesItUnlessItHandlesTheEventItself) {
    json states = {
        {"draft", {{"on", {{"submit", "review"}}}}},
        {"review", {{"on", {{"approve", "approved"}, {"terminate", "review_terminated"}}}}},
        {"approved", {{"final", "approved"}}},
        {"terminated", {{"final", "terminated"}}},
        {"review_terminated", {{"final", "terminated_in_review"}}}};
    auto def = load(workflow(states, "draft", {{"on", {{"terminate", "terminated"}}}}));
    Step s = start_ok(*def);
    Step from_draft = step_ok(*def, s.instance, event("terminate"), T("2027-01-02"));
    EXPECT_EQ(from_draft.instance.outcome, "terminated");
    Step review = step_ok(*def, s.instance, event("submit"), T("2027-01-02"));
    Step from_review = step_ok(*def, review.instance, event("terminate"), T("2027-01-03"));
    EXPECT_EQ(from_review.instance.outcome, "terminated_in_review")
        << "the state's own handler comes first";
}

TEST(WorkflowLevelOn, ATargetThatIsNotAStateIsAnErrorWithItsPointer) {
    json states = {{"a", {{"on", {{"go", "b"}}}}}, {"b", {{"final", "done"}}}};
    LoadResult r = load_definition(workflow(states, "a", {{"on", {{"stop", "stoped"}}}}));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.diagnostics.front().pointer, "/on/stop");
    EXPECT_NE(r.diagnostics.front().message.find("unknown state \"stoped\""), std::string::npos);
}

TEST(ActorRoot, RulesAndTemplatesSeeWhoSentTheInput) {
    json states = {
        {"active",
         {{"on",
           {{"terminate",
             {{"target", "terminated"},
              {"actions",
               {{{"set", {{"terminated_by", {{"var", "$actor.id"}}}}}},
                {{"notify",
                  {{"roles", {"ir_director"}}, {"subject", "Ended by {{$actor.id}}"}}}}}}}}}}}},
        {"terminated", {{"final", "terminated"}}}};
    auto def = load(workflow(states, "active"));
    Step s = start_ok(*def);
    Step t = step_ok(*def, s.instance, event("terminate", {}, person("ida", {"ir_director"})),
                     T("2027-01-02"));
    EXPECT_EQ(t.instance.data.get()["terminated_by"], "ida");
    ASSERT_EQ(effects_of<Notification>(t).size(), 1u);
    EXPECT_EQ(effects_of<Notification>(t)[0].subject, "Ended by ida");
}

TEST(PersonalTasks, ARoleHolderCannotCompleteAnotherMembersTaskInAGroup) {
    json states = {{"sign",
                    {{"task",
                      {{"role", "signatory"},
                       {"title", "Sign"},
                       {"assignees", {{"var", "signatories"}}},
                       {"outcomes", {"sign", "refuse"}},
                       {"due", "P14D"}}},
                     {"on", {{"sign", "signed"}, {"refuse", "refused"}}}}},
                   {"signed", {{"final", "signed"}}},
                   {"refused", {{"final", "refused"}}}};
    auto def = load(workflow(states, "sign"));
    Step s = start_ok(*def, {{"signatories", {"rita", "pat"}}});
    const Task* pats = nullptr;
    for (const auto& t : s.instance.tasks)
        if (t.assignee == "pat") pats = &t;
    ASSERT_NE(pats, nullptr);
    EXPECT_TRUE(pats->personal);
    Error e = refused(*def, s.instance, complete(pats->id, "sign", person("rita", {"signatory"})),
                      T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::forbidden);
    EXPECT_NE(e.message.find("pat"), std::string::npos) << e.message;
    step_ok(*def, s.instance, complete(pats->id, "sign", person("pat", {"partner"})),
            T("2027-01-02"));
}

}  // namespace
}  // namespace accord::engine
