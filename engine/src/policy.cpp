// The policy: who may see and act on tasks, instances and workflows (policy.hpp).
#include "accord/engine/policy.hpp"

#include <algorithm>

#include "accord/engine/time.hpp"

namespace accord::engine {

bool Actor::has_role(std::string_view role) const {
    return std::find(roles.begin(), roles.end(), role) != roles.end();
}

bool Actor::in_unit(std::string_view unit) const {
    return std::find(units.begin(), units.end(), unit) != units.end();
}

bool Actor::represents(std::string_view person) const {
    return !person.empty() && std::find(deputy_for.begin(), deputy_for.end(), person) !=
                                  deputy_for.end();
}

namespace policy {

std::string lead_of(std::string_view role) {
    std::string lead(role);
    lead += "_lead";
    return lead;
}

TaskFacts TaskFacts::of(const Task& task, TimeMs now) {
    TaskFacts f;
    f.id = task.id;
    f.role = task.role;
    f.unit = task.unit;
    f.escalated_to.assign(task.escalated_to.begin(), task.escalated_to.end());
    f.escalated_units.assign(task.escalated_units.begin(), task.escalated_units.end());
    f.assignee = task.assignee;
    f.claimed_by = task.claimed_by;
    f.claimed_for = task.claimed_for;
    f.closed_by = task.closed_by;
    f.open = task.is_open();
    f.personal = task.personal;
    f.claim_holds = task.claim_holds(now);
    f.claim_until = task.claim_until;
    f.excluded.assign(task.excluded.begin(), task.excluded.end());
    return f;
}

bool TaskFacts::excludes(std::string_view person) const {
    return std::find(excluded.begin(), excluded.end(), person) != excluded.end();
}

std::string_view to_string(TaskAction action) {
    switch (action) {
        case TaskAction::claim:
            return "claim";
        case TaskAction::complete:
            return "complete";
        case TaskAction::release:
            return "release";
        case TaskAction::reassign:
            return "reassign";
    }
    return "?";
}

namespace {

bool holds(const Actor& who, std::string_view role) {
    return !role.empty() && who.has_role(role);
}

// Whether `who` holds "<role>_lead", without building the name.
bool leads(const Actor& who, std::string_view role) {
    constexpr std::string_view suffix = "_lead";
    return !role.empty() &&
           std::any_of(who.roles.begin(), who.roles.end(), [&](const std::string& r) {
               return r.size() == role.size() + suffix.size() && r.starts_with(role) &&
                      r.ends_with(suffix);
           });
}

bool holds_any(const Actor& who, const std::vector<std::string>& roles) {
    return std::any_of(roles.begin(), roles.end(),
                       [&](const std::string& r) { return who.has_role(r); });
}

// Whether `who` holds the task's role where it is offered: anywhere, or in its unit.
bool holds_in_unit(const Actor& who, const TaskFacts& t) {
    return holds(who, t.role) && (t.unit.empty() || who.in_unit(t.unit));
}

// Whether the task was escalated to a role `who` holds.
bool escalated_to_them(const Actor& who, const TaskFacts& t) {
    for (std::size_t i = 0; i < t.escalated_to.size(); ++i) {
        const std::string_view unit =
            i < t.escalated_units.size() ? t.escalated_units[i] : std::string_view();
        if (holds(who, t.escalated_to[i]) && (unit.empty() || who.in_unit(unit))) return true;
    }
    return false;
}

// Who may hand a task to someone else or break someone's claim.
bool oversees(const Actor& who, const TaskFacts& t) {
    return who.system || who.has_role(kAdmin) || leads(who, t.role);
}

// Whether `who` is the person, or stands in for them while they are away.
bool is_or_stands_in_for(const Actor& who, std::string_view person) {
    return !person.empty() && (person == who.id || who.represents(person));
}

// Whether the claim binds `who` out: someone else's, that binds now. The claimant's deputy
// acts under it, and so does a deputy on the claim they made for someone.
bool claimed_by_other(const Actor& who, const TaskFacts& t) {
    return t.claim_holds && !is_or_stands_in_for(who, t.claimed_by);
}

// Whether the task is for `who`, claims aside.
bool for_them(const Actor& who, const TaskFacts& t) {
    if (who.system) return true;
    if (t.excludes(who.id)) return false;
    if (escalated_to_them(who, t)) return true;
    // What a deputy claimed for someone stays theirs to finish.
    if (t.claim_holds && t.claimed_by == who.id && !t.claimed_for.empty()) return true;
    // What is personally someone's is their deputy's too while they are away.
    if (who.represents(t.assignee) || (t.claim_holds && who.represents(t.claimed_by)))
        return true;
    // One of a multi-person group: nobody may act in another member's place.
    if (t.personal) return t.assignee == who.id;
    return (!t.assignee.empty() && t.assignee == who.id) || holds_in_unit(who, t);
}

// for_them(), with why not.
Result<void> is_for(const Actor& who, const TaskFacts& t) {
    if (for_them(who, t)) return Ok{};
    if (t.excludes(who.id))
        return make_error(ErrorCode::forbidden,
                          "separation of duties: " + who.id + " may not act on this task");
    if (t.personal)
        return make_error(ErrorCode::forbidden,
                          "the task is " + std::string(t.assignee) + "'s own");
    if (t.assignee.empty() && !t.unit.empty() && holds(who, t.role))
        return make_error(ErrorCode::forbidden,
                          "the task is for role " + std::string(t.role) + " in unit " +
                              std::string(t.unit) + ", which " + who.id + " is not in");
    return make_error(ErrorCode::forbidden,
                      t.assignee.empty() ? "the task is for role " + std::string(t.role) +
                                               ", which " + who.id + " does not hold"
                                         : "the task is assigned to " + std::string(t.assignee) +
                                               " (role " + std::string(t.role) + ")");
}

Error claimed_by_another(const TaskFacts& t, ErrorCode code) {
    return make_error(
        code,
        "task " + std::string(t.id) + " is claimed by " + std::string(t.claimed_by) +
            (t.claim_until != 0 ? " until " + format_date_time(t.claim_until) : " with no expiry"));
}

}  // namespace

bool may_see(const Actor& who, const TaskFacts& t) {
    if (who.system || who.has_role(kAdmin) || who.has_role(kAuditor)) return true;
    if (t.assignee == who.id || t.claimed_by == who.id || t.closed_by == who.id) return true;
    if (who.represents(t.assignee) || who.represents(t.claimed_by)) return true;
    if (escalated_to_them(who, t) || leads(who, t.role)) return true;
    return !t.personal && holds_in_unit(who, t);
}

Result<void> may(const Actor& who, TaskAction action, const TaskFacts& t) {
    if (!t.open)
        return make_error(ErrorCode::task_closed, "task " + std::string(t.id) + " is closed");
    switch (action) {
        case TaskAction::claim:
            // Claims aside first: someone who may not act on the task learns that, not who
            // holds it.
            if (auto r = is_for(who, t); !r) return r;
            if (claimed_by_other(who, t)) return claimed_by_another(t, ErrorCode::conflict);
            return Ok{};
        case TaskAction::complete:
            if (auto r = is_for(who, t); !r) return r;
            if (!who.system && claimed_by_other(who, t))
                return claimed_by_another(t, ErrorCode::forbidden);
            return Ok{};
        case TaskAction::release:
            if (t.claimed_by.empty())
                return make_error(ErrorCode::conflict,
                                  "task " + std::string(t.id) + " is not claimed");
            if (is_or_stands_in_for(who, t.claimed_by) || oversees(who, t)) return Ok{};
            return make_error(ErrorCode::forbidden,
                              "task " + std::string(t.id) + " is claimed by " +
                                  std::string(t.claimed_by) + "; only they, or a holder of role " +
                                  std::string(kAdmin) + " or " + lead_of(t.role) +
                                  ", may release it");
        case TaskAction::reassign:
            if (oversees(who, t)) return Ok{};
            return make_error(ErrorCode::forbidden, "only a holder of role " + std::string(kAdmin) +
                                                        " or " + lead_of(t.role) +
                                                        " may reassign task " + std::string(t.id) +
                                                        "; " + who.id + " holds neither");
    }
    return make_error(ErrorCode::forbidden, "unknown action");
}

TaskActions allowed(const Actor& who, const TaskFacts& t) {
    TaskActions out;
    if (!t.open) return out;
    // The same rules as may(), without building the refusals' messages.
    const bool theirs = for_them(who, t);
    const bool free = !claimed_by_other(who, t);
    if (theirs && free) out.add(TaskAction::claim);
    if (theirs && (free || who.system)) out.add(TaskAction::complete);
    const bool overseer = oversees(who, t);
    if (!t.claimed_by.empty() && (is_or_stands_in_for(who, t.claimed_by) || overseer))
        out.add(TaskAction::release);
    if (overseer) out.add(TaskAction::reassign);
    return out;
}

bool waits_for(const Actor& who, const TaskFacts& t) {
    return t.open && allowed(who, t).has(TaskAction::complete);
}

std::string_view acting_for(const Actor& who, TaskAction action, const TaskFacts& t) {
    if (who.system) return {};
    // Acting under a claim they made for someone: the work is done for them.
    if (t.claim_holds && t.claimed_by == who.id && !t.claimed_for.empty()) return t.claimed_for;
    if (who.deputy_for.empty()) return {};
    Actor alone = who;
    alone.deputy_for.clear();
    if (may(alone, action, t)) return {};
    if (who.represents(t.claimed_by) && t.claim_holds) return t.claimed_by;
    if (who.represents(t.assignee)) return t.assignee;
    return {};
}

Result<void> may_list_role(const Actor& who, std::string_view role) {
    if (who.system || who.has_role(kAdmin) || who.has_role(kAuditor) || holds(who, role) ||
        leads(who, role))
        return Ok{};
    return make_error(ErrorCode::forbidden, who.id + " holds neither role " + std::string(role) +
                                                " nor " + lead_of(role));
}

bool may_see_workflow(const Actor& who, const Definition& def) {
    return who.system || who.has_role(kAdmin) || who.has_role(kAuditor) ||
           holds_any(who, def.roles);
}

bool may_see(const Actor& who, const Instance& inst, const Definition& def) {
    if (may_see_workflow(who, def)) return true;
    return std::any_of(inst.tasks.begin(), inst.tasks.end(), [&](const Task& t) {
        return t.assignee == who.id || t.claimed_by == who.id || t.closed_by == who.id ||
               who.represents(t.assignee) || who.represents(t.claimed_by);
    });
}

Result<void> may_start(const Actor& who, const Definition& def) {
    if (who.system || who.has_role(kAdmin) || holds_any(who, def.roles)) return Ok{};
    return make_error(ErrorCode::forbidden, who.id + " holds none of " + def.name + "'s roles");
}

Result<void> may_cancel(const Actor& who, const Definition& def) {
    if (who.system || who.has_role(kAdmin)) return Ok{};
    for (const auto& role : def.roles)
        if (role.ends_with("_lead") && who.has_role(role)) return Ok{};
    return make_error(ErrorCode::forbidden,
                      "only an admin or a lead of " + def.name + "'s roles may cancel an instance");
}

Result<void> may_send(const Actor& who, const Definition& def, EventId event) {
    if (who.system) return Ok{};
    const std::string& name = def.event_names[event];
    if (def.internal_events[event])
        return make_error(ErrorCode::event_not_allowed,
                          "event " + name +
                              " is raised by the workflow itself (a task outcome, timer, child "
                              "workflow or emit) and can't be sent from outside; complete the "
                              "task, or declare the event under \"events\"",
                          "/event");
    if (const auto& decl = def.event_decls[event];
        decl && !holds_any(who, decl->roles) && !decl->roles.empty())
        return make_error(
            ErrorCode::forbidden,
            "event " + name + " may be sent only by roles " +
                json(decl->roles).dump(-1, ' ', false, json::error_handler_t::replace));
    return Ok{};
}

}  // namespace policy
}  // namespace accord::engine
