// One policy for REST and the feed: the same people and tasks, read through GET /api/v1/tasks
// and through the feed (a snapshot, then live events applied by their "can"), show the same set,
// before and after claims, reassignments and completions; and each view's "can" is the same.
#include <map>

#include "e2e_fixture.hpp"

namespace accord::e2e {
namespace {

// A workflow whose start data picks the kind of task it opens: a role's task, one assigned to
// a person, a group's personal tasks, or one that excludes a person.
json desk_workflow() {
    const json done = {{"done", "end"}};
    auto task = [&](const std::string& title, json extra) {
        json t = {{"role", "clerk"}, {"title", title}, {"outcomes", {"done"}}};
        for (auto it = extra.begin(); it != extra.end(); ++it) t[it.key()] = it.value();
        return json{{"task", t}, {"on", done}};
    };
    auto when = [](const std::string& kind) { return json{{"==", {json{{"var", "kind"}}, kind}}}; };
    return {{"workflow", "desk"},
            {"version", 1},
            {"title", "Desk"},
            {"start", "route"},
            {"states",
             {{"route",
               {{"choice",
                 {{{"guard", when("assigned")}, {"target", "assigned"}},
                  {{"guard", when("personal")}, {"target", "personal"}},
                  {{"guard", when("excluding")}, {"target", "excluding"}},
                  {{"target", "plain"}}}}}},
              {"plain", task("Plain", json::object())},
              {"assigned", task("Assigned", {{"assignee", {{"var", "who"}}}})},
              {"personal", task("Personal", {{"assignees", {{"var", "group"}}}, {"join", "all"}})},
              {"excluding", task("Excluding", {{"separate_from", {{"var", "who"}}}})},
              {"end", {{"final", "done"}}}}}};
}

class Policy : public E2eTest {
protected:
    void SetUp() override {
        E2eTest::SetUp();
        serve();
        for (const auto& [name, roles] : std::map<std::string, std::vector<std::string>>{
                 {"adam", {"admin"}},
                 {"ann", {"guest"}},  // none of the workflow's roles: only what names her
                 {"aud", {"auditor"}},
                 {"clara", {"clerk"}},
                 {"cole", {"clerk"}},
                 {"lars", {"clerk", "clerk_lead"}},
                 {"lena", {"clerk_lead"}},
                 {"sam", {"sales"}},
             })
            people_[name] = add_user(name, roles);
        auto published = http_->post("/api/v1/definitions", desk_workflow(), people_["adam"].token);
        ASSERT_EQ(published.status, 201) << describe(published);
    }

    // Starts a desk instance as the admin: its first open task's id (or ids, for a group).
    std::vector<std::string> start(const json& data) {
        auto r = http_->post("/api/v1/instances", json{{"workflow", "desk"}, {"data", data}},
                             people_["adam"].token);
        EXPECT_EQ(r.status, 201) << describe(r);
        std::vector<std::string> ids;
        const json body = r.json();
        for (const auto& t : body["tasks"]) ids.push_back(t["id"]);
        EXPECT_FALSE(ids.empty()) << describe(r);
        return ids;
    }

    void act(const std::string& person, const std::string& task, const std::string& action,
             const json& body = json::object()) {
        auto r = http_->post("/api/v1/tasks/" + task + "/" + action, body, people_[person].token);
        ASSERT_EQ(r.status, 200) << person << " " << action << " " << task << ": " << describe(r);
    }

    // GET /api/v1/tasks, every page: task id → its "can".
    std::map<std::string, json> inbox_by_rest(const std::string& person) {
        std::map<std::string, json> out;
        std::string target = "/api/v1/tasks?limit=2";
        for (int page = 0; page < 50; ++page) {
            auto r = http_->get(target, people_[person].token);
            EXPECT_EQ(r.status, 200) << describe(r);
            const json body = r.json();
            for (const auto& t : body["items"]) out[t["id"]] = t["can"];
            if (!body["next"].is_string()) break;
            target = "/api/v1/tasks?limit=2&cursor=" + body["next"].get<std::string>();
        }
        return out;
    }

    std::map<std::string, Person> people_;
};

// A person's list of pending actions as a feed client keeps it: the snapshot, then each task
// event applied by its "can" (kept while it holds "complete").
struct FeedInbox {
    support::WsClient socket;
    std::map<std::string, json> tasks;

