// bench/core: interpreter transitions per second on the agreement machine of
// ../shared/peers/xstate-bench.js (same states, events, guard and data updates).
// Prints one table; bench/run.sh puts it beside xstate's figures from the same run.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "accord/engine/interpreter.hpp"
#include "accord/engine/validator.hpp"

using namespace accord::engine;
using Clock = std::chrono::steady_clock;

namespace {

DefinitionPtr load(bool expired_is_final) {
    std::ifstream in(ACCORD_BENCH_DIR "/core/agreement_machine.json");
    std::stringstream s;
    s << in.rdbuf();
    json doc = json::parse(s.str());
    if (expired_is_final) doc["states"]["expired"] = {{"final", "expired"}};
    LoadResult r = load_definition(doc);
    if (!r.ok()) {
        for (const auto& d : r.diagnostics) std::fprintf(stderr, "%s\n", d.to_string().c_str());
        std::exit(1);
    }
    return r.definition;
}

Input event(const char* name, json data = json::object()) {
    return Input{EventInput{name, std::move(data)}, Actor{"bench", {"officer"}, false}};
}

// One cycle: 9 events, 8 transitions (the first approve is refused by its guard).
std::vector<Input> cycle_inputs() {
    return {event("submit"),
            event("reject"),
            event("submit"),
            event("approve", {{"approved", false}, {"at", 1}}),
            event("approve", {{"approved", true}, {"at", 2}}),
            event("start_signing"),
            event("signed"),
            event("expire"),
            event("renew")};
}

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Figures {
    double trans_per_s, events_per_s;
};

// How a step treats the instance it is given: `copy` leaves the caller's instance untouched
// (the pure form), `consume` hands it over (what the durable runtime does with an instance it
// has just loaded; a refused input still gives it back unchanged).
enum class StepForm { copy, consume };

Result<Step> apply(const Definition& def, Instance& inst, const Input& in, TimeMs now,
                   StepForm form) {
    return form == StepForm::copy ? step(def, std::as_const(inst), in, now)
                                  : step(def, std::move(inst), in, now);
}

// a) one instance cycling through the machine.
Figures cycling(const Definition& def, long transitions, StepForm form) {
    const std::vector<Input> inputs = cycle_inputs();
    Instance inst = start(def, StartInput{"bench-1", {{"revision", 0}, {"rejects", 0}}, {}, {}},
                          Actor::system_actor(), 0)
                        .value()
                        .instance;
    const long cycles = (transitions + 7) / 8;
    long refused = 0;
    const auto t0 = Clock::now();
    for (long c = 0; c < cycles; ++c) {
        for (const Input& in : inputs) {
            auto r = apply(def, inst, in, c, form);
            if (r)
                inst = std::move(r.value().instance);
            else
                ++refused;
        }
    }
    const double s = seconds_since(t0);
    if (refused != cycles || inst.data.get()["rejects"] != cycles) {
        std::fprintf(stderr, "cycling: wrong result (refused %ld, rejects %s)\n", refused,
                     inst.data.get()["rejects"].dump().c_str());
        std::exit(1);
    }
    return {double(cycles) * 8 / s, double(cycles) * 9 / s};
}

// c) whole lifecycles: start an agreement, drive it to the final state `expired`.
Figures lifecycles(const Definition& def, long transitions, StepForm form) {
    std::vector<Input> inputs = cycle_inputs();
    inputs.pop_back();  // no renew: expired is final
    const long n = (transitions + 6) / 7;
    const json initial = {{"revision", 0}, {"rejects", 0}};
    const auto t0 = Clock::now();
    for (long k = 0; k < n; ++k) {
        Instance inst = start(def, StartInput{"bench-" + std::to_string(k), initial, {}, {}},
                              Actor::system_actor(), k)
                            .value()
                            .instance;
        for (const Input& in : inputs) {
            auto r = apply(def, inst, in, k, form);
            if (r) inst = std::move(r.value().instance);
        }
        if (inst.status != InstanceStatus::finished) {
            std::fprintf(stderr, "lifecycle did not finish\n");
            std::exit(1);
        }
    }
    const double s = seconds_since(t0);
    return {double(n) / s, double(n) * 7 / s};
}

}  // namespace

int main(int argc, char** argv) {
    const long transitions = argc > 1 ? std::atol(argv[1]) : 1'000'000;
    DefinitionPtr cycling_def = load(false), final_def = load(true);
    std::printf("RESULT {");
    const char* separator = "";
    for (StepForm form : {StepForm::copy, StepForm::consume}) {
        const char* name = form == StepForm::copy ? "Copy" : "Consume";
        cycling(*cycling_def, 100'000, form);  // warm-up
        lifecycles(*final_def, 100'000, form);
        Figures a{0, 0}, c{0, 0};
        for (int rep = 0; rep < 3; ++rep) {  // best of 3: the machine is shared and noisy
            Figures x = cycling(*cycling_def, transitions, form),
                    y = lifecycles(*final_def, transitions, form);
            if (x.trans_per_s > a.trans_per_s) a = x;
            if (y.events_per_s > c.events_per_s) c = y;
        }
        std::printf(
            "%s\"transPerS%s\": %.0f, \"eventsPerS%s\": %.0f, \"lifecycleInstPerS%s\": %.0f, "
            "\"lifecycleTransPerS%s\": %.0f",
            separator, name, a.trans_per_s, name, a.events_per_s, name, c.trans_per_s, name,
            c.events_per_s);
        separator = ", ";
    }
    std::printf("}\n");
    return 0;
}
