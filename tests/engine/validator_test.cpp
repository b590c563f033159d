// The validator: every error of "What the validator checks" with its JSON Pointer, all errors at
// once, malformed JSON text, each lint, and what a valid definition compiles to.
#include "accord/engine/validator.hpp"

#include <algorithm>

#include "test_support.hpp"

namespace accord::engine {
namespace {

using namespace testkit;

// A small clean definition: a wait state with a way out, and a final state.
json minimal() {
    return workflow({{"a", {{"on", {{"go", "done"}}}}}, {"done", {{"final", "ok"}}}}, "a");
}

// The doc's legal_review example, completed so that every state exists.
json legal_review() {
    return json::parse(R"({
      "workflow": "legal_review", "version": 1, "title": "Legal review of an agreement draft",
      "data": { "required": ["partner", "end_date"],
                "properties": { "end_date": {"type": "string", "format": "date"} } },
      "start": "review",
      "states": {
        "review": {
          "task": { "role": "legal", "title": "Review the draft with {{partner.name}}",
                    "fields": { "risk": {"enum": ["low", "medium", "high"]},
                                "note": {"type": "string", "optional": true} },
                    "outcomes": ["approve", "request_changes", "reject"],
                    "due": "P10D", "remind": ["P7D"], "escalate": { "after": "P12D", "role": "legal_lead" } },
          "on": { "approve": [ { "guard": {"==": [{"var": "risk"}, "high"]}, "target": "second_opinion" },
                               { "target": "approved",
                                 "actions": [ {"set": {"legal.approved_on": {"today": []}}} ] } ],
                  "request_changes": "changes_requested", "reject": "rejected" } },
        "second_opinion": {
          "task": { "role": "legal_lead", "title": "Second opinion", "outcomes": ["approve", "reject"], "due": "P5D" },
          "on": { "approve": "approved", "reject": "rejected" } },
        "changes_requested": {
          "task": { "role": "officer", "title": "Revise", "outcomes": ["resubmit"], "due": "P14D" },
          "on": { "resubmit": "review" } },
        "approved": { "final": "approved" },
        "rejected": { "final": "rejected" }
      }
    })");
}

LoadResult check(const json& doc, const WorkflowCatalog& catalog = {}) {
    return load_definition(doc, catalog);
}

std::vector<const Diagnostic*> at(const LoadResult& r, std::string_view pointer,
                                  Diagnostic::Severity severity) {
    std::vector<const Diagnostic*> out;
    for (const auto& d : r.diagnostics)
        if (d.pointer == pointer && d.severity == severity) out.push_back(&d);
    return out;
}

// Expects a refused definition with an error at `pointer` whose message contains `text`.
void expect_error(const LoadResult& r, std::string_view pointer, std::string_view text) {
    EXPECT_FALSE(r.ok()) << "the definition was accepted";
    EXPECT_EQ(r.definition, nullptr);
    const auto found = at(r, pointer, Diagnostic::Severity::error);
    const bool matched = std::any_of(found.begin(), found.end(), [&](const Diagnostic* d) {
        return d->message.find(text) != std::string::npos;
    });
    EXPECT_TRUE(matched) << "no error at \"" << pointer << "\" containing \"" << text
                         << "\"; got:\n"
                         << diagnostics_text(r.diagnostics);
}

// Expects a loaded definition with a warning at `pointer` whose message contains `text`.
void expect_warning(const LoadResult& r, std::string_view pointer, std::string_view text) {
    EXPECT_TRUE(r.ok()) << diagnostics_text(r.diagnostics);
    EXPECT_FALSE(r.clean());
    const auto found = at(r, pointer, Diagnostic::Severity::warning);
    const bool matched = std::any_of(found.begin(), found.end(), [&](const Diagnostic* d) {
        return d->message.find(text) != std::string::npos;
    });
    EXPECT_TRUE(matched) << "no warning at \"" << pointer << "\" containing \"" << text
                         << "\"; got:\n"
                         << diagnostics_text(r.diagnostics);
}

int errors(const LoadResult& r) {
    return static_cast<int>(std::count_if(r.diagnostics.begin(), r.diagnostics.end(),
                                          [](const Diagnostic& d) { return d.is_error(); }));
}

int warnings_at(const LoadResult& r, std::string_view pointer) {
    return static_cast<int>(at(r, pointer, Diagnostic::Severity::warning).size());
}

// ---------------------------------------------------------------------------------------------
// Valid definitions

TEST(Validator, MinimalDefinitionLoadsCleanly) {
    const LoadResult r = check(minimal());
    EXPECT_TRUE(r.ok());
    EXPECT_TRUE(r.clean()) << diagnostics_text(r.diagnostics);
}

TEST(Validator, AStatesTitleIsATextForPeople) {
    json doc = minimal();
    doc["states"]["a"]["title"] = {{"en", "Legal review"}, {"ar", "المراجعة القانونية"}};
    const LoadResult good = check(doc);
    ASSERT_TRUE(good.ok()) << diagnostics_text(good.diagnostics);
    EXPECT_EQ(good.definition->state(*good.definition->find_state("a")).title.in("ar"),
              "المراجعة القانونية");
    doc["states"]["a"]["title"] = 3;
    expect_error(check(doc), "/states/a/title", "");
}

TEST(Validator, TheLanguageDocExampleLoadsCleanly) {
    const LoadResult r = check(legal_review());
    ASSERT_TRUE(r.ok()) << diagnostics_text(r.diagnostics);
    EXPECT_TRUE(r.clean()) << diagnostics_text(r.diagnostics);
}

TEST(Validator, ACompiledDefinitionKeepsNamesVersionAndSource) {
    const json doc = legal_review();
    const DefinitionPtr def = load(doc);
    EXPECT_EQ(def->name, "legal_review");
    EXPECT_EQ(def->version, 1);
    EXPECT_EQ(def->title, "Legal review of an agreement draft");
    EXPECT_EQ(def->source, doc);
    ASSERT_TRUE(def->find_state("review"));
    EXPECT_EQ(def->start, *def->find_state("review"));
    EXPECT_FALSE(def->find_state("reveiw"));
    EXPECT_EQ(def->states.size(), 5u);
    EXPECT_EQ(def->state(*def->find_state("approved")).kind, State::Kind::final);
    EXPECT_EQ(def->state(*def->find_state("approved")).outcome, "approved");
}

TEST(Validator, TransitionsAreCompiledPerStateAndEventInOrder) {
    const DefinitionPtr def = load(legal_review());
    const StateId review = *def->find_state("review");
    const auto approve = def->find_event("approve");
    ASSERT_TRUE(approve);
    const auto* list = def->transitions(review, *approve);
    ASSERT_NE(list, nullptr);
    ASSERT_EQ(list->size(), 2u);
    EXPECT_TRUE((*list)[0].guard.has_value());
    EXPECT_EQ((*list)[0].target, *def->find_state("second_opinion"));
    EXPECT_FALSE((*list)[1].guard.has_value());
    EXPECT_EQ((*list)[1].target, *def->find_state("approved"));
    EXPECT_EQ((*list)[1].actions.size(), 1u);
    const auto resubmit = def->find_event("resubmit");
    ASSERT_TRUE(resubmit);
    EXPECT_EQ(def->transitions(review, *resubmit), nullptr);
}

TEST(Validator, ATaskIsCompiledWithItsFormDueRemindersAndEscalation) {
    const DefinitionPtr def = load(legal_review());
    const State& review = def->state(*def->find_state("review"));
    ASSERT_TRUE(review.task);
    const TaskSpec& t = *review.task;
    EXPECT_EQ(t.role, "legal");
    EXPECT_EQ(t.outcomes, (std::vector<std::string>{"approve", "request_changes", "reject"}));
    EXPECT_EQ(t.outcome_index("reject"), 2);
    EXPECT_EQ(t.outcome_index("nope"), -1);
    ASSERT_EQ(t.fields.size(), 2u);
    ASSERT_TRUE(t.due_after);
    EXPECT_EQ(t.due_after->duration.days, 10);
    ASSERT_EQ(t.reminders.size(), 1u);
    EXPECT_EQ(t.reminders[0].duration.days, 7);
    ASSERT_EQ(t.escalate.size(), 1u);
    EXPECT_EQ(t.escalate[0].role, "legal_lead");
    EXPECT_EQ(t.escalate[0].after.duration.days, 12);
    EXPECT_FALSE(t.multi());
}

TEST(Validator, ChildEventNamesWithADotAreAcceptedInOn) {
    const json doc =
        workflow({{"signing",
                   {{"invoke", {{"workflow", "signing"}}},
                    {"on", {{"signing.signed", "done"}, {"signing.refused", "done"}}}}},
                  {"done", {{"final", "ok"}}}},
                 "signing");
    const LoadResult r = check(doc);
    EXPECT_TRUE(r.clean()) << diagnostics_text(r.diagnostics);
    EXPECT_TRUE(r.definition->find_event("signing.signed"));
}

TEST(Validator, TextWithValidJsonLoadsLikeTheDocument) {
    const LoadResult r = load_definition_text(minimal().dump(2));
    EXPECT_TRUE(r.clean()) << diagnostics_text(r.diagnostics);
}

TEST(Validator, SchemaKeyIsAllowedAtTheTop) {
    json doc = minimal();
    doc["$schema"] = "../workflows/schema.json";
    EXPECT_TRUE(check(doc).clean());
}

// ---------------------------------------------------------------------------------------------
// Unknown states

TEST(Validator, TargetNamingAnUnknownStateIsAnErrorWithASuggestion) {
    json doc = legal_review();
    doc["states"]["review"]["on"]["approve"][0]["target"] = "aproved";
    const LoadResult r = check(doc);
    expect_error(r, "/states/review/on/approve/0/target",
                 "unknown state \"aproved\" (did you mean \"approved\"?)");
    EXPECT_EQ(errors(r), 1);
}

TEST(Validator, ShortTargetNamingAnUnknownStateIsAnError) {
    json doc = legal_review();
    doc["states"]["review"]["on"]["reject"] = "rejectd";
    expect_error(check(doc), "/states/review/on/reject",
                 "unknown state \"rejectd\" (did you mean \"rejected\"?)");
}

TEST(Validator, UnknownStateFarFromAnyNameHasNoSuggestion) {
    json doc = minimal();
    doc["states"]["a"]["on"]["go"] = "zzzzzzzzzz";
    const LoadResult r = check(doc);
    expect_error(r, "/states/a/on/go", "unknown state \"zzzzzzzzzz\"");
    ASSERT_FALSE(r.diagnostics.empty());
    EXPECT_EQ(r.diagnostics[0].message.find("did you mean"), std::string::npos);
}

TEST(Validator, StartNamingAnUnknownStateIsAnError) {
    json doc = minimal();
    doc["start"] = "b";
    expect_error(check(doc), "/start", "unknown state \"b\"");
}

TEST(Validator, ChoiceBranchNamingAnUnknownStateIsAnError) {
    const json doc = workflow(
        {{"route",
          {{"choice", {{{"guard", {{"var", "x"}}}, {"target", "big"}}, {{"target", "smal"}}}}}},
         {"big", {{"final", "big"}}},
         {"small", {{"final", "small"}}}},
        "route");
    expect_error(check(doc), "/states/route/choice/1/target",
                 "unknown state \"smal\" (did you mean \"small\"?)");
}

TEST(Validator, WorkflowLevelTransitionNamingAnUnknownStateIsAnError) {
    json doc = minimal();
    doc["states"]["terminated"] = {{"final", "terminated"}};
    doc["on"] = {{"terminate", "terminatd"}};
    expect_error(check(doc), "/on/terminate",
                 "unknown state \"terminatd\" (did you mean \"terminated\"?)");
}

TEST(Validator, WorkflowLevelOnMustBeAnObject) {
    json doc = minimal();
    doc["on"] = json::array({"done"});
    expect_error(check(doc), "/on", "on must be an object");
}

TEST(Validator, WorkflowLevelTransitionsAreCompiledIntoEveryWaitStateThatLacksThem) {
    json doc = minimal();
    doc["states"]["b"] = {{"on", {{"terminate", "done"}}}};
    doc["states"]["a"]["on"]["go"] = "b";
    doc["states"]["terminated"] = {{"final", "terminated"}};
    doc["on"] = {{"terminate", "terminated"}};
    const DefinitionPtr def = load(doc);
    const EventId terminate = *def->find_event("terminate");
    ASSERT_NE(def->transitions(*def->find_state("a"), terminate), nullptr);
    EXPECT_EQ(def->transitions(*def->find_state("a"), terminate)->at(0).target,
              *def->find_state("terminated"));
    EXPECT_EQ(def->transitions(*def->find_state("b"), terminate)->at(0).target,
              *def->find_state("done"));
    EXPECT_EQ(def->transitions(*def->find_state("done"), terminate), nullptr);
}

// ---------------------------------------------------------------------------------------------
// Unknown or misspelt keys

TEST(Validator, UnknownTopLevelKeyIsAnErrorWithASuggestion) {
    json doc = minimal();
    doc["descripton"] = "x";
    expect_error(
        check(doc), "/descripton",
        "unknown key \"descripton\" in a workflow definition (did you mean \"description\"?)");
}

TEST(Validator, UnknownStateKeyIsAnErrorWithASuggestion) {
    json doc = minimal();
    doc["states"]["a"]["entyr"] = json::array();
    expect_error(check(doc), "/states/a/entyr", "(did you mean \"entry\"?)");
}

TEST(Validator, UnknownTaskKeyIsAnErrorWithASuggestion) {
    json doc = legal_review();
    doc["states"]["review"]["task"]["asignee"] = "x";
    expect_error(check(doc), "/states/review/task/asignee",
                 "unknown key \"asignee\" in a task (did you mean \"assignee\"?)");
}

TEST(Validator, UnknownTransitionKeyIsAnErrorWithASuggestion) {
    json doc = legal_review();
    doc["states"]["review"]["on"]["reject"] = {{"target", "rejected"}, {"gaurd", true}};
    expect_error(check(doc), "/states/review/on/reject/gaurd", "(did you mean \"guard\"?)");
}

TEST(Validator, UnknownTimerKeyIsAnErrorWithASuggestion) {
    json doc = minimal();
    doc["states"]["a"]["timers"] = {{{"after", "P1D"}, {"event", "go"}, {"nmae", "t"}}};
    expect_error(check(doc), "/states/a/timers/0/nmae", "(did you mean \"name\"?)");
}

TEST(Validator, UnknownEscalateKeyIsAnErrorWithASuggestion) {
    json doc = legal_review();
    doc["states"]["review"]["task"]["escalate"]["rol"] = "x";
    expect_error(check(doc), "/states/review/task/escalate/rol", "(did you mean \"role\"?)");
}

TEST(Validator, UnknownInvokeKeyIsAnErrorWithASuggestion) {
    const json doc = workflow({{"a",
                                {{"invoke", {{"workflow", "child"}, {"dta", {{"var", ""}}}}},
                                 {"on", {{"child.done", "b"}}}}},
                               {"b", {{"final", "ok"}}}},
                              "a");
    expect_error(check(doc), "/states/a/invoke/dta", "(did you mean \"data\"?)");
}

TEST(Validator, UnknownActionIsAnErrorWithASuggestion) {
    json doc = minimal();
    doc["states"]["a"]["entry"] = {{{"sett", {{"x", 1}}}}};
    expect_error(check(doc), "/states/a/entry/0/sett",
                 "unknown action \"sett\" (did you mean \"set\"?)");
}

TEST(Validator, UnknownNotifyKeyIsAnErrorWithASuggestion) {
    json doc = minimal();
    doc["states"]["a"]["entry"] = {
        {{"notify", {{"roles", {"legal"}}, {"subject", "s"}, {"mesage", "m"}}}}};
    expect_error(check(doc), "/states/a/entry/0/notify/mesage", "(did you mean \"message\"?)");
}

TEST(Validator, UnknownDeclaredEventKeyIsAnErrorWithASuggestion) {
    json doc = minimal();
    doc["events"] = {{"go", {{"role", {"officer"}}}}};
    expect_error(check(doc), "/events/go/role", "(did you mean \"roles\"?)");
}

TEST(Validator, UnknownSchemaKeywordIsAnErrorWithASuggestion) {
    json doc = minimal();
    doc["data"] = {{"properties", {{"amount", {{"type", "number"}, {"minimun", 0}}}}}};
    expect_error(check(doc), "/data/properties/amount/minimun",
                 "unknown schema keyword \"minimun\" (did you mean \"minimum\"?)");
}

TEST(Validator, UnknownFormFieldKeywordSuggestsTheFormOnlyKeys) {
    json doc = legal_review();
    doc["states"]["review"]["task"]["fields"]["note"] = {{"type", "string"}, {"optinal", true}};
    expect_error(check(doc), "/states/review/task/fields/note/optinal",
                 "(did you mean \"optional\"?)");
}

TEST(Validator, FormFieldMarkedRequiredTrueIsAnError) {
    json doc = legal_review();
    doc["states"]["review"]["task"]["fields"]["note"] = {{"type", "string"}, {"required", true}};
    expect_error(check(doc), "/states/review/task/fields/note/required", "required by default");
}

// ---------------------------------------------------------------------------------------------
// Missing keys and wrong types

TEST(Validator, MissingRequiredTopLevelKeysAreErrors) {
    const LoadResult r = check(json{{"states", {{"a", {{"final", "ok"}}}}}});
    expect_error(r, "", "missing required key \"workflow\"");
    expect_error(r, "", "missing required key \"version\"");
    expect_error(r, "", "missing required key \"title\"");
    expect_error(r, "", "missing required key \"start\"");
}

TEST(Validator, MissingStatesIsAnError) {
    json doc = minimal();
    doc.erase("states");
    expect_error(check(doc), "", "missing required key \"states\"");
}

TEST(Validator, DocumentThatIsNotAnObjectIsAnError) {
    const LoadResult r = check(json::array());
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(errors(r), 1);
}

TEST(Validator, VersionMustBeAWholeNumberAtLeastOne) {
    for (const json& bad : {json("1"), json(0), json(-3), json(1.5)}) {
        json doc = minimal();
        doc["version"] = bad;
        expect_error(check(doc), "/version", "version must be a whole number");
    }
}

TEST(Validator, ATitleIsAStringOrTheSameInSeveralLanguages) {
    json doc = minimal();
    doc["title"] = 5;
    expect_error(check(doc), "/title", "must be a string, or an object of language");
    doc["title"] = {{"en", "Agreement"}, {"Arabic", "اتفاقية"}};
    expect_error(check(doc), "/title/Arabic", "is not a language tag");
    doc["title"] = {{"en", "Agreement"}, {"ar", 3}};
    expect_error(check(doc), "/title/ar", "must be a string");
    doc["title"] = json::object();
    expect_error(check(doc), "/title", "must be a string, or an object of language");
    doc["title"] = {{"en", "Agreement"}, {"ar", "اتفاقية"}};
    EXPECT_TRUE(check(doc).ok());
}

TEST(Validator, StatesMustBeANonEmptyObject) {
    json doc = minimal();
    doc["states"] = json::object();
    expect_error(check(doc), "/states", "states must be a non-empty object");
    doc["states"] = json::array();
    expect_error(check(doc), "/states", "states must be a non-empty object");
}

TEST(Validator, StateMustBeAnObject) {
    json doc = minimal();
    doc["states"]["a"] = "done";
    expect_error(check(doc), "/states/a", "must be an object");
}

TEST(Validator, DescriptionsMustBeStrings) {
    json doc = minimal();
    doc["description"] = 1;
    doc["states"]["a"]["description"] = 2;
    doc["states"]["a"]["on"]["go"] = {{"target", "done"}, {"description", 3}};
    doc["events"] = {{"go", {{"description", 4}}}};
    const LoadResult r = check(doc);
    expect_error(r, "/description", "must be a string");
    expect_error(r, "/states/a/description", "must be a string");
    expect_error(r, "/states/a/on/go/description", "must be a string");
    expect_error(r, "/events/go/description", "must be a string");
}

TEST(Validator, OnMustBeAnObject) {
    json doc = minimal();
    doc["states"]["a"]["on"] = json::array({"done"});
    expect_error(check(doc), "/states/a/on", "on must be an object");
}

TEST(Validator, TransitionOfTheWrongTypeIsAnError) {
    json doc = minimal();
    doc["states"]["a"]["on"]["go"] = 5;
    expect_error(check(doc), "/states/a/on/go",
                 "a transition must be a state name, an object, or a list");
}

TEST(Validator, EmptyTransitionListIsAnError) {
    json doc = minimal();
    doc["states"]["a"]["on"]["go"] = json::array();
    expect_error(check(doc), "/states/a/on/go", "must not be empty");
}

TEST(Validator, AnUnguardedTransitionBeforeOthersIsAnError) {
    json doc = minimal();
    doc["states"]["a"]["on"]["go"] = {{{"target", "done"}}, {{"guard", true}, {"target", "done"}}};
    expect_error(check(doc), "/states/a/on/go/0", "no guard");
}

TEST(Validator, ActionsMustBeAnArrayOfOneKeyObjects) {
    json doc = minimal();
    doc["states"]["a"]["entry"] = {{"set", {{"x", 1}}}};
    expect_error(check(doc), "/states/a/entry", "actions must be an array");
    doc["states"]["a"]["entry"] = {{{"set", {{"x", 1}}}, {"unset", {"y"}}}};
    expect_error(check(doc), "/states/a/entry/0", "exactly one of set, unset, notify, emit, start");
}

TEST(Validator, SetNeedsAnObjectOfPathsAndUnsetAnArray) {
    json doc = minimal();
    doc["states"]["a"]["entry"] = {{{"set", json::array()}}, {{"unset", "x"}}};
    const LoadResult r = check(doc);
    expect_error(r, "/states/a/entry/0/set", "set must be an object");
    expect_error(r, "/states/a/entry/1/unset", "unset must be an array");
}

TEST(Validator, DataPathsMustNotHaveEmptySegmentsOrRoots) {
    json doc = minimal();
    doc["states"]["a"]["entry"] = {{{"set", {{"legal..x", 1}}}}, {{"unset", {"$event.x"}}}};
    const LoadResult r = check(doc);
    expect_error(r, "/states/a/entry/0/set/legal..x", "data path");
    expect_error(r, "/states/a/entry/1/unset/0", "data path");
}

TEST(Validator, TimersMustBeANonEmptyArray) {
    json doc = minimal();
    doc["states"]["a"]["timers"] = {{"after", "P1D"}, {"event", "go"}};
    expect_error(check(doc), "/states/a/timers", "timers must be a non-empty array");
}

TEST(Validator, TimerNeedsExactlyOneForm) {
    json doc = minimal();
    doc["states"]["a"]["timers"] = {{{"after", "P1D"}, {"every", "P1D"}, {"event", "go"}},
                                    {{"event", "go"}}};
    const LoadResult r = check(doc);
    expect_error(r, "/states/a/timers/0", "exactly one of \"after\", \"every\", \"at\"");
    expect_error(r, "/states/a/timers/1", "exactly one of \"after\", \"every\", \"at\"");
}

TEST(Validator, TimerNeedsAnEvent) {
    json doc = minimal();
    doc["states"]["a"]["timers"] = {{{"after", "P1D"}}};
    expect_error(check(doc), "/states/a/timers/0", "missing required key \"event\"");
}

TEST(Validator, OffsetGoesOnlyWithAt) {
    json doc = minimal();
    doc["states"]["a"]["timers"] = {{{"after", "P1D"}, {"offset", "P1D"}, {"event", "go"}}};
    expect_error(check(doc), "/states/a/timers/0/offset", "offset goes with \"at\"");
}

TEST(Validator, RepeatingTimerNeedsAPeriodAboveZero) {
    json doc = minimal();
    doc["states"]["a"]["timers"] = {{{"every", "P0D"}, {"event", "go"}}};
    expect_error(check(doc), "/states/a/timers/0/every", "above zero");
}

TEST(Validator, TaskNeedsRoleTitleAndOutcomes) {
    json doc = minimal();
    doc["states"]["a"]["task"] = json::object();
    const LoadResult r = check(doc);
    expect_error(r, "/states/a/task", "missing required key \"role\"");
    expect_error(r, "/states/a/task", "missing required key \"title\"");
    expect_error(r, "/states/a/task", "missing required key \"outcomes\"");
}

TEST(Validator, TaskOutcomesMustBeANonEmptyArray) {
    json doc = legal_review();
    doc["states"]["review"]["task"]["outcomes"] = "approve";
    expect_error(check(doc), "/states/review/task/outcomes", "outcomes must be a non-empty array");
}

TEST(Validator, TaskWithBothAssigneeAndAssigneesIsAnError) {
    json doc = legal_review();
    doc["states"]["review"]["task"]["assignee"] = {{"var", "a"}};
    doc["states"]["review"]["task"]["assignees"] = {{"var", "b"}};
    expect_error(check(doc), "/states/review/task/assignees", "not both");
}

TEST(Validator, AStateWaitsOnATaskOrOnChildrenNotBoth) {
    json doc = legal_review();
    doc["states"]["review"]["invoke"] = {{"workflow", "signing"}};
    expect_error(check(doc), "/states/review/invoke", "not both");
}

TEST(Validator, SeveralChildrenNeedOutcomes) {
    const json doc = workflow({{"a",
                                {{"invoke", {{"workflow", "child"}, {"for_each", {{"var", "xs"}}}}},
                                 {"on", {{"child.done", "b"}}}}},
                               {"b", {{"final", "ok"}}}},
                              "a");
    expect_error(check(doc), "/states/a/invoke", "need \"outcomes\"");
}

TEST(Validator, InvokeVersionMustBeAWholeNumberAtLeastOne) {
    const json doc = workflow(
        {{"a",
          {{"invoke", {{"workflow", "child"}, {"version", 0}}}, {"on", {{"child.done", "b"}}}}},
         {"b", {{"final", "ok"}}}},
        "a");
    expect_error(check(doc), "/states/a/invoke/version", "version must be a whole number");
}

TEST(Validator, NotifyNeedsASubjectAndRolesPeopleOrUnits) {
    json doc = minimal();
    doc["states"]["a"]["entry"] = {{{"notify", {{"message", "m"}}}}};
    const LoadResult r = check(doc);
    expect_error(r, "/states/a/entry/0/notify", "missing required key \"subject\"");
    expect_error(r, "/states/a/entry/0/notify", "needs \"roles\", \"people\" or \"units\"");
}

TEST(Validator, EmitNeedsAnEventName) {
    json doc = minimal();
    doc["states"]["a"]["entry"] = {{{"emit", {{"data", 1}}}}, {{"emit", "Not A Name"}}};
    const LoadResult r = check(doc);
    expect_error(r, "/states/a/entry/0/emit", "missing required key \"event\"");
    expect_error(r, "/states/a/entry/1/emit", "must be a name");
}

TEST(Validator, StartActionWorkflowMustBeAName) {
    json doc = minimal();
    doc["states"]["done"]["entry"] = {{{"start", {{"workflow", "Annual Report"}}}}};
    expect_error(check(doc), "/states/done/entry/0/start/workflow", "must be a name");
}

TEST(Validator, InvokeWorkflowMustBeAName) {
    const json doc =
        workflow({{"a", {{"invoke", {{"workflow", "Signing"}}}, {"on", {{"signing.done", "b"}}}}},
                  {"b", {{"final", "ok"}}}},
                 "a");
    expect_error(check(doc), "/states/a/invoke/workflow", "must be a name");
}

TEST(Validator, StartActionNeedsAWorkflow) {
    json doc = minimal();
    doc["states"]["a"]["entry"] = {{{"start", {{"data", {{"var", ""}}}}}}};
    expect_error(check(doc), "/states/a/entry/0/start", "missing required key \"workflow\"");
}

TEST(Validator, DataMustBeAnObjectSchema) {
    json doc = minimal();
    doc["data"] = json::array();
    expect_error(check(doc), "/data", "data must be an object schema");
}

TEST(Validator, SchemaTypeMustBeKnown) {
    json doc = minimal();
    doc["data"] = {{"properties", {{"name", {{"type", "text"}}}}}};
    expect_error(check(doc), "/data/properties/name/type", "type must be one of");
}

TEST(Validator, EventsMustBeAnObject) {
    json doc = minimal();
    doc["events"] = json::array({"go"});
    expect_error(check(doc), "/events", "events must be an object");
}

// ---------------------------------------------------------------------------------------------
// Bad names

TEST(Validator, WorkflowNameMustBeLowerCase) {
    json doc = minimal();
    doc["workflow"] = "Legal Review";
    expect_error(check(doc), "/workflow", "must be a name of lower-case letters, digits and _");
}

TEST(Validator, WorkflowNameMustStartWithALetter) {
    json doc = minimal();
    doc["workflow"] = "1review";
    expect_error(check(doc), "/workflow", "starting with a letter");
}

TEST(Validator, StateNameMustBeLowerCase) {
    json doc = minimal();
    doc["states"]["Done"] = {{"final", "ok"}};
    expect_error(check(doc), "/states/Done", "a state name must be a name");
}

TEST(Validator, EventNameInOnMustBeAName) {
    json doc = minimal();
    doc["states"]["a"]["on"]["Go!"] = "done";
    expect_error(check(doc), "/states/a/on/Go!", "an event must be a name");
}

TEST(Validator, PointerEscapesSlashesInNames) {
    json doc = minimal();
    doc["states"]["a"]["on"]["a/b"] = "done";
    expect_error(check(doc), "/states/a/on/a~1b", "an event must be a name");
}

TEST(Validator, OutcomeRoleAndFinalOutcomeMustBeNames) {
    json doc = legal_review();
    doc["states"]["review"]["task"]["outcomes"][0] = "Approve";
    doc["states"]["review"]["task"]["role"] = "Legal";
    doc["states"]["approved"]["final"] = "OK";
    const LoadResult r = check(doc);
    expect_error(r, "/states/review/task/outcomes/0", "an outcome must be a name");
    expect_error(r, "/states/review/task/role", "a role must be a name");
    expect_error(r, "/states/approved/final", "a final outcome must be a name");
}

TEST(Validator, FieldNamesMustBeNames) {
    json doc = legal_review();
    doc["states"]["review"]["task"]["fields"]["Risk Level"] = {{"type", "string"}};
    expect_error(check(doc), "/states/review/task/fields/Risk Level",
                 "a field name must be a name");
}

// ---------------------------------------------------------------------------------------------
// Expressions, durations, templates

TEST(Validator, InvalidJsonLogicInAGuardNamesThePlaceInsideTheGuard) {
    json doc = legal_review();
    doc["states"]["review"]["on"]["approve"][0]["guard"] = {{"and", {true, {{"nope", 1}}}}};
    expect_error(check(doc), "/states/review/on/approve/0/guard/and/1/nope", "not valid JsonLogic");
}

TEST(Validator, InvalidJsonLogicInAChoiceGuardIsAnError) {
    const json doc = workflow(
        {{"route",
          {{"choice",
            {{{"guard", {{"grater", {1, 2}}}}, {"target", "done"}}, {{"target", "done"}}}}}},
         {"done", {{"final", "ok"}}}},
        "route");
    expect_error(check(doc), "/states/route/choice/0/guard/grater", "not valid JsonLogic");
}

TEST(Validator, InvalidJsonLogicInExpressionsIsAnError) {
    json doc = legal_review();
    doc["states"]["review"]["task"]["assignee"] = {{"vr", "x"}};
    doc["states"]["review"]["task"]["separate_from"] = {{"var", {{"nope", 1}}}};
    doc["states"]["approved"]["entry"] = {{{"set", {{"x", {{"!", {{"nope", 1}}}}}}}}};
    const LoadResult r = check(doc);
    expect_error(r, "/states/review/task/assignee/vr", "not valid JsonLogic");
    expect_error(r, "/states/review/task/separate_from/var/nope", "not valid JsonLogic");
    expect_error(r, "/states/approved/entry/0/set/x/!/nope", "not valid JsonLogic");
}

TEST(Validator, InvalidJsonLogicInATimerAtIsAnError) {
    json doc = minimal();
    doc["states"]["a"]["timers"] = {
        {{"at", {{"date_add", {{{"var", "d"}}, "P1X"}}}}, {"event", "go"}}};
    expect_error(check(doc), "/states/a/timers/0/at/date_add/1", "not valid JsonLogic");
}

TEST(Validator, MalformedDurationsAreErrors) {
    json doc = legal_review();
    doc["states"]["review"]["task"]["due"] = "10 days";
    doc["states"]["review"]["task"]["remind"] = {"P7"};
    doc["states"]["review"]["task"]["escalate"]["after"] = "soon";
    const LoadResult r = check(doc);
    expect_error(r, "/states/review/task/due", "must be an ISO 8601 duration");
    expect_error(r, "/states/review/task/remind/0", "must be an ISO 8601 duration");
    expect_error(r, "/states/review/task/escalate/after", "must be an ISO 8601 duration");
}

TEST(Validator, MalformedTimerDurationsAreErrors) {
    json doc = minimal();
    doc["states"]["a"]["timers"] = {{{"after", "P1X"}, {"event", "go"}},
                                    {{"every", 7}, {"event", "go"}},
                                    {{"at", "2027-01-01"}, {"offset", "90D"}, {"event", "go"}}};
    const LoadResult r = check(doc);
    expect_error(r, "/states/a/timers/0/after", "must be an ISO 8601 duration");
    expect_error(r, "/states/a/timers/1/every", "must be an ISO 8601 duration");
    expect_error(r, "/states/a/timers/2/offset", "must be an ISO 8601 duration");
}

TEST(Validator, NegativeDurationsAreRefusedWhereTheyMeanNothing) {
    json doc = legal_review();
    doc["states"]["review"]["task"]["due"] = "-P1D";
    doc["states"]["review"]["task"]["escalate"]["after"] = "-P1D";
    const LoadResult r = check(doc);
    expect_error(r, "/states/review/task/due", "must not be negative");
    expect_error(r, "/states/review/task/escalate/after", "must not be negative");
}

TEST(Validator, NegativeOffsetAndReminderBeforeDueAreAllowed) {
    json doc = legal_review();
    doc["states"]["review"]["task"]["remind"] = {"P7D", "-P2D"};
    doc["states"]["review"]["timers"] = {
        {{"at", {{"var", "end_date"}}}, {"offset", "-P90D"}, {"event", "reject"}}};
    const LoadResult r = check(doc);
    EXPECT_TRUE(r.clean()) << diagnostics_text(r.diagnostics);
}

TEST(Validator, AReminderBeforeTheDeadlineNeedsADue) {
    json doc = legal_review();
    doc["states"]["review"]["task"].erase("due");
    doc["states"]["review"]["task"]["remind"] = {"-P2D"};
    expect_error(check(doc), "/states/review/task/remind/0", "needs \"due\"");
}

TEST(Validator, MalformedTemplatesAreErrors) {
    json doc = legal_review();
    doc["states"]["review"]["task"]["title"] = "Review the draft with {{partner.name";
    doc["states"]["review"]["task"]["description"] = "Empty {{ }} here";
    doc["states"]["approved"]["entry"] = {{{"notify", {{"roles", {"legal"}}, {"subject", 5}}}}};
    const LoadResult r = check(doc);
    expect_error(r, "/states/review/task/title", "unclosed \"{{\"");
    expect_error(r, "/states/review/task/description", "empty \"{{}}\"");
    expect_error(r, "/states/approved/entry/0/notify/subject", "must be a string");
}

// ---------------------------------------------------------------------------------------------
// Outcomes, kinds of state, choices, joins

TEST(Validator, DuplicateOutcomeIsAnError) {
    json doc = legal_review();
    doc["states"]["review"]["task"]["outcomes"] = {"approve", "reject", "approve"};
    expect_error(check(doc), "/states/review/task/outcomes/2", "duplicate outcome \"approve\"");
}

TEST(Validator, DuplicateInvokeOutcomeIsAnError) {
    const json doc = workflow(
        {{"a",
          {{"invoke",
            {{"workflow", "child"}, {"for_each", {{"var", "xs"}}}, {"outcomes", {"done", "done"}}}},
           {"on", {{"child.done", "b"}}}}},
         {"b", {{"final", "ok"}}}},
        "a");
    expect_error(check(doc), "/states/a/invoke/outcomes/1", "duplicate outcome \"done\"");
}

TEST(Validator, RequiredForNamingAnUnknownOutcomeIsAnError) {
    json doc = legal_review();
    doc["states"]["review"]["task"]["fields"]["note"] = {{"type", "string"},
                                                         {"required_for", {"rejct"}}};
    expect_error(check(doc), "/states/review/task/fields/note/required_for",
                 "unknown outcome \"rejct\" (did you mean \"reject\"?)");
}

TEST(Validator, ChoiceAndFinalInOneStateIsAnError) {
    json doc = minimal();
    doc["states"]["done"]["choice"] = {{{"target", "a"}}};
    expect_error(check(doc), "/states/done", "either a choice or final, not both");
}

TEST(Validator, FinalStateWithWaitKeysIsAnError) {
    json doc = minimal();
    doc["states"]["done"]["on"] = {{"go", "a"}};
    doc["states"]["done"]["task"] = {{"role", "r"}, {"title", "t"}, {"outcomes", {"x"}}};
    const LoadResult r = check(doc);
    expect_error(r, "/states/done/on", "a final state can't have \"on\"");
    expect_error(r, "/states/done/task", "a final state can't have \"task\"");
}

TEST(Validator, ChoiceStateWithWaitKeysIsAnError) {
    const json doc = workflow({{"route",
                                {{"choice", {{{"target", "done"}}}},
                                 {"timers", {{{"after", "P1D"}, {"event", "x"}}}},
                                 {"exit", json::array()}}},
                               {"done", {{"final", "ok"}}}},
                              "route");
    const LoadResult r = check(doc);
    expect_error(r, "/states/route/timers", "a choice state can't have \"timers\"");
    expect_error(r, "/states/route/exit", "a choice state can't have \"exit\"");
}

TEST(Validator, ChoiceWhoseLastBranchHasAGuardIsAnError) {
    const json doc = workflow({{"route",
                                {{"choice",
                                  {{{"guard", {{"var", "a"}}}, {"target", "done"}},
                                   {{"guard", {{"var", "b"}}}, {"target", "done"}}}}}},
                               {"done", {{"final", "ok"}}}},
                              "route");
    expect_error(check(doc), "/states/route/choice/1",
                 "the last branch of a choice must have no guard");
}

TEST(Validator, ChoiceWithAnUnguardedBranchBeforeTheLastIsAnError) {
    const json doc =
        workflow({{"route", {{"choice", {{{"target", "done"}}, {{"target", "done"}}}}}},
                  {"done", {{"final", "ok"}}}},
                 "route");
    expect_error(check(doc), "/states/route/choice/0", "only the last branch");
}

TEST(Validator, ChoiceBranchNeedsATarget) {
    const json doc = workflow(
        {{"route",
          {{"choice", {{{"guard", true}, {"actions", json::array()}}, {{"target", "done"}}}}}},
         {"done", {{"final", "ok"}}}},
        "route");
    expect_error(check(doc), "/states/route/choice/0", "missing required key \"target\"");
}

TEST(Validator, EmptyChoiceIsAnError) {
    const json doc =
        workflow({{"route", {{"choice", json::array()}}}, {"done", {{"final", "ok"}}}}, "route");
    expect_error(check(doc), "/states/route/choice", "non-empty array");
}

TEST(Validator, JoinWithoutAssigneesIsAnError) {
    json doc = legal_review();
    doc["states"]["review"]["task"]["join"] = "any";
    expect_error(check(doc), "/states/review/task/join", "join needs \"assignees\"");
}

TEST(Validator, JoinWithoutForEachIsAnError) {
    const json doc = workflow(
        {{"a",
          {{"invoke", {{"workflow", "child"}, {"join", "any"}}}, {"on", {{"child.done", "b"}}}}},
         {"b", {{"final", "ok"}}}},
        "a");
    expect_error(check(doc), "/states/a/invoke/join", "join needs \"for_each\"");
}

TEST(Validator, AtLeastBelowOneIsAnError) {
    json doc = legal_review();
    doc["states"]["review"]["task"]["assignees"] = {{"var", "reviewers"}};
    doc["states"]["review"]["task"]["join"] = {{"at_least", 0}};
    expect_error(check(doc), "/states/review/task/join/at_least",
                 "at_least must be a whole number ≥ 1");
}

TEST(Validator, MalformedJoinIsAnError) {
    json doc = legal_review();
    doc["states"]["review"]["task"]["assignees"] = {{"var", "reviewers"}};
    doc["states"]["review"]["task"]["join"] = "most";
    expect_error(check(doc), "/states/review/task/join",
                 "join must be \"all\", \"any\" or {\"at_least\": N}");
}

// ---------------------------------------------------------------------------------------------
// All at once, text input, the folded error

TEST(Validator, EveryMistakeInADocumentIsReportedAtOnce) {
    json doc = legal_review();
    doc["titel"] = "x";
    doc["states"]["review"]["on"]["approve"][0]["target"] = "aproved";
    doc["states"]["review"]["task"]["due"] = "ten days";
    doc["states"]["review"]["task"]["outcomes"][2] = "approve";
    doc["states"]["changes_requested"]["on"]["resubmit"] = {{"target", "review"},
                                                            {"guard", {{"nope", 1}}}};
    const LoadResult r = check(doc);
    EXPECT_FALSE(r.ok());
    EXPECT_GE(errors(r), 5) << diagnostics_text(r.diagnostics);
    expect_error(r, "/titel", "unknown key");
    expect_error(r, "/states/review/on/approve/0/target", "unknown state \"aproved\"");
    expect_error(r, "/states/review/task/due", "ISO 8601 duration");
    expect_error(r, "/states/review/task/outcomes/2", "duplicate outcome");
    expect_error(r, "/states/changes_requested/on/resubmit/guard/nope", "not valid JsonLogic");
}

TEST(Validator, DefinitionErrorFoldsTheErrorsIntoOne) {
    json doc = minimal();
    doc["start"] = "b";
    doc["version"] = 0;
    const LoadResult r = check(doc);
    ASSERT_EQ(errors(r), 2) << diagnostics_text(r.diagnostics);
    const Error e = definition_error(r.diagnostics);
    EXPECT_EQ(e.code, ErrorCode::invalid_definition);
    EXPECT_FALSE(e.pointer.empty());
    EXPECT_NE(e.message.find("(and 1 more errors)"), std::string::npos) << e.message;
}

TEST(Validator, DiagnosticTextIsPointerThenMessage) {
    json doc = minimal();
    doc["start"] = "zzzzzz";
    const LoadResult r = check(doc);
    ASSERT_EQ(r.diagnostics.size(), 1u);
    EXPECT_EQ(r.diagnostics[0].to_string(), "/start: unknown state \"zzzzzz\"");
}

TEST(Validator, MalformedJsonTextIsOneErrorNamingLineAndColumn) {
    const std::string text = "{\n  \"workflow\": \"w\",\n  \"version\": ,\n  \"title\": \"t\"\n}";
    const LoadResult r = load_definition_text(text);
    EXPECT_FALSE(r.ok());
    ASSERT_EQ(r.diagnostics.size(), 1u);
    EXPECT_TRUE(r.diagnostics[0].is_error());
    EXPECT_NE(r.diagnostics[0].message.find("malformed JSON at line 3, column 14"),
              std::string::npos)
        << r.diagnostics[0].message;
}

TEST(Validator, TruncatedJsonTextNamesTheLastLine) {
    const LoadResult r = load_definition_text("{\n\"workflow\": \"w\"");
    ASSERT_EQ(r.diagnostics.size(), 1u);
    EXPECT_NE(r.diagnostics[0].message.find("malformed JSON at line 2"), std::string::npos)
        << r.diagnostics[0].message;
}

TEST(Validator, ValidJsonTextWithMistakesReportsThePointers) {
    json doc = minimal();
    doc["start"] = "b";
    const LoadResult r = load_definition_text(doc.dump());
    expect_error(r, "/start", "unknown state \"b\"");
}

// ---------------------------------------------------------------------------------------------
// Lints

TEST(ValidatorLint, UnreachableStateIsAWarning) {
    json doc = minimal();
    doc["states"]["orphan"] = {{"final", "never"}};
    const LoadResult r = check(doc);
    expect_warning(r, "/states/orphan", "can never be reached");
    EXPECT_NE(r.definition, nullptr);
}

TEST(ValidatorLint, StateReachedOnlyThroughAChoiceIsReachable) {
    const json doc = workflow(
        {{"route",
          {{"choice", {{{"guard", {{"var", "x"}}}, {"target", "big"}}, {{"target", "small"}}}}}},
         {"big", {{"final", "big"}}},
         {"small", {{"final", "small"}}}},
        "route");
    EXPECT_TRUE(check(doc).clean()) << diagnostics_text(check(doc).diagnostics);
}

TEST(ValidatorLint, WaitStateWithNoWayOutIsAWarning) {
    json doc = minimal();
    doc["states"]["a"]["on"]["go"] = "stuck";
    doc["states"]["stuck"] = {{"on", {{"poke", {{"actions", {{{"set", {{"poked", true}}}}}}}}}}};
    expect_warning(check(doc), "/states/stuck", "has no transition out of it");
}

TEST(ValidatorLint, WaitStateWhoseOnlyTransitionLeadsBackToItselfHasNoWayOut) {
    json doc = minimal();
    doc["states"]["a"]["on"]["go"] = "loop";
    doc["states"]["loop"] = {{"on", {{"again", "loop"}}}};
    expect_warning(check(doc), "/states/loop", "has no transition out of it");
}

TEST(ValidatorLint, AWorkflowLevelTransitionIsAWayOutOfEveryWaitState) {
    json doc = minimal();
    doc["states"]["a"]["on"]["go"] = "idle";
    doc["states"]["idle"] = {{"entry", json::array()}};
    doc["on"] = {{"give_up", "done"}};
    const LoadResult r = check(doc);
    EXPECT_TRUE(r.clean()) << diagnostics_text(r.diagnostics);
}

TEST(ValidatorLint, AWaitStateWithoutOnHasNoWayOut) {
    json doc = minimal();
    doc["states"]["a"]["on"]["go"] = "idle";
    doc["states"]["idle"] = {{"entry", json::array()}};
    expect_warning(check(doc), "/states/idle", "has no transition out of it");
}

TEST(ValidatorLint, UnhandledTaskOutcomeIsAWarningAtTheOutcome) {
    json doc = legal_review();
    doc["states"]["review"]["on"].erase("reject");
    doc["states"]["changes_requested"]["on"]["reject"] =
        "rejected";  // handled elsewhere: still unhandled here
    expect_warning(check(doc), "/states/review/task/outcomes/2",
                   "event \"reject\" is raised here but state \"review\" does not handle it");
}

TEST(ValidatorLint, UnhandledTimerEventIsAWarningAtTheTimer) {
    json doc = minimal();
    doc["states"]["a"]["timers"] = {{{"after", "P1D"}, {"event", "chase"}}};
    expect_warning(check(doc), "/states/a/timers/0/event",
                   "event \"chase\" is raised here but state \"a\" does not handle it");
}

TEST(ValidatorLint, UnhandledEmittedEventIsAWarningAtTheEmit) {
    json doc = minimal();
    doc["states"]["a"]["entry"] = {{{"emit", "ping"}}, {{"emit", {{"event", "pong"}}}}};
    const LoadResult r = check(doc);
    expect_warning(r, "/states/a/entry/0/emit",
                   "event \"ping\" is raised here but no state handles it");
    expect_warning(r, "/states/a/entry/1/emit/event",
                   "event \"pong\" is raised here but no state handles it");
}

TEST(ValidatorLint, EmittedEventHandledInAnyStateIsFine) {
    json doc = minimal();
    doc["states"]["a"]["entry"] = {{{"emit", "go"}}};
    EXPECT_TRUE(check(doc).clean()) << diagnostics_text(check(doc).diagnostics);
}

TEST(ValidatorLint, UnhandledDeclaredEventIsAWarningAtTheDeclaration) {
    json doc = minimal();
    doc["events"] = {{"amend", {{"roles", {"officer"}}}}};
    expect_warning(check(doc), "/events/amend",
                   "event \"amend\" is raised here but no state handles it");
}

TEST(ValidatorLint, UnhandledChildOutcomeIsAWarning) {
    const json doc = workflow({{"a",
                                {{"invoke",
                                  {{"workflow", "child"},
                                   {"for_each", {{"var", "xs"}}},
                                   {"outcomes", {"done", "failed"}}}},
                                 {"on", {{"child.done", "b"}}}}},
                               {"b", {{"final", "ok"}}}},
                              "a");
    expect_warning(check(doc), "/states/a/invoke/outcomes/1",
                   "event \"child.failed\" is raised here");
}

TEST(ValidatorLint, TaskWithNeitherDueNorRemindIsAWarning) {
    json doc = legal_review();
    doc["states"]["review"]["task"].erase("due");
    doc["states"]["review"]["task"].erase("remind");
    expect_warning(check(doc), "/states/review/task", "neither \"due\" nor \"remind\"");
}

TEST(ValidatorLint, TaskWithOnlyARemindIsFine) {
    json doc = legal_review();
    doc["states"]["review"]["task"].erase("due");
    EXPECT_EQ(warnings_at(check(doc), "/states/review/task"), 0);
}

TEST(ValidatorLint, InvokeOfAWorkflowTheCatalogDoesNotKnowIsAWarning) {
    const json doc =
        workflow({{"a", {{"invoke", {{"workflow", "signin"}}}, {"on", {{"signin.done", "b"}}}}},
                  {"b", {{"final", "ok"}}}},
                 "a");
    const WorkflowCatalog catalog = [](std::string_view name) { return name == "signing"; };
    expect_warning(check(doc, catalog), "/states/a/invoke/workflow", "unknown workflow \"signin\"");
}

TEST(ValidatorLint, InvokeOfAWorkflowTheCatalogKnowsIsFine) {
    const json doc =
        workflow({{"a", {{"invoke", {{"workflow", "signing"}}}, {"on", {{"signing.done", "b"}}}}},
                  {"b", {{"final", "ok"}}}},
                 "a");
    const WorkflowCatalog catalog = [](std::string_view name) { return name == "signing"; };
    EXPECT_TRUE(check(doc, catalog).clean()) << diagnostics_text(check(doc, catalog).diagnostics);
}

TEST(ValidatorLint, WithoutACatalogUnknownWorkflowsAreNotLinted) {
    json doc =
        workflow({{"a", {{"invoke", {{"workflow", "anything"}}}, {"on", {{"anything.done", "b"}}}}},
                  {"b", {{"final", "ok"}, {"entry", {{{"start", {{"workflow", "reporting"}}}}}}}}},
                 "a");
    EXPECT_TRUE(check(doc).clean()) << diagnostics_text(check(doc).diagnostics);
}

TEST(ValidatorLint, StartOfAWorkflowTheCatalogDoesNotKnowIsAWarning) {
    json doc = minimal();
    doc["states"]["done"]["entry"] = {{{"start", {{"workflow", "reportng"}}}}};
    const WorkflowCatalog catalog = [](std::string_view name) { return name == "reporting"; };
    expect_warning(check(doc, catalog), "/states/done/entry/0/start/workflow",
                   "unknown workflow \"reportng\"");
}

TEST(ValidatorLint, WarningsDoNotRefuseTheDefinitionAndSaySoInTheirText) {
    json doc = minimal();
    doc["states"]["orphan"] = {{"final", "never"}};
    const LoadResult r = check(doc);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r.clean());
    ASSERT_EQ(r.diagnostics.size(), 1u);
    EXPECT_FALSE(r.diagnostics[0].is_error());
    EXPECT_NE(r.diagnostics[0].to_string().find("/states/orphan: warning: "), std::string::npos)
        << r.diagnostics[0].to_string();
}

}  // namespace
}  // namespace accord::engine
