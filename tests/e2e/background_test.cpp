// accordd's background loops as an operator sees them: a feed entry that makes the reader throw
// is passed over and the feed goes on; a loop that keeps failing is named by /readyz and counted
// by /metrics, and the node is ready again once the cause is gone.
#include "e2e_fixture.hpp"
#include "redis_query.hpp"

namespace accord::e2e {
namespace {

class Background : public E2eTest {
protected:
    void SetUp() override {
        E2eTest::SetUp();
        serve();
        olga_ = add_user("olga", {"officer"});
        dan_ = add_user("dan", {"dean"});
    }

    static int redis_port() {
        const std::string url = redis_url();
        const auto colon = url.rfind(':');
        return std::stoi(url.substr(colon + 1));
    }

    // One command against the test's Redis, as an operator's redis-cli would send it.
    static std::optional<std::string> redis(const std::vector<std::string>& command) {
        return support::query_redis(redis_port(), command);
    }

    // Polls `check` every 50 ms for up to `limit`.
    static bool eventually(const std::function<bool()>& check, std::chrono::milliseconds limit) {
        const auto end = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < end) {
            if (check()) return true;
            std::this_thread::sleep_for(50ms);
        }
        return check();
    }

    std::string metrics() { return http_->request("GET", "/metrics").body; }

    Person olga_, dan_;
};

TEST_F(Background, AFeedEntryThatMakesTheReaderThrowIsPassedOverAndTheFeedGoesOn) {
    support::WsClient ws;
    ASSERT_TRUE(ws.connect(accordd_->port(), "/api/v1/feed", dan_.bearer()));
    ASSERT_EQ(ws.read_json(3s).value_or(json())["type"], "snapshot");
    // An entry written straight into shard 0's feed, stamped like a commit's (the Redis time
    // in microseconds), whose event type is a number.
    const std::string feed = prefix() + ":{s0}:feed";
    auto added = redis({"EVAL",
                        "local t = redis.call('TIME') "
                        "return redis.call('XADD', KEYS[1], t[1] .. string.format('%06d', t[2]) .. "
                        "'-*', 'e', ARGV[1])",
                        "1", feed,
                        R"({"at": 1, "instance": "x", "workflow": "mou_proposal",
                            "events": [{"type": 5}]})"});
    ASSERT_TRUE(added);
    ASSERT_TRUE(eventually(
        [&] { return metrics().find("accord_feed_events_skipped_total 1") != std::string::npos; },
        5s))
        << metrics();
    // The feed goes on: the dean hears of the next proposal.
    const auto [id, draft] = start_proposal(*http_, olga_.token);
    auto submitted =
        http_->post("/api/v1/tasks/" + draft + "/complete",
                    {{"outcome", "submit"}, {"fields", proposal_fields()}}, olga_.token);
    ASSERT_EQ(submitted.status, 200) << describe(submitted);
    bool opened = false;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!opened && std::chrono::steady_clock::now() < deadline)
        if (auto m = ws.read_json(100ms); m && (*m)["type"] == "task.opened") opened = true;
    EXPECT_TRUE(opened) << "no task.opened after the bad entry";
    EXPECT_NE(metrics().find("accord_loop_up{loop=\"feed\"} 1"), std::string::npos) << metrics();
}

TEST_F(Background, ReadyzNamesALoopThatStaysDownAndIsReadyOnceItRecovered) {
    ASSERT_EQ(http_->request("GET", "/readyz").status, 200);
    // Shard 3's timer set made a string: every look for the earliest timer fails.
    const std::string timers = prefix() + ":{s3}:timers";
    ASSERT_TRUE(redis({"SET", timers, "not a sorted set"}));
    // Wakes every node's timer loop, as a commit with an earlier timer would.
    ASSERT_TRUE(redis({"XADD", prefix() + ":timer-wake", "*", "due", "1"}));
    ASSERT_TRUE(eventually(
        [&] {
            auto r = http_->request("GET", "/readyz");
            return r.status == 503 && r.body.find("timers") != std::string::npos;
        },
        8s))
        << http_->request("GET", "/readyz").body;
    EXPECT_EQ(metrics().find("accord_loop_restarts_total{loop=\"timers\"} 0"), std::string::npos)
        << "restarts counted";
    ASSERT_TRUE(redis({"DEL", timers}));
    EXPECT_TRUE(eventually([&] { return http_->request("GET", "/readyz").status == 200; }, 10s))
        << http_->request("GET", "/readyz").body;
}

}  // namespace
}  // namespace accord::e2e
