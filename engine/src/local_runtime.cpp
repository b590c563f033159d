// LocalRuntime: commit a step, then work through the inputs it causes elsewhere, in order.
#include "accord/engine/local_runtime.hpp"

namespace accord::engine {

Result<Instance> LocalRuntime::start(std::string_view workflow, json data, const Actor& actor,
                                     TimeMs now, std::string business_key) {
    DefinitionPtr def = store_.find_definition(workflow);
    if (!def) return make_error(ErrorCode::not_found, "no workflow " + std::string(workflow), "/workflow");
    if (!business_key.empty()) {
        if (auto existing = store_.find_by_key(def->name, business_key)) return store_.load_instance(*existing);
    }
    StartInput in;
    do {
        in.instance_id = def->name + "-" + std::to_string(next_instance_++);
    } while (store_.load_instance(in.instance_id).ok());
    in.data = std::move(data);
    in.business_key = std::move(business_key);
    auto result = commit_and_follow(engine::start(*def, in, actor, now), now);
    return result;
}

Result<Instance> LocalRuntime::send(std::string_view instance_id, Input input, TimeMs now) {
    auto inst = store_.load_instance(instance_id);
    if (!inst) return inst.error();
    DefinitionPtr def = store_.find_definition(inst->workflow, inst->version);
    if (!def) return make_error(ErrorCode::not_found, "no definition " + inst->workflow);
    auto step = engine::step(*def, *inst, input, now);
    if (step) record_input(step->history, input);
    return commit_and_follow(std::move(step), now);
}

Result<Instance> LocalRuntime::commit_and_follow(Result<Step> step, TimeMs now) {
    if (!step) return step.error();
    if (auto r = store_.commit(*step); !r) return r.error();
    if (observer_) observer_(*step);
    follow_effects(*step);
    Instance result = step->instance;
    drain(now);
    return result;
}

void LocalRuntime::follow_effects(const Step& step) {
    const Instance& inst = step.instance;
    for (const Effect& effect : step.effects) {
        if (const auto* child = std::get_if<ChildStarted>(&effect)) {
            StartInput in{child->child_id, child->data, {}, ParentLink{inst.id, child->child_id}};
            pending_.push_back(Pending{{}, std::move(in), child->workflow, child->version});
        } else if (const auto* cancel = std::get_if<ChildCancelled>(&effect)) {
            pending_.push_back(Pending{cancel->child_id,
                                       Input{CancelInput{"parent " + inst.id + " left the state"}, Actor::system_actor()},
                                       {}, 0});
        } else if (const auto* started = std::get_if<WorkflowStarted>(&effect)) {
            StartInput in{{}, started->data, started->business_key, std::nullopt};
            pending_.push_back(Pending{{}, std::move(in), started->workflow, 0});
        } else if (const auto* finished = std::get_if<InstanceFinished>(&effect)) {
            if (!inst.parent) continue;
            pending_.push_back(Pending{inst.parent->instance_id,
                                       Input{ChildFinishedInput{inst.parent->child_id, finished->outcome, inst.data.get()},
                                             Actor::system_actor()},
                                       {}, 0});
        }
    }
}

Result<Instance> LocalRuntime::start_pending(const Pending& p, TimeMs now) {
    const auto& in = std::get<StartInput>(p.what);
    DefinitionPtr def = store_.find_definition(p.workflow, p.version);
    if (!def && in.parent) {
        // The child can't run: its parent learns at once, with the outcome "failed".
        Input failed{ChildFinishedInput{in.parent->child_id, "failed",
                                        json{{"error", "no workflow " + p.workflow}}},
                     Actor::system_actor()};
        pending_.push_back(Pending{in.parent->instance_id, std::move(failed), {}, 0});
        return make_error(ErrorCode::not_found, "no workflow " + p.workflow);
    }
    if (!def) return make_error(ErrorCode::not_found, "no workflow " + p.workflow);
    if (!in.instance_id.empty()) {
        if (store_.load_instance(in.instance_id).ok()) return store_.load_instance(in.instance_id);
        auto step = engine::start(*def, in, Actor::system_actor(), now);
        if (!step && in.parent) {
            Input failed{ChildFinishedInput{in.parent->child_id, "failed", json{{"error", step.error().to_string()}}},
                         Actor::system_actor()};
            pending_.push_back(Pending{in.parent->instance_id, std::move(failed), {}, 0});
        }
        if (!step) return step.error();
        if (auto r = store_.commit(*step); !r) return r.error();
        if (observer_) observer_(*step);
        follow_effects(*step);
        return step->instance;
    }
    if (!in.business_key.empty())
        if (auto existing = store_.find_by_key(def->name, in.business_key)) return store_.load_instance(*existing);
    StartInput fresh = in;
    do {
        fresh.instance_id = def->name + "-" + std::to_string(next_instance_++);
    } while (store_.load_instance(fresh.instance_id).ok());
    auto step = engine::start(*def, fresh, Actor::system_actor(), now);
    if (!step) return step.error();
    if (auto r = store_.commit(*step); !r) return r.error();
    if (observer_) observer_(*step);
    follow_effects(*step);
    return step->instance;
}

void LocalRuntime::drain(TimeMs now) {
    while (!pending_.empty()) {
        Pending p = std::move(pending_.front());
        pending_.pop_front();
        if (std::holds_alternative<StartInput>(p.what)) {
            (void)start_pending(p, now);
            continue;
        }
        auto inst = store_.load_instance(p.instance_id);
        if (!inst) continue;
        DefinitionPtr def = store_.find_definition(inst->workflow, inst->version);
        if (!def) continue;
        // Inputs between instances may no longer apply (the parent moved on): then they are dropped.
        auto step = engine::step(*def, *inst, std::get<Input>(p.what), now);
        if (!step) continue;
        record_input(step->history, std::get<Input>(p.what));
        if (!store_.commit(*step).ok()) continue;
        if (observer_) observer_(*step);
        follow_effects(*step);
    }
}

int LocalRuntime::fire_due_timers(TimeMs until, bool on_time) {
    int fired = 0;
    while (auto due = store_.next_due_timer(until)) {
        const TimeMs at = on_time ? due->due_at : until;
        auto r = send(due->instance_id, Input{TimerFiredInput{due->timer_id}, Actor::system_actor()}, at);
        ++fired;
        if (!r) {
            // A timer the instance no longer knows must not block the ones behind it.
            auto inst = store_.load_instance(due->instance_id);
            if (inst && inst->running()) continue;
            break;
        }
    }
    return fired;
}

}  // namespace accord::engine
