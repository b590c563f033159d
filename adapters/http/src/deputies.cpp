// Deputies (deputies.hpp): the leave snapshot and today's date in each person's time zone.
#include "accord/http/deputies.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "accord/http/time_zones.hpp"

namespace accord::http {

Awaitable<std::vector<std::string>> Deputies::deputy_for(std::string name, engine::TimeMs now) {
    if (loaded_ != generation_) {
        const std::uint64_t reading = generation_;
        auto users = co_await people_.list();
        if (!users) {
            spdlog::warn("deputies: the users could not be read: {}", users.error().to_string());
        } else {
            by_deputy_.clear();
            for (const auto& u : *users)
                if (!u.revoked && u.profile.away)
                    by_deputy_[u.profile.away->deputy].push_back(
                        Leave{u.name, u.profile.away->from, u.profile.away->to,
                              u.profile.time_zone});
            loaded_ = reading;  // a change meanwhile makes the next question read again
        }
    }
    std::vector<std::string> out;
    auto it = by_deputy_.find(name);
    if (it == by_deputy_.end()) co_return out;
    for (const auto& leave : it->second) {
        const std::string today = local_date(leave.zone, now);
        if (leave.from <= today && today <= leave.to) out.push_back(leave.person);
    }
    std::sort(out.begin(), out.end());
    co_return out;
}

}  // namespace accord::http
