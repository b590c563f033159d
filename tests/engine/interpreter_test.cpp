// The interpreter: starting, events, guards, internal and self transitions, the order of work,
// choices, actions, emits, final states, cancelling, declared events, and single-person tasks.
#include "accord/engine/interpreter.hpp"

#include "test_support.hpp"

namespace accord::engine {
namespace {

using namespace testkit;

// Loads a definition of `states_text` (a JSON object of states) starting in `start`.
DefinitionPtr def_of(const char* states_text, const char* start, json extra = json::object()) {
    return load(workflow(json::parse(states_text), start, std::move(extra)));
}

json log_action(const char* entry) {
    return {{"set", {{"log", {{"merge", {{{"var", "log"}}, json::array({entry})}}}}}}};
}

// ---------------------------------------------------------------------------------------------
// Starting

TEST(Start, EntersTheStartStateAtRevisionOne) {
    const auto def = def_of(R"({"a": {"on": {"go": "done"}}, "done": {"final": "ok"}})", "a");
    const TimeMs now = T("2027-01-01");
    const Step s = start_ok(*def, {{"x", 1}}, now, "inst-7");
    EXPECT_EQ(s.instance.id, "inst-7");
    EXPECT_EQ(s.instance.workflow, "w");
    EXPECT_EQ(s.instance.version, 1);
    EXPECT_EQ(state_of(*def, s.instance), "a");
    EXPECT_EQ(s.instance.status, InstanceStatus::running);
    EXPECT_EQ(s.instance.revision, 1u);
    EXPECT_EQ(s.instance.created_at, now);
    EXPECT_EQ(s.instance.updated_at, now);
    EXPECT_EQ(s.instance.entered_at, now);
    EXPECT_EQ(s.instance.data.get(), json({{"x", 1}}));
    EXPECT_EQ(s.history.input, "start");
    EXPECT_EQ(s.history.to_state, "a");
    EXPECT_EQ(s.history.at, now);
    EXPECT_EQ(s.history.actor, "starter");
}

TEST(Start, KeepsTheBusinessKeyAndParentLink) {
    const auto def = def_of(R"({"a": {"on": {"go": "done"}}, "done": {"final": "ok"}})", "a");
    StartInput in{"c1", json::object(), "agreement-42", ParentLink{"p1", "c1"}};
    auto r = start(*def, in, system_actor(), T("2027-01-01"));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->instance.business_key, "agreement-42");
    ASSERT_TRUE(r->instance.parent);
    EXPECT_EQ(r->instance.parent->instance_id, "p1");
    EXPECT_EQ(r->instance.parent->child_id, "c1");
}

TEST(Start, DataMissingARequiredFieldIsRefusedNamingIt) {
    const auto def =
        load(workflow(json::parse(R"({"a": {"on": {"go": "done"}}, "done": {"final": "ok"}})"), "a",
                      json::parse(R"({"data": {"required": ["partner", "end_date"],
                                       "properties": {"end_date": {"type": "string", "format": "date"},
                                                      "partner": {"properties": {"name": {"type": "string"}}, "required": ["name"]}}}})")));
    StartInput in{"i1", {{"partner", {{"name", "Uni"}}}}, {}, {}};
    auto r = start(*def, in, system_actor(), T("2027-01-01"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::invalid_data);
    EXPECT_EQ(r.error().pointer, "/data/end_date");
}

TEST(Start, DataOfTheWrongFormatIsRefusedNamingTheField) {
    const auto def = load(workflow(
        json::parse(R"({"a": {"on": {"go": "done"}}, "done": {"final": "ok"}})"), "a",
        json::parse(R"({"data": {"properties": {"end_date": {"type": "string", "format": "date"},
                                       "partner": {"properties": {"name": {"type": "string"}}, "required": ["name"]}}}})")));
    auto r = start(*def, StartInput{"i1", {{"end_date", "next year"}}, {}, {}}, system_actor(),
                   T("2027-01-01"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::invalid_data);
    EXPECT_EQ(r.error().pointer, "/data/end_date");
    r = start(*def, StartInput{"i1", {{"partner", {{"name", 5}}}}, {}, {}}, system_actor(),
              T("2027-01-01"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::invalid_data);
    EXPECT_EQ(r.error().pointer, "/data/partner/name");
    r = start(*def, StartInput{"i1", {{"partner", json::object()}}, {}, {}}, system_actor(),
              T("2027-01-01"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().pointer, "/data/partner/name");
}

TEST(Start, DataThatIsNotAnObjectIsRefused) {
    const auto def = def_of(R"({"a": {"on": {"go": "done"}}, "done": {"final": "ok"}})", "a");
    auto r = start(*def, StartInput{"i1", json::array(), {}, {}}, system_actor(), T("2027-01-01"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::invalid_data);
    EXPECT_EQ(r.error().pointer, "/data");
}

TEST(Start, AnInstanceWithoutAnIdIsRefused) {
    const auto def = def_of(R"({"a": {"on": {"go": "done"}}, "done": {"final": "ok"}})", "a");
    auto r = start(*def, StartInput{"", json::object(), {}, {}}, system_actor(), T("2027-01-01"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::invalid_input);
}

TEST(Start, RunsTheStartStatesEntryActions) {
    const auto def =
        def_of(R"({"a": {"entry": [{"set": {"opened_on": {"today": []}}}], "on": {"go": "done"}},
                                "done": {"final": "ok"}})",
               "a");
    const Step s = start_ok(*def, json::object(), T("2027-03-05T10:00:00Z"));
    EXPECT_EQ(s.instance.data.get()["opened_on"], "2027-03-05");
}

TEST(Start, AChoiceStartStateIsTakenAtOnce) {
    const auto def = def_of(
        R"({"route": {"choice": [{"guard": {"var": "big"}, "target": "board"}, {"target": "director"}]},
                                "board": {"on": {"go": "done"}}, "director": {"on": {"go": "done"}},
                                "done": {"final": "ok"}})",
        "route");
    EXPECT_EQ(state_of(*def, start_ok(*def, {{"big", true}}).instance), "board");
    EXPECT_EQ(state_of(*def, start_ok(*def, {{"big", false}}).instance), "director");
}

TEST(Start, AFinalStartStateFinishesTheInstanceAtOnce) {
    const auto def = def_of(R"({"done": {"final": "nothing_to_do"}})", "done");
    const Step s = start_ok(*def);
    EXPECT_EQ(s.instance.status, InstanceStatus::finished);
    EXPECT_EQ(s.instance.outcome, "nothing_to_do");
    ASSERT_EQ(effects_of<InstanceFinished>(s).size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// Events and guards

DefinitionPtr approval() {
    return def_of(R"({
      "draft": {"on": {"submit": "review"}},
      "review": {"on": {
        "decide": [ {"guard": {">": [{"var": "$event.amount"}, 1000]}, "target": "board"},
                    {"guard": {">": [{"var": "$event.amount"}, 100]}, "target": "director"},
                    {"guard": {"==": [{"var": "$event.amount"}, 0]}, "target": "rejected"} ],
        "withdraw": "rejected"}},
      "board": {"on": {"ok": "approved"}},
      "director": {"on": {"ok": "approved"}},
      "approved": {"final": "approved"},
      "rejected": {"final": "rejected"}
    })",
                  "draft");
}

TEST(Events, AnEventMovesTheInstanceAlongItsTransition) {
    const auto def = approval();
    const Step s0 = start_ok(*def);
    const Step s1 = step_ok(*def, s0.instance, event("submit"), T("2027-01-02"));
    EXPECT_EQ(state_of(*def, s1.instance), "review");
    EXPECT_EQ(s1.instance.entered_at, T("2027-01-02"));
    EXPECT_EQ(s1.history.input, "event");
    EXPECT_EQ(s1.history.from_state, "draft");
    EXPECT_EQ(s1.history.to_state, "review");
    EXPECT_EQ(events_of(s1.history), std::vector<std::string>{"submit"});
}

TEST(Events, AnUnknownEventIsRefusedWithASuggestion) {
    const auto def = approval();
    const Step s0 = start_ok(*def);
    const Error e = refused(*def, s0.instance, event("submti"), T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::unknown_event);
    EXPECT_EQ(e.pointer, "/event");
    EXPECT_NE(e.message.find("did you mean \"submit\""), std::string::npos) << e.message;
}

TEST(Events, AnEventTheCurrentStateDoesNotHandleIsRefused) {
    const auto def = approval();
    const Step s0 = start_ok(*def);
    const Error e = refused(*def, s0.instance, event("withdraw"), T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::event_not_allowed);
}

TEST(Events, WhenNoGuardHoldsTheEventIsRefusedWithNoTransition) {
    const auto def = approval();
    const Step s1 = step_ok(*def, start_ok(*def).instance, event("submit"), T("2027-01-02"));
    const Error e = refused(*def, s1.instance, event("decide", {{"amount", 50}}), T("2027-01-03"));
    EXPECT_EQ(e.code, ErrorCode::no_transition);
}

TEST(Events, TheFirstTransitionWhoseGuardHoldsWins) {
    const auto def = approval();
    const Step s1 = step_ok(*def, start_ok(*def).instance, event("submit"), T("2027-01-02"));
    EXPECT_EQ(state_of(*def, step_ok(*def, s1.instance, event("decide", {{"amount", 5000}}),
                                     T("2027-01-03"))
                                 .instance),
              "board");
    EXPECT_EQ(state_of(*def, step_ok(*def, s1.instance, event("decide", {{"amount", 500}}),
                                     T("2027-01-03"))
                                 .instance),
              "director");
    EXPECT_EQ(
        state_of(
            *def,
            step_ok(*def, s1.instance, event("decide", {{"amount", 0}}), T("2027-01-03")).instance),
        "rejected");
}

TEST(Events, EventDataThatIsNotAnObjectIsRefused) {
    const auto def = approval();
    const Step s0 = start_ok(*def);
    const Error e = refused(*def, s0.instance, event("submit", json::array({1})), T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::invalid_input);
    EXPECT_EQ(e.pointer, "/data");
}

TEST(Events, GuardsReadTheInstanceRoot) {
    const auto def =
        def_of(R"({"a": {"on": {"go": [{"guard": {"and": [{"==": [{"var": "$instance.state"}, "a"]},
                                                                        {"==": [{"var": "$instance.version"}, 1]}]}, "target": "b",
                                                     "actions": [{"set": {"seen": {"cat": [{"var": "$instance.workflow"}, "/", {"var": "$instance.id"}]}}}]}]}},
                                "b": {"on": {"go": "done"}}, "done": {"final": "ok"}})",
               "a");
    const Step s = step_ok(*def, start_ok(*def, json::object(), T("2027-01-01"), "inst-1").instance,
                           event("go"), T("2027-01-02"));
    EXPECT_EQ(state_of(*def, s.instance), "b");
    EXPECT_EQ(s.instance.data.get()["seen"], "w/inst-1");
}

