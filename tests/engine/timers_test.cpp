// State timers: after, every, at (+ offset); recomputation of `at` timers when the data changes;
// clearing on leaving; spent timers whose transition does not apply; stale ids; late firing.
#include "accord/engine/interpreter.hpp"

#include <algorithm>

#include "test_support.hpp"

namespace accord::engine {
namespace {

using namespace testkit;

DefinitionPtr def_of(const char* states_text, const char* start) {
    return load(workflow(json::parse(states_text), start));
}

// ---------------------------------------------------------------------------------------------
// after

DefinitionPtr chasing() {
    return def_of(R"({
      "waiting": {"timers": [{"after": "P14D", "event": "chase"}, {"after": "PT2H", "event": "ping", "name": "quick_ping"}],
                  "on": {"chase": {"target": "chased", "actions": [{"set": {"fired": {"var": "$event"}}}]},
                         "ping": {"actions": [{"set": {"pinged": {"var": "$event"}}}]},
                         "skip": "chased", "leave": "left"}},
      "chased": {"on": {"leave": "left"}},
      "left": {"final": "left"}
    })",
                  "waiting");
}

TEST(Timers, AnAfterTimerIsSetThatLongAfterTheStateIsEntered) {
    const auto def = chasing();
    const Step s = start_ok(*def, json::object(), T("2027-01-01T10:00:00Z"));
    const auto set = effects_of<TimerSet>(s);
    ASSERT_EQ(set.size(), 2u);
    EXPECT_EQ(set[0].timer.kind, Timer::Kind::state);
    EXPECT_EQ(set[0].timer.due_at, T("2027-01-15T10:00:00Z"));
    EXPECT_EQ(set[1].timer.due_at, T("2027-01-01T12:00:00Z"));
    EXPECT_EQ(s.instance.timers.size(), 2u);
    EXPECT_EQ(s.instance.pending_timers().size(), 2u);
}

TEST(Timers, AnAfterTimerFiresItsEventOnceWithTimerDueAndFiredAt) {
    const auto def = chasing();
    const Step s0 = start_ok(*def, json::object(), T("2027-01-01T10:00:00Z"));
    const Timer chase = s0.instance.timers[0];
    const Step s = step_ok(*def, s0.instance, fire_timer(chase.id), chase.due_at);
    EXPECT_EQ(state_of(*def, s.instance), "chased");
    EXPECT_EQ(
        s.instance.data.get()["fired"],
        json::parse(
            R"({"timer": "waiting.0", "due": "2027-01-15T10:00:00Z", "fired_at": "2027-01-15T10:00:00Z"})"));
    EXPECT_EQ(s.history.input, "timer");
    EXPECT_EQ(events_of(s.history), std::vector<std::string>{"chase"});
    EXPECT_TRUE(s.history.note.empty()) << s.history.note;
    EXPECT_TRUE(s.instance.timers.empty());
}

TEST(Timers, ANamedTimerCarriesItsNameInTheEvent) {
    const auto def = chasing();
    const Step s0 = start_ok(*def, json::object(), T("2027-01-01T10:00:00Z"));
    const Timer ping = s0.instance.timers[1];
    const Step s = step_ok(*def, s0.instance, fire_timer(ping.id), ping.due_at);
    EXPECT_EQ(s.instance.data.get()["pinged"]["timer"], "quick_ping");
    EXPECT_EQ(state_of(*def, s.instance), "waiting");
    // The other timer is untouched by an internal transition; the fired one is gone.
    ASSERT_EQ(s.instance.timers.size(), 1u);
    EXPECT_EQ(s.instance.timers[0].id, s0.instance.timers[0].id);
    EXPECT_TRUE(effects_of<TimerSet>(s).empty());
}

TEST(Timers, LeavingTheStateClearsItsTimers) {
    const auto def = chasing();
    const Step s0 = start_ok(*def);
    const Step s = step_ok(*def, s0.instance, event("leave"), T("2027-01-02"));
    const auto cleared = effects_of<TimerCleared>(s);
    ASSERT_EQ(cleared.size(), 2u);
    EXPECT_EQ(cleared[0].timer_id, s0.instance.timers[0].id);
    EXPECT_EQ(cleared[1].timer_id, s0.instance.timers[1].id);
    EXPECT_TRUE(s.instance.timers.empty());
}

