// What a committed step asks of other instances (start a child, cancel one, hand a parent its
// child's result, start another workflow) and how long a chain of starts may grow: decided here
// once, and followed alike by LocalRuntime (at once, in process) and by the Redis runtime
// (through its outbox, on any node).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "accord/engine/interpreter.hpp"

namespace accord::engine {

// Starts caused by starts (a child, a `start` action, and so on down the chain) go at most this
// deep: a workflow that starts itself on entry would otherwise never stop.
inline constexpr int kMaxStartDepth = 64;

struct CrossInstanceEffect {
    enum class Kind : std::uint8_t { child_start, child_cancel, child_result, start };
    Kind kind = Kind::start;
    std::string source;  // the instance whose step caused it
    std::string target;  // the instance it goes to: the child, or the parent; empty for `start`
    // child_start and start:
    std::string workflow;
    int version = 0;  // 0: the latest
    json data = json::object();
    std::string business_key;  // start
    std::uint16_t depth = 0;   // the started instance's Instance::depth
    // child_result:
    std::string outcome;

    bool starts() const { return kind == Kind::child_start || kind == Kind::start; }
    // "child.start", "child.cancel", "child.result", "start": the outbox entry's kind.
    std::string_view kind_name() const;
    // The outbox entry's payload, and back. A payload without what its kind needs is an
    // invalid_input error (the entry is then set aside, not delivered).
    json payload() const;
    static Result<CrossInstanceEffect> from_payload(std::string_view kind, const json& payload);

    // What the target is given: for child_start and start, the StartInput (the child's id and
    // parent link); for child_cancel and child_result, the system's Input.
    StartInput start_input() const;
    Input input() const;
};

// The cross-instance effect of one of a step's effects, if it has one. `source` is the
// instance as the step left it.
std::optional<CrossInstanceEffect> cross_instance_effect(const Effect& effect,
                                                         const Instance& source);

// Whether a start may go ahead: refused (runtime_error, saying why) beyond `max_depth`.
Result<void> admit_start(const CrossInstanceEffect& start, int max_depth = kMaxStartDepth);

// What a parent is told when its child could not start: the child's result with the outcome
// "failed", and why in its data.
CrossInstanceEffect child_failed(const CrossInstanceEffect& child_start, const Error& why);

}  // namespace accord::engine
