// Instance helpers and the storage form of instances, tasks, effects and history.
#include "accord/engine/instance.hpp"

#include "accord/engine/interpreter.hpp"
#include "accord/engine/json_text.hpp"

namespace accord::engine {

const char* to_string(InstanceStatus s) {
    switch (s) {
        case InstanceStatus::running:
            return "running";
        case InstanceStatus::finished:
            return "finished";
        case InstanceStatus::cancelled:
            return "cancelled";
    }
    return "running";
}

const char* to_string(TaskStatus s) {
    switch (s) {
        case TaskStatus::open:
            return "open";
        case TaskStatus::completed:
            return "completed";
        case TaskStatus::cancelled:
            return "cancelled";
    }
    return "open";
}

const char* to_string(Timer::Kind k) {
    switch (k) {
        case Timer::Kind::state:
            return "state";
        case Timer::Kind::task_due:
            return "task_due";
        case Timer::Kind::task_reminder:
            return "task_reminder";
        case Timer::Kind::task_escalation:
            return "task_escalation";
    }
    return "state";
}

const Task* Instance::find_task(std::string_view task_id) const {
    for (const auto& t : tasks)
        if (t.id == task_id) return &t;
    return nullptr;
}

TimeMs Instance::next_timer_due() const {
    TimeMs earliest = 0;
    for (const auto& t : timers)
        if (!t.fired && (earliest == 0 || t.due_at < earliest)) earliest = t.due_at;
    return earliest;
}

std::vector<const Timer*> Instance::pending_timers() const {
    std::vector<const Timer*> out;
    for (const auto& t : timers)
        if (!t.fired) out.push_back(&t);
    return out;
}

namespace {

// A stored text: a string or a language object (anything else reads as its JSON).
Text text_of(const json& j) {
    if (auto t = Text::from_json(j)) return *t;
    return Text(j.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace

namespace {

template <typename Enum, std::size_t N>
std::optional<Enum> enum_from(const json& j, const Enum (&values)[N]) {
    if (!j.is_string()) return std::nullopt;
    for (Enum v : values)
        if (j.get_ref<const std::string&>() == to_string(v)) return v;
    return std::nullopt;
}

const InstanceStatus kStatuses[] = {InstanceStatus::running, InstanceStatus::finished,
                                    InstanceStatus::cancelled};
const TaskStatus kTaskStatuses[] = {TaskStatus::open, TaskStatus::completed, TaskStatus::cancelled};
const Timer::Kind kTimerKinds[] = {Timer::Kind::state, Timer::Kind::task_due,
                                   Timer::Kind::task_reminder, Timer::Kind::task_escalation};

json timer_to_json(const Timer& t) {
    json j = {{"id", t.id}, {"kind", to_string(t.kind)}, {"index", t.index}, {"due_at", t.due_at}};
    if (!t.task_id.empty()) j["task"] = t.task_id;
    if (t.fired) j["fired"] = true;
    return j;
}

}  // namespace

json to_json(const Task& t) {
    json j = {{"id", t.id},
              {"instance", t.instance_id},
              {"workflow", t.workflow},
              {"state", t.state},
              {"role", t.role},
              {"title", t.title.to_json()},
              {"created_at", t.created_at},
              {"status", to_string(t.status)}};
    if (!t.unit.empty()) j["unit"] = t.unit;
    if (!t.escalated_to.empty()) j["escalated_to"] = t.escalated_to;
    if (!t.escalated_units.empty()) j["escalated_units"] = t.escalated_units;
    if (!t.deputy.empty()) j["deputy"] = t.deputy;
    if (!t.assignee.empty()) j["assignee"] = t.assignee;
    if (t.personal) j["personal"] = true;
    if (!t.excluded.empty()) j["excluded"] = t.excluded;
    if (!t.description.empty()) j["description"] = t.description.to_json();
    if (t.due_at != 0) j["due_at"] = t.due_at;
    if (!t.claimed_by.empty()) j["claimed_by"] = t.claimed_by;
    if (!t.claimed_for.empty()) j["claimed_for"] = t.claimed_for;
    if (t.claim_until != 0) j["claim_until"] = t.claim_until;
    if (t.status != TaskStatus::open) {
        j["closed_at"] = t.closed_at;
        if (!t.outcome.empty()) j["outcome"] = t.outcome;
        if (!t.closed_by.empty()) j["closed_by"] = t.closed_by;
        if (!t.closed_for.empty()) j["closed_for"] = t.closed_for;
        if (!t.fields.is_null()) j["fields"] = t.fields;
        if (!t.comment.empty()) j["comment"] = t.comment;
    }
    return j;
}

namespace {

// Inside its instance's document a task or timer id "<instance>.t5" is stored as ".t5", and a
// task leaves out the instance and workflow it belongs to.
std::string_view relative(std::string_view id, const std::string* owner) {
    if (owner != nullptr && id.size() > owner->size() && id.starts_with(*owner) &&
        id[owner->size()] == '.')
        return id.substr(owner->size());
    return id;
}

std::string absolute(std::string id, const std::string* owner) {
    if (owner == nullptr || id.empty() || id[0] != '.') return id;
    std::string out;
    out.reserve(owner->size() + id.size());
    out.append(*owner).append(id);
    return out;
}

void write_task(JsonWriter& w, const Task& t, const std::string* owner) {
    w.object().str("id", relative(t.id, owner));
    if (owner == nullptr) w.str("instance", t.instance_id).str("workflow", t.workflow);
    w.str("state", t.state).str("role", t.role);
    write_text(w, "title", t.title);
    w.num("created_at", t.created_at).str("status", to_string(t.status));
    if (!t.unit.empty()) w.str("unit", t.unit);
    w.strings_if_any("escalated_to", t.escalated_to);
    w.strings_if_any("escalated_units", t.escalated_units);
    if (!t.deputy.empty()) w.str("deputy", t.deputy);
    if (!t.assignee.empty()) w.str("assignee", t.assignee);
    if (t.personal) w.flag("personal", true);
    w.strings_if_any("excluded", t.excluded);
    if (!t.description.empty()) write_text(w, "description", t.description);
    if (t.due_at != 0) w.num("due_at", t.due_at);
    if (!t.claimed_by.empty()) w.str("claimed_by", t.claimed_by);
    if (!t.claimed_for.empty()) w.str("claimed_for", t.claimed_for);
    if (t.claim_until != 0) w.num("claim_until", t.claim_until);
    if (t.status != TaskStatus::open) {
        w.num("closed_at", t.closed_at);
        if (!t.outcome.empty()) w.str("outcome", t.outcome);
        if (!t.closed_by.empty()) w.str("closed_by", t.closed_by);
        if (!t.closed_for.empty()) w.str("closed_for", t.closed_for);
        if (!t.fields.is_null()) w.json("fields", t.fields);
        if (!t.comment.empty()) w.str("comment", t.comment);
    }
    w.end_object();
}

void write_timer(JsonWriter& w, const Timer& t, const std::string* owner) {
    w.object().str("id", relative(t.id, owner)).str("kind", to_string(t.kind));
    w.num("index", t.index).num("due_at", t.due_at);
    if (!t.task_id.empty()) w.str("task", relative(t.task_id, owner));
    if (t.fired) w.flag("fired", true);
    w.end_object();
}

Result<Task> task_from(const json& j, const Instance* owner) {
    try {
        const std::string* id = owner ? &owner->id : nullptr;
        Task t;
        t.id = absolute(j.at("id").get<std::string>(), id);
        t.instance_id = owner ? owner->id : j.at("instance").get<std::string>();
        t.workflow = owner ? owner->workflow : j.at("workflow").get<std::string>();
        if (owner) {  // a document of the full form names them too
            t.instance_id = j.value("instance", t.instance_id);
            t.workflow = j.value("workflow", t.workflow);
        }
        t.state = j.at("state").get<std::string>();
        t.role = j.at("role").get<std::string>();
        t.title = text_of(j.at("title"));
        t.created_at = j.at("created_at").get<TimeMs>();
        auto status = enum_from(j.at("status"), kTaskStatuses);
        if (!status) return make_error(ErrorCode::invalid_input, "unknown task status", "/status");
        t.status = *status;
        t.unit = j.value("unit", "");
        // A list of roles; one role as a string in records made before escalation ladders.
        if (auto e = j.find("escalated_to"); e != j.end()) {
            if (e->is_string() && !e->get_ref<const std::string&>().empty())
                t.escalated_to.push_back(e->get<std::string>());
            else if (e->is_array())
                for (const auto& role : *e)
                    if (role.is_string()) t.escalated_to.push_back(role.get<std::string>());
        }
        if (auto u = j.find("escalated_units"); u != j.end() && u->is_array())
            for (const auto& unit : *u)
                t.escalated_units.push_back(unit.is_string() ? unit.get<std::string>() : "");
        if (t.escalated_units.size() != t.escalated_to.size()) t.escalated_units.clear();
        t.deputy = j.value("deputy", "");
        t.assignee = j.value("assignee", "");
        t.personal = j.value("personal", false);
        t.excluded = j.value("excluded", std::vector<std::string>{});
        if (auto d = j.find("description"); d != j.end()) t.description = text_of(*d);
        t.due_at = j.value("due_at", TimeMs{0});
        t.claimed_by = j.value("claimed_by", "");
        t.claimed_for = j.value("claimed_for", "");
        t.claim_until = j.value("claim_until", TimeMs{0});
        t.closed_at = j.value("closed_at", TimeMs{0});
        t.outcome = j.value("outcome", "");
        t.closed_by = j.value("closed_by", "");
        t.closed_for = j.value("closed_for", "");
        if (j.contains("fields")) t.fields = j["fields"];
        t.comment = j.value("comment", "");
        return t;
    } catch (const json::exception& e) {
        return make_error(ErrorCode::invalid_input,
                          std::string("malformed stored task: ") + e.what());
    }
}

}  // namespace

Result<Task> task_from_json(const json& j) {
    return task_from(j, nullptr);
}

Result<Task> task_from_json(const json& j, std::string_view instance_id,
                            std::string_view workflow) {
    Instance owner;
    owner.id = instance_id;
    owner.workflow = workflow;
    return task_from(j, &owner);
}

void write_json(JsonWriter& w, const Task& t) {
    write_task(w, t, nullptr);
}

void write_json(JsonWriter& w, const Task& t, const std::string& owner) {
    write_task(w, t, &owner);
}

std::string_view relative_id(std::string_view id, const std::string& owner) {
    return relative(id, &owner);
}

std::string absolute_id(std::string id, const std::string& owner) {
    return absolute(std::move(id), &owner);
}

std::string instance_text(const Instance& inst, const Definition& def) {
    std::string out;
    out.reserve(1024);
    JsonWriter w(out);
    const std::string* owner = &inst.id;
    w.object().str("id", inst.id).str("workflow", inst.workflow).num("version", inst.version);
    w.str("state", def.state(inst.state).name).str("status", to_string(inst.status));
    w.json("data", inst.data.get());
    w.num("created_at", inst.created_at).num("updated_at", inst.updated_at);
    w.num("entered_at", inst.entered_at).num("revision", inst.revision);
    w.num("next_seq", inst.next_seq);
    if (!inst.outcome.empty()) w.str("outcome", inst.outcome);
    if (!inst.business_key.empty()) w.str("key", inst.business_key);
    if (inst.depth != 0) w.num("depth", inst.depth);
    if (inst.parent) {
        w.key("parent").object().str("instance", inst.parent->instance_id);
        w.str("child", inst.parent->child_id).end_object();
    }
    if (!inst.tasks.empty()) {
        w.key("tasks").array();
        for (const auto& t : inst.tasks) write_task(w, t, owner);
        w.end_array();
    }
    if (!inst.timers.empty()) {
        w.key("timers").array();
        for (const auto& t : inst.timers) write_timer(w, t, owner);
        w.end_array();
    }
    if (!inst.children.empty()) {
        w.key("children").array();
        for (const auto& c : inst.children) {
            w.object().str("id", c.id).str("workflow", c.workflow).num("index", c.index);
            w.flag("running", c.running);
            if (!c.running) w.str("outcome", c.outcome).json("data", c.data);
            w.end_object();
        }
        w.end_array();
    }
    if (!inst.earlier_children.empty()) {
        w.key("earlier_children").array();
        for (const auto& c : inst.earlier_children)
            w.object()
                .str("id", c.id)
                .str("workflow", c.workflow)
                .str("outcome", c.outcome)
                .end_object();
        w.end_array();
    }
    w.end_object();
    return out;
}

Result<Task> stored_task(const json& doc, std::string_view task_id) {
    if (!doc.is_object()) return make_error(ErrorCode::invalid_input, "malformed stored instance");
    Instance owner;
    owner.id = doc.value("id", "");
    owner.workflow = doc.value("workflow", "");
    if (auto tasks = doc.find("tasks"); tasks != doc.end() && tasks->is_array())
        for (const auto& t : *tasks) {
            if (!t.is_object()) continue;
            const auto id = t.find("id");
            if (id == t.end() || !id->is_string()) continue;
            if (absolute(id->get<std::string>(), &owner.id) == task_id) return task_from(t, &owner);
        }
    return make_error(ErrorCode::task_not_found, "no task " + std::string(task_id));
}

json to_json(const Instance& inst, const Definition& def) {
    json j = {{"id", inst.id},
              {"workflow", inst.workflow},
              {"version", inst.version},
              {"state", def.state(inst.state).name},
              {"status", to_string(inst.status)},
              {"data", inst.data.get()},
              {"created_at", inst.created_at},
              {"updated_at", inst.updated_at},
              {"entered_at", inst.entered_at},
              {"revision", inst.revision},
              {"next_seq", inst.next_seq}};
    if (!inst.outcome.empty()) j["outcome"] = inst.outcome;
    if (!inst.business_key.empty()) j["key"] = inst.business_key;
    if (inst.depth != 0) j["depth"] = inst.depth;
    if (inst.parent)
        j["parent"] = {{"instance", inst.parent->instance_id}, {"child", inst.parent->child_id}};
    if (!inst.tasks.empty()) {
        j["tasks"] = json::array();
        for (const auto& t : inst.tasks) j["tasks"].push_back(to_json(t));
    }
    if (!inst.timers.empty()) {
        j["timers"] = json::array();
        for (const auto& t : inst.timers) j["timers"].push_back(timer_to_json(t));
    }
    if (!inst.children.empty()) {
        j["children"] = json::array();
        for (const auto& c : inst.children) {
            json cj = {
                {"id", c.id}, {"workflow", c.workflow}, {"index", c.index}, {"running", c.running}};
            if (!c.running) {
                cj["outcome"] = c.outcome;
                cj["data"] = c.data;
            }
            j["children"].push_back(std::move(cj));
        }
    }
    if (!inst.earlier_children.empty()) {
        j["earlier_children"] = json::array();
        for (const auto& c : inst.earlier_children)
            j["earlier_children"].push_back(
                {{"id", c.id}, {"workflow", c.workflow}, {"outcome", c.outcome}});
    }
    return j;
}

Result<Instance> instance_from_json(const json& j, const Definition& def) {
    try {
        Instance inst;
        inst.id = j.at("id").get<std::string>();
        inst.workflow = j.at("workflow").get<std::string>();
        inst.version = j.at("version").get<int>();
        if (inst.workflow != def.name || inst.version != def.version)
            return make_error(ErrorCode::invalid_input, "instance " + inst.id + " belongs to " +
                                                            inst.workflow + " v" +
                                                            std::to_string(inst.version));
        auto state = def.find_state(j.at("state").get<std::string>());
        if (!state)
            return make_error(ErrorCode::invalid_input, "unknown state in stored instance",
                              "/state");
        inst.state = *state;
        auto status = enum_from(j.at("status"), kStatuses);
        if (!status)
            return make_error(ErrorCode::invalid_input, "unknown instance status", "/status");
        inst.status = *status;
        inst.outcome = j.value("outcome", "");
        inst.data = Data(j.at("data"));
        inst.business_key = j.value("key", "");
        inst.depth = j.value("depth", std::uint16_t{0});
        if (auto p = j.find("parent"); p != j.end())
            inst.parent =
                ParentLink{p->at("instance").get<std::string>(), p->at("child").get<std::string>()};
        inst.created_at = j.at("created_at").get<TimeMs>();
        inst.updated_at = j.at("updated_at").get<TimeMs>();
        inst.entered_at = j.at("entered_at").get<TimeMs>();
        inst.revision = j.at("revision").get<std::uint64_t>();
        inst.next_seq = j.at("next_seq").get<std::uint32_t>();
        for (const auto& t : j.value("tasks", json::array())) {
            auto task = task_from(t, &inst);
            if (!task) return task.error();
            inst.tasks.push_back(std::move(task).value());
        }
        for (const auto& t : j.value("timers", json::array())) {
            auto kind = enum_from(t.at("kind"), kTimerKinds);
            if (!kind) return make_error(ErrorCode::invalid_input, "unknown timer kind", "/timers");
            inst.timers.push_back(Timer{absolute(t.at("id").get<std::string>(), &inst.id), *kind,
                                        t.at("index").get<std::uint16_t>(),
                                        absolute(t.value("task", ""), &inst.id),
                                        t.at("due_at").get<TimeMs>(), t.value("fired", false)});
        }
        for (const auto& c : j.value("children", json::array())) {
            inst.children.push_back(Child{c.at("id").get<std::string>(),
                                          c.at("workflow").get<std::string>(),
                                          c.at("index").get<int>(), c.at("running").get<bool>(),
                                          c.value("outcome", ""), c.value("data", json())});
        }
        for (const auto& c : j.value("earlier_children", json::array()))
            inst.earlier_children.push_back(Child{c.at("id").get<std::string>(),
                                                  c.at("workflow").get<std::string>(), 0, false,
                                                  c.value("outcome", ""), json()});
        return inst;
    } catch (const json::exception& e) {
        return make_error(ErrorCode::invalid_input,
                          std::string("malformed stored instance: ") + e.what());
    }
}

json to_json(const HistoryEntry& h) {
    json j = {{"at", h.at},
              {"input", h.input},
              {"actor", h.actor},
              {"from", h.from_state},
              {"to", h.to_state}};
    if (!h.events.empty()) j["events"] = h.events;
    if (!h.detail.is_null()) j["detail"] = h.detail;
    if (!h.note.empty()) j["note"] = h.note;
    return j;
}

json to_json(const Effect& effect) {
    return std::visit(
        [](const auto& e) -> json {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, TaskOpened>)
                return {{"type", "task.opened"}, {"task", to_json(e.task)}};
            else if constexpr (std::is_same_v<T, TaskClosed>)
            {
                json j = {{"type", e.status == TaskStatus::completed ? "task.completed"
                                                                     : "task.cancelled"},
                          {"task", e.task_id},
                          {"outcome", e.outcome},
                          {"by", e.by}};
                if (!e.for_person.empty()) j["for"] = e.for_person;
                return j;
            }
            else if constexpr (std::is_same_v<T, TaskEscalated>)
                return {{"type", "task.escalated"}, {"task", e.task_id}, {"role", e.role}};
            else if constexpr (std::is_same_v<T, TaskOverdue>)
                return {{"type", "task.overdue"}, {"task", e.task_id}};
            else if constexpr (std::is_same_v<T, TaskReminded>)
                return {{"type", "reminder"}, {"task", e.task_id}};
            else if constexpr (std::is_same_v<T, TaskClaimed>) {
                json j = {{"type", "task.claimed"}, {"task", e.task_id}, {"by", e.by}};
                if (e.until != 0) j["until"] = e.until;
                if (!e.for_person.empty()) j["for"] = e.for_person;
                return j;
            } else if constexpr (std::is_same_v<T, TaskReleased>)
                return {{"type", "task.released"}, {"task", e.task_id}, {"by", e.by}};
            else if constexpr (std::is_same_v<T, TaskRescheduled>)
                return {{"type", "task.rescheduled"}, {"task", e.task_id}, {"due_at", e.due_at}};
            else if constexpr (std::is_same_v<T, TaskReassigned>)
                return {{"type", "task.reassigned"},
                        {"task", e.task_id},
                        {"from", e.from},
                        {"to", e.to},
                        {"by", e.by}};
            else if constexpr (std::is_same_v<T, TimerSet>)
                return {{"type", "timer.set"}, {"timer", timer_to_json(e.timer)}};
            else if constexpr (std::is_same_v<T, TimerCleared>)
                return {{"type", "timer.cleared"}, {"timer", e.timer_id}};
            else if constexpr (std::is_same_v<T, Notification>) {
                json j = {{"type", "notify"},
                          {"roles", e.roles},
                          {"people", e.people},
                          {"subject", e.subject.to_json()}};
                if (e.kind != "notify") j["kind"] = e.kind;
                if (!e.units.empty()) j["units"] = e.units;
                if (!e.message.empty()) j["message"] = e.message.to_json();
                if (!e.task_id.empty()) j["task"] = e.task_id;
                return j;
            } else if constexpr (std::is_same_v<T, ChildStarted>)
                return {{"type", "child.started"},
                        {"child", e.child_id},
                        {"workflow", e.workflow},
                        {"version", e.version},
                        {"data", e.data}};
            else if constexpr (std::is_same_v<T, ChildCancelled>)
                return {{"type", "child.cancelled"}, {"child", e.child_id}};
            else if constexpr (std::is_same_v<T, WorkflowStarted>)
                return {{"type", "workflow.started"},
                        {"workflow", e.workflow},
                        {"data", e.data},
                        {"key", e.business_key}};
            else {
                static_assert(std::is_same_v<T, InstanceFinished>, "an effect without a type");
                return {{"type", "instance.finished"},
                        {"status", to_string(e.status)},
                        {"outcome", e.outcome}};
            }
        },
        effect);
}

void write_members(JsonWriter& w, const HistoryEntry& h) {
    w.num("at", h.at).str("input", h.input).str("actor", h.actor);
    w.str("from", h.from_state).str("to", h.to_state);
    if (!h.events.empty()) {
        w.key("events").array();
        for (const auto& e : h.events) w.string(e);
        w.end_array();
    }
    if (!h.detail.is_null()) w.json("detail", h.detail);
    if (!h.note.empty()) w.str("note", h.note);
}

const char* effect_type(const Effect& effect) {
    return std::visit(
        [](const auto& e) -> const char* {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, TaskOpened>)
                return "task.opened";
            else if constexpr (std::is_same_v<T, TaskClosed>)
                return e.status == TaskStatus::completed ? "task.completed" : "task.cancelled";
            else if constexpr (std::is_same_v<T, TaskEscalated>)
                return "task.escalated";
            else if constexpr (std::is_same_v<T, TaskOverdue>)
                return "task.overdue";
            else if constexpr (std::is_same_v<T, TaskReminded>)
                return "reminder";
            else if constexpr (std::is_same_v<T, TaskClaimed>)
                return "task.claimed";
            else if constexpr (std::is_same_v<T, TaskReleased>)
                return "task.released";
            else if constexpr (std::is_same_v<T, TaskReassigned>)
                return "task.reassigned";
            else if constexpr (std::is_same_v<T, TaskRescheduled>)
                return "task.rescheduled";
            else if constexpr (std::is_same_v<T, TimerSet>)
                return "timer.set";
            else if constexpr (std::is_same_v<T, TimerCleared>)
                return "timer.cleared";
            else if constexpr (std::is_same_v<T, Notification>)
                return "notify";
            else if constexpr (std::is_same_v<T, ChildStarted>)
                return "child.started";
            else if constexpr (std::is_same_v<T, ChildCancelled>)
                return "child.cancelled";
            else if constexpr (std::is_same_v<T, WorkflowStarted>)
                return "workflow.started";
            else
                return "instance.finished";
        },
        effect);
}

std::string_view effect_task(const Effect& effect) {
    return std::visit(
        [](const auto& e) -> std::string_view {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, TaskOpened>)
                return e.task.id;
            else if constexpr (std::is_same_v<T, TaskClosed> || std::is_same_v<T, TaskEscalated> ||
                               std::is_same_v<T, TaskOverdue> || std::is_same_v<T, TaskReminded> ||
                               std::is_same_v<T, TaskClaimed> || std::is_same_v<T, TaskReleased> ||
                               std::is_same_v<T, TaskReassigned> ||
                               std::is_same_v<T, TaskRescheduled> ||
                               std::is_same_v<T, Notification>)
                return e.task_id;
            else
                return {};
        },
        effect);
}

void write_members(JsonWriter& w, const Effect& effect, const std::string* owner) {
    std::visit(
        [&w, owner](const auto& e) {
            using T = std::decay_t<decltype(e)>;
            auto strings = [&w](JsonKey k, const std::vector<std::string>& v) {
                w.key(k).array();
                for (const auto& s : v) w.string(s);
                w.end_array();
            };
            if constexpr (std::is_same_v<T, TaskClosed>) {
                w.str("outcome", e.outcome).str("by", e.by);
                if (!e.for_person.empty()) w.str("for", e.for_person);
            } else if constexpr (std::is_same_v<T, TaskEscalated>) {
                w.str("role", e.role);
            } else if constexpr (std::is_same_v<T, TaskClaimed>) {
                w.str("by", e.by);
                if (e.until != 0) w.num("until", e.until);
                if (!e.for_person.empty()) w.str("for", e.for_person);
            } else if constexpr (std::is_same_v<T, TaskReleased>) {
                w.str("by", e.by);
            } else if constexpr (std::is_same_v<T, TaskReassigned>) {
                w.str("from", e.from).str("to", e.to).str("by", e.by);
            } else if constexpr (std::is_same_v<T, TaskRescheduled>) {
                w.num("due_at", e.due_at);
            } else if constexpr (std::is_same_v<T, TimerSet>) {
                w.key("timer");
                write_timer(w, e.timer, owner);
            } else if constexpr (std::is_same_v<T, TimerCleared>) {
                w.str("timer", relative(e.timer_id, owner));
            } else if constexpr (std::is_same_v<T, Notification>) {
                if (e.kind != "notify") w.str("kind", e.kind);
                strings("roles", e.roles);
                strings("people", e.people);
                if (!e.units.empty()) strings("units", e.units);
                write_text(w, "subject", e.subject);
                if (!e.message.empty()) write_text(w, "message", e.message);
            } else if constexpr (std::is_same_v<T, ChildStarted>) {
                w.str("child", e.child_id).str("workflow", e.workflow).num("version", e.version);
                w.json("data", e.data);
            } else if constexpr (std::is_same_v<T, ChildCancelled>) {
                w.str("child", e.child_id);
            } else if constexpr (std::is_same_v<T, WorkflowStarted>) {
                w.str("workflow", e.workflow).json("data", e.data).str("key", e.business_key);
            } else if constexpr (std::is_same_v<T, InstanceFinished>) {
                w.str("status", to_string(e.status)).str("outcome", e.outcome);
            }
        },
        effect);
}

}  // namespace accord::engine
