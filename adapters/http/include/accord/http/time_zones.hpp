// Time zones by IANA name, from Howard Hinnant's date/tz on the system's tzdata.
#pragma once

#include <cstdint>
#include <string>
#include <memory>
#include <string_view>

#include "accord/engine/calendar.hpp"

namespace accord::http {

// Whether `zone` names a time zone of the database ("Asia/Hebron", "UTC").
bool known_time_zone(std::string_view zone);

// The date ("YYYY-MM-DD") at `ms` (Unix milliseconds) in `zone`; in UTC if it is unknown.
std::string local_date(std::string_view zone, std::int64_t ms);

// The zone's rules for the engine's calendar; nullptr when it is unknown.
std::shared_ptr<const engine::ZoneRules> zone_rules(std::string_view zone);

}  // namespace accord::http
