// Robustness: the engine under inputs nobody wrote by hand. Mutated copies of the shipped
// definitions, random inputs on running instances, the pure and in-place steps side by side, and
// random JsonLogic rules. Everything is drawn from std::mt19937 with fixed seeds, so a failure
// reproduces: each report names the seed, the mutations or the input that caused it.
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "accord/engine/json_text.hpp"
#include "accord/engine/jsonlogic.hpp"
#include "accord/engine/local_runtime.hpp"
#include "test_support.hpp"

namespace accord::engine {
namespace {

using namespace testkit;
namespace fs = std::filesystem;
using Pointer = json::json_pointer;

constexpr TimeMs kEndOfTime = std::numeric_limits<TimeMs>::max();

// How much each fuzz test runs. Unoptimised builds (debug, and the sanitizers) run a prefix of
// the same seeds: fewer, so that the file stays fast there too, and a seed that fails there fails
// in an optimised build as well.
#ifdef NDEBUG
constexpr int kMutantsPerWorkflow = 450;  // x 6 workflows, 1 to 3 mutations each
constexpr int kEpisodesPerWorkflow = 6;   // x 60 inputs
constexpr int kWalksPerWorkflow = 6;      // x 40 steps x 3 inputs compared
constexpr int kRules = 12'000;
#else
constexpr int kMutantsPerWorkflow = 100;
constexpr int kEpisodesPerWorkflow = 2;
constexpr int kWalksPerWorkflow = 3;
constexpr int kRules = 3'000;
#endif

// ---------------------------------------------------------------------------------------------
// Randomness

class Rng {
public:
    explicit Rng(std::uint32_t seed) : gen_(seed) {}

    // Uniform in [0, n); REQUIRES: n > 0.
    std::size_t below(std::size_t n) {
        return std::uniform_int_distribution<std::size_t>(0, n - 1)(gen_);
    }
    std::int64_t between(std::int64_t lo, std::int64_t hi) {
        return std::uniform_int_distribution<std::int64_t>(lo, hi)(gen_);
    }
    bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(gen_) < p; }
    template <typename T>
    const T& pick(const std::vector<T>& v) {
        return v[below(v.size())];
    }

private:
    std::mt19937 gen_;
};

// Failures of a fuzz loop, counted, the first few kept with their reproduction.
class Findings {
public:
    void add(std::string what) {
        if (count_++ < kKept) kept_ += "\n--- " + std::move(what);
    }
    int count() const { return count_; }
    std::string text() const {
        return std::to_string(count_) + " problem(s); the first ones:" + kept_;
    }

private:
    static constexpr int kKept = 6;
    int count_ = 0;
    std::string kept_;
};

std::string shorten(const std::string& s, std::size_t max = 1500) {
    return s.size() <= max ? s : s.substr(0, max) + "...(" + std::to_string(s.size()) + " chars)";
}

std::string show(const json& j, std::size_t max = 1500) {
    return shorten(j.dump(-1, ' ', false, json::error_handler_t::replace), max);
}

// JSON equality where NaN equals NaN (JsonLogic can compute NaN; json's == says NaN != NaN).
bool same_json(const json& a, const json& b) {
    if (a.is_number() && b.is_number()) {
        const bool a_nan = a.is_number_float() && std::isnan(a.get<double>());
        const bool b_nan = b.is_number_float() && std::isnan(b.get<double>());
        return a_nan || b_nan ? a_nan && b_nan : a == b;
    }
    if (a.type() != b.type()) return false;
    if (a.is_array()) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (!same_json(a[i], b[i])) return false;
        return true;
    }
    if (a.is_object()) {
        if (a.size() != b.size()) return false;
        for (auto it = a.begin(); it != a.end(); ++it) {
            auto other = b.find(it.key());
            if (other == b.end() || !same_json(it.value(), *other)) return false;
        }
        return true;
    }
    return a == b;
}

// ---------------------------------------------------------------------------------------------
// Random values

const std::vector<std::string> kUnicode = {"é",  "日本語", "😀",  "\u2028", "\u200b", "Ω≈ç√",
                                           "\t", "\n",     "\\", "\"",     "ﬀ",      "\u00a0"};

std::string random_name(Rng& rng) {
    static const std::vector<std::string> names = {
        "approve", "reject", "review", "done", "x", "a_b", "terminate", "sign", "chase", "legal"};
    std::string s = rng.pick(names);
    if (rng.chance(0.3)) s += std::to_string(rng.below(10));
    return s;
}

std::string random_duration(Rng& rng) {
    static const std::vector<std::string> durations = {"P1D",
                                                       "P10D",
                                                       "-P90D",
                                                       "PT0S",
                                                       "P0D",
                                                       "P1Y2M10DT2H30M",
                                                       "PT0.001S",
                                                       "P2W",
                                                       "PT1H",
                                                       "P",
                                                       "PT",
                                                       "P1Y",
                                                       "-P2D",
                                                       "P99999999999999999999D",
                                                       "P9999999999999999Y",
                                                       "P1.5D",
                                                       "1D",
                                                       "P-1D",
                                                       "PT4H",
                                                       "P1M",
                                                       "p1d",
                                                       "P1DT",
                                                       "P1W1D",
                                                       "P1D1Y",
                                                       "PT1M30.5S"};
    return rng.pick(durations);
}

std::string random_date(Rng& rng) {
    static const std::vector<std::string> odd = {"2027-02-29",
                                                 "2028-02-29",
                                                 "0000-01-01",
                                                 "9999-12-31T23:59:59Z",
                                                 "2027-01-01T00:00:00+23:59",
                                                 "2027-13-01",
                                                 "2027-01-01T24:00:00Z",
                                                 "2027-1-1",
                                                 "yesterday",
                                                 "2026-01-05T09:00:00.123456Z",
                                                 "2027-06-30t12:00:00z",
                                                 ""};
    if (rng.chance(0.2)) return rng.pick(odd);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(rng.between(2025, 2031)),
                  static_cast<int>(rng.between(1, 12)), static_cast<int>(rng.between(1, 28)));
    std::string s = buf;
    if (rng.chance(0.3)) s += "T" + std::to_string(10 + rng.below(14)) + ":30:00Z";
    return s;
}

std::string random_text(Rng& rng) {
    switch (rng.below(12)) {
        case 0:
            return "";
        case 1:
            return std::string(static_cast<std::size_t>(rng.between(200, 5000)), 'a');
        case 2: {
            std::string s;
            for (int i = 0, n = static_cast<int>(rng.between(1, 40)); i < n; ++i)
                s += rng.pick(kUnicode);
            return s;
        }
        case 3:
            return random_duration(rng);
        case 4:
            return random_date(rng);
        case 5:
            return "{{" + random_name(rng) + "}}";
        case 6: {
            static const std::vector<std::string> odd = {
                "{{",    "{{}}", "}}{{", "~",    "/",   ".",    "$event", "$instance.id",
                "a.b.c", "~0~1", "a/b",  "a~b",  "..",  "0x1F", " 12 ",   "1e400",
                "-0",    "NaN",  "null", "true", "A_B", "_x",   "1abc",   "x.y.z.w"};
            return rng.pick(odd);
        }
        case 7:
            return random_name(rng) + rng.pick(kUnicode);
        default:
            return random_name(rng);
    }
}

json extreme_number(Rng& rng) {
    switch (rng.below(16)) {
        case 0:
            return 0;
        case 1:
            return -1;
        case 2:
            return 1;
        case 3:
            return 0.5;
        case 4:
            return -0.0;
        case 5:
            return 1e308;
        case 6:
            return -1e308;
        case 7:
            return std::numeric_limits<std::int64_t>::max();
        case 8:
            return std::numeric_limits<std::int64_t>::min();
        case 9:
            return std::numeric_limits<std::uint64_t>::max();
        case 10:
            return 9007199254740993LL;  // 2^53 + 1
        case 11:
            return 65535;
        case 12:
            return 4294967297LL;  // 2^32 + 1: wraps to 1 as an int
        case 13:
            return 1e-300;
        case 14:
            return 3.0;
        default:
            return rng.between(-1000, 100000);
    }
}

json deep_nesting(Rng& rng) {
    json v = rng.chance(0.5) ? json(1) : json("x");
    const bool arrays = rng.chance(0.5);
    for (int i = 0, n = static_cast<int>(rng.between(50, 300)); i < n; ++i)
        v = arrays ? json::array({std::move(v)}) : json{{"k", std::move(v)}};
    return v;
}

json random_value(Rng& rng, int depth = 2) {
    switch (rng.below(depth > 0 ? 9 : 5)) {
        case 0:
            return nullptr;
        case 1:
            return rng.chance(0.5);
        case 2:
            return extreme_number(rng);
        case 3:
        case 4:
            return random_text(rng);
        case 5:
        case 6: {
            json a = json::array();
            for (int i = 0, n = static_cast<int>(rng.below(4)); i < n; ++i)
                a.push_back(random_value(rng, depth - 1));
            return a;
        }
        case 7: {
            json o = json::object();
            for (int i = 0, n = static_cast<int>(rng.below(4)); i < n; ++i)
                o[random_name(rng)] = random_value(rng, depth - 1);
            return o;
        }
        default:
            return rng.chance(0.1) ? deep_nesting(rng) : json::object();
    }
}

// A value whose JSON type differs from `old`'s.
json value_of_other_type(Rng& rng, const json& old) {
    for (int attempt = 0; attempt < 20; ++attempt) {
        json v = rng.chance(0.1) ? deep_nesting(rng) : random_value(rng);
        const bool both_numbers = v.is_number() && old.is_number();
        if (v.type() != old.type() && !both_numbers) return v;
    }
    return old.is_null() ? json(1) : json(nullptr);
}

// ---------------------------------------------------------------------------------------------
// Random JsonLogic

