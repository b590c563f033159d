// Definition: a workflow definition compiled for execution. Built only by load_definition
// (validator.hpp), so a Definition is valid by construction: every target names a state,
// every rule compiled, every name interned to a small integer.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "accord/engine/field_schema.hpp"
#include "accord/engine/jsonlogic.hpp"
#include "accord/engine/text.hpp"
#include "accord/engine/time.hpp"

namespace accord::engine {

using StateId = std::uint16_t;
using EventId = std::uint16_t;
constexpr StateId kNoState = 0xFFFF;

// A data path such as "legal.approved_on", split at load time.
using DataPath = std::vector<std::string>;

// A span of time a definition gives: an ISO 8601 duration ("P10D"), or {"working_days": N}
// counted on the office's calendar, N a whole number or an expression giving one (negative:
// before).
struct Delay {
    Duration duration;
    std::optional<logic::Expression> working_days;

    // Whether it counts backwards, as far as the definition says (an expression's sign is
    // known when it is evaluated).
    bool negative() const {
        if (!working_days) return duration.negative;
        if (!working_days->is_literal()) return false;
        const json v = working_days->evaluate(json(), logic::Context{});
        return v.is_number() && v.get<double>() < 0;
    }
};

struct SetAction {
    std::vector<std::pair<DataPath, logic::Expression>> assignments;
};
struct UnsetAction {
    std::vector<DataPath> paths;
};
struct NotifyAction {
    std::vector<std::string> roles;
    std::optional<logic::Expression> people;  // an id or a list of ids
    std::optional<logic::Expression> units;   // a unit id or a list: its members (or `roles`' holders there)
    TextTemplate subject, message;
};
struct EmitAction {
    EventId event;
    std::optional<logic::Expression> data;
};
struct StartAction {
    std::string workflow;
    std::optional<logic::Expression> data, key;
};
using Action = std::variant<SetAction, UnsetAction, NotifyAction, EmitAction, StartAction>;

struct Transition {
    std::optional<logic::Expression> guard;
    StateId target = kNoState;  // kNoState: internal transition
    std::vector<Action> actions;
};

// How a group of tasks or children is joined: the first outcome is the one counted.
struct Join {
    enum class Kind { all, any, at_least };
    Kind kind = Kind::all;
    int at_least = 1;

    // Completions with the counted outcome needed out of n.
    int needed(int n) const { return kind == Kind::all ? n : kind == Kind::any ? 1 : at_least; }
};

// One step of an escalation ladder: `after` that long since the task opened, it is offered to
// `role` too (and the role is notified).
struct Escalation {
    Delay after;
    std::string role;
    std::optional<logic::Expression> unit;  // the role within a unit (as TaskSpec::unit)
};

struct TaskSpec {
    std::string role;
    TextTemplate title, description;
    std::optional<logic::Expression> assignee;   // one person
    std::optional<logic::Expression> assignees;  // a list: one task each
    Join join;
    Form fields;
    std::vector<std::string> outcomes;
    std::vector<EventId> outcome_events;  // parallel to outcomes
    std::vector<std::pair<std::string, Text>> labels;  // outcome → what its button says
    std::optional<Delay> due_after;
    std::optional<logic::Expression> due_at;
    std::vector<Delay> reminders;  // positive: after opening; negative: before due
    std::vector<Escalation> escalate;  // the ladder, in the order its steps come
    std::optional<logic::Expression> separate_from;
    std::optional<logic::Expression> unit;  // the organisational unit the task is for
    DataPath save_to;  // empty: fields merged at the top level

    bool multi() const { return assignees.has_value(); }
    int outcome_index(std::string_view outcome) const;
};

struct TimerSpec {
    enum class Kind { after, every, at };
    Kind kind = Kind::after;
    Duration period;  // every
    Delay after;      // after
    logic::Expression at;
    Delay offset;                     // at
    std::optional<int> time_of_day;   // at, on a date: minutes after local midnight
    EventId event = 0;
    std::string name;
};

struct InvokeSpec {
    std::string workflow;
    int version = 0;                        // 0: the latest when the child starts
    std::optional<logic::Expression> data;  // default: the whole parent data
    std::optional<logic::Expression> for_each;
    Join join;
    std::vector<std::string> outcomes;  // with for_each; the first is counted

    // The event raised for a child outcome: "<workflow>.<outcome>".
    std::string event_name(std::string_view outcome) const;
};

struct State {
    enum class Kind { wait, choice, final };
    std::string name;
    Text title;  // what people call it ("Legal review"); empty: its name
    Kind kind = Kind::wait;
    std::vector<Action> entry, exit;
    std::optional<TaskSpec> task;
    std::optional<InvokeSpec> invoke;
    std::vector<TimerSpec> timers;
    std::vector<Transition> choice;
    std::string outcome;  // final states
    std::string pointer;  // "/states/<name>", for messages
};

struct EventDecl {
    Text title;                      // empty: none given
    std::optional<Form> fields;      // none: the payload is not checked
    std::vector<std::string> roles;  // empty: anyone
};

class Definition {
public:
    std::string name;
    int version = 0;
    Text title;
    Text description;
    FieldSchema data_schema;
    StateId start = 0;
    std::vector<State> states;
    std::vector<std::string> event_names;
    std::vector<std::optional<EventDecl>> event_decls;  // by EventId
    json source;                                        // the document it was compiled from
    // The same document with its members in the author's order (json sorts them): what people
    // read, the forms' fields and the definition served, and what is stored.
    nlohmann::ordered_json ordered_source;
    bool reads_instance_root = false;                   // some rule or template reads $instance
    bool reads_actor_root = false;                      // ... or $actor
    // By EventId: raised by the workflow itself (a task outcome, a timer, a child workflow, an
    // emit) and not declared under "events": such an event can't be sent from outside.
    std::vector<bool> internal_events;
    // Every role the definition names, sorted: its tasks' roles and their "<role>_lead", the
    // roles tasks escalate to, and its events' roles. Who holds one takes part in the workflow.
    std::vector<std::string> roles;

    std::optional<StateId> find_state(std::string_view name) const;
    std::optional<EventId> find_event(std::string_view name) const;
    const State& state(StateId id) const { return states[id]; }

    // The transitions of `state` on `event`, in order; nullptr when the state has none.
    const std::vector<Transition>* transitions(StateId state, EventId event) const {
        const std::uint32_t slot = table_[std::size_t{state} * event_names.size() + event];
        return slot == kNone ? nullptr : &transition_lists_[slot];
    }

private:
    friend class DefinitionBuilder;
    static constexpr std::uint32_t kNone = 0xFFFFFFFF;
    // Looked up by string_view without building a std::string.
    struct NameHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const {
            return std::hash<std::string_view>{}(s);
        }
    };
    template <typename Id>
    using NameMap = std::unordered_map<std::string, Id, NameHash, std::equal_to<>>;
    NameMap<StateId> state_ids_;
    NameMap<EventId> event_ids_;
    std::vector<std::vector<Transition>> transition_lists_;
    std::vector<std::uint32_t> table_;  // states × events → index into transition_lists_
};

using DefinitionPtr = std::shared_ptr<const Definition>;

}  // namespace accord::engine
