// Cross-instance effects: what a step asks of other instances, as inputs and outbox payloads.
#include "accord/engine/cross_instance.hpp"

namespace accord::engine {

namespace {

using Kind = CrossInstanceEffect::Kind;

Input system_input(InputKind kind) {
    Input in;
    in.kind = std::move(kind);
    in.actor = Actor::system_actor();
    return in;
}

std::string text(const json& p, const char* name) {
    auto it = p.find(name);
    return it != p.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string_view CrossInstanceEffect::kind_name() const {
    switch (kind) {
        case Kind::child_start:
            return "child.start";
        case Kind::child_cancel:
            return "child.cancel";
        case Kind::child_result:
            return "child.result";
        case Kind::start:
            return "start";
    }
    return "";
}

// The payloads are durable (outbox entries wait in Redis across upgrades): their members keep
// the names they were first written with.
json CrossInstanceEffect::payload() const {
    switch (kind) {
        case Kind::child_start:
            return {{"child", target}, {"workflow", workflow}, {"version", version},
                    {"data", data},    {"parent", source},     {"depth", depth}};
        case Kind::child_cancel:
            return {{"child", target}, {"parent", source}};
        case Kind::child_result:
            return {{"parent", target}, {"child", source}, {"outcome", outcome}, {"data", data}};
        case Kind::start:
            return {{"workflow", workflow},
                    {"data", data},
                    {"key", business_key},
                    {"by", source},
                    {"depth", depth}};
    }
    return json::object();
}

Result<CrossInstanceEffect> CrossInstanceEffect::from_payload(std::string_view kind,
                                                              const json& p) {
    if (!p.is_object())
        return make_error(ErrorCode::invalid_input,
                          "a " + std::string(kind) + " payload is an object");
    CrossInstanceEffect e;
    if (kind == "child.start") {
        e.kind = Kind::child_start;
        e.target = text(p, "child");
        e.source = text(p, "parent");
        e.workflow = text(p, "workflow");
    } else if (kind == "child.cancel") {
        e.kind = Kind::child_cancel;
        e.target = text(p, "child");
        e.source = text(p, "parent");
    } else if (kind == "child.result") {
        e.kind = Kind::child_result;
        e.target = text(p, "parent");
        e.source = text(p, "child");
        e.outcome = text(p, "outcome");
    } else if (kind == "start") {
        e.kind = Kind::start;
        e.source = text(p, "by");
        e.workflow = text(p, "workflow");
        e.business_key = text(p, "key");
    } else {
        return make_error(ErrorCode::invalid_input,
                          "no cross-instance effect " + std::string(kind));
    }
    if (auto v = p.find("version"); v != p.end() && v->is_number_integer())
        e.version = v->get<int>();
    if (auto d = p.find("data"); d != p.end() && d->is_object()) e.data = *d;
    if (auto d = p.find("depth"); d != p.end() && d->is_number_unsigned())
        e.depth =
            static_cast<std::uint16_t>(std::min<std::uint64_t>(d->get<std::uint64_t>(), 0xFFFF));
    const bool complete = e.kind == Kind::start ? !e.workflow.empty()
                          : e.kind == Kind::child_start
                              ? !e.target.empty() && !e.source.empty() && !e.workflow.empty()
                              : !e.target.empty() && !e.source.empty();
    if (!complete)
        return make_error(ErrorCode::invalid_input,
                          "a " + std::string(kind) + " payload lacks what it needs: " + p.dump());
    return e;
}

StartInput CrossInstanceEffect::start_input() const {
    StartInput in;
    in.data = data;
    in.depth = depth;
    if (kind == Kind::child_start) {
        in.instance_id = target;
        in.parent = ParentLink{source, target};
    } else {
        in.business_key = business_key;
    }
    return in;
}

Input CrossInstanceEffect::input() const {
    if (kind == Kind::child_result) {
        ChildFinishedInput r;
        r.child_id = source;
        r.outcome = outcome;
        r.data = data;
        return system_input(std::move(r));
    }
    CancelInput c;
    c.reason = "parent " + source + " left the state";
    return system_input(std::move(c));
}

std::optional<CrossInstanceEffect> cross_instance_effect(const Effect& effect,
                                                         const Instance& source) {
    CrossInstanceEffect e;
    e.source = source.id;
    const auto next_depth = static_cast<std::uint16_t>(source.depth + (source.depth < 0xFFFF));
    if (const auto* child = std::get_if<ChildStarted>(&effect)) {
        e.kind = Kind::child_start;
        e.target = child->child_id;
        e.workflow = child->workflow;
        e.version = child->version;
        e.data = child->data;
        e.depth = next_depth;
    } else if (const auto* cancel = std::get_if<ChildCancelled>(&effect)) {
        e.kind = Kind::child_cancel;
        e.target = cancel->child_id;
    } else if (const auto* started = std::get_if<WorkflowStarted>(&effect)) {
        e.kind = Kind::start;
        e.workflow = started->workflow;
        e.data = started->data;
        e.business_key = started->business_key;
        e.depth = next_depth;
    } else if (const auto* finished = std::get_if<InstanceFinished>(&effect)) {
        if (!source.parent) return std::nullopt;
        e.kind = Kind::child_result;
        e.target = source.parent->instance_id;
        e.source = source.parent->child_id;
        e.outcome = finished->outcome;
        e.data = source.data.get();
    } else {
        return std::nullopt;
    }
    return e;
}

Result<void> admit_start(const CrossInstanceEffect& start, int max_depth) {
    if (start.depth <= max_depth) return Ok{};
    return make_error(ErrorCode::runtime_error,
                      "more than " + std::to_string(max_depth) +
                          " starts in a row, each caused by the one before: a workflow that "
                          "starts itself?");
}

CrossInstanceEffect child_failed(const CrossInstanceEffect& child_start, const Error& why) {
    CrossInstanceEffect e;
    e.kind = Kind::child_result;
    e.source = child_start.target;
    e.target = child_start.source;
    e.outcome = "failed";
    e.data = {{"error", why.to_string()}};
    return e;
}

}  // namespace accord::engine
