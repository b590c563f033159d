// Webhooks over real HTTP: an admin registers a receiver (a Python HTTP server that checks each
// signature with Python's hmac); the events it asked for reach it as signed JSON POSTs naming
// the event, its instance and task; a receiver that fails the first attempts gets the same
// delivery id on each retry, every attempt recorded; a test delivery and a redelivery; bad
// registrations refused at their pointer; --webhook-allow keeps other destinations out.
#include "e2e_fixture.hpp"
#include "helper_servers.hpp"

namespace accord::e2e {
namespace {

constexpr const char* kSecret = "a shared secret of the ERP team";

class Webhooks : public E2eTest {
protected:
    void start(int fail_first, std::vector<std::string> extra = {}) {
        receiver_ = std::make_unique<support::WebhookReceiver>(kSecret, fail_first);
        extra.push_back("--dev-clock");
        serve(extra);
        adam_ = add_user("adam", {"admin"});
        lina_ = add_user("lina", {"legal"});
        const json review = {
            {"workflow", "hooked"},
            {"version", 1},
            {"title", "Hooked"},
            {"start", "review"},
            {"states",
             {{"review",
               {{"task", {{"role", "legal"}, {"title", "Review"}, {"outcomes", {"approve"}}}},
                {"on", {{"approve", "done"}}}}},
              {"done", {{"final", "approved"}}}}}};
        auto put = http_->post("/api/v1/definitions", review, adam_.token);
        ASSERT_EQ(put.status, 201) << describe(put);
    }
    json add_hook(const json& events) {
        auto r = http_->post("/api/v1/admin/webhooks",
                             {{"url", receiver_->url()}, {"events", events}, {"secret", kSecret}},
                             adam_.token);
        EXPECT_EQ(r.status, 201) << describe(r);
        return r.json();
    }
    std::string start_instance() {
        auto started = http_->post("/api/v1/instances", {{"workflow", "hooked"}}, adam_.token);
        EXPECT_EQ(started.status, 201) << describe(started);
        return started.json().value("id", "");
    }
    json deliveries(const std::string& hook) {
        auto r = http_->get("/api/v1/admin/webhooks/" + hook + "/deliveries", adam_.token);
        EXPECT_EQ(r.status, 200) << describe(r);
        return r.json()["items"];
    }

    std::unique_ptr<support::WebhookReceiver> receiver_;
    Person adam_, lina_;
};

TEST_F(Webhooks, TheEventsAskedForArriveSignedNamingTheirInstanceAndTask) {
    start(0);
    const json hook = add_hook({"task.opened", "task.completed"});
    EXPECT_FALSE(hook.contains("secret")) << "the secret is never shown";
    const std::string id = start_instance();
    auto got = receiver_->wait_for(1, 10s);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_TRUE(got[0]["signature_valid"]) << got[0].dump();
    EXPECT_EQ(got[0]["content_type"], "application/json");
    const json& body = got[0]["body"];
    EXPECT_EQ(body["event"], "task.opened");
    EXPECT_EQ(body["instance"], id);
    EXPECT_EQ(body["workflow"], "hooked");
    EXPECT_EQ(body["task"]["id"], id + ".t1");
    EXPECT_EQ(body["id"], got[0]["delivery"]) << "the body names its delivery";
    // |now - t| is small: a signature of now, not of when the event happened.
    const auto t = std::stoll(got[0]["t"].get<std::string>());
    EXPECT_LT(std::llabs(t - static_cast<long long>(std::time(nullptr))), 3600LL * 24 * 400);

    auto done = http_->post("/api/v1/tasks/" + id + ".t1/complete", {{"outcome", "approve"}},
                            lina_.token);
    ASSERT_EQ(done.status, 200) << describe(done);
    got = receiver_->wait_for(2, 10s);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[1]["body"]["event"], "task.completed");
    EXPECT_EQ(got[1]["body"]["by"], "lina");
    EXPECT_EQ(receiver_->wait_for(3, 500ms).size(), 2u) << "instance.finished was not asked for";

