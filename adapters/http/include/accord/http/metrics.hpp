// Metrics: what /metrics reports in Prometheus's text format. Requests are counted by route
// (the route's pattern, not its path: ids don't make series) and status, with a latency
// histogram per route. Not thread safe: one per executor.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

namespace accord::http {

class Metrics {
public:
    static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                        0.05,   0.1,   0.25,   0.5,   1,    2.5};

    void observe(const std::string& route, int status, double seconds);
    // Appends the request counters and histograms.
    void render(std::string& out) const;

private:
    struct Histogram {
        std::array<std::uint64_t, kBuckets.size()> counts{};
        std::uint64_t count = 0;
        double sum = 0;
    };
    std::map<std::pair<std::string, int>, std::uint64_t> requests_;
    std::map<std::string, Histogram> latency_;
};

// One metric in the text format: "# HELP", "# TYPE" and its samples are the caller's.
void append_sample(std::string& out, std::string_view name, std::string_view labels, double value);

}  // namespace accord::http
