// rest_load: api_bench's REST load, on plain non-blocking sockets and one epoll loop. The
// client shares the machine's two cores with accordd and Redis, so it should take as little of
// them as it can: on Beast with a JSON SAX pass it took 50-60 µs of CPU per request, here about
// half of that, nearly all of it the kernel's.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace accord::bench {

using Clock = std::chrono::steady_clock;

// One lifecycle's requests after the start, as redis_bench's lifecycle_input makes them.
struct Step {
    std::string token;
    std::string body;
};

struct Workload {
    std::string officer;      // sends the starts
    std::vector<Step> steps;  // each completes the one open task the answer before named
    // The start request's body for lifecycle n.
    static std::string start_body(std::uint64_t n);
};

// Counts an error in `errors` and prints the first five (api_bench's REST and feed runs alike).
void count_error(std::uint64_t& errors, const std::string& what);

struct RestRun {
    Clock::time_point from, until;  // the measured window, after the warm-up
    std::uint64_t requests = 0, completions = 0, lifecycles = 0, errors = 0;
    std::vector<float> latency_ms;  // of the requests answered in the window

    void error(const std::string& what);  // counted; the first five are printed
};

// Runs lifecycles of `w` on `connections` keep-alive connections to 127.0.0.1:`port`, one
// request at a time on each, until run.until. With `prestart`, the warm-up (until run.from)
// only starts instances and the window drives those through their tasks, so that what it
// measures is task completions alone (a connection starts a new instance only once none is
// left); without, each lifecycle is a start and its completions, in and out of the window
// alike. A connection
// stops at its first failure (an answer that is not 2xx, or not the instance the workload
// expects). `turn` is called at least once a millisecond (api_bench's CPU meter runs there).
void drive_rest(int port, int connections, bool prestart, const Workload& w, RestRun& run,
                const std::function<void()>& turn);

// What the load reads of an instance view (a start's answer, or a completion's
// "instance_state" when `root` names it): status, outcome and the ids of the open tasks. A
// single pass over the text with no DOM; nullopt if the text ends before the view does.
struct InstanceSummary {
    std::string status, outcome;
    std::vector<std::string> tasks;
};
std::optional<InstanceSummary> read_instance(std::string_view body, std::string_view root);

}  // namespace accord::bench
