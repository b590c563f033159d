// JsonLogic: the official suite, every operator's edge cases, compile errors, roots, dates, and
// the promise that a simple guard evaluates without copying or allocating.
#include "accord/engine/jsonlogic.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

namespace accord::engine::logic {
namespace {

constexpr TimeMs kNow = 1'803'891'600'000;  // 2027-03-01T09:00:00Z

json eval(const json& rule, const json& data = nullptr, const Context& ctx = Context{kNow, {}}) {
    const auto expression = compile(rule);
    EXPECT_TRUE(expression.ok()) << rule.dump() << ": " << expression.error().to_string();
    return expression ? expression->evaluate(data, ctx) : json();
}

// The result as JSON text: shows integers stay integers.
std::string eval_text(const json& rule, const json& data = nullptr) {
    return eval(rule, data).dump();
}

Error compile_error(const json& rule, std::string_view pointer = "") {
    const auto expression = compile(rule, pointer);
    EXPECT_FALSE(expression.ok()) << rule.dump() << " compiled";
    return expression ? Error{ErrorCode::invalid_input, "compiled", ""} : expression.error();
}

// ---------------------------------------------------------------------------------------------
// The official suite and the test runner

TEST(JsonLogicSuite, EveryOfficialCasePasses) {
    std::ifstream file(ACCORD_TEST_DATA_DIR "/jsonlogic-tests.json");
    ASSERT_TRUE(file) << "cannot open the suite";
    const json cases = json::parse(file);
    const TestReport report = run_tests(cases);
    for (const std::string& failure : report.failures) ADD_FAILURE() << failure;
    EXPECT_EQ(report.failed, 0);
    EXPECT_EQ(report.passed, 278);
}

TEST(RunTests, ReportsEachFailingCaseAndSkipsComments) {
    const json cases = json::parse(R"([
        "# a comment",
        [{"+": [1, 2]}, null, 3.0],
        [{"+": [1, 2]}, null, 4],
        [{"nope": 1}, null, 1],
        [1, 2]
    ])");
    const TestReport report = run_tests(cases);
    EXPECT_EQ(report.passed, 1);
    EXPECT_EQ(report.failed, 3);
    ASSERT_EQ(report.failures.size(), 3u);
    EXPECT_NE(report.failures[0].find("expected 4"), std::string::npos) << report.failures[0];
    EXPECT_NE(report.failures[1].find("/3/0/nope"), std::string::npos) << report.failures[1];
    EXPECT_NE(report.failures[2].find("case 4"), std::string::npos) << report.failures[2];
}

TEST(RunTests, ComparesNumbersByValueAndContainersRecursively) {
    const json cases = json::parse(R"([
        [{"merge": [[1], [{"a": 2, "b": [3]}]]}, null, [1.0, {"b": [3.0], "a": 2.0}]],
        [{"/": [1, 2]}, null, 0.5]
    ])");
    EXPECT_EQ(run_tests(cases).passed, 2);
}

TEST(RunTests, PassesNowToTheRules) {
    const json cases = json::parse(R"([[{"today": []}, null, "2027-03-01"]])");
    EXPECT_EQ(run_tests(cases, kNow).passed, 1);
}

