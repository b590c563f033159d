#include "accord/http/views.hpp"

#include <algorithm>
#include <set>

#include "accord/engine/time.hpp"

namespace accord::http {

using engine::Definition;
using engine::format_date_time;
using engine::Instance;
using engine::json;
using engine::JsonWriter;
using engine::Task;
using engine::TimeMs;

void write_can(JsonWriter& w, engine::policy::TaskActions actions) {
    w.key("can").array();
    for (auto a : engine::policy::kTaskActions)
        if (actions.has(a)) w.string(engine::policy::to_string(a));
    w.end_array();
}

void write_task_members(JsonWriter& w, const Task& t, TimeMs now, const Principal& reader) {
    w.str("id", t.id)
        .str("instance", t.instance_id)
        .str("workflow", t.workflow)
        .str("state", t.state)
        .str("role", t.role)
        .str("title", t.title.in(reader.language))
        .str("status", engine::to_string(t.status))
        .str("created_at", format_date_time(t.created_at));
    if (!t.description.empty()) w.str("description", t.description.in(reader.language));
    if (!t.unit.empty()) w.str("unit", t.unit);
    w.strings_if_any("escalated_to", t.escalated_to);
    w.strings_if_any("escalated_units", t.escalated_units);
    if (!t.deputy.empty()) w.str("deputy", t.deputy);
    if (!t.assignee.empty()) w.str("assignee", t.assignee);
    if (t.personal) w.flag("personal", true);
    if (t.due_at != 0)
        w.str("due_at", format_date_time(t.due_at)).flag("overdue", t.is_open() && t.due_at <= now);
    if (t.is_open() && t.claim_holds(now)) {
        w.str("claimed_by", t.claimed_by);
        if (!t.claimed_for.empty()) w.str("claimed_for", t.claimed_for);
        if (t.claim_until != 0) w.str("claim_until", format_date_time(t.claim_until));
    }
    if (!t.is_open()) {
        w.str("closed_at", format_date_time(t.closed_at));
        if (!t.outcome.empty()) w.str("outcome", t.outcome);
        if (!t.closed_by.empty()) w.str("closed_by", t.closed_by);
        if (!t.closed_for.empty()) w.str("closed_for", t.closed_for);
        if (!t.fields.is_null() && !t.fields.empty()) w.json("fields", t.fields);
        if (!t.comment.empty()) w.str("comment", t.comment);
    }
    write_can(w, engine::policy::allowed(reader, engine::policy::TaskFacts::of(t, now)));
}

void write_task(JsonWriter& w, const Task& t, TimeMs now, const Principal& reader) {
    w.object();
    write_task_members(w, t, now, reader);
    w.end_object();
}

void write_instance_members(JsonWriter& w, const Instance& inst, const Definition& def, TimeMs now,
                            const Principal& reader) {
    const auto& state = def.state(inst.state);
    w.str("id", inst.id)
        .str("workflow", inst.workflow)
        .num("version", inst.version)
        .str("state", state.name)
        .str("status", engine::to_string(inst.status))
        .json("data", inst.data.get())
        .num("revision", inst.revision)
        .str("created_at", format_date_time(inst.created_at))
        .str("updated_at", format_date_time(inst.updated_at))
        .str("entered_at", format_date_time(inst.entered_at));
    if (!inst.outcome.empty()) w.str("outcome", inst.outcome);
    if (!inst.business_key.empty()) w.str("key", inst.business_key);
    if (inst.parent) w.str("parent", inst.parent->instance_id);
    // Children started by this instance, earlier states' first, each as it was last known here.
    w.key("children").array();
    for (const auto* list : {&inst.earlier_children, &inst.children})
        for (const auto& c : *list) {
            w.object().str("id", c.id).str("workflow", c.workflow);
            w.str("status", c.running                  ? "running"
                            : c.outcome == "cancelled" ? "cancelled"
                                                       : "finished");
            if (!c.running) w.str("outcome", c.outcome);
            w.end_object();
        }
    w.end_array();
    w.key("tasks").array();
    for (const auto& t : inst.tasks)
        if (t.is_open()) write_task(w, t, now, reader);
    w.end_array();
    w.key("timers").array();
    if (inst.running())
        for (const auto* t : inst.pending_timers()) {
            w.object()
                .str("id", t->id)
                .str("kind", engine::to_string(t->kind))
                .str("due_at", format_date_time(t->due_at));
            if (!t->task_id.empty()) w.str("task", t->task_id);
            if (t->kind == engine::Timer::Kind::state && t->index < state.timers.size()) {
                const auto& spec = state.timers[t->index];
                if (spec.event < def.event_names.size())
                    w.str("event", def.event_names[spec.event]);
                if (!spec.name.empty()) w.str("name", spec.name);
            }
            w.end_object();
        }
    w.end_array();
    w.key("can").array();
    if (inst.running() && engine::policy::may_cancel(reader, def)) w.string("cancel");
    w.end_array();
}

void write_instance(JsonWriter& w, const Instance& inst, const Definition& def, TimeMs now,
                    const Principal& reader) {
    w.object();
    write_instance_members(w, inst, def, now, reader);
    w.end_object();
}

namespace {

// "send_back" → "Send back".
std::string in_words(const std::string& name) {
    std::string out = name;
    for (auto& c : out)
        if (c == '_') c = ' ';
    if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
    return out;
}

}  // namespace

nlohmann::ordered_json task_form(const Definition& def, const std::string& state_name,
                                 std::string_view language) {
    auto id = def.find_state(state_name);
    if (!id || !def.state(*id).task) return nullptr;
    const engine::TaskSpec& spec = *def.state(*id).task;
    nlohmann::ordered_json form = {{"outcomes", spec.outcomes}};
    nlohmann::ordered_json labels = nlohmann::ordered_json::object();
    for (const auto& outcome : spec.outcomes) labels[outcome] = in_words(outcome);
    for (const auto& [outcome, label] : spec.labels)
        if (!label.empty()) labels[outcome] = label.in(language);
    form["labels"] = std::move(labels);
    // The fields in the order the definition gives them.
    const auto states = def.ordered_source.find("states");
    if (states != def.ordered_source.end() && states->is_object()) {
        auto s = states->find(state_name);
        if (s != states->end() && s->contains("task")) {
            const auto& task = (*s)["task"];
            if (auto f = task.find("fields"); f != task.end())
                form["fields"] = engine::localized(*f, language);
        }
    }
    return form;
}

bool matches(const Instance& inst, const Definition& def, const std::string& state,
             const std::string& status, const std::string& role,
             const std::vector<std::pair<json::json_pointer, json>>& data, TimeMs) {
    if (!state.empty() && def.state(inst.state).name != state) return false;
    if (!status.empty() && status != engine::to_string(inst.status)) return false;
    if (!role.empty() && std::none_of(inst.tasks.begin(), inst.tasks.end(), [&](const Task& t) {
            return t.is_open() &&
                   (t.role == role || std::find(t.escalated_to.begin(), t.escalated_to.end(),
                                                role) != t.escalated_to.end());
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