    void apply(const json& message) {
        if (message.value("type", "") == "snapshot") {
            tasks.clear();
            for (const auto& t : message["items"]) tasks[t["id"]] = t["can"];
            return;
        }
        const auto t = message.find("task");
        if (t == message.end() || !t->is_object()) return;
        ASSERT_TRUE(t->contains("can")) << message.dump();
        ASSERT_FALSE(t->contains("excluded")) << "the policy's input stays inside";
        const json& can = (*t)["can"];
        const bool waits =
            (*t)["status"] == "open" && std::find(can.begin(), can.end(), "complete") != can.end();
        if (waits)
            tasks[(*t)["id"]] = can;
        else
            tasks.erase((*t)["id"].get<std::string>());
    }
};

TEST_F(Policy, RestAndTheFeedShowEveryPersonTheSameTasksWithTheSameCan) {
    const auto plain1 = start({{"kind", "plain"}}).at(0);
    const auto plain2 = start({{"kind", "plain"}}).at(0);
    const auto plain3 = start({{"kind", "plain"}}).at(0);
    const auto for_ann = start({{"kind", "assigned"}, {"who", "ann"}}).at(0);
    const auto for_cole = start({{"kind", "assigned"}, {"who", "cole"}}).at(0);
    const auto group = start({{"kind", "personal"}, {"group", {"clara", "ann"}}});
    ASSERT_EQ(group.size(), 2u);
    const auto not_clara = start({{"kind", "excluding"}, {"who", "clara"}}).at(0);

    std::map<std::string, FeedInbox> feeds;
    for (const auto& [name, person] : people_) {
        ASSERT_TRUE(feeds[name].socket.connect(accordd_->port(), "/api/v1/feed", person.bearer()))
            << name;
        auto snapshot = feeds[name].socket.read_json(3s);
        ASSERT_TRUE(snapshot.has_value()) << name;
        ASSERT_EQ((*snapshot)["type"], "snapshot") << name;
        feeds[name].apply(*snapshot);
    }
    const auto same_everywhere = [&](const std::string& when) {
        for (auto& [name, feed] : feeds) {
            for (const auto& m : feed.socket.drain(400ms)) feed.apply(m);
            EXPECT_EQ(feed.tasks, inbox_by_rest(name)) << name << ", " << when;
        }
    };
    same_everywhere("at the start");

    // What the policy says, seen through REST: who has what waiting.
    auto ids = [](const std::map<std::string, json>& m) {
        std::set<std::string> out;
        for (const auto& [id, can] : m) out.insert(id);
        return out;
    };
    EXPECT_EQ(ids(inbox_by_rest("clara")),
              (std::set<std::string>{plain1, plain2, plain3, for_ann, for_cole, group[0]}))
        << "clara: her role's tasks, her own group task, not ann's, not the one excluding her";
    EXPECT_EQ(ids(inbox_by_rest("ann")), (std::set<std::string>{for_ann, group[1]}));
    EXPECT_TRUE(inbox_by_rest("lena").empty()) << "a lead without the role oversees, not does";
    EXPECT_TRUE(inbox_by_rest("sam").empty());
    EXPECT_TRUE(inbox_by_rest("adam").empty());
    EXPECT_TRUE(inbox_by_rest("aud").empty());

    act("clara", plain1, "claim");
    act("lena", plain2, "reassign", {{"assignee", "ann"}});
    act("cole", plain3, "complete", {{"outcome", "done"}});
    act("clara", group[0], "complete", {{"outcome", "done"}});
    act("lars", not_clara, "claim");
    same_everywhere("after claims, a reassignment and completions");

    const auto cole = inbox_by_rest("cole");
    EXPECT_FALSE(cole.contains(plain1)) << "clara's claim binds";
    EXPECT_TRUE(cole.contains(plain2)) << "assigned to ann, still the role's";
    EXPECT_FALSE(cole.contains(plain3)) << "completed";
    EXPECT_EQ(inbox_by_rest("clara").at(plain1), json({"claim", "complete", "release"}));
    EXPECT_EQ(inbox_by_rest("lars").at(not_clara),
              json({"claim", "complete", "release", "reassign"}));
    EXPECT_TRUE(inbox_by_rest("ann").contains(plain2)) << "reassigned to her";

    // The lead releases clara's claim: the task waits for the role again.
    act("lena", plain1, "release");
    same_everywhere("after a lead released a claim");
    EXPECT_TRUE(inbox_by_rest("cole").contains(plain1));

    // A socket opened now starts from the same set.
    for (const auto& name : {"clara", "ann", "lars"}) {
        FeedInbox fresh;
        ASSERT_TRUE(fresh.socket.connect(accordd_->port(), "/api/v1/feed", people_[name].bearer()));
        auto snapshot = fresh.socket.read_json(3s);
        ASSERT_TRUE(snapshot.has_value());
        fresh.apply(*snapshot);
        EXPECT_EQ(fresh.tasks, inbox_by_rest(name)) << name << ", a new socket";
    }
}

TEST_F(Policy, AViewsCanIsWhatItsReaderMayDo) {
    const auto task = start({{"kind", "plain"}}).at(0);
    act("clara", task, "claim");
    const std::map<std::string, json> expected = {
        {"clara", {"claim", "complete", "release"}},
        {"cole", json::array()},
        {"lena", {"release", "reassign"}},
        {"adam", {"release", "reassign"}},
        {"aud", json::array()},
    };
    for (const auto& [name, can] : expected) {
        auto r = http_->get("/api/v1/tasks/" + task, people_[name].token);
        ASSERT_EQ(r.status, 200) << name << ": " << describe(r);
        EXPECT_EQ(r.json()["can"], can) << name;
    }
    // The instance's own "can": cancel, for an admin and a lead.
    const std::string instance = task.substr(0, task.find(".t"));
    for (const auto& [name, can] : std::map<std::string, json>{{"adam", {"cancel"}},
                                                               {"lena", {"cancel"}},
                                                               {"clara", json::array()},
                                                               {"aud", json::array()}}) {
        auto r = http_->get("/api/v1/instances/" + instance, people_[name].token);
        ASSERT_EQ(r.status, 200) << name << ": " << describe(r);
        EXPECT_EQ(r.json()["can"], can) << name;
    }
}

}  // namespace
}  // namespace accord::e2e
