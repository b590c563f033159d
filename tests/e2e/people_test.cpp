// People over real HTTP: signing in with a password and the session cookie it sets, signing out
// on one node refused at once on another, sessions that end when idle or old, a password change
// ending the other sessions, the cookie refused from a foreign origin, failed sign-ins held back
// per name and per address (behind a trusted proxy, the forwarded one), profiles, units and the
// audit.
#include <ctime>
#include <thread>
#include <tuple>

#include "e2e_fixture.hpp"

namespace accord::e2e {
namespace {

constexpr const char* kPassword = "olive tree by the well";

class People : public E2eTest {
protected:
    void SetUp() override {
        E2eTest::SetUp();
        adam_ = add_user("adam", {"admin"});
    }

    // The test's own accordd (serve(extra)), and olga, an officer with a password.
    void start(std::vector<std::string> extra = {}) {
        serve(std::move(extra));
        olga_ = add_user("olga", {"officer"});
        set_password("olga", kPassword);
    }

    void set_password(const std::string& name, const std::string& password) {
        auto r = http_->request("PUT", "/api/v1/admin/users/" + name + "/password",
                                json{{"password", password}}.dump(), adam_.bearer());
        ASSERT_EQ(r.status, 204) << describe(r);
    }

    static support::HttpResponse sign_in(support::HttpClient& http, const std::string& name,
                                         const std::string& password,
                                         const support::Headers& headers = {}) {
        return http.request("POST", "/api/v1/session",
                            json{{"name", name}, {"password", password}}.dump(), headers);
    }
    // The session cookie ("accord_session=...") a sign-in set; empty if none.
    static std::string cookie_of(const support::HttpResponse& r) {
        const std::string set = r.header("Set-Cookie");
        return set.substr(0, set.find(';'));
    }
    std::string signed_in(support::HttpClient& http) {
        auto r = sign_in(http, "olga", kPassword);
        EXPECT_EQ(r.status, 200) << describe(r);
        return cookie_of(r);
    }

    std::string origin(const support::AccorddProcess& node) const {
        return "http://127.0.0.1:" + std::to_string(node.port());
    }
    // A browser's request from the server's own page: the cookie and the Origin.
    support::Headers browser(const std::string& cookie, const support::AccorddProcess& node) const {
        return {{"Cookie", cookie}, {"Origin", origin(node)}};
    }

