// Two languages over real HTTP and WebSocket: a definition's texts in English and Arabic reach
// each reader in theirs (their profile's language, or ?lang=): task titles and descriptions in
// lists, details and the feed, outcome labels and form fields, notification subjects in the
// list and on the feed, workflow titles; a text without the reader's language in English.
#include <set>

#include "e2e_fixture.hpp"

namespace accord::e2e {
namespace {

class Languages : public E2eTest {
protected:
    void SetUp() override {
        E2eTest::SetUp();
        serve();
        adam_ = add_user("adam", {"admin"});
        lina_ = add_user("lina", {"legal"});
        omar_ = add_user("omar", {"legal"});
        auto arabic = http_->request("PATCH", "/api/v1/admin/users/lina",
                                     json{{"language", "ar"}}.dump(), adam_.bearer());
        ASSERT_EQ(arabic.status, 200) << describe(arabic);
        const json review = {
            {"workflow", "bilingual_review"},
            {"version", 1},
            {"title", {{"en", "Legal review"}, {"ar", "المراجعة القانونية"}}},
            {"start", "review"},
            {"events", {{"withdraw", {{"title", {{"en", "Withdraw"}, {"ar", "سحب الطلب"}}}}}}},
            {"states",
             {{"review",
               {{"entry",
                 {{{"notify",
                    {{"roles", {"legal"}},
                     {"subject",
                      {{"en", "MoU with {{partner}} awaits review"},
                       {"ar", "مذكرة التفاهم مع {{partner}} بانتظار المراجعة"}}}}}}}},
                {"task",
                 {{"role", "legal"},
                  {"title", {{"en", "Review the MoU with {{partner}}"},
                             {"ar", "مراجعة مذكرة التفاهم مع {{partner}}"}}},
                  {"description", {{"en", "Check the clauses"}, {"ar", "تدقيق البنود"}}},
                  {"fields",
                   {{"note",
                     {{"type", "string"},
                      {"title", {{"en", "Note"}, {"ar", "ملاحظة"}}},
                      {"optional", true}}}}},
                  {"outcomes", {"approve", "send_back"}},
                  {"labels", {{"approve", {{"en", "Approve"}, {"ar", "موافقة"}}}}}}},
                {"on", {{"approve", "done"}, {"send_back", "done"}, {"withdraw", "done"}}}}},
              {"done", {{"final", "ok"}}}}}};
        auto put = http_->post("/api/v1/definitions", review, adam_.token);
        ASSERT_EQ(put.status, 201) << describe(put);
    }

    std::string start() {
        auto started = http_->post(
            "/api/v1/instances",
            {{"workflow", "bilingual_review"}, {"data", {{"partner", "Universidad de Chile"}}}},
            adam_.token);
        EXPECT_EQ(started.status, 201) << describe(started);
        return started.json()["tasks"][0].value("id", "");
    }

