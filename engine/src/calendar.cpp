// Calendar (calendar.hpp): an office's local dates and working days.
#include "accord/engine/calendar.hpp"

#include <algorithm>
#include <cstdlib>

#include "pointer.hpp"

namespace accord::engine {

namespace {

constexpr std::array<std::string_view, 7> kWeekdays = {"sun", "mon", "tue", "wed",
                                                       "thu", "fri", "sat"};
constexpr std::int64_t kMaxWorkingDays = 100'000;

// A day from "YYYY-MM-DD"; nullopt for anything else.
std::optional<std::int64_t> day_of(const json& j) {
    if (!j.is_string()) return std::nullopt;
    auto t = parse_time(j.get_ref<const std::string&>());
    if (!t || !t->date_only) return std::nullopt;
    return floor_div(t->ms, kMsPerDay);
}

// "HH:MM" as minutes; nullopt for anything else.
std::optional<int> minutes_of(const json& j) {
    if (!j.is_string()) return std::nullopt;
    const std::string& s = j.get_ref<const std::string&>();
    if (s.size() != 5 || s[2] != ':') return std::nullopt;
    for (std::size_t i : {0u, 1u, 3u, 4u})
        if (s[i] < '0' || s[i] > '9') return std::nullopt;
    const int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 23 || m > 59) return std::nullopt;
    return h * 60 + m;
}

std::string hh_mm(int minutes) {
    std::string s = "00:00";
    s[0] = static_cast<char>('0' + minutes / 600);
    s[1] = static_cast<char>('0' + minutes / 60 % 10);
    s[3] = static_cast<char>('0' + minutes % 60 / 10);
    s[4] = static_cast<char>('0' + minutes % 10);
    return s;
}

Result<void> refuse(std::string pointer, std::string message) {
    return make_error(ErrorCode::invalid_input, std::move(message), std::move(pointer));
}

}  // namespace

int weekday(std::int64_t day) {
    return static_cast<int>(((day % 7) + 7 + 4) % 7);  // 1970-01-01 was a Thursday
}

Calendar::Calendar() {
    weekend_[0] = weekend_[6] = true;
}

Result<Calendar> Calendar::from_json(const json& j, const ZoneLookup& zones) {
    if (!j.is_object())
        return make_error(ErrorCode::invalid_input, "a calendar is an object", "");
    static constexpr std::array<std::string_view, 5> kKeys = {"time_zone", "weekend", "work_starts",
                                                              "holidays", "closures"};
    for (auto it = j.begin(); it != j.end(); ++it)
        if (std::find(kKeys.begin(), kKeys.end(), it.key()) == kKeys.end())
            return make_error(ErrorCode::invalid_input,
                              "unknown member \"" + it.key() +
                                  "\" (time_zone, weekend, work_starts, holidays, closures)",
                              pointer_join("", it.key()));
    Calendar c;
    if (auto it = j.find("time_zone"); it != j.end()) {
        if (!it->is_string())
            return make_error(ErrorCode::invalid_input, "time_zone is an IANA name such as Asia/Hebron",
                              "/time_zone");
        c.time_zone_ = it->get<std::string>();
        if (c.time_zone_ != "UTC") {
            c.zone_ = zones ? zones(c.time_zone_) : nullptr;
            if (!c.zone_)
                return make_error(ErrorCode::invalid_input,
                                  "unknown time zone \"" + c.time_zone_ + "\"", "/time_zone");
        }
    }
    if (auto it = j.find("weekend"); it != j.end()) {
        if (!it->is_array() || it->size() > 6)
            return make_error(ErrorCode::invalid_input,
                              "weekend is a list of at most 6 days: sun, mon, tue, wed, thu, fri, sat",
                              "/weekend");
        c.weekend_.fill(false);
        for (std::size_t i = 0; i < it->size(); ++i) {
            const json& d = (*it)[i];
            auto found = d.is_string() ? std::find(kWeekdays.begin(), kWeekdays.end(),
                                                   d.get_ref<const std::string&>())
                                       : kWeekdays.end();
            if (found == kWeekdays.end())
                return make_error(ErrorCode::invalid_input,
                                  "a weekend day is one of sun, mon, tue, wed, thu, fri, sat",
                                  pointer_join("/weekend", i));
            c.weekend_[static_cast<std::size_t>(found - kWeekdays.begin())] = true;
        }
    }
    if (auto it = j.find("work_starts"); it != j.end()) {
        auto m = minutes_of(*it);
        if (!m)
            return make_error(ErrorCode::invalid_input, "work_starts is a local time \"HH:MM\"",
                              "/work_starts");
        c.work_starts_ = *m;
    }
    auto name_of = [](const json& item, const std::string& p, Text& out) -> Result<void> {
        auto n = item.find("name");
        if (n == item.end()) return Ok{};
        auto t = Text::from_json(*n);
        if (!t) return refuse(p + "/name", "a name is a string or {\"en\": ..., \"ar\": ...}");
        out = std::move(*t);
        return Ok{};
    };
    if (auto it = j.find("holidays"); it != j.end()) {
        if (!it->is_array())
            return make_error(ErrorCode::invalid_input, "holidays is a list of {date, name}",
                              "/holidays");
        for (std::size_t i = 0; i < it->size(); ++i) {
            const json& h = (*it)[i];
            const std::string p = pointer_join("/holidays", i);
            if (!h.is_object())
                return make_error(ErrorCode::invalid_input, "a holiday is {date, name}", p);
            auto day = h.contains("date") ? day_of(h["date"]) : std::nullopt;
            if (!day) return make_error(ErrorCode::invalid_input, "date: YYYY-MM-DD", p + "/date");
            Holiday holiday{h["date"].get<std::string>(), {}};
            if (auto r = name_of(h, p, holiday.name); !r) return r.error();
            c.off_days_.insert(*day);
            c.holidays_.push_back(std::move(holiday));
        }
    }
    if (auto it = j.find("closures"); it != j.end()) {
        if (!it->is_array())
            return make_error(ErrorCode::invalid_input, "closures is a list of {from, to, name}",
                              "/closures");
        for (std::size_t i = 0; i < it->size(); ++i) {
            const json& cl = (*it)[i];
            const std::string p = pointer_join("/closures", i);
            if (!cl.is_object())
                return make_error(ErrorCode::invalid_input, "a closure is {from, to, name}", p);
            const auto from_day = cl.contains("from") ? day_of(cl["from"]) : std::nullopt;
            const auto to_day = cl.contains("to") ? day_of(cl["to"]) : std::nullopt;
            if (!from_day)
                return make_error(ErrorCode::invalid_input, "from: YYYY-MM-DD", p + "/from");
            if (!to_day) return make_error(ErrorCode::invalid_input, "to: YYYY-MM-DD", p + "/to");
            const std::int64_t from = *from_day, to = *to_day;
            if (to < from || to - from > 366)
                return make_error(ErrorCode::invalid_input,
                                  "to is on or after from, and a closure lasts at most a year",
                                  p + "/to");
            Closure closure{cl["from"].get<std::string>(), cl["to"].get<std::string>(), {}};
            if (auto r = name_of(cl, p, closure.name); !r) return r.error();
            for (std::int64_t d = from; d <= to; ++d) c.off_days_.insert(d);
            c.closures_.push_back(std::move(closure));
        }
    }
    if (std::all_of(c.weekend_.begin(), c.weekend_.end(), [](bool b) { return b; }))
        return make_error(ErrorCode::invalid_input, "a week needs a working day", "/weekend");
    return c;
}

