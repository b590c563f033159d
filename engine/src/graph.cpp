// The facts of a definition's picture (graph.hpp).
#include "accord/engine/graph.hpp"

#include <string>

namespace accord::engine {

namespace {

const char* kind_name(State::Kind k) {
    switch (k) {
        case State::Kind::wait:
            return "wait";
        case State::Kind::choice:
            return "choice";
        case State::Kind::final:
            return "final";
    }
    return "wait";
}

const char* timer_kind(TimerSpec::Kind k) {
    switch (k) {
        case TimerSpec::Kind::after:
            return "after";
        case TimerSpec::Kind::every:
            return "every";
        case TimerSpec::Kind::at:
            return "at";
    }
    return "after";
}

// The transitions as written for `event`, as a list (each a state name or an object), and
// whether they are the workflow's own; null when the source has none (it always has, for a
// compiled definition's transitions).
json written(const json& source, const std::string& state, const std::string& event,
             bool& workflow_level) {
    workflow_level = false;
    const json* list = nullptr;
    if (auto s = source.find("states"); s != source.end() && s->contains(state)) {
        const json& spec = (*s)[state];
        if (auto on = spec.find("on"); on != spec.end() && on->is_object())
            if (auto e = on->find(event); e != on->end()) list = &*e;
    }
    if (list == nullptr)
        if (auto on = source.find("on"); on != source.end() && on->is_object())
            if (auto e = on->find(event); e != on->end()) {
                list = &*e;
                workflow_level = true;
            }
    if (list == nullptr) return json();
    return list->is_array() ? *list : json::array({*list});
}

// What raises `event` in `st`: its task's outcome, one of its timers, its child workflows, or
// something else (from outside, or an emit).
const char* edge_kind(const Definition& def, const State& st, EventId event) {
    if (st.task)
        for (EventId e : st.task->outcome_events)
            if (e == event) return "outcome";
    for (const auto& t : st.timers)
        if (t.event == event) return "timer";
    if (st.invoke) {
        const std::string& name = def.event_names[event];
        if (name.starts_with(st.invoke->workflow + ".")) return "child";
    }
    return "event";
}

void add_written(json& edge, const json& item) {
    if (!item.is_object()) return;
    if (auto g = item.find("guard"); g != item.end()) edge["guard"] = *g;
    if (auto d = item.find("description"); d != item.end()) edge["description"] = *d;
}

}  // namespace

json definition_graph(const Definition& def) {
    json nodes = json::array();
    json edges = json::array();
    for (StateId s = 0; s < def.states.size(); ++s) {
        const State& st = def.states[s];
        json node = {{"id", st.name}, {"kind", kind_name(st.kind)}};
        if (s == def.start) node["start"] = true;
        if (st.kind == State::Kind::final) node["outcome"] = st.outcome;
        if (!st.title.empty()) node["title"] = st.title.to_json();
        const json source_state = def.source.value("states", json::object()).value(st.name, json());
        if (st.task) {
            json task = {{"role", st.task->role}, {"outcomes", st.task->outcomes},
                         {"multi", st.task->multi()}};
            if (source_state.is_object() && source_state.contains("task")) {
                const json& written_task = source_state["task"];
                if (auto t = written_task.find("title"); t != written_task.end()) task["title"] = *t;
                if (auto l = written_task.find("labels"); l != written_task.end()) task["labels"] = *l;
            }
            node["task"] = std::move(task);
        }
        if (!st.timers.empty()) {
            json timers = json::array();
            for (const auto& t : st.timers)
                timers.push_back({{"name", t.name},
                                  {"kind", timer_kind(t.kind)},
                                  {"event", def.event_names[t.event]}});
            node["timers"] = std::move(timers);
        }
        if (st.invoke) {
            json invoke = {{"workflow", st.invoke->workflow},
                           {"for_each", st.invoke->for_each.has_value()}};
            if (st.invoke->version != 0) invoke["version"] = st.invoke->version;
            node["invoke"] = std::move(invoke);
        }
        nodes.push_back(std::move(node));

        if (st.kind == State::Kind::choice) {
            const json branches = source_state.is_object() ? source_state.value("choice", json())
                                                           : json();
            for (std::size_t i = 0; i < st.choice.size(); ++i) {
                json edge = {{"from", st.name},
                             {"to", def.states[st.choice[i].target].name},
                             {"kind", "choice"},
                             {"internal", false},
                             {"workflow_level", false}};
                if (branches.is_array() && i < branches.size()) add_written(edge, branches[i]);
                edges.push_back(std::move(edge));
            }
            continue;
        }
        for (EventId e = 0; e < def.event_names.size(); ++e) {
            const auto* list = def.transitions(s, e);
            if (list == nullptr) continue;
            bool workflow_level = false;
            const json items = written(def.source, st.name, def.event_names[e], workflow_level);
            for (std::size_t i = 0; i < list->size(); ++i) {
                const Transition& t = (*list)[i];
                json edge = {{"from", st.name},
                             {"event", def.event_names[e]},
                             {"kind", edge_kind(def, st, e)},
                             {"internal", t.target == kNoState},
                             {"workflow_level", workflow_level}};
                if (t.target != kNoState) edge["to"] = def.states[t.target].name;
                if (items.is_array() && i < items.size()) add_written(edge, items[i]);
                edges.push_back(std::move(edge));
            }
        }
    }
    return {{"workflow", def.name},
            {"version", def.version},
            {"start", def.states[def.start].name},
            {"nodes", std::move(nodes)},
            {"edges", std::move(edges)}};
}

}  // namespace accord::engine
