// Malformed, oversized and hostile input over real sockets: each gets its documented error (a
// problem+json where HTTP still stands), changes nothing, and leaves the server serving others;
// and SIGTERM ends accordd promptly, closing feed sockets with 1001.
#include <algorithm>
#include <thread>
#include <tuple>

#include "e2e_fixture.hpp"

namespace accord::e2e {
namespace {

class Hostile : public E2eTest {
protected:
    void start(std::vector<std::string> extra = {}) {
        serve(std::move(extra));
        olga_ = add_user("olga", {"officer"});
    }

    // A proposal with its open draft task.
    std::pair<std::string, std::string> proposal() { return start_proposal(*http_, olga_.token); }
    int revision(const std::string& id) {
        return http_->get("/api/v1/instances/" + id, olga_.token).json().value("revision", -1);
    }
    std::size_t instance_count() {
        return http_->get("/api/v1/instances", olga_.token).json()["items"].size();
    }
    void expect_still_serving() {
        support::HttpClient fresh(accordd_->port());
        EXPECT_EQ(fresh.get("/healthz", "").status, 200);
        EXPECT_EQ(fresh.get("/api/v1/me", olga_.token).status, 200);
    }

    Person olga_;
};

// Bytes as text for a failure message: what is not printable ASCII as \xNN.
std::string printable(const std::string& bytes) {
    std::string out;
    for (unsigned char c : bytes) {
        if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            static const char* hex = "0123456789abcdef";
            out += {'\\', 'x', hex[c >> 4], hex[c & 15]};
        }
    }
    return out.substr(0, 120);
}

std::string nested(std::size_t depth) {
    // {"workflow":"mou_proposal","data":{"partner":{"name":"X"},"deep":[[...]]}}: the two
    // objects around the arrays and depth - 2 arrays.
    std::string inner = std::string(depth - 2, '[') + std::string(depth - 2, ']');
    return R"({"workflow":"mou_proposal","data":{"partner":{"name":"X"},"deep":)" + inner + "}}";
}

TEST_F(Hostile, MalformedJsonIs400AndChangesNothing) {
    start();
    const auto [id, task] = proposal();
    const std::vector<std::string> bodies = {R"({"workflow":"mou_proposal",)",
                                             R"({"outcome":"submit"} trailing)",
                                             "\xff\xfe{}",
                                             "[1,2,3]",
                                             "\"a string\"",
                                             "{'single':'quotes'}"};
    for (const auto& body : bodies) {
        SCOPED_TRACE(body);
        auto started = http_->request("POST", "/api/v1/instances", body, olga_.bearer());
        EXPECT_TRUE(is_problem(started, 400)) << describe(started);
        auto complete =
            http_->request("POST", "/api/v1/tasks/" + task + "/complete", body, olga_.bearer());
        EXPECT_TRUE(is_problem(complete, 400)) << describe(complete);
    }
    auto truncated = http_->request("POST", "/api/v1/instances", bodies[0], olga_.bearer());
    EXPECT_TRUE(is_problem(truncated, 400, "invalid_json")) << describe(truncated);
    EXPECT_EQ(instance_count(), 1u) << "no instance was started";
    EXPECT_EQ(revision(id), 1) << "no completion was applied";
}

// BUG: a Content-Length over --max-body gets 400 malformed_request ("body limit exceeded"), not
// 413. Beast's parser refuses such a Content-Length while it reads the header, and Server::Impl::
// serve (adapters/http/src/server.cpp, the error branch after async_read_header) maps every
// header error but header_limit to 400; its own Content-Length check after it never sees one.
TEST_F(Hostile, ABodyOverMaxBodyIs413) {
    start({"--max-body", "4096"});
    const std::string big = R"({"workflow":"mou_proposal","data":{"partner":{"name":")" +
                            std::string(8000, 'x') + R"("}}})";
    auto r = http_->request("POST", "/api/v1/instances", big, olga_.bearer());
    EXPECT_TRUE(is_problem(r, 413, "body_too_large")) << "BUG: " << describe(r);
    EXPECT_FALSE(http_->connected()) << "the connection is closed after a 413";

    // The same, sent in chunks: no Content-Length to refuse it by.
    support::RawConnection raw(accordd_->port());
    std::string request =
        "POST /api/v1/instances HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + olga_.token +
        "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 4; ++i) request += "800\r\n" + std::string(0x800, ' ') + "\r\n";
    request += "0\r\n\r\n";
    raw.send(request);
    const std::string answer = raw.read_until_closed(3s);
    EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 413") << answer.substr(0, 300);
    EXPECT_TRUE(raw.closed_by_peer());
    // Just under the limit is fine.
    const std::string fits = R"({"workflow":"mou_proposal","data":{"partner":{"name":")" +
                             std::string(3000, 'x') + R"("}}})";
    EXPECT_EQ(http_->request("POST", "/api/v1/instances", fits, olga_.bearer()).status, 201);
    EXPECT_EQ(instance_count(), 1u);
}

