// Idempotency-Key on the writes that are not inputs to an instance: publishing a definition,
// moving the dev clock, adding and revoking users. A retry with the key gets the first answer
// and changes nothing (a new user's token is the one thing not given again); the key on another
// body is a 422; a key is one person's (another admin's same key is theirs).
#include <ctime>

#include "e2e_fixture.hpp"

namespace accord::e2e {
namespace {

class Idempotency : public E2eTest {
protected:
    void SetUp() override {
        E2eTest::SetUp();
        serve({"--dev-clock"});
        adam_ = add_user("adam", {"admin"});
        ada_ = add_user("ada", {"admin"});
    }
    static support::Headers keyed(const std::string& key) { return {{"Idempotency-Key", key}}; }
    // The dev clock's time in hours since the epoch (it runs on meanwhile: only a jump of a
    // day or more tells an advance).
    double hours() {
        auto r = http_->get("/api/v1/admin/clock", adam_.token);
        EXPECT_EQ(r.status, 200) << describe(r);
        return hours_of(r.json().value("now", ""));
    }
    static double hours_of(const std::string& rfc3339) {
        std::tm tm{};
        if (!strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return -1;
        return static_cast<double>(timegm(&tm)) / 3600.0;
    }

    Person adam_, ada_;
};

TEST_F(Idempotency, AClockAdvanceRetriedWithItsKeyMovesTheClockOnce) {
    const json advance = {{"advance", "P1D"}};
    auto first = http_->post("/api/v1/admin/clock", advance, adam_.token, keyed("tick-1"));
    ASSERT_EQ(first.status, 200) << describe(first);
    EXPECT_FALSE(first.has_header("Idempotent-Replayed"));
    const double after_first = hours();
    EXPECT_NEAR(hours_of(first.json()["now"]), after_first, 0.5);

    auto retried = http_->post("/api/v1/admin/clock", advance, adam_.token, keyed("tick-1"));
    ASSERT_EQ(retried.status, 200) << describe(retried);
    EXPECT_EQ(retried.body, first.body) << "the first answer again";
    EXPECT_EQ(retried.header("Idempotent-Replayed"), "true");
    EXPECT_NEAR(hours(), after_first, 0.5) << "the retry did not move the clock";

    // The same key on another request: refused, nothing moves.
    auto reused =
        http_->post("/api/v1/admin/clock", json{{"advance", "P2D"}}, adam_.token, keyed("tick-1"));
    EXPECT_TRUE(is_problem(reused, 422, "idempotency_key_reused")) << describe(reused);
    EXPECT_NEAR(hours(), after_first, 0.5);

    // Another person's key of the same text is theirs; a new key moves the clock again.
    auto other = http_->post("/api/v1/admin/clock", advance, ada_.token, keyed("tick-1"));
    ASSERT_EQ(other.status, 200) << describe(other);
    EXPECT_FALSE(other.has_header("Idempotent-Replayed"));
    EXPECT_NEAR(hours(), after_first + 24, 0.5);
    auto fresh = http_->post("/api/v1/admin/clock", advance, adam_.token, keyed("tick-2"));
    ASSERT_EQ(fresh.status, 200) << describe(fresh);
    EXPECT_NEAR(hours(), after_first + 48, 0.5);
}

TEST_F(Idempotency, APublishRetriedWithItsKeyAnswersTheFirstResultAndAReusedKeyIs422) {
    json draft = shipped_definition("legal_review");
    draft["version"] = 2;
    auto first = http_->post("/api/v1/definitions", draft, adam_.token, keyed("pub-1"));
    ASSERT_EQ(first.status, 201) << describe(first);
    auto retried = http_->post("/api/v1/definitions", draft, adam_.token, keyed("pub-1"));
    EXPECT_EQ(retried.status, 201) << describe(retried);
    EXPECT_EQ(retried.body, first.body);
    EXPECT_EQ(retried.header("Location"), first.header("Location"));
    EXPECT_EQ(retried.header("Idempotent-Replayed"), "true");

    json third = draft;
    third["version"] = 3;
    auto reused = http_->post("/api/v1/definitions", third, adam_.token, keyed("pub-1"));
    EXPECT_TRUE(is_problem(reused, 422, "idempotency_key_reused")) << describe(reused);
    EXPECT_EQ(http_->get("/api/v1/definitions/legal_review/versions/3", adam_.token).status, 404)
        << "the refused request stored nothing";

    // A refusal is kept as well: the same invalid body with its key is refused the same way.
    json invalid = draft;
    invalid["version"] = 4;
    invalid["start"] = "nowhere";
    auto refused = http_->post("/api/v1/definitions", invalid, adam_.token, keyed("pub-2"));
    ASSERT_TRUE(is_problem(refused, 422, "invalid_definition")) << describe(refused);
    auto again = http_->post("/api/v1/definitions", invalid, adam_.token, keyed("pub-2"));
    EXPECT_EQ(again.status, 422);
    EXPECT_EQ(again.body, refused.body);
}

TEST_F(Idempotency, TheSameJsonWithOtherSpacingAndMemberOrderIsTheSameRequest) {
    support::Headers headers = adam_.bearer();
    headers.emplace_back("Idempotency-Key", "add-erin");
    auto first = http_->request("POST", "/api/v1/admin/users",
                                R"({"name":"erin","roles":["dean","legal"]})", headers);
    ASSERT_EQ(first.status, 201) << describe(first);
    // As a client library or a proxy might send it again: other order, other spacing.
    auto retried = http_->request(
        "POST", "/api/v1/admin/users",
        "{\n  \"roles\" : [ \"dean\", \"legal\" ],\n  \"name\" : \"erin\"\n}", headers);
    ASSERT_EQ(retried.status, 201) << describe(retried);
    EXPECT_EQ(retried.header("Idempotent-Replayed"), "true");
    EXPECT_EQ(retried.json().value("name", ""), "erin");
    EXPECT_FALSE(retried.json().contains("token")) << retried.body;
    // Another value is another request, however it is spelt.
    auto other = http_->request("POST", "/api/v1/admin/users",
                                R"({"roles":["legal","dean"],"name":"erin"})", headers);
    EXPECT_TRUE(is_problem(other, 422, "idempotency_key_reused")) << describe(other);
    const json users = http_->get("/api/v1/admin/users", adam_.token).json();
    int erins = 0;
    for (const auto& u : users["items"]) erins += u.value("name", "") == "erin";
    EXPECT_EQ(erins, 1);
}

TEST_F(Idempotency, WithoutAKeyEachRequestIsItsOwn) {
    const json advance = {{"advance", "P1D"}};
    ASSERT_EQ(http_->post("/api/v1/admin/clock", advance, adam_.token).status, 200);
    const double once = hours();
    ASSERT_EQ(http_->post("/api/v1/admin/clock", advance, adam_.token).status, 200);
    EXPECT_NEAR(hours(), once + 24, 0.5);
}

TEST_F(Idempotency, AUserAddRetriedWithItsKeyMakesOneUserAndTheRetryShowsNoToken) {
    const json dora = {{"name", "dora"}, {"roles", json::array({"dean"})}};
    auto first = http_->post("/api/v1/admin/users", dora, adam_.token, keyed("add-dora"));
    ASSERT_EQ(first.status, 201) << describe(first);
    EXPECT_FALSE(first.has_header("Idempotent-Replayed"));
    const std::string token = first.json().value("token", "");
    ASSERT_FALSE(token.empty()) << describe(first);

    auto retried = http_->post("/api/v1/admin/users", dora, adam_.token, keyed("add-dora"));
    ASSERT_EQ(retried.status, 201) << describe(retried);
    EXPECT_EQ(retried.header("Idempotent-Replayed"), "true");
    EXPECT_EQ(retried.json().value("name", ""), "dora");
    EXPECT_EQ(retried.json()["roles"], json::array({"dean"}));
    EXPECT_FALSE(retried.json().contains("token")) << "a token is shown once: " << retried.body;

    auto me = http_->get("/api/v1/me", token);
    ASSERT_EQ(me.status, 200) << describe(me);
    EXPECT_EQ(me.json().value("name", ""), "dora");
    auto listed = http_->get("/api/v1/admin/users", adam_.token);
    ASSERT_EQ(listed.status, 200) << describe(listed);
    const json users = listed.json();  // (json() gives a value: not a range to bind into)
    int doras = 0;
    for (const auto& u : users["items"]) doras += u.value("name", "") == "dora";
    EXPECT_EQ(doras, 1);

    auto reused = http_->post("/api/v1/admin/users", json{{"name", "dora2"}, {"roles", {"dean"}}},
                              adam_.token, keyed("add-dora"));
    EXPECT_TRUE(is_problem(reused, 422, "idempotency_key_reused")) << describe(reused);
    EXPECT_EQ(http_->get("/api/v1/admin/users", adam_.token).body.find("dora2"), std::string::npos);

    // A keyed revoke retried: the first answer again; the token stays refused.
    auto revoked = http_->post("/api/v1/admin/users/dora/revoke", json::object(), adam_.token,
                               keyed("revoke-dora"));
    ASSERT_EQ(revoked.status, 200) << describe(revoked);
    auto again = http_->post("/api/v1/admin/users/dora/revoke", json::object(), adam_.token,
                             keyed("revoke-dora"));
    ASSERT_EQ(again.status, 200) << describe(again);
    EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
    EXPECT_EQ(again.body, revoked.body);
    EXPECT_EQ(http_->get("/api/v1/me", token).status, 401);

    // An admin can't revoke themselves (another admin can): refused, and still signed in.
    auto self = http_->post("/api/v1/admin/users/adam/revoke", json::object(), adam_.token);
    EXPECT_TRUE(is_problem(self, 409, "conflict")) << describe(self);
    EXPECT_EQ(http_->get("/api/v1/me", adam_.token).status, 200);
}

}  // namespace
}  // namespace accord::e2e
