// The office calendar over real HTTP: read by everyone, changed by admins (refusals at their
// pointers, audited), and used at once by the runtime: the same workflow gives the due dates a
// person would count on a paper calendar under a Friday-Saturday week with a closure and under
// the default Saturday-Sunday week in UTC.
#include "e2e_fixture.hpp"

namespace accord::e2e {
namespace {

class OfficeCalendar : public E2eTest {
protected:
    void SetUp() override {
        E2eTest::SetUp();
        serve();
        adam_ = add_user("adam", {"admin"});
        lina_ = add_user("lina", {"legal"});
        const json deadline = {
            {"workflow", "deadline"},
            {"version", 1},
            {"title", "A deadline in working days"},
            {"start", "review"},
            {"states",
             {{"review",
               {{"task",
                 {{"role", "legal"},
                  {"title", "Review"},
                  {"outcomes", {"done"}},
                  {"due",
                   {{"add_working_days", json::array({json::object({{"var", "from"}}), 3})}}}}},
                {"on", {{"done", "end"}}}}},
              {"end", {{"final", "ok"}}}}}};
        auto put = http_->post("/api/v1/definitions", deadline, adam_.token);
        ASSERT_EQ(put.status, 201) << describe(put);
    }

    support::HttpResponse put_calendar(const json& calendar, const Person& who) {
        return http_->request("PUT", "/api/v1/admin/calendar", calendar.dump(), who.bearer());
    }
    std::string due_from(const std::string& from) {
        auto started = http_->post("/api/v1/instances",
                                   {{"workflow", "deadline"}, {"data", {{"from", from}}}},
                                   adam_.token);
        EXPECT_EQ(started.status, 201) << describe(started);
        return started.json()["tasks"][0].value("due_at", "");
    }

