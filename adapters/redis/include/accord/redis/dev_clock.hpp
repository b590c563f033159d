// DevClock: a development clock shared through Redis ("time travel" for tests and demos). Its
// time is a base clock (the system's) plus an offset kept in `<prefix>:clock`, so every node on
// that Redis runs on one clock. The offset only grows: time never goes back, on any node.
// Advancing it fires the timers that fall due on the way in due order, each at its own due time.
//
// Wiring: RuntimeOptions::now = [&clock] { return clock.now(); } and
// RuntimeOptions::refresh_clock = [&clock] { return clock.refresh(); }.
//
// Thread safety: use it from its store's executor only.
#pragma once

#include <functional>

#include "accord/redis/runtime.hpp"

namespace accord::redis {

class DevClock {
public:
    // `base` empty: the system clock. A base that stands still (a constant) makes a virtual
    // clock that only advance_to moves: the scenario tests run on one.
    explicit DevClock(RedisStore& store, std::function<TimeMs()> base = {});

    // The base clock plus the offset last read or written here. Cheap: no Redis call.
    TimeMs now() const;
    TimeMs offset() const { return offset_; }

    // Reads the offset again, so that this node follows one that advanced. An offset lower
    // than the one known here (the key deleted) is ignored: this node's time never goes back.
    Awaitable<Result<void>> refresh();

    // Moves the clock to `target`, firing on the way every timer due up to it, each at its own
    // due time and in due order, with everything they cause (timers they set inside the span,
    // children and starts through the outbox): the clock steps to the earliest pending timer,
    // `runtime` fires what is due then and delivers its outbox until nothing is left, and so
    // on; then the clock is set to `target`. Returns the time after, which is later than
    // `target` when another node advanced further meanwhile.
    // `runtime`'s background loop is held meanwhile. target < now(): invalid_input, and
    // nothing changes.
    Awaitable<Result<TimeMs>> advance_to(Runtime& runtime, TimeMs target);

    // The target of an admin clock request at `now`: {"advance": "P90D"} (an ISO 8601
    // duration, not negative) or {"set": "2027-03-01T09:00:00Z"} (a date or date-time).
    // Malformed: invalid_input with the pointer of the member at fault.
    static Result<TimeMs> target_of(const engine::json& request, TimeMs now);

private:
    TimeMs base() const;
    // Stores base() + offset = `time` unless a larger offset is stored, and adopts what is.
    Awaitable<Result<void>> move_to(TimeMs time);
    // Fires what is due now and delivers the outbox, until neither has anything left.
    Awaitable<Result<void>> settle(Runtime& runtime);
    Awaitable<Result<TimeMs>> advance_held(Runtime& runtime, TimeMs target);

    RedisStore& store_;
    std::function<TimeMs()> base_;
    TimeMs offset_ = 0;
};

}  // namespace accord::redis
