// Calendar: an office's working week and local time. Its time zone, which days are the
// weekend, when work starts, its holidays and closures; how local dates and times map to UTC;
// working days counted forward and back. Without a calendar of its own an office is UTC with
// Saturday and Sunday off. The zone's rules come from outside (the adapters read the tz
// database); the engine only asks for the offset at an instant.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "accord/engine/people.hpp"
#include "accord/engine/result.hpp"
#include "accord/engine/text.hpp"
#include "accord/engine/time.hpp"

namespace accord::engine {

// A time zone's rules: local time minus UTC at an instant.
class ZoneRules {
public:
    virtual ~ZoneRules() = default;
    virtual std::int64_t offset_ms(TimeMs utc) const = 0;
};

// Looks a zone up by its IANA name (nullptr: unknown). The adapters' tz database.
using ZoneLookup = std::function<std::shared_ptr<const ZoneRules>(std::string_view zone)>;

struct Holiday {
    std::string date;  // YYYY-MM-DD
    Text name;
};
struct Closure {
    std::string from, to;  // dates, both included
    Text name;
};

class Calendar {
public:
    // UTC, Saturday and Sunday off, work from midnight, no holidays.
    Calendar();

    // From {"time_zone", "weekend": ["fri", "sat"], "work_starts": "08:00", "holidays":
    // [{"date", "name"}], "closures": [{"from", "to", "name"}]}, every member optional (the
    // default's). Refusals are invalid_input at their pointer ("/weekend/1").
    static Result<Calendar> from_json(const json& j, const ZoneLookup& zones);
    json to_json() const;

    const std::string& time_zone() const { return time_zone_; }
    int work_starts() const { return work_starts_; }  // minutes after local midnight

    // Local time minus UTC at `t`, in ms.
    std::int64_t offset_ms(TimeMs t) const { return zone_ ? zone_->offset_ms(t) : 0; }
    // The day (days since 1970-01-01) of `t` in the office's zone.
    std::int64_t local_day(TimeMs t) const;
    std::string local_date(TimeMs t) const { return format_date(local_day(t) * kMsPerDay); }
    // The instant at `minute` (of the day) local time on `day`. A local time skipped by a
    // daylight-saving change is the one as late after the change; a repeated one the first.
    TimeMs at_local(std::int64_t day, int minute) const;
    // A date ("YYYY-MM-DD", a day of this office) at `minute` local time, or at work_starts.
    TimeMs date_at(std::int64_t day) const { return at_local(day, work_starts_); }
    // What a text of a date or date-time means here: a date is that local day at work_starts
    // (or at `minute` when given); a date-time is itself.
    TimeMs resolve(const ParsedTime& t, std::optional<int> minute = std::nullopt) const;

    bool weekend(std::int64_t day) const;
    // Neither weekend, holiday nor closure.
    bool working_day(std::int64_t day) const;
    // `n` working days after `t` (before, when negative): the days counted are working days
    // after (before) t's local day; the result has t's local time of day. 0: t itself.
    // saturates past 100,000 working days.
    TimeMs add_working_days(TimeMs t, std::int64_t n) const;
    // The working days after a's local day up to and including b's (negative when b is
    // earlier): add_working_days(a, k) falls on b's day when that day is a working day.
    std::int64_t working_days_between(TimeMs a, TimeMs b) const;

private:
    std::string time_zone_ = "UTC";
    std::shared_ptr<const ZoneRules> zone_;  // null: UTC
    std::array<bool, 7> weekend_{};          // by weekday, 0 Sunday
    int work_starts_ = 0;
    std::vector<Holiday> holidays_;
    std::vector<Closure> closures_;
    std::set<std::int64_t> off_days_;  // holidays and closures, as days
};

// The weekday of a day since 1970-01-01: 0 Sunday ... 6 Saturday.
int weekday(std::int64_t day);

}  // namespace accord::engine