TEST_F(Hostile, HeadersOver16KiBAre431) {
    start();
    auto r = http_->request(
        "GET", "/api/v1/me", "",
        {{"Authorization", "Bearer " + olga_.token}, {"X-Padding", std::string(17 * 1024, 'p')}});
    EXPECT_TRUE(is_problem(r, 431, "header_too_large")) << describe(r);
    EXPECT_FALSE(http_->connected()) << "the connection is closed after a 431";
    auto fits = http_->request(
        "GET", "/api/v1/me", "",
        {{"Authorization", "Bearer " + olga_.token}, {"X-Padding", std::string(8 * 1024, 'p')}});
    EXPECT_EQ(fits.status, 200) << describe(fits);
}

TEST_F(Hostile, JsonNestedDeeperThan64Is400) {
    start();
    auto deep = http_->request("POST", "/api/v1/instances", nested(65), olga_.bearer());
    EXPECT_TRUE(is_problem(deep, 400, "invalid_json")) << describe(deep);
    auto very_deep =
        http_->request("POST", "/api/v1/instances",
                       std::string(100000, '[') + std::string(100000, ']'), olga_.bearer());
    EXPECT_TRUE(is_problem(very_deep, 400, "invalid_json")) << describe(very_deep);
    EXPECT_EQ(instance_count(), 0u);
    auto at_limit = http_->request("POST", "/api/v1/instances", nested(64), olga_.bearer());
    EXPECT_NE(at_limit.json().value("type", ""), "urn:accord:problem:invalid_json")
        << "64 levels are allowed: " << describe(at_limit);
    expect_still_serving();
}

TEST_F(Hostile, AContentTypeThatIsNotJsonIs415) {
    start();
    const std::string body =
        R"({"workflow":"mou_proposal","data":{"partner":{"name":"Universidad de Chile"}}})";
    for (const char* type : {"text/plain", "application/x-www-form-urlencoded", "text/xml"}) {
        auto r =
            http_->request("POST", "/api/v1/instances", body,
                           {{"Authorization", "Bearer " + olga_.token}, {"Content-Type", type}});
        EXPECT_TRUE(is_problem(r, 415)) << type << ": " << describe(r);
    }
    EXPECT_EQ(instance_count(), 0u);
    auto json_ok = http_->request("POST", "/api/v1/instances", body,
                                  {{"Authorization", "Bearer " + olga_.token},
                                   {"Content-Type", "application/json; charset=utf-8"}});
    EXPECT_EQ(json_ok.status, 201) << describe(json_ok);
}

TEST_F(Hostile, AnUnknownEventIs422AndChangesNothing) {
    start();
    const auto [id, task] = proposal();
    auto r =
        http_->post("/api/v1/instances/" + id + "/events", {{"event", "explode"}}, olga_.token);
    EXPECT_TRUE(is_problem(r, 422, "unknown_event")) << describe(r);
    EXPECT_EQ(revision(id), 1);
}

TEST_F(Hostile, UnknownRoutesAre404AndWrongMethods405WithAllow) {
    start();
    for (const char* target : {"/api/v1/nothing", "/api/v1/instances/x/y/z", "/api/v2/tasks"}) {
        auto r = http_->get(target, olga_.token);
        EXPECT_TRUE(is_problem(r, 404)) << target << ": " << describe(r);
    }
    // Outside the API, paths are the web application's (its routes answer its page), but a
    // file it does not have is still a 404.
    EXPECT_EQ(http_->get("/assets/nothing.js", "").status, 404);
    const std::vector<std::tuple<std::string, std::string, std::string>> wrong = {
        {"DELETE", "/api/v1/instances", "GET, POST"},
        {"PUT", "/api/v1/definitions", "GET, POST"},
        {"GET", "/api/v1/definitions/validate", "POST"},
        {"PATCH", "/api/v1/tasks", "GET"},
        {"GET", "/api/v1/tasks/x.t1/complete", "POST"},
        {"POST", "/api/v1/instances/x/history", "GET"},
        {"DELETE", "/api/v1/me", "GET, PATCH"},
        {"PUT", "/api/v1/me", "GET, PATCH"},
        {"POST", "/api/v1/me", "GET, PATCH"},
        {"GET", "/api/v1/session", "POST, DELETE"},
        {"POST", "/api/v1/admin/units", "GET, PUT"},
        {"DELETE", "/api/v1/admin/users/x/revoke", "POST"},
        {"PUT", "/api/v1/feed", "GET"},
        {"POST", "/healthz", "GET"},
        {"DELETE", "/api/v1/openapi.json", "GET"},
    };
    for (const auto& [method, target, allow] : wrong) {
        auto r = http_->request(method, target, "", olga_.bearer());
        EXPECT_TRUE(is_problem(r, 405, "method_not_allowed"))
            << method << " " << target << ": " << describe(r);
        EXPECT_EQ(r.header("Allow"), allow) << method << " " << target;
    }
}

