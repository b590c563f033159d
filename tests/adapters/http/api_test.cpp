// The Api on a MemoryService, request by request on an io_context: routing, authentication,
// validation, the mapping of errors to problems, paging by cursors and Idempotency-Key replay,
// with no Redis and no sockets.
#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <nlohmann/json.hpp>

#include "accord/engine/time.hpp"
#include "accord/engine/validator.hpp"
#include "accord/http/api.hpp"
#include "accord/http/parse.hpp"
#include "memory_service.hpp"

namespace accord::http {
namespace {

using json = nlohmann::json;
namespace asio = boost::asio;

// A legal review of a partnership: legal reviewers complete its task, officers may withdraw it.
// The task is due on the instance's "deadline", so that queue order is not start order.
const char* kReview = R"({
  "workflow": "review", "version": 1, "title": "A legal review",
  "data": {"required": ["partner", "deadline"],
           "properties": {"partner": {"type": "string"},
                          "deadline": {"type": "string", "format": "date"}}},
  "events": {"withdraw": {"roles": ["officer"]}},
  "start": "legal",
  "states": {
    "legal": {"task": {"role": "legal", "title": "Review the agreement",
                       "outcomes": ["approve", "reject"], "due": {"var": "deadline"},
                       "fields": {"risk": {"enum": ["low", "high"]}}},
              "on": {"approve": "approved", "reject": "rejected", "withdraw": "withdrawn"}},
    "approved": {"final": "approved"},
    "rejected": {"final": "rejected"},
    "withdrawn": {"final": "withdrawn"}
  }
})";

// A budget line for finance to approve, due on its deadline too.
const char* kBudget = R"({
  "workflow": "budget", "version": 1, "title": "A budget line",
  "start": "check",
  "states": {
    "check": {"task": {"role": "finance", "title": "Check the budget", "outcomes": ["approve"],
                       "due": {"var": "deadline"}},
              "on": {"approve": "approved"}},
    "approved": {"final": "approved"}
  }
})";

struct Person {
    std::string name;
    std::vector<std::string> roles;
};
// Tokens and whose they are.
const std::map<std::string, Person> kTokens = {
    {"t-ada", {"ada", {"admin"}}},
    {"t-lee", {"lee", {"legal"}}},
    {"t-olga", {"olga", {"officer"}}},
    {"t-sam", {"sam", {"signatory"}}},  // none of the workflows' roles
    {"t-fay", {"fay", {"finance"}}},
    {"t-lena", {"lena", {"legal", "finance"}}},
};

