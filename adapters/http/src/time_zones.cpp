// known_time_zone on date/tz (time_zones.hpp).
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

}  // namespace accord::http
