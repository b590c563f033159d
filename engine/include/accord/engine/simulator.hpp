// The simulator: runs a workflow on a virtual clock through a scripted list of inputs and
// checks, and returns the trace (states, tasks, timers, notifications, with their times).
// Script format: docs/accordctl.md.
#pragma once

#include <string>
#include <vector>

#include "accord/engine/definition.hpp"

namespace accord::engine {

struct SimulationResult {
    std::vector<std::string> trace;
    std::vector<std::string> failures;  // failed expectations and unexpected errors
    bool ok() const { return failures.empty(); }
};

// `workflow` is the definition the script starts; `catalog` holds it and any it invokes or starts.
SimulationResult simulate(const std::vector<DefinitionPtr>& catalog, const std::string& workflow,
                          const json& script);

}  // namespace accord::engine
