// The end-to-end fixture's processes and helpers (e2e_fixture.hpp).
#include "e2e_fixture.hpp"

#include <iostream>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <thread>

namespace accord::e2e {

std::unique_ptr<support::RedisServer> E2eTest::redis_;

bool Person::holds(const std::string& role) const {
    return std::find(roles.begin(), roles.end(), role) != roles.end();
}

void E2eTest::SetUpTestSuite() {
    ::signal(SIGPIPE, SIG_IGN);  // a write to a socket the server closed is an error, not death
    redis_ = std::make_unique<support::RedisServer>();
}

void E2eTest::TearDownTestSuite() {
    redis_.reset();
}

void E2eTest::TearDown() {
    if (!HasFailure() || !accordd_) return;
    const std::string log = accordd_->log();
    std::cerr << "--- the end of accordd's log ---\n"
              << log.substr(log.size() > 6000 ? log.size() - 6000 : 0) << "\n";
}

void E2eTest::SetUp() {
    static std::atomic<int> tests{0};
    prefix_ = "e2e" + std::to_string(::getpid()) + "t" + std::to_string(++tests);
}

std::string E2eTest::redis_url() {
    return redis_->url();
}

std::unique_ptr<support::AccorddProcess> E2eTest::start_accordd(std::vector<std::string> extra) {
    support::AccorddProcess::Options o;
    o.binary = ACCORDD_BINARY;
    o.redis_url = redis_url();
    o.workflows = workflows_dir();
    o.prefix = prefix_;
    o.extra_args = std::move(extra);
    return std::make_unique<support::AccorddProcess>(std::move(o));
}

void E2eTest::serve(std::vector<std::string> extra) {
    accordd_ = start_accordd(std::move(extra));
    http_ = std::make_unique<support::HttpClient>(accordd_->port());
}

Person E2eTest::add_user(const std::string& name, const std::vector<std::string>& roles) {
    return Person{name, roles,
                  support::add_user(ACCORDCTL_BINARY, redis_url(), prefix_, name, roles)};
}

Person E2eTest::another_token(const Person& person) {
    const auto r = support::run_command(ACCORDCTL_BINARY, {"user", "token", person.name, "--redis",
                                                           redis_url(), "--prefix", prefix_});
    if (!(r.status.exited && r.status.code == 0))
        throw std::runtime_error("accordctl user token " + person.name + ": " + r.err);
    std::string token = r.out;
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    return Person{person.name, person.roles, token};
}

void E2eTest::revoke_user(const std::string& name) {
    const auto r = support::run_command(
        ACCORDCTL_BINARY, {"user", "revoke", name, "--redis", redis_url(), "--prefix", prefix_});
    ASSERT_TRUE(r.status.exited && r.status.code == 0)
        << "accordctl user revoke " << name << ": " << r.status.to_string() << ": " << r.err;
}

::testing::AssertionResult is_problem(const support::HttpResponse& r, int status,
                                      const std::string& type) {
    if (r.status != status)
        return ::testing::AssertionFailure()
               << "status " << r.status << ", not " << status << ": " << r.body;
    if (r.header("Content-Type") != "application/problem+json")
        return ::testing::AssertionFailure() << "Content-Type \"" << r.header("Content-Type")
                                             << "\", not application/problem+json";
    const json body = r.json();
    if (!body.is_object() || body.value("status", 0) != status || !body.contains("title") ||
        !body.contains("detail") || !body["type"].is_string())
        return ::testing::AssertionFailure() << "not an RFC 9457 problem: " << r.body;
    const std::string want = "urn:accord:problem:" + type;
    if (!type.empty() && body["type"] != want)
        return ::testing::AssertionFailure() << "type " << body["type"] << ", not " << want;
    return ::testing::AssertionSuccess();
}

std::string describe(const support::HttpResponse& r) {
    return std::to_string(r.status) + " " + r.body.substr(0, 600);
}

std::set<std::string> ids_of(const json& items) {
    std::set<std::string> out;
    if (items.is_array())
        for (const auto& i : items) out.insert(i.value("id", ""));
    return out;
}

json proposal_fields() {
    return {{"agreement_type", "student_exchange"},
            {"scope", "Faculty of Sciences; master students"},
            {"rationale", "A strong partner in astronomy"},
            {"start_date", "2030-09-01"},
            {"end_date", "2032-08-31"},
            {"quotas", {{"students", 4}, {"staff", 2}}}};
}

std::pair<std::string, std::string> start_proposal(support::HttpClient& http,
                                                   const std::string& token,
                                                   const std::string& partner) {
    auto r = http.post("/api/v1/instances",
                       {{"workflow", "mou_proposal"}, {"data", {{"partner", {{"name", partner}}}}}},
                       token);
    EXPECT_EQ(r.status, 201) << describe(r);
    const json body = r.json();
    const json tasks = r.status == 201 ? body.value("tasks", json::array()) : json::array();
    if (tasks.empty()) return {};
    return {body["id"], tasks[0]["id"]};
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(50ms);
    }
    return true;
}

std::string workflows_dir() {
    return std::string(ACCORD_SOURCE_DIR) + "/workflows";
}

json shipped_definition(const std::string& workflow) {
    std::ifstream in(workflows_dir() + "/" + workflow + ".json");
    return json::parse(in);
}

}  // namespace accord::e2e
