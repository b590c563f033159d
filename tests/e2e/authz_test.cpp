// Who may see and do what, over real HTTP: every endpoint for a person of each kind (admin,
// auditor, the workflow's roles and a lead, and people who hold none of its roles), no token
// and a revoked one, claims and roles on tasks, and publishing definitions.
#include <cctype>
#include <map>
#include <set>

#include "e2e_fixture.hpp"

namespace accord::e2e {
namespace {

class Authz : public E2eTest {
protected:
    void SetUp() override {
        E2eTest::SetUp();
        serve();
        for (const auto& [name, roles] :
             std::vector<std::pair<std::string, std::vector<std::string>>>{
                 {"adam", {"admin"}},
                 {"aud", {"auditor"}},
                 {"olga", {"officer"}},
                 {"otto", {"officer"}},
                 {"dan", {"dean"}},
                 {"luke", {"officer_lead"}},
                 {"lea", {"legal"}},     // a role of other workflows, none of mou_proposal's
                 {"vic", {"visitor"}}})  // a role no workflow names
            people_[name] = add_user(name, roles);
    }

    const Person& who(const std::string& name) { return people_.at(name); }

    // A proposal started by olga: its id and its open draft task's.
    std::pair<std::string, std::string> proposal() {
        return start_proposal(*http_, who("olga").token);
    }

    json instance(const std::string& id) {
        return http_->get("/api/v1/instances/" + id, who("adam").token).json();
    }

