// The feed across disconnections and nodes: a client that comes back with its last cursor gets
// exactly what it missed, in order, once; a cursor that is not one is refused; and a change
// committed through one node reaches a client of another.
#include "e2e_fixture.hpp"

namespace accord::e2e {
namespace {

class FeedResume : public E2eTest {
protected:
    void SetUp() override {
        E2eTest::SetUp();
        serve();
        olga_ = add_user("olga", {"officer"});
        dan_ = add_user("dan", {"dean"});
        dora_ = add_user("dora", {"dean"});
    }

    // Starts a proposal and submits it: its endorsement task opens for the deans.
    std::string submitted_proposal(const std::string& partner) {
        const auto [id, draft] = start_proposal(*http_, olga_.token, partner);
        auto submitted =
            http_->post("/api/v1/tasks/" + draft + "/complete",
                        {{"outcome", "submit"}, {"fields", proposal_fields()}}, olga_.token);
        EXPECT_EQ(submitted.status, 200) << describe(submitted);
        return submitted.json()["instance_state"]["tasks"][0]["id"];
    }

    // Reads until a message of this type about this task came; the messages read, in order.
    static std::vector<json> read_until(support::WsClient& ws, const std::string& type,
                                        const std::string& task) {
        std::vector<json> out;
        const auto deadline = std::chrono::steady_clock::now() + 3s;
        while (std::chrono::steady_clock::now() < deadline) {
            auto m = ws.read_json(100ms);
            if (!m) continue;
            out.push_back(*m);
            if ((*m)["type"] == type && (*m)["task"]["id"] == task) return out;
        }
        ADD_FAILURE() << "no " << type << " of " << task << " within 3 s";
        return out;
    }

    // What identifies an event, whichever socket it came on.
    static std::string identity(const json& m) {
        return m.value("type", "") + " " + m["task"].value("id", "") + " by " + m.value("by", "") +
               " at " + m.value("at", "");
    }
    static std::vector<std::string> identities(const std::vector<json>& ms) {
        std::vector<std::string> out;
        for (const auto& m : ms) out.push_back(identity(m));
        return out;
    }

