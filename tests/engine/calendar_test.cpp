// The office calendar: its rules read from JSON (every refusal at its pointer), local dates and
// times across a daylight-saving change, working days counted past weekends, holidays and
// closures the way a person counts them on a paper calendar, the date operators in office-local
// dates, and a workflow's due dates, reminders, escalations and timers in working days.
#include <gtest/gtest.h>

#include "accord/engine/calendar.hpp"
#include "accord/engine/jsonlogic.hpp"
#include "test_support.hpp"

namespace accord::engine {
namespace {

using namespace testkit;

constexpr std::int64_t kHour = 3'600'000;

// Palestine-like: UTC+2, and UTC+3 from 2027-03-26T00:00 local (2027-03-25T22:00Z) to
// 2027-10-30T01:00 local (2027-10-29T22:00Z).
class Hebron final : public ZoneRules {
public:
    std::int64_t offset_ms(TimeMs t) const override {
        return t >= T("2027-03-25T22:00:00Z") && t < T("2027-10-29T22:00:00Z") ? 3 * kHour
                                                                                 : 2 * kHour;
    }
};

ZoneLookup zones() {
    return [](std::string_view zone) -> std::shared_ptr<const ZoneRules> {
        if (zone == "Asia/Hebron") return std::make_shared<Hebron>();
        return nullptr;
    };
}

Calendar office(json j) {
    auto c = Calendar::from_json(j, zones());
    if (!c) throw std::runtime_error(c.error().to_string());
    return std::move(c).value();
}

// A Palestinian university: Friday and Saturday off, work from 08:00, a holiday and a closure.
Calendar birzeit() {
    return office({{"time_zone", "Asia/Hebron"},
                   {"weekend", {"fri", "sat"}},
                   {"work_starts", "08:00"},
                   {"holidays", {{{"date", "2027-05-01"}, {"name", {{"en", "Labour Day"}, {"ar", "عيد العمال"}}}}}},
                   {"closures",
                    {{{"from", "2027-06-14"}, {"to", "2027-06-17"}, {"name", "Eid al-Adha"}}}}});
}

std::int64_t day(const char* date) {
    return T(date) / kMsPerDay;
}

TEST(Calendar, WithoutOneAnOfficeIsUtcWithSaturdayAndSundayOff) {
    const Calendar c;
    EXPECT_EQ(c.time_zone(), "UTC");
    EXPECT_TRUE(c.weekend(day("2027-03-06")));   // Saturday
    EXPECT_TRUE(c.weekend(day("2027-03-07")));   // Sunday
    EXPECT_FALSE(c.weekend(day("2027-03-05")));  // Friday
    EXPECT_EQ(c.date_at(day("2027-03-05")), T("2027-03-05"));
    EXPECT_EQ(c.to_json()["weekend"], json::array({"sun", "sat"}));
}

TEST(Calendar, ReadsItsRulesAndRefusesBadOnesAtTheirPointer) {
    const Calendar c = birzeit();
    EXPECT_EQ(c.to_json()["weekend"], json::array({"fri", "sat"}));
    EXPECT_EQ(c.to_json()["work_starts"], "08:00");
    EXPECT_EQ(c.to_json()["holidays"][0]["name"]["ar"], "عيد العمال");
    EXPECT_EQ(Calendar::from_json(c.to_json(), zones())->to_json(), c.to_json());
    const std::vector<std::pair<json, std::string>> bad = {
        {{{"time_zone", "Mars/Olympus"}}, "/time_zone"},
        {{{"weekend", {"fri", "friday"}}}, "/weekend/1"},
        {{{"weekend", {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}}}, "/weekend"},
        {{{"work_starts", "8am"}}, "/work_starts"},
        {{{"work_starts", "24:00"}}, "/work_starts"},
        {{{"holidays", {{{"date", "2027-02-30"}}}}}, "/holidays/0/date"},
        {{{"holidays", {{{"date", "2027-05-01"}, {"name", 3}}}}}, "/holidays/0/name"},
        {{{"closures", {{{"from", "2027-06-17"}, {"to", "2027-06-14"}}}}}, "/closures/0/to"},
        {{{"closures", {{{"to", "2027-06-14"}}}}}, "/closures/0/from"},
        {{{"weeknd", json::array()}}, "/weeknd"},
    };
    for (const auto& [j, pointer] : bad) {
        auto r = Calendar::from_json(j, zones());
        ASSERT_FALSE(r) << j.dump();
        EXPECT_EQ(r.error().code, ErrorCode::invalid_input);
        EXPECT_EQ(r.error().pointer, pointer) << j.dump() << ": " << r.error().message;
    }
}

TEST(Calendar, LocalTimesFollowTheZoneAcrossADaylightSavingChange) {
    const Calendar c = birzeit();
    // Before the change 08:00 is 06:00Z; after it 05:00Z.
    EXPECT_EQ(c.date_at(day("2027-03-25")), T("2027-03-25T06:00:00Z"));
    EXPECT_EQ(c.date_at(day("2027-03-28")), T("2027-03-28T05:00:00Z"));
    EXPECT_EQ(c.local_date(T("2027-03-25T22:30:00Z")), "2027-03-26");
    EXPECT_EQ(c.local_date(T("2027-03-25T21:30:00Z")), "2027-03-25");
    // 00:30 on the 26th does not exist (the clocks go from 00:00 to 01:00): as late after.
    EXPECT_EQ(c.at_local(day("2027-03-26"), 30), T("2027-03-25T22:30:00Z"));
    // 00:30 on 30 October happens twice: the first.
    EXPECT_EQ(c.at_local(day("2027-10-30"), 30), T("2027-10-29T21:30:00Z"));
}

TEST(Calendar, WorkingDaysAreCountedAsOnAPaperCalendar) {
    const Calendar fri_sat = birzeit();
    Calendar sat_sun = office({{"time_zone", "Asia/Hebron"},
                               {"work_starts", "08:00"},
                               {"holidays", {{{"date", "2027-05-01"}}}},
                               {"closures", {{{"from", "2027-06-14"}, {"to", "2027-06-17"}}}}});
    // Thursday 2027-04-29 10:00 local, 3 working days on: Fri-Sat off → Sun 2, Mon 3, Tue 4
    // (May 1st is a Saturday, off anyway); Sat-Sun: Fri 30, (Sat 1, Sun 2) Mon 3, Tue 4.
    const TimeMs thursday = T("2027-04-29T07:00:00Z");
    EXPECT_EQ(fri_sat.add_working_days(thursday, 3), T("2027-05-04T07:00:00Z"));
    EXPECT_EQ(sat_sun.add_working_days(thursday, 3), T("2027-05-04T07:00:00Z"));
    EXPECT_EQ(fri_sat.add_working_days(thursday, 1), T("2027-05-02T07:00:00Z"));  // Sunday
    EXPECT_EQ(sat_sun.add_working_days(thursday, 1), T("2027-04-30T07:00:00Z"));  // Friday
    // The closure 14-17 June (Mon-Thu): from Sunday 13th, 2 working days.
    const TimeMs sunday = T("2027-06-13T07:00:00Z");
    EXPECT_EQ(fri_sat.add_working_days(sunday, 2), T("2027-06-21T07:00:00Z"));  // Sun 20, Mon 21
    EXPECT_EQ(sat_sun.add_working_days(sunday, 2), T("2027-06-21T07:00:00Z"));  // Fri 18, Mon 21
    // Backwards, and between.
    EXPECT_EQ(fri_sat.add_working_days(T("2027-05-04T07:00:00Z"), -3), thursday);
    EXPECT_EQ(fri_sat.working_days_between(thursday, T("2027-05-04T07:00:00Z")), 3);
    EXPECT_EQ(fri_sat.working_days_between(T("2027-05-04T07:00:00Z"), thursday), -3);
    EXPECT_EQ(fri_sat.working_days_between(thursday, thursday), 0);
    EXPECT_EQ(fri_sat.add_working_days(thursday, 0), thursday);
    // Across the change to summer time the local hour stays.
    EXPECT_EQ(fri_sat.add_working_days(T("2027-03-25T06:00:00Z"), 1), T("2027-03-28T05:00:00Z"));
}

TEST(Calendar, DateOperatorsWorkInOfficeLocalDates) {
    const Calendar c = birzeit();
    auto eval = [&](const json& rule, TimeMs now) {
        auto e = logic::compile(rule, "");
        if (!e) throw std::runtime_error(e.error().to_string());
        logic::Context ctx;
        ctx.now = now;
        ctx.calendar = &c;
        return e->evaluate(json::object(), ctx);
    };
    // 23:30Z on the 25th is already the 26th in Hebron.
    EXPECT_EQ(eval({{"today", json::array()}}, T("2027-03-25T23:30:00Z")), "2027-03-26");
    EXPECT_EQ(eval({{"add_working_days", {"2027-04-29", 3}}}, 0), "2027-05-04");
    EXPECT_EQ(eval({{"add_working_days", {"2027-05-04", -3}}}, 0), "2027-04-29");
    EXPECT_EQ(eval({{"add_working_days", {"2027-04-29T07:00:00Z", 1}}}, 0), "2027-05-02T07:00:00Z");
    EXPECT_EQ(eval({{"add_working_days", {"2027-04-29", 1.5}}}, 0), nullptr);
    EXPECT_EQ(eval({{"add_working_days", json::array({json::object({{"var", "missing"}}), 1})}}, 0),
              nullptr);
    EXPECT_EQ(eval({{"working_days_between", {"2027-06-10", "2027-06-20"}}}, 0), 2)
        << "Sun 13 and Sun 20: the 11th-12th weekend, the closure and the 18th-19th weekend";
    EXPECT_EQ(eval({{"days_between", {"2027-03-25T21:30:00Z", "2027-03-25T22:30:00Z"}}}, 0), 1)
        << "an hour apart, across local midnight";
    auto bad = logic::compile({{"working_days_between", {"not a date", "2027-01-01"}}}, "/x");
    EXPECT_FALSE(bad);
}

TEST(Calendar, AWorkflowsDeadlinesAndTimersCountWorkingDays) {
    const Calendar c = birzeit();
    auto def = load(workflow(
        {{"review",
          {{"task",
            {{"role", "legal"},
             {"title", "Review"},
             {"outcomes", {"approve"}},
             {"due", {{"working_days", 3}}},
             {"remind", json::array({{{"working_days", -1}}})},
             {"escalate", {{"after", {{"working_days", {{"var", "grace"}}}}}, {"role", "legal_lead"}}}}},
           {"timers", json::array({{{"at", {{"var", "end_date"}}}, {"event", "expired"}},
                                   {{"at", {{"var", "end_date"}}},
                                    {"offset", {{"working_days", -2}}},
                                    {"time", "12:30"},
                                    {"event", "soon"}}})},
           {"on", {{"approve", "done"}, {"expired", "done"}, {"soon", "review"}}}}},
         {"done", {{"final", "ok"}}}},
        "review"));
    StartInput in;
    in.instance_id = "i1";
    in.data = {{"grace", 5}, {"end_date", "2027-11-02"}};
    in.calendar = &c;
    auto s = start(*def, in, person("olga", {"officer"}), T("2027-04-29T07:00:00Z"));
    ASSERT_TRUE(s) << s.error().to_string();
    const Task& t = the_open_task(s->instance);
    EXPECT_EQ(t.due_at, T("2027-05-04T07:00:00Z"));
    EXPECT_EQ(the_timer(s->instance, Timer::Kind::task_reminder).due_at, T("2027-05-03T07:00:00Z"));
    // 5 working days from Thursday 29 April: Sun 2, Mon 3, Tue 4, Wed 5, Thu 6 May.
    EXPECT_EQ(the_timer(s->instance, Timer::Kind::task_escalation).due_at,
              T("2027-05-06T07:00:00Z"));
    std::vector<TimeMs> state_timers;
    for (const Timer* timer : timers_of_kind(s->instance, Timer::Kind::state))
        state_timers.push_back(timer->due_at);
    std::sort(state_timers.begin(), state_timers.end());
    // 2 November (after the change back to UTC+2) at 08:00 local; two working days before it
    // (Sun 31 October) at 12:30 local.
    EXPECT_EQ(state_timers,
              (std::vector<TimeMs>{T("2027-10-31T10:30:00Z"), T("2027-11-02T06:00:00Z")}));

    // The same workflow on a Saturday-Sunday week without a calendar: UTC, from midnight.
    in.calendar = nullptr;
    auto u = start(*def, in, person("olga", {"officer"}), T("2027-04-29T07:00:00Z"));
    ASSERT_TRUE(u);
    EXPECT_EQ(the_open_task(u->instance).due_at, T("2027-05-04T07:00:00Z"));  // Fri, Mon, Tue
    EXPECT_EQ(the_timer(u->instance, Timer::Kind::task_escalation).due_at,
              T("2027-05-06T07:00:00Z"));

    // Refused at their pointers.
    json bad = def->source;
    bad["states"]["review"]["task"]["due"] = {{"working_days", -2}};
    EXPECT_NE(diagnostics_text(load_definition(bad).diagnostics).find("/states/review/task/due/working_days"),
              std::string::npos);
    bad = def->source;
    bad["states"]["review"]["task"]["due"] = {{"working_days", 2}, {"days", 1}};
    EXPECT_NE(diagnostics_text(load_definition(bad).diagnostics).find("working_days"),
              std::string::npos);
    bad = def->source;
    bad["states"]["review"]["timers"][1]["time"] = "25:00";
    EXPECT_NE(diagnostics_text(load_definition(bad).diagnostics).find("/states/review/timers/1/time"),
              std::string::npos);
}

// What a changed calendar moves: an open task's deadline (and the reminder before it) and the
// timers counted in working days or on a date's local hour, each counted again from what it
// counts from; a plain duration stays, a step on the same calendar moves nothing, and a task
// overdue on the old calendar but not on the new one is due again.
TEST(Calendar, AChangedCalendarReschedulesOpenItemsFromWhatTheyCountFrom) {
    const Calendar weekend_sat_sun;  // UTC, Saturday and Sunday off
    const Calendar c = birzeit();
    auto def = load(workflow(
        {{"review",
          {{"task",
            {{"role", "legal"},
             {"title", "Review"},
             {"outcomes", {"approve"}},
             {"due", {{"working_days", 5}}},
             {"remind", json::array({{{"working_days", -1}}})},
             {"escalate", {{"after", "P10D"}, {"role", "legal_lead"}}}}},
           {"timers", json::array({{{"after", {{"working_days", 4}}}, {"event", "nudge"}},
                                   {{"at", {{"var", "end_date"}}}, {"event", "expired"}}})},
           {"on", {{"approve", "done"}, {"expired", "done"}, {"nudge", "review"}}}}},
         {"done", {{"final", "ok"}}}},
        "review"));
    StartInput in;
    in.instance_id = "i1";
    in.data = {{"end_date", "2027-06-30"}};
    in.calendar = &weekend_sat_sun;
    // Monday 7 June 2027, 10:00 in Hebron.
    auto s = start(*def, in, person("olga", {"officer"}), T("2027-06-07T07:00:00Z"));
    ASSERT_TRUE(s) << s.error().to_string();
    EXPECT_EQ(the_open_task(s->instance).due_at, T("2027-06-14T07:00:00Z"));  // Tue..Fri, Mon
    const TimeMs escalation = the_timer(s->instance, Timer::Kind::task_escalation).due_at;

    Input reschedule{RescheduleInput{}, system_actor()};
    reschedule.calendar = &c;
    auto r = step(*def, s->instance, reschedule, T("2027-06-08T07:00:00Z"));
    ASSERT_TRUE(r) << r.error().to_string();
    const Instance& moved = r->instance;
    // Five working days from Monday 7 June on a Friday-Saturday week with the Eid closure of
    // 14-17 June: Tue 8, Wed 9, Thu 10, Sun 13, then (past the closure and the weekend) Sun 20.
    EXPECT_EQ(the_open_task(moved).due_at, T("2027-06-20T07:00:00Z"));
    EXPECT_EQ(the_timer(moved, Timer::Kind::task_due).due_at, T("2027-06-20T07:00:00Z"));
    // One working day before Sunday 20 June: Sunday 13 June.
    EXPECT_EQ(the_timer(moved, Timer::Kind::task_reminder).due_at, T("2027-06-13T07:00:00Z"));
    EXPECT_EQ(the_timer(moved, Timer::Kind::task_escalation).due_at, escalation);  // P10D stays
    std::vector<TimeMs> state_timers;
    for (const Timer* timer : timers_of_kind(moved, Timer::Kind::state))
        state_timers.push_back(timer->due_at);
    std::sort(state_timers.begin(), state_timers.end());
    // Four working days from the state's entry: Sunday 13 June; 30 June at 08:00 in Hebron.
    EXPECT_EQ(state_timers,
              (std::vector<TimeMs>{T("2027-06-13T07:00:00Z"), T("2027-06-30T05:00:00Z")}));
    const auto changed = effects_of<TaskRescheduled>(*r);
    ASSERT_EQ(changed.size(), 1U);
    EXPECT_EQ(changed[0].due_at, T("2027-06-20T07:00:00Z"));
    EXPECT_EQ(effects_of<TimerCleared>(*r).size(), 4U);
    EXPECT_EQ(effects_of<TimerSet>(*r).size(), 4U);
    EXPECT_EQ(r->history.input, "reschedule");
    EXPECT_EQ(r->history.detail["moved"].size(), 4U);
    EXPECT_EQ(moved.state, s->instance.state);

    // The same calendar again: nothing moves.
    auto again = step(*def, moved, reschedule, T("2027-06-08T08:00:00Z"));
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->effects.empty());

