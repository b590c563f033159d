// The simulator: runs a workflow on a virtual clock through a scripted list of inputs and
// checks, and returns the trace (states, tasks, timers, notifications, with their times).
// Script format: docs/accordctl.md. The script is driven over a SimulationBackend: the
// in-memory one here (a LocalRuntime over a MemoryStore), or another runtime behind the same
// interface (tests/adapters/redis runs the examples on the durable runtime).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "accord/engine/interpreter.hpp"

namespace accord::engine {

struct SimulationResult {
    std::vector<std::string> trace;
    std::vector<std::string> failures;  // failed expectations and unexpected errors
    bool ok() const { return failures.empty(); }
};

// A runtime on a virtual clock, as the script driver needs it. Every call returns once
// everything it caused has happened: children started and finished, results delivered,
// instances started by `start` actions, notifications sent.
class SimulationBackend {
public:
    using Observer = std::function<void(const Step& step)>;

    virtual ~SimulationBackend() = default;

    // Called after every commit, in commit order, with the step as committed.
    virtual void set_observer(Observer observer) = 0;

    // The virtual clock. It starts at 0 and only advance_to moves it.
    virtual TimeMs now() const = 0;
    // Moves the clock to `until`, firing every timer due up to it in due order, each at its own
    // due time (and timers those set inside the span too). An `until` before now() may be
    // refused (invalid_input).
    virtual Result<void> advance_to(TimeMs until) = 0;

    // Starts the latest version of `workflow` at now(); with a business key that is taken, the
    // instance started under it.
    virtual Result<Instance> start(const std::string& workflow, json data, const Actor& actor,
                                   const std::string& business_key) = 0;
    // Applies an input to an instance at now().
    virtual Result<Instance> send(const std::string& instance_id, Input input) = 0;

    // Every instance there is, in the order of their ids.
    virtual std::vector<Instance> instances() = 0;
    // Null when there is none.
    virtual DefinitionPtr definition(const std::string& name, int version) = 0;
    // Notifications sent so far (`notify` actions, reminders, overdue notices, escalations).
    virtual std::size_t notifications() const = 0;
};

// Runs `script` over `backend`, which holds `workflow` (the definition the script starts) and
// any it invokes or starts. REQUIRES: nothing has happened on `backend` yet.
SimulationResult simulate(SimulationBackend& backend, const std::string& workflow,
                          const json& script);

// The same on the in-memory backend, loaded with `catalog`.
SimulationResult simulate(const std::vector<DefinitionPtr>& catalog, const std::string& workflow,
                          const json& script);

}  // namespace accord::engine