TEST(Timers, ATimerOfAStateThatWasLeftIsNotFound) {
    const auto def = chasing();
    const Step s0 = start_ok(*def);
    const Step s1 = step_ok(*def, s0.instance, event("skip"), T("2027-01-02"));
    EXPECT_EQ(state_of(*def, s1.instance), "chased");
    EXPECT_EQ(
        refused(*def, s1.instance, fire_timer(s0.instance.timers[0].id), T("2027-01-15")).code,
        ErrorCode::not_found);
}

TEST(Timers, AStaleTimerIdIsNotFoundAndChangesNothing) {
    const auto def = chasing();
    const Step s0 = start_ok(*def, json::object(), T("2027-01-01T10:00:00Z"));
    const Timer ping = s0.instance.timers[1];
    const Step s1 = step_ok(*def, s0.instance, fire_timer(ping.id), ping.due_at);
    EXPECT_EQ(refused(*def, s1.instance, fire_timer(ping.id), ping.due_at).code,
              ErrorCode::not_found);
    EXPECT_EQ(refused(*def, s1.instance, fire_timer("i1.w999"), ping.due_at).code,
              ErrorCode::not_found);
}

TEST(Timers, ALateFiringIsNotedInTheHistory) {
    const auto def = chasing();
    const Step s0 = start_ok(*def, json::object(), T("2027-01-01T10:00:00Z"));
    const Timer chase = s0.instance.timers[0];
    const Step s = step_ok(*def, s0.instance, fire_timer(chase.id), chase.due_at + 3 * kMsPerDay);
    EXPECT_EQ(state_of(*def, s.instance), "chased");
    EXPECT_NE(s.history.note.find("late"), std::string::npos) << s.history.note;
    EXPECT_EQ(s.history.detail["late_ms"], 3 * kMsPerDay);
    EXPECT_EQ(s.instance.data.get()["fired"]["fired_at"], "2027-01-18T10:00:00Z");
    EXPECT_EQ(s.instance.data.get()["fired"]["due"], "2027-01-15T10:00:00Z");
}

// ---------------------------------------------------------------------------------------------
// every

DefinitionPtr reporting() {
    return def_of(R"({
      "active": {"timers": [{"every": "P1Y", "event": "annual_report"}],
                 "on": {"annual_report": {"actions": [{"set": {"reports": {"+": [{"var": "reports"}, 1]}}}]},
                        "end": "ended"}},
      "ended": {"final": "ended"}
    })",
                  "active");
}

TEST(Timers, AnEveryTimerIsRearmedEachPeriod) {
    const auto def = reporting();
    Step s = start_ok(*def, {{"reports", 0}}, T("2027-01-01"));
    EXPECT_EQ(the_timer(s.instance, Timer::Kind::state).due_at, T("2028-01-01"));
    for (const char* next : {"2029-01-01", "2030-01-01", "2031-01-01"}) {
        const Timer timer = the_timer(s.instance, Timer::Kind::state);
        s = step_ok(*def, s.instance, fire_timer(timer.id), timer.due_at);
        const auto set = effects_of<TimerSet>(s);
        ASSERT_EQ(set.size(), 1u);
        EXPECT_EQ(set[0].timer.due_at, T(next));
        EXPECT_NE(set[0].timer.id, timer.id);
        EXPECT_EQ(the_timer(s.instance, Timer::Kind::state).due_at, T(next));
    }
    EXPECT_EQ(s.instance.data.get()["reports"], 3);
}

TEST(Timers, AnEveryTimerKeepsItsScheduleWhenFiredLate) {
    const auto def = reporting();
    const Step s0 = start_ok(*def, {{"reports", 0}}, T("2027-01-01"));
    const Timer timer = the_timer(s0.instance, Timer::Kind::state);
    const Step s = step_ok(*def, s0.instance, fire_timer(timer.id), T("2028-03-15"));
    EXPECT_EQ(the_timer(s.instance, Timer::Kind::state).due_at, T("2029-01-01"));
}

