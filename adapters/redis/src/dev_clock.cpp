// DevClock: an offset in Redis that only grows, and an advance that steps from one due timer to
// the next.
#include "accord/redis/dev_clock.hpp"

#include <algorithm>
#include <set>

#include "accord/engine/time.hpp"
#include "scripts.hpp"

namespace accord::redis {

using engine::ErrorCode;
using engine::json;
using engine::make_error;

namespace {

TimeMs parse_offset(const std::string& text) {
    return static_cast<TimeMs>(std::strtoll(text.c_str(), nullptr, 10));
}

// Releases a hold of the runtime's background loop however the advance ends.
class Held {
public:
    explicit Held(Runtime& runtime) : runtime_(runtime) {}
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;
    ~Held() { runtime_.release_background(); }

private:
    Runtime& runtime_;
};

}  // namespace

DevClock::DevClock(RedisStore& store, std::function<TimeMs()> base)
    : store_(store), base_(std::move(base)) {}

TimeMs DevClock::base() const {
    return base_ ? base_() : system_now();
}

TimeMs DevClock::now() const {
    return base() + offset_;
}

Awaitable<Result<void>> DevClock::refresh() {
    const std::string key = store_.keys().clock();
    auto r = co_await store_.client().command(key, command_of("GET", key));
    if (!r) co_return r.error();
    if (r->type == Reply::Type::string) offset_ = std::max(offset_, parse_offset(r->str));
    co_return engine::Ok{};
}

Awaitable<Result<void>> DevClock::move_to(TimeMs time) {
    auto r =
        co_await store_.client().eval(scripts::clock_forward(), command_of(store_.keys().clock()),
                                      command_of(std::to_string(time - base())));
    if (!r) co_return r.error();
    if (r->type != Reply::Type::string)
        co_return make_error(ErrorCode::storage_error, "clock_forward: unexpected reply");
    offset_ = std::max(offset_, parse_offset(r->str));
    co_return engine::Ok{};
}

Awaitable<Result<void>> DevClock::settle(Runtime& runtime) {
    while (true) {
        auto fired = co_await runtime.fire_due_timers();
        if (!fired) co_return fired.error();
        auto delivered = co_await runtime.deliver_outbox();
        if (!delivered) co_return delivered.error();
        if (*fired == 0 && *delivered == 0) co_return engine::Ok{};
    }
}

Awaitable<Result<TimeMs>> DevClock::advance_to(Runtime& runtime, TimeMs target) {
    if (auto r = co_await refresh(); !r) co_return r.error();
    if (target < now())
        co_return make_error(ErrorCode::invalid_input, "time never goes back: the clock is at " +
                                                           engine::format_date_time(now()) +
                                                           ", later than " +
                                                           engine::format_date_time(target));
    co_await runtime.hold_background();
    const Held held(runtime);
    co_return co_await advance_held(runtime, target);
}

Awaitable<Result<TimeMs>> DevClock::advance_held(Runtime& runtime, TimeMs target) {
    const TimeMs lease = runtime.options().timer_lease.count();
    std::set<std::string> taken_over;
    while (true) {
        if (auto settled = co_await settle(runtime); !settled) co_return settled.error();
        // A claim ends at most one lease after it was made, and it was made at or before now.
        auto next = co_await store_.next_timers(now() + lease + 1);
        if (!next) co_return next.error();
        // A claimed entry's instance has timers due now that its claimant (another node in
        // its round, or one that died) has not committed yet. They are fired here, at this
        // time, before the clock moves on: once each, as the claimant's own commits, if it
        // lives, are stale and find them fired. One still claimed after that is due when its
        // lease ends, as for any node.
        bool took_over = false;
        std::optional<TimeMs> due;
        if (next->earliest) due = next->earliest->due_at;
        for (const auto& claimed : next->claimed) {
            if (taken_over.insert(claimed.instance_id).second) {
                (void)co_await runtime.fire_instance_timers(claimed.instance_id);
                took_over = true;
            } else {
                due = std::min(due.value_or(claimed.due_at), claimed.due_at);
            }
        }
        if (took_over) continue;
        if (!due || *due > target) break;
        if (*due > now())
            if (auto moved = co_await move_to(*due); !moved) co_return moved.error();
    }
    if (target > now())
        if (auto moved = co_await move_to(target); !moved) co_return moved.error();
    co_return now();
}

Result<TimeMs> DevClock::target_of(const json& request, TimeMs now) {
    const bool advance = request.is_object() && request.contains("advance");
    const bool set = request.is_object() && request.contains("set");
    if (advance == set)
        return make_error(ErrorCode::invalid_input,
                          "a clock request has either \"advance\" (a duration) or \"set\" (a "
                          "date-time)");
    if (advance) {
        const json& text = request["advance"];
        auto d = text.is_string() ? engine::parse_duration(text.get<std::string>()) : std::nullopt;
        if (!d || d->negative)
            return make_error(ErrorCode::invalid_input,
                              "advance needs an ISO 8601 duration that is not negative, such as "
                              "\"P90D\" or \"PT2H\"",
                              "/advance");
        return engine::add_duration(now, *d);
    }
    const json& text = request["set"];
    auto t = text.is_string() ? engine::parse_time(text.get<std::string>()) : std::nullopt;
    if (!t)
        return make_error(ErrorCode::invalid_input,
                          "set needs a date or an RFC 3339 date-time, such as "
                          "\"2027-03-01T09:00:00Z\"",
                          "/set");
    return t->ms;
}

}  // namespace accord::redis