    // Overdue on Tuesday 15 June (two working days from Friday 11 June, Saturday and Sunday
    // off); on the new calendar it is due on Sunday 20 June, and falls due again then.
    auto short_def = load(workflow({{"review",
                                     {{"task",
                                       {{"role", "legal"},
                                        {"title", "Review"},
                                        {"outcomes", {"approve"}},
                                        {"due", {{"working_days", 2}}}}},
                                      {"on", {{"approve", "done"}}}}},
                                    {"done", {{"final", "ok"}}}},
                                   "review"));
    in.data = json::object();
    auto late = start(*short_def, in, person("olga", {"officer"}), T("2027-06-11T07:00:00Z"));
    ASSERT_TRUE(late);
    const Timer& due = the_timer(late->instance, Timer::Kind::task_due);
    EXPECT_EQ(due.due_at, T("2027-06-15T07:00:00Z"));
    auto overdue = step(*short_def, late->instance, fire_timer(due.id), T("2027-06-15T08:00:00Z"));
    ASSERT_TRUE(overdue);
    EXPECT_EQ(effects_of<TaskOverdue>(*overdue).size(), 1U);
    EXPECT_TRUE(timers_of_kind(overdue->instance, Timer::Kind::task_due).empty());
    auto rearmed = step(*short_def, overdue->instance, reschedule, T("2027-06-15T09:00:00Z"));
    ASSERT_TRUE(rearmed);
    EXPECT_EQ(the_open_task(rearmed->instance).due_at, T("2027-06-20T07:00:00Z"));
    EXPECT_EQ(the_timer(rearmed->instance, Timer::Kind::task_due).due_at,
              T("2027-06-20T07:00:00Z"));
}

}  // namespace
}  // namespace accord::engine
