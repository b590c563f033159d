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
    for (const Effect& effect : step.effects)
        if (auto e = cross_instance_effect(effect, step.instance))
            pending_.push_back(std::move(*e));
}

void LocalRuntime::drain(TimeMs now) {
    while (!pending_.empty()) {
        CrossInstanceEffect e = std::move(pending_.front());
        pending_.pop_front();
        if (!e.starts()) {
            // Inputs between instances may no longer apply (the parent moved on): then they are
            // dropped.
            (void)apply(e.target, e.input(), now);
            continue;
        }
        Result<Instance> started = [&]() -> Result<Instance> {
            if (auto admitted = admit_start(e, max_start_depth_); !admitted)
                return admitted.error();
            DefinitionPtr def = store_.find_definition(e.workflow, e.version);
            if (!def) return make_error(ErrorCode::not_found, "no workflow " + e.workflow);
            return start_instance(*def, e.start_input(), Actor::system_actor(), now);
        }();
        // A child that can't run: its parent learns at once, with the outcome "failed".
        if (!started && e.kind == CrossInstanceEffect::Kind::child_start)
            pending_.push_back(child_failed(e, started.error()));
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
