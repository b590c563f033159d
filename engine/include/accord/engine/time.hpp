// Time as the engine sees it: milliseconds since the Unix epoch, UTC, always passed in.
// Parsing and formatting of ISO 8601 dates, date-times and durations, and calendar arithmetic.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace accord::engine {

using TimeMs = std::int64_t;  // milliseconds since 1970-01-01T00:00:00Z

constexpr TimeMs kMsPerSecond = 1000;
constexpr TimeMs kMsPerMinute = 60 * kMsPerSecond;
constexpr TimeMs kMsPerHour = 60 * kMsPerMinute;
constexpr TimeMs kMsPerDay = 24 * kMsPerHour;

// a / b rounded toward negative infinity (a day index of a time before 1970 is negative).
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    const std::int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// The remainder of floor_div, in [0, b) for b > 0.
constexpr std::int64_t floor_mod(std::int64_t a, std::int64_t b) {
    const std::int64_t r = a % b;
    return r < 0 ? r + b : r;
}

// An ISO 8601 duration such as "P1Y2M10DT2H30M", "P2W", "-P90D", "PT0.5S".
// Years and months are calendar units (added to the date, clamped to the month's last day);
// weeks, days and the time part are exact.
struct Duration {
    bool negative = false;
    std::int64_t years = 0, months = 0, weeks = 0, days = 0;
    std::int64_t hours = 0, minutes = 0;
    std::int64_t millis = 0;  // seconds and fractions, in ms

    bool has_time_part() const { return hours != 0 || minutes != 0 || millis != 0; }
    bool is_zero() const;
    std::string to_string() const;  // canonical ISO 8601 form
};

std::optional<Duration> parse_duration(std::string_view text);

// t + d (or t - d when d.negative). Calendar units move the civil date in UTC.
TimeMs add_duration(TimeMs t, const Duration& d);

// Parses "YYYY-MM-DD" (midnight UTC) or RFC 3339 "YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)".
struct ParsedTime {
    TimeMs ms;
    bool date_only;  // the text was a plain date
};
std::optional<ParsedTime> parse_time(std::string_view text);

std::string format_date(TimeMs t);       // "2027-03-01"
std::string format_date_time(TimeMs t);  // "2027-03-01T09:00:00Z", ".123" added when ms != 0

// Days from a to b, counted on civil dates in UTC (b - a; negative when b is earlier).
std::int64_t days_between(TimeMs a, TimeMs b);

}  // namespace accord::engine
