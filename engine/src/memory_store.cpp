// MemoryStore: indices are rebuilt from each committed instance, which holds its state's
// tasks and timers, so the store needs no effect-by-effect bookkeeping.
#include "accord/engine/memory_store.hpp"

#include <algorithm>

namespace accord::engine {

Result<void> MemoryStore::put_definition(DefinitionPtr definition) {
    auto key = std::make_pair(definition->name, definition->version);
    auto it = definitions_.find(key);
    if (it != definitions_.end()) {
        if (it->second->source == definition->source) return Ok{};
        return make_error(ErrorCode::conflict,
                          "workflow " + definition->name + " version " +
                              std::to_string(definition->version) +
                              " exists with a different body; publish a new version");
    }
    definitions_.emplace(std::move(key), std::move(definition));
    return Ok{};
}

DefinitionPtr MemoryStore::find_definition(std::string_view name, int version) const {
    DefinitionPtr found;
    for (const auto& [key, def] : definitions_) {
        if (key.first != name) continue;
        if (version == 0 || key.second == version) found = def;
    }
    return found;
}

std::vector<DefinitionPtr> MemoryStore::definitions() const {
    std::vector<DefinitionPtr> out;
    for (const auto& [key, def] : definitions_) out.push_back(def);
    return out;
}

Result<Instance> MemoryStore::load_instance(std::string_view id) const {
    auto it = instances_.find(id);
    if (it == instances_.end())
        return make_error(ErrorCode::not_found, "no instance " + std::string(id));
    return it->second;
}

std::optional<std::string> MemoryStore::find_by_key(std::string_view workflow,
                                                    std::string_view key) const {
    auto it = keys_.find(std::make_pair(std::string(workflow), std::string(key)));
    if (it == keys_.end()) return std::nullopt;
    return it->second;
}

Result<void> MemoryStore::commit(const Step& step) {
    const Instance& inst = step.instance;
    auto it = instances_.find(inst.id);
    const std::uint64_t stored = it == instances_.end() ? 0 : it->second.revision;
    if (inst.revision != stored + 1)
        return make_error(ErrorCode::conflict, "instance " + inst.id +
                                                   " changed since it was read (revision " +
                                                   std::to_string(stored) + ")");
    if (stored == 0 && !inst.business_key.empty()) {
        auto [k, inserted] = keys_.try_emplace({inst.workflow, inst.business_key}, inst.id);
        if (!inserted && k->second != inst.id)
            return make_error(ErrorCode::conflict,
                              "business key " + inst.business_key + " is taken by " + k->second);
    }
    if (it != instances_.end())
        for (const auto& t : it->second.pending_timers())
            timers_.erase({t->due_at, t->id, inst.id});
    // Tasks of a state that was left are no longer in the instance: their closing is in the
    // effects.
    for (const auto& effect : step.effects) {
        if (const auto* opened = std::get_if<TaskOpened>(&effect))
            tasks_[opened->task.id] = opened->task;
        if (const auto* closed = std::get_if<TaskClosed>(&effect)) {
            auto task = tasks_.find(closed->task_id);
            if (task == tasks_.end()) continue;
            task->second.status = closed->status;
            task->second.outcome = closed->outcome;
            task->second.closed_by = closed->by;
            task->second.closed_at = inst.updated_at;
            if (closed->status == TaskStatus::completed) {
                task->second.fields = closed->fields;
                task->second.comment = closed->comment;
            }
        }
    }
    for (const auto& t : inst.tasks) tasks_[t.id] = t;
    for (const auto& t : inst.pending_timers()) timers_.emplace(t->due_at, t->id, inst.id);
    instances_[inst.id] = inst;
    history_[inst.id].push_back(step.history);
    return Ok{};
}

Result<Task> MemoryStore::find_task(std::string_view task_id) const {
    auto it = tasks_.find(task_id);
    if (it == tasks_.end())
        return make_error(ErrorCode::task_not_found, "no task " + std::string(task_id));
    return it->second;
}

namespace {
std::vector<Task> most_urgent_first(std::vector<Task> tasks) {
    std::sort(tasks.begin(), tasks.end(), [](const Task& a, const Task& b) {
        const TimeMs da = a.due_at ? a.due_at : INT64_MAX, db = b.due_at ? b.due_at : INT64_MAX;
        return std::tie(da, a.created_at, a.id) < std::tie(db, b.created_at, b.id);
    });
    return tasks;
}
}  // namespace

std::vector<Task> MemoryStore::open_tasks_for_role(std::string_view role) const {
    std::vector<Task> out;
    for (const auto& [id, t] : tasks_)
        if (t.is_open() && (t.role == role || std::find(t.escalated_to.begin(),
                                                        t.escalated_to.end(),
                                                        role) != t.escalated_to.end()))
            out.push_back(t);
    return most_urgent_first(std::move(out));
}

std::vector<Task> MemoryStore::open_tasks_for_assignee(std::string_view person) const {
    std::vector<Task> out;
    for (const auto& [id, t] : tasks_)
        if (t.is_open() && t.assignee == person) out.push_back(t);
    return most_urgent_first(std::move(out));
}

std::optional<DueTimer> MemoryStore::next_due_timer(TimeMs until) const {
    if (timers_.empty()) return std::nullopt;
    const auto& [due, timer, instance] = *timers_.begin();
    if (due > until) return std::nullopt;
    return DueTimer{instance, timer, due};
}

std::vector<HistoryEntry> MemoryStore::history(std::string_view instance_id) const {
    auto it = history_.find(instance_id);
    return it == history_.end() ? std::vector<HistoryEntry>{} : it->second;
}

std::vector<Instance> MemoryStore::instances() const {
    std::vector<Instance> out;
    for (const auto& [id, inst] : instances_) out.push_back(inst);
    return out;
}

}  // namespace accord::engine