TEST(RunTests, ATestFileThatIsNotAnArrayIsOneFailure) {
    const TestReport report = run_tests(json::object());
    EXPECT_EQ(report.failed, 1);
    EXPECT_EQ(report.failures.size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// Compilation

TEST(Compile, UnknownOperatorIsReportedWithItsPointer) {
    const Error error =
        compile_error(json::parse(R"({"==": [{"xyz": [1]}, 1]})"), "/states/x/guard");
    EXPECT_EQ(error.code, ErrorCode::invalid_definition);
    EXPECT_EQ(error.message, R"(unknown JsonLogic operator "xyz")");
    EXPECT_EQ(error.pointer, "/states/x/guard/==/0/xyz");
}

TEST(Compile, UnknownOperatorInsideMapPointsIntoTheArgumentList) {
    const Error error =
        compile_error(json::parse(R"({"map": [{"var": "xs"}, {"nope": 1}]})"), "/states/x/guard");
    EXPECT_EQ(error.pointer, "/states/x/guard/map/1/nope");
}

TEST(Compile, UnknownOperatorAsASingleUnwrappedOperandHasNoIndex) {
    EXPECT_EQ(compile_error(json::parse(R"({"!": {"nope": 1}})")).pointer, "/!/nope");
}

TEST(Compile, UnknownOperatorInsideAnArrayLiteralIsFound) {
    EXPECT_EQ(compile_error(json::parse(R"([1, [2, {"nope": 1}]])")).pointer, "/1/1/nope");
}

TEST(Compile, PointerTokensAreEscaped) {
    const Error error = compile_error(json::parse(R"({"if": [{"a/b~c": 1}]})"), "/rules/x~1y");
    EXPECT_EQ(error.pointer, "/rules/x~1y/if/0/a~1b~0c");
    EXPECT_EQ(error.message, R"(unknown JsonLogic operator "a/b~c")");
}

TEST(Compile, SurplusOperandsArePointedAtTheFirstOneTooMany) {
    struct Case {
        const char* rule;
        const char* pointer;
        const char* message;
    };
    for (const Case& c : {
             Case{R"({"map": [[1], {"var": ""}, 3]})", "/map/2",
                  R"("map" takes 2 arguments, got 3)"},
             Case{R"({"var": ["a", 1, 2]})", "/var/2", R"("var" takes at most 2 arguments, got 3)"},
             Case{R"({"!": [true, false]})", "/!/1", R"("!" takes 1 argument, got 2)"},
             Case{R"({">": [1, 2, 3]})", "/>/2", R"(">" takes 2 arguments, got 3)"},
             Case{R"({"substr": ["abc", 1, 1, 1]})", "/substr/3",
                  R"("substr" takes 2 to 3 arguments, got 4)"},
             Case{R"({"now": [1]})", "/now/0", R"("now" takes no arguments, got 1)"},
             Case{R"({"now": 1})", "/now", R"("now" takes no arguments, got 1)"},
         }) {
        const Error error = compile_error(json::parse(c.rule));
        EXPECT_EQ(error.code, ErrorCode::invalid_definition) << c.rule;
        EXPECT_EQ(error.pointer, c.pointer) << c.rule;
        EXPECT_EQ(error.message, c.message) << c.rule;
    }
}

TEST(Compile, MissingOperandsArePointedAtTheOperator) {
    struct Case {
        const char* rule;
        const char* message;
    };
    for (const Case& c : {
             Case{R"({"map": [[1]]})", R"("map" takes 2 arguments, got 1)"},
             Case{R"({"filter": [[1]]})", R"("filter" takes 2 arguments, got 1)"},
             Case{R"({"all": [[1]]})", R"("all" takes 2 arguments, got 1)"},
             Case{R"({"none": [[1]]})", R"("none" takes 2 arguments, got 1)"},
             Case{R"({"some": [[1]]})", R"("some" takes 2 arguments, got 1)"},
             Case{R"({"reduce": [[1], {"var": "current"}]})",
                  R"("reduce" takes 3 arguments, got 2)"},
             Case{R"({"substr": "abc"})", R"("substr" takes 2 to 3 arguments, got 1)"},
             Case{R"({"!": []})", R"("!" takes 1 argument, got 0)"},
             Case{R"({"==": [1]})", R"("==" takes 2 arguments, got 1)"},
             Case{R"({"and": []})", R"("and" takes at least 1 argument, got 0)"},
             Case{R"({"or": []})", R"("or" takes at least 1 argument, got 0)"},
             Case{R"({"*": []})", R"("*" takes at least 1 argument, got 0)"},
             Case{R"({"min": []})", R"("min" takes at least 1 argument, got 0)"},
             Case{R"({"-": []})", R"("-" takes 1 to 2 arguments, got 0)"},
             Case{R"({"missing_some": [1]})", R"("missing_some" takes 2 arguments, got 1)"},
             Case{R"({"date_add": ["2027-01-01"]})", R"("date_add" takes 2 arguments, got 1)"},
         }) {
        const Error error = compile_error(json::parse(c.rule), "/g");
        const std::string op = json::parse(c.rule).begin().key();
        EXPECT_EQ(error.pointer, "/g/" + op) << c.rule;
        EXPECT_EQ(error.message, c.message) << c.rule;
    }
}

TEST(Compile, ErrorsInsideNestedRulesCarryTheFullPath) {
    const json rule = json::parse(R"({"and": [true, {"if": [{"var": "a"}, {"map": [[1]]}]}]})");
    EXPECT_EQ(compile_error(rule, "/guard").pointer, "/guard/and/1/if/1/map");
}

TEST(Compile, LiteralDatesAndDurationsOfDateOperatorsAreChecked) {
    Error error = compile_error(json::parse(R"({"date_add": ["2027-01-01", "P1X"]})"), "/g");
    EXPECT_EQ(error.pointer, "/g/date_add/1");
    EXPECT_EQ(error.message, R"("P1X" is not an ISO 8601 duration)");

    error = compile_error(json::parse(R"({"date_before": ["2027-02-30", {"var": "d"}]})"));
    EXPECT_EQ(error.pointer, "/date_before/0");
    EXPECT_EQ(error.message, R"("2027-02-30" is not a date or an RFC 3339 date-time)");

    EXPECT_EQ(compile_error(json::parse(R"({"days_between": [{"var": "d"}, 5]})")).pointer,
              "/days_between/1");
    EXPECT_EQ(compile_error(json::parse(R"({"date_sub": [{"today": []}, "10D"]})")).pointer,
              "/date_sub/1");
    EXPECT_TRUE(compile(json::parse(R"({"date_add": [{"var": "d"}, {"var": "p"}]})")).ok());
}

TEST(Compile, DeeplyNestedRulesAreRefused) {
    json rule = true;
    for (int i = 0; i < 200; ++i) rule = json{{"!", rule}};
    const Error error = compile_error(rule);
    EXPECT_EQ(error.code, ErrorCode::invalid_definition);
    EXPECT_NE(error.message.find("deeper"), std::string::npos);
}

TEST(Compile, ObjectsWithoutExactlyOneKeyAreLiteralData) {
    const json data_like = json::parse(R"({"a": {"var": "x"}, "b": 2})");
    EXPECT_EQ(eval(data_like, {{"x", 1}}), data_like);
    EXPECT_EQ(eval(json::object()), json::object());
    EXPECT_TRUE(compile(data_like)->is_literal());
}

TEST(Compile, ConstantsAreLiteralsAndOperationsAreNot) {
    EXPECT_TRUE(compile(json::parse(R"([1, [2, "x"], null])"))->is_literal());
    EXPECT_TRUE(compile(json("text"))->is_literal());
    EXPECT_FALSE(compile(json::parse(R"([1, {"var": "x"}])"))->is_literal());
    EXPECT_FALSE(compile(json::parse(R"({"var": "x"})"))->is_literal());
}

TEST(Expression, DefaultIsTheLiteralNull) {
    const Expression expression;
    EXPECT_TRUE(expression.is_literal());
    EXPECT_EQ(expression.evaluate(json{{"a", 1}}, Context{}), json());
    EXPECT_FALSE(expression.test(json(), Context{}));
}

TEST(Expression, CopiesShareTheCompiledRule) {
    Expression copy;
    {
        const auto compiled = compile(json::parse(R"({"var": "a"})"));
        copy = *compiled;
    }
    EXPECT_EQ(copy.evaluate(json{{"a", 7}}, Context{}), 7);
}

TEST(Expression, TestAppliesJsonLogicTruthiness) {
    const auto guard = compile(json::parse(R"({"var": "x"})"));
    EXPECT_FALSE(guard->test(json{{"x", json::array()}}, Context{}));
    EXPECT_TRUE(guard->test(json{{"x", json::object()}}, Context{}));
    EXPECT_TRUE(guard->test(json{{"x", "0"}}, Context{}));
}

// ---------------------------------------------------------------------------------------------
// Evaluation without copies

TEST(Evaluate, VarReturnsAReferenceIntoTheData) {
    const json data = json::parse(R"({"case": {"risk": "high"}})");
    const auto rule = compile(json::parse(R"({"var": "case.risk"})"));
    json scratch;
    const json& result = rule->evaluate(data, Context{}, scratch);
    EXPECT_EQ(&result, &data["case"]["risk"]);
    EXPECT_TRUE(scratch.is_null());
}

TEST(Evaluate, LiteralsAreReturnedByReference) {
    const auto rule = compile(json::parse(R"({"if": [true, [1, 2, 3], 0]})"));
    json scratch;
    const json& first = rule->evaluate(json(), Context{}, scratch);
    const json& second = rule->evaluate(json(), Context{}, scratch);
    EXPECT_EQ(&first, &second);
    EXPECT_NE(&first, &scratch);
    EXPECT_EQ(first, json::parse("[1, 2, 3]"));
}

TEST(Evaluate, ComputedResultsAreWrittenIntoScratch) {
    const auto rule = compile(json::parse(R"({"cat": ["a", {"var": "b"}]})"));
    json scratch;
    const json& result = rule->evaluate(json{{"b", "c"}}, Context{}, scratch);
    EXPECT_EQ(&result, &scratch);
    EXPECT_EQ(scratch, "ac");
}

// ---------------------------------------------------------------------------------------------
// var, missing, missing_some, roots

TEST(Var, DescendsObjectsAndArrayIndices) {
    const json data = json::parse(R"({"a": {"b": [10, {"c": "deep"}]}})");
    EXPECT_EQ(eval({{"var", "a.b.1.c"}}, data), "deep");
    EXPECT_EQ(eval({{"var", "a.b.0"}}, data), 10);
    EXPECT_EQ(eval({{"var", "a.b.2"}}, data), json());
    EXPECT_EQ(eval({{"var", "a.b.01"}}, data), json()) << "not a canonical index";
    EXPECT_EQ(eval({{"var", "a.b.-1"}}, data), json());
    EXPECT_EQ(eval({{"var", "a.b.c"}}, data), json()) << "arrays have no named members";
}

TEST(Var, DefaultIsUsedOnlyWhenThePathIsAbsent) {
    EXPECT_EQ(eval(json::parse(R"({"var": ["a", "dflt"]})"), json{{"a", nullptr}}), json())
        << "a present null is a value";
    EXPECT_EQ(eval(json::parse(R"({"var": ["a.b", "dflt"]})"), json{{"a", nullptr}}), "dflt");
    EXPECT_EQ(eval(json::parse(R"({"var": ["a", "dflt"]})"), json{{"a", false}}), false);
    EXPECT_EQ(eval(json::parse(R"({"var": ["x", {"cat": ["d", 1]}]})"), json::object()), "d1");
}

TEST(Var, StringsAndNumbersAreNotDescendedInto) {
    EXPECT_EQ(eval(json::parse(R"({"var": "s.0"})"), json{{"s", "abc"}}), json());
    EXPECT_EQ(eval(json::parse(R"({"var": "n.x"})"), json{{"n", 5}}), json());
}

TEST(Var, EmptyOrNullPathIsTheWholeData) {
    const json data = json::parse(R"({"a": 1})");
    EXPECT_EQ(eval(json::parse(R"({"var": ""})"), data), data);
    EXPECT_EQ(eval(json::parse(R"({"var": [null, 5]})"), data), data);
    EXPECT_EQ(eval(json::parse(R"({"var": {"cat": []}})"), data), data);
}

TEST(Var, ComputedPathsAreSplitAtRunTime) {
    const json data = json::parse(R"({"which": "b", "a": {"b": 2}, "list": [5, 6]})");
    EXPECT_EQ(eval(json::parse(R"({"var": {"cat": ["a.", {"var": "which"}]}})"), data), 2);
    EXPECT_EQ(eval(json::parse(R"({"var": {"cat": ["list.", 1]}})"), data), 6);
    EXPECT_EQ(eval(json::parse(R"({"var": {"+": [0, 1]}})"), json::array({"x", "y"})), "y");
}

TEST(Var, RootsAreReadByTheirDollarName) {
    const json data = json::parse(R"({"by": "data"})");
    const json event = json::parse(R"({"by": "alice", "items": [{"n": 1}, {"n": 2}]})");
    const json instance = json::parse(R"({"id": "i-1"})");
    const std::pair<std::string_view, const json*> roots[] = {{"$event", &event},
                                                              {"$instance", &instance}};
    const Context ctx{kNow, roots};
    EXPECT_EQ(ctx.root("$event"), &event);
    EXPECT_EQ(ctx.root("$nope"), nullptr);
    EXPECT_EQ(eval(json::parse(R"({"var": "$event.by"})"), data, ctx), "alice");
    EXPECT_EQ(eval(json::parse(R"({"var": "by"})"), data, ctx), "data");
    EXPECT_EQ(eval(json::parse(R"({"var": "$event"})"), data, ctx), event);
    EXPECT_EQ(eval(json::parse(R"({"var": "$event.items.1.n"})"), data, ctx), 2);
    EXPECT_EQ(eval(json::parse(R"({"var": "$instance.id"})"), data, ctx), "i-1");
    EXPECT_EQ(eval(json::parse(R"({"var": {"cat": ["$event", ".by"]}})"), data, ctx), "alice");
}

TEST(Var, MissingRootsGiveTheDefault) {
    EXPECT_EQ(eval(json::parse(R"({"var": "$event.by"})"), json::object()), json());
    EXPECT_EQ(eval(json::parse(R"({"var": ["$event.by", "nobody"]})"), json::object()), "nobody");
    EXPECT_EQ(eval(json::parse(R"({"var": ["$event", "none"]})"), json::object()), "none");
}

TEST(Var, RootsStayVisibleInsideIterations) {
    const json data = json::parse(R"({"xs": [{"v": 1}, {"v": 2}]})");
    const json item = json::parse(R"({"factor": 10})");
    const json event = json::parse(R"({"min": 2})");
    const std::pair<std::string_view, const json*> roots[] = {{"$item", &item}, {"$event", &event}};
    const Context ctx{kNow, roots};
    EXPECT_EQ(
        eval(json::parse(
                 R"({"map": [{"var": "xs"}, {"*": [{"var": "v"}, {"var": "$item.factor"}]}]})"),
             data, ctx),
        json::parse("[10, 20]"));
    EXPECT_EQ(
        eval(json::parse(
                 R"({"filter": [{"var": "xs"}, {">=": [{"var": "v"}, {"var": "$event.min"}]}]})"),
             data, ctx),
        json::parse(R"([{"v": 2}])"));
    EXPECT_EQ(eval(json::parse(R"({"reduce": [{"var": "xs"},
                   {"+": [{"var": "accumulator"}, {"var": "$item.factor"}]}, 0]})"),
                   data, ctx),
              20);
    EXPECT_EQ(
        eval(json::parse(
                 R"({"some": [{"var": "xs"}, {"==": [{"var": "v"}, {"var": "$event.min"}]}]})"),
             data, ctx),
        true);
}

