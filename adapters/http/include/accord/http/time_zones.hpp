// Time zones by IANA name, from Howard Hinnant's date/tz on the system's tzdata.
#pragma once

#include <string_view>

namespace accord::http {

// Whether `zone` names a time zone of the database ("Asia/Hebron", "UTC").
bool known_time_zone(std::string_view zone);

}  // namespace accord::http