TEST(Events, TheRevisionGoesUpByOnePerAppliedInput) {
    const auto def = def_of(
        R"({"a": {"on": {"tick": {"actions": [{"set": {"n": {"+": [{"var": "n"}, 1]}}}]}, "go": "done"}},
                                "done": {"final": "ok"}})",
        "a");
    Step s = start_ok(*def, {{"n", 0}});
    EXPECT_EQ(s.instance.revision, 1u);
    for (std::uint64_t i = 2; i <= 5; ++i) {
        s = step_ok(*def, s.instance, event("tick"), T("2027-01-02"));
        EXPECT_EQ(s.instance.revision, i);
    }
    EXPECT_EQ(s.instance.data.get()["n"], 4);
    const Error e = refused(*def, s.instance, event("nope"), T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::unknown_event);
    EXPECT_EQ(step_ok(*def, s.instance, event("go"), T("2027-01-03")).instance.revision, 6u);
}

TEST(Events, ARefusedInputLeavesTheOriginalInstanceUntouchedEvenAfterDataChangesInTheCopy) {
    // The event sets data, then fails in a later step of the same input (a non-object start data).
    const auto def =
        def_of(R"({"a": {"on": {"go": {"target": "b", "actions": [{"set": {"x": 2}}]}}},
                                "b": {"entry": [{"start": {"workflow": "other", "data": 5}}], "on": {"go": "done"}},
                                "done": {"final": "ok"}})",
               "a");
    const Step s0 = start_ok(*def, {{"x", 1}});
    const Error e = refused(*def, s0.instance, event("go"), T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::runtime_error);
    EXPECT_EQ(s0.instance.data.get()["x"], 1);
    EXPECT_EQ(state_of(*def, s0.instance), "a");
}

// ---------------------------------------------------------------------------------------------
// Events the workflow raises itself

DefinitionPtr raising() {
    return load(workflow(json::parse(R"({
      "review": {"task": {"role": "legal", "title": "Review", "outcomes": ["approve", "reject"], "due": "P5D"},
                 "timers": [{"after": "P3D", "event": "chase"}],
                 "on": {"approve": "approved", "reject": "rejected",
                        "chase": {"actions": [{"emit": "nudge"}]},
                        "nudge": {"actions": [{"set": {"nudged": true}}]},
                        "signing.signed": "approved",
                        "note": {"actions": [{"set": {"noted": true}}]}}},
      "approved": {"final": "approved"},
      "rejected": {"final": "rejected"}})"),
                         "review",
                         json::parse(R"({"events": {"reject": {"roles": ["legal_lead"]}}})")));
}

TEST(RaisedEvents, ATaskOutcomeCannotBeSentFromOutside) {
    const auto def = raising();
    const Step s0 = start_ok(*def);
    EXPECT_EQ(refused(*def, s0.instance, event("approve", json::object(), person("lee", {"legal"})),
                      T("2027-01-02"))
                  .code,
              ErrorCode::event_not_allowed);
    EXPECT_TRUE(the_open_task(s0.instance).is_open());
}

TEST(RaisedEvents, ATimersEventCannotBeSentFromOutside) {
    const auto def = raising();
    EXPECT_EQ(refused(*def, start_ok(*def).instance, event("chase"), T("2027-01-02")).code,
              ErrorCode::event_not_allowed);
}

TEST(RaisedEvents, AnEmittedEventCannotBeSentFromOutside) {
    const auto def = raising();
    const Step s0 = start_ok(*def);
    EXPECT_EQ(refused(*def, s0.instance, event("nudge"), T("2027-01-02")).code,
              ErrorCode::event_not_allowed);
    // Emitted by the workflow itself, it is handled.
    const Timer chase = the_timer(s0.instance, Timer::Kind::state);
    EXPECT_EQ(step_ok(*def, s0.instance, fire_timer(chase.id), chase.due_at)
                  .instance.data.get()["nudged"],
              true);
}

TEST(RaisedEvents, AChildWorkflowsEventCannotBeSentFromOutside) {
    const auto def = raising();
    EXPECT_EQ(refused(*def, start_ok(*def).instance, event("signing.signed"), T("2027-01-02")).code,
              ErrorCode::event_not_allowed);
}

TEST(RaisedEvents, ARaisedEventDeclaredUnderEventsMayBeSentByItsRoles) {
    const auto def = raising();
    const Step s0 = start_ok(*def);
    EXPECT_EQ(refused(*def, s0.instance, event("reject", json::object(), person("lee", {"legal"})),
                      T("2027-01-02"))
                  .code,
              ErrorCode::forbidden);
    const Step s =
        step_ok(*def, s0.instance, event("reject", json::object(), person("lena", {"legal_lead"})),
                T("2027-01-02"));
    EXPECT_EQ(s.instance.outcome, "rejected");
    // Completing the task with that outcome still works as before.
    const Step by_task =
        step_ok(*def, s0.instance,
                complete(the_open_task(s0.instance).id, "reject", person("lee", {"legal"})),
                T("2027-01-02"));
    EXPECT_EQ(by_task.instance.outcome, "rejected");
}

TEST(RaisedEvents, AnyOtherEventMayBeSentByAnyone) {
    const auto def = raising();
    const Step s = step_ok(*def, start_ok(*def).instance,
                           event("note", json::object(), person("eve")), T("2027-01-02"));
    EXPECT_EQ(s.instance.data.get()["noted"], true);
}

// ---------------------------------------------------------------------------------------------
// Workflow-level transitions

DefinitionPtr terminable() {
    return load(workflow(json::parse(R"({
      "draft": {"on": {"submit": "review"}},
      "review": {"task": {"role": "legal", "title": "Review", "outcomes": ["approve"], "due": "P5D"},
                 "on": {"approve": "active"}},
      "active": {"on": {"terminate": {"target": "wound_down", "actions": [{"set": {"how": "own"}}]}}},
      "route": {"choice": [{"target": "draft"}]},
      "terminated": {"final": "terminated"},
      "wound_down": {"final": "wound_down"}})"),
                         "draft", json::parse(R"({"on": {"terminate": {"target": "terminated",
                                                              "actions": [{"set": {"how": "shared", "by": {"var": "$actor.id"}}}]},
                                               "ping": {"actions": [{"set": {"pinged": true}}]},
                                               "restart": "route"}})")));
}

TEST(WorkflowOn, EveryWaitStateTakesAWorkflowLevelTransition) {
    const auto def = terminable();
    const Step draft = start_ok(*def);
    const Step s1 = step_ok(*def, draft.instance, event("terminate"), T("2027-01-02"));
    EXPECT_EQ(s1.instance.outcome, "terminated");
    EXPECT_EQ(s1.instance.data.get()["how"], "shared");
    EXPECT_EQ(s1.instance.data.get()["by"], "olga");
    const Step review = step_ok(*def, draft.instance, event("submit"), T("2027-01-02"));
    const Step s2 = step_ok(*def, review.instance, event("terminate"), T("2027-01-03"));
    EXPECT_EQ(s2.instance.outcome, "terminated");
    // Leaving through it cancels the state's task like any transition.
    ASSERT_EQ(effects_of<TaskClosed>(s2).size(), 1u);
    EXPECT_EQ(effects_of<TaskClosed>(s2)[0].status, TaskStatus::cancelled);
}

TEST(WorkflowOn, AStatesOwnHandlerWinsOverTheWorkflowLevelOne) {
    const auto def = terminable();
    Step s = step_ok(*def, start_ok(*def).instance, event("submit"), T("2027-01-02"));
    s = step_ok(*def, s.instance,
                complete(the_open_task(s.instance).id, "approve", person("lee", {"legal"})),
                T("2027-01-03"));
    ASSERT_EQ(state_of(*def, s.instance), "active");
    s = step_ok(*def, s.instance, event("terminate"), T("2027-01-04"));
    EXPECT_EQ(s.instance.outcome, "wound_down");
    EXPECT_EQ(s.instance.data.get()["how"], "own");
}

TEST(WorkflowOn, AWorkflowLevelInternalTransitionKeepsTheStateAndItsTask) {
    const auto def = terminable();
    const Step review = step_ok(*def, start_ok(*def).instance, event("submit"), T("2027-01-02"));
    const Step s = step_ok(*def, review.instance, event("ping"), T("2027-01-03"));
    EXPECT_EQ(state_of(*def, s.instance), "review");
    EXPECT_EQ(s.instance.data.get()["pinged"], true);
    EXPECT_EQ(the_open_task(s.instance).id, the_open_task(review.instance).id);
}

TEST(WorkflowOn, AWorkflowLevelTransitionMayLeadToAChoice) {
    const auto def = terminable();
    const Step review = step_ok(*def, start_ok(*def).instance, event("submit"), T("2027-01-02"));
    EXPECT_EQ(
        state_of(*def, step_ok(*def, review.instance, event("restart"), T("2027-01-03")).instance),
        "draft");
}

TEST(WorkflowOn, AFinishedInstanceTakesNoWorkflowLevelTransition) {
    const auto def = terminable();
    const Step done = step_ok(*def, start_ok(*def).instance, event("terminate"), T("2027-01-02"));
    EXPECT_EQ(refused(*def, done.instance, event("terminate"), T("2027-01-03")).code,
              ErrorCode::instance_finished);
}

// ---------------------------------------------------------------------------------------------
// $actor

TEST(Actor, GuardsActionsAndTemplatesSeeWhoSentTheInput) {
    const auto def = def_of(R"({
      "a": {"on": {"go": [{"guard": {"in": ["dean", {"var": "$actor.roles"}]}, "target": "b",
                           "actions": [{"set": {"by": {"var": "$actor.id"}}},
                                       {"notify": {"roles": ["officer"], "subject": "Moved by {{$actor.id}}"}}]}]}},
      "b": {"timers": [{"after": "P1D", "event": "tick"}],
            "on": {"tick": {"actions": [{"set": {"ticked_by": {"var": "$actor.id"}}}]}, "end": "done"}},
      "done": {"final": "ok"}})",
                            "a");
    const Step s0 = start_ok(*def);
    EXPECT_EQ(refused(*def, s0.instance, event("go", json::object(), person("olga", {"officer"})),
                      T("2027-01-02"))
                  .code,
              ErrorCode::no_transition);
    const Step s1 =
        step_ok(*def, s0.instance, event("go", json::object(), person("dora", {"officer", "dean"})),
                T("2027-01-02"));
    EXPECT_EQ(s1.instance.data.get()["by"], "dora");
    EXPECT_EQ(effects_of<Notification>(s1)[0].subject, "Moved by dora");
    const Timer tick = the_timer(s1.instance, Timer::Kind::state);
    EXPECT_EQ(step_ok(*def, s1.instance, fire_timer(tick.id), tick.due_at)
                  .instance.data.get()["ticked_by"],
              "system");
}