TEST(Missing, NullAndEmptyStringCountAsMissing) {
    const json data = json::parse(R"({"a": null, "b": "", "c": 0, "d": false})");
    EXPECT_EQ(eval(json::parse(R"({"missing": ["a", "b", "c", "d", "e"]})"), data),
              json::parse(R"(["a", "b", "e"])"));
}

TEST(Missing, LooksUpRootsAndComputedKeys) {
    const json event = json::parse(R"({"by": "alice"})");
    const std::pair<std::string_view, const json*> roots[] = {{"$event", &event}};
    EXPECT_EQ(eval(json::parse(R"({"missing": ["$event.by", "$event.reason"]})"), json::object(),
                   Context{kNow, roots}),
              json::parse(R"(["$event.reason"])"));
    EXPECT_EQ(eval(json::parse(R"({"missing": [{"cat": ["x", "y"]}]})"), json{{"xy", 1}}),
              json::array());
    EXPECT_EQ(eval(json::parse(R"({"missing": [0, 2]})"), json::array({"a", "b"})),
              json::parse("[2]"));
}

TEST(MissingSome, TheNeededCountIsCoercedAndAnyOptionsCount) {
    const json data = json::parse(R"({"a": 1})");
    EXPECT_EQ(eval(json::parse(R"({"missing_some": ["1", ["a", "b"]]})"), data), json::array());
    EXPECT_EQ(eval(json::parse(R"({"missing_some": [2, ["a", "b"]]})"), data),
              json::parse(R"(["b"])"));
    EXPECT_EQ(eval(json::parse(R"({"missing_some": [0, []]})"), data), json::array());
    EXPECT_EQ(eval(json::parse(R"({"missing_some": [1, "b"]})"), data), json::parse(R"(["b"])"));
}

