// Notifications over real HTTP and WebSocket: a workflow's notices reach each person they name
// (people, the holders of a role, the members of a unit), a task given to someone personally
// and a task fallen overdue tell them, each person's list is their own (newest first, paged,
// unread ones, marked read one by one or all), and the feed pushes each notification to the
// people it names with a cursor that a resumed socket replays from.
#include "e2e_fixture.hpp"

namespace accord::e2e {
namespace {

class Notifications : public E2eTest {
protected:
    void SetUp() override {
        E2eTest::SetUp();
        serve({"--dev-clock"});
        adam_ = add_user("adam", {"admin"});
        lina_ = add_user("lina", {"legal"});
        omar_ = add_user("omar", {"legal"});
        olga_ = add_user("olga", {"officer"});
        const json units = {
            {"items",
             {{{"id", "uni"}, {"name", {{"en", "University"}, {"ar", "الجامعة"}}}, {"parent", nullptr}},
              {{"id", "law"}, {"name", {{"en", "Law"}, {"ar", "كلية الحقوق"}}}, {"parent", "uni"}}}}};
        ASSERT_EQ(http_->request("PUT", "/api/v1/admin/units", units.dump(), adam_.bearer()).status,
                  200);
        auto moved = http_->request("PATCH", "/api/v1/admin/users/omar",
                                    json{{"units", {"law"}}}.dump(), adam_.bearer());
        ASSERT_EQ(moved.status, 200) << describe(moved);
        const json notices = {
            {"workflow", "notices"},
            {"version", 1},
            {"title", "Notices"},
            {"start", "open"},
            {"events", {{"ping", {{"roles", {"admin"}}}}}},
            {"states",
             {{"open",
               {{"on",
                 {{"ping",
                   {{"actions",
                     {{{"notify", {{"roles", {"legal"}}, {"subject", "Draft {{n}} is ready"}}}},
                      {{"notify", {{"units", "law"}, {"subject", "For the law faculty"}}}},
                      {{"notify", {{"people", {{"var", "to"}}}, {"subject", "Just you"}}}}}}}}}},
                {"task",
                 {{"role", "officer"},
                  {"assignee", {{"var", "to"}}},
                  {"title", "Check the draft"},
                  {"due", "P2D"},
                  {"outcomes", {"done"}}}}}}}}};
        auto put = http_->post("/api/v1/definitions", notices, adam_.token);
        ASSERT_EQ(put.status, 201) << describe(put);
    }

    std::string start_notices(const std::string& to, int n) {
        auto started = http_->post("/api/v1/instances",
                                   {{"workflow", "notices"}, {"data", {{"to", to}, {"n", n}}}},
                                   adam_.token);
        EXPECT_EQ(started.status, 201) << describe(started);
        return started.json().value("id", "");
    }
    void ping(const std::string& id) {
        auto r = http_->post("/api/v1/instances/" + id + "/events", {{"event", "ping"}}, adam_.token);
        ASSERT_EQ(r.status, 200) << describe(r);
    }
    json list(const Person& p, const std::string& query = "") {
        auto r = http_->get("/api/v1/notifications" + query, p.token);
        EXPECT_EQ(r.status, 200) << describe(r);
        return r.json();
    }
    static std::vector<std::string> subjects(const json& page) {
        std::vector<std::string> out;
        for (const auto& n : page["items"]) out.push_back(n.value("subject", ""));
        return out;
    }

