// Metrics: counters and latency histograms by route, rendered as Prometheus text.
#include "accord/http/metrics.hpp"

#include <fmt/format.h>

namespace accord::http {

void Metrics::observe(const std::string& route, int status, double seconds) {
    ++requests_[{route, status}];
    auto& h = latency_[route];
    ++h.count;
    h.sum += seconds;
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
        if (seconds <= kBuckets[i]) ++h.counts[i];
}

void append_sample(std::string& out, std::string_view name, std::string_view labels, double value) {
    if (labels.empty())
        fmt::format_to(std::back_inserter(out), "{} {}\n", name, value);
    else
        fmt::format_to(std::back_inserter(out), "{}{{{}}} {}\n", name, labels, value);
}

void Metrics::render(std::string& out) const {
    out += "# HELP accord_http_requests_total HTTP requests by route and status.\n";
    out += "# TYPE accord_http_requests_total counter\n";
    for (const auto& [key, n] : requests_)
        append_sample(out, "accord_http_requests_total",
                      fmt::format("route=\"{}\",status=\"{}\"", key.first, key.second),
                      static_cast<double>(n));
    out += "# HELP accord_http_request_seconds Time from a request read to its response.\n";
    out += "# TYPE accord_http_request_seconds histogram\n";
    for (const auto& [route, h] : latency_) {
        for (std::size_t i = 0; i < kBuckets.size(); ++i)
            append_sample(out, "accord_http_request_seconds_bucket",
                          fmt::format("route=\"{}\",le=\"{}\"", route, kBuckets[i]),
                          static_cast<double>(h.counts[i]));
        append_sample(out, "accord_http_request_seconds_bucket",
                      fmt::format("route=\"{}\",le=\"+Inf\"", route), static_cast<double>(h.count));
        append_sample(out, "accord_http_request_seconds_sum", fmt::format("route=\"{}\"", route),
                      h.sum);
        append_sample(out, "accord_http_request_seconds_count", fmt::format("route=\"{}\"", route),
                      static_cast<double>(h.count));
    }
}

}  // namespace accord::http
