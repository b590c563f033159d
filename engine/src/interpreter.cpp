// The interpreter. A Machine works on its own copy of the instance; any error discards the
// copy, so a refused input changes nothing. Run to completion: one input, then the events it
// emits, each handled fully before the next.
#include "accord/engine/interpreter.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <utility>

#include "accord/engine/notices.hpp"
#include "pointer.hpp"

namespace accord::engine {

namespace {

constexpr int kMaxTransitionsPerInput = 32;

// Collects ids from an expression result: a string, or a list of strings.
std::vector<std::string> people_from(const json& v) {
    std::vector<std::string> out;
    auto add = [&](const json& x) {
        if (x.is_string() && !x.get_ref<const std::string&>().empty())
            out.push_back(x.get<std::string>());
        else if (x.is_number())
            out.push_back(x.dump(-1, ' ', false, json::error_handler_t::replace));
    };
    if (v.is_array())
        for (const auto& x : v) add(x);
    else
        add(v);
    return out;
}

void data_erase(json& root, const DataPath& path) {
    json* cur = &root;
    for (std::size_t i = 0; i + 1 < path.size(); ++i) {
        if (!cur->is_object()) return;
        auto it = cur->find(path[i]);
        if (it == cur->end()) return;
        cur = &*it;
    }
    if (cur->is_object()) cur->erase(path.back());
}

// The first time after `now` on the schedule due, due + period, due + 2 periods, ...; none when
// time runs out. Periods missed while nothing ran are skipped, not fired one by one.
std::optional<TimeMs> next_period(TimeMs due, const Duration& period, TimeMs now) {
    if (!period.years && !period.months) {
        const TimeMs step = add_duration(0, period);
        if (step <= 0) return std::nullopt;
        const TimeMs missed = now >= due ? (now - due) / step + 1 : 1;
        if (missed > (std::numeric_limits<TimeMs>::max() - due) / step) return std::nullopt;
        return due + missed * step;
    }
    TimeMs next = add_duration(due, period);
    for (int guard = 0; next <= now && guard < 100'000; ++guard) {
        const TimeMs after = add_duration(next, period);
        if (after <= next) return std::nullopt;  // saturated at the end of time
        next = after;
    }
    if (next <= now) return std::nullopt;
    return next;
}

class Machine {
public:
    Machine(const Definition& def, const Instance& instance, const Actor& actor, TimeMs now)
        : def_(def), out_{instance, {}, {}}, actor_(actor), now_(now) {
        init();
    }
    // Takes the instance over. With `undoable`, the machine records what it changes so that
    // take_back() can return the instance as it was: the consuming form of step() works in
    // place instead of on a copy.
    Machine(const Definition& def, Instance&& instance, const Actor& actor, TimeMs now,
            bool undoable)
        : def_(def), out_{std::move(instance), {}, {}}, actor_(actor), now_(now) {
        init();
        if (undoable) {
            undo_.emplace(Undo{inst_.state,
                               inst_.status,
                               inst_.outcome,
                               inst_.entered_at,
                               inst_.updated_at,
                               inst_.revision,
                               inst_.next_seq,
                               inst_.tasks,
                               inst_.timers,
                               inst_.children,
                               inst_.earlier_children.size(),
                               {}});
        }
    }

    Result<Step> start();
    Result<Step> apply(const Input& in);
    Machine& with(const Directory* directory, const Calendar* calendar) {
        directory_ = directory;
        calendar_ = calendar;
        return *this;
    }

    // For a timer or a child result whose transition fails: record that it arrived, and why
    // nothing else happened, so that it is spent rather than retried for ever.
    void consume_only(std::string reason) { consume_reason_ = std::move(reason); }

private:
    void init() {
        if (def_.reads_actor_root) actor_json_ = {{"id", actor_.id}, {"roles", actor_.roles}};
        // $instance is built only for definitions that read it: it costs allocations.
        if (def_.reads_instance_root) {
            meta_ = json{{"id", inst_.id},
                         {"workflow", inst_.workflow},
                         {"version", inst_.version},
                         {"state", def_.state(inst_.state).name}};
        }
    }

    // The context a rule sees: data plus the $event and $instance roots.
    struct Scope {
        std::array<std::pair<std::string_view, const json*>, 5> roots;
        std::size_t count = 0;
        logic::Context ctx;
    };
    Scope scope(const json* event, const json* item = nullptr, const json* index = nullptr) {
        Scope s;
        if (def_.reads_instance_root) s.roots[s.count++] = {"$instance", &meta_};
        if (def_.reads_actor_root) s.roots[s.count++] = {"$actor", &actor_json_};
        if (event) s.roots[s.count++] = {"$event", event};
        if (item) s.roots[s.count++] = {"$item", item};
        if (index) s.roots[s.count++] = {"$index", index};
        s.ctx.now = now_;
        s.ctx.roots = {s.roots.data(), s.count};
        s.ctx.calendar = calendar_;
        return s;
    }

    // The office's calendar (or the default: UTC, Saturday and Sunday off).
    const Calendar& office() const {
        static const Calendar kDefault;
        return calendar_ != nullptr ? *calendar_ : kDefault;
    }
    // A delay's working days, evaluated; nullopt when it has none or they are no whole number.
    std::optional<std::int64_t> working_days(const Delay& d) {
        if (!d.working_days) return std::nullopt;
        auto sc = scope(nullptr);
        json scratch;
        const json& v = d.working_days->evaluate(data(), sc.ctx, scratch);
        if (!v.is_number()) return std::nullopt;
        const double n = v.get<double>();
        if (n != std::floor(n) || std::abs(n) > 3660) return std::nullopt;
        return static_cast<std::int64_t>(n);
    }
    // `from` moved by `d` (backwards when it is negative); nullopt when its working days are
    // no whole number.
    std::optional<TimeMs> shifted(TimeMs from, const Delay& d) {
        if (!d.working_days) return add_duration(from, d.duration);
        auto n = working_days(d);
        if (!n) return std::nullopt;
        return office().add_working_days(from, *n);
    }
    // Whether `d` counts backwards (a reminder before the deadline).
    bool backwards(const Delay& d) {
        if (!d.working_days) return d.duration.negative;
        auto n = working_days(d);
        return n && *n < 0;
    }
    const json& data() const { return inst_.data.get(); }