const std::vector<std::string> kLogicOps = {"var",         "missing",    "missing_some",
                                            "if",          "?:",         "==",
                                            "===",         "!=",         "!==",
                                            "<",           "<=",         ">",
                                            ">=",          "!",          "!!",
                                            "and",         "or",         "in",
                                            "cat",         "substr",     "+",
                                            "-",           "*",          "/",
                                            "%",           "min",        "max",
                                            "merge",       "map",        "filter",
                                            "reduce",      "all",        "none",
                                            "some",        "log",        "now",
                                            "today",       "date_add",   "date_sub",
                                            "date_before", "date_after", "days_between",
                                            "object"};

const std::vector<std::string> kPaths = {"a",
                                         "b",
                                         "list",
                                         "list.0",
                                         "list.10",
                                         "list.01",
                                         "list.-1",
                                         "nested",
                                         "nested.x",
                                         "nested.x.y",
                                         "date",
                                         "n",
                                         "s",
                                         "flag",
                                         "empty",
                                         "nothing",
                                         "$event",
                                         "$event.by",
                                         "$event.fields.risk",
                                         "$item",
                                         "$index",
                                         "$nope.x",
                                         "",
                                         "current",
                                         "accumulator",
                                         "0",
                                         "a..b",
                                         ".",
                                         "partner.name",
                                         "end_date",
                                         "signatories",
                                         "$actor.roles",
                                         "$instance.state"};

json random_leaf(Rng& rng) {
    static const std::vector<json> literals = {"0x1F",
                                               " 12 ",
                                               "1e400",
                                               "Infinity",
                                               "-Infinity",
                                               "-0",
                                               ".5",
                                               "5.",
                                               "1e-400",
                                               "",
                                               "abc",
                                               "2027-03-01",
                                               "2027-03-01T10:00:00Z",
                                               "P90D",
                                               "-P1M",
                                               "PT1H",
                                               "true",
                                               "[]",
                                               " ",
                                               "\u2028 7 \u00a0",
                                               "0b101",
                                               "0o17",
                                               "1,2",
                                               "12px"};
    switch (rng.below(5)) {
        case 0:
            return rng.pick(literals);
        case 1:
            return rng.pick(kPaths);
        default:
            return random_value(rng, 1);
    }
}

json random_rule(Rng& rng, int depth) {
    if (depth <= 0 || rng.chance(0.2)) return random_leaf(rng);
    if (rng.chance(0.02)) {  // a long chain: near and beyond the nesting limit
        json v = json{{"var", "a"}};
        const std::string op = rng.chance(0.5) ? "!" : "log";
        for (int i = 0, n = static_cast<int>(rng.between(100, 160)); i < n; ++i)
            v = json{{op, std::move(v)}};
        return v;
    }
    std::string op = rng.pick(kLogicOps);
    if (rng.chance(0.03))
        op = rng.pick(std::vector<std::string>{"foo", "", "VAR", "date_add ", "?"});
    json args = json::array();
    if (op == "var") {
        json path = rng.chance(0.8) ? json(rng.pick(kPaths)) : random_rule(rng, depth - 1);
        if (rng.chance(0.3)) return json{{op, path}};
        args.push_back(path);
        if (rng.chance(0.5)) args.push_back(random_rule(rng, depth - 1));
    } else if (op == "object") {
        json body = json::object();
        for (int i = 0, n = static_cast<int>(rng.below(4)); i < n; ++i)
            body[random_name(rng)] = random_rule(rng, depth - 1);
        return json{{op, rng.chance(0.9) ? body : random_rule(rng, depth - 1)}};
    } else if (op == "map" || op == "filter" || op == "all" || op == "none" || op == "some" ||
               op == "reduce") {
        args.push_back(rng.chance(0.7) ? json{{"var", rng.pick(std::vector<std::string>{
                                                          "list", "nested", "empty", "s", "a"})}}
                                       : random_rule(rng, depth - 1));
        args.push_back(random_rule(rng, depth - 1));
        if (op == "reduce" || rng.chance(0.1)) args.push_back(random_rule(rng, depth - 1));
    } else if (op.starts_with("date_") || op == "days_between") {
        args.push_back(rng.chance(0.5) ? json(random_date(rng)) : random_rule(rng, depth - 1));
        args.push_back(rng.chance(0.5)
                           ? json(op == "date_add" || op == "date_sub" ? random_duration(rng)
                                                                       : random_date(rng))
                           : random_rule(rng, depth - 1));
    } else {
        // Mostly an arity the operator takes, sometimes any.
        static const std::map<std::string, std::pair<int, int>, std::less<>> arity = {
            {"missing", {0, 3}}, {"missing_some", {2, 2}},
            {"if", {0, 5}},      {"?:", {3, 3}},
            {"==", {2, 2}},      {"===", {2, 2}},
            {"!=", {2, 2}},      {"!==", {2, 2}},
            {"<", {2, 3}},       {"<=", {2, 3}},
            {">", {2, 2}},       {">=", {2, 2}},
            {"!", {1, 1}},       {"!!", {1, 1}},
            {"and", {1, 4}},     {"or", {1, 4}},
            {"in", {2, 2}},      {"cat", {0, 4}},
            {"substr", {2, 3}},  {"+", {0, 4}},
            {"-", {1, 2}},       {"*", {1, 4}},
            {"/", {2, 2}},       {"%", {2, 2}},
            {"min", {1, 4}},     {"max", {1, 4}},
            {"merge", {0, 4}},   {"log", {1, 1}},
            {"now", {0, 0}},     {"today", {0, 0}}};
        std::size_t n = rng.below(6);
        if (auto it = arity.find(op); it != arity.end() && rng.chance(0.85))
            n = static_cast<std::size_t>(rng.between(it->second.first, it->second.second));
        for (std::size_t i = 0; i < n; ++i) args.push_back(random_rule(rng, depth - 1));
    }
    if (rng.chance(0.04) && !args.empty()) args.erase(args.begin());  // arity errors
    if (args.size() == 1 && rng.chance(0.4)) return json{{op, args[0]}};
    return json{{op, args}};
}

json random_logic_data(Rng& rng) {
    json list = json::array();
    for (int i = 0, n = static_cast<int>(rng.below(6)); i < n; ++i)
        list.push_back(rng.chance(0.5) ? json(rng.between(-5, 5)) : random_value(rng, 1));
    json data = {{"a", random_value(rng, 1)},
                 {"b", rng.pick(std::vector<json>{"two", 2, "2", nullptr, true, "2027-01-01"})},
                 {"list", list},
                 {"nested", {{"x", {{"y", random_value(rng, 1)}}}}},
                 {"date", random_date(rng)},
                 {"n", extreme_number(rng)},
                 {"s", random_text(rng).substr(0, 300)},
                 {"flag", rng.chance(0.5)},
                 {"empty", json::array()},
                 {"nothing", nullptr}};
    for (int i = 0, n = static_cast<int>(rng.below(3)); i < n; ++i)
        data[random_name(rng)] = random_value(rng, 2);
    if (rng.chance(0.05)) return random_value(rng, 2);  // data need not be an object
    return data;
}

// ---------------------------------------------------------------------------------------------
// The shipped workflows and examples

json read_json(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str());
}

