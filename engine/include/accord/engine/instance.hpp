// Instance: one running (or ended) workflow, with the tasks, timers and children of its
// current state. Plain values; the interpreter produces new ones, stores keep them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "accord/engine/definition.hpp"
#include "accord/engine/text.hpp"
#include "accord/engine/time.hpp"

namespace accord::engine {

using json = nlohmann::json;

// Instance data, shared between copies until one of them writes (copy on write), so that
// copying an instance for a step costs nothing when the step does not change the data.
class Data {
public:
    Data() : p_(std::make_shared<json>(json::object())) {}
    explicit Data(json value) : p_(std::make_shared<json>(std::move(value))) {}

    const json& get() const { return *p_; }
    json& mutate() {
        if (p_.use_count() > 1) p_ = std::make_shared<json>(*p_);
        return *p_;
    }

private:
    std::shared_ptr<json> p_;
};

enum class InstanceStatus { running, finished, cancelled };
enum class TaskStatus { open, completed, cancelled };

const char* to_string(InstanceStatus s);
const char* to_string(TaskStatus s);

struct Task {
    std::string id;
    std::string instance_id;
    std::string workflow;
    std::string state;  // the state that opened it
    std::string role;
    std::string unit;  // the unit it is offered in (its role's holders there); empty: anywhere
    std::vector<std::string> escalated_to;  // the roles it was escalated to, so far, in order
    // Parallel to escalated_to when a step named a unit: where each role holds it ("": anywhere).
    std::vector<std::string> escalated_units;
    std::string deputy;  // the assignee's deputy when it opened while they were away
    std::string assignee;               // empty: anyone holding the role
    bool personal = false;              // one of a multi-person group: the assignee's alone
    std::vector<std::string> excluded;  // separation of duties
    Text title;
    Text description;
    TimeMs created_at = 0;
    TimeMs due_at = 0;  // 0: no deadline
    TaskStatus status = TaskStatus::open;
    std::string claimed_by;
    std::string claimed_for;  // the away person the claimant stood in for, if any
    TimeMs claim_until = 0;   // 0: the claim has no expiry
    // Once closed:
    std::string outcome;
    std::string closed_by;
    std::string closed_for;  // the away person the closer stood in for, if any
    TimeMs closed_at = 0;
    json fields;
    std::string comment;

    bool is_open() const { return status == TaskStatus::open; }
    // Whether someone's claim still binds at `now`: a claim whose lease ran out does not.
    bool claim_holds(TimeMs now) const {
        return !claimed_by.empty() && (claim_until == 0 || now < claim_until);
    }
};

struct Timer {
    enum class Kind { state, task_due, task_reminder, task_escalation };
    std::string id;
    Kind kind = Kind::state;
    std::uint16_t index = 0;  // the state's timer spec, or the task's reminder
    std::string task_id;      // task timers
    TimeMs due_at = 0;
    bool fired = false;  // `at` timers stay after firing, to be re-armed if their date moves
};

const char* to_string(Timer::Kind k);

struct Child {
    std::string id;
    std::string workflow;
    int index = 0;  // position in for_each
    bool running = true;
    std::string outcome;
    json data;
};

struct ParentLink {
    std::string instance_id;
    std::string child_id;  // the id under which the parent knows this instance (== its own id)
};

struct Instance {
    std::string id;
    std::string workflow;
    int version = 0;
    StateId state = 0;
    InstanceStatus status = InstanceStatus::running;
    std::string outcome;
    Data data;
    std::string business_key;
    std::optional<ParentLink> parent;
    // How many starts led to this one: 0 for an instance started from outside, its starter's
    // depth + 1 for a child or a `start`. Runtimes refuse to go deeper than a bound, so that a
    // workflow that starts itself on entry can't run away.
    std::uint16_t depth = 0;
    TimeMs created_at = 0, updated_at = 0, entered_at = 0;
    std::uint64_t revision = 0;  // +1 per applied input: stores check it to refuse stale commits
    std::uint32_t next_seq = 1;  // numbers task, timer and child ids
    std::vector<Task> tasks;     // the current state's tasks, open and closed
    std::vector<Timer> timers;   // the current state's timers
    std::vector<Child> children;  // the current state's
    // Children of states left earlier, without their data: the instance's page lists them.
    std::vector<Child> earlier_children;

    bool running() const { return status == InstanceStatus::running; }
    const Task* find_task(std::string_view task_id) const;
    std::vector<const Timer*> pending_timers() const;
    TimeMs next_timer_due() const;  // the earliest pending timer's due time; 0: none pending
};

class JsonWriter;

// Storage form. Instances are read back against the definition they ran on.
json to_json(const Instance& instance, const Definition& definition);
json to_json(const Task& task);
Result<Instance> instance_from_json(const json& j, const Definition& definition);
Result<Task> task_from_json(const json& j);
void write_json(JsonWriter& w, const Task& task);  // the text of to_json(task)
// Within its instance's records (document, history): ids relative to `owner` (".t5"), without
// the instance and workflow; task_from_json with the owner reads it back.
void write_json(JsonWriter& w, const Task& task, const std::string& owner);
Result<Task> task_from_json(const json& j, std::string_view instance_id, std::string_view workflow);
std::string_view relative_id(std::string_view id, const std::string& owner);  // ".t5"
std::string absolute_id(std::string id, const std::string& owner);            // "<owner>.t5"

// The compact text a store keeps: to_json(instance)'s members, written without a json DOM,
// with the instance's own task and timer ids relative (".t5") and its tasks without the
// instance and workflow they belong to. instance_from_json reads both forms.
std::string instance_text(const Instance& instance, const Definition& definition);
// One task of a stored document (either form), found by its full id.
Result<Task> stored_task(const json& document, std::string_view task_id);

}  // namespace accord::engine
