// The simulator: a script driven over a SimulationBackend on a virtual clock; the in-memory
// backend is a LocalRuntime over a MemoryStore.
#include "accord/engine/simulator.hpp"

#include <algorithm>
#include <map>

#include "accord/engine/local_runtime.hpp"
#include "accord/engine/memory_store.hpp"
#include "pointer.hpp"

namespace accord::engine {

namespace {

// True when every key of `expected` is in `actual` with a matching value (numbers by value).
bool subset_match(const json& expected, const json& actual) {
    if (expected.is_object()) {
        if (!actual.is_object()) return false;
        for (auto it = expected.begin(); it != expected.end(); ++it) {
            auto a = actual.find(it.key());
            if (a == actual.end() || !subset_match(it.value(), *a)) return false;
        }
        return true;
    }
    if (expected.is_number() && actual.is_number())
        return expected.get<double>() == actual.get<double>();
    return expected == actual;
}

class MemoryBackend final : public SimulationBackend {
public:
    explicit MemoryBackend(const std::vector<DefinitionPtr>& catalog) : runtime_(store_) {
        for (const auto& def : catalog) (void)store_.put_definition(def);
        runtime_.set_observer([this](const Step& step) {
            for (const Effect& effect : step.effects)
                if (std::holds_alternative<Notification>(effect)) ++notified_;
            if (observer_) observer_(step);
        });
    }

    void set_observer(Observer observer) override { observer_ = std::move(observer); }
    TimeMs now() const override { return now_; }
    Result<void> advance_to(TimeMs until) override {
        runtime_.fire_due_timers(until, true);
        now_ = until;
        return Ok{};
    }
    Result<Instance> start(const std::string& workflow, json data, const Actor& actor,
                           const std::string& business_key) override {
        return runtime_.start(workflow, std::move(data), actor, now_, business_key);
    }
    Result<Instance> send(const std::string& instance_id, Input input) override {
        return runtime_.send(instance_id, std::move(input), now_);
    }
    std::vector<Instance> instances() override { return store_.instances(); }
    DefinitionPtr definition(const std::string& name, int version) override {
        return store_.find_definition(name, version);
    }
    std::size_t notifications() const override { return notified_; }

private:
    MemoryStore store_;
    LocalRuntime runtime_;
    Observer observer_;
    TimeMs now_ = 0;
    std::size_t notified_ = 0;
};

class Simulation {
public:
    Simulation(SimulationBackend& backend, std::string workflow, const json& script)
        : workflow_(std::move(workflow)), script_(script), backend_(backend) {
        backend_.set_observer([this](const Step& step) { observe(step); });
    }

    SimulationResult run();

private:
    void observe(const Step& step);
    void line(const std::string& text) { result_.trace.push_back(text); }
    void fail(const std::string& where, const std::string& message) {
        result_.failures.push_back(where + ": " + message);
        line("  ✗ " + where + ": " + message);
    }
    Actor actor(const json& step, const std::string& where);
    Result<void> run_step(const json& step, const std::string& where);
    void check(const json& expect, const std::string& where);
    std::vector<Instance> tree();
    std::optional<Task> find_task(const std::string& state, const Actor& who);
    TimeMs now() const { return backend_.now(); }