// ---------------------------------------------------------------------------------------------
// Logic

TEST(If, ChainsElseIfsAndReturnsNullWithoutElse) {
    const json rule =
        json::parse(R"({"if": [{"<": [{"var": "n"}, 0]}, "neg", {"==": [{"var": "n"}, 0]}, "zero",
                                             "pos"]})");
    EXPECT_EQ(eval(rule, json{{"n", -1}}), "neg");
    EXPECT_EQ(eval(rule, json{{"n", 0}}), "zero");
    EXPECT_EQ(eval(rule, json{{"n", 3}}), "pos");
    EXPECT_EQ(eval(json::parse(R"({"?:": [false, 1]})")), json());
    EXPECT_EQ(eval(json::parse(R"({"if": {"var": "x"}})"), json{{"x", 4}}), 4);
}

TEST(If, OnlyTheChosenBranchIsEvaluated) {
    // The other branch would index into a number; it must not matter.
    EXPECT_EQ(eval(json::parse(R"({"if": [true, "yes", {"var": "a.b.c"}]})"), json{{"a", 1}}),
              "yes");
}

TEST(AndOr, ReturnTheDecidingOperand) {
    const json data = json::parse(R"({"obj": {"k": 1}, "empty": []})");
    EXPECT_EQ(eval(json::parse(R"({"or": [0, "", {"var": "obj"}, 5]})"), data), data["obj"]);
    EXPECT_EQ(eval(json::parse(R"({"and": [1, {"var": "empty"}, 5]})"), data), json::array());
    EXPECT_EQ(eval(json::parse(R"({"and": [1, "x", {"var": "obj"}]})"), data), data["obj"]);
    EXPECT_EQ(eval(json::parse(R"({"or": [0, null, ""]})"), data), "");
    EXPECT_EQ(eval(json::parse(R"({"or": {"var": "obj"}})"), data), data["obj"]);
}

TEST(AndOr, ComputedOperandsSurviveTheNextOperand) {
    EXPECT_EQ(eval(json::parse(R"({"or": [{"cat": []}, {"cat": ["a", "b"]}, {"cat": ["c"]}]})")),
              "ab");
    EXPECT_EQ(eval(json::parse(R"({"and": [{"cat": ["a"]}, {"+": [1, 1]}]})")), 2);
}

TEST(Not, FollowsJsonLogicTruthiness) {
    EXPECT_EQ(eval(json::parse(R"({"!": {"var": "x"}})"), json{{"x", json::object()}}), false);
    EXPECT_EQ(eval(json::parse(R"({"!!": [{}]})")), true);
    EXPECT_EQ(eval(json::parse(R"({"!!": ["0"]})")), true);
    EXPECT_EQ(eval(json::parse(R"({"!!": {"/": [0, 0]}})")), false) << "NaN is falsy";
    EXPECT_EQ(eval(json::parse(R"({"!": [null]})")), true);
    EXPECT_EQ(eval(json::parse(R"({"!!": [0.0]})")), false);
}

TEST(Truthy, MatchesTheJsonLogicTable) {
    EXPECT_FALSE(truthy(json()));
    EXPECT_FALSE(truthy(json(false)));
    EXPECT_FALSE(truthy(json(0)));
    EXPECT_FALSE(truthy(json(0u)));
    EXPECT_FALSE(truthy(json(-0.0)));
    EXPECT_FALSE(truthy(json(std::nan(""))));
    EXPECT_FALSE(truthy(json("")));
    EXPECT_FALSE(truthy(json::array()));
    EXPECT_TRUE(truthy(json::object()));
    EXPECT_TRUE(truthy(json("0")));
    EXPECT_TRUE(truthy(json::array({0})));
    EXPECT_TRUE(truthy(json(-1)));
    EXPECT_TRUE(truthy(json(0.5)));
}

// ---------------------------------------------------------------------------------------------
// Equality and comparison

TEST(Equality, LooseEqualityCoercesLikeJavaScript) {
    const char* truths[] = {
        R"([1, "1"])",
        R"([0, false])",
        R"(["", 0])",
        R"(["0", false])",
        R"([1, true])",
        R"(["1", true])",
        R"([null, null])",
        R"([[1], "1"])",
        R"([[1, 2], "1,2"])",
        R"([[], false])",
        R"([[], ""])",
        R"([[0], false])",
        R"([1.0, 1])",
        R"([" 2 ", 2])",
        R"(["0x10", 16])",
        R"([[null], ""])",
        R"([{}, "[object Object]"])",
        R"(["1e3", 1000])",
    };
    for (const char* operands : truths) {
        EXPECT_EQ(eval(json{{"==", json::parse(operands)}}), true) << operands;
        EXPECT_EQ(eval(json{{"!=", json::parse(operands)}}), false) << operands;
    }
    const char* falsehoods[] = {
        R"([null, 0])",      R"([null, false])", R"([null, ""])", R"(["true", true])",
        R"(["abc", "ABC"])", R"([2, true])",     R"([{}, 1])",    R"(["a", 0])",
        R"([[1, 2], 1])",    R"(["", null])",
    };
    for (const char* operands : falsehoods) {
        EXPECT_EQ(eval(json{{"==", json::parse(operands)}}), false) << operands;
        EXPECT_EQ(eval(json{{"!=", json::parse(operands)}}), true) << operands;
    }
}

TEST(Equality, NaNEqualsNothing) {
    EXPECT_EQ(eval(json::parse(R"({"==": [{"/": [0, 0]}, {"/": [0, 0]}]})")), false);
    EXPECT_EQ(eval(json::parse(R"({"===": [{"+": "x"}, {"+": "x"}]})")), false);
    EXPECT_EQ(eval(json::parse(R"({"!=": [{"+": "x"}, "x"]})")), true);
}

