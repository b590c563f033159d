// The route table (Api::routes()) and the OpenAPI document served at /api/v1/openapi.json name
// the same routes, with the same methods, statuses, authentication and Idempotency-Key handling:
// a route added to one and not the other fails here.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "accord/http/api.hpp"
#include "accord/http/views.hpp"

namespace accord::http {
namespace {

using json = nlohmann::json;

const json& document() {
    static const json doc = json::parse(openapi_document());
    return doc;
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// The document's operation for a route, or null.
const json* operation_of(const Api::Route& route) {
    const json& paths = document().at("paths");
    auto path = paths.find(std::string(route.pattern));
    if (path == paths.end()) return nullptr;
    auto op = path->find(lower(route.method));
    return op == path->end() ? nullptr : &*op;
}

std::string name_of(const Api::Route& route) {
    return std::string(route.method) + " " + std::string(route.pattern);
}

// A response object, its $ref followed.
const json& resolved(const json& response) {
    if (!response.contains("$ref")) return response;
    const std::string ref = response["$ref"];
    return document().at(json::json_pointer(ref.substr(1)));
}

TEST(RouteTable, EveryRouteIsADocumentedOperationAndEveryOperationARoute) {
    std::set<std::pair<std::string, std::string>> table, documented;
    for (const auto& route : Api::routes()) {
        EXPECT_TRUE(table.emplace(lower(route.method), route.pattern).second)
            << name_of(route) << " is in the table twice";
        EXPECT_NE(operation_of(route), nullptr) << name_of(route) << " is not in openapi.json";
    }
    for (const auto& [path, item] : document().at("paths").items())
        for (const auto& [method, op] : item.items())
            if (method != "parameters") documented.emplace(method, path);
    EXPECT_EQ(table, documented);
}

TEST(RouteTable, EachOperationDeclaresExactlyTheStatusesItsRouteAnswers) {
    for (const auto& route : Api::routes()) {
        const json* op = operation_of(route);
        if (op == nullptr) continue;  // reported above
        std::vector<int> declared;
        for (const auto& [status, response] : op->at("responses").items())
            if (status != "default") declared.push_back(std::stoi(status));
        std::sort(declared.begin(), declared.end());
        EXPECT_EQ(declared, route.statuses()) << name_of(route);
    }
}

TEST(RouteTable, StatusesIncludeWhatTheServerSendsToAnyRequestOfTheirKind) {
    for (const auto& route : Api::routes()) {
        const auto statuses = route.statuses();
        const auto has = [&](int s) {
            return std::find(statuses.begin(), statuses.end(), s) != statuses.end();
        };
        for (int s : {400, 405, 413, 431}) EXPECT_TRUE(has(s)) << name_of(route) << " " << s;
        // (Signing in is open to anyone and answers a wrong password with 401 itself.)
        const bool own_401 =
            std::find(route.answers.begin(), route.answers.end(), 401) != route.answers.end();
        EXPECT_EQ(has(401), route.access != Access::anyone || own_401) << name_of(route);
        if (route.access == Access::admin) {
            EXPECT_TRUE(has(403)) << name_of(route);
        }
        const bool has_body =
            route.method == "POST" || route.method == "PUT" || route.method == "PATCH";
        EXPECT_EQ(has(415), has_body) << name_of(route);
        // Writes may be refused a foreign Origin (the session cookie's guard).
        if (route.method != "GET") {
            EXPECT_TRUE(has(403)) << name_of(route);
        }
        EXPECT_TRUE(std::is_sorted(statuses.begin(), statuses.end())) << name_of(route);
    }
}

TEST(RouteTable, WhoMayCallARouteIsWhatTheDocumentSays) {
    for (const auto& route : Api::routes()) {
        const json* op = operation_of(route);
        if (op == nullptr) continue;
        // No security requirement at all: open to anyone; otherwise the document's default
        // (a bearer token) or the operation's own.
        const bool open = op->contains("security") && op->at("security").empty();
        EXPECT_EQ(open, route.access == Access::anyone) << name_of(route);
        if (route.access == Access::admin) {
            const std::string text = op->value("description", "") + op->value("summary", "");
            EXPECT_NE(lower(text).find("admin"), std::string::npos)
                << name_of(route) << " does not say it is for admins";
        }
    }
}

TEST(RouteTable, IdempotencyKeysAndReplaysAreDeclaredWhereTheyAreHonoured) {
    for (const auto& route : Api::routes()) {
        const json* op = operation_of(route);
        if (op == nullptr) continue;
        bool takes_key = false;
        for (const auto& p : op->value("parameters", json::array()))
            takes_key =
                takes_key || p.value("$ref", "") == "#/components/parameters/IdempotencyKey";
        if (route.replay != Replay::none) {
            EXPECT_TRUE(takes_key) << name_of(route) << " honours an Idempotency-Key";
        }
        for (const auto& [status, response] : op->at("responses").items()) {
            if (status.front() != '2') continue;
            const bool replayed =
                resolved(response).value("headers", json::object()).contains("Idempotent-Replayed");
            EXPECT_EQ(replayed, route.replay == Replay::kept_answer)
                << name_of(route) << " " << status;
        }
    }
}

TEST(RouteTable, PathParametersAreDeclaredByName) {
    for (const auto& route : Api::routes()) {
        const json& paths = document().at("paths");
        auto item = paths.find(std::string(route.pattern));
        if (item == paths.end()) continue;
        std::set<std::string> declared;
        for (const json* list : {&*item, operation_of(route)})
            if (list != nullptr)
                for (const auto& p : list->value("parameters", json::array())) {
                    const json& param = resolved(p);
                    if (param.value("in", "") == "path") declared.insert(param.value("name", ""));
                }
        std::set<std::string> named;
        const std::string pattern(route.pattern);
        for (auto open = pattern.find('{'); open != std::string::npos;
             open = pattern.find('{', open + 1))
            named.insert(pattern.substr(open + 1, pattern.find('}', open) - open - 1));
        EXPECT_EQ(declared, named) << name_of(route);
    }
}

TEST(RouteTable, EveryProblemResponseUsesTheProblemSchema) {
    for (const auto& route : Api::routes()) {
        const json* op = operation_of(route);
        if (op == nullptr) continue;
        for (const auto& [status, response] : op->at("responses").items()) {
            if (status != "default" && std::stoi(status) < 400) continue;
            const json& content = resolved(response).value("content", json::object());
            ASSERT_TRUE(content.contains("application/problem+json") ||
                        (route.pattern == "/readyz" && status == "503"))
                << name_of(route) << " " << status;
        }
    }
}

}  // namespace
}  // namespace accord::http
