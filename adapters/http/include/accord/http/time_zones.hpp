// Time zones by IANA name, from Howard Hinnant's date/tz on the system's tzdata.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace accord::http {

// Whether `zone` names a time zone of the database ("Asia/Hebron", "UTC").
bool known_time_zone(std::string_view zone);

// The date ("YYYY-MM-DD") at `ms` (Unix milliseconds) in `zone`; in UTC if it is unknown.
std::string local_date(std::string_view zone, std::int64_t ms);

}  // namespace accord::http
