// The end-to-end fixture: one redis-server per test suite, a keyspace (--prefix) of its own for
// every test, accordd started as a process on it, users made with accordctl; and the questions
// the tests ask the REST API again and again.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "accordd_process.hpp"
#include "http_client.hpp"
#include "redis_server.hpp"

namespace accord::e2e {

namespace support = accord::testing;
using json = nlohmann::json;
using namespace std::chrono_literals;

// A user of the API, as accordctl made them.
struct Person {
    std::string name;
    std::vector<std::string> roles;
    std::string token;

    bool holds(const std::string& role) const;
    support::Headers bearer() const { return {{"Authorization", "Bearer " + token}}; }
};

class E2eTest : public ::testing::Test {
protected:
    static void SetUpTestSuite();
    static void TearDownTestSuite();
    // A failed test shows the end of its accordd's log.
    void TearDown() override;
    void SetUp() override;

    static std::string redis_url();
    // The test's keyspace (accordd --prefix), for tests that write into Redis themselves.
    const std::string& prefix() const { return prefix_; }

    // accordd on this test's keyspace, serving the shipped workflows.
    std::unique_ptr<support::AccorddProcess> start_accordd(std::vector<std::string> extra = {});
    // The test's own accordd_, and http_, a keep-alive client of it.
    void serve(std::vector<std::string> extra = {});
    Person add_user(const std::string& name, const std::vector<std::string>& roles);
    // `accordctl user token NAME`: another token of the same person.
    Person another_token(const Person& person);
    // `accordctl user revoke NAME`; fails the test if accordctl refuses.
    void revoke_user(const std::string& name);

    std::unique_ptr<support::AccorddProcess> accordd_;
    std::unique_ptr<support::HttpClient> http_;

private:
    static std::unique_ptr<support::RedisServer> redis_;
    std::string prefix_;
};

// ---------------------------------------------------------------------------------------------
// Reading answers.

// Whether a response is an RFC 9457 problem of this status and type (after urn:accord:problem:).
::testing::AssertionResult is_problem(const support::HttpResponse& r, int status,
                                      const std::string& type = {});
// A short description of a response for failure messages.
std::string describe(const support::HttpResponse& r);
// The ids of a list's items.
std::set<std::string> ids_of(const json& items);

// The fields that submit a mou_proposal draft: a student exchange from 2030-09-01 to
// 2032-08-31 with small quotas, so that no second IR approval is needed.
json proposal_fields();
// Starts a mou_proposal as the token's user: the instance's id and its open draft task's.
std::pair<std::string, std::string> start_proposal(
    support::HttpClient& http, const std::string& token,
    const std::string& partner = "Universidad de Chile");

// Polls `done` every 50 ms until it holds (true) or the timeout passes (false): for what the
// server does on its own after answering, such as delivering its outbox to child instances.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = 3s);

// The shipped workflows' directory, and a definition from it.
std::string workflows_dir();
json shipped_definition(const std::string& workflow);

}  // namespace accord::e2e