TEST(Equality, StrictEqualityComparesTypeAndValue) {
    EXPECT_EQ(eval(json::parse(R"({"===": [1, 1.0]})")), true);
    EXPECT_EQ(eval(json::parse(R"({"===": [1, "1"]})")), false);
    EXPECT_EQ(eval(json::parse(R"({"===": [null, null]})")), true);
    EXPECT_EQ(eval(json::parse(R"({"===": [0, false]})")), false);
    EXPECT_EQ(eval(json::parse(R"({"!==": [0, false]})")), true);
    EXPECT_EQ(eval(json::parse(R"({"===": [9007199254740993, 9007199254740993]})")), true);
    EXPECT_EQ(eval(json::parse(R"({"===": [9007199254740993, 9007199254740992]})")), false);
    EXPECT_EQ(eval(json::parse(R"({"===": [-1, 18446744073709551615]})")), false);
}

TEST(Equality, ArraysAndObjectsCompareByValue) {
    const json data = json::parse(R"({"tags": ["a", "b"], "who": {"id": 1}})");
    EXPECT_EQ(eval(json::parse(R"({"==": [{"var": "tags"}, ["a", "b"]]})"), data), true);
    EXPECT_EQ(eval(json::parse(R"({"===": [{"var": "tags"}, ["a", "b"]]})"), data), true);
    EXPECT_EQ(eval(json::parse(R"({"==": [{"var": "tags"}, ["b", "a"]]})"), data), false);
    EXPECT_EQ(eval(json::parse(R"({"===": [{"var": "who"}, {"merge": []}]})"), data), false);
    EXPECT_EQ(eval(json::parse(R"({"==": [[1, [2]], [1.0, [2.0]]]})")), true);
}

TEST(Comparison, StringsCompareAsStringsOtherwiseAsNumbers) {
    EXPECT_EQ(eval(json::parse(R"({"<": ["10", "9"]})")), true) << "both strings";
    EXPECT_EQ(eval(json::parse(R"({"<": [10, "9"]})")), false) << "one number";
    EXPECT_EQ(eval(json::parse(R"({"<": ["a", "b"]})")), true);
    EXPECT_EQ(eval(json::parse(R"({">": ["b", "a"]})")), true);
    EXPECT_EQ(eval(json::parse(R"({"<": ["Z", "a"]})")), true);
    EXPECT_EQ(eval(json::parse(R"({"<": ["é", "z"]})")), false) << "by code point";
    EXPECT_EQ(eval(json::parse(R"({"<": [null, 1]})")), true) << "null is 0";
    EXPECT_EQ(eval(json::parse(R"({"<=": [null, 0]})")), true);
    EXPECT_EQ(eval(json::parse(R"({"<": [false, true]})")), true);
    EXPECT_EQ(eval(json::parse(R"({"<": [[2], 3]})")), true) << "[2] is \"2\"";
    EXPECT_EQ(eval(json::parse(R"({">=": [[2], "10"]})")), true) << "\"2\" >= \"10\" as strings";
}

TEST(Comparison, NaNMakesEveryComparisonFalse) {
    for (const char* op : {"<", "<=", ">", ">="}) {
        EXPECT_EQ(eval(json{{op, json::parse(R"(["abc", 1])")}}), false) << op;
        EXPECT_EQ(eval(json{{op, json::parse(R"([1, "abc"])")}}), false) << op;
        EXPECT_EQ(eval(json{{op, json::parse(R"([{}, 1])")}}), false) << op;
    }
}

TEST(Comparison, BetweenIsExclusiveForLessAndInclusiveForLessOrEqual) {
    EXPECT_EQ(eval(json::parse(R"({"<": [1, 1, 3]})")), false);
    EXPECT_EQ(eval(json::parse(R"({"<": [1, 3, 3]})")), false);
    EXPECT_EQ(eval(json::parse(R"({"<": [1, 2, 3]})")), true);
    EXPECT_EQ(eval(json::parse(R"({"<=": [1, 1, 3]})")), true);
    EXPECT_EQ(eval(json::parse(R"({"<=": [1, 3, 3]})")), true);
    EXPECT_EQ(eval(json::parse(R"({"<=": [1, 4, 3]})")), false);
    EXPECT_EQ(eval(json::parse(R"({"<=": [0, {"var": "x"}, 10]})"), json{{"x", "5"}}), true);
}

// ---------------------------------------------------------------------------------------------
// Strings

TEST(In, FindsSubstringsAndArrayElements) {
    EXPECT_EQ(eval(json::parse(R"({"in": ["", "abc"]})")), true);
    EXPECT_EQ(eval(json::parse(R"({"in": ["", ""]})")), false) << "an empty haystack is falsy";
    EXPECT_EQ(eval(json::parse(R"({"in": [1, "a1b"]})")), true) << "the needle becomes a string";
    EXPECT_EQ(eval(json::parse(R"({"in": [null, "nullable"]})")), true);
    EXPECT_EQ(eval(json::parse(R"({"in": [1, ["1"]]})")), false) << "array membership is strict";
    EXPECT_EQ(eval(json::parse(R"({"in": [1, [1.0]]})")), true);
    EXPECT_EQ(eval(json::parse(R"({"in": [[1], [[1], [2]]]})")), true);
    EXPECT_EQ(eval(json::parse(R"({"in": ["a", null]})")), false);
    EXPECT_EQ(eval(json::parse(R"({"in": ["a", {"a": 1, "b": 2}]})")), false);
    EXPECT_EQ(eval(json::parse(R"({"in": ["a", 123]})")), false);
}

TEST(Cat, FormatsValuesAsJavaScriptDoes) {
    EXPECT_EQ(eval(json::parse(R"({"cat": [1, 1.5, -2, 1.0]})")), "11.5-21");
    EXPECT_EQ(eval(json::parse(R"({"cat": [{"+": [0.1, 0.2]}]})")), "0.30000000000000004");
    EXPECT_EQ(eval(json::parse(R"({"cat": [1e21, " ", 1e20, " ", 1.5e-7, " ", 0.000001]})")),
              "1e+21 100000000000000000000 1.5e-7 0.000001");
    EXPECT_EQ(eval(json::parse(
                  R"({"cat": [1.2345678901234566e25, " ", -1e-300, " ", 123456789012345680000]})")),
              "1.2345678901234566e+25 -1e-300 123456789012345680000");
    EXPECT_EQ(eval(json::parse(R"({"cat": [18446744073709551615, " ", -9223372036854775808]})")),
              "18446744073709551615 -9223372036854775808");
    EXPECT_EQ(
        eval(json::parse(R"({"cat": [{"-": 0}, {"/": [1, 0]}, {"/": [-1, 0]}, {"+": "x"}]})")),
        "0Infinity-InfinityNaN");
}