    Person olga_, dan_, dora_;
};

TEST_F(FeedResume, ReconnectingWithTheLastCursorSendsExactlyTheMissedEventsInOrder) {
    // Two sockets of the dean: one stays connected throughout and tells what was sent.
    support::WsClient watcher, client;
    ASSERT_TRUE(watcher.connect(accordd_->port(), "/api/v1/feed", dan_.bearer()));
    ASSERT_TRUE(client.connect(accordd_->port(), "/api/v1/feed?token=" + dan_.token));
    ASSERT_EQ(watcher.read_json(3s).value_or(json())["type"], "snapshot");
    ASSERT_EQ(client.read_json(3s).value_or(json())["type"], "snapshot");

    const std::string first = submitted_proposal("Universidad de Chile");
    auto seen = read_until(client, "task.opened", first);
    ASSERT_FALSE(seen.empty());
    const std::string cursor = seen.back()["cursor"];
    ASSERT_FALSE(cursor.empty());
    read_until(watcher, "task.opened", first);
    client.close();

    // Meanwhile another dean claims and endorses it, and more proposals come in.
    const std::string second = submitted_proposal("Universidad de Salamanca");
    auto claimed = http_->post("/api/v1/tasks/" + first + "/claim", json::object(), dora_.token);
    ASSERT_EQ(claimed.status, 200) << describe(claimed);
    auto endorsed =
        http_->post("/api/v1/tasks/" + first + "/complete", {{"outcome", "endorse"}}, dora_.token);
    ASSERT_EQ(endorsed.status, 200) << describe(endorsed);
    const std::string third = submitted_proposal("Universidade de Lisboa");
    std::vector<json> missed = read_until(watcher, "task.opened", third);
    std::vector<std::string> expected = identities(missed);
    ASSERT_EQ(expected.size(), 4u) << json(expected).dump();  // opened, claimed, completed, opened
    EXPECT_EQ(missed[0]["task"]["id"], second) << json(expected).dump();
    EXPECT_EQ(missed[1]["type"], "task.claimed") << json(expected).dump();
    EXPECT_EQ(missed[2]["type"], "task.completed") << json(expected).dump();

    support::WsClient resumed;
    ASSERT_TRUE(resumed.connect(accordd_->port(), "/api/v1/feed?cursor=" + cursor, dan_.bearer()));
    std::vector<json> got;
    while (got.size() < expected.size())
        if (auto m = resumed.read_json(3s))
            got.push_back(*m);
        else
            break;
    for (auto& m : resumed.drain(500ms)) got.push_back(m);  // nothing more may come
    EXPECT_EQ(identities(got), expected);
    for (const auto& m : got) {
        EXPECT_NE(m["type"], "snapshot") << "no snapshot when resuming";
        EXPECT_FALSE(m.value("cursor", "").empty()) << m.dump();
    }

    // And then it carries on live, like the socket that never left.
    const std::string fourth = submitted_proposal("University of Cape Town");
    auto live = read_until(resumed, "task.opened", fourth);
    EXPECT_EQ(live.size(), 1u) << "only the new task: " << json(identities(live)).dump();
    auto watched = read_until(watcher, "task.opened", fourth);
    EXPECT_EQ(identities(live), identities(watched));
}

TEST_F(FeedResume, ACursorThatIsNotAFeedCursorIsRefused) {
    for (const std::string garbage : {"garbage", "MTIzNDU", "0-0", "%00%ff"}) {
        SCOPED_TRACE(garbage);
        support::WsClient ws;
        if (!ws.connect(accordd_->port(), "/api/v1/feed?cursor=" + garbage, dan_.bearer())) {
            EXPECT_TRUE(ws.upgrade_status() == 400) << ws.upgrade_status();  // refused upfront
            continue;
        }
        EXPECT_TRUE(ws.wait_closed(2s)) << "still open";
        EXPECT_EQ(ws.close_code(), 1008);
        EXPECT_EQ(ws.read_json(0ms), std::nullopt) << "nothing before the close";
    }
    // The server still serves feeds.
    support::WsClient ok;
    ASSERT_TRUE(ok.connect(accordd_->port(), "/api/v1/feed", dan_.bearer()));
    EXPECT_EQ(ok.read_json(3s).value_or(json())["type"], "snapshot");
}

TEST_F(FeedResume, AChangeCommittedThroughOneNodeReachesAFeedClientOfAnother) {
    auto node_b = start_accordd();
    support::WsClient on_b;
    ASSERT_TRUE(on_b.connect(node_b->port(), "/api/v1/feed", dan_.bearer()));
    ASSERT_EQ(on_b.read_json(3s).value_or(json())["type"], "snapshot");

    const auto committed = std::chrono::steady_clock::now();
    const std::string task = submitted_proposal("Universidad de Chile");  // through node A
    auto got = read_until(on_b, "task.opened", task);
    EXPECT_LT(std::chrono::steady_clock::now() - committed, 2s);
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.back()["task"]["role"], "dean");

    // And the other way: dora completes it through node B; node A's feed client sees it.
    support::WsClient on_a;
    ASSERT_TRUE(on_a.connect(accordd_->port(), "/api/v1/feed", dan_.bearer()));
    auto snapshot = on_a.read_json(3s).value_or(json());
    ASSERT_EQ(snapshot["type"], "snapshot");
    EXPECT_EQ(ids_of(snapshot["items"]), std::set<std::string>{task});
    support::HttpClient b(node_b->port());
    auto endorsed =
        b.post("/api/v1/tasks/" + task + "/complete", {{"outcome", "endorse"}}, dora_.token);
    ASSERT_EQ(endorsed.status, 200) << describe(endorsed);
    auto seen = read_until(on_a, "task.completed", task);
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back()["by"], "dora");
}

}  // namespace
}  // namespace accord::e2e