std::vector<fs::path> sorted_files(const fs::path& dir, std::string_view suffix) {
    std::vector<fs::path> out;
    for (const auto& entry : fs::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (name.size() >= suffix.size() && name.ends_with(suffix)) out.push_back(entry.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

struct Shipped {
    std::string file;
    json doc;
    DefinitionPtr def;  // null if it does not load
};

bool known_workflow(std::string_view name);

const std::vector<Shipped>& shipped() {
    static const std::vector<Shipped> all = [] {
        std::vector<Shipped> out;
        for (const auto& path : sorted_files(fs::path(ACCORD_SOURCE_DIR) / "workflows", ".json")) {
            if (path.filename() == "schema.json") continue;
            json doc = read_json(path);
            LoadResult r = load_definition(doc, known_workflow);
            out.push_back({path.filename().string(), std::move(doc), r.definition});
        }
        return out;
    }();
    return all;
}

bool known_workflow(std::string_view name) {
    static const std::set<std::string, std::less<>> names = [] {
        std::set<std::string, std::less<>> out;
        for (const auto& path : sorted_files(fs::path(ACCORD_SOURCE_DIR) / "workflows", ".json")) {
            if (path.filename() == "schema.json") continue;
            json doc = read_json(path);
            if (doc.contains("workflow") && doc["workflow"].is_string())
                out.insert(doc["workflow"].get<std::string>());
        }
        return out;
    }();
    return names.contains(name);
}

struct Example {
    json start_data = json::object();
    TimeMs clock = 0;
    Actor starter;
};

const std::vector<json>& example_documents() {
    static const std::vector<json> all = [] {
        std::vector<json> out;
        for (const auto& path : sorted_files(fs::path(ACCORD_SOURCE_DIR) / "examples", ".sim.json"))
            out.push_back(read_json(path));
        return out;
    }();
    return all;
}

// The people of every example, with their roles.
const std::vector<Actor>& example_people() {
    static const std::vector<Actor> all = [] {
        std::map<std::string, std::set<std::string>> people;
        for (const json& ex : example_documents()) {
            const json known = ex.value("people", json::object());
            for (auto it = known.begin(); it != known.end(); ++it)
                for (const auto& role : it.value())
                    people[it.key()].insert(role.get<std::string>());
        }
        std::vector<Actor> out;
        for (const auto& [id, roles] : people)
            out.push_back(Actor{id, std::vector<std::string>(roles.begin(), roles.end()), false});
        return out;
    }();
    return all;
}

Actor person_named(const std::string& id) {
    for (const Actor& a : example_people())
        if (a.id == id) return a;
    return person(id, {"officer"});
}

// The first example of `workflow` (by file name): its start data, clock and starter.
Example example_for(const std::string& workflow) {
    for (const json& ex : example_documents()) {
        if (ex.value("workflow", "") != workflow) continue;
        Example out;
        out.start_data = ex.at("start").value("data", json::object());
        out.clock = parse_time(ex.value("clock", "2026-01-05T09:00:00Z"))->ms;
        out.starter = person_named(ex.at("start").value("as", "olga"));
        return out;
    }
    return Example{json::object(), T("2026-01-05T09:00:00Z"), person("olga", {"officer"})};
}

// Every role a definition names, and the roles of the example people.
std::vector<std::string> all_roles() {
    std::set<std::string> roles;
    for (const Actor& a : example_people()) roles.insert(a.roles.begin(), a.roles.end());
    for (const Shipped& s : shipped()) {
        if (!s.def) continue;
        for (const State& st : s.def->states)
            if (st.task) {
                roles.insert(st.task->role);
                for (const auto& step : st.task->escalate) roles.insert(step.role);
            }
        for (const auto& decl : s.def->event_decls)
            if (decl) roles.insert(decl->roles.begin(), decl->roles.end());
    }
    roles.insert("stranger");
    return {roles.begin(), roles.end()};
}

// A declared event's form, whether EventDecl::fields is a Form or an optional one.
template <typename Fields>
const Form* form_of(const Fields& fields) {
    if constexpr (requires { fields.has_value(); })
        return fields ? &*fields : nullptr;
    else
        return &fields;
}

// ---------------------------------------------------------------------------------------------
// Random inputs

// A value that a schema accepts (most of the time: enum values and lengths are respected).
json plausible(const FieldSchema& s, Rng& rng, int depth = 3) {
    if (!s.enum_values.empty() && rng.chance(0.9)) return rng.pick(s.enum_values);
    switch (s.type) {
        case FieldSchema::Type::string: {
            switch (s.format) {
                case FieldSchema::Format::date:
                    return random_date(rng).substr(0, 10);
                case FieldSchema::Format::date_time:
                    return random_date(rng).substr(0, 10) + "T09:00:00Z";
                case FieldSchema::Format::email:
                    return random_name(rng) + "@example.org";
                case FieldSchema::Format::duration:
                    return random_duration(rng);
                case FieldSchema::Format::user:
                case FieldSchema::Format::unit:
                    return random_name(rng);
                case FieldSchema::Format::none:
                    break;
            }
            std::string text = rng.chance(0.5) ? random_name(rng) : random_text(rng);
            const std::size_t min = s.min_length.value_or(0);
            const std::size_t max = std::min<std::size_t>(s.max_length.value_or(60), 5000);
            if (text.size() < min) text.append(std::min<std::size_t>(min, 5000) - text.size(), 'x');
            if (text.size() > max && max >= min) text.resize(max);
            return text;
        }
        case FieldSchema::Type::number: {
            const double lo = s.minimum.value_or(-100), hi = s.maximum.value_or(1e6);
            return lo <= hi ? lo + (hi - lo) * static_cast<double>(rng.below(1000)) / 999.0 : lo;
        }
        case FieldSchema::Type::integer: {
            const double lo = std::max(s.minimum.value_or(-100), -1e15);
            const double hi = std::min(s.maximum.value_or(1e6), 1e15);
            if (lo > hi) return static_cast<std::int64_t>(std::ceil(lo));
            return rng.between(static_cast<std::int64_t>(std::ceil(lo)),
                               static_cast<std::int64_t>(std::floor(hi)));
        }
        case FieldSchema::Type::boolean:
            return rng.chance(0.5);
        case FieldSchema::Type::object: {
            json o = json::object();
            for (const auto& [name, schema] : s.properties) {
                const bool required =
                    std::find(s.required.begin(), s.required.end(), name) != s.required.end();
                if (required || rng.chance(0.5))
                    o[name] = depth > 0 ? plausible(schema, rng, depth - 1) : json("x");
            }
            for (const auto& name : s.required)
                if (!o.contains(name)) o[name] = "x";
            return o;
        }
        case FieldSchema::Type::array: {
            json a = json::array();
            for (int i = 0, n = static_cast<int>(rng.below(4)); i < n; ++i)
                a.push_back(s.items && depth > 0 ? plausible(*s.items, rng, depth - 1)
                                                 : json(random_name(rng)));
            return a;
        }
        case FieldSchema::Type::any:
            break;
    }
    return random_value(rng, 1);
}

// Fields for a form: mostly plausible, sometimes missing, wrong or unknown.
json random_fields(const Form& form, Rng& rng) {
    if (rng.chance(0.04)) return random_value(rng, 1);
    json fields = json::object();
    for (const auto& [name, schema] : form) {
        const double r = rng.below(100) / 100.0;
        if (r < 0.9)
            fields[name] = plausible(schema, rng);
        else if (r < 0.94)
            fields[name] = random_value(rng, 1);
        else if (r < 0.96)
            fields[name] = nullptr;
        // else: left out
    }
    if (rng.chance(0.04)) fields[random_name(rng)] = random_value(rng, 1);
    return fields;
}

struct World {
    std::vector<Actor> people = example_people();
    std::vector<std::string> roles = all_roles();
};

Actor random_actor(Rng& rng, const World& world) {
    const double r = rng.below(100) / 100.0;
    if (r < 0.7) return rng.pick(world.people);
    if (r < 0.9) {
        Actor a{"p" + std::to_string(rng.below(50)), {}, false};
        for (int i = 0, n = static_cast<int>(rng.below(3)); i < n; ++i)
            a.roles.push_back(rng.pick(world.roles));
        return a;
    }
    if (r < 0.95) return Actor{rng.chance(0.5) ? "" : random_text(rng), {}, false};
    return Actor::system_actor();
}

// Someone to complete `task`: its assignee, a holder of its role, or anyone.
Actor actor_for_task(Rng& rng, const Task& task, const World& world) {
    const double r = rng.below(100) / 100.0;
    if (r < 0.4 && !task.assignee.empty()) return Actor{task.assignee, {task.role}, false};
    if (r < 0.75) {
        std::vector<Actor> holders;
        for (const Actor& a : world.people)
            if (a.has_role(task.role) ||
                std::any_of(task.escalated_to.begin(), task.escalated_to.end(),
                            [&](const std::string& role) { return a.has_role(role); }))
                holders.push_back(a);
        if (!holders.empty()) return rng.pick(holders);
    }
    return random_actor(rng, world);
}

std::string describe(const Input& input) {
    json j = {
        {"actor", input.actor.id}, {"roles", input.actor.roles}, {"system", input.actor.system}};
    std::visit(
        [&](const auto& in) {
            using T = std::decay_t<decltype(in)>;
            if constexpr (std::is_same_v<T, EventInput>) {
                j["event"] = in.event;
                j["data"] = in.data;
            } else if constexpr (std::is_same_v<T, CompleteTaskInput>) {
                j["complete"] = in.task_id;
                j["outcome"] = in.outcome;
                j["fields"] = in.fields;
                j["comment"] = in.comment;
            } else if constexpr (std::is_same_v<T, TimerFiredInput>) {
                j["timer"] = in.timer_id;
            } else if constexpr (std::is_same_v<T, ChildFinishedInput>) {
                j["child"] = in.child_id;
                j["outcome"] = in.outcome;
                j["data"] = in.data;
            } else if constexpr (std::is_same_v<T, CancelInput>) {
                j["cancel"] = in.reason;
            } else if constexpr (std::is_same_v<T, ClaimTaskInput>) {
                j["claim"] = in.task_id;
                j["lease_until"] = in.lease_until;
            } else if constexpr (std::is_same_v<T, ReleaseTaskInput>) {
                j["release"] = in.task_id;
            } else if constexpr (std::is_same_v<T, ReassignTaskInput>) {
                j["reassign"] = in.task_id;
                j["assignee"] = in.assignee;
            } else {
                static_assert(std::is_same_v<T, RescheduleInput>);
                j["reschedule"] = true;
            }
        },
        input.kind);
    return show(j, 800);
}

Input random_event(Rng& rng, const Definition& def, const Instance& inst, const World& world) {
    // Events that people may send and the current state handles, then any event, then nonsense.
    std::vector<std::string> sendable;
    for (EventId e = 0; e < def.event_names.size(); ++e)
        if (!def.internal_events[e] && inst.state < def.states.size() &&
            def.transitions(inst.state, e) != nullptr)
            sendable.push_back(def.event_names[e]);
    EventInput in;
    const double r = rng.below(100) / 100.0;
    if (r < 0.5 && !sendable.empty()) {
        in.event = rng.pick(sendable);
    } else if (r < 0.85 && !def.event_names.empty()) {
        in.event = rng.pick(def.event_names);
    } else {
        in.event = rng.chance(0.5) ? random_name(rng) : random_text(rng);
    }
    const Form* form = nullptr;
    if (auto id = def.find_event(in.event); id && def.event_decls[*id])
        form = form_of(def.event_decls[*id]->fields);
    if (form != nullptr && rng.chance(0.85))
        in.data = random_fields(*form, rng);
    else if (rng.chance(0.7))
        in.data = json::object();
    else
        in.data = random_value(rng, 2);
    Actor actor = random_actor(rng, world);
    if (auto id = def.find_event(in.event); id && def.event_decls[*id] && rng.chance(0.5)) {
        const auto& roles = def.event_decls[*id]->roles;
        if (!roles.empty()) actor.roles.push_back(rng.pick(roles));
    }
    return Input{std::move(in), std::move(actor)};
}

Input random_completion(Rng& rng, const Definition& def, const Instance& inst, const World& world) {
    std::vector<const Task*> tasks;
    for (const Task& t : inst.tasks)
        if (t.is_open() || rng.chance(0.1)) tasks.push_back(&t);
    CompleteTaskInput in;
    const TaskSpec* spec = inst.running()
                               ? def.state(inst.state).task ? &*def.state(inst.state).task : nullptr
                               : nullptr;
    Actor actor = random_actor(rng, world);
    if (!tasks.empty() && rng.chance(0.9)) {
        const Task& task = *rng.pick(tasks);
        in.task_id = task.id;
        actor = actor_for_task(rng, task, world);
    } else {
        in.task_id =
            rng.chance(0.5) ? inst.id + ".t" + std::to_string(rng.below(40)) : random_text(rng);
    }
    if (spec != nullptr && rng.chance(0.85))
        in.outcome = rng.pick(spec->outcomes);
    else
        in.outcome = rng.chance(0.5) ? random_name(rng) : random_text(rng);
    in.fields = spec != nullptr && rng.chance(0.9) ? random_fields(spec->fields, rng)
                                                   : random_value(rng, 1);
    if (rng.chance(0.2)) in.comment = random_text(rng);
    return Input{std::move(in), std::move(actor)};
}

// A claim, release or reassignment: mostly of one of the instance's tasks, by someone likely to
// be allowed (a holder of the role, its lead, an admin), to a person of the world, one the task
// excludes, the role's queue or nonsense.
Input random_task_handling(Rng& rng, const Instance& inst, const World& world, TimeMs now) {
    const Task* task = !inst.tasks.empty() && rng.chance(0.9) ? &rng.pick(inst.tasks) : nullptr;
    const std::string task_id =
        task
            ? task->id
            : (rng.chance(0.5) ? inst.id + ".t" + std::to_string(rng.below(40)) : random_text(rng));
    Actor actor =
        task && rng.chance(0.6) ? actor_for_task(rng, *task, world) : random_actor(rng, world);
    if (task && rng.chance(0.3))
        actor.roles.push_back(rng.chance(0.5) ? task->role + "_lead" : std::string("admin"));
    switch (rng.below(3)) {
        case 0: {
            const TimeMs lease = rng.chance(0.3) ? 0 : now + rng.between(-kMsPerDay, 3 * kMsPerDay);
            return Input{ClaimTaskInput{task_id, lease}, std::move(actor)};
        }
        case 1:
            return Input{ReleaseTaskInput{task_id}, std::move(actor)};
        default: {
            std::string assignee;
            const double r = rng.below(100) / 100.0;
            if (r < 0.6)
                assignee = rng.pick(world.people).id;
            else if (r < 0.75 && task && !task->excluded.empty())
                assignee = rng.pick(task->excluded);
            else if (r < 0.95)
                assignee = task ? task->assignee : std::string();
            else
                assignee = random_text(rng);
            return Input{ReassignTaskInput{task_id, std::move(assignee)}, std::move(actor)};
        }
    }
}

// The outcomes a child of `workflow` may report to this definition: from its event names.
std::vector<std::string> child_outcomes(const Definition& def, const std::string& workflow) {
    std::vector<std::string> out = {"cancelled", "failed", "nonsense"};
    for (const auto& name : def.event_names)
        if (name.starts_with(workflow + ".")) out.push_back(name.substr(workflow.size() + 1));
    return out;
}

// A random input for one instance, as the interpreter sees it (timers and children included).
// `now` may be moved forward, to a timer's due time.
Input random_input(Rng& rng, const Definition& def, const Instance& inst, const World& world,
                   TimeMs& now, bool system_inputs = true) {
    const std::size_t r = rng.below(100);
    if (r < 50) return random_completion(rng, def, inst, world);
    if (r < 82 || !system_inputs) {
        if (r >= 98) return Input{CancelInput{random_text(rng)}, random_actor(rng, world)};
        if (r >= 76 && r < 82) return random_task_handling(rng, inst, world, now);
        return random_event(rng, def, inst, world);
    }
    if (r < 90) {
        TimerFiredInput in;
        if (!inst.timers.empty() && rng.chance(0.85)) {
            const Timer& t = rng.pick(inst.timers);
            in.timer_id = t.id;
            // On time or late, but never past year 9999: a timer due at the end of time is a
            // case of its own (see AnEveryTimerFiredAtTheLastInstantOfTimeTerminates).
            if (t.due_at > now && t.due_at < T("9999-01-01")) now = t.due_at;
            if (rng.chance(0.2)) now += rng.between(0, 3 * kMsPerDay);
        } else {
            in.timer_id = inst.id + ".w" + std::to_string(rng.below(40));
        }
        return Input{std::move(in), Actor::system_actor()};
    }
    if (r < 97) {
        ChildFinishedInput in;
        std::vector<const Child*> running;
        for (const Child& c : inst.children)
            if (c.running || rng.chance(0.1)) running.push_back(&c);
        if (!running.empty() && rng.chance(0.9)) {
            const Child& c = *rng.pick(running);
            in.child_id = c.id;
            in.outcome = rng.pick(child_outcomes(def, c.workflow));
        } else {
            in.child_id = inst.id + ".c" + std::to_string(rng.below(10));
            in.outcome = random_name(rng);
        }
        in.data = rng.chance(0.8) ? json(inst.data.get()) : random_value(rng, 2);
        if (in.data.is_object() && rng.chance(0.5)) in.data[random_name(rng)] = random_value(rng);
        return Input{std::move(in), Actor::system_actor()};
    }
    return Input{CancelInput{random_text(rng)}, random_actor(rng, world)};
}

// ---------------------------------------------------------------------------------------------
// Mutations of definition documents

// A place in a document: the value, the value holding it, and the token it is found under.
struct Place {
    json* value;
    json* parent;      // null for the root
    int parent_index;  // in the list of places; -1 for the root
    std::string token;
};

std::string escape_token(const std::string& token) {
    std::string out;
    for (char c : token) {
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out += c;
    }
    return out;
}

void collect_places(json& j, json* parent, int parent_index, std::string token,
                    std::vector<Place>& out) {
    const int here = static_cast<int>(out.size());
    out.push_back(Place{&j, parent, parent_index, std::move(token)});
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it)
            collect_places(it.value(), &j, here, it.key(), out);
    } else if (j.is_array()) {
        for (std::size_t i = 0; i < j.size(); ++i)
            collect_places(j[i], &j, here, std::to_string(i), out);
    }
}

// The places of a document, and their JSON Pointers on demand.
struct Places {
    std::vector<Place> all;

    explicit Places(json& doc) {
        all.reserve(2048);
        collect_places(doc, nullptr, -1, {}, all);
    }
    std::string pointer(const Place& p) const {
        return p.parent_index < 0 ? std::string()
                                  : pointer(all[static_cast<std::size_t>(p.parent_index)]) + "/" +
                                        escape_token(p.token);
    }
    const std::string& parent_token(const Place& p) const {
        static const std::string none;
        return p.parent_index < 0 ? none : all[static_cast<std::size_t>(p.parent_index)].token;
    }
};

// One letter inserted, removed or replaced (whole code points, so the key stays UTF-8), or a
// non-ASCII character appended.
std::string mutate_key(Rng& rng, std::string key) {
    static const std::string letters = "abcdefghijklmnopqrstuvwxyzAZ_0.~/$- ";
    std::vector<std::size_t> starts;  // where each code point starts, and the end
    for (std::size_t i = 0; i < key.size(); ++i)
        if ((static_cast<unsigned char>(key[i]) & 0xC0) != 0x80) starts.push_back(i);
    starts.push_back(key.size());
    const std::size_t r = rng.below(4);
    const std::string c(1, letters[rng.below(letters.size())]);
    if (r == 0 || key.empty()) {
        key.insert(rng.pick(starts), c);
    } else if (r == 3) {
        key += rng.pick(kUnicode);
    } else {
        const std::size_t k = rng.below(starts.size() - 1);
        key.replace(starts[k], starts[k + 1] - starts[k], r == 1 ? std::string() : c);
    }
    return key;
}

bool is_rule_place(const Places& places, const Place& p) {
    static const std::set<std::string> names = {"guard",    "at",     "assignee",      "assignees",
                                                "for_each", "people", "separate_from", "key"};
    if (p.parent == nullptr) return false;
    if (names.contains(p.token)) return true;
    const std::string& up = places.parent_token(p);
    if (up == "set") return true;
    return p.token == "data" && (up == "invoke" || up == "emit" || up == "start");
}

template <typename Pred>
std::vector<const Place*> places_where(const Places& places, Pred pred) {
    std::vector<const Place*> out;
    for (const Place& p : places.all)
        if (pred(p)) out.push_back(&p);
    return out;
}

// Applies one random mutation to `doc`; returns what it did, or "" if it did nothing.
std::string mutate(Rng& rng, json& doc) {
    const Places places(doc);
    const Place& p = rng.pick(places.all);
    switch (rng.below(12)) {
        case 0: {  // delete a key or an element
            if (p.parent == nullptr) return {};
            if (p.parent->is_object())
                p.parent->erase(p.token);
            else
                p.parent->erase(static_cast<std::size_t>(std::stoul(p.token)));
            return "delete " + places.pointer(p);
        }
        case 1:
        case 2: {  // a value of another type
            json v = value_of_other_type(rng, *p.value);
            const std::string what = "replace " + places.pointer(p) + " by " + show(v, 200);
            *p.value = std::move(v);
            return what;
        }
        case 3: {  // rename a key by one letter
            if (p.parent == nullptr || !p.parent->is_object()) return {};
            const std::string renamed = mutate_key(rng, p.token);
            if (p.parent->contains(renamed)) return {};
            json value = std::move(*p.value);
            json& parent = *p.parent;
            parent.erase(p.token);
            parent[renamed] = std::move(value);
            return "rename " + places.pointer(p) + " to " + show(json(renamed));
        }
        case 4: {  // duplicate an array element
            auto in_arrays = places_where(
                places, [](const Place& q) { return q.parent != nullptr && q.parent->is_array(); });
            if (in_arrays.empty()) return {};
            const Place& q = *rng.pick(in_arrays);
            const json copy = *q.value;
            json& array = *q.parent;
            array.insert(array.begin() + static_cast<std::ptrdiff_t>(rng.below(array.size() + 1)),
                         copy);
            return "duplicate " + places.pointer(q);
        }
        case 5: {  // swap two targets
            auto targets = places_where(places, [&](const Place& q) {
                return q.value->is_string() &&
                       (q.token == "target" || (q.token == "start" && q.parent_index == 0) ||
                        places.parent_token(q) == "on");
            });
            if (targets.size() < 2) return {};
            const Place& a = *rng.pick(targets);
            const Place& b = *rng.pick(targets);
            std::swap(*a.value, *b.value);
            return "swap " + places.pointer(a) + " and " + places.pointer(b);
        }
        case 6: {  // garbage JsonLogic where a rule goes
            auto rules =
                places_where(places, [&](const Place& q) { return is_rule_place(places, q); });
            const Place& q = rules.empty() ? p : *rng.pick(rules);
            json rule = random_rule(rng, 4);
            const std::string what = "rule at " + places.pointer(q) + ": " + show(rule, 300);
            *q.value = std::move(rule);
            return what;
        }
        case 7: {  // negative, zero, huge numbers
            auto numbers =
                places_where(places, [](const Place& q) { return q.value->is_number(); });
            const Place& q = numbers.empty() || rng.chance(0.3) ? p : *rng.pick(numbers);
            json v = extreme_number(rng);
            const std::string what = "number at " + places.pointer(q) + ": " + v.dump();
            *q.value = std::move(v);
            return what;
        }
        case 8: {  // long, unicode or odd strings in place of strings
            auto strings =
                places_where(places, [](const Place& q) { return q.value->is_string(); });
            if (strings.empty()) return {};
            const Place& q = *rng.pick(strings);
            std::string s = q.value->get<std::string>();
            switch (rng.below(4)) {
                case 0:
                    s = std::string(static_cast<std::size_t>(rng.between(300, 5000)), 'a');
                    break;
                case 1:
                    s += rng.pick(kUnicode);
                    break;
                case 2:
                    s = random_text(rng);
                    break;
                default:
                    s = random_duration(rng);
                    break;
            }
            *q.value = s;
            return "string at " + places.pointer(q) + ": " + show(json(s), 100);
        }
        case 9: {  // an extra key
            auto objects =
                places_where(places, [](const Place& q) { return q.value->is_object(); });
            if (objects.empty()) return {};
            const Place& q = *rng.pick(objects);
            const std::string key =
                rng.chance(0.5) ? mutate_key(rng, "description") : random_text(rng);
            (*q.value)[key] = random_value(rng, 1);
            return "add key " + show(json(key), 100) + " to " + places.pointer(q);
        }
        case 10: {  // deep nesting
            *p.value = deep_nesting(rng);
            return "deep nesting at " + places.pointer(p);
        }
        default: {  // a state name where another is expected, or an unknown one
            if (!doc.contains("states") || !doc["states"].is_object() || doc["states"].empty())
                return {};
            std::vector<std::string> names;
            for (auto it = doc["states"].begin(); it != doc["states"].end(); ++it)
                names.push_back(it.key());
            auto strings =
                places_where(places, [](const Place& q) { return q.value->is_string(); });
            if (strings.empty()) return {};
            const Place& q = *rng.pick(strings);
            const std::string name =
                rng.chance(0.8) ? rng.pick(names) : mutate_key(rng, rng.pick(names));
            *q.value = name;
            return "state name at " + places.pointer(q) + ": " + name;
        }
    }
}

// Problems with a diagnostic pointer: not a JSON Pointer, or pointing nowhere near the document.
std::string pointer_problem(const std::string& pointer, const json& doc) {
    if (pointer.empty()) return {};
    try {
        const Pointer p(pointer);
        if (doc.contains(p)) return {};
        if (!p.empty() && doc.contains(p.parent_pointer())) return {};
        return "pointer " + shorten(pointer, 300) +
               " resolves neither in the document nor at its parent";
    } catch (const std::exception& e) {
        return "pointer " + shorten(pointer, 300) + " is not a JSON Pointer: " + e.what();
    }
}

// ---------------------------------------------------------------------------------------------
// The pure and the in-place step, side by side

json effects_json(const Step& s) {
    json out = json::array();
    for (const Effect& e : s.effects) out.push_back(to_json(e));
    return out;
}

// Compares the two forms on one input; returns what differs.
// With `next`, also gives the pure step's new instance when the input is accepted.
std::string compare_forms(const Definition& def, const Instance& inst, const Input& input,
                          TimeMs now, std::optional<Instance>* next = nullptr) {
    const json before = to_json(inst, def);
    Instance copy = inst;
    auto pure = step(def, inst, input, now);
    if (pure && next != nullptr) *next = pure->instance;
    if (!same_json(to_json(inst, def), before))
        return "the pure step changed the instance it was given";
    auto in_place = step(def, std::move(copy), input, now);
    if (pure.ok() != in_place.ok())
        return std::string("pure ") +
               (pure.ok() ? "accepted" : "refused: " + pure.error().to_string()) + ", in place " +
               (in_place.ok() ? "accepted" : "refused: " + in_place.error().to_string());
    if (!pure.ok()) {
        if (pure.error().code != in_place.error().code)
            return "pure refused with " + pure.error().to_string() + ", in place with " +
                   in_place.error().to_string();
        const json restored = to_json(copy, def);
        if (!same_json(restored, before))
            return "a refused in-place step left the instance changed:\nbefore " +
                   show(before, 800) + "\nafter " + show(restored, 800);
        return {};
    }
    const json a = to_json(pure->instance, def), b = to_json(in_place->instance, def);
    if (!same_json(a, b))
        return "new instances differ:\npure " + show(a, 800) + "\nin place " + show(b, 800);
    const json ea = effects_json(*pure), eb = effects_json(*in_place);
    if (!same_json(ea, eb))
        return "effects differ:\npure " + show(ea, 800) + "\nin place " + show(eb, 800);
    if (!same_json(to_json(pure->history), to_json(in_place->history)))
        return "history differs:\npure " + show(to_json(pure->history)) + "\nin place " +
               show(to_json(in_place->history));
    return {};
}

// ---------------------------------------------------------------------------------------------
// 1. Mutated definitions

// Starts a loaded mutant and feeds it random inputs through the pure and the in-place step.
void exercise(const Definition& def, const std::string& workflow, Rng& rng, const World& world,
              const std::string& repro, Findings& findings) {
    const Example ex = example_for(workflow);
    TimeMs now = ex.clock;
    StartInput in;
    in.instance_id = "m1";
    in.data = rng.chance(0.9) ? ex.start_data : random_value(rng, 2);
    std::optional<Instance> inst;
    try {
        auto started = start(def, in, ex.starter, now);
        if (!started) return;
        if (started->instance.revision != 1)
            findings.add(repro + "\nstarted at revision " +
                         std::to_string(started->instance.revision));
        inst = std::move(started->instance);
    } catch (const std::exception& e) {
        findings.add(repro + "\nstart threw: " + e.what());
        return;
    }
    for (int i = 0; i < 6 && inst->running(); ++i) {
        const Input input = random_input(rng, def, *inst, world, now);
        try {
            std::optional<Instance> next;
            if (auto problem = compare_forms(def, *inst, input, now, &next); !problem.empty())
                findings.add(repro + "\nfrom " + show(to_json(*inst, def), 600) + "\ninput " +
                             describe(input) + "\n" + problem);
            if (!next) continue;
            if (next->revision != inst->revision + 1)
                findings.add(repro + "\ninput " + describe(input) + "\nrevision went from " +
                             std::to_string(inst->revision) + " to " +
                             std::to_string(next->revision));
            inst = std::move(next);
            const json stored = to_json(*inst, def);
            auto back = instance_from_json(stored, def);
            if (!back || !same_json(to_json(*back, def), stored))
                findings.add(repro + "\nthe storage form does not read back as it was: " +
                             show(stored, 800));
        } catch (const std::exception& e) {
            findings.add(repro + "\ninput " + describe(input) + "\nstep threw: " + e.what());
            return;
        }
    }
}

TEST(Robustness, MutatedDefinitionsAreLoadedOrRefusedWithDiagnosticsThatPointIntoTheDocument) {
    const World world;
    Findings findings;
    int mutants = 0, loaded = 0, refused = 0;
    for (std::size_t w = 0; w < shipped().size(); ++w) {
        const Shipped& original = shipped()[w];
        ASSERT_TRUE(original.def) << original.file << " does not load";
        const std::string workflow = original.def->name;
        for (int m = 0; m < kMutantsPerWorkflow; ++m) {
            const auto seed = static_cast<std::uint32_t>(1000 * (w + 1) + m);
            Rng rng(seed);
            json doc = original.doc;
            std::string mutations;
            for (int k = 0, n = static_cast<int>(rng.between(1, 3)); k < n; ++k) {
                std::string what = mutate(rng, doc);
                if (!what.empty()) mutations += "\n  " + shorten(what, 400);
            }
            const std::string repro =
                original.file + " seed " + std::to_string(seed) + ":" + mutations;
            ++mutants;
            LoadResult r;
            try {
                r = load_definition(doc, known_workflow);
            } catch (const std::exception& e) {
                findings.add(repro + "\nload_definition threw: " + e.what());
                continue;
            }
            const bool has_error = std::any_of(r.diagnostics.begin(), r.diagnostics.end(),
                                               [](const Diagnostic& d) { return d.is_error(); });
            if (r.ok() == has_error)
                findings.add(repro + "\n" +
                             (r.ok() ? "loaded with an error diagnostic"
                                     : "refused without an error diagnostic") +
                             ":\n" + diagnostics_text(r.diagnostics));
            for (const Diagnostic& d : r.diagnostics) {
                if (auto problem = pointer_problem(d.pointer, doc); !problem.empty())
                    findings.add(repro + "\n" + problem + " (" + shorten(d.message, 300) + ")");
                if (d.message.empty()) findings.add(repro + "\na diagnostic without a message");
            }
            if (!r.ok()) {
                ++refused;
                continue;
            }
            ++loaded;
            exercise(*r.definition, workflow, rng, world, repro, findings);
        }
    }
    EXPECT_EQ(findings.count(), 0) << findings.text();
    EXPECT_EQ(mutants, kMutantsPerWorkflow * static_cast<int>(shipped().size()));
    // The mutations reach both sides: some mutants load, most do not.
    EXPECT_GT(loaded, mutants / 20);
    EXPECT_GT(refused, mutants / 3);
}

// ---------------------------------------------------------------------------------------------
// 2. Random inputs through a LocalRuntime

// Everything the store shows: instances, their tasks and history, the next timer, and the open
// tasks of every role.
json full_snapshot(const MemoryStore& store, const World& world) {
    json out = store_snapshot(store);
    for (const auto& role : world.roles) {
        json tasks = json::array();
        for (const Task& t : store.open_tasks_for_role(role)) tasks.push_back(to_json(t));
        out["$open_tasks"][role] = std::move(tasks);
    }
    return out;
}

// The invariants of a store between inputs; each problem as text.
std::vector<std::string> store_problems(const MemoryStore& store, const World& world) {
    std::vector<std::string> problems;
    std::map<std::string, Instance> by_id;
    for (Instance& inst : store.instances()) by_id.emplace(inst.id, std::move(inst));
    for (const auto& [id, inst] : by_id) {
        const DefinitionPtr def = store.find_definition(inst.workflow, inst.version);
        if (!def) {
            problems.push_back(id + ": no definition");
            continue;
        }
        const std::string& state = def->state(inst.state).name;
        for (const Task& t : inst.tasks) {
            if (!t.is_open()) continue;
            if (!inst.running())
                problems.push_back(id + " is " + to_string(inst.status) + " but task " + t.id +
                                   " is open");
            else if (t.state != state)
                problems.push_back(id + " is in state " + state + " but open task " + t.id +
                                   " belongs to state " + t.state);
            auto stored = store.find_task(t.id);
            if (!stored || !stored->is_open())
                problems.push_back(id + ": open task " + t.id + " is not open in the store");
        }
        if (!inst.running() && !inst.pending_timers().empty())
            problems.push_back(id + " is " + to_string(inst.status) + " but has " +
                               std::to_string(inst.pending_timers().size()) + " pending timer(s)");
        if (!inst.running())
            for (const Child& c : inst.children)
                if (c.running)
                    problems.push_back(id + " is " + to_string(inst.status) +
                                       " but waits for child " + c.id);
    }
    for (const auto& role : world.roles) {
        for (const Task& t : store.open_tasks_for_role(role)) {
            auto inst = by_id.find(t.instance_id);
            if (inst == by_id.end()) {
                problems.push_back("open task " + t.id + " of a missing instance");
                continue;
            }
            const Task* own = inst->second.find_task(t.id);
            if (!inst->second.running() || own == nullptr || !own->is_open())
                problems.push_back("the store lists task " + t.id + " as open for role " + role +
                                   " but instance " + t.instance_id + " does not have it open");
        }
    }
    return problems;
}

// What the runtime committed, as the observer saw it.
// The texts a store writes straight from the structs (instance_text, write_members,
// write_json) say what the json forms say: the document reads back to the same instance, each
// effect and the history entry to their to_json.
std::vector<std::string> storage_text_problems(const Step& s) {
    std::vector<std::string> problems;
    const Instance& inst = s.instance;
    // What the json form reads back as once written: text that is not UTF-8 is replaced.
    auto stored = [](const json& j) { return json::parse(json_text(j)); };
    DefinitionPtr def;
    for (const Shipped& sh : shipped())
        if (sh.def && sh.def->name == inst.workflow && sh.def->version == inst.version)
            def = sh.def;
    if (!def) return {inst.id + ": no shipped definition " + inst.workflow};
    const std::string text = instance_text(inst, *def);
    const json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded()) return {inst.id + ": instance_text is not JSON: " + shorten(text)};
    auto back = instance_from_json(doc, *def);
    if (!back)
        problems.push_back(inst.id +
                           ": instance_text does not read back: " + back.error().to_string());
    else if (!same_json(to_json(*back, *def), stored(to_json(inst, *def))))
        problems.push_back(inst.id + ": instance_text reads back as " +
                           show(to_json(*back, *def), 600) + "\nnot " +
                           show(to_json(inst, *def), 600));
    for (const Task& t : inst.tasks) {
        auto found = stored_task(doc, t.id);
        if (!found || !same_json(to_json(*found), stored(to_json(t))))
            problems.push_back(inst.id + ": stored_task(" + t.id + ") differs");
        std::string task_text;
        JsonWriter tw(task_text);
        write_json(tw, t);
        if (!same_json(json::parse(task_text, nullptr, false), stored(to_json(t))))
            problems.push_back(t.id + ": write_json(task) " + shorten(task_text));
    }
    for (const Effect& e : s.effects) {
        std::string written;
        JsonWriter w(written);
        w.object().str("type", effect_type(e));
        if (const auto* o = std::get_if<TaskOpened>(&e)) {
            w.key("task");
            write_json(w, o->task);
        } else if (!effect_task(e).empty()) {
            w.str("task", effect_task(e));
        }
        write_members(w, e);
        w.end_object();
        if (!same_json(json::parse(written, nullptr, false), stored(to_json(e))))
            problems.push_back(inst.id + ": effect written as " + shorten(written) + "\nnot " +
                               show(to_json(e)));
    }
    std::string entry;
    JsonWriter hw(entry);
    hw.object();
    write_members(hw, s.history);
    hw.end_object();
    if (!same_json(json::parse(entry, nullptr, false), stored(to_json(s.history))))
        problems.push_back(inst.id + ": history entry written as " + shorten(entry));
    return problems;
}