TEST(Cat, JoinsOtherValuesAsArrayJoinDoes) {
    EXPECT_EQ(eval(json::parse(R"({"cat": [null, true, false]})")), "truefalse");
    EXPECT_EQ(eval(json::parse(R"({"cat": [[1, [2, null], "x"], "|", {}, "|", []]})")),
              "1,2,,x|[object Object]|");
    EXPECT_EQ(eval(json::parse(R"({"cat": []})")), "");
}

TEST(Substr, NegativeStartCountsFromTheEndAndNegativeLengthLeavesOffTheEnd) {
    EXPECT_EQ(eval(json::parse(R"({"substr": ["jsonlogic", -20]})")), "jsonlogic");
    EXPECT_EQ(eval(json::parse(R"({"substr": ["jsonlogic", 20]})")), "");
    EXPECT_EQ(eval(json::parse(R"({"substr": ["jsonlogic", 0, 100]})")), "jsonlogic");
    EXPECT_EQ(eval(json::parse(R"({"substr": ["jsonlogic", 2, -20]})")), "");
    EXPECT_EQ(eval(json::parse(R"({"substr": ["jsonlogic", 0, 0]})")), "");
    EXPECT_EQ(eval(json::parse(R"({"substr": ["jsonlogic", "4", "2"]})")), "lo");
    EXPECT_EQ(eval(json::parse(R"({"substr": ["jsonlogic", 1.9, null]})")), "")
        << "null length is 0";
    EXPECT_EQ(eval(json::parse(R"({"substr": ["jsonlogic", "x"]})")), "jsonlogic")
        << "NaN start is 0";
}

TEST(Substr, CountsCodePointsAndConvertsItsSource) {
    EXPECT_EQ(eval(json::parse(R"({"substr": ["héllo wörld", 1, 4]})")), "éllo");
    EXPECT_EQ(eval(json::parse(R"({"substr": ["日本語テキスト", -3]})")), "キスト");
    EXPECT_EQ(eval(json::parse(R"({"substr": [12345, 1, 2]})")), "23");
    EXPECT_EQ(eval(json::parse(R"({"substr": [null, 1]})")), "ull");
}

// ---------------------------------------------------------------------------------------------
// Arithmetic

TEST(Arithmetic, IntegralResultsStayIntegers) {
    EXPECT_EQ(eval_text(json::parse(R"({"+": [1, 2]})")), "3");
    EXPECT_EQ(eval_text(json::parse(R"({"+": [1.5, 1.5]})")), "3");
    EXPECT_EQ(eval_text(json::parse(R"({"/": [6, 3]})")), "2");
    EXPECT_EQ(eval_text(json::parse(R"({"*": [0.5, 4]})")), "2");
    EXPECT_EQ(eval_text(json::parse(R"({"/": [1, 4]})")), "0.25");
    EXPECT_EQ(eval_text(json::parse(R"({"-": [0]})")), "0") << "no negative zero";
    EXPECT_EQ(eval(json::parse(R"({"==": [{"+": [1, 2]}, 3]})")), true);
    EXPECT_TRUE(eval(json::parse(R"({"*": [1e20, 100]})")).is_number_float()) << "beyond 2^53";
}

TEST(Arithmetic, PlusAndTimesParseLeadingNumbersLikeParseFloat) {
    EXPECT_EQ(eval(json::parse(R"({"+": ["3.5abc", 1]})")), 4.5);
    EXPECT_EQ(eval(json::parse(R"({"+": [" 12 ", "1e1"]})")), 22);
    EXPECT_EQ(eval(json::parse(R"({"+": ["0x10"]})")), 0) << "parseFloat stops at the x";
    EXPECT_EQ(eval(json::parse(R"({"+": [[5, 6], 1]})")), 6) << "\"5,6\" parses as 5";
    EXPECT_EQ(eval(json::parse(R"({"*": ["2", "3"]})")), 6);
    EXPECT_EQ(eval(json::parse(R"({"*": ["7"]})")), 7);
    EXPECT_EQ(eval(json::parse(R"({"+": []})")), 0);
    EXPECT_EQ(eval(json::parse(R"({"+": [1, 2, 3, 4, 5, 6]})")), 21);
    EXPECT_EQ(eval(json::parse(R"({"+": "-Infinity"})")), -std::numeric_limits<double>::infinity());
}

TEST(Arithmetic, PlusAndTimesGiveNaNForNonNumbers) {
    for (const char* rule :
         {R"({"+": ["abc"]})", R"({"+": [true, 1]})", R"({"+": [null]})", R"({"+": [""]})",
          R"({"+": [{}]})", R"({"*": [1, "x"]})", R"({"+": ["."]})"}) {
        const json result = eval(json::parse(rule));
        EXPECT_TRUE(result.is_number_float() && std::isnan(result.get<double>()))
            << rule << " gave " << result;
        EXPECT_EQ(result.dump(), "null") << "NaN is written as null";
    }
}

TEST(Arithmetic, MinusDivideAndModuloUseToNumber) {
    EXPECT_EQ(eval(json::parse(R"({"-": ["", 1]})")), -1) << "\"\" is 0";
    EXPECT_EQ(eval(json::parse(R"({"-": ["0x10", 0]})")), 16);
    EXPECT_EQ(eval(json::parse(R"({"-": ["0b101", "0o7"]})")), -2);
    EXPECT_EQ(eval(json::parse(R"({"-": [" 5\n", null]})")), 5);
    EXPECT_EQ(eval(json::parse(R"({"-": [true, false]})")), 1);
    EXPECT_EQ(eval(json::parse(R"({"-": [[7], []]})")), 7);
    EXPECT_EQ(eval(json::parse(R"({"-": "5"})")), -5) << "unary minus";
    EXPECT_EQ(eval(json::parse(R"({"/": ["9", "3"]})")), 3);
    EXPECT_TRUE(std::isnan(eval(json::parse(R"({"-": ["3.5abc", 0]})")).get<double>()))
        << "not parseFloat";
    EXPECT_TRUE(std::isnan(eval(json::parse(R"({"-": ["1 2", 0]})")).get<double>()));
    EXPECT_TRUE(std::isnan(eval(json::parse(R"({"-": ["-0x10", 0]})")).get<double>()));
    EXPECT_EQ(eval(json::parse(R"({"-": ["1e400", 0]})")), std::numeric_limits<double>::infinity());
    EXPECT_EQ(eval(json::parse(R"({"-": ["1e-400", 0]})")), 0);
    EXPECT_EQ(eval(json::parse(R"({"-": ["+Infinity", 0]})")),
              std::numeric_limits<double>::infinity());
}