    const json list = http_->get("/api/v1/admin/webhooks", adam_.token).json();
    ASSERT_EQ(list["items"].size(), 1u);
    EXPECT_EQ(list["items"][0]["url"], receiver_->url());
    EXPECT_FALSE(list["items"][0].contains("secret"));
    const json audit = http_->get("/api/v1/admin/audit", adam_.token).json();
    bool audited = false;
    for (const auto& e : audit["items"]) audited = audited || e["action"] == "webhook.add";
    EXPECT_TRUE(audited);
}

TEST_F(Webhooks, AFailedDeliveryIsRetriedWithTheSameIdAndItsAttemptsAreKept) {
    start(2);  // the first two POSTs are answered 500
    const json hook = add_hook({"task.opened"});
    start_instance();
    ASSERT_EQ(receiver_->wait_for(1, 10s).size(), 1u);
    // The next attempts come after 30 s and 60 s of back-off: move the clock past each, once
    // the attempt before it is on record (and so its retry set).
    const auto attempts = [&] {
        const json d = deliveries(hook["id"]);
        return d.size() == 1 ? d[0]["attempts"].size() : 0u;
    };
    for (std::size_t i = 1; i <= 2; ++i) {
        ASSERT_TRUE(eventually([&] { return attempts() == i; }, 10s)) << deliveries(hook["id"]);
        auto moved = http_->post("/api/v1/admin/clock", {{"advance", "PT2M"}}, adam_.token);
        ASSERT_EQ(moved.status, 200) << describe(moved);
    }
    const auto got = receiver_->wait_for(3, 10s);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0]["answered"], 500);
    EXPECT_EQ(got[2]["answered"], 200);
    for (const auto& g : got) {
        EXPECT_EQ(g["delivery"], got[0]["delivery"]) << "one delivery, one id";
        EXPECT_TRUE(g["signature_valid"]);
        EXPECT_EQ(g["body"], got[0]["body"]);
    }
    ASSERT_TRUE(eventually([&] {
        const json d = deliveries(hook["id"]);
        return d.size() == 1 && d[0]["state"] == "delivered";
    })) << deliveries(hook["id"]).dump();
    const json record = deliveries(hook["id"])[0];
    ASSERT_EQ(record["attempts"].size(), 3u) << record.dump();
    EXPECT_EQ(record["attempts"][0]["status"], 500);
    EXPECT_EQ(record["attempts"][2]["status"], 200);

    // A redelivery: the same id again; a test delivery: a ping.
    auto again = http_->post("/api/v1/admin/webhooks/" + hook["id"].get<std::string>() +
                                 "/deliveries/" + record["id"].get<std::string>() + "/redeliver",
                             json::object(), adam_.token);
    ASSERT_EQ(again.status, 202) << describe(again);
    auto ping = http_->post("/api/v1/admin/webhooks/" + hook["id"].get<std::string>() + "/test",
                            json::object(), adam_.token);
    ASSERT_EQ(ping.status, 202) << describe(ping);
    const auto all = receiver_->wait_for(5, 10s);
    ASSERT_EQ(all.size(), 5u);
    std::set<std::string> kinds;
    for (std::size_t i = 3; i < 5; ++i) {
        kinds.insert(all[i]["body"]["event"]);
        EXPECT_TRUE(all[i]["signature_valid"]);
        if (all[i]["body"]["event"] == "task.opened") {
            EXPECT_EQ(all[i]["delivery"], record["id"]);
        }
    }
    EXPECT_EQ(kinds, (std::set<std::string>{"task.opened", "ping"}));

    auto removed = http_->request("DELETE", "/api/v1/admin/webhooks/" + hook["id"].get<std::string>(),
                                  "", adam_.bearer());
    EXPECT_EQ(removed.status, 204) << describe(removed);
    start_instance();
    EXPECT_EQ(receiver_->wait_for(6, 1s).size(), 5u) << "deleted: nothing more";
}

TEST_F(Webhooks, BadRegistrationsAreRefusedAtTheirPointerAndOnlyAdminsRegister) {
    start(0, {"--webhook-allow", "https://erp.birzeit.example/"});
    auto post = [&](const json& spec, const Person& who) {
        return http_->post("/api/v1/admin/webhooks", spec, who.token);
    };
    const json good = {{"url", "https://erp.birzeit.example/accord"},
                       {"events", {"task.opened"}},
                       {"secret", kSecret}};
    EXPECT_TRUE(is_problem(post(good, lina_), 403));
    json bad = good;
    bad["events"] = {"task.opened", "task.exploded"};
    auto r = post(bad, adam_);
    ASSERT_TRUE(is_problem(r, 400)) << describe(r);
    EXPECT_EQ(r.json()["pointer"], "/events/1");
    bad = good;
    bad["secret"] = "short";
    r = post(bad, adam_);
    ASSERT_TRUE(is_problem(r, 400)) << describe(r);
    EXPECT_EQ(r.json()["pointer"], "/secret");
    bad = good;
    bad["url"] = "ftp://erp.birzeit.example/";
    EXPECT_TRUE(is_problem(post(bad, adam_), 400));
    bad["url"] = receiver_->url();
    r = post(bad, adam_);
    EXPECT_TRUE(is_problem(r, 403)) << "not among --webhook-allow: " << describe(r);
    EXPECT_EQ(post(good, adam_).status, 201);
    EXPECT_TRUE(is_problem(http_->get("/api/v1/admin/webhooks/nope/deliveries", adam_.token), 404));
}

}  // namespace
}  // namespace accord::e2e
