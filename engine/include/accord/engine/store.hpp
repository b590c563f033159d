// Store: what a runtime needs from storage. MemoryStore implements it here, for tests and
// embedding; adapters/redis keeps the same contract durably, asynchronously (RedisStore).
// A commit applies one Step atomically.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accord/engine/interpreter.hpp"

namespace accord::engine {

struct DueTimer {
    std::string instance_id;
    std::string timer_id;
    TimeMs due_at = 0;
};

class Store {
public:
    virtual ~Store() = default;

    // Definitions are immutable per (name, version): putting the same again is a no-op,
    // putting a different body under a stored (name, version) is a conflict.
    virtual Result<void> put_definition(DefinitionPtr definition) = 0;
    // version 0: the latest. Null when there is none.
    virtual DefinitionPtr find_definition(std::string_view name, int version = 0) const = 0;
    virtual std::vector<DefinitionPtr> definitions() const = 0;

    virtual Result<Instance> load_instance(std::string_view id) const = 0;
    // The instance started under this business key, if any.
    virtual std::optional<std::string> find_by_key(std::string_view workflow,
                                                   std::string_view key) const = 0;

    // Applies a step: the new instance, its tasks, timers and history, all or nothing.
    // REQUIRES: step.instance.revision is the stored revision + 1 (1 for a new instance);
    // otherwise the commit is refused with `conflict` and nothing changes.
    virtual Result<void> commit(const Step& step) = 0;

    virtual Result<Task> find_task(std::string_view task_id) const = 0;
    // Open tasks, most urgent first (by due time, then creation).
    virtual std::vector<Task> open_tasks_for_role(std::string_view role) const = 0;
    virtual std::vector<Task> open_tasks_for_assignee(std::string_view person) const = 0;
    // The pending timer due first, if it is due at or before `until`.
    virtual std::optional<DueTimer> next_due_timer(TimeMs until) const = 0;
    virtual std::vector<HistoryEntry> history(std::string_view instance_id) const = 0;
};

}  // namespace accord::engine
