// PeopleDirectory (directory.hpp): the snapshot, today's date in each person's time zone, and
// the climb up the unit tree.
#include "accord/http/directory.hpp"

#include <algorithm>
#include <unordered_map>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <spdlog/spdlog.h>

#include "accord/http/time_zones.hpp"

namespace accord::http {

struct PeopleDirectory::Snapshot {
    std::vector<engine::Person> users;  // unrevoked
    std::unordered_map<std::string, std::size_t> by_name;  // index into users
    engine::Units units;
    std::shared_ptr<const engine::Calendar> calendar = std::make_shared<engine::Calendar>();
    struct Leave {
        std::string person, from, to, zone;
    };
    std::unordered_map<std::string, std::vector<Leave>> by_deputy;
};

PeopleDirectory::PeopleDirectory(boost::asio::any_io_executor executor, People& people)
    : executor_(std::move(executor)), people_(people), snapshot_(std::make_shared<Snapshot>()) {}

PeopleDirectory::~PeopleDirectory() {
    *alive_ = false;
}

Awaitable<Result<void>> PeopleDirectory::refresh() {
    auto alive = alive_;
    const std::uint64_t reading = generation_;
    auto users = co_await people_.list();
    if (!*alive) co_return engine::Ok{};
    if (!users) co_return users.error();
    auto units = co_await people_.units();
    if (!*alive) co_return engine::Ok{};
    if (!units) co_return units.error();
    auto calendar = co_await people_.calendar();
    if (!*alive) co_return engine::Ok{};
    if (!calendar) co_return calendar.error();
    auto next = std::make_shared<Snapshot>();
    next->units = std::move(units).value();
    if (*calendar) {
        auto office = engine::Calendar::from_json(**calendar, zone_rules);
        if (office)
            next->calendar = std::make_shared<const engine::Calendar>(std::move(office).value());
        else
            spdlog::error("the stored office calendar is refused ({}): UTC, Saturday and Sunday "
                          "off meanwhile",
                          office.error().to_string());
    }
    for (auto& u : *users) {
        if (u.revoked) continue;
        if (u.profile.away)
            next->by_deputy[u.profile.away->deputy].push_back(Snapshot::Leave{
                u.name, u.profile.away->from, u.profile.away->to, u.profile.time_zone});
        next->by_name.emplace(u.name, next->users.size());
        next->users.push_back(std::move(u));
    }
    snapshot_ = std::move(next);
    loaded_ = std::max(loaded_, reading);  // a change meanwhile makes the next question read again
    co_return engine::Ok{};
}

void PeopleDirectory::invalidate() {
    ++generation_;
    if (refreshing_) return;  // the running read sees the new generation and reads again
    refreshing_ = true;
    boost::asio::co_spawn(
        executor_,
        [this, alive = alive_]() -> Awaitable<void> {
            while (*alive && loaded_ != generation_) {
                auto r = co_await refresh();
                if (!*alive) co_return;
                if (!r) {
                    spdlog::warn("people directory: {}", r.error().to_string());
                    break;  // the next question (or change) tries again
                }
            }
            if (*alive) refreshing_ = false;
        },
        boost::asio::detached);
}

Awaitable<void> PeopleDirectory::changed() {
    ++generation_;
    if (auto r = co_await refresh(); !r) {
        spdlog::warn("people directory: {}", r.error().to_string());
        invalidate();  // tried again in the background
    }
}

Awaitable<std::vector<std::string>> PeopleDirectory::deputy_for(std::string name,
                                                                engine::TimeMs now) {
    if (loaded_ != generation_ && !refreshing_) {
        if (auto r = co_await refresh(); !r)
            spdlog::warn("people directory: {}", r.error().to_string());
    }
    const auto snapshot = snapshot_;
    std::vector<std::string> out;
    auto it = snapshot->by_deputy.find(name);
    if (it == snapshot->by_deputy.end()) co_return out;
    for (const auto& leave : it->second) {
        const std::string today = local_date(leave.zone, now);
        if (leave.from <= today && today <= leave.to) out.push_back(leave.person);
    }
    std::sort(out.begin(), out.end());
    co_return out;
}

std::string PeopleDirectory::deputy_of(std::string_view person, std::int64_t now) const {
    const engine::Person* u = find(person);
    if (u == nullptr || !u->profile.away) return {};
    const std::string today = local_date(u->profile.time_zone, now);
    if (u->profile.away->from <= today && today <= u->profile.away->to)
        return u->profile.away->deputy;
    return {};
}

std::shared_ptr<const engine::Calendar> PeopleDirectory::calendar() const {
    return snapshot_->calendar;
}

const engine::Person* PeopleDirectory::find(std::string_view person) const {
    const auto& s = *snapshot_;
    auto it = s.by_name.find(std::string(person));
    return it == s.by_name.end() ? nullptr : &s.users[it->second];
}

std::vector<std::string> PeopleDirectory::members(std::string_view role,
                                                  std::string_view unit) const {
    const auto& s = *snapshot_;
    std::vector<std::string> out;
    for (const auto& u : s.users) {
        if (!role.empty() && std::find(u.roles.begin(), u.roles.end(), role) == u.roles.end())
            continue;
        bool in = unit.empty();
        for (const auto& mine : u.profile.units) {
            if (in) break;
            if (mine == unit) in = true;
            for (const auto& above : s.units.ancestors(mine)) in = in || above == unit;
        }
        if (in) out.push_back(u.name);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string PeopleDirectory::offer_unit(std::string_view role, std::string_view unit) const {
    const auto& s = *snapshot_;
    const auto someone_holds = [&](std::string_view where) {
        return std::any_of(s.users.begin(), s.users.end(), [&](const engine::Person& u) {
            return std::find(u.roles.begin(), u.roles.end(), role) != u.roles.end() &&
                   std::find(u.profile.units.begin(), u.profile.units.end(), where) !=
                       u.profile.units.end();
        });
    };
    if (someone_holds(unit)) return std::string(unit);
    for (const auto& ancestor : s.units.ancestors(unit))
        if (someone_holds(ancestor)) return ancestor;
    return {};
}

}  // namespace accord::http