TEST(Arithmetic, ModuloKeepsTheSignOfTheDividend) {
    EXPECT_EQ(eval(json::parse(R"({"%": [-7, 2]})")), -1);
    EXPECT_EQ(eval(json::parse(R"({"%": [7, -2]})")), 1);
    EXPECT_EQ(eval(json::parse(R"({"%": [5.5, 2]})")), 1.5);
    EXPECT_TRUE(std::isnan(eval(json::parse(R"({"%": [5, 0]})")).get<double>()));
}

TEST(Arithmetic, DivisionByZeroGivesInfinity) {
    EXPECT_EQ(eval(json::parse(R"({"/": [1, 0]})")), std::numeric_limits<double>::infinity());
    EXPECT_EQ(eval(json::parse(R"({"/": [-1, 0]})")), -std::numeric_limits<double>::infinity());
    EXPECT_TRUE(std::isnan(eval(json::parse(R"({"/": [0, 0]})")).get<double>()));
}

TEST(Arithmetic, MinAndMaxCoerceAndPropagateNaN) {
    EXPECT_EQ(eval(json::parse(R"({"max": ["3", 2, null]})")), 3);
    EXPECT_EQ(eval(json::parse(R"({"min": ["3", 2, null]})")), 0);
    EXPECT_EQ(eval(json::parse(R"({"min": [-1.5]})")), -1.5);
    EXPECT_TRUE(std::isnan(eval(json::parse(R"({"max": [1, "x", 3]})")).get<double>()));
    EXPECT_TRUE(std::isnan(eval(json::parse(R"({"min": ["x", 1]})")).get<double>()));
}

// ---------------------------------------------------------------------------------------------
// Arrays

TEST(ArrayLiteral, ElementsThatAreRulesAreEvaluated) {
    const json data = json::parse(R"({"x": 2, "s": "t"})");
    EXPECT_EQ(eval(json::parse(R"([1, {"var": "x"}, [{"var": "s"}, 3]])"), data),
              json::parse(R"([1, 2, ["t", 3]])"));
    EXPECT_EQ(eval(json::parse(R"([{"var": "missing"}])"), data), json::parse("[null]"));
}

TEST(Merge, FlattensOneLevelOnly) {
    EXPECT_EQ(eval(json::parse(R"({"merge": [[1, [2]], 3, [[4]]]})")),
              json::parse("[1, [2], 3, [4]]"));
    EXPECT_EQ(eval(json::parse(R"({"merge": [{"var": "a"}, {"var": "b"}, null]})"),
                   json::parse(R"({"a": [1], "b": {"k": 2}})")),
              json::parse(R"([1, {"k": 2}, null])"));
    EXPECT_EQ(eval(json::parse(R"({"merge": [{"map": [[1, 2], {"*": [{"var": ""}, 2]}]}, [5]]})")),
              json::parse("[2, 4, 5]"));
}

TEST(Iteration, NonArraySourcesGiveTheEmptyResult) {
    const json data = json::parse(R"({"s": "abc", "o": {"a": 1}})");
    EXPECT_EQ(eval(json::parse(R"({"map": [{"var": "s"}, 1]})"), data), json::array());
    EXPECT_EQ(eval(json::parse(R"({"filter": [{"var": "o"}, true]})"), data), json::array());
    EXPECT_EQ(eval(json::parse(R"({"reduce": [{"var": "s"}, 1, {"var": "o"}]})"), data), data["o"]);
    EXPECT_EQ(eval(json::parse(R"({"all": [{"var": "s"}, true]})"), data), false);
    EXPECT_EQ(eval(json::parse(R"({"none": [{"var": "s"}, true]})"), data), true);
    EXPECT_EQ(eval(json::parse(R"({"some": [{"var": "s"}, true]})"), data), false);
}

TEST(Iteration, AllOfAnEmptyArrayIsFalseNoneIsTrueSomeIsFalse) {
    EXPECT_EQ(eval(json::parse(R"({"all": [[], true]})")), false);
    EXPECT_EQ(eval(json::parse(R"({"none": [[], true]})")), true);
    EXPECT_EQ(eval(json::parse(R"({"some": [[], true]})")), false);
}

TEST(Iteration, TheElementIsTheDataInsideTheRule) {
    const json data = json::parse(R"({"xs": [[1, 2], [3]], "outer": 9})");
    EXPECT_EQ(eval(json::parse(R"({"map": [{"var": "xs"}, {"var": "0"}]})"), data),
              json::parse("[1, 3]"));
    EXPECT_EQ(eval(json::parse(R"({"map": [{"var": "xs"}, {"var": "outer"}]})"), data),
              json::parse("[null, null]"));
    EXPECT_EQ(eval(json::parse(R"({"map": [[1, 2], {"map": [[10, 20], {"var": ""}]}]})")),
              json::parse("[[10, 20], [10, 20]]"));
}

TEST(Iteration, FilterKeepsTheOriginalElements) {
    const json data = json::parse(R"({"xs": [{"n": 1}, {"n": 2}, {"n": 3}]})");
    EXPECT_EQ(eval(json::parse(R"({"filter": [{"var": "xs"}, {"%": [{"var": "n"}, 2]}]})"), data),
              json::parse(R"([{"n": 1}, {"n": 3}])"));
}

TEST(Iteration, ReduceSeesCurrentAndAccumulator) {
    EXPECT_EQ(
        eval(json::parse(
            R"({"reduce": [[1, 2, 3], {"cat": [{"var": "accumulator"}, {"var": "current"}]}, ""]})")),
        "123");
    EXPECT_EQ(eval(json::parse(R"({"reduce": [[1, 2], {"var": "accumulator"}, {"merge": [0]}]})")),
              json::parse("[0]"));
    EXPECT_EQ(
        eval(json::parse(
            R"({"reduce": [[1, 2], {"merge": [{"var": "accumulator"}, {"var": "current"}]}, []]})")),
        json::parse("[1, 2]"));
    EXPECT_EQ(eval(json::parse(R"({"reduce": [[], {"var": "current"}, "init"]})")), "init");
}

TEST(Iteration, SomeAndNoneStopAtTheFirstTruthyElement) {
    const json data = json::parse(R"({"xs": [0, 1, 2]})");
    EXPECT_EQ(eval(json::parse(R"({"some": [{"var": "xs"}, {"var": ""}]})"), data), true);
    EXPECT_EQ(eval(json::parse(R"({"none": [{"var": "xs"}, {"var": ""}]})"), data), false);
    EXPECT_EQ(eval(json::parse(R"({"all": [{"var": "xs"}, {"var": ""}]})"), data), false);
    EXPECT_EQ(eval(json::parse(R"({"all": [[1, "x", [0]], {"var": ""}]})")), true);
}