TEST(Actor, ATaskCompletionIsSentByTheCompleter) {
    const auto def = def_of(R"({
      "review": {"task": {"role": "legal", "title": "t", "outcomes": ["ok"], "due": "P1D"},
                 "on": {"ok": {"target": "done", "actions": [{"set": {"by": {"var": "$actor.id"}, "roles": {"var": "$actor.roles"}}}]}}},
      "done": {"final": "ok"}})",
                            "review");
    const Step s0 = start_ok(*def);
    const Step s =
        step_ok(*def, s0.instance,
                complete(the_open_task(s0.instance).id, "ok", person("lee", {"legal", "staff"})),
                T("2027-01-02"));
    EXPECT_EQ(s.instance.data.get()["by"], "lee");
    EXPECT_EQ(s.instance.data.get()["roles"], json({"legal", "staff"}));
}

// ---------------------------------------------------------------------------------------------
// Internal and self transitions

DefinitionPtr reviewing() {
    return def_of(R"({
      "review": {
        "entry": [{"set": {"entered": {"+": [{"var": "entered"}, 1]}}}],
        "exit": [{"set": {"exited": {"+": [{"var": "exited"}, 1]}}}],
        "task": {"role": "legal", "title": "Review", "outcomes": ["done"], "due": "P10D"},
        "timers": [{"after": "P3D", "event": "chase"}],
        "on": {"note": {"actions": [{"set": {"noted": true}}]},
               "restart": "review",
               "chase": {"actions": [{"set": {"chased": true}}]},
               "done": "finished"}},
      "finished": {"final": "done"}
    })",
                  "review");
}

TEST(Transitions, AnInternalTransitionRunsItsActionsAndKeepsTasksAndTimers) {
    const auto def = reviewing();
    const Step s0 = start_ok(*def, {{"entered", 0}, {"exited", 0}});
    const Step s1 = step_ok(*def, s0.instance, event("note"), T("2027-01-02"));
    EXPECT_EQ(state_of(*def, s1.instance), "review");
    EXPECT_EQ(s1.instance.data.get()["noted"], true);
    EXPECT_EQ(s1.instance.data.get()["entered"], 1);
    EXPECT_EQ(s1.instance.data.get()["exited"], 0);
    EXPECT_EQ(s1.instance.tasks.size(), 1u);
    EXPECT_EQ(s1.instance.tasks[0].id, s0.instance.tasks[0].id);
    EXPECT_TRUE(s1.instance.tasks[0].is_open());
    ASSERT_EQ(s1.instance.timers.size(), s0.instance.timers.size());
    for (std::size_t i = 0; i < s0.instance.timers.size(); ++i) {
        EXPECT_EQ(s1.instance.timers[i].id, s0.instance.timers[i].id);
        EXPECT_EQ(s1.instance.timers[i].due_at, s0.instance.timers[i].due_at);
    }
    EXPECT_TRUE(s1.effects.empty()) << json(effect_types(s1)).dump();
    EXPECT_EQ(s1.instance.entered_at, s0.instance.entered_at);
}

TEST(Transitions, ASelfTransitionLeavesAndReentersReopeningTasksAndRestartingTimers) {
    const auto def = reviewing();
    const Step s0 = start_ok(*def, {{"entered", 0}, {"exited", 0}});
    const std::string old_task = s0.instance.tasks[0].id;
    const TimeMs later = T("2027-01-02");
    const Step s1 = step_ok(*def, s0.instance, event("restart"), later);
    EXPECT_EQ(state_of(*def, s1.instance), "review");
    EXPECT_EQ(s1.instance.data.get()["entered"], 2);
    EXPECT_EQ(s1.instance.data.get()["exited"], 1);
    EXPECT_EQ(s1.instance.entered_at, later);
    // The old task is cancelled, a new one opened.
    const auto closed = effects_of<TaskClosed>(s1);
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0].task_id, old_task);
    EXPECT_EQ(closed[0].status, TaskStatus::cancelled);
    const Task& fresh = the_open_task(s1.instance);
    EXPECT_NE(fresh.id, old_task);
    EXPECT_EQ(fresh.created_at, later);
    EXPECT_EQ(fresh.due_at, T("2027-01-12"));
    // Every old timer cleared, the state's timer restarted from now.
    EXPECT_EQ(effects_of<TimerCleared>(s1).size(), s0.instance.timers.size());
    EXPECT_EQ(the_timer(s1.instance, Timer::Kind::state).due_at, T("2027-01-05"));
    EXPECT_EQ(the_timer(s1.instance, Timer::Kind::task_due).due_at, T("2027-01-12"));
}

TEST(Transitions, ATimerHandledByAnInternalTransitionDoesNotRestartTheOthers) {
    const auto def = reviewing();
    const Step s0 = start_ok(*def, {{"entered", 0}, {"exited", 0}});
    const Timer& chase = the_timer(s0.instance, Timer::Kind::state);
    const Step s1 = step_ok(*def, s0.instance, fire_timer(chase.id), chase.due_at);
    EXPECT_EQ(s1.instance.data.get()["chased"], true);
    EXPECT_EQ(the_open_task(s1.instance).id, s0.instance.tasks[0].id);
    EXPECT_TRUE(timers_of_kind(s1.instance, Timer::Kind::state).empty());
    EXPECT_EQ(the_timer(s1.instance, Timer::Kind::task_due).id,
              the_timer(s0.instance, Timer::Kind::task_due).id);
}

TEST(Transitions, OrderOfWorkIsExitThenActionsThenEntryThenTaskAndTimers) {
    json states = json::parse(R"({
      "a": {"task": {"role": "r", "title": "A", "outcomes": ["x"], "due": "P1D"},
            "on": {"x": "done", "go": {"target": "b", "actions": []}}},
      "b": {"task": {"role": "r", "title": "B for {{flag}}", "outcomes": ["x"], "due": "P1D"},
            "timers": [{"after": "P2D", "event": "x"}],
            "on": {"x": "done"}},
      "done": {"final": "ok"}
    })");
    states["a"]["exit"] = {log_action("exit a"),
                           {{"notify", {{"roles", {"r"}}, {"subject", "exit"}}}}};
    states["a"]["on"]["go"]["actions"] = {
        log_action("transition"), {{"notify", {{"roles", {"r"}}, {"subject", "transition"}}}}};
    states["b"]["entry"] = {log_action("entry b"),
                            {{"set", {{"flag", "entry"}}}},
                            {{"notify", {{"roles", {"r"}}, {"subject", "entry"}}}}};
    const auto def = load(workflow(states, "a"));
    const Step s0 = start_ok(*def, {{"log", json::array()}});
    const Step s1 = step_ok(*def, s0.instance, event("go"), T("2027-01-02"));
    EXPECT_EQ(s1.instance.data.get()["log"], json({"exit a", "transition", "entry b"}));
    EXPECT_EQ(effect_types(s1),
              (std::vector<std::string>{"task.cancelled", "timer.cleared", "notify", "notify",
                                        "notify", "task.opened", "timer.set", "timer.set"}));
    const auto notes = effects_of<Notification>(s1);
    ASSERT_EQ(notes.size(), 3u);
    EXPECT_EQ(notes[0].subject, "exit");
    EXPECT_EQ(notes[1].subject, "transition");
    EXPECT_EQ(notes[2].subject, "entry");
    // The task opens after the entry actions: its title sees what they set.
    EXPECT_EQ(the_open_task(s1.instance).title, "B for entry");
}

// ---------------------------------------------------------------------------------------------
// Choice states

DefinitionPtr routing() {
    return def_of(R"({
      "draft": {"on": {"submit": "route"}},
      "route": {"entry": [{"set": {"routed": true}}],
                "choice": [ {"guard": {">": [{"var": "amount"}, 50000]}, "target": "board",
                             "actions": [{"set": {"route": "board"}}]},
                            {"guard": {"var": "joint_degree"}, "target": "senate", "actions": [{"set": {"route": "senate"}}]},
                            {"target": "director", "actions": [{"set": {"route": "director"}}]} ]},
      "board": {"on": {"back": "draft"}},
      "senate": {"on": {"back": "draft"}},
      "director": {"on": {"back": "draft"}}
    })",
                  "draft");
}

TEST(Choice, BranchesAreTriedInOrderAndTheFirstThatHoldsIsTaken) {
    const auto def = routing();
    auto via = [&](json data) {
        const Step s = step_ok(*def, start_ok(*def, std::move(data)).instance, event("submit"),
                               T("2027-01-02"));
        return std::make_pair(state_of(*def, s.instance), s.instance.data.get());
    };
    auto [board, board_data] = via({{"amount", 60000}, {"joint_degree", true}});
    EXPECT_EQ(board, "board");
    EXPECT_EQ(board_data["route"], "board");
    auto [senate, senate_data] = via({{"amount", 100}, {"joint_degree", true}});
    EXPECT_EQ(senate, "senate");
    EXPECT_EQ(senate_data["route"], "senate");
    auto [director, director_data] = via({{"amount", 100}, {"joint_degree", false}});
    EXPECT_EQ(director, "director");
    EXPECT_EQ(director_data["route"], "director");
    EXPECT_EQ(director_data["routed"], true);
}

TEST(Choice, EntryActionsRunBeforeTheBranchesAreTried) {
    const auto def = def_of(R"({
      "a": {"on": {"go": "route"}},
      "route": {"entry": [{"set": {"big": {">": [{"var": "amount"}, 10]}}}],
                "choice": [{"guard": {"var": "big"}, "target": "big"}, {"target": "small"}]},
      "big": {"final": "big"}, "small": {"final": "small"}
    })",
                            "a");
    EXPECT_EQ(step_ok(*def, start_ok(*def, {{"amount", 11}}).instance, event("go"), T("2027-01-02"))
                  .instance.outcome,
              "big");
    EXPECT_EQ(step_ok(*def, start_ok(*def, {{"amount", 1}}).instance, event("go"), T("2027-01-02"))
                  .instance.outcome,
              "small");
}

TEST(Choice, ChoiceBranchesSeeTheEventThatLedThere) {
    const auto def = def_of(R"({
      "a": {"on": {"go": "route"}},
      "route": {"choice": [{"guard": {"var": "$event.urgent"}, "target": "fast"}, {"target": "slow"}]},
      "fast": {"final": "fast"}, "slow": {"final": "slow"}
    })",
                            "a");
    EXPECT_EQ(
        step_ok(*def, start_ok(*def).instance, event("go", {{"urgent", true}}), T("2027-01-02"))
            .instance.outcome,
        "fast");
    EXPECT_EQ(step_ok(*def, start_ok(*def).instance, event("go"), T("2027-01-02")).instance.outcome,
              "slow");
}

TEST(Choice, AChoiceLoopIsStoppedWithARuntimeErrorAndChangesNothing) {
    const auto def = def_of(R"({
      "a": {"on": {"go": "ping"}},
      "ping": {"choice": [{"target": "pong"}]},
      "pong": {"choice": [{"target": "ping"}]}
    })",
                            "a");
    const Step s0 = start_ok(*def);
    const Error e = refused(*def, s0.instance, event("go"), T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::runtime_error);
}