    Person adam_, lina_, omar_, olga_;
};

TEST_F(Notifications, ReachThePeopleTheyNameEachInTheirOwnList) {
    const std::string id = start_notices("olga", 7);
    ping(id);
    using V = std::vector<std::string>;
    // Delivered from the outbox: soon, not within the request.
    ASSERT_TRUE(eventually([&] { return list(omar_)["items"].size() == 2; })) << list(omar_).dump();
    EXPECT_EQ(subjects(list(lina_)), V({"Draft 7 is ready"}));
    EXPECT_EQ(subjects(list(omar_)), V({"For the law faculty", "Draft 7 is ready"}))
        << "newest first; omar is legal and in law";
    ASSERT_TRUE(eventually([&] { return list(olga_)["items"].size() == 2; })) << list(olga_).dump();
    EXPECT_EQ(subjects(list(olga_)), V({"Just you", "New task: Check the draft"}));
    const json assigned = list(olga_)["items"][1];
    EXPECT_EQ(assigned["kind"], "task.assigned");
    EXPECT_EQ(assigned["instance"], id);
    EXPECT_EQ(assigned["task"], id + ".t1");
    EXPECT_EQ(assigned["read"], false);
    EXPECT_TRUE(list(adam_)["items"].empty()) << "an admin is named by none of them";

    // Unread, read one, read all.
    EXPECT_EQ(list(omar_)["unread"], 2);
    const std::string first = list(omar_)["items"][0]["id"];
    EXPECT_EQ(http_->post("/api/v1/notifications/" + first + "/read", json::object(), omar_.token)
                  .status,
              204);
    EXPECT_EQ(list(omar_)["unread"], 1);
    EXPECT_EQ(subjects(list(omar_, "?unread=1")), V({"Draft 7 is ready"}));
    EXPECT_EQ(list(omar_)["items"][0]["read"], true);
    EXPECT_TRUE(is_problem(http_->post("/api/v1/notifications/" + first + "/read", json::object(),
                                       lina_.token),
                           404))
        << "lina has no notification of that id";
    EXPECT_TRUE(is_problem(http_->post("/api/v1/notifications/zz/read", json::object(), lina_.token),
                           404));
    EXPECT_EQ(http_->post("/api/v1/notifications/read-all", json::object(), omar_.token).status, 204);
    EXPECT_EQ(list(omar_)["unread"], 0);
    EXPECT_TRUE(list(omar_, "?unread=1")["items"].empty());
    EXPECT_EQ(list(lina_)["unread"], 1) << "lina's are hers";
    EXPECT_TRUE(is_problem(http_->get("/api/v1/notifications?unread=maybe", lina_.token), 400));
    EXPECT_TRUE(is_problem(http_->get("/api/v1/notifications?cursor=nope", lina_.token), 400));
    EXPECT_TRUE(is_problem(http_->get("/api/v1/notifications", ""), 401));
}

TEST_F(Notifications, PageNewestFirstThroughTheirCursors) {
    for (int n = 1; n <= 5; ++n) ping(start_notices("olga", n));
    ASSERT_TRUE(eventually([&] { return list(lina_)["items"].size() == 5; }, 10s));
    std::vector<std::string> seen;
    std::string cursor;
    for (int pages = 0; pages < 10; ++pages) {
        const json page = list(lina_, "?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
        EXPECT_LE(page["items"].size(), 2u);
        for (const auto& s : subjects(page)) seen.push_back(s);
        if (page["next"].is_null()) break;
        cursor = page["next"];
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"Draft 5 is ready", "Draft 4 is ready",
                                              "Draft 3 is ready", "Draft 2 is ready",
                                              "Draft 1 is ready"}));
}

TEST_F(Notifications, AreOnTheFeedOfThoseTheyNameAndReplayedOnResume) {
    support::WsClient lina_feed, olga_feed;
    ASSERT_TRUE(lina_feed.connect(accordd_->port(), "/api/v1/feed", lina_.bearer()));
    ASSERT_TRUE(olga_feed.connect(accordd_->port(), "/api/v1/feed", olga_.bearer()));
    const json snapshot = lina_feed.read_json(3s).value_or(json());
    ASSERT_EQ(snapshot["type"], "snapshot");
    ASSERT_EQ(olga_feed.read_json(3s).value_or(json())["type"], "snapshot");
    ping(start_notices("olga", 3));
    std::optional<json> got;
    while (auto m = lina_feed.read_json(3s))
        if ((*m)["type"] == "notification") {
            got = *m;
            break;
        }
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ((*got)["subject"], "Draft 3 is ready");
    EXPECT_EQ((*got)["kind"], "notify");
    EXPECT_FALSE(got->contains("to")) << "whom else it reached is not lina's to know";
    EXPECT_EQ((*got)["id"], list(lina_)["items"][0]["id"]) << "the same notice as in her list";
    for (const auto& m : lina_feed.drain(300ms))
        EXPECT_NE(m["type"], "notification") << "only one is lina's: " << m.dump();
    std::vector<std::string> olga_heard;
    for (const auto& m : olga_feed.drain(500ms))
        if (m["type"] == "notification") olga_heard.push_back(m["subject"]);
    EXPECT_EQ(olga_heard, (std::vector<std::string>{"New task: Check the draft", "Just you"}));

    // A socket resuming from the snapshot's cursor is given it again, in its place.
    support::WsClient resumed;
    ASSERT_TRUE(resumed.connect(accordd_->port(),
                                "/api/v1/feed?cursor=" + snapshot["cursor"].get<std::string>(),
                                lina_.bearer()));
    bool replayed = false;
    while (auto m = resumed.read_json(3s))
        if ((*m)["type"] == "notification") {
            replayed = (*m)["id"] == (*got)["id"];
            break;
        }
    EXPECT_TRUE(replayed);
}

TEST_F(Notifications, ATaskFallenOverdueTellsItsAssignee) {
    ping(start_notices("olga", 1));
    ASSERT_TRUE(eventually([&] { return list(olga_)["items"].size() == 2; }));
    auto moved = http_->post("/api/v1/admin/clock", {{"advance", "P3D"}}, adam_.token);
    ASSERT_EQ(moved.status, 200) << describe(moved);
    ASSERT_TRUE(eventually([&] { return list(olga_)["items"].size() == 3; })) << list(olga_).dump();
    const json overdue = list(olga_)["items"][0];
    EXPECT_EQ(overdue["kind"], "overdue");
    EXPECT_EQ(overdue["task_title"], "Check the draft");
    EXPECT_EQ(list(olga_)["unread"], 3);
}

}  // namespace
}  // namespace accord::e2e