    Person adam_, lina_, omar_;
};

TEST_F(Languages, TasksAndTheirFormsAreInTheReadersLanguage) {
    const std::string task = start();
    const json lina_list = http_->get("/api/v1/tasks", lina_.token).json();
    ASSERT_EQ(lina_list["items"].size(), 1u) << lina_list.dump();
    EXPECT_EQ(lina_list["items"][0]["title"], "مراجعة مذكرة التفاهم مع Universidad de Chile");
    EXPECT_EQ(http_->get("/api/v1/tasks", omar_.token).json()["items"][0]["title"],
              "Review the MoU with Universidad de Chile");
    EXPECT_EQ(http_->get("/api/v1/tasks?lang=en", lina_.token).json()["items"][0]["title"],
              "Review the MoU with Universidad de Chile")
        << "?lang= over the profile";
    EXPECT_EQ(http_->get("/api/v1/tasks?lang=fr", lina_.token).json()["items"][0]["title"],
              "Review the MoU with Universidad de Chile")
        << "English for a language the text lacks";

    const json detail = http_->get("/api/v1/tasks/" + task, lina_.token).json();
    EXPECT_EQ(detail["description"], "تدقيق البنود");
    EXPECT_EQ(detail["form"]["labels"]["approve"], "موافقة");
    EXPECT_EQ(detail["form"]["labels"]["send_back"], "Send back") << "no label: the name in words";
    EXPECT_EQ(detail["form"]["fields"]["note"]["title"], "ملاحظة");
    const json english = http_->get("/api/v1/tasks/" + task, omar_.token).json();
    EXPECT_EQ(english["form"]["labels"]["approve"], "Approve");
    EXPECT_EQ(english["form"]["fields"]["note"]["title"], "Note");

    bool found = false;
    const json definitions = http_->get("/api/v1/definitions", lina_.token).json();
    for (const auto& d : definitions["items"])
        if (d["name"] == "bilingual_review") {
            found = true;
            EXPECT_EQ(d["title"], "المراجعة القانونية");
        }
    EXPECT_TRUE(found);
    EXPECT_TRUE(is_problem(http_->get("/api/v1/tasks?lang=Arabic!", lina_.token), 400));
    // The definition itself keeps both.
    EXPECT_EQ(http_->get("/api/v1/definitions/bilingual_review", lina_.token).json()["title"]["en"],
              "Legal review");
}

TEST_F(Languages, NotificationsAndTheFeedAreInTheReadersLanguage) {
    support::WsClient lina_feed, omar_feed;
    ASSERT_TRUE(lina_feed.connect(accordd_->port(), "/api/v1/feed", lina_.bearer()));
    ASSERT_TRUE(omar_feed.connect(accordd_->port(), "/api/v1/feed", omar_.bearer()));
    ASSERT_EQ(lina_feed.read_json(3s).value_or(json())["type"], "snapshot");
    ASSERT_EQ(omar_feed.read_json(3s).value_or(json())["type"], "snapshot");
    start();
    std::map<std::string, std::string> lina_heard, omar_heard;
    for (auto [feed, heard] : {std::pair{&lina_feed, &lina_heard}, std::pair{&omar_feed, &omar_heard}})
        for (int i = 0; i < 10 && heard->size() < 2; ++i) {
            auto m = feed->read_json(3s);
            if (!m) break;
            if ((*m)["type"] == "task.opened") (*heard)["task"] = (*m)["task"]["title"];
            if ((*m)["type"] == "notification") (*heard)["notification"] = (*m)["subject"];
        }
    EXPECT_EQ(lina_heard["task"], "مراجعة مذكرة التفاهم مع Universidad de Chile");
    EXPECT_EQ(lina_heard["notification"], "مذكرة التفاهم مع Universidad de Chile بانتظار المراجعة");
    EXPECT_EQ(omar_heard["task"], "Review the MoU with Universidad de Chile");
    EXPECT_EQ(omar_heard["notification"], "MoU with Universidad de Chile awaits review");

    ASSERT_TRUE(eventually([&] {
        return !http_->get("/api/v1/notifications", lina_.token).json()["items"].empty();
    }));
    EXPECT_EQ(http_->get("/api/v1/notifications", lina_.token).json()["items"][0]["subject"],
              "مذكرة التفاهم مع Universidad de Chile بانتظار المراجعة");
    EXPECT_EQ(http_->get("/api/v1/notifications?lang=en", lina_.token).json()["items"][0]["subject"],
              "MoU with Universidad de Chile awaits review");

    // A snapshot, too, is in the socket's language.
    support::WsClient english;
    ASSERT_TRUE(english.connect(accordd_->port(), "/api/v1/feed?lang=en", lina_.bearer()));
    const json snapshot = english.read_json(3s).value_or(json());
    ASSERT_EQ(snapshot["type"], "snapshot");
    ASSERT_EQ(snapshot["items"].size(), 1u);
    EXPECT_EQ(snapshot["items"][0]["title"], "Review the MoU with Universidad de Chile");
}

TEST_F(Languages, TheWorkflowPictureIsInTheReadersLanguage) {
    auto graph = http_->get("/api/v1/definitions/bilingual_review/versions/1/graph", lina_.token);
    ASSERT_EQ(graph.status, 200) << describe(graph);
    const json g = graph.json();
    EXPECT_EQ(g["start"], "review");
    ASSERT_EQ(g["nodes"].size(), 2U);
    const json& review = g["nodes"][0]["id"] == "review" ? g["nodes"][0] : g["nodes"][1];
    EXPECT_EQ(review["kind"], "wait");
    EXPECT_EQ(review["task"]["title"], "مراجعة مذكرة التفاهم مع {{partner}}");
    EXPECT_EQ(review["task"]["labels"]["approve"], "موافقة");
    std::set<std::string> events;
    for (const auto& e : g["edges"]) {
        EXPECT_EQ(e["from"], "review");
        EXPECT_EQ(e["to"], "done");
        events.insert(e["event"].get<std::string>());
    }
    EXPECT_EQ(events, (std::set<std::string>{"approve", "send_back", "withdraw"}));
    const json english =
        http_->get("/api/v1/definitions/bilingual_review/versions/1/graph?lang=en", lina_.token)
            .json();
    EXPECT_EQ(english["nodes"][1]["task"]["title"], "Review the MoU with {{partner}}")
        << "by name: done, then review";
    EXPECT_TRUE(is_problem(
        http_->get("/api/v1/definitions/bilingual_review/versions/0/graph", lina_.token), 400));
    EXPECT_TRUE(is_problem(
        http_->get("/api/v1/definitions/bilingual_review/versions/9/graph", lina_.token), 404));
}

}  // namespace
}  // namespace accord::e2e