// ---------------------------------------------------------------------------------------------
// Actions

TEST(Actions, SetWritesDotPathsCreatingObjectsOnTheWay) {
    const auto def = def_of(R"({"a": {"on": {"go": {"actions": [
        {"set": {"legal.approval.on": {"today": []}, "legal.by": {"var": "$event.by"}, "count": 3}},
        {"set": {"scalar.child": 1}}]}}}})",
                            "a");
    const Step s = step_ok(*def, start_ok(*def, {{"scalar", 5}}).instance,
                           event("go", {{"by", "ann"}}), T("2027-02-03T12:00:00Z"));
    EXPECT_EQ(s.instance.data.get(),
              json::parse(R"({"legal": {"approval": {"on": "2027-02-03"}, "by": "ann"},
                                                   "count": 3, "scalar": {"child": 1}})"));
}

TEST(Actions, EachActionSeesTheDataAsTheEarlierOnesLeftIt) {
    const auto def = def_of(R"({"a": {"on": {"go": {"actions": [
        {"set": {"x": 1}}, {"set": {"y": {"+": [{"var": "x"}, 1]}}}, {"unset": ["x"]},
        {"set": {"x_gone": {"!": {"var": "x"}}}}]}}}})",
                            "a");
    const Step s = step_ok(*def, start_ok(*def).instance, event("go"), T("2027-01-02"));
    EXPECT_EQ(s.instance.data.get(), json::parse(R"({"y": 2, "x_gone": true})"));
}

TEST(Actions, UnsetRemovesFieldsByDotPathAndIgnoresMissingOnes) {
    const auto def = def_of(
        R"({"a": {"on": {"go": {"actions": [{"unset": ["legal.note", "gone", "nothing.here"]}]}}}})",
        "a");
    const Step s = step_ok(
        *def,
        start_ok(*def,
                 json::parse(R"({"legal": {"note": "x", "risk": "low"}, "gone": 1, "kept": 2})"))
            .instance,
        event("go"), T("2027-01-02"));
    EXPECT_EQ(s.instance.data.get(), json::parse(R"({"legal": {"risk": "low"}, "kept": 2})"));
}

TEST(Actions, NotifyTellsRolesAndPeopleWithRenderedTemplates) {
    const auto def = def_of(R"({"a": {"on": {"go": {"actions": [
        {"notify": {"roles": ["legal", "officer"], "people": {"var": "signatories"},
                    "subject": "Agreement with {{ partner.name }} {{$event.what}}",
                    "message": "Ends {{end_date}}; amount {{amount}}; missing [{{nothing.here}}]"}},
        {"notify": {"people": {"var": "owner"}, "subject": "For you"}}]}}}})",
                            "a");
    const json data =
        json::parse(R"({"partner": {"name": "Uni Wien"}, "end_date": "2030-01-01", "amount": 1.5,
                                      "signatories": ["ann", "bob"], "owner": "carl"})");
    const Step s = step_ok(*def, start_ok(*def, data).instance, event("go", {{"what", "signed"}}),
                           T("2027-01-02"));
    const auto notes = effects_of<Notification>(s);
    ASSERT_EQ(notes.size(), 2u);
    EXPECT_EQ(notes[0].roles, (std::vector<std::string>{"legal", "officer"}));
    EXPECT_EQ(notes[0].people, (std::vector<std::string>{"ann", "bob"}));
    EXPECT_EQ(notes[0].subject, "Agreement with Uni Wien signed");
    EXPECT_EQ(notes[0].message, "Ends 2030-01-01; amount 1.5; missing []");
    EXPECT_TRUE(notes[0].task_id.empty());
    EXPECT_TRUE(notes[1].roles.empty());
    EXPECT_EQ(notes[1].people, std::vector<std::string>{"carl"});
    EXPECT_EQ(notes[1].subject, "For you");
    EXPECT_EQ(notes[1].message, "");
}

TEST(Actions, StartEmitsAWorkflowStartedEffectWithItsDataAndKey) {
    const auto def = def_of(R"({"a": {"on": {"go": {"target": "done", "actions": [
        {"start": {"workflow": "reporting", "data": {"var": ""}, "key": {"cat": ["report-", {"var": "id"}]}}},
        {"start": {"workflow": "audit"}}]}}},
        "done": {"final": "ok"}})",
                            "a");
    const Step s =
        step_ok(*def, start_ok(*def, {{"id", 42}}).instance, event("go"), T("2027-01-02"));
    const auto started = effects_of<WorkflowStarted>(s);
    ASSERT_EQ(started.size(), 2u);
    EXPECT_EQ(started[0].workflow, "reporting");
    EXPECT_EQ(started[0].data, json({{"id", 42}}));
    EXPECT_EQ(started[0].business_key, "report-42");
    EXPECT_EQ(started[1].workflow, "audit");
    EXPECT_EQ(started[1].data, json::object());
    EXPECT_TRUE(started[1].business_key.empty());
}

TEST(Actions, StartWithDataThatIsNotAnObjectIsARuntimeErrorAndChangesNothing) {
    const auto def = def_of(R"({"a": {"on": {"go": {"target": "done", "actions": [
        {"set": {"x": 1}}, {"start": {"workflow": "reporting", "data": {"var": "items"}}}]}}},
        "done": {"final": "ok"}})",
                            "a");
    const Step s0 = start_ok(*def, {{"items", {1, 2}}});
    const Error e = refused(*def, s0.instance, event("go"), T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::runtime_error);
}

// ---------------------------------------------------------------------------------------------
// Emitted events

TEST(Emit, AnEmittedEventIsHandledAfterTheCurrentTransition) {
    // The emit comes first among the actions, yet its guard sees what the later actions set and
    // it is handled in the target state.
    const auto def = def_of(R"({
      "a": {"on": {"go": {"target": "b", "actions": [{"emit": "next"}, {"set": {"ready": true}}]},
                   "next": "wrong"}},
      "b": {"entry": [{"set": {"in_b": true}}],
            "on": {"next": [{"guard": {"and": [{"var": "ready"}, {"var": "in_b"}]}, "target": "c"}]}},
      "c": {"on": {"x": "done"}},
      "wrong": {"final": "wrong"},
      "done": {"final": "ok"}
    })",
                            "a");
    const Step s = step_ok(*def, start_ok(*def).instance, event("go"), T("2027-01-02"));
    EXPECT_EQ(state_of(*def, s.instance), "c");
    EXPECT_EQ(events_of(s.history), (std::vector<std::string>{"go", "next"}));
    EXPECT_EQ(s.instance.revision, 2u);
}

TEST(Emit, EmittedEventsAreHandledInOrderWithTheirData) {
    const auto def = def_of(R"({
      "a": {"on": {"go": {"actions": [{"emit": {"event": "add", "data": {"var": "one"}}},
                                      {"emit": {"event": "add", "data": {"var": "ten"}}},
                                      {"emit": "show"}]},
                   "add": {"actions": [{"set": {"log": {"merge": [{"var": "log"}, [{"var": "$event.n"}]]}}}]},
                   "show": {"actions": [{"set": {"log": {"merge": [{"var": "log"}, ["show"]]}}}]}}}
    })",
                            "a");
    const Step s = step_ok(
        *def,
        start_ok(*def, json::parse(R"({"log": [], "one": {"n": 1}, "ten": {"n": 10}})")).instance,
        event("go"), T("2027-01-02"));
    EXPECT_EQ(s.instance.data.get()["log"], json({1, 10, "show"}));
    EXPECT_EQ(events_of(s.history), (std::vector<std::string>{"go", "add", "add", "show"}));
}

TEST(Emit, AnEmitFromAStartStateIsHandledWhenTheInstanceStarts) {
    const auto def = def_of(
        R"({"a": {"entry": [{"emit": "skip"}], "on": {"skip": "b"}}, "b": {"on": {"x": "done"}},
                                "done": {"final": "ok"}})",
        "a");
    EXPECT_EQ(state_of(*def, start_ok(*def).instance), "b");
}

TEST(Emit, AnEmitLoopIsStoppedWithARuntimeErrorAndChangesNothing) {
    const auto def = def_of(
        R"({"a": {"on": {"ping": {"actions": [{"set": {"n": {"+": [{"var": "n"}, 1]}}}, {"emit": "ping"}]},
                                             "start_pinging": {"actions": [{"emit": "ping"}]},
                                             "go": "done"}},
                                "done": {"final": "ok"}})",
        "a");
    const Step s0 = start_ok(*def, {{"n", 0}});
    const Error e = refused(*def, s0.instance, event("start_pinging"), T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::runtime_error);
    EXPECT_EQ(s0.instance.data.get()["n"], 0);
}

// An input that chains `limit` transitions: "go", then "more" while n < limit.
DefinitionPtr chain(int limit) {
    json states = json::parse(R"({"a": {"on": {
        "go": {"actions": [{"set": {"n": 1}}, {"emit": "more"}]},
        "more": [{"guard": {"<": [{"var": "n"}, 0]}, "actions": [{"set": {"n": {"+": [{"var": "n"}, 1]}}}, {"emit": "more"}]}]}}})");
    states["a"]["on"]["more"][0]["guard"]["<"][1] = limit;
    return load(workflow(states, "a"));
}

TEST(Emit, ThirtyTwoChainedStepsForOneInputAreAllowed) {
    const auto def = chain(32);
    const Step s = step_ok(*def, start_ok(*def).instance, event("go"), T("2027-01-02"));
    EXPECT_EQ(s.instance.data.get()["n"], 32);
}

TEST(Emit, TheThirtyThirdChainedStepIsARuntimeError) {
    const auto def = chain(33);
    const Step s0 = start_ok(*def);
    EXPECT_EQ(refused(*def, s0.instance, event("go"), T("2027-01-02")).code,
              ErrorCode::runtime_error);
}

TEST(Emit, AnEmitToAFinalStateEndsTheInstanceAndDropsTheRest) {
    const auto def =
        def_of(R"({"a": {"on": {"go": {"actions": [{"emit": "stop"}, {"emit": "more"}]},
                                             "stop": "done", "more": "a"}},
                                "done": {"final": "stopped"}})",
               "a");
    const Step s = step_ok(*def, start_ok(*def).instance, event("go"), T("2027-01-02"));
    EXPECT_EQ(s.instance.status, InstanceStatus::finished);
    EXPECT_EQ(s.instance.outcome, "stopped");
}

// ---------------------------------------------------------------------------------------------
// Final states and cancelling

DefinitionPtr with_everything_open() {
    return def_of(R"({
      "work": {"task": {"role": "legal", "title": "Work", "outcomes": ["done"], "due": "P5D", "remind": ["P2D"]},
               "timers": [{"after": "P3D", "event": "chase"}],
               "on": {"done": "finished", "chase": {"actions": []}, "abort": "aborted"}},
      "finished": {"entry": [{"set": {"closed": true}}], "final": "completed"},
      "aborted": {"final": "aborted"}
    })",
                  "work");
}