TEST(Log, ReturnsItsArgument) {
    EXPECT_EQ(eval(json::parse(R"({"log": {"var": "a"}})"), json{{"a", json::array({1})}}),
              json::array({1}));
    EXPECT_EQ(eval(json::parse(R"({"log": ["apple"]})")), "apple");
}

// ---------------------------------------------------------------------------------------------
// Dates

TEST(Dates, NowAndTodayComeFromTheContext) {
    EXPECT_EQ(eval(json::parse(R"({"now": []})")), "2027-03-01T09:00:00Z");
    EXPECT_EQ(eval(json::parse(R"({"today": []})")), "2027-03-01");
    EXPECT_EQ(eval(json::parse(R"({"now": []})"), nullptr, Context{kNow + 250, {}}),
              "2027-03-01T09:00:00.250Z");
}

TEST(Dates, DateAddKeepsTheFormOfItsInput) {
    EXPECT_EQ(eval(json::parse(R"({"date_add": ["2027-03-01", "P90D"]})")), "2027-05-30");
    EXPECT_EQ(eval(json::parse(R"({"date_add": ["2027-03-01", "PT1H"]})")), "2027-03-01T01:00:00Z");
    EXPECT_EQ(eval(json::parse(R"({"date_add": ["2027-03-01T09:00:00Z", "P1D"]})")),
              "2027-03-02T09:00:00Z");
    EXPECT_EQ(eval(json::parse(R"({"date_add": ["2027-03-01T09:00:00+02:00", "P1D"]})")),
              "2027-03-02T07:00:00Z")
        << "date-times come back in UTC";
    EXPECT_EQ(eval(json::parse(R"({"date_add": [{"today": []}, "P2W"]})")), "2027-03-15");
}

TEST(Dates, DateAddClampsToTheMonthEnd) {
    EXPECT_EQ(eval(json::parse(R"({"date_add": ["2027-01-31", "P1M"]})")), "2027-02-28");
    EXPECT_EQ(eval(json::parse(R"({"date_add": ["2027-01-31", "-P1M"]})")), "2026-12-31");
}

TEST(Dates, DateSubSubtractsAndANegativeDurationAddsBack) {
    EXPECT_EQ(eval(json::parse(R"({"date_sub": ["2027-03-01", "P1D"]})")), "2027-02-28");
    EXPECT_EQ(eval(json::parse(R"({"date_sub": ["2028-03-31", "P1M"]})")), "2028-02-29");
    EXPECT_EQ(eval(json::parse(R"({"date_sub": ["2027-03-01", "-P1D"]})")), "2027-03-02");
    EXPECT_EQ(eval(json::parse(R"({"date_sub": [{"now": []}, "PT9H30M"]})")),
              "2027-02-28T23:30:00Z");
}

TEST(Dates, DateArithmeticOnUnparseableValuesIsNull) {
    const json data = json::parse(R"({"bad": "2027-02-30", "num": 5, "dur": "P1X"})");
    EXPECT_EQ(eval(json::parse(R"({"date_add": [{"var": "bad"}, "P1D"]})"), data), json());
    EXPECT_EQ(eval(json::parse(R"({"date_add": [{"var": "num"}, "P1D"]})"), data), json());
    EXPECT_EQ(eval(json::parse(R"({"date_add": [{"var": "missing"}, "P1D"]})"), data), json());
    EXPECT_EQ(eval(json::parse(R"({"date_sub": ["2027-01-01", {"var": "dur"}]})"), data), json());
    EXPECT_EQ(eval(json::parse(R"({"date_sub": ["2027-01-01", {"var": "num"}]})"), data), json());
}

TEST(Dates, BeforeAndAfterCompareInstants) {
    const json data = json::parse(R"({"due": "2027-03-01T10:00:00+02:00"})");
    EXPECT_EQ(eval(json::parse(R"({"date_before": [{"now": []}, {"var": "due"}]})"), data), false)
        << "10:00+02:00 is 08:00Z, before now (09:00Z)";
    EXPECT_EQ(eval(json::parse(R"({"date_before": ["2027-03-01", {"var": "due"}]})"), data), true);
    EXPECT_EQ(eval(json::parse(R"({"date_after": [{"now": []}, {"var": "due"}]})"), data), true);
    EXPECT_EQ(eval(json::parse(R"({"date_after": ["2027-03-01", "2027-03-01T00:00:00Z"]})")),
              false);
    EXPECT_EQ(eval(json::parse(R"({"date_before": ["2027-03-01", "2027-03-01T00:00:00Z"]})")),
              false);
}

TEST(Dates, BeforeAndAfterAreFalseWhenEitherSideIsUnparseable) {
    const json data = json::parse(R"({"bad": "soon", "ok": "2027-01-01"})");
    for (const char* op : {"date_before", "date_after"}) {
        EXPECT_EQ(eval(json{{op, json::parse(R"([{"var": "bad"}, {"var": "ok"}])")}}, data), false)
            << op;
        EXPECT_EQ(eval(json{{op, json::parse(R"([{"var": "ok"}, {"var": "bad"}])")}}, data), false)
            << op;
        EXPECT_EQ(eval(json{{op, json::parse(R"([{"var": "ok"}, {"var": "none"}])")}}, data), false)
            << op;
    }
}

TEST(Dates, DaysBetweenCountsCivilDaysFromTheFirstToTheSecond) {
    EXPECT_EQ(eval_text(json::parse(R"({"days_between": [{"today": []}, "2027-05-30"]})")), "90");
    EXPECT_EQ(eval(json::parse(R"({"days_between": ["2027-03-02", "2027-03-01T23:59:59Z"]})")), -1);
    EXPECT_EQ(eval(json::parse(R"({"days_between": ["2028-02-28", "2028-03-01"]})")), 2);
    EXPECT_EQ(eval(json::parse(R"({"days_between": [{"var": "x"}, "2028-03-01"]})"),
                   json{{"x", "never"}}),
              json());
}

TEST(Dates, GuardsCanCombineDateOperators) {
    const json rule = json::parse(
        R"({"and": [{"date_before": [{"var": "opened"}, {"date_sub": [{"today": []}, "P30D"]}]},
                    {">": [{"days_between": [{"var": "opened"}, {"today": []}]}, 30]}]})");
    EXPECT_EQ(eval(rule, json{{"opened", "2027-01-15"}}), true);
    EXPECT_EQ(eval(rule, json{{"opened", "2027-02-15"}}), false);
}

}  // namespace
}  // namespace accord::engine::logic