    Person adam_, lina_;
};

const json kBirzeit = {
    {"time_zone", "Asia/Hebron"},
    {"weekend", {"fri", "sat"}},
    {"work_starts", "08:00"},
    {"holidays", {{{"date", "2027-05-01"}, {"name", {{"en", "Labour Day"}, {"ar", "عيد العمال"}}}}}},
    {"closures",
     {{{"from", "2027-06-14"},
       {"to", "2027-06-17"},
       {"name", {{"en", "Eid al-Adha"}, {"ar", "عيد الأضحى"}}}}}}};

TEST_F(OfficeCalendar, DueDatesCountTheOfficesWorkingDays) {
    // Default: UTC, Saturday and Sunday off. From Thursday 10 June: Fri 11, Mon 14, Tue 15.
    const json plain = http_->get("/api/v1/calendar", lina_.token).json();
    EXPECT_EQ(plain["time_zone"], "UTC");
    EXPECT_EQ(plain["weekend"], json::array({"sun", "sat"}));
    EXPECT_EQ(due_from("2027-06-10"), "2027-06-15T00:00:00Z");

    auto put = put_calendar(kBirzeit, adam_);
    ASSERT_EQ(put.status, 200) << describe(put);
    // Friday-Saturday, closed 14-17 June: Sun 13, Sun 20, Mon 21, at 08:00 in Hebron (UTC+3).
    EXPECT_EQ(due_from("2027-06-10"), "2027-06-21T05:00:00Z");
    // In winter (UTC+2): Thursday 2 December 2027, 3 working days: Sun 5, Mon 6, Tue 7.
    EXPECT_EQ(due_from("2027-12-02"), "2027-12-07T06:00:00Z");

    const json office = http_->get("/api/v1/calendar", lina_.token).json();
    EXPECT_EQ(office["time_zone"], "Asia/Hebron");
    EXPECT_EQ(office["holidays"][0]["name"], "Labour Day");
    EXPECT_EQ(http_->get("/api/v1/calendar?lang=ar", lina_.token).json()["closures"][0]["name"],
              "عيد الأضحى");
    EXPECT_EQ(http_->get("/api/v1/admin/calendar", adam_.token).json()["holidays"][0]["name"]["ar"],
              "عيد العمال");
}

TEST_F(OfficeCalendar, OnlyAdminsChangeItAndABadOneIsRefusedAtItsPointerChangingNothing) {
    EXPECT_TRUE(is_problem(put_calendar(kBirzeit, lina_), 403));
    EXPECT_TRUE(is_problem(http_->get("/api/v1/admin/calendar", lina_.token), 403));
    json bad = kBirzeit;
    bad["weekend"] = {"fri", "friday"};
    auto r = put_calendar(bad, adam_);
    ASSERT_TRUE(is_problem(r, 400)) << describe(r);
    EXPECT_EQ(r.json()["pointer"], "/weekend/1");
    bad = kBirzeit;
    bad["time_zone"] = "Mars/Olympus";
    r = put_calendar(bad, adam_);
    ASSERT_TRUE(is_problem(r, 400)) << describe(r);
    EXPECT_EQ(r.json()["pointer"], "/time_zone");
    EXPECT_EQ(http_->get("/api/v1/calendar", lina_.token).json()["time_zone"], "UTC");

    ASSERT_EQ(put_calendar(kBirzeit, adam_).status, 200);
    const json audit = http_->get("/api/v1/admin/audit", adam_.token).json();
    ASSERT_FALSE(audit["items"].empty());
    EXPECT_EQ(audit["items"][0]["action"], "calendar.put");
    EXPECT_EQ(audit["items"][0]["by"], "adam");
}

TEST_F(OfficeCalendar, TheShippedCalendarIsPutAtStartWhenRedisHasNone) {
    // accordd --calendar on this keyspace, as make run starts it: a Palestinian university.
    auto node = start_accordd(
        {"--calendar", std::string(ACCORD_SOURCE_DIR) + "/examples/calendar-palestine.json"});
    support::HttpClient http("127.0.0.1", node->port());
    const json office = http.get("/api/v1/calendar", lina_.token).json();
    EXPECT_EQ(office["time_zone"], "Asia/Hebron");
    EXPECT_EQ(office["weekend"], json::array({"fri", "sat"}));
    EXPECT_EQ(office["work_starts"], "08:00");
    // An admin's change stays when a node starts with --calendar again.
    json changed = office;
    changed["work_starts"] = "07:30";
    changed.erase("holidays");
    changed.erase("closures");
    ASSERT_EQ(put_calendar(changed, adam_).status, 200);
    auto again = start_accordd(
        {"--calendar", std::string(ACCORD_SOURCE_DIR) + "/examples/calendar-palestine.json"});
    support::HttpClient http2("127.0.0.1", again->port());
    EXPECT_EQ(http2.get("/api/v1/calendar", lina_.token).json()["work_starts"], "07:30");
}

TEST_F(OfficeCalendar, ACalendarChangeReschedulesTheOpenTasksDeadlines) {
    // Opened on the default calendar: from Thursday 10 June, Fri 11, Mon 14, Tue 15 (UTC).
    auto started =
        http_->post("/api/v1/instances",
                    {{"workflow", "deadline"}, {"data", {{"from", "2027-06-10"}}}}, adam_.token);
    ASSERT_EQ(started.status, 201) << describe(started);
    const std::string instance = started.json()["id"];
    const std::string task = started.json()["tasks"][0]["id"];
    ASSERT_EQ(started.json()["tasks"][0]["due_at"], "2027-06-15T00:00:00Z");
    support::WsClient feed;
    ASSERT_TRUE(feed.connect(accordd_->port(), "/api/v1/feed", lina_.bearer()));
    ASSERT_EQ(feed.read_json(3s).value_or(json())["type"], "snapshot");

    ASSERT_EQ(put_calendar(kBirzeit, adam_).status, 200);
    // Counted again on the new one (by some node, through the outbox): Sun 13, Sun 20, Mon 21,
    // at 08:00 in Hebron.
    EXPECT_TRUE(eventually([&] {
        return http_->get("/api/v1/tasks/" + task, lina_.token).json().value("due_at", "") ==
               "2027-06-21T05:00:00Z";
    })) << http_->get("/api/v1/tasks/" + task, lina_.token).body;
    const json history =
        http_->get("/api/v1/instances/" + instance + "/history", adam_.token).json();
    ASSERT_FALSE(history["items"].empty());
    const json& last = history["items"].back();
    EXPECT_EQ(last["input"], "reschedule");
    EXPECT_EQ(last["note"], "the office calendar changed");
    // The people who wait for it hear of it: the feed's task.rescheduled with the new deadline.
    json event;
    while (auto m = feed.read_json(3s))
        if ((*m)["type"] == "task.rescheduled") {
            event = *m;
            break;
        }
    EXPECT_EQ(event["task"]["id"], task) << event.dump();
    EXPECT_EQ(event["task"]["due_at"], "2027-06-21T05:00:00Z");

    // Put again unchanged: nothing moves, nothing is written.
    const std::size_t entries = history["items"].size();
    ASSERT_EQ(put_calendar(kBirzeit, adam_).status, 200);
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(http_->get("/api/v1/instances/" + instance + "/history", adam_.token)
                  .json()["items"]
                  .size(),
              entries);
}

}  // namespace
}  // namespace accord::e2e
