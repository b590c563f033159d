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

namespace {

class TzRules final : public engine::ZoneRules {
public:
    explicit TzRules(const date::time_zone* zone) : zone_(zone) {}
    std::int64_t offset_ms(engine::TimeMs t) const override {
        const date::sys_seconds at{std::chrono::seconds(t >= 0 ? t / 1000 : (t - 999) / 1000)};
        return std::chrono::duration_cast<std::chrono::milliseconds>(zone_->get_info(at).offset)
            .count();
    }

private:
    const date::time_zone* zone_;  // the database's: lives as long as the program
};

}  // namespace

std::shared_ptr<const engine::ZoneRules> zone_rules(std::string_view zone) {
    if (zone.empty() || zone.size() > 64) return nullptr;
    try {
        const date::time_zone* tz = date::locate_zone(zone);
        if (tz == nullptr) return nullptr;
        return std::make_shared<TzRules>(tz);
    } catch (const std::exception&) {
        return nullptr;
    }
}

}  // namespace accord::http