TEST(Timers, AnEveryTimerFiredMorePeriodsLateIsSetForTheNextFuturePeriod) {
    const auto def = reporting();
    const Step s0 = start_ok(*def, {{"reports", 0}}, T("2027-01-01"));
    const Timer timer = the_timer(s0.instance, Timer::Kind::state);
    const Step s = step_ok(*def, s0.instance, fire_timer(timer.id), T("2030-06-01"));
    EXPECT_EQ(the_timer(s.instance, Timer::Kind::state).due_at, T("2031-01-01"));
}

TEST(Timers, AnEveryTimerStopsWhenTheStateIsLeft) {
    const auto def = reporting();
    const Step s0 = start_ok(*def, {{"reports", 0}});
    const Step s = step_ok(*def, s0.instance, event("end"), T("2027-06-01"));
    EXPECT_EQ(effects_of<TimerCleared>(s).size(), 1u);
    EXPECT_TRUE(s.instance.timers.empty());
}

// ---------------------------------------------------------------------------------------------
// at

DefinitionPtr expiring() {
    return def_of(R"({
      "active": {"timers": [{"at": {"var": "end_date"}, "offset": "-P90D", "event": "expiry_reminder"},
                            {"at": {"var": "review_at"}, "event": "review"}],
                 "on": {"expiry_reminder": {"actions": [{"set": {"reminded": {"+": [{"var": "reminded"}, 1]}}}]},
                        "review": {"actions": [{"set": {"reviewed": true}}]},
                        "roll_over": {"actions": [{"set": {"end_date": {"date_add": [{"var": "end_date"}, "P1Y"]}}}]},
                        "amend": {"actions": [{"set": {"end_date": {"var": "$event.end_date"}}}]},
                        "drop": {"actions": [{"unset": ["end_date"]}]},
                        "touch": {"actions": [{"set": {"touched": true}}]},
                        "expire": "expired"}},
      "expired": {"final": "expired"}
    })",
                  "active");
}

const Timer* expiry_timer(const Instance& inst) {
    for (const auto& t : inst.timers)
        if (t.kind == Timer::Kind::state && t.index == 0) return &t;
    return nullptr;
}

TEST(Timers, AnAtTimerIsSetAtTheDateMovedByItsOffset) {
    const auto def = expiring();
    const Step s = start_ok(*def, {{"end_date", "2028-01-01"}, {"reminded", 0}}, T("2027-01-01"));
    const Timer* t = expiry_timer(s.instance);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->due_at, T("2027-10-03"));
    EXPECT_FALSE(t->fired);
}

TEST(Timers, AnAtTimerTakesADateTime) {
    const auto def = expiring();
    const Step s = start_ok(*def, {{"review_at", "2027-02-01T09:30:00+01:00"}}, T("2027-01-01"));
    ASSERT_EQ(s.instance.timers.size(), 1u);
    EXPECT_EQ(s.instance.timers[0].index, 1);
    EXPECT_EQ(s.instance.timers[0].due_at, T("2027-02-01T08:30:00Z"));
}

TEST(Timers, AnAtTimeAlreadyPastWhenTheStateIsEnteredIsNotSet) {
    const auto def = expiring();
    const Step s = start_ok(*def, {{"end_date", "2027-02-01"}}, T("2027-01-01"));
    EXPECT_EQ(expiry_timer(s.instance), nullptr);
    EXPECT_TRUE(effects_of<TimerSet>(s).empty());
}

TEST(Timers, AnAtTimerWithoutADateIsNotSet) {
    const auto def = expiring();
    const Step s = start_ok(*def, {{"end_date", "sometime"}}, T("2027-01-01"));
    EXPECT_TRUE(s.instance.timers.empty());
}