    std::map<std::string, Person> people_;
};

TEST_F(Authz, EveryEndpointForEveryKindOfPerson) {
    const auto [m, t] = proposal();
    const std::string inst = "/api/v1/instances/" + m, task = "/api/v1/tasks/" + t;
    struct Row {
        std::string method, target;
        json body;
        std::map<std::string, int> status;  // by person; `*`: everyone else
    };
    constexpr int kSkip = -1;  // allowed, and asked by another test
    const std::map<std::string, int> everyone_200 = {{"*", 200}};
    // Who may see the proposal: admin, auditor, and holders of mou_proposal's roles.
    const std::map<std::string, int> visible = {{"*", 200}, {"lea", 403}, {"vic", 403}};
    const auto visible_or = [](int status) {
        return std::map<std::string, int>{{"*", status}, {"lea", 403}, {"vic", 403}};
    };
    const std::vector<Row> rows = {
        {"GET", "/api/v1/me", nullptr, everyone_200},
        {"GET", "/api/v1/definitions", nullptr, everyone_200},
        {"GET", "/api/v1/definitions/mou_proposal", nullptr, everyone_200},
        {"GET", "/api/v1/definitions/mou_proposal/versions/1", nullptr, everyone_200},
        {"GET", "/api/v1/definitions/no_such_workflow", nullptr, {{"*", 404}}},
        {"POST", "/api/v1/definitions/validate", shipped_definition("legal_review"), everyone_200},
        {"POST",
         "/api/v1/definitions",
         shipped_definition("legal_review"),
         {{"*", 403}, {"adam", 201}}},
        {"GET", "/api/v1/instances", nullptr, everyone_200},
        {"GET", inst, nullptr, visible},
        {"GET", inst + "/history", nullptr, visible},
        {"GET", "/api/v1/instances/mou_proposal-0000000000000", nullptr, {{"*", 404}}},
        {"POST", inst + "/events", {{"event", "no_such_event"}}, visible_or(422)},
        {"POST", inst + "/events", {{"event", "submit"}}, visible_or(409)},
        {"POST", inst + "/cancel", json::object(), {{"*", 403}, {"adam", kSkip}, {"luke", kSkip}}},
        {"GET", "/api/v1/tasks", nullptr, everyone_200},
        {"GET", "/api/v1/tasks?mine=1", nullptr, everyone_200},
        {"GET",
         "/api/v1/tasks?role=officer",
         nullptr,
         {{"*", 403}, {"olga", 200}, {"otto", 200}, {"luke", 200}, {"adam", 200}, {"aud", 200}}},
        {"GET", task, nullptr, visible},
        {"POST", task + "/release", nullptr, visible_or(409)},  // nobody claimed it
        // People are asked in the order of their names: olga claims before otto tries.
        {"POST", task + "/claim", json::object(), {{"*", 403}, {"olga", 200}, {"otto", 409}}},
        {"POST",
         task + "/complete",
         {{"outcome", "submit"}, {"fields", proposal_fields()}},
         {{"*", 403}, {"olga", kSkip}}},  // otto holds the role, but olga the claim
        {"POST",
         task + "/reassign",
         {{"assignee", "otto"}},
         {{"*", 403}, {"adam", kSkip}, {"luke", kSkip}}},
        // Admins only; without --dev-clock an admin learns it is off.
        {"GET", "/api/v1/admin/clock", nullptr, {{"*", 403}, {"adam", 404}}},
        {"POST",
         "/api/v1/instances",
         {{"workflow", "mou_proposal"}, {"data", {{"partner", {{"name", "X"}}}}}},
         {{"*", 201}, {"aud", 403}, {"lea", 403}, {"vic", 403}}},
        {"POST", "/api/v1/instances", {{"workflow", "no_such_workflow"}}, {{"*", 404}}},
    };
    for (const auto& row : rows) {
        for (const auto& [name, person] : people_) {
            const int want = row.status.contains(name) ? row.status.at(name) : row.status.at("*");
            if (want == kSkip) continue;  // it would succeed and change what later rows ask
            support::HttpResponse r =
                row.method == "GET"
                    ? http_->get(row.target, person.token)
                    : http_->request(row.method, row.target,
                                     row.body.is_null() ? "" : row.body.dump(), person.bearer());
            EXPECT_EQ(r.status, want)
                << row.method << " " << row.target << " as " << name << ": " << describe(r);
            if (r.status >= 400) {
                EXPECT_TRUE(is_problem(r, r.status)) << row.method << " " << row.target;
                EXPECT_FALSE(r.json().value("detail", "").empty()) << "a refusal says why";
            }
        }
    }
    // Nothing the refusals touched changed: the proposal has its start and olga's claim.
    const json view = instance(m);
    EXPECT_EQ(view["revision"], 2) << view.dump();
    EXPECT_EQ(view["state"], "draft");
    EXPECT_EQ(view["tasks"][0]["claimed_by"], "olga");

    // The feed: anyone may open it; narrowed to a role, as with GET /api/v1/tasks?role=, only a
    // holder or lead of the role, an admin or an auditor is served.
    for (const auto& [name, person] : people_) {
        support::WsClient all, officers;
        ASSERT_TRUE(all.connect(accordd_->port(), "/api/v1/feed", person.bearer())) << name;
        EXPECT_EQ(all.read_json(3s).value_or(json())["type"], "snapshot") << name;
        ASSERT_TRUE(
            officers.connect(accordd_->port(), "/api/v1/feed?role=officer", person.bearer()))
            << name;
        const bool may = person.holds("officer") || person.holds("officer_lead") ||
                         person.holds("admin") || person.holds("auditor");
        if (may) {
            EXPECT_EQ(officers.read_json(3s).value_or(json())["type"], "snapshot") << name;
        } else {
            EXPECT_TRUE(officers.wait_closed(2s)) << name;
            EXPECT_EQ(officers.close_code(), 1008) << name;
            EXPECT_EQ(officers.read_json(0ms), std::nullopt)
                << name << ": nothing before the close";
        }
    }
}

// The OpenAPI document and the router agree: every documented operation is routed (whatever it
// then answers, it is not "no route" nor 405), and every route of the API is documented.
TEST_F(Authz, TheOpenApiDocumentListsEveryRouteAndEveryDocumentedOperationIsServed) {
    auto doc = http_->get("/api/v1/openapi.json", "");
    ASSERT_EQ(doc.status, 200);
    const json paths = doc.json().at("paths");
    const auto concrete = [](std::string path) {
        for (const auto& [param, value] : std::vector<std::pair<std::string, std::string>>{
                 {"{id}", "mou_proposal-0000000000000"}, {"{name}", "mou_proposal"}, {"{v}", "1"}})
            for (auto at = path.find(param); at != std::string::npos; at = path.find(param))
                path.replace(at, param.size(), value);
        return path;
    };
    int operations = 0;
    for (const auto& [path, item] : paths.items()) {
        if (path == "/api/v1/feed") continue;  // a WebSocket upgrade (the feed tests)
        for (const auto& [method, op] : item.items()) {
            if (method == "parameters") continue;
            ++operations;
            std::string verb = method;
            for (auto& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            // Bodies that change nothing: empty objects, refused where something is required.
            const auto r = verb == "GET"
                               ? http_->get(concrete(path), who("adam").token)
                               : http_->request(verb, concrete(path), "{}", who("adam").bearer());
            EXPECT_NE(r.status, 405) << verb << " " << path << ": " << describe(r);
            if (r.status == 404) {
                EXPECT_FALSE(r.json().value("detail", "").starts_with("no route"))
                    << verb << " " << path << " is documented but not routed";
            }
        }
    }
    EXPECT_GE(operations, 25);
    // The router's routes (Api::route), each documented with its methods.
    const std::vector<std::pair<std::string, std::vector<std::string>>> routes = {
        {"/healthz", {"get"}},
        {"/readyz", {"get"}},
        {"/metrics", {"get"}},
        {"/api/v1/openapi.json", {"get"}},
        {"/api/v1/me", {"get"}},
        {"/api/v1/definitions", {"get", "post"}},
        {"/api/v1/definitions/validate", {"post"}},
        {"/api/v1/definitions/{name}", {"get"}},
        {"/api/v1/definitions/{name}/versions/{v}", {"get"}},
        {"/api/v1/instances", {"get", "post"}},
        {"/api/v1/instances/{id}", {"get"}},
        {"/api/v1/instances/{id}/events", {"post"}},
        {"/api/v1/instances/{id}/cancel", {"post"}},
        {"/api/v1/instances/{id}/history", {"get"}},
        {"/api/v1/tasks", {"get"}},
        {"/api/v1/tasks/{id}", {"get"}},
        {"/api/v1/tasks/{id}/claim", {"post"}},
        {"/api/v1/tasks/{id}/release", {"post"}},
        {"/api/v1/tasks/{id}/complete", {"post"}},
        {"/api/v1/tasks/{id}/reassign", {"post"}},
        {"/api/v1/admin/clock", {"get", "post"}},
        {"/api/v1/admin/users", {"get", "post"}},
        {"/api/v1/admin/users/{name}/revoke", {"post"}},
        {"/api/v1/feed", {"get"}},
    };
    for (const auto& [path, methods] : routes) {
        ASSERT_TRUE(paths.contains(path)) << path << " is not in openapi.json";
        for (const auto& m : methods)
            EXPECT_TRUE(paths[path].contains(m)) << m << " " << path << " is not in openapi.json";
    }
    // The task list's filters, each documented.
    std::set<std::string> params;
    for (const auto& p : paths["/api/v1/tasks"]["get"]["parameters"])
        params.insert(p.contains("name") ? p["name"].get<std::string>()
                                         : p["$ref"].get<std::string>());
    for (const char* name : {"mine", "role", "status", "state", "workflow", "overdue"})
        EXPECT_TRUE(params.contains(name)) << "GET /api/v1/tasks ?" << name;
}

TEST_F(Authz, WhoHoldsNoRoleOfAWorkflowSeesNoneOfItsInstancesWhileAnAuditorDoes) {
    // GET /api/v1/instances leaves out, item by item, what a person may not see.
    const auto [m, t] = proposal();
    for (const auto& [name, person] : people_) {
        auto r = http_->get("/api/v1/instances?workflow=mou_proposal", person.token);
        ASSERT_EQ(r.status, 200) << describe(r);
        const bool sees = name != "lea" && name != "vic";
        EXPECT_EQ(ids_of(r.json()["items"]).contains(m), sees) << name;
        auto direct = http_->get("/api/v1/instances/" + m, person.token);
        EXPECT_EQ(direct.status, sees ? 200 : 403) << name << ": " << describe(direct);
    }
}

TEST_F(Authz, WithoutALiveTokenEveryApiRouteIs401) {
    const auto [m, t] = proposal();
    const std::vector<std::pair<std::string, std::string>> routes = {
        {"GET", "/api/v1/me"},
        {"GET", "/api/v1/definitions"},
        {"POST", "/api/v1/definitions"},
        {"POST", "/api/v1/definitions/validate"},
        {"GET", "/api/v1/definitions/mou_proposal"},
        {"GET", "/api/v1/definitions/mou_proposal/versions/1"},
        {"GET", "/api/v1/instances"},
        {"POST", "/api/v1/instances"},
        {"GET", "/api/v1/instances/" + m},
        {"GET", "/api/v1/instances/" + m + "/history"},
        {"POST", "/api/v1/instances/" + m + "/events"},
        {"POST", "/api/v1/instances/" + m + "/cancel"},
        {"GET", "/api/v1/tasks"},
        {"GET", "/api/v1/tasks/" + t},
        {"POST", "/api/v1/tasks/" + t + "/claim"},
        {"POST", "/api/v1/tasks/" + t + "/release"},
        {"POST", "/api/v1/tasks/" + t + "/complete"},
        {"POST", "/api/v1/tasks/" + t + "/reassign"},
        {"GET", "/api/v1/admin/clock"},
        {"GET", "/api/v1/no_such_route"},
    };
    const std::vector<support::Headers> credentials = {
        {},
        {{"Authorization", "Bearer acc_not-a-token-at-all"}},
        {{"Authorization", "Basic b2xnYTpzZWNyZXQ="}},
        {{"Authorization", "Bearer "}},
    };
    for (const auto& [method, target] : routes)
        for (const auto& headers : credentials) {
            auto r = http_->request(method, target, method == "POST" ? "{}" : "", headers);
            EXPECT_TRUE(is_problem(r, 401, "unauthorized"))
                << method << " " << target << " " << (headers.empty() ? "" : headers[0].second)
                << ": " << describe(r);
            EXPECT_EQ(r.header("WWW-Authenticate"), "Bearer realm=\"accord\"");
        }
    EXPECT_EQ(instance(m)["revision"], 1) << "nothing was applied";
    // The feed too; and what needs no token needs none.
    support::WsClient ws;
    EXPECT_FALSE(ws.connect(accordd_->port(), "/api/v1/feed"));
    EXPECT_EQ(ws.upgrade_status(), 401);
    EXPECT_FALSE(ws.connect(accordd_->port(), "/api/v1/feed?token=acc_nope"));
    EXPECT_EQ(ws.upgrade_status(), 401);
    for (const char* open : {"/healthz", "/readyz", "/metrics", "/api/v1/openapi.json"})
        EXPECT_EQ(http_->get(open, "").status, 200) << open;
}

TEST_F(Authz, ARevokedTokenIsRefusedAtOnceAndItsFeedSocketClosedWithin1s) {
    const Person& dan = who("dan");
    support::WsClient feed;
    ASSERT_TRUE(feed.connect(accordd_->port(), "/api/v1/feed", dan.bearer()));
    ASSERT_EQ(feed.read_json(3s).value_or(json())["type"], "snapshot");
    ASSERT_EQ(http_->get("/api/v1/me", dan.token).status, 200);

    revoke_user("dan");
    const auto revoked = std::chrono::steady_clock::now();
    auto r = http_->get("/api/v1/me", dan.token);
    EXPECT_TRUE(is_problem(r, 401, "unauthorized")) << describe(r);
    EXPECT_TRUE(feed.wait_closed(1s)) << "the feed socket is still open after 1 s";
    EXPECT_EQ(feed.close_code(), 1008);
    EXPECT_LT(std::chrono::steady_clock::now() - revoked, 1s);
    // Others are not affected.
    EXPECT_EQ(http_->get("/api/v1/me", who("olga").token).status, 200);
    support::WsClient again;
    EXPECT_FALSE(again.connect(accordd_->port(), "/api/v1/feed", dan.bearer()));
    EXPECT_EQ(again.upgrade_status(), 401);
}

TEST_F(Authz, ACompletionByAPersonWithoutTheTasksRoleIs403AndChangesNothing) {
    const auto [m, t] = proposal();
    for (const char* name : {"dan", "luke", "aud", "adam"}) {
        auto r =
            http_->post("/api/v1/tasks/" + t + "/complete",
                        {{"outcome", "submit"}, {"fields", proposal_fields()}}, who(name).token);
        EXPECT_TRUE(is_problem(r, 403, "forbidden")) << name << ": " << describe(r);
        EXPECT_NE(r.json().value("detail", "").find("officer"), std::string::npos)
            << "the reason names the role: " << r.body;
    }
    const json view = instance(m);
    EXPECT_EQ(view["revision"], 1);
    EXPECT_EQ(view["state"], "draft");
    EXPECT_EQ(view["tasks"][0]["status"], "open");
    auto history = http_->get("/api/v1/instances/" + m + "/history", who("adam").token).json();
    EXPECT_EQ(history["items"].size(), 1u);
}

TEST_F(Authz, ATaskClaimedBySomeoneElseIsRefusedToOthers) {
    const auto [m, t] = proposal();
    auto claimed = http_->post("/api/v1/tasks/" + t + "/claim", json::object(), who("olga").token);
    ASSERT_EQ(claimed.status, 200) << describe(claimed);
    const int revision = instance(m)["revision"];

    auto claim = http_->post("/api/v1/tasks/" + t + "/claim", json::object(), who("otto").token);
    EXPECT_TRUE(is_problem(claim, 409, "conflict")) << describe(claim);
    EXPECT_NE(claim.json().value("detail", "").find("olga"), std::string::npos) << claim.body;
    auto complete =
        http_->post("/api/v1/tasks/" + t + "/complete",
                    {{"outcome", "submit"}, {"fields", proposal_fields()}}, who("otto").token);
    EXPECT_TRUE(is_problem(complete, 403, "forbidden")) << describe(complete);
    auto release =
        http_->post("/api/v1/tasks/" + t + "/release", json::object(), who("otto").token);
    EXPECT_TRUE(is_problem(release, 403, "forbidden")) << describe(release);
    auto reassign =
        http_->post("/api/v1/tasks/" + t + "/reassign", {{"assignee", "otto"}}, who("otto").token);
    EXPECT_TRUE(is_problem(reassign, 403, "forbidden")) << describe(reassign);
    EXPECT_EQ(instance(m)["revision"], revision) << "the refusals changed nothing";
    EXPECT_EQ(instance(m)["tasks"][0]["claimed_by"], "olga");

    // The lead of the role may break the claim and hand the task over.
    auto released =
        http_->post("/api/v1/tasks/" + t + "/release", json::object(), who("luke").token);
    EXPECT_EQ(released.status, 200) << describe(released);
    auto handed =
        http_->post("/api/v1/tasks/" + t + "/reassign", {{"assignee", "otto"}}, who("luke").token);
    EXPECT_EQ(handed.status, 200) << describe(handed);
    EXPECT_EQ(handed.json()["assignee"], "otto");
    auto done =
        http_->post("/api/v1/tasks/" + t + "/complete",
                    {{"outcome", "submit"}, {"fields", proposal_fields()}}, who("otto").token);
    EXPECT_EQ(done.status, 200) << describe(done);
}

TEST_F(Authz, CancellingTakesAnAdminOrALeadOfTheWorkflow) {
    const auto [first, t1] = proposal();
    const auto [second, t2] = proposal();
    for (const char* name : {"olga", "dan", "aud", "lea"}) {
        auto r =
            http_->post("/api/v1/instances/" + first + "/cancel", json::object(), who(name).token);
        EXPECT_TRUE(is_problem(r, 403, "forbidden")) << name << ": " << describe(r);
    }
    EXPECT_EQ(instance(first)["status"], "running");
    auto by_lead = http_->post("/api/v1/instances/" + first + "/cancel",
                               {{"reason", "a duplicate"}}, who("luke").token);
    EXPECT_EQ(by_lead.status, 200) << describe(by_lead);
    EXPECT_EQ(by_lead.json()["status"], "cancelled");
    auto by_admin =
        http_->post("/api/v1/instances/" + second + "/cancel", json::object(), who("adam").token);
    EXPECT_EQ(by_admin.status, 200) << describe(by_admin);
    EXPECT_EQ(by_admin.json()["status"], "cancelled");
}

TEST_F(Authz, PublishingDefinitions) {
    json draft = shipped_definition("legal_review");
    draft["version"] = 2;
    draft["title"] = "Legal review, second edition";
    for (const char* name : {"olga", "aud", "luke", "lea", "vic"}) {
        auto r = http_->post("/api/v1/definitions", draft, who(name).token);
        EXPECT_TRUE(is_problem(r, 403, "forbidden")) << name << ": " << describe(r);
    }
    EXPECT_EQ(http_->get("/api/v1/definitions/legal_review/versions/2", who("adam").token).status,
              404)
        << "a refused publish stored nothing";

    // Invalid: every error at once, each with a JSON Pointer into the definition.
    json invalid = draft;
    invalid["states"]["review"]["on"]["reject"]["target"] = "rejectd";
    invalid["states"]["changes_requested"]["on"]["resubmit"] = "reveiw";
    auto refused = http_->post("/api/v1/definitions", invalid, who("adam").token);
    ASSERT_TRUE(is_problem(refused, 422, "invalid_definition")) << describe(refused);
    const json errors = refused.json()["errors"];
    ASSERT_TRUE(errors.is_array() && errors.size() >= 2) << refused.body;
    std::set<std::string> pointers;
    for (const auto& e : errors) {
        ASSERT_TRUE(e["pointer"].is_string() && e["message"].is_string()) << e.dump();
        const std::string p = e["pointer"];
        pointers.insert(p);
        EXPECT_TRUE(p.empty() || p[0] == '/') << "not a JSON Pointer: " << p;
        EXPECT_NO_THROW((void)json::json_pointer(p)) << p;
        EXPECT_FALSE(e["message"].get<std::string>().empty());
    }
    EXPECT_TRUE(pointers.contains("/states/review/on/reject/target")) << errors.dump();
    EXPECT_TRUE(pointers.contains("/states/changes_requested/on/resubmit")) << errors.dump();
    EXPECT_EQ(http_->get("/api/v1/definitions/legal_review/versions/2", who("adam").token).status,
              404);

    // Valid: a new version, readable by version, and the latest.
    auto published = http_->post("/api/v1/definitions", draft, who("adam").token);
    ASSERT_EQ(published.status, 201) << describe(published);
    EXPECT_EQ(published.header("Location"), "/api/v1/definitions/legal_review/versions/2");
    EXPECT_EQ(published.json()["version"], 2);
    auto v2 = http_->get("/api/v1/definitions/legal_review/versions/2", who("olga").token);
    ASSERT_EQ(v2.status, 200) << describe(v2);
    EXPECT_EQ(v2.json()["title"], "Legal review, second edition");
    EXPECT_EQ(v2.json()["version"], 2);
    auto v1 = http_->get("/api/v1/definitions/legal_review/versions/1", who("olga").token);
    EXPECT_EQ(v1.json()["title"], shipped_definition("legal_review")["title"]);
    EXPECT_EQ(http_->get("/api/v1/definitions/legal_review", who("olga").token).json()["version"],
              2);
    // Another body under a stored version is refused; publish a new version instead.
    draft["title"] = "Legal review, edited in place";
    auto conflict = http_->post("/api/v1/definitions", draft, who("adam").token);
    EXPECT_TRUE(is_problem(conflict, 409)) << describe(conflict);
    EXPECT_EQ(http_->get("/api/v1/definitions/legal_review/versions/2", who("olga").token)
                  .json()["title"],
              "Legal review, second edition");
}

}  // namespace
}  // namespace accord::e2e