    Person adam_, olga_;
};

TEST_F(People, SignInSetsASessionCookieThatTheApiAndTheFeedAccept) {
    start();
    auto r = sign_in(*http_, "olga", kPassword);
    ASSERT_EQ(r.status, 200) << describe(r);
    EXPECT_EQ(r.json()["name"], "olga");
    EXPECT_EQ(r.json()["roles"], json::array({"officer"}));
    EXPECT_EQ(r.json()["has_password"], true);
    const std::string set = r.header("Set-Cookie");
    EXPECT_TRUE(set.starts_with("accord_session=acs_")) << set;
    for (const char* attribute : {"; HttpOnly", "; SameSite=Strict", "; Path=/", "; Max-Age="})
        EXPECT_NE(set.find(attribute), std::string::npos) << attribute << " in " << set;
    EXPECT_EQ(set.find("Secure"), std::string::npos) << "plain HTTP: " << set;
    const std::string cookie = cookie_of(r);

    auto me = http_->get("/api/v1/me", "", {{"Cookie", cookie}});
    ASSERT_EQ(me.status, 200) << describe(me);
    EXPECT_EQ(me.json()["name"], "olga");
    EXPECT_EQ(http_->get("/api/v1/tasks", "", {{"Cookie", "a=1; " + cookie + "; b=2"}}).status,
              200);
    EXPECT_TRUE(is_problem(http_->get("/api/v1/me", "", {{"Cookie", "accord_session=acs_x"}}),
                           401));

    // The feed: with the cookie from the server's own page; not from another site's, nor
    // without an Origin (a browser always sends one on a WebSocket).
    support::WsClient feed;
    ASSERT_TRUE(feed.connect(accordd_->port(), "/api/v1/feed", browser(cookie, *accordd_)));
    EXPECT_EQ(feed.read_json(3s).value_or(json())["type"], "snapshot");
    for (const support::Headers& refused :
         {support::Headers{{"Cookie", cookie}, {"Origin", "https://evil.example"}},
          support::Headers{{"Cookie", cookie}}}) {
        support::WsClient other;
        EXPECT_FALSE(other.connect(accordd_->port(), "/api/v1/feed", refused));
        EXPECT_EQ(other.upgrade_status(), 401) << other.upgrade_body();
    }
}

TEST_F(People, AWrongPasswordAndAnUnknownNameGetTheSame401) {
    start();
    auto wrong = sign_in(*http_, "olga", "not her password");
    auto unknown = sign_in(*http_, "nobody", kPassword);
    auto no_password = sign_in(*http_, "adam", kPassword);  // adam has none
    auto odd_name = sign_in(*http_, std::string(5000, 'X') + "'; --", kPassword);
    auto huge_password = sign_in(*http_, "olga", std::string(100'000, 'p'));
    for (const auto* r : {&wrong, &unknown, &no_password, &odd_name, &huge_password}) {
        EXPECT_TRUE(is_problem(*r, 401, "unauthorized")) << describe(*r);
        EXPECT_EQ(r->header("Set-Cookie"), "");
        EXPECT_EQ(r->json()["detail"], wrong.json()["detail"]);
    }
    EXPECT_TRUE(is_problem(http_->request("POST", "/api/v1/session", R"({"name": "olga"})"), 400));
    EXPECT_NE(accordd_->log().find("failed sign-in as olga"), std::string::npos);
}

TEST_F(People, ACookieWriteFromAForeignOriginOrWithoutOneIsRefusedAndChangesNothing) {
    start();
    const std::string cookie = signed_in(*http_);
    const std::string change = json{{"language", "ar"}}.dump();
    for (const support::Headers& refused :
         {support::Headers{{"Cookie", cookie}},
          support::Headers{{"Cookie", cookie}, {"Origin", "https://evil.example"}},
          support::Headers{{"Cookie", cookie}, {"Origin", origin(*accordd_) + ".evil.example"}}}) {
        auto r = http_->request("PATCH", "/api/v1/me", change, refused);
        EXPECT_TRUE(is_problem(r, 403, "forbidden")) << describe(r);
    }
    EXPECT_EQ(http_->get("/api/v1/me", "", {{"Cookie", cookie}}).json()["language"], "en");
    auto own = http_->request("PATCH", "/api/v1/me", change, browser(cookie, *accordd_));
    ASSERT_EQ(own.status, 200) << describe(own);
    EXPECT_EQ(own.json()["language"], "ar");
    // A sign-in that says where it comes from must come from here too.
    EXPECT_TRUE(is_problem(sign_in(*http_, "olga", kPassword, {{"Origin", "https://evil.example"}}),
                           403));
    // Tokens keep working for scripts, which send no Origin.
    auto script = http_->request("PATCH", "/api/v1/me", json{{"language", "en"}}.dump(),
                                 olga_.bearer());
    EXPECT_EQ(script.status, 200) << describe(script);
}

TEST_F(People, WithAPublicUrlItsOriginIsTheOneAccepted) {
    start({"--public-url", "https://accord.example.edu/ir"});
    auto r = sign_in(*http_, "olga", kPassword);
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.header("Set-Cookie").find("; Secure"), std::string::npos)
        << "an https public URL: the cookie goes over TLS only";
    const std::string cookie = cookie_of(r);
    const std::string change = json{{"language", "ar"}}.dump();
    EXPECT_EQ(http_->request("PATCH", "/api/v1/me", change,
                             {{"Cookie", cookie}, {"Origin", origin(*accordd_)}})
                  .status,
              403);
    EXPECT_EQ(http_->request("PATCH", "/api/v1/me", change,
                             {{"Cookie", cookie}, {"Origin", "https://accord.example.edu"}})
                  .status,
              200);
}

TEST_F(People, SignOutOnOneNodeIsRefusedAtOnceOnAnother) {
    start();
    auto other = start_accordd();
    support::HttpClient http_b(other->port());
    const std::string cookie = signed_in(*http_);
    ASSERT_EQ(http_b.get("/api/v1/me", "", {{"Cookie", cookie}}).status, 200);  // known there
    auto out = http_->request("DELETE", "/api/v1/session", "", browser(cookie, *accordd_));
    ASSERT_EQ(out.status, 204) << describe(out);
    EXPECT_NE(out.header("Set-Cookie").find("Max-Age=0"), std::string::npos);
    // No waiting: the next request on the other node is refused.
    EXPECT_TRUE(is_problem(http_b.get("/api/v1/me", "", {{"Cookie", cookie}}), 401));
    EXPECT_TRUE(is_problem(http_->get("/api/v1/me", "", {{"Cookie", cookie}}), 401));
    // A token is not a session.
    EXPECT_TRUE(is_problem(http_->request("DELETE", "/api/v1/session", "", olga_.bearer()), 409));
}

TEST_F(People, ASessionEndsWhenIdleTooLongAndAtItsLifetime) {
    start({"--session-idle", "3", "--session-lifetime", "6"});
    // Idle: used within its idle time it lives on; left alone longer, it ends.
    // Each clock starts on its own side of its sign-in (a sign-in hashes a password: slow on a
    // busy machine): the lifetime's before `used` began, the idle time's after `idle` began.
    const auto began = std::chrono::steady_clock::now();
    const std::string used = signed_in(*http_);
    const std::string idle = signed_in(*http_);
    const auto idle_since = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - idle_since < 3500ms) {
        std::this_thread::sleep_for(500ms);
        EXPECT_EQ(http_->get("/api/v1/me", "", {{"Cookie", used}}).status, 200);
    }
    EXPECT_TRUE(is_problem(http_->get("/api/v1/me", "", {{"Cookie", idle}}), 401))
        << "idle for 3.5 s of 3";
    // Its lifetime: used all along, it still ends 6 s after the sign-in.
    int last = 200;
    while (std::chrono::steady_clock::now() - began < 9s && last == 200) {
        std::this_thread::sleep_for(500ms);
        last = http_->get("/api/v1/me", "", {{"Cookie", used}}).status;
    }
    EXPECT_EQ(last, 401);
    EXPECT_GE(std::chrono::steady_clock::now() - began, 6s);
}

TEST_F(People, APasswordChangeEndsThePersonsOtherSessionsAndKeepsTheCallerSignedIn) {
    start();
    support::HttpClient laptop(accordd_->port()), phone(accordd_->port());
    const std::string on_laptop = signed_in(laptop);
    const std::string on_phone = signed_in(phone);
    const auto change = [&](const std::string& old_password, const std::string& new_password) {
        return laptop.request("PUT", "/api/v1/me/password",
                              json{{"old", old_password}, {"new", new_password}}.dump(),
                              browser(on_laptop, *accordd_));
    };
    EXPECT_TRUE(is_problem(change("not the old one", "cedar on the hill 7"), 403));
    for (const char* weak : {"short", "Password2024!", "qwertyuiop", "olga-the-officer"}) {
        auto r = change(kPassword, weak);
        EXPECT_TRUE(is_problem(r, 400)) << weak << ": " << describe(r);
        EXPECT_EQ(r.json()["pointer"], "/new") << weak;
    }
    auto changed = change(kPassword, "cedar on the hill 7");
    ASSERT_EQ(changed.status, 204) << describe(changed);
    const std::string renewed = cookie_of(changed);
    ASSERT_FALSE(renewed.empty()) << "the caller gets a new session";
    EXPECT_TRUE(is_problem(phone.get("/api/v1/me", "", {{"Cookie", on_phone}}), 401));
    EXPECT_TRUE(is_problem(laptop.get("/api/v1/me", "", {{"Cookie", on_laptop}}), 401));
    EXPECT_EQ(laptop.get("/api/v1/me", "", {{"Cookie", renewed}}).status, 200);
    EXPECT_TRUE(is_problem(sign_in(phone, "olga", kPassword), 401));
    EXPECT_EQ(sign_in(phone, "olga", "cedar on the hill 7").status, 200);
    // Tokens are not sessions: olga's still works.
    EXPECT_EQ(http_->get("/api/v1/me", olga_.token).status, 200);
}

TEST_F(People, ARevokedPersonsSessionsEnd) {
    start();
    const std::string cookie = signed_in(*http_);
    revoke_user("olga");
    EXPECT_TRUE(is_problem(http_->get("/api/v1/me", "", {{"Cookie", cookie}}), 401));
    EXPECT_TRUE(is_problem(sign_in(*http_, "olga", kPassword), 401));
}

TEST_F(People, FailedSignInsAreHeldBackWhileTheRightPasswordAfterAFewStillSignsIn) {
    start();
    for (int i = 0; i < 3; ++i) EXPECT_EQ(sign_in(*http_, "olga", "guess " + std::to_string(i)).status, 401);
    EXPECT_EQ(sign_in(*http_, "olga", kPassword).status, 200) << "three failures: still in";
    // Five more (the success forgot the three): the next try waits, whatever the password.
    for (int i = 0; i < 5; ++i) EXPECT_EQ(sign_in(*http_, "olga", "guess " + std::to_string(i)).status, 401);
    auto held = sign_in(*http_, "olga", kPassword);
    ASSERT_TRUE(is_problem(held, 429, "rate_limited")) << describe(held);
    const int wait = std::stoi(held.header("Retry-After"));
    EXPECT_GE(wait, 1);
    EXPECT_LE(wait, 2);
    EXPECT_EQ(held.header("Set-Cookie"), "");
    // Another name from the same address is not held back by olga's failures.
    auto other = add_user("omar", {"officer"});
    set_password("omar", "fig trees in the valley");
    EXPECT_EQ(sign_in(*http_, "omar", "fig trees in the valley").status, 200);
    std::this_thread::sleep_for(std::chrono::seconds(wait) + 100ms);
    EXPECT_EQ(sign_in(*http_, "olga", kPassword).status, 200) << "after the wait";
    EXPECT_NE(accordd_->log().find("held back"), std::string::npos);
}

TEST_F(People, BehindATrustedProxyTheForwardedAddressIsTheOneHeldBack) {
    start({"--trusted-proxy", "127.0.0.1"});
    auto direct = start_accordd();  // no trusted proxy: X-Forwarded-For is not believed
    support::HttpClient http_direct(direct->port());
    const support::Headers from_a = {{"X-Forwarded-For", "10.0.0.7"}};
    const support::Headers from_b = {{"X-Forwarded-For", "10.0.0.8"}};
    // Twenty failures from one address, each for another name (no name is held back).
    for (int i = 0; i < 20; ++i)
        EXPECT_EQ(sign_in(*http_, "guest" + std::to_string(i), "x", from_a).status, 401);
    EXPECT_TRUE(is_problem(sign_in(*http_, "olga", kPassword, from_a), 429));
    EXPECT_EQ(sign_in(*http_, "olga", kPassword, from_b).status, 200);
    // Where X-Forwarded-For is not believed, the connection's address counts: it failed
    // nothing.
    EXPECT_EQ(sign_in(http_direct, "olga", kPassword, from_a).status, 200);
}

TEST_F(People, AdminsSetProfilesRolesAndUnitsAndTheAuditSaysWhoDidWhat) {
    start();
    const json units = {{"items",
                         {{{"id", "uni"}, {"name", {{"en", "University"}, {"ar", "الجامعة"}}},
                           {"parent", nullptr}},
                          {{"id", "eng"},
                           {"name", {{"en", "Faculty of Engineering"}, {"ar", "كلية الهندسة"}}},
                           {"parent", "uni"}}}}};
    auto put = http_->request("PUT", "/api/v1/admin/units", units.dump(), adam_.bearer());
    ASSERT_EQ(put.status, 200) << describe(put);
    EXPECT_EQ(http_->get("/api/v1/admin/units", olga_.token).json(), units);
    auto bad_tree = http_->request(
        "PUT", "/api/v1/admin/units",
        json{{"items", {{{"id", "a"}, {"name", {{"en", "A"}, {"ar", "أ"}}}, {"parent", "b"}}}}}
            .dump(),
        adam_.bearer());
    EXPECT_TRUE(is_problem(bad_tree, 400));
    EXPECT_EQ(bad_tree.json()["pointer"], "/items/0/parent");
    EXPECT_TRUE(is_problem(
        http_->request("PUT", "/api/v1/admin/units", units.dump(), olga_.bearer()), 403));

    const json change = {{"roles", {"officer", "dean"}},
                         {"units", {"eng"}},
                         {"display_name", "علياء منصور"},
                         {"email", "olga@example.edu"}};
    auto patched = http_->request("PATCH", "/api/v1/admin/users/olga", change.dump(),
                                  adam_.bearer());
    ASSERT_EQ(patched.status, 200) << describe(patched);
    // At once, for her token too.
    const json me = http_->get("/api/v1/me", olga_.token).json();
    EXPECT_EQ(me["roles"], json::array({"dean", "officer"}));
    EXPECT_EQ(me["units"], json::array({"eng"}));
    EXPECT_EQ(me["display_name"], "علياء منصور");
    EXPECT_EQ(me["email"], "olga@example.edu");

    // What a profile names must exist; a person changes only what is theirs to change.
    auto no_unit = http_->request("PATCH", "/api/v1/admin/users/olga",
                                  json{{"units", {"eng", "med"}}}.dump(), adam_.bearer());
    EXPECT_TRUE(is_problem(no_unit, 400));
    EXPECT_EQ(no_unit.json()["pointer"], "/units/1");
    auto no_deputy = http_->request(
        "PATCH", "/api/v1/me",
        json{{"away", {{"from", "2027-07-01"}, {"to", "2027-07-14"}, {"deputy", "nobody"}}}}.dump(),
        olga_.bearer());
    EXPECT_TRUE(is_problem(no_deputy, 400));
    EXPECT_EQ(no_deputy.json()["pointer"], "/away/deputy");
    auto own_name = http_->request("PATCH", "/api/v1/me", json{{"display_name", "X"}}.dump(),
                                   olga_.bearer());
    EXPECT_TRUE(is_problem(own_name, 403));
    auto away = http_->request(
        "PATCH", "/api/v1/me",
        json{{"time_zone", "Asia/Hebron"},
             {"away", {{"from", "2027-07-01"}, {"to", "2027-07-14"}, {"deputy", "adam"}}}}
            .dump(),
        olga_.bearer());
    ASSERT_EQ(away.status, 200) << describe(away);
    EXPECT_EQ(away.json()["away"]["deputy"], "adam");
    // A unit someone belongs to stays.
    auto shrink = http_->request("PUT", "/api/v1/admin/units",
                                 json{{"items", {units["items"][0]}}}.dump(), adam_.bearer());
    EXPECT_TRUE(is_problem(shrink, 409));
    EXPECT_NE(shrink.json().value("detail", "").find("olga"), std::string::npos);

    // The audit, newest first, for admins and auditors.
    auto aud = add_user("aud", {"auditor"});
    auto page = http_->get("/api/v1/admin/audit?limit=3", aud.token);
    ASSERT_EQ(page.status, 200) << describe(page);
    const json items = page.json()["items"];
    ASSERT_EQ(items.size(), 3u);
    EXPECT_EQ(items[0]["action"], "user.add");  // aud, by accordctl
    EXPECT_EQ(items[0]["by"], "accordctl");
    EXPECT_EQ(items[1]["action"], "user.update");  // olga's away, by herself
    EXPECT_EQ(items[1]["by"], "olga");
    EXPECT_EQ(items[2]["action"], "user.update");  // olga's roles and units, by adam
    EXPECT_EQ(items[2]["by"], "adam");
    EXPECT_EQ(items[2]["target"], "olga");
    EXPECT_EQ(items[2]["detail"]["roles"], json::array({"dean", "officer"}));
    ASSERT_TRUE(page.json()["next"].is_string());
    const json rest = http_->get("/api/v1/admin/audit?limit=50&cursor=" +
                                     page.json()["next"].get<std::string>(),
                                 aud.token)
                          .json()["items"];
    std::vector<std::string> actions;
    int stored_at_start = 0;
    for (const auto& e : rest) {
        if (e["action"] == "definition.put") {
            // The shipped workflows this accordd stored when it started.
            EXPECT_EQ(e["by"], "accordd") << e.dump();
            ++stored_at_start;
            continue;
        }
        actions.push_back(e["action"]);
    }
    EXPECT_EQ(actions, (std::vector<std::string>{"units.put", "user.password", "user.add",
                                                 "user.add"}));
    EXPECT_EQ(stored_at_start, 6);
    for (const auto& e : rest) EXPECT_EQ(e.dump().find("olive"), std::string::npos) << "no password kept";
    EXPECT_TRUE(is_problem(http_->get("/api/v1/admin/audit", olga_.token), 403));
    EXPECT_TRUE(is_problem(http_->get("/api/v1/admin/audit?cursor=zzz", aud.token), 400));
}

TEST_F(People, AnEscalationLadderClimbsStepByStepAndEachStepIsOnTheFeed) {
    start({"--dev-clock"});
    auto lena = add_user("lena", {"legal_lead"});
    auto dora = add_user("dora", {"director"});
    const json ladder = {
        {"workflow", "ladder"},
        {"version", 1},
        {"title", "A review that climbs"},
        {"start", "review"},
        {"states",
         {{"review",
           {{"task",
             {{"role", "legal"},
              {"title", "Review"},
              {"outcomes", {"approve"}},
              {"escalate", json::array({{{"after", "P3D"}, {"role", "legal_lead"}},
                                        {{"after", "P7D"}, {"role", "director"}}})}}},
            {"on", {{"approve", "done"}}}}},
          {"done", {{"final", "approved"}}}}}};
    ASSERT_EQ(http_->post("/api/v1/definitions", ladder, adam_.token).status, 201);
    auto started = http_->post("/api/v1/instances", {{"workflow", "ladder"}}, adam_.token);
    ASSERT_EQ(started.status, 201) << describe(started);
    const std::string task = started.json()["tasks"][0]["id"];
    const auto escalated_to = [&] {
        return http_->get("/api/v1/tasks/" + task, adam_.token).json().value("escalated_to",
                                                                             json::array());
    };
    const auto waits_for = [&](const Person& p) {
        return ids_of(http_->get("/api/v1/tasks", p.token).json()["items"]).contains(task);
    };
    support::WsClient feed;
    ASSERT_TRUE(feed.connect(accordd_->port(), "/api/v1/feed", dora.bearer()));
    ASSERT_EQ(feed.read_json(3s).value_or(json())["type"], "snapshot");
    EXPECT_FALSE(waits_for(lena));

    auto moved = http_->post("/api/v1/admin/clock", {{"advance", "P4D"}}, adam_.token);
    ASSERT_EQ(moved.status, 200) << describe(moved);
    EXPECT_TRUE(eventually([&] { return escalated_to() == json::array({"legal_lead"}); }))
        << escalated_to().dump();
    EXPECT_TRUE(waits_for(lena));
    EXPECT_FALSE(waits_for(dora)) << "the director's step has not come";

    ASSERT_EQ(http_->post("/api/v1/admin/clock", {{"advance", "P4D"}}, adam_.token).status, 200);
    EXPECT_TRUE(eventually(
        [&] { return escalated_to() == json::array({"legal_lead", "director"}); }))
        << escalated_to().dump();
    EXPECT_TRUE(waits_for(dora));
    bool told = false;
    while (auto m = feed.read_json(3s))
        if ((*m)["type"] == "task.escalated" && (*m)["role"] == "director") {
            told = true;
            break;
        }
    EXPECT_TRUE(told) << "the director's step on the director's feed";
    EXPECT_EQ(http_->post("/api/v1/tasks/" + task + "/complete", {{"outcome", "approve"}},
                          dora.token)
                  .status,
              200);
}

// The date `days` from today in UTC ("YYYY-MM-DD").
std::string utc_date(int days) {
    const auto t = std::chrono::system_clock::now() + std::chrono::hours(24 * days);
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

class Deputies : public People {
protected:
    void SetUp() override {
        People::SetUp();
        start();
        sam_ = add_user("sam", {"signatory"});
        sofia_ = add_user("sofia", {"signatory"});
        dana_ = add_user("dana", {"officer"});  // holds no signatory role
    }
    void away(const std::string& who, const std::string& deputy) {
        auto r = http_->request(
            "PATCH", "/api/v1/admin/users/" + who,
            json{{"away", {{"from", utc_date(-1)}, {"to", utc_date(1)}, {"deputy", deputy}}}}
                .dump(),
            adam_.bearer());
        ASSERT_EQ(r.status, 200) << describe(r);
    }
    void back(const std::string& who) {
        auto r = http_->request("PATCH", "/api/v1/admin/users/" + who,
                                json{{"away", nullptr}}.dump(), adam_.bearer());
        ASSERT_EQ(r.status, 200) << describe(r);
    }
    // A signing by sam and sofia proposed by olga: its id and each signatory's task id.
    std::tuple<std::string, std::string, std::string> signing() {
        auto r = http_->post("/api/v1/instances",
                             {{"workflow", "signing"},
                              {"data",
                               {{"partner", {{"name", "Uni Wien"}}},
                                {"signatories", {"sam", "sofia"}},
                                {"proposer", "olga"}}}},
                             adam_.token);
        EXPECT_EQ(r.status, 201) << describe(r);
        std::string of_sam, of_sofia;
        for (const auto& t : r.json().value("tasks", json::array()))
            (t["assignee"] == "sam" ? of_sam : of_sofia) = t["id"];
        return {r.json().value("id", ""), of_sam, of_sofia};
    }
    std::set<std::string> inbox(const Person& p) {
        return ids_of(http_->get("/api/v1/tasks", p.token).json()["items"]);
    }
    Person sam_, sofia_, dana_;
};

TEST_F(Deputies, ADeputyActsForAnAwaySignatoryAndTheHistoryAndTheTaskSaySo) {
    auto [instance, of_sam, of_sofia] = signing();
    EXPECT_FALSE(inbox(dana_).contains(of_sam));
    EXPECT_TRUE(is_problem(http_->post("/api/v1/tasks/" + of_sam + "/complete",
                                       {{"outcome", "sign"}}, dana_.token),
                           403));
    away("sam", "dana");
    // At once, in REST and in the feed's snapshot.
    EXPECT_EQ(inbox(dana_), (std::set<std::string>{of_sam}));
    support::WsClient feed;
    ASSERT_TRUE(feed.connect(accordd_->port(), "/api/v1/feed", dana_.bearer()));
    const json snapshot = feed.read_json(3s).value_or(json());
    EXPECT_EQ(ids_of(snapshot["items"]), (std::set<std::string>{of_sam})) << snapshot.dump();
    auto view = http_->get("/api/v1/tasks/" + of_sam, dana_.token);
    ASSERT_EQ(view.status, 200) << describe(view);
    EXPECT_NE(view.body.find("\"complete\""), std::string::npos) << view.body;
    EXPECT_TRUE(inbox(sam_).contains(of_sam)) << "still sam's own";

    auto done = http_->post("/api/v1/tasks/" + of_sam + "/complete", {{"outcome", "sign"}},
                            dana_.token);
    ASSERT_EQ(done.status, 200) << describe(done);
    const json history = http_->get("/api/v1/instances/" + instance + "/history", adam_.token)
                             .json()["items"];
    bool said = false;
    for (const auto& e : history)
        if (e["input"] == "complete" && e["actor"] == "dana")
            said = e["detail"]["for"] == "sam";
    EXPECT_TRUE(said) << history.dump();
    const json closed = http_->get("/api/v1/tasks/" + of_sam, adam_.token).json();
    EXPECT_EQ(closed["closed_by"], "dana");
    EXPECT_EQ(closed["closed_for"], "sam");
    EXPECT_TRUE(is_problem(http_->post("/api/v1/tasks/" + of_sofia + "/complete",
                                       {{"outcome", "sign"}}, dana_.token),
                           403))
        << "sofia is not away";
}

TEST_F(Deputies, ADeputyNamedBySeparationOfDutiesCannotActForTheSignatory) {
    auto [instance, of_sam, of_sofia] = signing();
    away("sofia", "olga");  // olga proposed the agreement: she may not sign it
    EXPECT_FALSE(inbox(olga_).contains(of_sofia));
    auto refused = http_->post("/api/v1/tasks/" + of_sofia + "/complete", {{"outcome", "sign"}},
                               olga_.token);
    EXPECT_TRUE(is_problem(refused, 403)) << describe(refused);
    EXPECT_NE(refused.json().value("detail", "").find("separation of duties"), std::string::npos);
}

TEST_F(Deputies, WhenThePersonIsBackTheDeputyKeepsOnlyWhatTheyClaimed) {
    auto [first, claimed, _a] = signing();
    auto [second, unclaimed, _b] = signing();
    away("sam", "dana");
    auto claim = http_->post("/api/v1/tasks/" + claimed + "/claim", json::object(), dana_.token);
    ASSERT_EQ(claim.status, 200) << describe(claim);
    EXPECT_EQ(http_->get("/api/v1/tasks/" + claimed, adam_.token).json()["claimed_for"], "sam");
    EXPECT_EQ(inbox(dana_), (std::set<std::string>{claimed, unclaimed}));
    back("sam");
    EXPECT_EQ(inbox(dana_), (std::set<std::string>{claimed}));
    auto done = http_->post("/api/v1/tasks/" + claimed + "/complete", {{"outcome", "sign"}},
                            dana_.token);
    EXPECT_EQ(done.status, 200) << describe(done);
    EXPECT_EQ(http_->get("/api/v1/tasks/" + claimed, adam_.token).json()["closed_for"], "sam");
    EXPECT_TRUE(is_problem(http_->post("/api/v1/tasks/" + unclaimed + "/complete",
                                       {{"outcome", "sign"}}, dana_.token),
                           403));
}

TEST_F(Deputies, ANoticeToTheAwayPersonReachesTheirDeputysFeedToo) {
    const json notice = {
        {"workflow", "notice"},
        {"version", 1},
        {"title", "A notice"},
        {"start", "open"},
        {"events", {{"ping", {{"roles", {"admin"}}}}}},
        {"states",
         {{"open",
           {{"on",
             {{"ping",
               {{"actions",
                 {{{"notify", {{"people", {{"var", "to"}}}, {"subject", "Please sign"}}}}}}}}}},
            {"task", {{"role", "officer"}, {"title", "Hold"}, {"outcomes", {"done"}}}}}}}}};
    ASSERT_EQ(http_->post("/api/v1/definitions", notice, adam_.token).status, 201);
    auto started = http_->post("/api/v1/instances",
                               {{"workflow", "notice"}, {"data", {{"to", "sam"}}}}, adam_.token);
    ASSERT_EQ(started.status, 201) << describe(started);
    const std::string id = started.json()["id"];
    away("sam", "dana");
    support::WsClient dana_feed, sofia_feed;
    ASSERT_TRUE(dana_feed.connect(accordd_->port(), "/api/v1/feed", dana_.bearer()));
    ASSERT_TRUE(sofia_feed.connect(accordd_->port(), "/api/v1/feed", sofia_.bearer()));
    ASSERT_EQ(dana_feed.read_json(3s).value_or(json())["type"], "snapshot");
    ASSERT_EQ(sofia_feed.read_json(3s).value_or(json())["type"], "snapshot");
    ASSERT_EQ(http_->post("/api/v1/instances/" + id + "/events", {{"event", "ping"}}, adam_.token)
                  .status,
              200);
    std::optional<json> got;
    while (auto m = dana_feed.read_json(3s))
        if ((*m)["type"] == "notification") {
            got = *m;
            break;
        }
    ASSERT_TRUE(got.has_value()) << "dana stands in for sam";
    EXPECT_EQ((*got)["subject"], "Please sign");
    EXPECT_EQ((*got)["for"], "sam");
    for (const auto& m : sofia_feed.drain(300ms)) EXPECT_NE(m["type"], "notification") << m.dump();
    // Both find it in their notifications: sam when back, dana for sam meanwhile.
    for (const auto* p : {&sam_, &dana_}) {
        auto list = http_->get("/api/v1/notifications", p->token);
        ASSERT_EQ(list.status, 200) << describe(list);
        ASSERT_EQ(list.json()["items"].size(), 1u) << p->name << ": " << list.body;
        EXPECT_EQ(list.json()["items"][0]["subject"], "Please sign");
        EXPECT_EQ(list.json()["items"][0].value("for", ""), p == &dana_ ? "sam" : "");
    }
}

class Units : public People {
protected:
    void SetUp() override {
        People::SetUp();
        start();
        const json units = {
            {"items",
             {{{"id", "uni"}, {"name", {{"en", "University"}, {"ar", "الجامعة"}}}, {"parent", nullptr}},
              {{"id", "eng"}, {"name", {{"en", "Engineering"}, {"ar", "كلية الهندسة"}}}, {"parent", "uni"}},
              {{"id", "law"}, {"name", {{"en", "Law"}, {"ar", "كلية الحقوق"}}}, {"parent", "uni"}}}}};
        ASSERT_EQ(http_->request("PUT", "/api/v1/admin/units", units.dump(), adam_.bearer()).status,
                  200);
        dina_ = add_user("dina", {"dean"});
        ulla_ = add_user("ulla", {"dean"});
        lars_ = add_user("lars", {"officer"});
        in_unit("dina", "eng");
        in_unit("ulla", "uni");
        const json endorse = {
            {"workflow", "endorsement"},
            {"version", 1},
            {"title", "A faculty's endorsement"},
            {"start", "endorse"},
            {"states",
             {{"endorse",
               {{"task",
                 {{"role", "dean"},
                  {"title", "Endorse"},
                  {"outcomes", {"endorse"}},
                  {"unit", {{"var", "faculty"}}}}},
                {"on", {{"endorse", "done"}}}}},
              {"done", {{"final", "endorsed"}}}}}};
        auto put = http_->post("/api/v1/definitions", endorse, adam_.token);
        ASSERT_EQ(put.status, 201) << describe(put);
    }
    void in_unit(const std::string& name, const std::string& unit,
                 std::vector<std::string> roles = {}) {
        json change = {{"units", {unit}}};
        if (!roles.empty()) change["roles"] = roles;
        auto r = http_->request("PATCH", "/api/v1/admin/users/" + name, change.dump(),
                                adam_.bearer());
        ASSERT_EQ(r.status, 200) << describe(r);
    }
    // An endorsement for `faculty`: its task (id, unit).
    std::pair<std::string, std::string> endorsement(const std::string& faculty) {
        auto r = http_->post("/api/v1/instances",
                             {{"workflow", "endorsement"}, {"data", {{"faculty", faculty}}}},
                             adam_.token);
        EXPECT_EQ(r.status, 201) << describe(r);
        const json task = r.json().value("tasks", json::array()).at(0);
        return {task["id"], task.value("unit", "")};
    }
    bool waits_for(const Person& p, const std::string& task) {
        return ids_of(http_->get("/api/v1/tasks", p.token).json()["items"]).contains(task);
    }
    Person dina_, ulla_, lars_;
};

TEST_F(Units, AUnitsTaskReachesItsDeanOrTheParentUnitsWhenItHasNone) {
    const auto [eng_task, eng_unit] = endorsement("eng");
    EXPECT_EQ(eng_unit, "eng");
    EXPECT_TRUE(waits_for(dina_, eng_task));
    EXPECT_FALSE(waits_for(ulla_, eng_task));
    auto refused = http_->post("/api/v1/tasks/" + eng_task + "/complete", {{"outcome", "endorse"}},
                               ulla_.token);
    EXPECT_TRUE(is_problem(refused, 403)) << describe(refused);

    // Law has no dean: the university's.
    const auto [law_task, law_unit] = endorsement("law");
    EXPECT_EQ(law_unit, "uni");
    EXPECT_TRUE(waits_for(ulla_, law_task));
    EXPECT_FALSE(waits_for(dina_, law_task));
    EXPECT_EQ(http_->post("/api/v1/tasks/" + law_task + "/complete", {{"outcome", "endorse"}},
                          ulla_.token)
                  .status,
              200);

    // Once law has a dean, its next task is theirs, at once.
    in_unit("lars", "law", {"dean"});
    const auto [next_task, next_unit] = endorsement("law");
    EXPECT_EQ(next_unit, "law");
    EXPECT_TRUE(waits_for(lars_, next_task));
    EXPECT_FALSE(waits_for(ulla_, next_task));
}

TEST_F(Units, PeopleListsWhoCouldTakeATaskForLeadsAndAdmins) {
    auto all = http_->get("/api/v1/people?role=dean", adam_.token);
    ASSERT_EQ(all.status, 200) << describe(all);
    std::vector<std::string> names;
    const json listed = all.json();
    for (const auto& p : listed["items"]) names.push_back(p["name"]);
    EXPECT_EQ(names, (std::vector<std::string>{"dina", "ulla"})) << all.body;
    auto eng = http_->get("/api/v1/people?role=dean&unit=eng", adam_.token).json()["items"];
    ASSERT_EQ(eng.size(), 1u);
    EXPECT_EQ(eng[0]["name"], "dina");
    EXPECT_EQ(eng[0]["units"], json::array({"eng"}));
    EXPECT_TRUE(eng[0]["away"].is_null());
    auto lead = add_user("lena", {"dean_lead"});
    EXPECT_EQ(http_->get("/api/v1/people?role=dean&unit=eng", lead.token).status, 200);
    EXPECT_TRUE(is_problem(http_->get("/api/v1/people?role=dean", dina_.token), 403));
    EXPECT_TRUE(is_problem(http_->get("/api/v1/people", adam_.token), 400));
}

TEST_F(Units, AnyoneSignedInLooksPeopleUpByNameRevokedOnesTooUnknownOnesLeftOut) {
    revoke_user("ulla");
    auto r = http_->get("/api/v1/people?name=ulla,dina,nobody", dina_.token);
    ASSERT_EQ(r.status, 200) << describe(r);
    const json listed = r.json();
    std::vector<std::string> names;
    for (const auto& p : listed["items"]) names.push_back(p["name"]);
    EXPECT_EQ(names, (std::vector<std::string>{"dina", "ulla"})) << r.body;
    EXPECT_EQ(listed["items"][0]["units"], json::array({"eng"}));
    // A role still needs a lead, whoever is named with it.
    EXPECT_TRUE(is_problem(http_->get("/api/v1/people?role=dean&name=ulla", dina_.token), 403));
    std::string many = "a";
    for (int i = 0; i < 100; ++i) many += ",a";
    EXPECT_TRUE(is_problem(http_->get("/api/v1/people?name=" + many, dina_.token), 400));
}

}  // namespace
}  // namespace accord::e2e