TEST(Timers, AnAtTimerFiresAndStaysToBeRearmed) {
    const auto def = expiring();
    const Step s0 = start_ok(*def, {{"end_date", "2028-01-01"}, {"reminded", 0}}, T("2027-01-01"));
    const Timer t = *expiry_timer(s0.instance);
    const Step s1 = step_ok(*def, s0.instance, fire_timer(t.id), t.due_at);
    EXPECT_EQ(s1.instance.data.get()["reminded"], 1);
    ASSERT_NE(expiry_timer(s1.instance), nullptr);
    EXPECT_TRUE(expiry_timer(s1.instance)->fired);
    EXPECT_TRUE(s1.instance.pending_timers().empty());
    EXPECT_EQ(refused(*def, s1.instance, fire_timer(t.id), t.due_at).code, ErrorCode::not_found);
}

TEST(Timers, AnAtTimerMovesWhenItsDateChangesInTheSameState) {
    const auto def = expiring();
    const Step s0 = start_ok(*def, {{"end_date", "2028-01-01"}, {"reminded", 0}}, T("2027-01-01"));
    const Timer old = *expiry_timer(s0.instance);
    const Step s =
        step_ok(*def, s0.instance, event("amend", {{"end_date", "2029-01-01"}}), T("2027-02-01"));
    const auto cleared = effects_of<TimerCleared>(s);
    ASSERT_EQ(cleared.size(), 1u);
    EXPECT_EQ(cleared[0].timer_id, old.id);
    const auto set = effects_of<TimerSet>(s);
    ASSERT_EQ(set.size(), 1u);
    EXPECT_EQ(set[0].timer.due_at, T("2028-10-03"));
    ASSERT_NE(expiry_timer(s.instance), nullptr);
    EXPECT_EQ(expiry_timer(s.instance)->due_at, T("2028-10-03"));
    EXPECT_EQ(s.instance.pending_timers().size(), 1u);
}

TEST(Timers, AnAtTimerStaysPutWhenOtherDataChanges) {
    const auto def = expiring();
    const Step s0 = start_ok(*def, {{"end_date", "2028-01-01"}, {"reminded", 0}}, T("2027-01-01"));
    const Step s = step_ok(*def, s0.instance, event("touch"), T("2027-02-01"));
    EXPECT_TRUE(s.effects.empty());
    EXPECT_EQ(expiry_timer(s.instance)->id, expiry_timer(s0.instance)->id);
}

TEST(Timers, AFiredAtTimerIsSetAgainWhenItsNewDateIsAhead) {
    const auto def = expiring();
    const Step s0 = start_ok(*def, {{"end_date", "2028-01-01"}, {"reminded", 0}}, T("2027-01-01"));
    const Timer t = *expiry_timer(s0.instance);
    const Step s1 = step_ok(*def, s0.instance, fire_timer(t.id), t.due_at);
    const Step s2 = step_ok(*def, s1.instance, event("roll_over"), T("2027-10-05"));
    EXPECT_EQ(s2.instance.data.get()["end_date"], "2029-01-01");
    const auto set = effects_of<TimerSet>(s2);
    ASSERT_EQ(set.size(), 1u);
    EXPECT_EQ(set[0].timer.due_at, T("2028-10-03"));
    EXPECT_TRUE(effects_of<TimerCleared>(s2).empty());  // a fired timer has nothing left to clear
    ASSERT_EQ(s2.instance.pending_timers().size(), 1u);
    EXPECT_FALSE(expiry_timer(s2.instance)->fired);
    // And it fires again.
    const Timer again = *expiry_timer(s2.instance);
    const Step s3 = step_ok(*def, s2.instance, fire_timer(again.id), again.due_at);
    EXPECT_EQ(s3.instance.data.get()["reminded"], 2);
}

TEST(Timers, AFiredAtTimerIsNotSetAgainWhenOtherDataChanges) {
    const auto def = expiring();
    const Step s0 = start_ok(*def, {{"end_date", "2028-01-01"}, {"reminded", 0}}, T("2027-01-01"));
    const Timer t = *expiry_timer(s0.instance);
    const Step s1 = step_ok(*def, s0.instance, fire_timer(t.id), t.due_at);
    const Step s2 = step_ok(*def, s1.instance, event("touch"), T("2027-10-05"));
    EXPECT_TRUE(effects_of<TimerSet>(s2).empty());
    EXPECT_TRUE(s2.instance.pending_timers().empty());
}

