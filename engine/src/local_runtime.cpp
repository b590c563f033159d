// LocalRuntime: commit a step, then work through the inputs it causes elsewhere, in order.
#include "accord/engine/local_runtime.hpp"

namespace accord::engine {

Result<Instance> LocalRuntime::start(std::string_view workflow, json data, const Actor& actor,
                                     TimeMs now, std::string business_key, int version) {
    DefinitionPtr def = store_.find_definition(workflow, version);
    if (!def)
        return make_error(ErrorCode::not_found,
                          "no workflow " + std::string(workflow) +
                              (version == 0 ? "" : " version " + std::to_string(version)),
                          "/workflow");
    auto result = start_instance(
        *def, StartInput{{}, std::move(data), std::move(business_key), std::nullopt}, actor, now);
    drain(now);
    return result;
}

Result<Instance> LocalRuntime::send(std::string_view instance_id, Input input, TimeMs now) {
    auto result = apply(instance_id, input, now);
    drain(now);
    return result;
}

Result<Instance> LocalRuntime::start_instance(const Definition& def, StartInput in,
                                              const Actor& actor, TimeMs now) {
    if (!in.business_key.empty()) {
        if (auto existing = store_.find_by_key(def.name, in.business_key))
            return store_.load_instance(*existing);
    }
    if (in.instance_id.empty()) {
        do {
            in.instance_id = def.name + "-" + std::to_string(next_instance_++);
        } while (store_.load_instance(in.instance_id).ok());
    } else if (auto existing = store_.load_instance(in.instance_id)) {
        return existing;  // a child started once already
    }
    auto step = engine::start(def, in, actor, now);
    if (!step) return step.error();
    return commit(std::move(step).value());
}

Result<Instance> LocalRuntime::apply(std::string_view instance_id, const Input& input, TimeMs now) {
    auto inst = store_.load_instance(instance_id);
    if (!inst) return inst.error();
    DefinitionPtr def = store_.find_definition(inst->workflow, inst->version);
    if (!def) return make_error(ErrorCode::not_found, "no definition " + inst->workflow);
    auto step = engine::step(*def, std::move(inst).value(), input, now);
    if (!step) return step.error();
    record_input(step->history, input);
    return commit(std::move(step).value());
}

Result<Instance> LocalRuntime::commit(Step step) {
    if (auto r = store_.commit(step); !r) return r.error();
    if (observer_) observer_(step);
    follow_effects(step);
    return std::move(step.instance);
}

void LocalRuntime::follow_effects(const Step& step) {
    const Instance& inst = step.instance;
    for (const Effect& effect : step.effects) {
        if (const auto* child = std::get_if<ChildStarted>(&effect)) {
            pending_.push_back(Pending{
                {},
                StartInput{child->child_id, child->data, {}, ParentLink{inst.id, child->child_id}},
                child->workflow,
                child->version});
        } else if (const auto* cancel = std::get_if<ChildCancelled>(&effect)) {
            pending_.push_back(Pending{
                cancel->child_id,
                Input{CancelInput{"parent " + inst.id + " left the state"}, Actor::system_actor()},
                {},
                0});
        } else if (const auto* started = std::get_if<WorkflowStarted>(&effect)) {
            pending_.push_back(
                Pending{{},
                        StartInput{{}, started->data, started->business_key, std::nullopt},
                        started->workflow,
                        0});
        } else if (const auto* finished = std::get_if<InstanceFinished>(&effect)) {
            if (!inst.parent) continue;
            pending_.push_back(Pending{
                inst.parent->instance_id,
                Input{ChildFinishedInput{inst.parent->child_id, finished->outcome, inst.data.get()},
                      Actor::system_actor()},
                {},
                0});
        }
    }
}

void LocalRuntime::drain(TimeMs now) {
    int starts = 0;
    while (!pending_.empty()) {
        Pending p = std::move(pending_.front());
        pending_.pop_front();
        if (auto* input = std::get_if<Input>(&p.what)) {
            // Inputs between instances may no longer apply (the parent moved on): then they are
            // dropped.
            (void)apply(p.instance_id, *input, now);
            continue;
        }
        auto& in = std::get<StartInput>(p.what);
        DefinitionPtr def = store_.find_definition(p.workflow, p.version);
        Result<Instance> started =
            ++starts > kMaxStartsPerInput
                ? Result<Instance>(make_error(ErrorCode::runtime_error,
                                              "more than " + std::to_string(kMaxStartsPerInput) +
                                                  " instances started by one input: a workflow "
                                                  "that starts itself?"))
            : def ? start_instance(*def, in, Actor::system_actor(), now)
                  : Result<Instance>(make_error(ErrorCode::not_found, "no workflow " + p.workflow));
        if (!started && in.parent) {
            // The child can't run: its parent learns at once, with the outcome "failed".
            Input failed{ChildFinishedInput{in.parent->child_id, "failed",
                                            json{{"error", started.error().to_string()}}},
                         Actor::system_actor()};
            pending_.push_back(Pending{in.parent->instance_id, std::move(failed), {}, 0});
        }
    }
}

int LocalRuntime::fire_due_timers(TimeMs until, bool on_time) {
    int fired = 0;
    while (auto due = store_.next_due_timer(until)) {
        auto r =
            send(due->instance_id, Input{TimerFiredInput{due->timer_id}, Actor::system_actor()},
                 on_time ? due->due_at : until);
        if (!r) break;  // the store and the instance disagree: never loop on it
        ++fired;
    }
    return fired;
}

}  // namespace accord::engine
