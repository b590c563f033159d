#include "accord/http/views.hpp"

#include <algorithm>
#include <set>

#include "accord/engine/time.hpp"

namespace accord::http {

using engine::Definition;
using engine::format_date_time;
using engine::Instance;
using engine::json;
using engine::Task;
using engine::TimeMs;

json task_view(const Task& t, TimeMs now) {
    json j = {{"id", t.id},
              {"instance", t.instance_id},
              {"workflow", t.workflow},
              {"state", t.state},
              {"role", t.role},
              {"title", t.title},
              {"status", engine::to_string(t.status)},
              {"created_at", format_date_time(t.created_at)}};
    if (!t.description.empty()) j["description"] = t.description;
    if (!t.escalated_to.empty()) j["escalated_to"] = t.escalated_to;
    if (!t.assignee.empty()) j["assignee"] = t.assignee;
    if (t.personal) j["personal"] = true;
    if (t.due_at != 0) {
        j["due_at"] = format_date_time(t.due_at);
        j["overdue"] = t.is_open() && t.due_at <= now;
    }
    if (t.is_open() && t.claim_holds(now)) {
        j["claimed_by"] = t.claimed_by;
        if (t.claim_until != 0) j["claim_until"] = format_date_time(t.claim_until);
    }
    if (!t.is_open()) {
        j["closed_at"] = format_date_time(t.closed_at);
        if (!t.outcome.empty()) j["outcome"] = t.outcome;
        if (!t.closed_by.empty()) j["closed_by"] = t.closed_by;
        if (!t.fields.is_null() && !t.fields.empty()) j["fields"] = t.fields;
        if (!t.comment.empty()) j["comment"] = t.comment;
    }
    return j;
}

json instance_view(const Instance& inst, const Definition& def, TimeMs now) {
    const auto& state = def.state(inst.state);
    json j = {{"id", inst.id},
              {"workflow", inst.workflow},
              {"version", inst.version},
              {"state", state.name},
              {"status", engine::to_string(inst.status)},
              {"data", inst.data.get()},
              {"revision", inst.revision},
              {"created_at", format_date_time(inst.created_at)},
              {"updated_at", format_date_time(inst.updated_at)},
              {"entered_at", format_date_time(inst.entered_at)}};
    if (!inst.outcome.empty()) j["outcome"] = inst.outcome;
    if (!inst.business_key.empty()) j["key"] = inst.business_key;
    if (inst.parent) j["parent"] = inst.parent->instance_id;
    json tasks = json::array();
    for (const auto& t : inst.tasks)
        if (t.is_open()) tasks.push_back(task_view(t, now));
    j["tasks"] = std::move(tasks);
    json timers = json::array();
    if (inst.running())
        for (const auto* t : inst.pending_timers()) {
            json v = {{"id", t->id},
                      {"kind", engine::to_string(t->kind)},
                      {"due_at", format_date_time(t->due_at)}};
            if (!t->task_id.empty()) v["task"] = t->task_id;
            if (t->kind == engine::Timer::Kind::state && t->index < state.timers.size()) {
                const auto& spec = state.timers[t->index];
                if (spec.event < def.event_names.size()) v["event"] = def.event_names[spec.event];
                if (!spec.name.empty()) v["name"] = spec.name;
            }
            timers.push_back(std::move(v));
        }
    j["timers"] = std::move(timers);
    return j;
}

json task_form(const Definition& def, const std::string& state_name) {
    auto id = def.find_state(state_name);
    if (!id || !def.state(*id).task) return nullptr;
    json form = {{"outcomes", def.state(*id).task->outcomes}};
    const auto states = def.source.find("states");
    if (states != def.source.end() && states->is_object()) {
        auto s = states->find(state_name);
        if (s != states->end() && s->contains("task")) {
            const auto& task = (*s)["task"];
            if (auto f = task.find("fields"); f != task.end()) form["fields"] = *f;
        }
    }
    return form;
}

std::vector<std::string> workflow_roles(const Definition& def) {
    std::set<std::string> roles;
    for (const auto& s : def.states) {
        if (!s.task) continue;
        roles.insert(s.task->role);
        roles.insert(s.task->role + "_lead");
        if (s.task->escalate) roles.insert(s.task->escalate->role);
    }
    for (const auto& decl : def.event_decls)
        if (decl)
            for (const auto& r : decl->roles) roles.insert(r);
    return {roles.begin(), roles.end()};
}

namespace {

bool holds_any(const Principal& who, const std::vector<std::string>& roles) {
    return std::any_of(roles.begin(), roles.end(),
                       [&](const std::string& r) { return who.has_role(r); });
}

}  // namespace

bool may_see(const Principal& who, const Instance& inst, const Definition& def) {
    if (who.admin() || who.auditor()) return true;
    for (const auto& t : inst.tasks)
        if (t.assignee == who.name || t.claimed_by == who.name || t.closed_by == who.name)
            return true;
    return holds_any(who, workflow_roles(def));
}

bool may_start(const Principal& who, const Definition& def) {
    return who.admin() || holds_any(who, workflow_roles(def));
}

bool may_cancel(const Principal& who, const Definition& def) {
    if (who.admin()) return true;
    for (const auto& r : workflow_roles(def))
        if (r.ends_with("_lead") && who.has_role(r)) return true;
    return false;
}

bool matches(const Instance& inst, const Definition& def, const std::string& state,
             const std::string& status, const std::string& role,
             const std::vector<std::pair<json::json_pointer, json>>& data, TimeMs) {
    if (!state.empty() && def.state(inst.state).name != state) return false;
    if (!status.empty() && status != engine::to_string(inst.status)) return false;
    if (!role.empty() && std::none_of(inst.tasks.begin(), inst.tasks.end(), [&](const Task& t) {
            return t.is_open() && (t.role == role || t.escalated_to == role);
        }))
        return false;
    const json& d = inst.data.get();
    for (const auto& [pointer, expected] : data) {
        if (!d.contains(pointer)) return false;
        const json& actual = d.at(pointer);
        if (actual != expected && !(actual.is_string() && expected.is_number() &&
                                    actual.get<std::string>() == expected.dump()))
            return false;
    }
    return true;
}

}  // namespace accord::http
