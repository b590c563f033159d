// The facts of a definition's picture: its states as nodes and its transitions as edges, from
// the compiled definition (so that no client reads the three forms of `on`, or works out which
// state takes a workflow-level transition, itself). GET /api/v1/definitions/{name}/versions/{v}/graph.
#pragma once

#include <nlohmann/json.hpp>

#include "accord/engine/definition.hpp"

namespace accord::engine {

// {"workflow", "version", "start", "nodes": [...], "edges": [...]}:
//  - a node per state, by name: {"id" (the state's name), "kind" (wait, choice
//    or final), "start" (true for the start state), "outcome" (final), "task" {"role", "title",
//    "outcomes", "labels", "multi"}, "timers" [{"name", "kind" (after, every, at), "event"}],
//    "invoke" {"workflow", "version", "for_each"}};
//  - an edge per transition, each state's in the order the definition first names their events and, for one
//    event, in the order they are tried: {"from", "to" (absent: an internal transition, which
//    stays), "event" (absent on a choice's branch), "kind" (outcome: the state's task, timer:
//    one of its timers, child: its child workflows, event: from outside or emitted, choice: a
//    choice's branch), "guard" (the JsonLogic as written), "description", "internal",
//    "workflow_level" (a transition of the workflow's own `on` that this state takes)}.
// Texts (task titles, labels, descriptions) are as written: a string or a language object.
json definition_graph(const Definition& def);

}  // namespace accord::engine
