// The interpreter: a pure function of (definition, instance, input, time) to (new instance,
// effects), or a typed error that leaves everything as it was. No clock, no I/O: the caller
// applies the effects (in Redis, as one atomic commit).
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "accord/engine/calendar.hpp"
#include "accord/engine/definition.hpp"
#include "accord/engine/instance.hpp"
#include "accord/engine/people.hpp"
#include "accord/engine/policy.hpp"
#include "accord/engine/result.hpp"

namespace accord::engine {

struct StartInput {
    std::string instance_id;
    json data = json::object();
    std::string business_key;
    std::optional<ParentLink> parent;
    std::uint16_t depth = 0;                 // see Instance::depth
    const Directory* directory = nullptr;    // for tasks that name a unit
    const Calendar* calendar = nullptr;      // the office's; none: UTC, Saturday and Sunday off
};
struct EventInput {
    std::string event;
    json data = json::object();
};
struct CompleteTaskInput {
    std::string task_id;
    std::string outcome;
    json fields = json::object();
    std::string comment;
};
struct TimerFiredInput {
    std::string timer_id;
};
struct ChildFinishedInput {
    std::string child_id;
    std::string outcome;
    json data = json::object();
};
struct CancelInput {
    std::string reason;
};
// Claims, releases and reassignments act on an open task of the current state; they change
// neither the state nor the data, and fire no transition.
struct ClaimTaskInput {
    std::string task_id;
    TimeMs lease_until = 0;  // 0: until released; claiming again renews it
};
struct ReleaseTaskInput {
    std::string task_id;
};
struct ReassignTaskInput {
    std::string task_id;
    std::string assignee;  // empty: back to the role's queue
};
// The office calendar changed: the due dates and pending timers of the current state that
// count on it (working days, a date's day in the office's zone) are counted again from what
// they count from (the task's opening, the state's entry, the data's date), on the calendar
// the input carries. Timers already fired stay spent; a step that moves nothing has no
// effects (and a runtime need not commit it).
struct RescheduleInput {};

using InputKind =
    std::variant<EventInput, CompleteTaskInput, TimerFiredInput, ChildFinishedInput, CancelInput,
                 ClaimTaskInput, ReleaseTaskInput, ReassignTaskInput, RescheduleInput>;
struct Input {
    InputKind kind;
    Actor actor;
    const Directory* directory = nullptr;  // for tasks that name a unit
    const Calendar* calendar = nullptr;    // the office's; none: UTC, Saturday and Sunday off
};

// Effects, in the order they happened. The caller applies them all or none.
struct TaskOpened {
    Task task;
};
struct TaskClosed {
    std::string task_id;
    TaskStatus status;  // completed or cancelled
    std::string outcome;
    std::string by;
    json fields;  // a completion's form and comment
    std::string comment;
    std::string for_person = {};  // the away person `by` stood in for, if any
};
struct TaskEscalated {
    std::string task_id;
    std::string role;
};
struct TaskOverdue {
    std::string task_id;
};
struct TaskReminded {
    std::string task_id;
};
struct TaskClaimed {
    std::string task_id;
    std::string by;
    TimeMs until = 0;             // 0: no expiry
    std::string for_person = {};  // the away person `by` stood in for, if any
};
struct TaskReleased {
    std::string task_id;
    std::string by;  // who released it: the claimant, a lead, an admin or the system
};
// A task's deadline counted again (RescheduleInput): its new due time (0: none).
struct TaskRescheduled {
    std::string task_id;
    TimeMs due_at = 0;
};
struct TaskReassigned {
    std::string task_id;
    std::string from, to;  // assignees; empty is the role's queue
    std::string by;
};
struct TimerSet {
    Timer timer;
};
struct TimerCleared {
    std::string timer_id;
};
struct Notification {
    // What it is: "notify" (a workflow's action), "reminder", "overdue" or "escalation".
    std::string kind = "notify";
    std::vector<std::string> roles;
    std::vector<std::string> people;
    std::vector<std::string> units;  // with roles: their holders there; alone: the members
    Text subject;
    Text message;
    std::string task_id;  // when about a task
};
struct ChildStarted {
    std::string child_id;
    std::string workflow;
    int version = 0;  // 0: latest
    json data;
};
struct ChildCancelled {
    std::string child_id;
};
struct WorkflowStarted {
    std::string workflow;
    json data;
    std::string business_key;
};
struct InstanceFinished {
    InstanceStatus status;  // finished or cancelled
    std::string outcome;
};

using Effect =
    std::variant<TaskOpened, TaskClosed, TaskEscalated, TaskOverdue, TaskReminded, TaskClaimed,
                 TaskReleased, TaskReassigned, TaskRescheduled, TimerSet, TimerCleared,
                 Notification, ChildStarted, ChildCancelled, WorkflowStarted, InstanceFinished>;

// One line of the audit history: what the interpreter did with an input. It owns its text, so
// it outlives the Definition the step ran on. The input itself
// (event payload, fields) is the caller's to record beside it: the caller has it already, and
// copying it here would cost every transition.
struct HistoryEntry {
    TimeMs at = 0;
    // A literal: start, event, complete, timer, child, cancel, claim, release, reassign,
    // reschedule.
    std::string_view input;
    std::string actor;
    std::string from_state, to_state;  // from_state is empty for a start
    std::vector<std::string> events;   // events handled, in order
    json detail;       // what the engine adds: task and outcome, timer and lateness, child, reason
    std::string note;  // e.g. "no guard of event x held", "fired 3 min late"
};

struct Step {
    Instance instance;
    std::vector<Effect> effects;
    HistoryEntry history;
};

// Starts an instance: checks the data against the definition's schema, enters the start state.
Result<Step> start(const Definition& def, const StartInput& input, const Actor& actor, TimeMs now);

// Applies one input. REQUIRES: instance.workflow/version are def's.
Result<Step> step(const Definition& def, const Instance& instance, const Input& input, TimeMs now);

// The same, taking the instance instead of copying it (which saves copying its data): on
// success the instance is moved into the Step; on error `instance` is left exactly as it was.
Result<Step> step(const Definition& def, Instance&& instance, const Input& input, TimeMs now);

// Adds the input's own data (an event's payload) to its history entry, for callers that keep
// history.
void record_input(HistoryEntry& entry, const Input& input);

// The task as its closing made it: how, by whom, when (`at`, unless it has a time already); a
// completion's fields and comment.
Task closed_task(const Task& task, const TaskClosed& closed, TimeMs at);

// A task as a step left it: from the new instance while its state is current; else (the step
// left the state) the task of `before`, closed as the step's effects say, at the step's time.
// nullopt when neither instance has it.
std::optional<Task> task_after(const Instance& before, const Step& step, std::string_view task_id);

json to_json(const HistoryEntry& entry);
json to_json(const Effect& effect);

// The same texts written straight from the structs (a store's hot path): the members of
// to_json(entry), and of to_json(effect) but its "type" and "task", into an open object.
void write_members(JsonWriter& w, const HistoryEntry& entry);
// With `owner`, the instance's own timer ids are written relative to it (".w6").
void write_members(JsonWriter& w, const Effect& effect, const std::string* owner = nullptr);
const char* effect_type(const Effect& effect);       // to_json(effect)["type"]
std::string_view effect_task(const Effect& effect);  // the task it concerns; empty: none

}  // namespace accord::engine