TEST_F(Hostile, APlainGetOfTheFeedIs400) {
    start();
    auto r = http_->get("/api/v1/feed", olga_.token);
    EXPECT_TRUE(is_problem(r, 400, "invalid_input")) << describe(r);
    EXPECT_NE(r.json().value("detail", "").find("WebSocket"), std::string::npos) << describe(r);
}

TEST_F(Hostile, AnUnknownInstanceStatusIs400LikeAnUnknownTaskStatus) {
    start();
    proposal();
    for (const char* target : {"/api/v1/instances?status=bogus", "/api/v1/tasks?status=bogus"}) {
        auto r = http_->get(target, olga_.token);
        EXPECT_TRUE(is_problem(r, 400, "invalid_input")) << target << ": " << describe(r);
        EXPECT_EQ(r.json().value("pointer", ""), "/query/status") << target;
    }
    for (const char* status : {"running", "finished", "cancelled"})
        EXPECT_EQ(http_->get(std::string("/api/v1/instances?status=") + status, olga_.token).status,
                  200)
            << status;
}

TEST_F(Hostile, AYesNoQueryFlagTakesOnlyYesOrNoWords) {
    start();
    proposal();
    for (const char* flag : {"mine", "overdue"}) {
        for (const char* value : {"maybe", "2", "", "TRUE!", "on"}) {
            const std::string target = std::string("/api/v1/tasks?") + flag + "=" + value;
            auto r = http_->get(target, olga_.token);
            EXPECT_TRUE(is_problem(r, 400, "invalid_input")) << target << ": " << describe(r);
            EXPECT_EQ(r.json().value("pointer", ""), std::string("/query/") + flag) << target;
        }
        // Yes and no, each in its three words, are read alike.
        std::set<std::string> yes, no;
        for (const char* value : {"1", "true", "yes"})
            yes.insert(
                http_->get(std::string("/api/v1/tasks?") + flag + "=" + value, olga_.token).body);
        for (const char* value : {"0", "false", "no"})
            no.insert(
                http_->get(std::string("/api/v1/tasks?") + flag + "=" + value, olga_.token).body);
        EXPECT_EQ(yes.size(), 1u) << flag;
        EXPECT_EQ(no.size(), 1u) << flag;
        EXPECT_EQ(*no.begin(), http_->get("/api/v1/tasks", olga_.token).body) << flag;
    }
    // The overdue flag, said "no", is no refusal on done tasks.
    EXPECT_EQ(http_->get("/api/v1/tasks?status=done&overdue=no", olga_.token).status, 200);
    auto r = http_->get("/api/v1/tasks?status=done&overdue=yes", olga_.token);
    EXPECT_TRUE(is_problem(r, 400, "invalid_input")) << describe(r);
}

TEST_F(Hostile, OverTheRateLimitIs429WithRetryAfter) {
    // One token a second: the checks below take well under a second even under ASan on a
    // busy machine (at 5 a second a refill came between them).
    start({"--rate", "1", "--burst", "5"});
    const Person dan = add_user("dan", {"dean"});
    std::vector<int> statuses;
    support::HttpResponse limited;
    for (int i = 0; i < 12; ++i) {
        auto r = http_->get("/api/v1/me", olga_.token);
        statuses.push_back(r.status);
        if (r.status == 429) limited = r;
    }
    EXPECT_EQ(std::vector<int>(statuses.begin(), statuses.begin() + 5), std::vector<int>(5, 200))
        << "a burst of 5 is allowed";
    EXPECT_GE(std::count(statuses.begin(), statuses.end(), 429), 5) << json(statuses).dump();
    ASSERT_TRUE(is_problem(limited, 429, "rate_limited")) << describe(limited);
    const std::string retry = limited.header("Retry-After");
    ASSERT_FALSE(retry.empty());
    EXPECT_GE(std::stoi(retry), 1);
    // Per token: someone else is not held back, nor olga with another token of hers.
    EXPECT_EQ(http_->get("/api/v1/me", dan.token).status, 200);
    const Person olga_again = another_token(olga_);
    ASSERT_NE(olga_again.token, olga_.token);
    EXPECT_EQ(http_->get("/api/v1/me", olga_again.token).status, 200);
    EXPECT_EQ(http_->get("/api/v1/me", olga_.token).status, 429) << "the first is still limited";
    // And once the bucket refills, olga is served again.
    std::this_thread::sleep_for(1200ms);
    EXPECT_EQ(http_->get("/api/v1/me", olga_.token).status, 200);
}