struct Commits {
    std::vector<std::pair<std::string, std::uint64_t>> seen;  // (instance, revision), in order
    std::map<std::string, std::uint64_t> revisions;           // last revision per instance
    std::set<std::string> task_ids, timer_ids, child_ids;
    std::vector<std::string> problems;

    void observe(const Step& s) {
        const Instance& inst = s.instance;
        seen.emplace_back(inst.id, inst.revision);
        const std::uint64_t previous = revisions.contains(inst.id) ? revisions[inst.id] : 0;
        if (inst.revision != previous + 1)
            problems.push_back(inst.id + " committed at revision " + std::to_string(inst.revision) +
                               " after " + std::to_string(previous));
        revisions[inst.id] = inst.revision;
        auto fresh = [&](std::set<std::string>& ids, const std::string& id, const char* what) {
            if (!ids.insert(id).second)
                problems.push_back(std::string(what) + " id " + id + " used twice");
        };
        for (auto& p : storage_text_problems(s)) problems.push_back(std::move(p));
        for (const Effect& e : s.effects) {
            if (const auto* t = std::get_if<TaskOpened>(&e)) fresh(task_ids, t->task.id, "task");
            if (const auto* t = std::get_if<TimerSet>(&e)) fresh(timer_ids, t->timer.id, "timer");
            if (const auto* c = std::get_if<ChildStarted>(&e))
                fresh(child_ids, c->child_id, "child");
        }
    }
};