TEST(Final, ReachingAFinalStateFinishesTheInstanceWithItsOutcome) {
    const auto def = with_everything_open();
    const Step s0 = start_ok(*def);
    const Step s = step_ok(*def, s0.instance,
                           complete(s0.instance.tasks[0].id, "done", person("ann", {"legal"})),
                           T("2027-01-02"));
    EXPECT_EQ(s.instance.status, InstanceStatus::finished);
    EXPECT_EQ(s.instance.outcome, "completed");
    EXPECT_EQ(state_of(*def, s.instance), "finished");
    EXPECT_EQ(s.instance.data.get()["closed"], true);
    const auto finished = effects_of<InstanceFinished>(s);
    ASSERT_EQ(finished.size(), 1u);
    EXPECT_EQ(finished[0].status, InstanceStatus::finished);
    EXPECT_EQ(finished[0].outcome, "completed");
    EXPECT_TRUE(s.instance.timers.empty());
}

TEST(Final, ReachingAFinalStateCancelsEverythingStillOpen) {
    const auto def = with_everything_open();
    const Step s0 = start_ok(*def);
    const Step s = step_ok(*def, s0.instance, event("abort"), T("2027-01-02"));
    EXPECT_EQ(s.instance.outcome, "aborted");
    const auto closed = effects_of<TaskClosed>(s);
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0].status, TaskStatus::cancelled);
    EXPECT_EQ(effects_of<TimerCleared>(s).size(), s0.instance.timers.size());
    EXPECT_TRUE(open_tasks(s.instance).empty());
    EXPECT_TRUE(s.instance.pending_timers().empty());
}

TEST(Final, EveryInputToAFinishedInstanceIsRefused) {
    const auto def = with_everything_open();
    const Step s0 = start_ok(*def);
    const Step s = step_ok(*def, s0.instance, event("abort"), T("2027-01-02"));
    for (const Input& in :
         {event("abort"), event("nope"),
          complete(s0.instance.tasks[0].id, "done", person("ann", {"legal"})),
          fire_timer(s0.instance.timers[0].id), child_finished("x", "done"), cancel()}) {
        const Error e = refused(*def, s.instance, in, T("2027-01-03"));
        EXPECT_EQ(e.code, ErrorCode::instance_finished);
    }
}

TEST(Cancel, CancellingCancelsTasksClearsTimersAndEndsTheInstance) {
    const auto def = with_everything_open();
    const Step s0 = start_ok(*def);
    const Step s = step_ok(*def, s0.instance, cancel("withdrawn"), T("2027-01-02"));
    EXPECT_EQ(s.instance.status, InstanceStatus::cancelled);
    EXPECT_EQ(s.instance.outcome, "cancelled");
    const auto closed = effects_of<TaskClosed>(s);
    ASSERT_EQ(closed.size(), 1u);
    EXPECT_EQ(closed[0].task_id, s0.instance.tasks[0].id);
    EXPECT_EQ(closed[0].status, TaskStatus::cancelled);
    EXPECT_EQ(effects_of<TimerCleared>(s).size(), s0.instance.timers.size());
    const auto finished = effects_of<InstanceFinished>(s);
    ASSERT_EQ(finished.size(), 1u);
    EXPECT_EQ(finished[0].status, InstanceStatus::cancelled);
    EXPECT_EQ(finished[0].outcome, "cancelled");
    EXPECT_EQ(s.history.input, "cancel");
    EXPECT_EQ(s.history.detail["reason"], "withdrawn");
    EXPECT_EQ(s.instance.revision, 2u);
    EXPECT_EQ(refused(*def, s.instance, cancel(), T("2027-01-03")).code,
              ErrorCode::instance_finished);
}

TEST(Cancel, CancellingCancelsRunningChildren) {
    const auto def = def_of(
        R"({"wait": {"invoke": {"workflow": "child", "for_each": {"var": "xs"}, "outcomes": ["done"]},
                                         "on": {"child.done": "finished"}},
                                "finished": {"final": "ok"}})",
        "wait");
    const Step s0 = start_ok(*def, {{"xs", {1, 2}}});
    ASSERT_EQ(s0.instance.children.size(), 2u);
    const Step s1 = step_ok(*def, s0.instance, child_finished(s0.instance.children[0].id, "done"),
                            T("2027-01-02"));
    const Step s = step_ok(*def, s1.instance, cancel(), T("2027-01-03"));
    const auto cancelled = effects_of<ChildCancelled>(s);
    ASSERT_EQ(cancelled.size(), 1u);
    EXPECT_EQ(cancelled[0].child_id, s0.instance.children[1].id);
    EXPECT_EQ(s.instance.status, InstanceStatus::cancelled);
}

// ---------------------------------------------------------------------------------------------
// Declared events

DefinitionPtr amendable() {
    return load(workflow(
        json::parse(
            R"({"active": {"on": {"amend": {"actions": [{"set": {"end_date": {"var": "$event.end_date"}}}]},
                                                         "note": {"actions": [{"set": {"note": {"var": "$event.text"}}}]},
                                                         "close": "closed"}},
                                         "closed": {"final": "closed"}})"),
        "active", json::parse(R"({"events": {
                            "amend": {"roles": ["officer", "legal"],
                                      "fields": {"end_date": {"type": "string", "format": "date"},
                                                 "reason": {"type": "string", "optional": true}}},
                            "close": {"description": "anyone may close"}}})")));
}

TEST(DeclaredEvents, OnlyTheDeclaredRolesMaySendIt) {
    const auto def = amendable();
    const Step s0 = start_ok(*def);
    const Error e = refused(
        *def, s0.instance, event("amend", {{"end_date", "2030-01-01"}}, person("eve", {"student"})),
        T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::forbidden);
    const Step s1 = step_ok(*def, s0.instance,
                            event("amend", {{"end_date", "2030-01-01"}}, person("lee", {"legal"})),
                            T("2027-01-02"));
    EXPECT_EQ(s1.instance.data.get()["end_date"], "2030-01-01");
    EXPECT_TRUE(step_ok(*def, s0.instance,
                        event("amend", {{"end_date", "2030-01-01"}}, system_actor()),
                        T("2027-01-02"))
                    .instance.running());
}

TEST(DeclaredEvents, AMissingFieldIsRefusedNamingIt) {
    const auto def = amendable();
    const Step s0 = start_ok(*def);
    const Error e =
        refused(*def, s0.instance,
                event("amend", {{"reason", "late"}}, person("olga", {"officer"})), T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::invalid_field);
    EXPECT_EQ(e.pointer, "/data/end_date");
}

TEST(DeclaredEvents, AWrongFieldIsRefusedNamingIt) {
    const auto def = amendable();
    const Step s0 = start_ok(*def);
    const Error e = refused(*def, s0.instance,
                            event("amend", {{"end_date", "soon"}}, person("olga", {"officer"})),
                            T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::invalid_field);
    EXPECT_EQ(e.pointer, "/data/end_date");
}

TEST(DeclaredEvents, AnUnknownFieldIsRefusedNamingIt) {
    const auto def = amendable();
    const Step s0 = start_ok(*def);
    const Error e = refused(
        *def, s0.instance,
        event("amend", {{"end_date", "2030-01-01"}, {"reasn", "x"}}, person("olga", {"officer"})),
        T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::invalid_field);
    EXPECT_EQ(e.pointer, "/data/reasn");
    EXPECT_NE(e.message.find("did you mean \"reason\""), std::string::npos) << e.message;
}

TEST(DeclaredEvents, ADeclarationWithoutRolesLetsAnyoneSendIt) {
    const auto def = amendable();
    const Step s = step_ok(*def, start_ok(*def).instance,
                           event("close", json::object(), person("eve")), T("2027-01-02"));
    EXPECT_EQ(s.instance.outcome, "closed");
}

TEST(DeclaredEvents, AnUndeclaredEventTakesAnyPayloadFromAnyone) {
    const auto def = amendable();
    const Step s =
        step_ok(*def, start_ok(*def).instance,
                event("note", {{"text", "hi"}, {"extra", 1}}, person("eve")), T("2027-01-02"));
    EXPECT_EQ(s.instance.data.get()["note"], "hi");
}

// ---------------------------------------------------------------------------------------------
// Tasks

DefinitionPtr legal_review(json task_overrides = json::object()) {
    json states = json::parse(R"({
      "review": {
        "task": { "role": "legal", "title": "Review the draft with {{partner.name}}",
                  "description": "Until {{end_date}}{{missing}}",
                  "fields": { "risk": {"enum": ["low", "medium", "high"]},
                              "note": {"type": "string", "optional": true},
                              "changes": {"type": "string", "minLength": 1, "required_for": ["request_changes"]} },
                  "outcomes": ["approve", "request_changes", "reject", "comment"],
                  "due": "P10D", "remind": ["P7D", "-P1D"], "escalate": { "after": "P12D", "role": "legal_lead" } },
        "on": { "approve": [ { "guard": {"==": [{"var": "risk"}, "high"]}, "target": "second_opinion" },
                             { "target": "approved",
                               "actions": [ {"set": {"approved_by": {"var": "$event.by"}, "approved_outcome": {"var": "$event.outcome"},
                                                     "approved_comment": {"var": "$event.comment"},
                                                     "approved_task": {"var": "$event.task"},
                                                     "approved_fields": {"var": "$event.fields"}}} ] } ],
                "request_changes": "changes_requested", "reject": "rejected",
                "comment": {"actions": [{"set": {"commented": true}}]} } },
      "second_opinion": {"on": {"x": "approved"}},
      "changes_requested": {"on": {"x": "review"}},
      "approved": { "final": "approved" },
      "rejected": { "final": "rejected" }
    })");
    for (auto it = task_overrides.begin(); it != task_overrides.end(); ++it) {
        if (it.value().is_null())
            states["review"]["task"].erase(it.key());
        else
            states["review"]["task"][it.key()] = it.value();
    }
    return load(workflow(states, "review"));
}

json partner_data() {
    return json::parse(
        R"({"partner": {"name": "Uni Wien"}, "end_date": "2030-06-30", "owner": "olga"})");
}

Actor legal() {
    return person("lee", {"legal"});
}

TEST(Tasks, EnteringAStateOpensItsTaskWithARenderedTitle) {
    const auto def = legal_review();
    const TimeMs now = T("2027-01-01");
    const Step s = start_ok(*def, partner_data(), now, "i1");
    const auto opened = effects_of<TaskOpened>(s);
    ASSERT_EQ(opened.size(), 1u);
    const Task& t = the_open_task(s.instance);
    EXPECT_EQ(opened[0].task.id, t.id);
    EXPECT_EQ(t.instance_id, "i1");
    EXPECT_EQ(t.workflow, "w");
    EXPECT_EQ(t.state, "review");
    EXPECT_EQ(t.role, "legal");
    EXPECT_TRUE(t.assignee.empty());
    EXPECT_EQ(t.title, "Review the draft with Uni Wien");
    EXPECT_EQ(t.description, "Until 2030-06-30");
    EXPECT_EQ(t.created_at, now);
    EXPECT_EQ(t.due_at, T("2027-01-11"));
    EXPECT_EQ(t.status, TaskStatus::open);
}