TEST_F(Hostile, FeedSocketsAreLimitedPerTokenWith429OnTheUpgrade) {
    start({"--max-feed-sockets", "2"});
    const std::string target = "/api/v1/feed?token=" + olga_.token;
    std::vector<std::unique_ptr<support::WsClient>> open;
    for (int i = 0; i < 2; ++i) {
        open.push_back(std::make_unique<support::WsClient>());
        ASSERT_TRUE(open.back()->connect(accordd_->port(), target)) << open.back()->upgrade_body();
    }
    support::WsClient third;
    EXPECT_FALSE(third.connect(accordd_->port(), target));
    EXPECT_EQ(third.upgrade_status(), 429);
    EXPECT_NE(third.upgrade_body().find("too_many_connections"), std::string::npos)
        << third.upgrade_body();
    // Another token of hers has sockets of its own; and one closed frees a place.
    const Person olga_again = another_token(olga_);
    support::WsClient other;
    EXPECT_TRUE(other.connect(accordd_->port(), "/api/v1/feed?token=" + olga_again.token))
        << other.upgrade_body();
    open.front()->close();
    EXPECT_TRUE(eventually([&] {
        support::WsClient again;
        return again.connect(accordd_->port(), target);
    })) << "a closed socket no longer counts";
}

TEST_F(Hostile, IdleAndSlowConnectionsAreClosed) {
    start({"--idle-timeout", "1", "--request-timeout", "1"});
    // Connects and sends nothing.
    support::RawConnection idle(accordd_->port());
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(idle.read_until_closed(5s), "");
    EXPECT_TRUE(idle.closed_by_peer());
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
    // Begins a request and never finishes it (a slowloris).
    support::RawConnection slow(accordd_->port());
    slow.send("GET /api/v1/me HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    const auto t1 = std::chrono::steady_clock::now();
    (void)slow.read_until_closed(5s);
    EXPECT_TRUE(slow.closed_by_peer());
    EXPECT_LT(std::chrono::steady_clock::now() - t1, 3s);
    expect_still_serving();
}

TEST_F(Hostile, GarbageBytesGetA400OrAClosedConnectionAndOthersAreStillServed) {
    start();
    support::WsClient feed;  // a feed socket, open throughout
    ASSERT_TRUE(feed.connect(accordd_->port(), "/api/v1/feed", olga_.bearer()));
    ASSERT_EQ(feed.read_json(3s).value_or(json())["type"], "snapshot");
    const std::vector<std::string> garbage = {
        std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),  // a TLS ClientHello
        std::string("\0\0\0\0\xff\xff\xff\xff\r\n\r\n", 12),
        "GET / FTP/1.0\r\n\r\n",
        "GET /api/v1/me HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        "POST /api/v1/instances HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: "
        "chunked\r\n\r\n",
        "GET /api/v1/me HTTP/1.1\r\nBad Header Without Colon\r\n\r\n",
        std::string(3000, 'A') + "\r\n\r\n",
    };
    for (const auto& bytes : garbage) {
        SCOPED_TRACE(printable(bytes));
        support::RawConnection raw(accordd_->port());
        raw.send(bytes);
        const std::string answer = raw.read_until_closed(3s);
        EXPECT_TRUE(raw.closed_by_peer()) << "the connection is closed";
        if (!answer.empty()) {
            EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 400") << answer.substr(0, 200);
        }
    }
    expect_still_serving();
    EXPECT_TRUE(feed.is_open());
    auto started = http_->post(
        "/api/v1/instances",
        {{"workflow", "mou_proposal"}, {"data", {{"partner", {{"name", "Y"}}}}}}, olga_.token);
    EXPECT_EQ(started.status, 201) << describe(started);
}

TEST_F(Hostile, SigtermEndsAccorddPromptlyAndClosesFeedSocketsWith1001) {
    start();
    support::WsClient feed;
    ASSERT_TRUE(feed.connect(accordd_->port(), "/api/v1/feed", olga_.bearer()));
    ASSERT_EQ(feed.read_json(3s).value_or(json())["type"], "snapshot");
    ASSERT_EQ(http_->get("/api/v1/me", olga_.token).status, 200);  // an idle keep-alive too

    accordd_->terminate();
    EXPECT_TRUE(feed.wait_closed(2s)) << "the feed socket is still open";
    EXPECT_EQ(feed.close_code(), 1001);
    const support::ExitStatus exit = accordd_->wait(5s);
    EXPECT_TRUE(exit.exited && exit.code == 0) << exit.to_string() << "\n" << accordd_->log();
    EXPECT_LT(exit.took, 2s) << exit.to_string();
    EXPECT_THROW(support::HttpClient(accordd_->port()).get("/healthz", ""), std::runtime_error)
        << "nothing listens any more";
}

}  // namespace
}  // namespace accord::e2e