    // Every write to the data goes through these, which keep the undo record.
    json& write_key(const std::string& key) {
        remember(key);
        data_changed_ = true;
        return inst_.data.mutate()[key];
    }
    json& write_path(const DataPath& path) {
        json* slot = &write_key(path.front());
        for (std::size_t i = 1; i < path.size(); ++i) {
            if (!slot->is_object()) *slot = json::object();
            slot = &(*slot)[path[i]];
        }
        return *slot;
    }
    void erase_path(const DataPath& path) {
        remember(path.front());
        data_changed_ = true;
        data_erase(inst_.data.mutate(), path);
    }
    void remember(const std::string& key) {
        if (!undo_) return;
        for (const auto& [k, old] : undo_->data)
            if (k == key) return;
        const json& d = data();
        auto it = d.find(key);
        undo_->data.emplace_back(key, it == d.end() ? std::nullopt : std::optional<json>(*it));
    }

public:
    // The instance as it was before this machine ran. REQUIRES: constructed undoable, and the
    // step failed (a successful step moved the instance into its Step).
    Instance take_back() {
        Undo& u = *undo_;
        json& d = inst_.data.mutate();
        for (auto it = u.data.rbegin(); it != u.data.rend(); ++it) {
            if (it->second)
                d[it->first] = std::move(*it->second);
            else
                d.erase(it->first);
        }
        inst_.state = u.state;
        inst_.status = u.status;
        inst_.outcome = std::move(u.outcome);
        inst_.entered_at = u.entered_at;
        inst_.updated_at = u.updated_at;
        inst_.revision = u.revision;
        inst_.next_seq = u.next_seq;
        inst_.tasks = std::move(u.tasks);
        inst_.timers = std::move(u.timers);
        inst_.children = std::move(u.children);
        inst_.earlier_children.resize(u.earlier_children);
        return std::move(inst_);
    }

private:
    std::string next_id(char kind) {
        return inst_.id + "." + kind + std::to_string(inst_.next_seq++);
    }
    template <typename E>
    void emit_effect(E e) {
        effects_.emplace_back(std::move(e));
    }

    Result<void> fire(EventId event, const json& payload);
    Result<void> take(const Transition& t, const json& payload);
    Result<void> run_actions(const std::vector<Action>& actions, const json* payload);
    void leave_state();
    Result<void> enter(StateId target, const json* payload);
    Result<void> open_tasks(const TaskSpec& spec, const json* payload);
    Result<void> start_children(const InvokeSpec& spec, const json* payload);
    Result<std::optional<TimeMs>> task_due(const TaskSpec& spec, TimeMs opened,
                                           const json* payload);
    // When a reminder falls for a task opened at `opened` and due at `due` (0: no deadline).
    std::optional<TimeMs> reminder_due(const Delay& r, TimeMs opened, TimeMs due);
    void set_state_timers(const State& st);
    std::optional<TimeMs> at_timer_due(const TimerSpec& spec);
    void reschedule();
    void set_timer(Timer::Kind kind, std::size_t index, const std::string& task_id, TimeMs at);
    void move_timer(std::vector<Timer>::iterator timer, TimeMs at);
    void recompute_at_timers();
    void drop_task_timers(const std::string& task_id);
    Result<void> drain_emits();
    void finish(InstanceStatus status, std::string outcome);

    Result<Task*> open_task(const std::string& task_id);
    Result<void> complete_task(const CompleteTaskInput& in);
    Result<void> claim_task(const ClaimTaskInput& in);
    Result<void> release_task(const ReleaseTaskInput& in);
    Result<void> reassign_task(const ReassignTaskInput& in);
    Result<void> timer_fired(const TimerFiredInput& in);
    Result<void> child_finished(const ChildFinishedInput& in);
    Result<void> event(const EventInput& in);
    void cancel(const CancelInput& in);

    // The group outcome of a joined set of results, once decided.
    struct GroupOutcome {
        std::string outcome;
        json counts;
    };
    static std::optional<GroupOutcome> decide(const Join& join,
                                              const std::vector<std::string>& outcomes,
                                              const std::vector<std::string>& results, int total);

    Result<Step> finish_step() {
        if (data_changed_ && inst_.running()) recompute_at_timers();
        inst_.revision++;
        inst_.updated_at = now_;
        history_.at = now_;
        history_.actor = actor_.id;
        history_.to_state = def_.state(inst_.state).name;
        return std::move(out_);
    }

    const Definition& def_;
    Step out_;  // built in place: the working instance, its effects and history
    Instance& inst_ = out_.instance;
    std::vector<Effect>& effects_ = out_.effects;
    HistoryEntry& history_ = out_.history;
    const Actor& actor_;
    const Directory* directory_ = nullptr;
    const Calendar* calendar_ = nullptr;
    TimeMs now_;
    json meta_;                                      // $instance
    json actor_json_;                                // $actor
    std::vector<std::pair<EventId, json>> emitted_;  // a queue; emitted_head_ is its front
    std::size_t emitted_head_ = 0;
    int transitions_ = 0;
    bool data_changed_ = false;
    std::optional<std::string> consume_reason_;