json Calendar::to_json() const {
    json weekend = json::array();
    for (std::size_t d = 0; d < 7; ++d)
        if (weekend_[d]) weekend.push_back(kWeekdays[d]);
    json holidays = json::array(), closures = json::array();
    for (const auto& h : holidays_) holidays.push_back({{"date", h.date}, {"name", h.name.to_json()}});
    for (const auto& c : closures_)
        closures.push_back({{"from", c.from}, {"to", c.to}, {"name", c.name.to_json()}});
    return {{"time_zone", time_zone_},
            {"weekend", std::move(weekend)},
            {"work_starts", hh_mm(work_starts_)},
            {"holidays", std::move(holidays)},
            {"closures", std::move(closures)}};
}

std::int64_t Calendar::local_day(TimeMs t) const {
    return floor_div(t + offset_ms(t), kMsPerDay);
}

TimeMs Calendar::at_local(std::int64_t day, int minute) const {
    const TimeMs local = day * kMsPerDay + minute * kMsPerMinute;
    if (!zone_) return local;
    // The offset where the local time falls: guess with the offset a day either side (before
    // and after any change), keep the one that maps back.
    const std::int64_t before = zone_->offset_ms(local - kMsPerDay);
    const std::int64_t after = zone_->offset_ms(local + kMsPerDay);
    const TimeMs first = local - before, second = local - after;
    const bool first_ok = first + zone_->offset_ms(first) == local;
    const bool second_ok = second + zone_->offset_ms(second) == local;
    if (first_ok && second_ok) return std::min(first, second);  // repeated: the first
    if (first_ok) return first;
    if (second_ok) return second;
    // Skipped by a change (clocks forward): as long after it as it would have been.
    return local - before;
}

TimeMs Calendar::resolve(const ParsedTime& t, std::optional<int> minute) const {
    if (!t.date_only) return t.ms;
    return at_local(floor_div(t.ms, kMsPerDay), minute.value_or(work_starts_));
}

bool Calendar::weekend(std::int64_t day) const {
    return weekend_[static_cast<std::size_t>(weekday(day))];
}

bool Calendar::working_day(std::int64_t day) const {
    return !weekend(day) && !off_days_.contains(day);
}

TimeMs Calendar::add_working_days(TimeMs t, std::int64_t n) const {
    if (n == 0) return t;
    n = std::clamp(n, -kMaxWorkingDays, kMaxWorkingDays);
    const std::int64_t start = local_day(t);
    const TimeMs time_of_day = t + offset_ms(t) - start * kMsPerDay;
    const std::int64_t step = n > 0 ? 1 : -1;
    std::int64_t day = start;
    for (std::int64_t counted = 0; counted != n;) {
        day += step;
        if (working_day(day)) counted += step;
    }
    return at_local(day, static_cast<int>(time_of_day / kMsPerMinute)) + time_of_day % kMsPerMinute;
}

std::int64_t Calendar::working_days_between(TimeMs a, TimeMs b) const {
    const std::int64_t from = local_day(a), to = local_day(b);
    const std::int64_t lo = std::min(from, to), hi = std::max(from, to);
    if (hi - lo > 4 * kMaxWorkingDays) return from < to ? kMaxWorkingDays : -kMaxWorkingDays;
    // Forward: the days after a's up to b's; back: b's day up to the one before a's, so that
    // add_working_days(a, result) is on b's day either way (when that is a working day).
    const std::int64_t first = from <= to ? lo + 1 : lo, last = from <= to ? hi : hi - 1;
    std::int64_t count = 0;
    for (std::int64_t d = first; d <= last; ++d)
        if (working_day(d)) ++count;
    return from <= to ? count : -count;
}

}  // namespace accord::engine