    std::string workflow_;
    const json& script_;
    SimulationBackend& backend_;
    SimulationResult result_;
    std::string root_;
};

std::string stamp(TimeMs t) {
    return format_date_time(t);
}

void Simulation::observe(const Step& step) {
    const Instance& inst = step.instance;
    const HistoryEntry& h = step.history;
    std::string head = stamp(h.at) + "  " + inst.id + "  " + std::string(h.input);
    if (!h.events.empty()) {
        head += " [";
        for (std::size_t i = 0; i < h.events.size(); ++i) head += (i ? ", " : "") + h.events[i];
        head += "]";
    }
    if (h.from_state != h.to_state || h.input == "start")
        head +=
            "  " + (h.from_state.empty() ? std::string("·") : h.from_state) + " → " + h.to_state;
    if (!h.note.empty()) head += "  (" + h.note + ")";
    line(head);
    for (const Effect& effect : step.effects) {
        std::visit(
            [&](const auto& e) {
                using T = std::decay_t<decltype(e)>;
                if constexpr (std::is_same_v<T, TaskOpened>) {
                    std::string s =
                        "    + task " + e.task.id + " \"" + e.task.title.text() + "\" role " + e.task.role;
                    if (!e.task.assignee.empty()) s += " for " + e.task.assignee;
                    if (e.task.due_at) s += ", due " + stamp(e.task.due_at);
                    line(s);
                } else if constexpr (std::is_same_v<T, TaskClosed>) {
                    line("    - task " + e.task_id + " " + to_string(e.status) +
                         (e.outcome.empty() ? "" : " (" + e.outcome + ")") + " by " + e.by);
                } else if constexpr (std::is_same_v<T, TaskEscalated>) {
                    line("    ! task " + e.task_id + " escalated to role " + e.role);
                } else if constexpr (std::is_same_v<T, TaskOverdue>) {
                    line("    ! task " + e.task_id + " overdue");
                } else if constexpr (std::is_same_v<T, TaskReminded>) {
                    line("    ! task " + e.task_id + " reminder");
                } else if constexpr (std::is_same_v<T, TaskRescheduled>) {
                    line("    ~ task " + e.task_id + " due " + stamp(e.due_at));
                } else if constexpr (std::is_same_v<T, TimerSet>) {
                    line("    + timer " + e.timer.id + " (" + to_string(e.timer.kind) + ") at " +
                         stamp(e.timer.due_at));
                } else if constexpr (std::is_same_v<T, TimerCleared>) {
                    line("    - timer " + e.timer_id + " cleared");
                } else if constexpr (std::is_same_v<T, Notification>) {
                    std::string to;
                    for (const auto& r : e.roles) to += (to.empty() ? "" : ", ") + ("role " + r);
                    for (const auto& p : e.people) to += (to.empty() ? "" : ", ") + p;
                    line("    ✉ to " + to + ": " + e.subject.text());
                } else if constexpr (std::is_same_v<T, ChildStarted>) {
                    line("    > child " + e.child_id + " (" + e.workflow + ")");
                } else if constexpr (std::is_same_v<T, ChildCancelled>) {
                    line("    > child " + e.child_id + " cancelled");
                } else if constexpr (std::is_same_v<T, WorkflowStarted>) {
                    line("    > start " + e.workflow);
                } else if constexpr (std::is_same_v<T, InstanceFinished>) {
                    line("    ■ " + std::string(to_string(e.status)) + ": " + e.outcome);
                }
            },
            effect);
    }
}

Actor Simulation::actor(const json& step, const std::string& where) {
    if (!step.contains("as")) return Actor::system_actor();
    const std::string who = step["as"].is_string() ? step["as"].get<std::string>() : "";
    const json& people = script_.value("people", json::object());
    if (!people.contains(who)) {
        fail(where, "unknown person \"" + who + "\" (add them to \"people\")");
        return Actor{who, {}, false};
    }
    return Actor{who, people[who].get<std::vector<std::string>>(), false};
}

std::vector<Instance> Simulation::tree() {
    std::vector<Instance> all = backend_.instances();
    std::vector<Instance> out;
    std::vector<std::string> ids{root_};
    // Children are created after their parents, so one pass in creation order finds them all.
    std::sort(all.begin(), all.end(), [](const Instance& a, const Instance& b) {
        return std::tie(a.created_at, a.revision) < std::tie(b.created_at, b.revision);
    });
    bool grew = true;
    while (grew) {
        grew = false;
        for (const auto& inst : all) {
            const bool in_tree = std::find(ids.begin(), ids.end(), inst.id) != ids.end();
            const bool child_of_tree =
                inst.parent &&
                std::find(ids.begin(), ids.end(), inst.parent->instance_id) != ids.end();
            if (!in_tree && child_of_tree) {
                ids.push_back(inst.id);
                grew = true;
            }
        }
    }
    for (const auto& id : ids) {
        auto inst = std::find_if(all.begin(), all.end(),
                                 [&](const Instance& candidate) { return candidate.id == id; });
        if (inst != all.end()) out.push_back(std::move(*inst));
    }
    return out;
}

std::optional<Task> Simulation::find_task(const std::string& state, const Actor& who) {
    std::optional<Task> assigned, unassigned, any;
    for (const auto& inst : tree()) {
        for (const auto& t : inst.tasks) {
            if (!t.is_open() || t.state != state) continue;
            if (t.assignee == who.id && !assigned) assigned = t;
            if (t.assignee.empty() && !unassigned) unassigned = t;
            if (!any) any = t;
        }
    }
    return assigned ? assigned : unassigned ? unassigned : any;
}

Result<void> Simulation::run_step(const json& step, const std::string& where) {
    auto as_result = [](const Result<Instance>& r) -> Result<void> {
        if (r) return Ok{};
        return r.error();
    };
    auto target = [&](const json& s) -> std::string {
        if (!s.contains("workflow")) return root_;
        for (const auto& inst : tree())
            if (inst.workflow == s["workflow"] && inst.running()) return inst.id;
        return root_;
    };
    if (step.contains("complete")) {
        const Actor who = actor(step, where);
        auto task = find_task(step["complete"].get<std::string>(), who);
        if (!task)
            return make_error(
                ErrorCode::task_not_found,
                "no open task in state " +
                    step["complete"].dump(-1, ' ', false, json::error_handler_t::replace));
        line(stamp(now()) + "  " + who.id + " completes " + task->id + " with " +
             step.value("outcome", ""));
        CompleteTaskInput in{task->id, step.value("outcome", ""),
                             step.value("fields", json::object()), step.value("comment", "")};
        return as_result(backend_.send(task->instance_id, Input{std::move(in), who}));
    }
    if (step.contains("event")) {
        const Actor who = actor(step, where);
        EventInput in{step["event"].get<std::string>(), step.value("data", json::object())};
        return as_result(backend_.send(target(step), Input{std::move(in), who}));
    }
    if (step.contains("cancel")) {
        const Actor who = actor(step, where);
        return as_result(backend_.send(target(step),
                                       Input{CancelInput{step["cancel"].get<std::string>()}, who}));
    }
    if (step.contains("advance") || step.contains("advance_to")) {
        TimeMs until = now();
        if (step.contains("advance")) {
            auto d = step["advance"].is_string()
                         ? parse_duration(step["advance"].get<std::string>())
                         : std::nullopt;
            if (!d || d->negative)
                return make_error(ErrorCode::invalid_input,
                                  "advance needs a positive ISO 8601 duration");
            until = add_duration(now(), *d);
        } else {
            auto t = step["advance_to"].is_string()
                         ? parse_time(step["advance_to"].get<std::string>())
                         : std::nullopt;
            if (!t)
                return make_error(ErrorCode::invalid_input, "advance_to needs a date or date-time");
            if (t->ms < now()) return make_error(ErrorCode::invalid_input, "time never goes back");
            until = t->ms;
        }
        line(stamp(now()) + "  advance to " + stamp(until));
        return backend_.advance_to(until);
    }
    if (step.contains("expect")) {
        check(step["expect"], where);
        return Ok{};
    }
    return make_error(ErrorCode::invalid_input,
                      "a step needs one of complete, event, cancel, advance, advance_to, expect");
}

void Simulation::check(const json& expect, const std::string& where) {
    std::vector<Instance> instances = tree();
    const Instance* subject = instances.empty() ? nullptr : &instances.front();
    if (expect.contains("workflow")) {
        subject = nullptr;
        for (const auto& inst : instances)
            if (inst.workflow == expect["workflow"] &&
                (!subject || inst.running() || !subject->running()))
                subject = &inst;
    }
    if (!subject) {
        fail(where, "no instance of workflow " + expect.value("workflow", workflow_));
        return;
    }
    DefinitionPtr def = backend_.definition(subject->workflow, subject->version);
    const std::string state = def->state(subject->state).name;
    if (expect.contains("state") && expect["state"] != state)
        fail(where, subject->id + " is in state \"" + state + "\", expected " +
                        expect["state"].dump(-1, ' ', false, json::error_handler_t::replace));
    if (expect.contains("status") && expect["status"] != to_string(subject->status))
        fail(where, subject->id + " is " + to_string(subject->status) + ", expected " +
                        expect["status"].dump(-1, ' ', false, json::error_handler_t::replace));
    if (expect.contains("outcome") && expect["outcome"] != subject->outcome)
        fail(where, subject->id + " has outcome \"" + subject->outcome + "\", expected " +
                        expect["outcome"].dump(-1, ' ', false, json::error_handler_t::replace));
    if (expect.contains("data") && !subset_match(expect["data"], subject->data.get()))
        fail(where, subject->id + " data " +
                        subject->data.get().dump(-1, ' ', false, json::error_handler_t::replace) +
                        " does not contain " +
                        expect["data"].dump(-1, ' ', false, json::error_handler_t::replace));
    if (expect.contains("open_tasks")) {
        std::vector<std::string> open;
        for (const auto& inst : instances)
            for (const auto& t : inst.tasks)
                if (t.is_open()) open.push_back(t.state);
        std::sort(open.begin(), open.end());
        auto wanted = expect["open_tasks"].get<std::vector<std::string>>();
        std::sort(wanted.begin(), wanted.end());
        if (open != wanted)
            fail(where, "open tasks are " +
                            json(open).dump(-1, ' ', false, json::error_handler_t::replace) +
                            ", expected " +
                            json(wanted).dump(-1, ' ', false, json::error_handler_t::replace));
    }
    const std::size_t notified = backend_.notifications();
    if (expect.contains("notified") && expect["notified"] != notified)
        fail(where, std::to_string(notified) + " notifications so far, expected " +
                        expect["notified"].dump(-1, ' ', false, json::error_handler_t::replace));
    if (expect.contains("timers")) {
        json due = json::array();
        for (const auto* t : subject->pending_timers()) due.push_back(stamp(t->due_at));
        std::sort(due.begin(), due.end());
        if (expect["timers"].is_number() ? expect["timers"] != due.size() : expect["timers"] != due)
            fail(where, subject->id + " has timers " +
                            due.dump(-1, ' ', false, json::error_handler_t::replace) +
                            ", expected " +
                            expect["timers"].dump(-1, ' ', false, json::error_handler_t::replace));
    }
}

SimulationResult Simulation::run() {
    auto clock = parse_time(script_.value("clock", "2026-01-01T09:00:00Z"));
    if (!clock) {
        fail("/clock", "not a date or date-time");
        return std::move(result_);
    }
    if (auto set = backend_.advance_to(clock->ms); !set) {
        fail("/clock", set.error().to_string());
        return std::move(result_);
    }
    const json start = script_.value("start", json::object());
    const Actor starter = actor(start, "/start");
    auto root = backend_.start(workflow_, start.value("data", json::object()), starter,
                               start.value("key", ""));
    if (!root) {
        fail("/start", "the instance did not start: " + root.error().to_string());
        return std::move(result_);
    }
    root_ = root->id;
    const json steps = script_.value("steps", json::array());
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const std::string where = pointer_join("/steps", i);
        const json& s = steps[i];
        if (!s.is_object()) {
            fail(where, "a step must be an object");
            continue;
        }
        auto r = run_step(s, where);
        if (s.contains("expect_error")) {
            if (r)
                fail(where,
                     "expected the error " +
                         s["expect_error"].dump(-1, ' ', false, json::error_handler_t::replace) +
                         " but the step succeeded");
            else if (s["expect_error"] != error_code_name(r.error().code))
                fail(where,
                     "expected the error " +
                         s["expect_error"].dump(-1, ' ', false, json::error_handler_t::replace) +
                         ", got " + r.error().to_string());
            else
                line(stamp(now()) + "  refused as expected: " + r.error().to_string());
        } else if (!r) {
            fail(where, r.error().to_string());
        }
    }
    return std::move(result_);
}

}  // namespace

SimulationResult simulate(SimulationBackend& backend, const std::string& workflow,
                          const json& script) {
    return Simulation(backend, workflow, script).run();
}

SimulationResult simulate(const std::vector<DefinitionPtr>& catalog, const std::string& workflow,
                          const json& script) {
    MemoryBackend backend(catalog);
    return simulate(backend, workflow, script);
}

}  // namespace accord::engine