// A query parameter's value as a client sends it: only unreserved characters as they are.
std::string percent_encoded(const std::string& text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

struct Answer {
    Response response;
    json body;  // parsed, when the body is JSON

    std::string header(const std::string& name) const {
        for (const auto& [n, v] : response.headers)
            if (n == name) return v;
        return {};
    }
};

class ApiTest : public ::testing::Test {
protected:
    ApiTest() : service_([this] { return now_; }), api_(service_, authenticator(), options()) {
        for (const char* text : {kReview, kBudget}) {
            auto loaded = engine::load_definition(json::parse(text));
            EXPECT_TRUE(loaded.ok()) << "the test's workflow is refused: " << text;
            if (loaded.ok()) {
                EXPECT_TRUE(service_.store().put_definition(loaded.definition).ok());
            }
        }
    }

    static Authenticator authenticator() {
        return [](std::string token) -> Awaitable<Result<std::optional<Principal>>> {
            auto it = kTokens.find(token);
            if (it == kTokens.end()) co_return std::optional<Principal>();
            co_return std::optional<Principal>(Principal{it->second.name, it->second.roles});
        };
    }
    static ApiOptions options() {
        ApiOptions o;
        o.requests_per_second = 0;  // no rate limit: the tests send many requests at once
        return o;
    }

    // One request through Api::handle, run to its end on the io_context.
    Answer call(const std::string& method, const std::string& target, const std::string& token,
                std::string body = {}, const std::string& idempotency_key = {},
                const std::string& content_type = "application/json") {
        auto request = make_request(method, target, token.empty() ? "" : "Bearer " + token,
                                    idempotency_key, content_type, std::move(body));
        EXPECT_TRUE(request.ok()) << target;
        auto done = asio::co_spawn(io_, api_.handle(std::move(request).value()), asio::use_future);
        io_.restart();
        io_.run();
        Answer a{done.get(), json()};
        a.body = json::parse(a.response.body, nullptr, false);
        return a;
    }

    // Starts a review as olga (or another workflow as another); answers the instance id.
    std::string start(const std::string& partner, const std::string& deadline,
                      const std::string& workflow = "review", const std::string& token = "t-olga") {
        const Answer a = call(
            "POST", "/api/v1/instances", token,
            json{{"workflow", workflow}, {"data", {{"partner", partner}, {"deadline", deadline}}}}
                .dump());
        EXPECT_EQ(a.response.status, 201) << a.response.body;
        return a.body.value("id", "");
    }

    // Every item of a list, following `next` with limit=2; fails on a page over the limit.
    std::vector<json> all_pages(const std::string& target, const std::string& token) {
        std::vector<json> items;
        std::string cursor;
        for (int page = 0; page < 20; ++page) {
            const std::string sep = target.find('?') == std::string::npos ? "?" : "&";
            const Answer a = call("GET", target + sep + "limit=2" + cursor, token);
            EXPECT_EQ(a.response.status, 200) << a.response.body;
            if (a.response.status != 200) break;
            EXPECT_LE(a.body["items"].size(), 2u);
            for (const auto& item : a.body["items"]) items.push_back(item);
            if (a.body["next"].is_null()) return items;
            cursor = "&cursor=" + percent_encoded(a.body["next"].get<std::string>());
        }
        ADD_FAILURE() << target << ": no end after 20 pages";
        return items;
    }

    static std::vector<std::string> ids(const std::vector<json>& items) {
        std::vector<std::string> out;
        for (const auto& item : items) out.push_back(item.value("id", ""));
        return out;
    }

    // The Api's problem answer: its status, its media type, and the body's members.
    static void expect_problem(const Answer& a, int status, const std::string& type,
                               const std::string& pointer = {}) {
        EXPECT_EQ(a.response.status, status) << a.response.body;
        EXPECT_EQ(a.response.content_type, "application/problem+json");
        ASSERT_TRUE(a.body.is_object()) << a.response.body;
        EXPECT_EQ(a.body.value("type", ""), "urn:accord:problem:" + type);
        EXPECT_EQ(a.body.value("status", 0), status);
        EXPECT_FALSE(a.body.value("title", "").empty());
        EXPECT_FALSE(a.body.value("detail", "").empty());
        if (!pointer.empty()) {
            EXPECT_EQ(a.body.value("pointer", ""), pointer);
        }
    }

    engine::TimeMs now_ = engine::parse_time("2027-01-04T09:00:00Z")->ms;
    asio::io_context io_;
    MemoryService service_;
    Api api_;
};

// ---------------------------------------------------------------------------------------------
// Routing

TEST_F(ApiTest, AnUnknownPathIsNotFound) {
    const Answer a = call("GET", "/api/v1/agreements", "t-lee");
    expect_problem(a, 404, "not_found");
    EXPECT_NE(a.body.value("detail", "").find("/api/v1/agreements"), std::string::npos);
}

TEST_F(ApiTest, AMethodThePathDoesNotTakeIs405WithAllow) {
    const Answer a = call("DELETE", "/api/v1/instances", "t-lee");
    expect_problem(a, 405, "method_not_allowed");
    EXPECT_EQ(a.header("Allow"), "GET, POST");
    // Nor does /me take anything but GET and PATCH.
    EXPECT_EQ(call("PUT", "/api/v1/me", "t-lee").header("Allow"), "GET, PATCH");
}

TEST_F(ApiTest, ARouteWithAParameterMatchesAndANamedOneWinsOverIt) {
    // /definitions/validate is its own route, not /definitions/{name} with name "validate".
    const Answer v = call("POST", "/api/v1/definitions/validate", "t-lee", R"({"workflow": "x"})");
    EXPECT_EQ(v.response.status, 200) << v.response.body;
    EXPECT_EQ(v.body.value("valid", true), false);
    const Answer d = call("GET", "/api/v1/definitions/review", "t-lee");
    EXPECT_EQ(d.response.status, 200) << d.response.body;
    EXPECT_EQ(d.body.value("workflow", ""), "review");
    expect_problem(call("GET", "/api/v1/definitions/nothing", "t-lee"), 404, "not_found");
}

// ---------------------------------------------------------------------------------------------
// Authentication

TEST_F(ApiTest, NoTokenIs401WithAChallengeAndSaysNothingOfWhichRoutesExist) {
    const Answer known = call("GET", "/api/v1/instances", "");
    expect_problem(known, 401, "unauthorized");
    EXPECT_EQ(known.header("WWW-Authenticate"), "Bearer realm=\"accord\"");
    expect_problem(call("GET", "/api/v1/agreements", ""), 401, "unauthorized");
    // What is for anyone needs none.
    EXPECT_EQ(call("GET", "/healthz", "").response.status, 200);
}

TEST_F(ApiTest, AnUnknownTokenIs401) {
    const Answer a = call("GET", "/api/v1/me", "t-nobody");
    expect_problem(a, 401, "unauthorized");
    const Answer me = call("GET", "/api/v1/me", "t-lee");
    EXPECT_EQ(me.response.status, 200);
    EXPECT_EQ(me.body, json({{"name", "lee"}, {"roles", {"legal"}}}));
}

TEST_F(ApiTest, AnAdminRouteIsForbiddenToOthersBeforeItsHandlerRuns) {
    // No user administration is wired in: an admin learns 404, anyone else 403 before that.
    expect_problem(call("GET", "/api/v1/admin/users", "t-lee"), 403, "forbidden");
    expect_problem(call("GET", "/api/v1/admin/users", "t-ada"), 404, "not_found");
    const Answer put = call("POST", "/api/v1/definitions", "t-olga", kReview);
    expect_problem(put, 403, "forbidden");
}

// ---------------------------------------------------------------------------------------------
// Validation

TEST_F(ApiTest, MalformedJsonIs400) {
    const Answer a = call("POST", "/api/v1/instances", "t-olga", R"({"workflow": "review",)");
    expect_problem(a, 400, "invalid_json");
}

TEST_F(ApiTest, ABodyThatIsNotAnObjectIs400) {
    expect_problem(call("POST", "/api/v1/instances", "t-olga", R"(["review"])"), 400,
                   "invalid_input");
}

TEST_F(ApiTest, ABodyThatIsNotJsonByItsMediaTypeIs415) {
    expect_problem(call("POST", "/api/v1/instances", "t-olga", "workflow=review", "",
                        "application/x-www-form-urlencoded"),
                   415, "unsupported_media_type");
}

TEST_F(ApiTest, AMissingRequiredMemberIsNamedByItsPointer) {
    expect_problem(call("POST", "/api/v1/instances", "t-olga", R"({"data": {}})"), 400,
                   "invalid_input", "/workflow");
    // The workflow's own schema: the data lacks "deadline".
    const Answer a = call("POST", "/api/v1/instances", "t-olga",
                          R"({"workflow": "review", "data": {"partner": "Uni Wien"}})");
    expect_problem(a, 422, "invalid_data", "/data/deadline");
    EXPECT_EQ(call("GET", "/api/v1/instances", "t-ada").body["items"].size(), 0u);
}

TEST_F(ApiTest, AnUnknownEventIs422AtItsPointerAndAKnownOneIsApplied) {
    const std::string id = start("Uni Wien", "2027-02-01");
    const Answer a =
        call("POST", "/api/v1/instances/" + id + "/events", "t-olga", R"({"event": "withdrew"})");
    expect_problem(a, 422, "unknown_event", "/event");
    EXPECT_NE(a.body.value("detail", "").find("withdraw"), std::string::npos)
        << "the detail suggests the event meant";
    const Answer sent =
        call("POST", "/api/v1/instances/" + id + "/events", "t-olga", R"({"event": "withdraw"})");
    EXPECT_EQ(sent.response.status, 200) << sent.response.body;
    EXPECT_EQ(sent.body.value("status", ""), "finished");
}

TEST_F(ApiTest, ATaskCompletedByTheWrongRoleIs403AndChangesNothing) {
    const std::string id = start("Uni Wien", "2027-02-01");
    const std::string task = id + ".t1";
    const Answer before = call("GET", "/api/v1/instances/" + id, "t-olga");
    ASSERT_EQ(before.response.status, 200) << before.response.body;

    const Answer a = call("POST", "/api/v1/tasks/" + task + "/complete", "t-olga",
                          R"({"outcome": "approve", "fields": {"risk": "low"}})");
    expect_problem(a, 403, "forbidden");
    EXPECT_EQ(call("GET", "/api/v1/instances/" + id, "t-olga").body, before.body);
    EXPECT_EQ(call("GET", "/api/v1/tasks/" + task, "t-lee").body.value("status", ""), "open");

    // The right role completes it; a field outside the form would have been refused.
    expect_problem(call("POST", "/api/v1/tasks/" + task + "/complete", "t-lee",
                        R"({"outcome": "approve", "fields": {"risk": "medium"}})"),
                   422, "invalid_field", "/fields/risk");
    const Answer done = call("POST", "/api/v1/tasks/" + task + "/complete", "t-lee",
                             R"({"outcome": "approve", "fields": {"risk": "low"}})");
    EXPECT_EQ(done.response.status, 200) << done.response.body;
    EXPECT_EQ(done.body.value("status", ""), "completed");
    EXPECT_EQ(done.body["instance_state"].value("state", ""), "approved");
    // Now the instance has ended: another completion is a conflict, named as such.
    expect_problem(call("POST", "/api/v1/tasks/" + task + "/complete", "t-lee",
                        R"({"outcome": "reject", "fields": {"risk": "low"}})"),
                   409, "instance_finished");
}

TEST_F(ApiTest, AnInstanceIsRefusedToWhoTakesNoPartInItAndAnUnknownOneIsNotFound) {
    const std::string id = start("Uni Wien", "2027-02-01");
    expect_problem(call("GET", "/api/v1/instances/" + id, "t-sam"), 403, "forbidden");
    expect_problem(call("GET", "/api/v1/instances/" + id + "/history", "t-sam"), 403, "forbidden");
    expect_problem(call("GET", "/api/v1/tasks/" + id + ".t1", "t-sam"), 403, "forbidden");
    expect_problem(call("GET", "/api/v1/instances/review-999", "t-lee"), 404, "not_found");
    expect_problem(call("GET", "/api/v1/tasks/review-999.t1", "t-lee"), 404, "task_not_found");
}

TEST_F(ApiTest, ACancellationIsAdmittedOnlyForAnAdminOrALeadAndARefusalChangesNothing) {
    const std::string id = start("Uni Wien", "2027-02-01");
    const std::string target = "/api/v1/instances/" + id + "/cancel";
    expect_problem(call("POST", target, "t-sam", R"({"reason": "no"})"), 403, "forbidden");
    expect_problem(call("POST", target, "t-olga", R"({"reason": "no"})"), 403, "forbidden");
    const Answer still = call("GET", "/api/v1/instances/" + id, "t-olga");
    EXPECT_EQ(still.body.value("status", ""), "running") << still.response.body;
    EXPECT_EQ(call("GET", "/api/v1/instances/" + id + "/history", "t-olga").body["items"].size(),
              1u);
    const Answer cancelled = call("POST", target, "t-ada", R"({"reason": "duplicate"})");
    EXPECT_EQ(cancelled.response.status, 200) << cancelled.response.body;
    EXPECT_EQ(cancelled.body.value("status", ""), "cancelled");
}

TEST_F(ApiTest, TheHistoryListsEachInputWithItsTime) {
    const std::string id = start("Uni Wien", "2027-02-01");
    now_ += 3'600'000;
    ASSERT_EQ(
        call("POST", "/api/v1/instances/" + id + "/events", "t-olga", R"({"event": "withdraw"})")
            .response.status,
        200);
    const Answer history = call("GET", "/api/v1/instances/" + id + "/history", "t-lee");
    ASSERT_EQ(history.response.status, 200) << history.response.body;
    ASSERT_EQ(history.body["items"].size(), 2u) << history.response.body;
    EXPECT_EQ(history.body["items"][0].value("input", ""), "start");
    EXPECT_EQ(history.body["items"][0].value("at", ""), "2027-01-04T09:00:00Z");
    EXPECT_EQ(history.body["items"][1].value("input", ""), "event");
    EXPECT_EQ(history.body["items"][1].value("actor", ""), "olga");
    EXPECT_EQ(history.body["items"][1].value("at", ""), "2027-01-04T10:00:00Z");
    EXPECT_NE(history.body["items"][0].value("hash", ""),
              history.body["items"][1].value("hash", ""));
}

// ---------------------------------------------------------------------------------------------
// Paging

TEST_F(ApiTest, InstancePagesVisitEveryInstanceOnceNewestFirst) {
    std::vector<std::string> started;
    for (int i = 0; i < 5; ++i) {
        started.push_back(
            start("partner " + std::to_string(i), "2027-02-0" + std::to_string(i + 1)));
        if (i != 2) now_ += 60'000;  // two start in the same millisecond: the id decides
    }
    std::vector<std::string> newest_first = started;
    std::reverse(newest_first.begin(), newest_first.end());
    // The two of one millisecond: the greater id first.
    if (newest_first[1] < newest_first[2]) std::swap(newest_first[1], newest_first[2]);
    EXPECT_EQ(ids(all_pages("/api/v1/instances", "t-ada")), newest_first);
    // Filters apply across pages too.
    EXPECT_EQ(ids(all_pages("/api/v1/instances?data.partner=%22partner%203%22", "t-ada")),
              std::vector<std::string>{started[3]});
}

TEST_F(ApiTest, TaskPagesVisitEveryTaskOnceMostUrgentFirst) {
    // Deadlines out of start order.
    const std::vector<std::string> deadlines = {"2027-03-01", "2027-01-20", "2027-02-10",
                                                "2027-01-10", "2027-02-01"};
    std::map<std::string, std::string> task_of;  // deadline -> task id
    for (std::size_t i = 0; i < deadlines.size(); ++i) {
        task_of[deadlines[i]] = start("partner " + std::to_string(i), deadlines[i]) + ".t1";
        now_ += 1000;
    }
    std::vector<std::string> expected;
    for (const auto& [deadline, task] : task_of) expected.push_back(task);  // by deadline
    EXPECT_EQ(ids(all_pages("/api/v1/tasks", "t-lee")), expected);
    // What waits for lee is not olga's: she holds no legal role.
    EXPECT_TRUE(all_pages("/api/v1/tasks", "t-olga").empty());

    // Completed ones, newest first.
    std::vector<std::string> completed;
    for (const auto& deadline : {"2027-01-10", "2027-03-01", "2027-02-01"}) {
        now_ += 60'000;
        const Answer a = call("POST", "/api/v1/tasks/" + task_of[deadline] + "/complete", "t-lee",
                              R"({"outcome": "approve", "fields": {"risk": "low"}})");
        ASSERT_EQ(a.response.status, 200) << a.response.body;
        completed.insert(completed.begin(), task_of[deadline]);
    }
    EXPECT_EQ(ids(all_pages("/api/v1/tasks?status=done", "t-lee")), completed);
    EXPECT_EQ(ids(all_pages("/api/v1/tasks", "t-lee")),
              (std::vector<std::string>{task_of["2027-01-20"], task_of["2027-02-10"]}));
}

TEST_F(ApiTest, ATaskPageSkippingOthersClaimsMissesNoTaskOfAQueueItDidNotReadToTheEnd) {
    // lena holds legal and finance: her inbox merges both queues, read two at a time for a
    // page of one. Legal's first two and finance's first are claimed by others, so the first
    // page skips them: finance's next (Feb 5) must not come before legal's third (Feb 4).
    const std::string d1 = start("a", "2027-02-01") + ".t1";
    const std::string d2 = start("b", "2027-02-02") + ".t1";
    const std::string d3 = start("c", "2027-02-03", "budget", "t-ada") + ".t1";
    const std::string d4 = start("d", "2027-02-04") + ".t1";
    const std::string d5 = start("e", "2027-02-05", "budget", "t-ada") + ".t1";
    for (const auto& [token, task] : {std::pair{"t-lee", d1}, {"t-lee", d2}, {"t-fay", d3}})
        ASSERT_EQ(call("POST", "/api/v1/tasks/" + task + "/claim", token).response.status, 200);
    std::vector<std::string> seen;
    std::string cursor;
    for (int page = 0; page < 10; ++page) {
        const Answer a = call("GET", "/api/v1/tasks?limit=1" + cursor, "t-lena");
        ASSERT_EQ(a.response.status, 200) << a.response.body;
        for (const auto& item : a.body["items"]) seen.push_back(item.value("id", ""));
        if (a.body["next"].is_null()) break;
        cursor = "&cursor=" + percent_encoded(a.body["next"].get<std::string>());
    }
    EXPECT_EQ(seen, (std::vector<std::string>{d4, d5}));
}

TEST_F(ApiTest, AnUnreadableCursorIs400AtQueryCursor) {
    start("Uni Wien", "2027-02-01");
    for (const std::string target :
         {"/api/v1/instances?cursor=garbage", "/api/v1/tasks?cursor=garbage",
          "/api/v1/tasks?status=done&cursor=garbage"})
        expect_problem(call("GET", target, "t-ada"), 400, "invalid_input", "/query/cursor");
    // Another list's cursor is as unreadable.
    const Answer page = call("GET", "/api/v1/instances?limit=1", "t-ada");
    ASSERT_EQ(page.response.status, 200);
    start("TU Delft", "2027-02-01");
    const Answer two = call("GET", "/api/v1/instances?limit=1", "t-ada");
    ASSERT_TRUE(two.body["next"].is_string()) << two.response.body;
    expect_problem(
        call("GET", "/api/v1/tasks?cursor=" + two.body["next"].get<std::string>(), "t-ada"), 400,
        "invalid_input", "/query/cursor");
}

TEST_F(ApiTest, APageLimitMustBeAPositiveInteger) {
    expect_problem(call("GET", "/api/v1/instances?limit=0", "t-ada"), 400, "invalid_input",
                   "/query/limit");
    expect_problem(call("GET", "/api/v1/tasks?limit=two", "t-ada"), 400, "invalid_input",
                   "/query/limit");
}

// ---------------------------------------------------------------------------------------------
// Idempotency-Key

TEST_F(ApiTest, AStartRepeatedWithItsIdempotencyKeyStartsNothingAndAnswersTheFirst) {
    const std::string body =
        R"({"workflow": "review", "data": {"partner": "Uni Wien", "deadline": "2027-02-01"}})";
    const Answer first = call("POST", "/api/v1/instances", "t-olga", body, "k-1");
    ASSERT_EQ(first.response.status, 201) << first.response.body;
    now_ += 1000;
    const Answer again = call("POST", "/api/v1/instances", "t-olga", body, "k-1");
    EXPECT_EQ(again.response.status, 200) << again.response.body;
    EXPECT_EQ(again.body.value("id", ""), first.body.value("id", ""));
    EXPECT_EQ(again.header("Location"), first.header("Location"));
    EXPECT_EQ(call("GET", "/api/v1/instances", "t-ada").body["items"].size(), 1u);
    // Another key starts another.
    EXPECT_EQ(call("POST", "/api/v1/instances", "t-olga", body, "k-2").response.status, 201);
    EXPECT_EQ(call("GET", "/api/v1/instances", "t-ada").body["items"].size(), 2u);
}

TEST_F(ApiTest, AnEventRepeatedWithItsKeyIsAnsweredAgainEvenAfterTheInstanceEnded) {
    const std::string id = start("Uni Wien", "2027-02-01");
    const std::string target = "/api/v1/instances/" + id + "/events";
    const Answer first = call("POST", target, "t-olga", R"({"event": "withdraw"})", "e-1");
    ASSERT_EQ(first.response.status, 200) << first.response.body;
    const Answer again = call("POST", target, "t-olga", R"({"event": "withdraw"})", "e-1");
    EXPECT_EQ(again.response.status, 200) << again.response.body;
    EXPECT_EQ(again.body, first.body);
    // Without the key, the same event on the finished instance is refused.
    EXPECT_EQ(call("POST", target, "t-olga", R"({"event": "withdraw"})").response.status, 409);
    // A replay is answered only to who may see the instance.
    expect_problem(call("POST", target, "t-sam", R"({"event": "withdraw"})", "e-1"), 403,
                   "forbidden");
}

TEST_F(ApiTest, AKeptAnswerIsReplayedAndTheKeyOnAnotherBodyIsRefused) {
    json v2 = json::parse(kReview);
    v2["version"] = 2;
    const Answer first = call("POST", "/api/v1/definitions", "t-ada", v2.dump(), "d-1");
    ASSERT_EQ(first.response.status, 201) << first.response.body;
    EXPECT_EQ(first.header("Idempotent-Replayed"), "");
    // The same JSON with other spacing is the same request.
    const Answer again = call("POST", "/api/v1/definitions", "t-ada", v2.dump(2), "d-1");
    EXPECT_EQ(again.response.status, 201);
    EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
    EXPECT_EQ(again.response.body, first.response.body);
    v2["version"] = 3;
    expect_problem(call("POST", "/api/v1/definitions", "t-ada", v2.dump(), "d-1"), 422,
                   "idempotency_key_reused");
    const Answer listed = call("GET", "/api/v1/definitions", "t-lee");
    ASSERT_EQ(listed.body["items"].size(), 2u) << listed.response.body;
    EXPECT_EQ(listed.body["items"][1].value("name", ""), "review");
    EXPECT_EQ(listed.body["items"][1]["versions"], json({1, 2}));
}

}  // namespace
}  // namespace accord::http