TEST(Tasks, MissingTemplateValuesBecomeEmptyText) {
    const auto def = legal_review();
    EXPECT_EQ(the_open_task(start_ok(*def).instance).title, "Review the draft with ");
}

TEST(Tasks, DueRemindersAndEscalationSetTimersAtTheRightTimes) {
    const auto def = legal_review();
    const Step s = start_ok(*def, partner_data(), T("2027-01-01"));
    const Task& t = the_open_task(s.instance);
    EXPECT_EQ(the_timer(s.instance, Timer::Kind::task_due).due_at, T("2027-01-11"));
    const auto reminders = timers_of_kind(s.instance, Timer::Kind::task_reminder);
    ASSERT_EQ(reminders.size(), 2u);
    EXPECT_EQ(reminders[0]->due_at, T("2027-01-08"));  // P7D after opening
    EXPECT_EQ(reminders[1]->due_at, T("2027-01-10"));  // P1D before the due date
    EXPECT_EQ(the_timer(s.instance, Timer::Kind::task_escalation).due_at, T("2027-01-13"));
    for (const auto& timer : s.instance.timers) EXPECT_EQ(timer.task_id, t.id);
    const auto set = effects_of<TimerSet>(s);
    ASSERT_EQ(set.size(), 4u);
    EXPECT_EQ(effect_types(s), (std::vector<std::string>{"task.opened", "timer.set", "timer.set",
                                                         "timer.set", "timer.set"}));
}

TEST(Tasks, DueFromAnExpressionSetsTheDeadlineAndRemindersBeforeIt) {
    const auto def = legal_review(
        {{"due", {{"date_sub", {{{"var", "end_date"}}, "P30D"}}}}, {"remind", {"-P2D"}}});
    const Step s = start_ok(*def, partner_data(), T("2027-01-01"));
    const Task& t = the_open_task(s.instance);
    EXPECT_EQ(t.due_at, T("2030-05-31"));
    EXPECT_EQ(the_timer(s.instance, Timer::Kind::task_due).due_at, T("2030-05-31"));
    EXPECT_EQ(the_timer(s.instance, Timer::Kind::task_reminder).due_at, T("2030-05-29"));
}

TEST(Tasks, DueFromAnExpressionThatIsNotADateIsARuntimeError) {
    const auto def = load(workflow(json::parse(R"({
      "a": {"on": {"go": "review"}},
      "review": {"task": {"role": "legal", "title": "t", "outcomes": ["ok"], "due": {"var": "deadline"}}, "on": {"ok": "done"}},
      "done": {"final": "ok"}})"),
                                   "a"));
    const Step s0 = start_ok(*def, {{"deadline", "whenever"}});
    const Error e = refused(*def, s0.instance, event("go"), T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::runtime_error);
    EXPECT_EQ(e.pointer, "/states/review/task/due");
}

TEST(Tasks, AHolderOfTheRoleCompletesTheTaskAndTheOutcomeMovesTheInstance) {
    const auto def = legal_review();
    const Step s0 = start_ok(*def, partner_data());
    const Task& t = the_open_task(s0.instance);
    const TimeMs at = T("2027-01-03T09:30:00Z");
    const Step s = step_ok(*def, s0.instance,
                           complete(t.id, "approve", legal(), {{"risk", "low"}}, "fine"), at);
    EXPECT_EQ(state_of(*def, s.instance), "approved");
    const auto closed = effects_of<TaskClosed>(s);
    ASSERT_GE(closed.size(), 1u);
    EXPECT_EQ(closed[0].task_id, t.id);
    EXPECT_EQ(closed[0].status, TaskStatus::completed);
    EXPECT_EQ(closed[0].outcome, "approve");
    EXPECT_EQ(closed[0].by, "lee");
    EXPECT_EQ(s.history.input, "complete");
    EXPECT_EQ(s.history.detail["task"], t.id);
    EXPECT_EQ(s.history.detail["outcome"], "approve");
    EXPECT_EQ(events_of(s.history), std::vector<std::string>{"approve"});
}

TEST(Tasks, CompletionFieldsAreMergedIntoTheDataAndGuardsReadThem) {
    const auto def = legal_review();
    const Step s0 = start_ok(*def, partner_data());
    const Step high =
        step_ok(*def, s0.instance,
                complete(the_open_task(s0.instance).id, "approve", legal(), {{"risk", "high"}}),
                T("2027-01-02"));
    EXPECT_EQ(state_of(*def, high.instance), "second_opinion");
    EXPECT_EQ(high.instance.data.get()["risk"], "high");
    const Step low = step_ok(*def, s0.instance,
                             complete(the_open_task(s0.instance).id, "approve", legal(),
                                      {{"risk", "low"}, {"note", "ok"}}),
                             T("2027-01-02"));
    EXPECT_EQ(state_of(*def, low.instance), "approved");
    EXPECT_EQ(low.instance.data.get()["risk"], "low");
    EXPECT_EQ(low.instance.data.get()["note"], "ok");
    EXPECT_EQ(low.instance.data.get()["partner"]["name"], "Uni Wien");
}

TEST(Tasks, TheOutcomeEventCarriesTaskOutcomeByCommentAndFields) {
    const auto def = legal_review();
    const Step s0 = start_ok(*def, partner_data());
    const std::string id = the_open_task(s0.instance).id;
    const Step s =
        step_ok(*def, s0.instance,
                complete(id, "approve", legal(), {{"risk", "low"}}, "looks fine"), T("2027-01-02"));
    const json& d = s.instance.data.get();
    EXPECT_EQ(d["approved_by"], "lee");
    EXPECT_EQ(d["approved_outcome"], "approve");
    EXPECT_EQ(d["approved_comment"], "looks fine");
    EXPECT_EQ(d["approved_task"], id);
    EXPECT_EQ(d["approved_fields"], json({{"risk", "low"}}));
}

TEST(Tasks, GuardsSeeWhoCompletedTheTask) {
    const auto def = load(workflow(json::parse(R"({
      "review": {"task": {"role": "legal", "title": "t", "outcomes": ["ok"], "due": "P1D"},
                 "on": {"ok": [{"guard": {"==": [{"var": "$event.by"}, "boss"]}, "target": "fast"}, {"target": "slow"}]}},
      "fast": {"final": "fast"}, "slow": {"final": "slow"}})"),
                                   "review"));
    const Step s0 = start_ok(*def);
    const std::string id = the_open_task(s0.instance).id;
    EXPECT_EQ(
        step_ok(*def, s0.instance, complete(id, "ok", person("boss", {"legal"})), T("2027-01-02"))
            .instance.outcome,
        "fast");
    EXPECT_EQ(
        step_ok(*def, s0.instance, complete(id, "ok", person("lee", {"legal"})), T("2027-01-02"))
            .instance.outcome,
        "slow");
}

TEST(Tasks, ACompletionWhoseOutcomeHasNoHoldingGuardIsRefusedAndTheTaskStaysOpen) {
    const auto def = load(workflow(json::parse(R"({
      "review": {"task": {"role": "legal", "title": "t", "outcomes": ["ok"], "fields": {"amount": {"type": "number"}}, "due": "P1D"},
                 "on": {"ok": [{"guard": {"<": [{"var": "amount"}, 100]}, "target": "done"}]}},
      "done": {"final": "ok"}})"),
                                   "review"));
    const Step s0 = start_ok(*def);
    const std::string id = the_open_task(s0.instance).id;
    EXPECT_EQ(
        refused(*def, s0.instance, complete(id, "ok", legal(), {{"amount", 500}}), T("2027-01-02"))
            .code,
        ErrorCode::no_transition);
    EXPECT_EQ(
        step_ok(*def, s0.instance, complete(id, "ok", legal(), {{"amount", 5}}), T("2027-01-02"))
            .instance.outcome,
        "ok");
}

TEST(Tasks, SomeoneWithoutTheRoleIsForbiddenAndNothingChanges) {
    const auto def = legal_review();
    const Step s0 = start_ok(*def, partner_data());
    const Error e = refused(*def, s0.instance,
                            complete(the_open_task(s0.instance).id, "approve",
                                     person("olga", {"officer"}), {{"risk", "low"}}),
                            T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::forbidden);
}

TEST(Tasks, TheAssigneeMayCompleteWithoutTheRole) {
    const auto def = legal_review({{"assignee", {{"var", "owner"}}}});
    const Step s0 = start_ok(*def, partner_data());
    const Task& t = the_open_task(s0.instance);
    EXPECT_EQ(t.assignee, "olga");
    const Step s =
        step_ok(*def, s0.instance, complete(t.id, "approve", person("olga"), {{"risk", "low"}}),
                T("2027-01-02"));
    EXPECT_EQ(state_of(*def, s.instance), "approved");
    EXPECT_EQ(refused(*def, s0.instance,
                      complete(t.id, "approve", person("eve"), {{"risk", "low"}}), T("2027-01-02"))
                  .code,
              ErrorCode::forbidden);
}

TEST(Tasks, AHolderOfTheRoleMayCompleteAnAssignedTask) {
    const auto def = legal_review({{"assignee", {{"var", "owner"}}}});
    const Step s0 = start_ok(*def, partner_data());
    const Step s =
        step_ok(*def, s0.instance,
                complete(the_open_task(s0.instance).id, "approve", legal(), {{"risk", "low"}}),
                T("2027-01-02"));
    EXPECT_EQ(state_of(*def, s.instance), "approved");
}

TEST(Tasks, ATaskClaimedBySomeoneElseCannotBeCompletedByAnother) {
    const auto def = legal_review();
    Instance inst = start_ok(*def, partner_data()).instance;
    inst.tasks[0].claimed_by = "lena";
    const std::string id = inst.tasks[0].id;
    const Error e =
        refused(*def, inst, complete(id, "approve", legal(), {{"risk", "low"}}), T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::forbidden);
    const Step s =
        step_ok(*def, inst, complete(id, "approve", person("lena", {"legal"}), {{"risk", "low"}}),
                T("2027-01-02"));
    EXPECT_EQ(state_of(*def, s.instance), "approved");
}

TEST(Tasks, SeparationOfDutiesRefusesThePersonNamed) {
    const auto def = legal_review({{"separate_from", {{"var", "proposer"}}}});
    json data = partner_data();
    data["proposer"] = "lee";
    const Step s0 = start_ok(*def, data);
    const Task& t = the_open_task(s0.instance);
    EXPECT_EQ(t.excluded, std::vector<std::string>{"lee"});
    EXPECT_EQ(refused(*def, s0.instance, complete(t.id, "approve", legal(), {{"risk", "low"}}),
                      T("2027-01-02"))
                  .code,
              ErrorCode::forbidden);
    EXPECT_TRUE(step_ok(*def, s0.instance,
                        complete(t.id, "approve", person("lou", {"legal"}), {{"risk", "low"}}),
                        T("2027-01-02"))
                    .instance.status == InstanceStatus::finished);
}