TEST(Timers, AFiredAtTimerWhoseNewDateIsStillPastIsNotSetAgain) {
    const auto def = expiring();
    const Step s0 = start_ok(*def, {{"end_date", "2028-01-01"}, {"reminded", 0}}, T("2027-01-01"));
    const Timer t = *expiry_timer(s0.instance);
    const Step s1 = step_ok(*def, s0.instance, fire_timer(t.id), t.due_at);
    const Step s2 =
        step_ok(*def, s1.instance, event("amend", {{"end_date", "2028-01-02"}}), T("2027-12-01"));
    EXPECT_TRUE(effects_of<TimerSet>(s2).empty());
    EXPECT_TRUE(s2.instance.pending_timers().empty());
}

TEST(Timers, TheHandlerOfAnAtTimerMayMoveItsOwnDateAhead) {
    const auto def = def_of(R"({
      "active": {"timers": [{"at": {"var": "next_report"}, "event": "report"}],
                 "on": {"report": {"actions": [{"set": {"next_report": {"date_add": [{"var": "next_report"}, "P6M"]}}}]},
                        "end": "ended"}},
      "ended": {"final": "ended"}
    })",
                            "active");
    const Step s0 = start_ok(*def, {{"next_report", "2027-06-30"}}, T("2027-01-01"));
    const Timer t = the_timer(s0.instance, Timer::Kind::state);
    const Step s1 = step_ok(*def, s0.instance, fire_timer(t.id), t.due_at);
    EXPECT_EQ(s1.instance.data.get()["next_report"], "2027-12-30");
    EXPECT_EQ(the_timer(s1.instance, Timer::Kind::state).due_at, T("2027-12-30"));
}

TEST(Timers, AnAtTimerIsClearedWhenItsDateIsRemoved) {
    const auto def = expiring();
    const Step s0 = start_ok(*def, {{"end_date", "2028-01-01"}, {"reminded", 0}}, T("2027-01-01"));
    const Timer old = *expiry_timer(s0.instance);
    const Step s = step_ok(*def, s0.instance, event("drop"), T("2027-02-01"));
    const auto cleared = effects_of<TimerCleared>(s);
    ASSERT_EQ(cleared.size(), 1u);
    EXPECT_EQ(cleared[0].timer_id, old.id);
    EXPECT_TRUE(effects_of<TimerSet>(s).empty());
    EXPECT_TRUE(s.instance.pending_timers().empty());
}

TEST(Timers, AnAtTimerNotSetAtEntryIsSetOnceItsDateAppears) {
    const auto def = expiring();
    const Step s0 = start_ok(*def, {{"reminded", 0}}, T("2027-01-01"));
    EXPECT_TRUE(s0.instance.timers.empty());
    const Step s =
        step_ok(*def, s0.instance, event("amend", {{"end_date", "2028-01-01"}}), T("2027-02-01"));
    ASSERT_NE(expiry_timer(s.instance), nullptr);
    EXPECT_EQ(expiry_timer(s.instance)->due_at, T("2027-10-03"));
}

TEST(Timers, ATaskCompletionThatChangesTheDateMovesTheAtTimer) {
    const auto def = def_of(R"({
      "active": {"task": {"role": "officer", "title": "Keep the end date", "outcomes": ["amend", "close"],
                          "fields": {"end_date": {"type": "string", "format": "date", "required_for": ["amend"]}}, "due": "P1Y"},
                 "timers": [{"at": {"var": "end_date"}, "event": "expire"}],
                 "on": {"amend": "active", "close": "closed", "expire": "closed"}},
      "closed": {"final": "closed"}
    })",
                            "active");
    const Step s0 = start_ok(*def, {{"end_date", "2028-01-01"}}, T("2027-01-01"));
    EXPECT_EQ(the_timer(s0.instance, Timer::Kind::state).due_at, T("2028-01-01"));
    const Step s = step_ok(*def, s0.instance,
                           complete(the_open_task(s0.instance).id, "amend",
                                    person("olga", {"officer"}), {{"end_date", "2029-06-30"}}),
                           T("2027-02-01"));
    EXPECT_EQ(the_timer(s.instance, Timer::Kind::state).due_at, T("2029-06-30"));
}

