// LocalRuntime: drives the interpreter over a Store in one thread, and performs the effects
// that cross instances (child starts and results, cancellations, independent starts).
// Time is always passed in; the simulator runs it on a virtual clock.
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "accord/engine/cross_instance.hpp"
#include "accord/engine/store.hpp"

namespace accord::engine {

class LocalRuntime {
public:
    // Called after every commit, in commit order (traces, notifications, feeds).
    using Observer = std::function<void(const Step& step)>;

    // Chains of starts go at most `max_start_depth` deep (admit_start).
    explicit LocalRuntime(Store& store, int max_start_depth = kMaxStartDepth)
        : store_(store), max_start_depth_(max_start_depth) {}

    void set_observer(Observer observer) { observer_ = std::move(observer); }

    // Starts an instance of `workflow` (version 0: the latest). With a business key that is
    // taken, returns the instance started under it and starts nothing.
    Result<Instance> start(std::string_view workflow, json data, const Actor& actor, TimeMs now,
                           std::string business_key = {}, int version = 0);

    // Applies an input to an instance, then everything it causes in other instances.
    Result<Instance> send(std::string_view instance_id, Input input, TimeMs now);

    // Fires every timer due at or before `until`, earliest first, each at its own due time
    // (when `on_time`) or at `until`. Returns how many fired.
    int fire_due_timers(TimeMs until, bool on_time);

private:
    // Without draining: callers drain once the first commit is done.
    Result<Instance> start_instance(const Definition& def, StartInput in, const Actor& actor,
                                    TimeMs now);
    Result<Instance> apply(std::string_view instance_id, const Input& input, TimeMs now);
    Result<Instance> commit(Step step);
    void follow_effects(const Step& step);
    void drain(TimeMs now);

    Store& store_;
    int max_start_depth_;
    Observer observer_;
    std::deque<CrossInstanceEffect> pending_;
    std::uint64_t next_instance_ = 1;
};

}  // namespace accord::engine
