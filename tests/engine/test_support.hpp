// Helpers shared by the engine tests: loading inline definitions, actors, inputs, times, and
// the checks that a refused input changed nothing.
#pragma once

#include <limits>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "accord/engine/instance.hpp"
#include "accord/engine/interpreter.hpp"
#include "accord/engine/memory_store.hpp"
#include "accord/engine/validator.hpp"

namespace accord::engine {

// gtest prints error codes by name.
inline void PrintTo(ErrorCode code, std::ostream* os) {
    *os << error_code_name(code);
}
inline void PrintTo(TaskStatus status, std::ostream* os) {
    *os << to_string(status);
}
inline void PrintTo(InstanceStatus status, std::ostream* os) {
    *os << to_string(status);
}
inline void PrintTo(const Text& text, std::ostream* os) {
    *os << text.to_json().dump();
}

namespace testkit {

using json = nlohmann::json;

// Thrown by helpers whose precondition failed, after the failure is recorded: stops the test.
struct HelperFailed : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A date ("2027-01-01", midnight UTC) or RFC 3339 date-time as TimeMs.
inline TimeMs T(std::string_view text) {
    const auto t = parse_time(text);
    if (!t) {
        ADD_FAILURE() << "not a date: " << text;
        throw HelperFailed("bad date");
    }
    return t->ms;
}

inline std::string diagnostics_text(const std::vector<Diagnostic>& diagnostics) {
    std::string out;
    for (const auto& d : diagnostics) out += "  " + d.to_string() + "\n";
    return out;
}

// A definition around `states`, with `extra` top-level keys merged over the defaults.
inline json workflow(json states, std::string start, json extra = json::object()) {
    json doc = {{"workflow", "w"},
                {"version", 1},
                {"title", "A test workflow"},
                {"start", std::move(start)},
                {"states", std::move(states)}};
    for (auto it = extra.begin(); it != extra.end(); ++it) doc[it.key()] = it.value();
    return doc;
}

// Loads a definition that must be valid (lints allowed) and returns it.
inline DefinitionPtr load(const json& document, const WorkflowCatalog& catalog = {}) {
    LoadResult r = load_definition(document, catalog);
    if (!r.ok()) {
        ADD_FAILURE() << "definition refused:\n" << diagnostics_text(r.diagnostics);
        throw HelperFailed("definition refused");
    }
    return r.definition;
}

inline Actor person(std::string id, std::vector<std::string> roles = {}) {
    return Actor{std::move(id), std::move(roles), false};
}
inline Actor system_actor() {
    return Actor::system_actor();
}
// Someone outside sending events: an officer, not the system.
inline Actor officer() {
    return Actor{"olga", {"officer"}, false};
}

inline Input event(std::string name, json data = json::object(), Actor actor = officer()) {
    return Input{EventInput{std::move(name), std::move(data)}, std::move(actor)};
}
inline Input complete(std::string task_id, std::string outcome, Actor actor,
                      json fields = json::object(), std::string comment = {}) {
    return Input{CompleteTaskInput{std::move(task_id), std::move(outcome), std::move(fields),
                                   std::move(comment)},
                 std::move(actor)};
}
inline Input fire_timer(std::string timer_id) {
    return Input{TimerFiredInput{std::move(timer_id)}, Actor::system_actor()};
}
inline Input child_finished(std::string child_id, std::string outcome, json data = json::object()) {
    return Input{ChildFinishedInput{std::move(child_id), std::move(outcome), std::move(data)},
                 Actor::system_actor()};
}
inline Input cancel(std::string reason = "no longer needed",
                    Actor actor = person("officer", {"officer"})) {
    return Input{CancelInput{std::move(reason)}, std::move(actor)};
}

// Starts an instance that must start.
inline Step start_ok(const Definition& def, json data = json::object(),
                     TimeMs now = T("2027-01-01"), std::string id = "i1",
                     Actor actor = person("starter", {"officer"})) {
    StartInput in;
    in.instance_id = std::move(id);
    in.data = std::move(data);
    auto r = start(def, in, actor, now);
    if (!r) {
        ADD_FAILURE() << "start refused: " << r.error().to_string();
        throw HelperFailed("start refused");
    }
    return std::move(r).value();
}

// Applies an input that must be accepted; checks the instance passed in is left as it was.
inline Step step_ok(const Definition& def, const Instance& instance, const Input& input,
                    TimeMs now) {
    const json before = to_json(instance, def);
    auto r = step(def, instance, input, now);
    EXPECT_EQ(to_json(instance, def), before) << "step modified the instance passed in";
    if (!r) {
        ADD_FAILURE() << "input refused: " << r.error().to_string();
        throw HelperFailed("input refused");
    }
    return std::move(r).value();
}

// Applies an input that must be refused; checks the instance passed in is left as it was,
// and returns the error.
inline Error refused(const Definition& def, const Instance& instance, const Input& input,
                     TimeMs now) {
    const json before = to_json(instance, def);
    auto r = step(def, instance, input, now);
    EXPECT_EQ(to_json(instance, def), before) << "a refused step modified the instance passed in";
    if (r) {
        ADD_FAILURE() << "input accepted, expected a refusal; now in state "
                      << def.state(r->instance.state).name;
        throw HelperFailed("input accepted");
    }
    return r.error();
}

// The events a step handled, as strings.
inline std::vector<std::string> events_of(const HistoryEntry& h) {
    std::vector<std::string> out;
    for (const auto& e : h.events) out.emplace_back(e);
    return out;
}

inline const std::string& state_of(const Definition& def, const Instance& instance) {
    return def.state(instance.state).name;
}

template <typename E>
std::vector<E> effects_of(const std::vector<Effect>& effects) {
    std::vector<E> out;
    for (const auto& e : effects)
        if (const auto* x = std::get_if<E>(&e)) out.push_back(*x);
    return out;
}
template <typename E>
std::vector<E> effects_of(const Step& s) {
    return effects_of<E>(s.effects);
}

// The effects' "type" names in order ("task.opened", "timer.set", ...).
inline std::vector<std::string> effect_types(const Step& s) {
    std::vector<std::string> out;
    for (const auto& e : s.effects) out.push_back(to_json(e)["type"].get<std::string>());
    return out;
}

inline std::vector<const Task*> open_tasks(const Instance& instance) {
    std::vector<const Task*> out;
    for (const auto& t : instance.tasks)
        if (t.is_open()) out.push_back(&t);
    return out;
}

// The only open task; fails the test when there is not exactly one.
inline const Task& the_open_task(const Instance& instance) {
    auto tasks = open_tasks(instance);
    if (tasks.size() != 1) {
        ADD_FAILURE() << "expected one open task, found " << tasks.size();
        throw HelperFailed("not one open task");
    }
    return *tasks.front();
}

inline std::vector<const Timer*> timers_of_kind(const Instance& instance, Timer::Kind kind) {
    std::vector<const Timer*> out;
    for (const auto& t : instance.timers)
        if (t.kind == kind && !t.fired) out.push_back(&t);
    return out;
}

// The only pending timer of a kind; fails the test when there is not exactly one.
inline const Timer& the_timer(const Instance& instance, Timer::Kind kind) {
    auto timers = timers_of_kind(instance, kind);
    if (timers.size() != 1) {
        ADD_FAILURE() << "expected one pending " << to_string(kind) << " timer, found "
                      << timers.size();
        throw HelperFailed("not one timer");
    }
    return *timers.front();
}

// Everything a MemoryStore shows about its instances: to compare before and after a refusal.
inline json store_snapshot(const MemoryStore& store) {
    json out = json::object();
    for (const Instance& inst : store.instances()) {
        const DefinitionPtr def = store.find_definition(inst.workflow, inst.version);
        json entry = {{"instance", def ? to_json(inst, *def) : json(inst.id)},
                      {"history", json::array()}};
        for (const auto& h : store.history(inst.id)) entry["history"].push_back(to_json(h));
        for (const auto& t : inst.tasks) {
            auto stored = store.find_task(t.id);
            entry["tasks"].push_back(stored ? to_json(*stored) : json(nullptr));
        }
        out[inst.id] = std::move(entry);
    }
    if (auto due = store.next_due_timer(std::numeric_limits<TimeMs>::max()))
        out["$next_timer"] = {due->instance_id, due->timer_id, due->due_at};
    return out;
}

}  // namespace testkit
}  // namespace accord::engine