TEST(Timers, AnInternalTaskOutcomeThatChangesTheDateMovesTheAtTimer) {
    const auto def = def_of(R"({
      "active": {"task": {"role": "officer", "title": "Keep the end date", "outcomes": ["amend", "close"],
                          "fields": {"end_date": {"type": "string", "format": "date", "required_for": ["amend"]}}, "due": "P1Y"},
                 "timers": [{"at": {"var": "end_date"}, "event": "expire"}],
                 "on": {"amend": {"actions": []}, "close": "closed", "expire": "closed"}},
      "closed": {"final": "closed"}
    })",
                            "active");
    const Step s0 = start_ok(*def, {{"end_date", "2028-01-01"}}, T("2027-01-01"));
    const Step s = step_ok(*def, s0.instance,
                           complete(the_open_task(s0.instance).id, "amend",
                                    person("olga", {"officer"}), {{"end_date", "2029-06-30"}}),
                           T("2027-02-01"));
    EXPECT_EQ(the_timer(s.instance, Timer::Kind::state).due_at, T("2029-06-30"));
    const auto cleared = effects_of<TimerCleared>(s);
    ASSERT_FALSE(cleared.empty());
    EXPECT_NE(std::find_if(cleared.begin(), cleared.end(),
                           [&](const TimerCleared& c) {
                               return c.timer_id == the_timer(s0.instance, Timer::Kind::state).id;
                           }),
              cleared.end());
}

// ---------------------------------------------------------------------------------------------
// A timer whose event does not apply

TEST(Timers, ATimerWhoseGuardsFailIsSpentAndNothingElseHappens) {
    const auto def = def_of(R"({
      "waiting": {"timers": [{"after": "P1D", "event": "chase"}],
                  "on": {"chase": [{"guard": {"var": "urgent"}, "target": "chased"}], "leave": "left"}},
      "chased": {"on": {"leave": "left"}},
      "left": {"final": "left"}
    })",
                            "waiting");
    const Step s0 = start_ok(*def, {{"urgent", false}});
    const Timer t = s0.instance.timers[0];
    const Step s = step_ok(*def, s0.instance, fire_timer(t.id), t.due_at);
    EXPECT_EQ(state_of(*def, s.instance), "waiting");
    EXPECT_TRUE(s.instance.timers.empty());
    EXPECT_EQ(s.instance.revision, 2u);
    EXPECT_FALSE(s.history.note.empty());
    EXPECT_EQ(s.instance.data.get(), s0.instance.data.get());
    EXPECT_EQ(refused(*def, s.instance, fire_timer(t.id), t.due_at).code, ErrorCode::not_found);
}

TEST(Timers, ATimerWhoseTransitionFailsIsSpentAndNothingElseHappens) {
    // The target's task needs people the data does not give: the transition can't be taken.
    const auto def = def_of(R"({
      "waiting": {"timers": [{"after": "P1D", "event": "chase"}],
                  "on": {"chase": {"target": "voting", "actions": [{"set": {"chased": true}}]}}},
      "voting": {"task": {"role": "r", "title": "Vote", "assignees": {"var": "voters"}, "outcomes": ["yes", "no"], "due": "P1D"},
                 "on": {"yes": "done", "no": "done"}},
      "done": {"final": "ok"}
    })",
                            "waiting");
    const Step s0 = start_ok(*def, {{"voters", json::array()}});
    const Timer t = s0.instance.timers[0];
    const Step s = step_ok(*def, s0.instance, fire_timer(t.id), t.due_at);
    EXPECT_EQ(state_of(*def, s.instance), "waiting");
    EXPECT_FALSE(s.instance.data.get().contains("chased"));
    EXPECT_TRUE(s.instance.timers.empty());
    EXPECT_TRUE(open_tasks(s.instance).empty());
    EXPECT_FALSE(s.history.note.empty());
}

}  // namespace
}  // namespace accord::engine
