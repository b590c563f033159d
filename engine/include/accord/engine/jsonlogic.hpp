// JsonLogic, compiled once and evaluated often.
// A rule is compiled to an expression tree (operator resolved, var paths pre-split, literals
// kept); evaluation never re-parses JSON and returns references into the data where it can.
// Semantics follow jsonlogic.com (truthiness, loose equality, numeric coercions), plus date
// operators of ours: now, today, date_add, date_sub, date_before, date_after, days_between,
// add_working_days, working_days_between.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "accord/engine/result.hpp"
#include "accord/engine/time.hpp"

namespace accord::engine {
class Calendar;
}

namespace accord::engine::logic {

using json = nlohmann::json;

// What a rule may see besides its data. `var` paths whose first segment starts with '$' are
// looked up among the named roots ("$event.by", "$instance.id", "$item"); other paths read
// the current data. Inside map/filter/reduce/all/none/some the data is the element, while the
// roots stay visible.
struct Context {
    TimeMs now = 0;
    std::span<const std::pair<std::string_view, const json*>> roots;
    // The office's: its local dates (today, days_between) and working days. None: UTC, with
    // Saturday and Sunday off.
    const Calendar* calendar = nullptr;

    const json* root(std::string_view name) const;
};

struct Node;

// A compiled rule. Cheap to copy (shares the immutable tree).
class Expression {
public:
    Expression();  // the literal null

    // Evaluates against `data`. The result refers either into `data`, into the rule's
    // literals, or into `scratch`; it stays valid while all three do.
    const json& evaluate(const json& data, const Context& ctx, json& scratch) const;

    // Convenience: evaluates and copies the result.
    json evaluate(const json& data, const Context& ctx) const;

    // Truthiness of the result, by JsonLogic's rules.
    bool test(const json& data, const Context& ctx) const;

    // True when the rule is a constant (not an operator application).
    bool is_literal() const;

private:
    friend Result<Expression> compile(const json& rule, std::string_view pointer);
    explicit Expression(std::shared_ptr<const Node> root);
    std::shared_ptr<const Node> root_;
};

// Compiles a rule. Errors name the JSON Pointer of the bad part, `pointer` being the rule's own.
// An object with one key is an operation and its key must be a known operator.
Result<Expression> compile(const json& rule, std::string_view pointer = "");

// JsonLogic truthiness: false, null, 0, NaN, "" and [] are falsy; everything else is truthy.
bool truthy(const json& value);

// Runs a test file in the common format: a JSON array of [rule, data, expected] cases, with
// strings as section comments. Each failure is described in `failures`.
struct TestReport {
    int passed = 0;
    int failed = 0;
    std::vector<std::string> failures;
};
TestReport run_tests(const json& cases, TimeMs now = 0);

}  // namespace accord::engine::logic
