// MemoryStore: the Store in process memory. Not durable; single-threaded use.
#pragma once

#include <map>
#include <set>
#include <unordered_map>

#include "accord/engine/store.hpp"

namespace accord::engine {

class MemoryStore final : public Store {
public:
    Result<void> put_definition(DefinitionPtr definition) override;
    DefinitionPtr find_definition(std::string_view name, int version = 0) const override;
    std::vector<DefinitionPtr> definitions() const override;

    Result<Instance> load_instance(std::string_view id) const override;
    std::optional<std::string> find_by_key(std::string_view workflow,
                                           std::string_view key) const override;
    Result<void> commit(const Step& step) override;

    Result<Task> find_task(std::string_view task_id) const override;
    std::vector<Task> open_tasks_for_role(std::string_view role) const override;
    std::vector<Task> open_tasks_for_assignee(std::string_view person) const override;
    std::optional<DueTimer> next_due_timer(TimeMs until) const override;
    std::vector<HistoryEntry> history(std::string_view instance_id) const override;

    std::vector<Instance> instances() const;

private:
    std::map<std::pair<std::string, int>, DefinitionPtr, std::less<>> definitions_;
    std::map<std::string, Instance, std::less<>> instances_;
    std::map<std::string, Task, std::less<>> tasks_;  // every task ever opened, by id
    std::set<std::tuple<TimeMs, std::string, std::string>> timers_;  // (due, timer id, instance id)
    std::map<std::pair<std::string, std::string>, std::string, std::less<>> keys_;
    std::map<std::string, std::vector<HistoryEntry>, std::less<>> history_;
};

}  // namespace accord::engine
