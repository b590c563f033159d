// Deputies: who stands in for whom now. A snapshot of everyone's leave (away: from, to, deputy,
// in the person's time zone), read from People when first asked and again after any change to
// users (the epoch: invalidate()), so that an authenticated person carries the people they
// stand in for today (engine::Actor::deputy_for). Thread safety: one executor.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "accord/engine/time.hpp"
#include "accord/http/people.hpp"

namespace accord::http {

class Deputies {
public:
    explicit Deputies(People& people) : people_(people) {}

    // The people who are away at `now` (their own local date) and named `name` their deputy,
    // sorted. A failed read of the users leaves the last snapshot (empty before the first).
    Awaitable<std::vector<std::string>> deputy_for(std::string name, engine::TimeMs now);
    // Read the users again before the next answer.
    void invalidate() { ++generation_; }

private:
    struct Leave {
        std::string person, from, to, zone;
    };
    People& people_;
    std::unordered_map<std::string, std::vector<Leave>> by_deputy_;
    std::uint64_t generation_ = 1, loaded_ = 0;
};

}  // namespace accord::http