TEST(Tasks, AnUnknownOutcomeIsRefusedNamingTheOutcome) {
    const auto def = legal_review();
    const Step s0 = start_ok(*def, partner_data());
    const Error e =
        refused(*def, s0.instance,
                complete(the_open_task(s0.instance).id, "aprove", legal(), {{"risk", "low"}}),
                T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::invalid_field);
    EXPECT_EQ(e.pointer, "/outcome");
    EXPECT_NE(e.message.find("did you mean \"approve\""), std::string::npos) << e.message;
}

TEST(Tasks, AMissingRequiredFieldIsRefusedNamingIt) {
    const auto def = legal_review();
    const Step s0 = start_ok(*def, partner_data());
    const Error e =
        refused(*def, s0.instance,
                complete(the_open_task(s0.instance).id, "approve", legal(), {{"note", "x"}}),
                T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::invalid_field);
    EXPECT_EQ(e.pointer, "/fields/risk");
}

TEST(Tasks, AWrongFieldValueIsRefusedNamingIt) {
    const auto def = legal_review();
    const Step s0 = start_ok(*def, partner_data());
    const Error e =
        refused(*def, s0.instance,
                complete(the_open_task(s0.instance).id, "approve", legal(), {{"risk", "extreme"}}),
                T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::invalid_field);
    EXPECT_EQ(e.pointer, "/fields/risk");
    const Error e2 = refused(
        *def, s0.instance,
        complete(the_open_task(s0.instance).id, "approve", legal(), {{"risk", "low"}, {"note", 5}}),
        T("2027-01-02"));
    EXPECT_EQ(e2.pointer, "/fields/note");
}

TEST(Tasks, AFieldNotInTheFormIsRefusedNamingIt) {
    const auto def = legal_review();
    const Step s0 = start_ok(*def, partner_data());
    const Error e = refused(*def, s0.instance,
                            complete(the_open_task(s0.instance).id, "approve", legal(),
                                     {{"risk", "low"}, {"nte", "x"}}),
                            T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::invalid_field);
    EXPECT_EQ(e.pointer, "/fields/nte");
}

TEST(Tasks, AFieldRequiredForAnOutcomeIsRequiredOnlyForIt) {
    const auto def = legal_review();
    const Step s0 = start_ok(*def, partner_data());
    const std::string id = the_open_task(s0.instance).id;
    const Error e =
        refused(*def, s0.instance, complete(id, "request_changes", legal(), {{"risk", "low"}}),
                T("2027-01-02"));
    EXPECT_EQ(e.code, ErrorCode::invalid_field);
    EXPECT_EQ(e.pointer, "/fields/changes");
    EXPECT_EQ(refused(*def, s0.instance,
                      complete(id, "request_changes", legal(), {{"risk", "low"}, {"changes", ""}}),
                      T("2027-01-02"))
                  .pointer,
              "/fields/changes");
    EXPECT_EQ(state_of(*def, step_ok(*def, s0.instance,
                                     complete(id, "request_changes", legal(),
                                              {{"risk", "low"}, {"changes", "clause 4"}}),
                                     T("2027-01-02"))
                                 .instance),
              "changes_requested");
    EXPECT_EQ(
        state_of(*def, step_ok(*def, s0.instance,
                               complete(id, "reject", legal(), {{"risk", "high"}}), T("2027-01-02"))
                           .instance),
        "rejected");
}

TEST(Tasks, CompletingAnUnknownTaskIsRefused) {
    const auto def = legal_review();
    const Step s0 = start_ok(*def, partner_data());
    EXPECT_EQ(refused(*def, s0.instance, complete("i1.t99", "approve", legal(), {{"risk", "low"}}),
                      T("2027-01-02"))
                  .code,
              ErrorCode::task_not_found);
}

TEST(Tasks, CompletingAClosedTaskIsRefusedAndChangesNothing) {
    const auto def = legal_review();
    const Step s0 = start_ok(*def, partner_data());
    const std::string id = the_open_task(s0.instance).id;
    // "comment" is handled by an internal transition: the task is closed, the state stays.
    const Step s1 = step_ok(*def, s0.instance, complete(id, "comment", legal(), {{"risk", "low"}}),
                            T("2027-01-02"));
    EXPECT_EQ(state_of(*def, s1.instance), "review");
    EXPECT_EQ(s1.instance.data.get()["commented"], true);
    const Error e = refused(*def, s1.instance, complete(id, "approve", legal(), {{"risk", "low"}}),
                            T("2027-01-03"));
    EXPECT_EQ(e.code, ErrorCode::task_closed);
}

TEST(Tasks, CompletingATaskClearsItsTimers) {
    const auto def = legal_review();
    const Step s0 = start_ok(*def, partner_data());
    const Step s1 =
        step_ok(*def, s0.instance,
                complete(the_open_task(s0.instance).id, "comment", legal(), {{"risk", "low"}}),
                T("2027-01-02"));
    EXPECT_EQ(effects_of<TimerCleared>(s1).size(), 4u);
    EXPECT_TRUE(s1.instance.pending_timers().empty());
}

TEST(Tasks, SaveToKeepsTheResultUnderThePathInsteadOfMerging) {
    const auto def = legal_review({{"save_to", "legal.review"}});
    const Step s0 = start_ok(*def, partner_data());
    const TimeMs at = T("2027-01-02T10:00:00Z");
    const Step s = step_ok(
        *def, s0.instance,
        complete(the_open_task(s0.instance).id, "reject", legal(), {{"risk", "high"}}, "no"), at);
    const json& d = s.instance.data.get();
    EXPECT_FALSE(d.contains("risk"));
    EXPECT_EQ(d["legal"]["review"],
              json::parse(R"({"outcome": "reject", "by": "lee", "at": "2027-01-02T10:00:00Z",
                                                   "comment": "no", "fields": {"risk": "high"}})"));
}

TEST(Tasks, FiringAReminderRemindsAndNotifiesTheRole) {
    const auto def = legal_review();
    const Step s0 = start_ok(*def, partner_data());
    const Task& t = the_open_task(s0.instance);
    const Timer* reminder = timers_of_kind(s0.instance, Timer::Kind::task_reminder)[0];
    const Step s = step_ok(*def, s0.instance, fire_timer(reminder->id), reminder->due_at);
    const auto reminded = effects_of<TaskReminded>(s);
    ASSERT_EQ(reminded.size(), 1u);
    EXPECT_EQ(reminded[0].task_id, t.id);
    const auto notes = effects_of<Notification>(s);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_EQ(notes[0].roles, std::vector<std::string>{"legal"});
    EXPECT_EQ(notes[0].task_id, t.id);
    EXPECT_EQ(notes[0].kind, "reminder");
    EXPECT_EQ(notes[0].subject.in("en"), "Reminder: " + t.title.text());
    EXPECT_EQ(notes[0].subject.in("ar"), "تذكير: " + t.title.text());
    EXPECT_TRUE(the_open_task(s.instance).is_open());
    EXPECT_EQ(timers_of_kind(s.instance, Timer::Kind::task_reminder).size(), 1u);
    EXPECT_EQ(state_of(*def, s.instance), "review");
}

TEST(Tasks, AReminderForAnAssignedTaskNotifiesTheAssignee) {
    const auto def = legal_review({{"assignee", {{"var", "owner"}}}});
    const Step s0 = start_ok(*def, partner_data());
    const Timer* reminder = timers_of_kind(s0.instance, Timer::Kind::task_reminder)[0];
    const auto notes = effects_of<Notification>(
        step_ok(*def, s0.instance, fire_timer(reminder->id), reminder->due_at));
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_EQ(notes[0].people, std::vector<std::string>{"olga"});
}

TEST(Tasks, PassingTheDueDateMarksTheTaskOverdue) {
    const auto def = legal_review();
    const Step s0 = start_ok(*def, partner_data());
    const Timer& due = the_timer(s0.instance, Timer::Kind::task_due);
    const Step s = step_ok(*def, s0.instance, fire_timer(due.id), due.due_at);
    const auto overdue = effects_of<TaskOverdue>(s);
    ASSERT_EQ(overdue.size(), 1u);
    EXPECT_EQ(overdue[0].task_id, s0.instance.tasks[0].id);
    ASSERT_EQ(effects_of<Notification>(s).size(), 1u);
    EXPECT_TRUE(the_open_task(s.instance).is_open());
}

TEST(Tasks, EscalationOffersTheTaskToTheEscalationRoleAndNotifiesIt) {
    const auto def = legal_review();
    const Step s0 = start_ok(*def, partner_data());
    const std::string id = the_open_task(s0.instance).id;
    const Actor lead = person("lena", {"legal_lead"});
    EXPECT_EQ(refused(*def, s0.instance, complete(id, "approve", lead, {{"risk", "low"}}),
                      T("2027-01-02"))
                  .code,
              ErrorCode::forbidden);
    const Timer& esc = the_timer(s0.instance, Timer::Kind::task_escalation);
    const Step s1 = step_ok(*def, s0.instance, fire_timer(esc.id), esc.due_at);
    EXPECT_EQ(the_open_task(s1.instance).escalated_to, std::vector<std::string>{"legal_lead"});
    const auto escalated = effects_of<TaskEscalated>(s1);
    ASSERT_EQ(escalated.size(), 1u);
    EXPECT_EQ(escalated[0].task_id, id);
    EXPECT_EQ(escalated[0].role, "legal_lead");
    const auto notes = effects_of<Notification>(s1);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_EQ(notes[0].roles, std::vector<std::string>{"legal_lead"});
    const Step s2 = step_ok(*def, s1.instance, complete(id, "approve", lead, {{"risk", "low"}}),
                            T("2027-01-14"));
    EXPECT_EQ(state_of(*def, s2.instance), "approved");
    // The original role still may.
    EXPECT_EQ(
        state_of(*def, step_ok(*def, s1.instance,
                               complete(id, "approve", legal(), {{"risk", "low"}}), T("2027-01-14"))
                           .instance),
        "approved");
}

}  // namespace
}  // namespace accord::engine