    struct Undo {
        StateId state;
        InstanceStatus status;
        std::string outcome;
        TimeMs entered_at, updated_at;
        std::uint64_t revision;
        std::uint32_t next_seq;
        std::vector<Task> tasks;
        std::vector<Timer> timers;
        std::vector<Child> children;
        std::size_t earlier_children;  // leaving a state only appends to them
        std::vector<std::pair<std::string, std::optional<json>>> data;  // top-level keys written
    };
    std::optional<Undo> undo_;
};

Result<void> Machine::run_actions(const std::vector<Action>& actions, const json* payload) {
    for (const Action& action : actions) {
        if (const auto* set = std::get_if<SetAction>(&action)) {
            for (const auto& [path, expr] : set->assignments) {
                auto sc = scope(payload);
                json value = expr.evaluate(data(), sc.ctx);
                write_path(path) = std::move(value);
            }
        } else if (const auto* unset = std::get_if<UnsetAction>(&action)) {
            for (const auto& path : unset->paths) erase_path(path);
        } else if (const auto* notify = std::get_if<NotifyAction>(&action)) {
            auto sc = scope(payload);
            Notification n;
            n.roles = notify->roles;
            if (notify->people) n.people = people_from(notify->people->evaluate(data(), sc.ctx));
            if (notify->units) n.units = people_from(notify->units->evaluate(data(), sc.ctx));
            n.subject = notify->subject.render(data(), sc.ctx);
            n.message = notify->message.render(data(), sc.ctx);
            emit_effect(std::move(n));
        } else if (const auto* emit = std::get_if<EmitAction>(&action)) {
            json body = json::object();
            if (emit->data) {
                auto sc = scope(payload);
                body = emit->data->evaluate(data(), sc.ctx);
            }
            emitted_.emplace_back(emit->event, std::move(body));
        } else if (const auto* start = std::get_if<StartAction>(&action)) {
            auto sc = scope(payload);
            WorkflowStarted w{start->workflow,
                              start->data ? start->data->evaluate(data(), sc.ctx) : json::object(),
                              {}};
            if (start->key) w.business_key = display_text(start->key->evaluate(data(), sc.ctx));
            if (!w.data.is_object())
                return make_error(ErrorCode::runtime_error,
                                  "the data for workflow " + start->workflow + " is not an object");
            emit_effect(std::move(w));
        }
    }
    return Ok{};
}

void Machine::leave_state() {
    for (auto& task : inst_.tasks) {
        if (!task.is_open()) continue;
        task.status = TaskStatus::cancelled;
        task.closed_at = now_;
        emit_effect(TaskClosed{task.id, TaskStatus::cancelled, {}, actor_.id, {}, {}});
    }
    for (const auto& timer : inst_.timers)
        if (!timer.fired) emit_effect(TimerCleared{timer.id});
    for (auto& child : inst_.children) {
        if (child.running) emit_effect(ChildCancelled{child.id});
        inst_.earlier_children.push_back(Child{std::move(child.id),
                                               std::move(child.workflow),
                                               child.index,
                                               false,
                                               child.running ? "cancelled" : child.outcome,
                                               {}});
    }
    inst_.tasks.clear();
    inst_.timers.clear();
    inst_.children.clear();
}

void Machine::finish(InstanceStatus status, std::string outcome) {
    inst_.status = status;
    inst_.outcome = std::move(outcome);
    emitted_.clear();
    emitted_head_ = 0;
    emit_effect(InstanceFinished{status, inst_.outcome});
}

Result<void> Machine::take(const Transition& t, const json& payload) {
    if (++transitions_ > kMaxTransitionsPerInput)
        return make_error(ErrorCode::runtime_error,
                          "more than " + std::to_string(kMaxTransitionsPerInput) +
                              " transitions for one input: an emit or choice loop?",
                          def_.state(inst_.state).pointer);
    if (t.target == kNoState) return run_actions(t.actions, &payload);
    const State& from = def_.state(inst_.state);
    leave_state();
    if (auto r = run_actions(from.exit, &payload); !r) return r;
    if (auto r = run_actions(t.actions, &payload); !r) return r;
    return enter(t.target, &payload);
}

Result<void> Machine::enter(StateId target, const json* payload) {
    inst_.state = target;
    inst_.entered_at = now_;
    if (def_.reads_instance_root) meta_["state"] = def_.state(target).name;
    const State& st = def_.state(target);
    if (auto r = run_actions(st.entry, payload); !r) return r;
    switch (st.kind) {
        case State::Kind::final:
            finish(InstanceStatus::finished, st.outcome);
            return Ok{};
        case State::Kind::choice: {
            for (const auto& branch : st.choice) {
                auto sc = scope(payload);
                if (branch.guard && !branch.guard->test(data(), sc.ctx)) continue;
                static const json kNoPayload = json::object();
                return take(branch, payload ? *payload : kNoPayload);
            }
            // Unreachable for a validated definition: the last branch has no guard.
            return make_error(ErrorCode::runtime_error, "no branch of the choice held", st.pointer);
        }
        case State::Kind::wait:
            if (st.task) {
                if (auto r = open_tasks(*st.task, payload); !r) return r;
            }
            if (st.invoke) {
                if (auto r = start_children(*st.invoke, payload); !r) return r;
            }
            set_state_timers(st);
            return Ok{};
    }
    return Ok{};
}

Result<std::optional<TimeMs>> Machine::task_due(const TaskSpec& spec, TimeMs opened,
                                                const json* payload) {
    const State& st = def_.state(inst_.state);
    if (spec.due_after) {
        auto due = shifted(opened, *spec.due_after);
        if (!due)
            return make_error(ErrorCode::runtime_error,
                              "the task's working days are not a whole number",
                              pointer_join(pointer_join(st.pointer, "task"), "due"));
        return due;
    }
    if (!spec.due_at) return std::optional<TimeMs>();
    auto sc = scope(payload);
    json scratch;
    const json& v = spec.due_at->evaluate(data(), sc.ctx, scratch);
    auto t = v.is_string() ? parse_time(v.get_ref<const std::string&>()) : std::nullopt;
    if (!t)
        return make_error(ErrorCode::runtime_error,
                          "the task's due date is not a date: " +
                              v.dump(-1, ' ', false, json::error_handler_t::replace),
                          pointer_join(pointer_join(st.pointer, "task"), "due"));
    return std::optional<TimeMs>(office().resolve(*t));  // that day of the office, at work_starts
}

std::optional<TimeMs> Machine::reminder_due(const Delay& r, TimeMs opened, TimeMs due) {
    if (!backwards(r)) return shifted(opened, r);
    if (due == 0) return std::nullopt;  // before a deadline the task has not got
    return shifted(due, r);
}

Result<void> Machine::open_tasks(const TaskSpec& spec, const json* payload) {
    const State& st = def_.state(inst_.state);
    auto sc = scope(payload);
    std::vector<std::string> excluded;
    if (spec.separate_from) excluded = people_from(spec.separate_from->evaluate(data(), sc.ctx));
    std::vector<std::string> assignees;
    if (spec.assignees) {
        for (auto& person : people_from(spec.assignees->evaluate(data(), sc.ctx))) {
            if (std::find(excluded.begin(), excluded.end(), person) == excluded.end() &&
                std::find(assignees.begin(), assignees.end(), person) == assignees.end())
                assignees.push_back(std::move(person));
        }
        const int n = static_cast<int>(assignees.size());
        if (n == 0 || spec.join.needed(n) > n)
            return make_error(ErrorCode::runtime_error,
                              "the task in state " + st.name + " needs " +
                                  std::to_string(std::max(1, spec.join.needed(n))) +
                                  " assignee(s) but the list gives " + std::to_string(n),
                              pointer_join(pointer_join(st.pointer, "task"), "assignees"));
    } else {
        std::string one;
        if (spec.assignee) {
            auto people = people_from(spec.assignee->evaluate(data(), sc.ctx));
            if (!people.empty()) one = people.front();
        }
        assignees.push_back(one);
    }
    auto due = task_due(spec, now_, payload);
    if (!due) return due.error();
    // The unit named, where someone holds the role (or the nearest ancestor where someone
    // does: the directory knows).
    std::string unit;
    if (spec.unit) {
        json scratch;
        const json& v = spec.unit->evaluate(data(), sc.ctx, scratch);
        if (!v.is_null() && !(v.is_string() && is_name(v.get_ref<const std::string&>())))
            return make_error(ErrorCode::runtime_error,
                              "the task's unit is not a unit id: " +
                                  v.dump(-1, ' ', false, json::error_handler_t::replace),
                              pointer_join(pointer_join(st.pointer, "task"), "unit"));
        if (v.is_string())
            unit = directory_ != nullptr ? directory_->offer_unit(spec.role, v.get<std::string>())
                                         : v.get<std::string>();
    }
    const Text title = spec.title.render(data(), sc.ctx);
    const Text description = spec.description.render(data(), sc.ctx);
    for (auto& person : assignees) {
        Task task;
        task.id = next_id('t');
        task.instance_id = inst_.id;
        task.workflow = inst_.workflow;
        task.state = st.name;
        task.role = spec.role;
        task.unit = unit;
        task.assignee = std::move(person);
        // A personal task opened while its person is away names their deputy too.
        if (directory_ != nullptr && !task.assignee.empty())
            task.deputy = directory_->deputy_of(task.assignee, now_);
        task.personal = spec.multi();
        task.excluded = excluded;
        task.title = title;
        task.description = description;
        task.created_at = now_;
        task.due_at = due->value_or(0);
        emit_effect(TaskOpened{task});
        if (*due) set_timer(Timer::Kind::task_due, 0, task.id, **due);
        for (std::size_t i = 0; i < spec.reminders.size(); ++i) {
            const auto at = reminder_due(spec.reminders[i], now_, task.due_at);
            if (at && *at > now_) set_timer(Timer::Kind::task_reminder, i, task.id, *at);
        }
        for (std::size_t i = 0; i < spec.escalate.size(); ++i)
            if (const auto at = shifted(now_, spec.escalate[i].after))
                set_timer(Timer::Kind::task_escalation, i, task.id, *at);
        inst_.tasks.push_back(std::move(task));
    }
    return Ok{};
}

Result<void> Machine::start_children(const InvokeSpec& spec, const json* payload) {
    const State& st = def_.state(inst_.state);
    auto start_one = [&](const json* item, int index) -> Result<void> {
        const json index_value = index;
        auto sc = scope(payload, item, item ? &index_value : nullptr);
        json child_data = spec.data ? spec.data->evaluate(data(), sc.ctx) : data();
        if (!child_data.is_object())
            return make_error(ErrorCode::runtime_error,
                              "the data for child workflow " + spec.workflow + " is not an object",
                              pointer_join(pointer_join(st.pointer, "invoke"), "data"));
        Child child{next_id('c'), spec.workflow, index, true, {}, json()};
        emit_effect(ChildStarted{child.id, spec.workflow, spec.version, std::move(child_data)});
        inst_.children.push_back(std::move(child));
        return Ok{};
    };
    if (!spec.for_each) return start_one(nullptr, 0);
    auto sc = scope(payload);
    const json items = spec.for_each->evaluate(data(), sc.ctx);
    const int n = items.is_array() ? static_cast<int>(items.size()) : 0;
    if (n == 0 || spec.join.needed(n) > n)
        return make_error(ErrorCode::runtime_error,
                          "invoke in state " + st.name + " needs " +
                              std::to_string(std::max(1, spec.join.needed(n))) +
                              " element(s) in for_each but it gives " + std::to_string(n),
                          pointer_join(pointer_join(st.pointer, "invoke"), "for_each"));
    for (int i = 0; i < n; ++i)
        if (auto r = start_one(&items[static_cast<std::size_t>(i)], i); !r) return r;
    return Ok{};
}

std::optional<TimeMs> Machine::at_timer_due(const TimerSpec& spec) {
    auto sc = scope(nullptr);
    json scratch;
    const json& v = spec.at.evaluate(data(), sc.ctx, scratch);
    if (!v.is_string()) return std::nullopt;
    auto t = parse_time(v.get_ref<const std::string&>());
    if (!t) return std::nullopt;
    // A date is a day of the office: the timer fires when work starts (or at its "time").
    return shifted(office().resolve(*t, spec.time_of_day), spec.offset);
}

void Machine::set_state_timers(const State& st) {
    for (std::size_t i = 0; i < st.timers.size(); ++i) {
        const TimerSpec& spec = st.timers[i];
        TimeMs due = 0;
        if (spec.kind == TimerSpec::Kind::at) {
            auto at = at_timer_due(spec);
            if (!at || *at <= now_) continue;  // no date, or already past: not set
            due = *at;
        } else if (spec.kind == TimerSpec::Kind::after) {
            auto after = shifted(now_, spec.after);
            if (!after) continue;  // no whole number of working days: not set
            due = *after;
        } else {
            due = add_duration(now_, spec.period);
        }
        set_timer(Timer::Kind::state, i, {}, due);
    }
}

// An `at` timer follows its data: moved when the date changes, set again when it had fired and
// the new date is ahead, cleared when the expression no longer gives a future date.
void Machine::recompute_at_timers() {
    const State& st = def_.state(inst_.state);
    if (st.kind != State::Kind::wait) return;
    for (std::size_t i = 0; i < st.timers.size(); ++i) {
        const TimerSpec& spec = st.timers[i];
        if (spec.kind != TimerSpec::Kind::at) continue;
        auto existing = std::find_if(inst_.timers.begin(), inst_.timers.end(), [&](const Timer& t) {
            return t.kind == Timer::Kind::state && t.index == i;
        });
        std::optional<TimeMs> due = at_timer_due(spec);
        if (due && existing != inst_.timers.end() && existing->due_at == *due) continue;
        if (existing != inst_.timers.end()) {
            if (!existing->fired) emit_effect(TimerCleared{existing->id});
            inst_.timers.erase(existing);
        }
        if (due && *due > now_) {
            set_timer(Timer::Kind::state, i, {}, *due);
        }
    }
}

// A new pending timer: the instance's, and a TimerSet effect.
void Machine::set_timer(Timer::Kind kind, std::size_t index, const std::string& task_id,
                        TimeMs at) {
    Timer timer{next_id('w'), kind, static_cast<std::uint16_t>(index), task_id, at, false};
    emit_effect(TimerSet{timer});
    inst_.timers.push_back(std::move(timer));
}

// A pending timer set again at `at`, under a new id (as a moved `at` timer is).
void Machine::move_timer(std::vector<Timer>::iterator timer, TimeMs at) {
    emit_effect(TimerCleared{timer->id});
    timer->id = next_id('w');
    timer->due_at = at;
    emit_effect(TimerSet{*timer});
}

void Machine::reschedule() {
    const State& st = def_.state(inst_.state);
    if (st.kind != State::Kind::wait) return;
    json moved = json::array();
    auto pending = [this](Timer::Kind kind, std::size_t index, const std::string& task_id) {
        return std::find_if(inst_.timers.begin(), inst_.timers.end(), [&](const Timer& t) {
            return t.kind == kind && t.index == index && t.task_id == task_id && !t.fired;
        });
    };
    auto move = [&](std::vector<Timer>::iterator timer, std::optional<TimeMs> at) {
        if (timer == inst_.timers.end() || !at || *at == timer->due_at) return;
        json entry = {{"timer", to_string(timer->kind)},
                      {"from", format_date_time(timer->due_at)},
                      {"to", format_date_time(*at)}};
        if (!timer->task_id.empty()) entry["task"] = timer->task_id;
        move_timer(timer, *at);
        entry["id"] = timer->id;
        moved.push_back(std::move(entry));
    };
    if (st.task) {
        const TaskSpec& spec = *st.task;
        for (std::size_t k = 0; k < inst_.tasks.size(); ++k) {
            if (!inst_.tasks[k].is_open()) continue;
            const std::string task_id = inst_.tasks[k].id;
            const TimeMs opened = inst_.tasks[k].created_at;
            // A deadline no longer counted (its date gone from the data) stays as it was.
            auto counted = task_due(spec, opened, nullptr);
            const std::optional<TimeMs> due =
                counted && *counted ? *counted : std::optional<TimeMs>();
            if (due && *due != inst_.tasks[k].due_at) {
                inst_.tasks[k].due_at = *due;
                emit_effect(TaskRescheduled{task_id, *due});
                auto timer = pending(Timer::Kind::task_due, 0, task_id);
                if (timer != inst_.timers.end()) {
                    move(timer, due);
                } else if (*due > now_) {
                    // Overdue on the old calendar, not on the new one: due again.
                    set_timer(Timer::Kind::task_due, 0, task_id, *due);
                    moved.push_back(
                        {{"timer", "task_due"}, {"task", task_id}, {"to", format_date_time(*due)}});
                }
            }
            for (std::size_t i = 0; i < spec.reminders.size(); ++i)
                move(pending(Timer::Kind::task_reminder, i, task_id),
                     reminder_due(spec.reminders[i], opened, inst_.tasks[k].due_at));
            for (std::size_t i = 0; i < spec.escalate.size(); ++i)
                move(pending(Timer::Kind::task_escalation, i, task_id),
                     shifted(opened, spec.escalate[i].after));
        }
    }
    for (std::size_t i = 0; i < st.timers.size(); ++i)
        if (st.timers[i].kind == TimerSpec::Kind::after)
            move(pending(Timer::Kind::state, i, {}), shifted(inst_.entered_at, st.timers[i].after));
    const std::size_t before = effects_.size();
    recompute_at_timers();
    for (std::size_t e = before; e < effects_.size(); ++e)
        if (const auto* set = std::get_if<TimerSet>(&effects_[e]))
            moved.push_back({{"timer", "state"},
                             {"id", set->timer.id},
                             {"to", format_date_time(set->timer.due_at)}});
    if (!moved.empty()) history_.detail = {{"moved", std::move(moved)}};
    history_.note = "the office calendar changed";
}

void Machine::drop_task_timers(const std::string& task_id) {
    std::erase_if(inst_.timers, [&](const Timer& t) {
        if (t.task_id != task_id) return false;
        emit_effect(TimerCleared{t.id});
        return true;
    });
}

Result<void> Machine::fire(EventId event, const json& payload) {
    const auto* list = def_.transitions(inst_.state, event);
    if (list == nullptr)
        return make_error(ErrorCode::event_not_allowed, "state " + def_.state(inst_.state).name +
                                                            " does not handle event " +
                                                            def_.event_names[event]);
    history_.events.push_back(def_.event_names[event]);
    for (const Transition& t : *list) {
        if (t.guard) {
            auto sc = scope(&payload);
            if (!t.guard->test(data(), sc.ctx)) continue;
        }
        return take(t, payload);
    }
    return make_error(ErrorCode::no_transition, "no guard of event " + def_.event_names[event] +
                                                    " held in state " +
                                                    def_.state(inst_.state).name);
}

Result<void> Machine::drain_emits() {
    while (emitted_head_ < emitted_.size() && inst_.running()) {
        auto [event, payload] = std::move(emitted_[emitted_head_++]);
        if (def_.transitions(inst_.state, event) == nullptr) {
            history_.note += (history_.note.empty() ? "" : "; ") + std::string("emitted event ") +
                             def_.event_names[event] + " not handled in state " +
                             def_.state(inst_.state).name;
            continue;
        }
        auto r = fire(event, payload);
        if (!r && r.error().code == ErrorCode::no_transition) {
            history_.note += (history_.note.empty() ? "" : "; ") + r.error().message;
            continue;
        }
        if (!r) return r;
    }
    return Ok{};
}

std::optional<Machine::GroupOutcome> Machine::decide(const Join& join,
                                                     const std::vector<std::string>& outcomes,
                                                     const std::vector<std::string>& results,
                                                     int total) {
    std::vector<int> counts(outcomes.size(), 0);
    int done = 0;
    for (const auto& r : results) {
        if (r.empty()) continue;
        ++done;
        for (std::size_t i = 0; i < outcomes.size(); ++i)
            if (outcomes[i] == r) ++counts[i];
    }
    const int needed = join.needed(total);
    const int open = total - done;
    GroupOutcome g;
    g.counts = json::object();
    for (std::size_t i = 0; i < outcomes.size(); ++i) g.counts[outcomes[i]] = counts[i];
    if (counts[0] >= needed) {
        g.outcome = outcomes[0];
        return g;
    }
    if (counts[0] + open >= needed) return std::nullopt;
    // The counted outcome can no longer win: the most chosen other outcome does.
    std::size_t best = outcomes.size() > 1 ? 1 : 0;
    for (std::size_t i = 2; i < outcomes.size(); ++i)
        if (counts[i] > counts[best]) best = i;
    g.outcome = outcomes[best];
    return g;
}

Result<Task*> Machine::open_task(const std::string& task_id) {
    auto it = std::find_if(inst_.tasks.begin(), inst_.tasks.end(),
                           [&](const Task& t) { return t.id == task_id; });
    if (it == inst_.tasks.end())
        return make_error(ErrorCode::task_not_found,
                          "no task " + task_id + " in this instance's current state");
    if (!it->is_open())
        return make_error(ErrorCode::task_closed,
                          "task " + task_id + " is already " + to_string(it->status));
    return &*it;
}

Result<void> Machine::complete_task(const CompleteTaskInput& in) {
    auto found = open_task(in.task_id);
    if (!found) return found.error();
    Task* it = *found;
    if (auto r =
            policy::may(actor_, policy::TaskAction::complete, policy::TaskFacts::of(*it, now_));
        !r)
        return r;
    const std::string acting_for(policy::acting_for(
        actor_, policy::TaskAction::complete, policy::TaskFacts::of(*it, now_)));
    const State& st = def_.state(inst_.state);
    const TaskSpec& spec = *st.task;
    const int outcome_index = spec.outcome_index(in.outcome);
    if (outcome_index < 0)
        return make_error(
            ErrorCode::invalid_field,
            "unknown outcome \"" + in.outcome + "\"; this task's outcomes are " +
                json(spec.outcomes).dump(-1, ' ', false, json::error_handler_t::replace) +
                did_you_mean(in.outcome, spec.outcomes),
            "/outcome");
    if (auto r = check_form(spec.fields, in.fields, in.outcome); !r) return r;

    it->status = TaskStatus::completed;
    it->outcome = in.outcome;
    it->closed_by = actor_.id;
    it->closed_for = acting_for;
    it->closed_at = now_;
    it->fields = in.fields.is_null() ? json::object() : in.fields;
    it->comment = in.comment;
    const Task& done = *it;  // (nothing below adds tasks before `fire`)
    emit_effect(TaskClosed{done.id, TaskStatus::completed, done.outcome, actor_.id, done.fields,
                           done.comment, acting_for});
    drop_task_timers(done.id);
    // (Members set one by one: nlohmann's initializer lists cost more than the copies.)
    json& detail = history_.detail = json::object();
    detail["task"] = done.id;
    detail["outcome"] = done.outcome;
    detail["fields"] = done.fields;
    if (!done.comment.empty()) detail["comment"] = done.comment;
    if (!acting_for.empty()) detail["for"] = acting_for;

    if (spec.save_to.empty()) {
        for (auto f = done.fields.begin(); f != done.fields.end(); ++f)
            write_key(f.key()) = f.value();
    } else {
        json result = json::object();
        result["outcome"] = done.outcome;
        result["by"] = actor_.id;
        result["at"] = format_date_time(now_);
        result["fields"] = done.fields;
        if (!done.comment.empty()) result["comment"] = done.comment;
        json* slot = &write_path(spec.save_to);
        if (spec.multi()) {
            if (!slot->is_object()) *slot = json::object();
            (*slot)[done.assignee.empty() ? actor_.id : done.assignee] = std::move(result);
        } else {
            *slot = std::move(result);
        }
    }

    if (!spec.multi()) {
        json payload = json::object();
        payload["task"] = done.id;
        payload["outcome"] = done.outcome;
        payload["by"] = actor_.id;
        payload["comment"] = done.comment;
        payload["fields"] = done.fields;
        return fire(spec.outcome_events[static_cast<std::size_t>(outcome_index)], payload);
    }
    std::vector<std::string> results;
    for (const auto& t : inst_.tasks)
        results.push_back(t.status == TaskStatus::completed ? t.outcome : "");
    auto group = decide(spec.join, spec.outcomes, results, static_cast<int>(inst_.tasks.size()));
    if (!group) {
        history_.note = "waiting for the other assignees";
        return Ok{};
    }
    json payload = {
        {"outcome", group->outcome}, {"counts", group->counts}, {"results", json::object()}};
    for (auto& t : inst_.tasks) {
        if (t.status == TaskStatus::completed) {
            json r = {{"outcome", t.outcome}, {"by", t.closed_by}, {"fields", t.fields}};
            if (!t.comment.empty()) r["comment"] = t.comment;
            payload["results"][t.assignee.empty() ? t.closed_by : t.assignee] = std::move(r);
        } else if (t.is_open()) {
            t.status = TaskStatus::cancelled;
            t.closed_at = now_;
            emit_effect(TaskClosed{t.id, TaskStatus::cancelled, {}, actor_.id, {}, {}});
            drop_task_timers(t.id);
        }
    }
    return fire(spec.outcome_events[static_cast<std::size_t>(spec.outcome_index(group->outcome))],
                payload);
}

Result<void> Machine::claim_task(const ClaimTaskInput& in) {
    auto found = open_task(in.task_id);
    if (!found) return found.error();
    Task& task = **found;
    // Someone who may not act on the task learns that first, not who holds it.
    auto allowed =
        policy::may(actor_, policy::TaskAction::claim, policy::TaskFacts::of(task, now_));
    if (!allowed && allowed.error().code != ErrorCode::conflict) return allowed;
    if (actor_.id.empty())
        return make_error(ErrorCode::invalid_input, "a claim needs the claimant's id");
    if (in.lease_until != 0 && in.lease_until <= now_)
        return make_error(ErrorCode::invalid_input,
                          "the lease would end at " + format_date_time(in.lease_until) +
                              ", which is not after now (" + format_date_time(now_) + ")",
                          "/lease_until");
    if (!allowed) return allowed;  // someone else's claim binds
    const bool renewal = task.claim_holds(now_) && task.claimed_by == actor_.id;
    // (A deputy renewing a claim made for someone keeps it for them.)
    const std::string acting_for(policy::acting_for(actor_, policy::TaskAction::claim,
                                                    policy::TaskFacts::of(task, now_)));
    task.claimed_by = actor_.id;
    task.claimed_for = acting_for;
    task.claim_until = in.lease_until;
    emit_effect(TaskClaimed{task.id, actor_.id, in.lease_until, acting_for});
    history_.detail = {{"task", task.id}};
    if (!acting_for.empty()) history_.detail["for"] = acting_for;
    if (in.lease_until != 0) history_.detail["until"] = format_date_time(in.lease_until);
    if (renewal) history_.note = "renewed the claim";
    return Ok{};
}

Result<void> Machine::release_task(const ReleaseTaskInput& in) {
    auto found = open_task(in.task_id);
    if (!found) return found.error();
    Task& task = **found;
    if (auto r =
            policy::may(actor_, policy::TaskAction::release, policy::TaskFacts::of(task, now_));
        !r)
        return r;
    history_.detail = {{"task", task.id}, {"claimed_by", task.claimed_by}};
    task.claimed_by.clear();
    task.claimed_for.clear();
    task.claim_until = 0;
    emit_effect(TaskReleased{task.id, actor_.id});
    return Ok{};
}

Result<void> Machine::reassign_task(const ReassignTaskInput& in) {
    auto found = open_task(in.task_id);
    if (!found) return found.error();
    Task& task = **found;
    if (auto r =
            policy::may(actor_, policy::TaskAction::reassign, policy::TaskFacts::of(task, now_));
        !r)
        return r;
    if (!in.assignee.empty() &&
        std::find(task.excluded.begin(), task.excluded.end(), in.assignee) != task.excluded.end())
        return make_error(ErrorCode::forbidden,
                          "separation of duties: " + in.assignee + " may not act on this task",
                          "/assignee");
    if (task.personal) {
        // One of a multi-person group: each task stands for one member's own vote or signature.
        if (in.assignee.empty())
            return make_error(
                ErrorCode::invalid_input,
                "task " + task.id + " is one of a multi-person group and needs an assignee",
                "/assignee");
        for (const Task& other : inst_.tasks)
            if (other.id != task.id && other.assignee == in.assignee)
                return make_error(ErrorCode::conflict,
                                  in.assignee + " already has task " + other.id + " of this group",
                                  "/assignee");
    }
    std::string from = std::exchange(task.assignee, in.assignee);
    task.claimed_by.clear();
    task.claimed_for.clear();
    task.claim_until = 0;
    history_.detail = {{"task", task.id}, {"from", from}, {"assignee", task.assignee}};
    emit_effect(TaskReassigned{task.id, std::move(from), task.assignee, actor_.id});
    return Ok{};
}

Result<void> Machine::timer_fired(const TimerFiredInput& in) {
    auto it = std::find_if(inst_.timers.begin(), inst_.timers.end(),
                           [&](const Timer& t) { return t.id == in.timer_id && !t.fired; });
    if (it == inst_.timers.end())
        return make_error(ErrorCode::not_found, "timer " + in.timer_id + " is not pending");
    const Timer timer = *it;
    const TimeMs late = now_ - timer.due_at;
    history_.detail = {{"timer", timer.id},
                       {"kind", to_string(timer.kind)},
                       {"due", format_date_time(timer.due_at)}};
    if (late >= 60'000) {
        history_.detail["late_ms"] = late;
        history_.note = "fired " + std::to_string(late / 60'000) + " min late";
    }
    const State& st = def_.state(inst_.state);
    if (timer.kind != Timer::Kind::state) {
        inst_.timers.erase(it);
        auto task = std::find_if(inst_.tasks.begin(), inst_.tasks.end(),
                                 [&](const Task& t) { return t.id == timer.task_id; });
        if (task == inst_.tasks.end() || !task->is_open()) return Ok{};
        Notification n;
        n.task_id = task->id;
        if (!task->assignee.empty())
            n.people.push_back(task->assignee);
        else
            n.roles.push_back(task->role);
        switch (timer.kind) {
            case Timer::Kind::task_due:
                emit_effect(TaskOverdue{task->id});
                n.kind = "overdue";
                n.subject = notice_text("overdue", task->title);
                break;
            case Timer::Kind::task_reminder:
                emit_effect(TaskReminded{task->id});
                n.kind = "reminder";
                n.subject = notice_text("reminder", task->title);
                break;
            case Timer::Kind::task_escalation: {
                // One step of the ladder: the task is offered to its role too.
                const auto& ladder = st.task->escalate;
                if (timer.index >= ladder.size()) return Ok{};
                const Escalation& rung = ladder[timer.index];
                const std::string& role = rung.role;
                std::string unit;
                if (rung.unit) {
                    json scratch;
                    auto sc = scope(nullptr);
                    const json& v = rung.unit->evaluate(data(), sc.ctx, scratch);
                    if (v.is_string() && is_name(v.get_ref<const std::string&>()))
                        unit = directory_ != nullptr
                                   ? directory_->offer_unit(role, v.get<std::string>())
                                   : v.get<std::string>();
                }
                if (std::find(task->escalated_to.begin(), task->escalated_to.end(), role) ==
                    task->escalated_to.end()) {
                    // Units kept parallel to the roles once a step names one.
                    if (!unit.empty() && task->escalated_units.empty())
                        task->escalated_units.assign(task->escalated_to.size(), "");
                    task->escalated_to.push_back(role);
                    if (!task->escalated_units.empty()) task->escalated_units.push_back(unit);
                }
                emit_effect(TaskEscalated{task->id, role});
                n.kind = "escalation";
                n.roles = {role};
                n.people.clear();
                if (!unit.empty()) n.units = {unit};
                n.subject = notice_text("escalation", task->title);
                break;
            }
            case Timer::Kind::state:
                break;
        }
        emit_effect(std::move(n));
        return Ok{};
    }
    const TimerSpec& spec = st.timers[timer.index];
    if (spec.kind == TimerSpec::Kind::at) {
        it->fired = true;
    } else {
        inst_.timers.erase(it);
        if (spec.kind == TimerSpec::Kind::every) {
            // The next period counts from when this one was due, so that a late firing does not
            // shift the schedule.
            if (auto next = next_period(timer.due_at, spec.period, now_)) {
                set_timer(Timer::Kind::state, timer.index, {}, *next);
            }
        }
    }
    const json payload = {{"timer", spec.name},
                          {"due", format_date_time(timer.due_at)},
                          {"fired_at", format_date_time(now_)}};
    if (consume_reason_) {
        history_.note += (history_.note.empty() ? "" : "; ") + *consume_reason_;
        return Ok{};
    }
    auto r = fire(spec.event, payload);
    if (!r && (r.error().code == ErrorCode::no_transition ||
               r.error().code == ErrorCode::event_not_allowed)) {
        history_.note += (history_.note.empty() ? "" : "; ") + r.error().message;
        return Ok{};
    }
    return r;
}

Result<void> Machine::child_finished(const ChildFinishedInput& in) {
    auto it = std::find_if(inst_.children.begin(), inst_.children.end(),
                           [&](const Child& c) { return c.id == in.child_id && c.running; });
    if (it == inst_.children.end())
        return make_error(ErrorCode::not_found, "no running child " + in.child_id);
    it->running = false;
    it->outcome = in.outcome;
    it->data = in.data;
    history_.detail = {{"child", in.child_id}, {"outcome", in.outcome}};
    const InvokeSpec& spec = *def_.state(inst_.state).invoke;
    json payload;
    std::string outcome = in.outcome;
    if (!spec.for_each) {
        payload = {{"child", in.child_id}, {"outcome", in.outcome}, {"data", in.data}};
    } else {
        std::vector<std::string> results;
        for (const auto& c : inst_.children) results.push_back(c.running ? "" : c.outcome);
        auto group =
            decide(spec.join, spec.outcomes, results, static_cast<int>(inst_.children.size()));
        if (!group) {
            history_.note = "waiting for the other children";
            return Ok{};
        }
        outcome = group->outcome;
        payload = {{"outcome", outcome}, {"counts", group->counts}, {"results", json::array()}};
        for (auto& c : inst_.children) {
            if (c.running) {
                // Decided: the others are no longer waited for, whatever the transition does.
                c.running = false;
                c.outcome = "cancelled";
                emit_effect(ChildCancelled{c.id});
                continue;
            }
            if (c.outcome != "cancelled")
                payload["results"].push_back({{"child", c.id},
                                              {"index", c.index},
                                              {"outcome", c.outcome},
                                              {"data", c.data}});
        }
    }
    if (consume_reason_) {
        history_.note += (history_.note.empty() ? "" : "; ") + *consume_reason_;
        return Ok{};
    }
    const auto event = def_.find_event(spec.event_name(outcome));
    auto r = event ? fire(*event, payload)
                   : Result<void>(make_error(ErrorCode::event_not_allowed,
                                             "no state handles " + spec.event_name(outcome)));
    if (!r && (r.error().code == ErrorCode::no_transition ||
               r.error().code == ErrorCode::event_not_allowed)) {
        history_.note += (history_.note.empty() ? "" : "; ") + r.error().message;
        return Ok{};
    }
    return r;
}

Result<void> Machine::event(const EventInput& in) {
    const auto event = def_.find_event(in.event);
    if (!event)
        return make_error(ErrorCode::unknown_event,
                          "workflow " + def_.name + " has no event \"" + in.event + "\"" +
                              did_you_mean(in.event, def_.event_names),
                          "/event");
    if (auto r = policy::may_send(actor_, def_, *event); !r) return r;
    if (const auto& decl = def_.event_decls[*event]) {
        if (decl->fields) {
            if (auto r = check_form(*decl->fields, in.data, {}, "/data"); !r) return r;
        }
    }
    if (!in.data.is_object() && !in.data.is_null())
        return make_error(ErrorCode::invalid_input, "event data must be an object", "/data");
    static const json kNoData = json::object();
    return fire(*event, in.data.is_null() ? kNoData : in.data);
}

void Machine::cancel(const CancelInput& in) {
    leave_state();
    history_.detail = {{"reason", in.reason}};
    finish(InstanceStatus::cancelled, "cancelled");
}

Result<Step> Machine::start() {
    history_.input = "start";
    if (auto r = def_.data_schema.check(data(), "/data"); !r)
        return make_error(ErrorCode::invalid_data, r.error().message, r.error().pointer);
    history_.detail = {{"data", data()}};
    if (auto r = enter(def_.start, nullptr); !r) return r.error();
    if (auto r = drain_emits(); !r) return r.error();
    return finish_step();
}

Result<Step> Machine::apply(const Input& in) {
    if (!inst_.running())
        return make_error(ErrorCode::instance_finished,
                          "instance " + inst_.id + " is " + to_string(inst_.status));
    history_.from_state = def_.state(inst_.state).name;
    Result<void> r = Ok{};
    std::visit(
        [&](const auto& input) {
            using T = std::decay_t<decltype(input)>;
            if constexpr (std::is_same_v<T, EventInput>) {
                history_.input = "event";
                r = event(input);
            } else if constexpr (std::is_same_v<T, CompleteTaskInput>) {
                history_.input = "complete";
                r = complete_task(input);
            } else if constexpr (std::is_same_v<T, TimerFiredInput>) {
                history_.input = "timer";
                r = timer_fired(input);
            } else if constexpr (std::is_same_v<T, ChildFinishedInput>) {
                history_.input = "child";
                r = child_finished(input);
            } else if constexpr (std::is_same_v<T, CancelInput>) {
                history_.input = "cancel";
                cancel(input);
            } else if constexpr (std::is_same_v<T, ClaimTaskInput>) {
                history_.input = "claim";
                r = claim_task(input);
            } else if constexpr (std::is_same_v<T, ReleaseTaskInput>) {
                history_.input = "release";
                r = release_task(input);
            } else if constexpr (std::is_same_v<T, ReassignTaskInput>) {
                history_.input = "reassign";
                r = reassign_task(input);
            } else {
                static_assert(std::is_same_v<T, RescheduleInput>, "an input without a handler");
                history_.input = "reschedule";
                reschedule();
            }
        },
        in.kind);
    if (!r) return r.error();
    if (auto d = drain_emits(); !d) return d.error();
    return finish_step();
}

}  // namespace

Result<Step> start(const Definition& def, const StartInput& input, const Actor& actor, TimeMs now) {
    if (input.instance_id.empty())
        return make_error(ErrorCode::invalid_input, "an instance needs an id", "/id");
    if (!input.data.is_object())
        return make_error(ErrorCode::invalid_data, "instance data must be an object", "/data");
    Instance inst;
    inst.id = input.instance_id;
    inst.workflow = def.name;
    inst.version = def.version;
    inst.state = def.start;
    inst.data = Data(input.data);
    inst.business_key = input.business_key;
    inst.parent = input.parent;
    inst.depth = input.depth;
    inst.created_at = inst.updated_at = inst.entered_at = now;
    return Machine(def, std::move(inst), actor, now, false)
        .with(input.directory, input.calendar)
        .start();
}

void record_input(HistoryEntry& entry, const Input& input) {
    if (const auto* e = std::get_if<EventInput>(&input.kind)) {
        if (!entry.detail.is_object()) entry.detail = json::object();
        entry.detail["event"] = e->event;
        if (e->data.is_object() && !e->data.empty()) entry.detail["data"] = e->data;
    }
}

Task closed_task(const Task& task, const TaskClosed& closed, TimeMs at) {
    Task t = task;
    t.status = closed.status;
    t.outcome = closed.outcome;
    t.closed_by = closed.by;
    t.closed_for = closed.for_person;
    if (t.closed_at == 0) t.closed_at = at;
    if (closed.status == TaskStatus::completed) {
        t.fields = closed.fields;
        t.comment = closed.comment;
    }
    return t;
}

std::optional<Task> task_after(const Instance& before, const Step& step, std::string_view task_id) {
    if (const Task* t = step.instance.find_task(task_id)) return *t;
    const Task* was = before.find_task(task_id);
    if (was == nullptr) return std::nullopt;
    for (const auto& effect : step.effects)
        if (const auto* closed = std::get_if<TaskClosed>(&effect);
            closed && closed->task_id == task_id)
            return closed_task(*was, *closed, step.history.at);
    return *was;
}

Result<Step> step(const Definition& def, const Instance& instance, const Input& input, TimeMs now) {
    const bool system_input = std::holds_alternative<TimerFiredInput>(input.kind) ||
                              std::holds_alternative<ChildFinishedInput>(input.kind);
    if (!system_input)
        return Machine(def, instance, input.actor, now)
            .with(input.directory, input.calendar)
            .apply(input);
    auto result =
        Machine(def, instance, input.actor, now).with(input.directory, input.calendar).apply(input);
    if (result || result.error().code == ErrorCode::not_found ||
        result.error().code == ErrorCode::instance_finished)
        return result;
    Machine spend(def, instance, input.actor, now);
    spend.with(input.directory, input.calendar);
    spend.consume_only("the transition failed and was not taken: " + result.error().to_string());
    return spend.apply(input);
}

Result<Step> step(const Definition& def, Instance&& instance, const Input& input, TimeMs now) {
    Machine machine(def, std::move(instance), input.actor, now, /*undoable=*/true);
    machine.with(input.directory, input.calendar);
    auto result = machine.apply(input);
    if (result) return result;
    instance = machine.take_back();
    const bool system_input = std::holds_alternative<TimerFiredInput>(input.kind) ||
                              std::holds_alternative<ChildFinishedInput>(input.kind);
    if (system_input) return step(def, std::as_const(instance), input, now);  // rare: spend it
    return result;
}

}  // namespace accord::engine
