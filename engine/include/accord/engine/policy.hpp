// Who may do what: the one answer to "may this person see, claim, complete, release, reassign,
// cancel, start or send an event to this", asked by the interpreter, every API route, the feed's
// snapshot and its live filter alike. Pure functions of the person and the item.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "accord/engine/definition.hpp"
#include "accord/engine/instance.hpp"
#include "accord/engine/result.hpp"

namespace accord::engine {

// A person (or the system: timers, children, which passes every check), the roles they hold,
// and the people they stand in for now (deputy_for: those away today who named them deputy).
struct Actor {
    std::string id;
    std::vector<std::string> roles;
    bool system = false;
    std::vector<std::string> deputy_for = {};
    std::vector<std::string> units = {};  // the organisational units they belong to

    bool has_role(std::string_view role) const;
    bool in_unit(std::string_view unit) const;
    bool represents(std::string_view person) const;
    static Actor system_actor() { return Actor{"system", {}, true}; }
};

namespace policy {

// Roles with a meaning of their own: an admin may do anything; an auditor may see everything
// and change nothing; a holder of "<role>_lead" oversees the tasks of <role>.
inline constexpr std::string_view kAdmin = "admin";
inline constexpr std::string_view kAuditor = "auditor";
std::string lead_of(std::string_view role);

// What the policy reads of a task: a Task has it all, and so does the task summary in a feed
// event (the views point into either; they must outlive the TaskFacts).
struct TaskFacts {
    std::string_view id, role, unit, assignee, claimed_by, claimed_for, closed_by;
    std::vector<std::string_view> escalated_to;     // the roles it was escalated to
    std::vector<std::string_view> escalated_units;  // parallel, when a step named a unit
    bool open = true;
    bool personal = false;                   // one of a multi-person group: its assignee's alone
    bool claim_holds = false;                // someone's claim binds at the time asked about
    TimeMs claim_until = 0;                  // for messages
    std::vector<std::string_view> excluded;  // separation of duties

    static TaskFacts of(const Task& task, TimeMs now);
    static TaskFacts of(Task&& task, TimeMs now) = delete;  // the views would dangle
    bool excludes(std::string_view person) const;
};

enum class TaskAction : std::uint8_t { claim, complete, release, reassign };
inline constexpr TaskAction kTaskActions[] = {TaskAction::claim, TaskAction::complete,
                                              TaskAction::release, TaskAction::reassign};
std::string_view to_string(TaskAction action);

// A set of task actions: what a person may do to a task now (a view's "can").
class TaskActions {
public:
    void add(TaskAction a) { bits_ |= bit(a); }
    bool has(TaskAction a) const { return (bits_ & bit(a)) != 0; }
    bool empty() const { return bits_ == 0; }
    std::uint8_t bits() const { return bits_; }
    friend bool operator==(TaskActions, TaskActions) = default;

private:
    static std::uint8_t bit(TaskAction a) { return std::uint8_t(1u << unsigned(a)); }
    std::uint8_t bits_ = 0;
};

// Whether `who` may see the task: admins and auditors see every task; others, the tasks of the
// roles they hold or lead, those escalated to a role of theirs, and those in which they are
// named (assignee, claimant, closer). One of a group's personal tasks shows to its assignee,
// the escalation's role and the task's overseers only.
bool may_see(const Actor& who, const TaskFacts& task);

// Whether `who` may act on an open task now; the error says why not (forbidden, or conflict
// for a claim held by someone else).
//  claim, complete: the assignee, a holder of the task's role or the role it was escalated to
//    (a personal task: its assignee or the escalation's role), not someone it excludes; while
//    another's claim binds, nobody else (claiming again renews one's own claim);
//  release: a claimed task, by its claimant or an overseer (admin, <role>_lead);
//  reassign: an overseer.
Result<void> may(const Actor& who, TaskAction action, const TaskFacts& task);
// Every action may() allows, as a set (none on a closed task).
TaskActions allowed(const Actor& who, const TaskFacts& task);
// Whether the task waits for `who`: open, and they may complete it now (their own tasks, their
// roles' unclaimed ones). This is a person's inbox, in GET /api/v1/tasks and the feed.
bool waits_for(const Actor& who, const TaskFacts& task);

// Deputies. While a person is away, what is personally theirs (assigned to them, claimed by
// them, their own task of a group) is offered to their deputy too, who may see, claim and
// complete it, separation of duties applying to the deputy as to anyone. A claim a deputy made
// stays theirs when the person is back. acting_for() names the person `who` stands in for when
// the action is theirs only as a deputy (empty otherwise): the history and the task say so.
std::string_view acting_for(const Actor& who, TaskAction action, const TaskFacts& task);

// Whether `who` may read the queue of `role` (those of its tasks they may see): its holders,
// its leads, admins and auditors.
Result<void> may_list_role(const Actor& who, std::string_view role);

// Whether `who` may see an instance: admins and auditors every one; others, those of workflows
// whose roles they hold (Definition::roles), and those in which a task is or was theirs.
bool may_see(const Actor& who, const Instance& instance, const Definition& definition);
// Whether `who` may see instances of the workflow (every one of its instances, and its end):
// admins, auditors, and holders of one of its roles.
bool may_see_workflow(const Actor& who, const Definition& definition);
// Start an instance: admins and holders of one of the workflow's roles.
Result<void> may_start(const Actor& who, const Definition& definition);
// Cancel an instance: admins and holders of one of the workflow's "<role>_lead" roles.
Result<void> may_cancel(const Actor& who, const Definition& definition);
// Send `event` (one of the workflow's) to an instance of it: an event the workflow raises itself
// and does not declare, never; a declared event with roles, only their holders.
Result<void> may_send(const Actor& who, const Definition& definition, EventId event);

}  // namespace policy
}  // namespace accord::engine