namespace accord::engine {
namespace {

using namespace testkit;

json ladder_workflow(json escalate) {
    return workflow({{"review",
                      {{"task",
                        {{"role", "legal"},
                         {"title", "Review"},
                         {"outcomes", {"approve"}},
                         {"escalate", std::move(escalate)}}},
                       {"on", {{"approve", "done"}}}}},
                     {"done", {{"final", "approved"}}}},
                    "review");
}

TEST(EscalationLadder, ClimbsOneStepAtATimeEachOfferedNotifiedAndShown) {
    const auto def = load(ladder_workflow(json::array({{{"after", "P3D"}, {"role", "legal_lead"}},
                                                       {{"after", "P7D"}, {"role", "director"}}})));
    EXPECT_EQ(def->state(*def->find_state("review")).task->escalate.size(), 2u);
    EXPECT_TRUE(std::binary_search(def->roles.begin(), def->roles.end(), "director"));
    const Step s0 = start_ok(*def, json::object(), T("2027-01-01"));
    const std::string id = the_open_task(s0.instance).id;
    std::vector<const Timer*> steps;
    for (const auto& t : s0.instance.timers)
        if (t.kind == Timer::Kind::task_escalation) steps.push_back(&t);
    ASSERT_EQ(steps.size(), 2u);
    EXPECT_EQ(steps[0]->due_at, T("2027-01-04"));
    EXPECT_EQ(steps[1]->due_at, T("2027-01-08"));
    const Actor director = person("dora", {"director"});
    const Actor lead = person("lena", {"legal_lead"});
    EXPECT_EQ(refused(*def, s0.instance, complete(id, "approve", director), T("2027-01-05")).code,
              ErrorCode::forbidden);

    const Step s1 = step_ok(*def, s0.instance, fire_timer(steps[0]->id), steps[0]->due_at);
    EXPECT_EQ(the_open_task(s1.instance).escalated_to, std::vector<std::string>{"legal_lead"});
    ASSERT_EQ(effects_of<TaskEscalated>(s1).size(), 1u);
    EXPECT_EQ(effects_of<TaskEscalated>(s1)[0].role, "legal_lead");
    EXPECT_EQ(effects_of<Notification>(s1).at(0).roles, std::vector<std::string>{"legal_lead"});
    EXPECT_EQ(refused(*def, s1.instance, complete(id, "approve", director), T("2027-01-05")).code,
              ErrorCode::forbidden)
        << "the director's step has not come";

    const Timer* second = nullptr;
    for (const auto& t : s1.instance.timers)
        if (t.kind == Timer::Kind::task_escalation) second = &t;
    ASSERT_NE(second, nullptr);
    const Step s2 = step_ok(*def, s1.instance, fire_timer(second->id), second->due_at);
    EXPECT_EQ(the_open_task(s2.instance).escalated_to,
              (std::vector<std::string>{"legal_lead", "director"}));
    EXPECT_EQ(effects_of<Notification>(s2).at(0).roles, std::vector<std::string>{"director"});
    // Both may act now; the director completes.
    const Step done = step_ok(*def, s2.instance, complete(id, "approve", director), T("2027-01-09"));
    EXPECT_EQ(state_of(*def, done.instance), "done");
    (void)lead;
}

TEST(EscalationLadder, TheStorageFormKeepsTheRolesAndReadsAnOldSingleRole) {
    Task t;
    t.id = "w-1.t1";
    t.role = "legal";
    t.escalated_to = {"legal_lead", "director"};
    auto back = task_from_json(to_json(t));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->escalated_to, t.escalated_to);
    json old = to_json(t);
    old["escalated_to"] = "legal_lead";  // as stored before ladders
    auto read = task_from_json(old);
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(read->escalated_to, std::vector<std::string>{"legal_lead"});
}

TEST(EscalationLadder, ABadLadderIsRefusedAtItsPointer) {
    const std::vector<std::pair<json, std::string>> cases = {
        {json::array(), "/states/review/task/escalate"},
        {json::array({{{"after", "P7D"}, {"role", "lead"}}, {{"after", "P3D"}, {"role", "dir"}}}),
         "/states/review/task/escalate/1/after"},
        {json::array({{{"after", "P3D"}, {"role", "lead"}}, {{"after", "P3D"}, {"role", "dir"}}}),
         "/states/review/task/escalate/1/after"},
        {json::array({{{"after", "P3D"}}}), "/states/review/task/escalate/0"},
        {json::array({{{"after", "P3D"}, {"role", "Lead X"}}}),
         "/states/review/task/escalate/0/role"},
        {json::array({{{"after", "P3D"}, {"role", "lead"}, {"colour", "x"}}}),
         "/states/review/task/escalate/0/colour"},
    };
    for (const auto& [escalate, pointer] : cases) {
        LoadResult r = load_definition(ladder_workflow(escalate), {});
        ASSERT_FALSE(r.ok()) << escalate.dump();
        bool found = false;
        for (const auto& d : r.diagnostics) found = found || d.pointer == pointer;
        EXPECT_TRUE(found) << escalate.dump() << ":\n" << diagnostics_text(r.diagnostics);
    }
}

}  // namespace
}  // namespace accord::engine

namespace accord::engine {
namespace {

using namespace testkit;

// A directory in which only the university (uni) has a dean: eng's tasks go up to it.
class UniOnly final : public Directory {
public:
    std::string offer_unit(std::string_view role, std::string_view unit) const override {
        asked.emplace_back(std::string(role) + "@" + std::string(unit));
        return unit == "law" ? std::string() : std::string("uni");
    }
    mutable std::vector<std::string> asked;
};

json unit_workflow() {
    return workflow({{"endorse",
                      {{"task",
                        {{"role", "dean"},
                         {"title", "Endorse"},
                         {"outcomes", {"endorse"}},
                         {"unit", {{"var", "faculty"}}}}},
                       {"on", {{"endorse", "done"}}}}},
                     {"done", {{"final", "endorsed"}}}},
                    "endorse");
}

TEST(UnitTasks, ATaskNamingAUnitIsForTheRolesHoldersInIt) {
    const auto def = load(unit_workflow());
    const Step s = start_ok(*def, {{"faculty", "eng"}});
    const Task& t = the_open_task(s.instance);
    EXPECT_EQ(t.unit, "eng");
    const Actor eng_dean{"dina", {"dean"}, false, {}, {"eng"}};
    const Actor law_dean{"lars", {"dean"}, false, {}, {"law"}};
    const Actor dean_lead{"lea", {"dean_lead"}, false, {}, {}};
    const auto f = policy::TaskFacts::of(t, 0);
    EXPECT_TRUE(policy::waits_for(eng_dean, f));
    EXPECT_FALSE(policy::waits_for(law_dean, f));
    EXPECT_FALSE(policy::may_see(law_dean, f));
    auto refused = policy::may(law_dean, policy::TaskAction::complete, f);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find("unit eng"), std::string::npos);
    EXPECT_TRUE(policy::may_see(dean_lead, f));  // the role's overseers see every unit's
    EXPECT_EQ(state_of(*def, step_ok(*def, s.instance, complete(t.id, "endorse", eng_dean),
                                     T("2027-01-02"))
                                 .instance),
              "done");
    // No unit named: any dean.
    const Step anywhere = start_ok(*def, json::object());
    EXPECT_EQ(the_open_task(anywhere.instance).unit, "");
    EXPECT_TRUE(policy::waits_for(law_dean, policy::TaskFacts::of(the_open_task(anywhere.instance), 0)));
    // A value that is not a unit id is refused.
    StartInput bad;
    bad.instance_id = "w-9";
    bad.data = {{"faculty", 7}};
    EXPECT_EQ(start(*def, bad, officer(), T("2027-01-01")).error().code, ErrorCode::runtime_error);
}

TEST(UnitTasks, TheDirectoryOffersItWhereSomeoneHoldsTheRole) {
    const auto def = load(unit_workflow());
    UniOnly directory;
    StartInput in;
    in.instance_id = "w-1";
    in.data = {{"faculty", "eng"}};
    in.directory = &directory;
    auto up = start(*def, in, officer(), T("2027-01-01"));
    ASSERT_TRUE(up.ok()) << up.error().to_string();
    EXPECT_EQ(the_open_task(up->instance).unit, "uni");
    EXPECT_EQ(directory.asked, std::vector<std::string>{"dean@eng"});
    StartInput nobody;
    nobody.instance_id = "w-2";
    nobody.data = {{"faculty", "law"}};
    nobody.directory = &directory;
    auto anywhere = start(*def, nobody, officer(), T("2027-01-01"));
    ASSERT_TRUE(anywhere.ok());
    EXPECT_EQ(the_open_task(anywhere->instance).unit, "") << "nobody in its line: the role at large";
}

TEST(UnitTasks, AnEscalationStepWithinAUnitIsForTheRoleThereAndAnAwayAssigneesTaskNamesTheDeputy) {
    class Dir final : public Directory {
    public:
        std::string offer_unit(std::string_view, std::string_view unit) const override {
            return std::string(unit);
        }
        std::string deputy_of(std::string_view person, std::int64_t) const override {
            return person == "sam" ? "dana" : "";
        }
    } directory;
    const auto def = load(workflow(
        {{"review",
          {{"task",
            {{"role", "legal"},
             {"title", "Review"},
             {"assignee", {{"var", "who"}}},
             {"outcomes", {"approve"}},
             {"escalate", json::array({{{"after", "P1D"}, {"role", "legal_lead"}},
                                       {{"after", "P2D"},
                                        {"role", "dean"},
                                        {"unit", {{"var", "faculty"}}}}})}}},
           {"on", {{"approve", "done"}}}}},
         {"done", {{"final", "approved"}}}},
        "review"));
    StartInput in;
    in.instance_id = "w-1";
    in.data = {{"who", "sam"}, {"faculty", "eng"}};
    in.directory = &directory;
    auto s0 = start(*def, in, officer(), T("2027-01-01"));
    ASSERT_TRUE(s0.ok()) << s0.error().to_string();
    EXPECT_EQ(the_open_task(s0->instance).deputy, "dana");
    Instance inst = s0->instance;
    for (int i = 0; i < 2; ++i) {
        const Timer* next = nullptr;
        for (const auto& t : inst.timers)
            if (t.kind == Timer::Kind::task_escalation && (!next || t.due_at < next->due_at))
                next = &t;
        ASSERT_NE(next, nullptr);
        Input fire = fire_timer(next->id);
        fire.directory = &directory;
        auto s = step(*def, inst, fire, next->due_at);
        ASSERT_TRUE(s.ok()) << s.error().to_string();
        inst = s->instance;
    }
    const Task& t = the_open_task(inst);
    EXPECT_EQ(t.escalated_to, (std::vector<std::string>{"legal_lead", "dean"}));
    EXPECT_EQ(t.escalated_units, (std::vector<std::string>{"", "eng"}));
    const auto f = policy::TaskFacts::of(t, 0);
    EXPECT_TRUE(policy::waits_for(Actor{"dina", {"dean"}, false, {}, {"eng"}}, f));
    EXPECT_FALSE(policy::waits_for(Actor{"lars", {"dean"}, false, {}, {"law"}}, f));
    EXPECT_TRUE(policy::waits_for(Actor{"lena", {"legal_lead"}, false, {}, {}}, f));
    auto back = task_from_json(to_json(t));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->escalated_units, t.escalated_units);
    EXPECT_EQ(back->deputy, "dana");
}

}  // namespace
}  // namespace accord::engine
