// {"object": {...}}: building an object from rules, for child and started workflows' data.
#include <gtest/gtest.h>

#include "accord/engine/jsonlogic.hpp"

namespace accord::engine::logic {
namespace {

TEST(JsonLogicObject, BuildsAnObjectWhoseValuesAreRules) {
    auto rule = compile(json::parse(R"({"object": {"partner": {"var": "p.name"}, "n": {"+": [1, 2]},
                                                   "fixed": "x", "nested": {"object": {"a": {"var": "a"}}}}})"));
    ASSERT_TRUE(rule.ok()) << rule.error().to_string();
    const json data = {{"p", {{"name", "Uni"}}}, {"a", 7}};
    EXPECT_EQ(rule->evaluate(data, Context{}),
              json::parse(R"({"partner": "Uni", "n": 3, "fixed": "x", "nested": {"a": 7}})"));
}

TEST(JsonLogicObject, AnEmptyObjectIsAllowed) {
    auto rule = compile(json::parse(R"({"object": {}})"));
    ASSERT_TRUE(rule.ok());
    EXPECT_EQ(rule->evaluate(json(), Context{}), json::object());
}

TEST(JsonLogicObject, AnOperandThatIsNotAnObjectIsRefusedWithItsPointer) {
    auto rule = compile(json::parse(R"({"object": ["a", 1]})"), "/states/s/invoke/data");
    ASSERT_FALSE(rule.ok());
    EXPECT_EQ(rule.error().pointer, "/states/s/invoke/data/object");
}

TEST(JsonLogicObject, ABadRuleInsideIsReportedAtItsKey) {
    auto rule = compile(json::parse(R"({"object": {"when": {"nope": []}}})"), "/x");
    ASSERT_FALSE(rule.ok());
    EXPECT_EQ(rule.error().pointer, "/x/object/when/nope");
}

}  // namespace
}  // namespace accord::engine::logic
