// known_time_zone and local_date on date/tz (time_zones.hpp).
#include "accord/http/time_zones.hpp"

#include <exception>

#include <date/tz.h>

namespace accord::http {

bool known_time_zone(std::string_view zone) {
    if (zone.empty() || zone.size() > 64) return false;
    try {
        return date::locate_zone(zone) != nullptr;
    } catch (const std::exception&) {
        return false;
    }
}

std::string local_date(std::string_view zone, std::int64_t ms) {
    const date::sys_time<std::chrono::milliseconds> at{std::chrono::milliseconds(ms)};
    const date::time_zone* tz = nullptr;
    try {
        tz = date::locate_zone(zone);
    } catch (const std::exception&) {
        tz = nullptr;
    }
    const auto local = tz != nullptr ? tz->to_local(at)
                                     : date::local_time<std::chrono::milliseconds>(
                                           at.time_since_epoch());
    return date::format("%F", date::floor<date::days>(local));
}

}  // namespace accord::http