const std::vector<std::string> kAdvances = {"PT1M", "PT1H", "P1D",   "P3D",   "P7D",
                                            "P15D", "P30D", "P100D", "P400D", "P3Y"};

TEST(Robustness, RandomInputsOnTheShippedWorkflowsKeepTheStoreConsistent) {
    const World world;
    Findings findings;
    int inputs = 0, accepted = 0;
    constexpr int kEpisodes = kEpisodesPerWorkflow, kInputsPerEpisode = 60;
    for (std::size_t w = 0; w < shipped().size(); ++w) {
        ASSERT_TRUE(shipped()[w].def) << shipped()[w].file << " does not load";
        const std::string workflow = shipped()[w].def->name;
        const Example ex = example_for(workflow);
        for (int episode = 0; episode < kEpisodes; ++episode) {
            const auto seed = static_cast<std::uint32_t>(50'000 + 100 * w + episode);
            Rng rng(seed);
            MemoryStore store;
            for (const Shipped& s : shipped()) ASSERT_TRUE(store.put_definition(s.def).ok());
            LocalRuntime runtime(store);
            Commits commits;
            runtime.set_observer([&](const Step& s) { commits.observe(s); });
            TimeMs now = ex.clock;
            std::string root;
            std::string trail = workflow + " seed " + std::to_string(seed);
            for (int i = 0; i < kInputsPerEpisode; ++i) {
                // A finished root is replaced by a new one, so that inputs keep meaning something.
                auto root_inst = store.load_instance(root);
                if (root.empty() || !root_inst || !root_inst->running()) {
                    try {
                        auto started = runtime.start(workflow, ex.start_data, ex.starter, now);
                        if (!started) {
                            findings.add(trail + "\nthe example's start data is refused: " +
                                         started.error().to_string());
                            break;
                        }
                        root = started->id;
                    } catch (const std::exception& e) {
                        findings.add(trail + "\nstart threw: " + e.what());
                        break;
                    }
                }
                // The input: for the root or another instance (a child), or time passing.
                std::vector<Instance> others;
                for (Instance& inst : store.instances())
                    if (inst.id != root && (inst.running() || rng.chance(0.1)))
                        others.push_back(std::move(inst));
                const Instance target = rng.chance(0.6) || others.empty()
                                            ? *store.load_instance(root)
                                            : rng.pick(others);
                const DefinitionPtr def = store.find_definition(target.workflow, target.version);
                const json before = full_snapshot(store, world);
                commits.seen.clear();
                ++inputs;
                if (rng.chance(0.15)) {
                    now = add_duration(now, *parse_duration(rng.pick(kAdvances)));
                    const bool on_time = rng.chance(0.5);
                    trail +=
                        "\n  advance to " + format_date_time(now) + (on_time ? " on time" : "");
                    try {
                        runtime.fire_due_timers(now, on_time);
                    } catch (const std::exception& e) {
                        findings.add(trail + "\nfire_due_timers threw: " + e.what());
                        break;
                    }
                    if (auto due = store.next_due_timer(now))
                        findings.add(trail + "\ntimer " + due->timer_id + " of " +
                                     due->instance_id + " is still due at " +
                                     format_date_time(due->due_at) + " after fire_due_timers(" +
                                     format_date_time(now) + ")");
                    for (const Instance& inst : store.instances())
                        for (const Timer* t : inst.pending_timers())
                            if (t->due_at <= now)
                                findings.add(trail + "\n" + inst.id + " keeps timer " + t->id +
                                             " due at " + format_date_time(t->due_at) +
                                             " after fire_due_timers(" + format_date_time(now) +
                                             ")");
                } else {
                    TimeMs at = now;
                    Input input =
                        random_input(rng, *def, target, world, at, /*system=*/rng.chance(0.1));
                    const std::string what = target.id + " <- " + describe(input);
                    trail += "\n  " + shorten(what, 300);
                    Result<Instance> r = make_error(ErrorCode::invalid_input, "not sent");
                    try {
                        r = runtime.send(target.id, input, now);
                    } catch (const std::exception& e) {
                        findings.add(trail + "\nsend threw: " + e.what());
                        break;
                    }
                    if (!r) {
                        if (!commits.seen.empty())
                            findings.add(trail + "\nrefused (" + r.error().to_string() +
                                         ") but committed " + commits.seen.front().first);
                        const json after = full_snapshot(store, world);
                        if (!same_json(after, before))
                            findings.add(trail + "\nrefused (" + r.error().to_string() +
                                         ") but the store changed:\nbefore " + show(before, 600) +
                                         "\nafter " + show(after, 600));
                    } else {
                        ++accepted;
                        if (commits.seen.empty() || commits.seen.front().first != target.id ||
                            commits.seen.front().second != target.revision + 1)
                            findings.add(trail + "\naccepted, but the first commit is not " +
                                         target.id + " at revision " +
                                         std::to_string(target.revision + 1));
                        if (r->revision != target.revision + 1)
                            findings.add(trail + "\naccepted at revision " +
                                         std::to_string(r->revision) + " after " +
                                         std::to_string(target.revision));
                    }
                }
                for (auto& p : commits.problems) findings.add(trail + "\n" + p);
                commits.problems.clear();
                for (auto& p : store_problems(store, world)) findings.add(trail + "\n" + p);
                if (findings.count() > 20) break;
            }
        }
    }
    EXPECT_EQ(findings.count(), 0) << findings.text();
    EXPECT_EQ(inputs, kEpisodes * kInputsPerEpisode * static_cast<int>(shipped().size()));
    EXPECT_GT(accepted, inputs / 10) << "the random inputs hardly ever apply";
}

// ---------------------------------------------------------------------------------------------
// 3. The pure and the in-place step agree

TEST(Robustness, PureAndInPlaceStepsAgreeOnRandomInputsFromReachableInstances) {
    const World world;
    Findings findings;
    int comparisons = 0, moves = 0;
    constexpr int kWalks = kWalksPerWorkflow, kStepsPerWalk = 40, kTriesPerStep = 3;
    for (std::size_t w = 0; w < shipped().size(); ++w) {
        ASSERT_TRUE(shipped()[w].def) << shipped()[w].file << " does not load";
        const Definition& def = *shipped()[w].def;
        const Example ex = example_for(def.name);
        for (int walk = 0; walk < kWalks; ++walk) {
            const auto seed = static_cast<std::uint32_t>(90'000 + 100 * w + walk);
            Rng rng(seed);
            TimeMs now = ex.clock;
            StartInput in;
            in.instance_id = "i" + std::to_string(walk);
            in.data = ex.start_data;
            auto started = start(def, in, ex.starter, now);
            ASSERT_TRUE(started.ok()) << started.error().to_string();
            Instance inst = std::move(started->instance);
            for (int s = 0; s < kStepsPerWalk; ++s) {
                if (!inst.running()) {  // finished: on with a new instance
                    in.instance_id += "n";
                    auto again = start(def, in, ex.starter, now);
                    ASSERT_TRUE(again.ok()) << again.error().to_string();
                    inst = std::move(again->instance);
                }
                // Several inputs compared on this instance; the first accepted one moves the walk
                // on.
                std::optional<Instance> next;
                for (int t = 0; t < kTriesPerStep; ++t) {
                    TimeMs at = now;
                    const Input input = random_input(rng, def, inst, world, at);
                    try {
                        ++comparisons;
                        std::optional<Instance> accepted;
                        if (auto problem = compare_forms(def, inst, input, at, &accepted);
                            !problem.empty())
                            findings.add(def.name + " seed " + std::to_string(seed) + " step " +
                                         std::to_string(s) + " from " +
                                         show(to_json(inst, def), 800) + "\ninput " +
                                         describe(input) + " at " + format_date_time(at) + "\n" +
                                         problem);
                        if (!next && accepted && !std::holds_alternative<CancelInput>(input.kind)) {
                            if (accepted->revision != inst.revision + 1)
                                findings.add(def.name + " seed " + std::to_string(seed) +
                                             "\ninput " + describe(input) +
                                             "\nrevision went from " +
                                             std::to_string(inst.revision) + " to " +
                                             std::to_string(accepted->revision));
                            next = std::move(accepted);
                            now = at;
                        }
                    } catch (const std::exception& e) {
                        findings.add(def.name + " seed " + std::to_string(seed) + "\ninput " +
                                     describe(input) + "\nthrew: " + e.what());
                    }
                }
                if (next) {
                    inst = std::move(*next);
                    ++moves;
                    // The storage form reads back as the same instance.
                    const json stored = to_json(inst, def);
                    auto back = instance_from_json(stored, def);
                    if (!back)
                        findings.add(def.name + " seed " + std::to_string(seed) +
                                     ": the storage form does not read back: " +
                                     back.error().to_string() + "\n" + show(stored, 800));
                    else if (!same_json(to_json(*back, def), stored))
                        findings.add(def.name + " seed " + std::to_string(seed) +
                                     ": the storage form reads back differently:\n" +
                                     show(stored, 800) + "\n" + show(to_json(*back, def), 800));
                }
            }
        }
    }
    EXPECT_EQ(findings.count(), 0) << findings.text();
    EXPECT_EQ(comparisons,
              kWalks * kStepsPerWalk * kTriesPerStep * static_cast<int>(shipped().size()));
    EXPECT_GT(moves, kWalks * static_cast<int>(shipped().size()) * 2)
        << "the walks hardly move: the inputs are too rarely accepted";
}

// ---------------------------------------------------------------------------------------------
// 4. JsonLogic

TEST(Robustness, RandomJsonLogicRulesCompileOrFailCleanlyAndEvaluateTheSameTwice) {
    Findings findings;
    int compiled = 0, refused = 0;
    for (int i = 0; i < kRules; ++i) {
        const auto seed = static_cast<std::uint32_t>(200'000 + i);
        Rng rng(seed);
        const json rule = random_rule(rng, static_cast<int>(rng.between(1, 5)));
        const json data = random_logic_data(rng);
        const json data_copy = data;
        const json event = {{"by", random_name(rng)},
                            {"fields", {{"risk", "high"}}},
                            {"outcome", random_value(rng, 1)}};
        const json item = random_value(rng, 1);
        const json index = static_cast<int>(rng.below(5));
        const std::pair<std::string_view, const json*> roots[] = {
            {"$event", &event}, {"$item", &item}, {"$index", &index}};
        logic::Context ctx;
        ctx.now = rng.chance(0.95)
                      ? T("2026-11-23T10:00:00Z") + rng.between(-1, 1) * kMsPerDay * 400
                      : rng.pick(std::vector<TimeMs>{kEndOfTime, -kEndOfTime - 1, 0});
        ctx.roots = roots;
        const std::string repro = "seed " + std::to_string(seed) + ": rule " + show(rule, 1000) +
                                  "\ndata " + show(data, 600);
        try {
            auto expr = logic::compile(rule);
            if (!expr) {
                ++refused;
                if (auto problem = pointer_problem(expr.error().pointer, rule); !problem.empty())
                    findings.add(repro + "\n" + problem + " (" + expr.error().message + ")");
                continue;
            }
            ++compiled;
            json scratch1, scratch2;
            const json first = expr->evaluate(data, ctx, scratch1);
            const json second = expr->evaluate(data, ctx, scratch2);
            const json copied = expr->evaluate(data, ctx);
            if (!same_json(first, second) || !same_json(first, copied))
                findings.add(repro + "\nevaluated to " + show(first, 300) + ", then " +
                             show(second, 300) + ", then " + show(copied, 300));
            if (expr->test(data, ctx) != logic::truthy(first))
                findings.add(repro + "\ntest() disagrees with the truthiness of " +
                             show(first, 300));
            if (data != data_copy) findings.add(repro + "\nevaluation changed the data");
        } catch (const std::exception& e) {
            findings.add(repro + "\nthrew: " + e.what());
        }
    }
    EXPECT_EQ(findings.count(), 0) << findings.text();
    EXPECT_GT(compiled, kRules / 3);
    EXPECT_GT(refused, kRules / 50);
}

// ---------------------------------------------------------------------------------------------
// Minimal reproductions of what the fuzzing above ran into. Each runs in a child process with a
// time limit, so that a crash or a hang fails the test instead of stopping the run.

// Text that is not UTF-8 can't come from json::parse, but a json built in code (or read from
// CBOR or MessagePack) may hold it; the engine dumps such values into messages with dump(),
// which throws type_error 316.
TEST(RobustnessRepro, ADefinitionWithTextThatIsNotUtf8IsLoadedOrRefusedWithoutThrowing) {
    json doc = workflow({{"done", {{"final", "done"}}}}, "done");
    doc["description"] = "caf\xe9";  // Latin-1
    EXPECT_NO_THROW({
        LoadResult r = load_definition(doc);
        (void)r;
    });
}

TEST(RobustnessRepro, ACompletionFieldThatIsNotUtf8IsRefusedWithoutThrowing) {
    auto def = load(workflow({{"review",
                               {{"task",
                                 {{"role", "legal"},
                                  {"title", "Review"},
                                  {"outcomes", {"approve"}},
                                  {"fields", {{"risk", {{"enum", {"low", "high"}}}}}},
                                  {"due", "P10D"}}},
                                {"on", {{"approve", "done"}}}}},
                              {"done", {{"final", "done"}}}},
                             "review"));
    const Instance inst = start_ok(*def).instance;
    const Input input =
        complete(inst.tasks.at(0).id, "approve", person("lea", {"legal"}), {{"risk", "caf\xe9"}});
    try {
        auto r = step(*def, inst, input, T("2027-01-02"));
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().code, ErrorCode::invalid_field);
        EXPECT_EQ(r.error().pointer, "/fields/risk");
    } catch (const std::exception& e) {
        ADD_FAILURE() << "step threw: " << e.what();
    }
}

// Runs `check` in a child process (a gtest death test) with a limit on the CPU time it may use,
// in milliseconds: the test passes when the child finishes within it and `check` returns no
// problem. A crash shows as the signal that killed the child; running out of time as signal 27
// (SIGPROF). CPU time, not the clock's: a loaded machine (CTest runs twice as many tests as
// there are cores) must not fail a check that only guards against hangs and blow-ups.
void set_time_limit(long ms) {
    itimerval limit{};
    limit.it_value.tv_sec = ms / 1000;
    limit.it_value.tv_usec = (ms % 1000) * 1000;
    setitimer(ITIMER_PROF, &limit, nullptr);
}

#define EXPECT_COMPLETES_CLEANLY(ms, check)                                      \
    EXPECT_EXIT(                                                                 \
        {                                                                        \
            set_time_limit(ms);                                                  \
            const std::string problem = (check)();                               \
            if (!problem.empty()) std::fprintf(stderr, "%s\n", problem.c_str()); \
            std::_Exit(problem.empty() ? 0 : 1);                                 \
        },                                                                       \
        ::testing::ExitedWithCode(0), "")                                        \
        << "(signal 27, SIGPROF: still running after " << (ms) << " ms of CPU)"

// Mutations with extreme numbers: an integer beyond int's range is read through get<int>(), so
// 2^32 + 1 becomes 1 (and 2^31 becomes negative, refused with a message that is wrong).
bool refused_at(const json& doc, const std::string& pointer) {
    LoadResult r = load_definition(doc);
    if (r.ok()) return false;
    return std::any_of(r.diagnostics.begin(), r.diagnostics.end(),
                       [&](const Diagnostic& d) { return d.is_error() && d.pointer == pointer; });
}

TEST(RobustnessRepro, AJoinAtLeastBeyondTheRangeOfIntIsRefusedRatherThanWrappedToOne) {
    const json doc = workflow({{"sign",
                                {{"task",
                                  {{"role", "signatory"},
                                   {"title", "Sign"},
                                   {"assignees", {{"var", "signatories"}}},
                                   {"join", {{"at_least", 4294967297LL}}},
                                   {"outcomes", {"sign", "refuse"}},
                                   {"due", "P14D"}}},
                                 {"on", {{"sign", "signed"}, {"refuse", "signed"}}}}},
                               {"signed", {{"final", "signed"}}}},
                              "sign");
    EXPECT_TRUE(refused_at(doc, "/states/sign/task/join/at_least"));
}

TEST(RobustnessRepro, AnInvokeVersionBeyondTheRangeOfIntIsRefusedRatherThanWrappedToOne) {
    const json doc = workflow({{"wait",
                                {{"invoke", {{"workflow", "signing"}, {"version", 4294967297LL}}},
                                 {"on", {{"signing.signed", "done"}}}}},
                               {"done", {{"final", "done"}}}},
                              "wait");
    EXPECT_TRUE(refused_at(doc, "/states/wait/invoke/version"));
}

// Mutations that replace a task's due by another type: the validator takes any non-string as a
// rule, so a literal number, null, boolean or array loads, and every entry into the state then
// fails with runtime_error ("the task's due date is not a date").
TEST(RobustnessRepro, ATaskDueThatIsNeitherADurationNorARuleIsRefusedAtLoad) {
    for (const json& due : {json(5), json(nullptr), json(true), json::array({1})}) {
        const json doc = workflow(
            {{"review",
              {{"task",
                {{"role", "legal"}, {"title", "Review"}, {"outcomes", {"approve"}}, {"due", due}}},
               {"on", {{"approve", "done"}}}}},
             {"done", {{"final", "done"}}}},
            "review");
        EXPECT_TRUE(refused_at(doc, "/states/review/task/due")) << "due " << due.dump();
    }
}

TEST(RobustnessRepro, AVeryLongNameIsLoadedOrRefusedWithoutOverflowingTheStack) {
    EXPECT_COMPLETES_CLEANLY(200, [] {
        const std::string name(100'000, 'a');  // a valid name, only long
        const json doc = workflow({{name, {{"final", "done"}}}}, name);
        LoadResult r = load_definition(doc);
        if (r.ok()) return std::string();
        for (const auto& d : r.diagnostics)
            if (d.is_error()) return std::string();
        return std::string("refused without an error");
    });
}

json ticking(std::string period) {
    return workflow({{"tick",
                      {{"timers", {{{"every", std::move(period)}, {"event", "tick"}}}},
                       {"on", {{"tick", json::object()}, {"stop", "done"}}}}},
                     {"done", {{"final", "done"}}}},
                    "tick");
}

TEST(RobustnessRepro, AnEveryTimerFiredAtTheLastInstantOfTimeTerminates) {
    EXPECT_COMPLETES_CLEANLY(200, [] {
        auto def = load(ticking("P1D"));
        const Instance inst = start_ok(*def).instance;
        // Accepted or spent, the step must return.
        (void)step(*def, inst, fire_timer(inst.timers.at(0).id), kEndOfTime);
        return std::string();
    });
}

TEST(RobustnessRepro,
     AnEveryTimerFiredLongAfterItWasDueSchedulesTheNextOneWithoutCountingEachPeriod) {
    EXPECT_COMPLETES_CLEANLY(200, [] {
        auto def = load(ticking("PT0.001S"));  // valid: a period above zero
        const Instance inst = start_ok(*def, json::object(), T("2027-01-01")).instance;
        auto r = step(*def, inst, fire_timer(inst.timers.at(0).id), T("2028-01-01"));
        if (!r) return r.error().to_string();
        for (const Timer* t : r->instance.pending_timers())
            if (t->due_at <= T("2028-01-01")) return std::string("the next period is in the past");
        return std::string();
    });
}

TEST(RobustnessRepro, ATimerWithoutDelayOnASelfTransitionDoesNotMakeFireDueTimersLoopForever) {
    EXPECT_COMPLETES_CLEANLY(200, [] {
        const json doc = workflow({{"wait",
                                    {{"timers", {{{"after", "PT0S"}, {"event", "again"}}}},
                                     {"on", {{"again", "wait"}, {"stop", "done"}}}}},
                                   {"done", {{"final", "done"}}}},
                                  "wait");
        LoadResult loaded = load_definition(doc);
        if (!loaded.ok()) return std::string();  // refusing such a timer is a fix too
        MemoryStore store;
        if (!store.put_definition(loaded.definition).ok()) return std::string("put failed");
        LocalRuntime runtime(store);
        const TimeMs now = T("2027-01-01");
        if (!runtime.start("w", json::object(), person("olga", {"officer"}), now))
            return std::string("start refused");
        runtime.fire_due_timers(now, true);
        return std::string();
    });
}

// A workflow that starts or invokes itself as soon as it is entered: each new instance starts
// another, and LocalRuntime::drain() works through them for ever (the interpreter bounds loops
// within one instance, at 32 transitions, but nothing bounds a cascade across instances).
std::string start_runs_out(const json& doc) {
    LoadResult loaded = load_definition(doc, [](std::string_view) { return true; });
    if (!loaded.ok()) return {};  // refusing such a definition is a fix too
    MemoryStore store;
    if (!store.put_definition(loaded.definition).ok()) return "put_definition refused";
    LocalRuntime runtime(store);
    (void)runtime.start("w", json::object(), person("olga", {"officer"}), T("2027-01-01"));
    return {};
}

TEST(RobustnessRepro, AWorkflowThatStartsItselfOnEntryDoesNotMakeTheRuntimeLoopForever) {
    EXPECT_COMPLETES_CLEANLY(200, [] {
        return start_runs_out(workflow(
            {{"open", {{"entry", {{{"start", {{"workflow", "w"}}}}}}, {"on", {{"close", "done"}}}}},
             {"done", {{"final", "done"}}}},
            "open"));
    });
}

TEST(RobustnessRepro, AWorkflowThatInvokesItselfOnEntryDoesNotMakeTheRuntimeLoopForever) {
    EXPECT_COMPLETES_CLEANLY(200, [] {
        return start_runs_out(workflow(
            {{"open",
              {{"invoke", {{"workflow", "w"}}}, {"on", {{"w.done", "done"}, {"close", "done"}}}}},
             {"done", {{"final", "done"}}}},
            "open"));
    });
}

}  // namespace
}  // namespace accord::engine
