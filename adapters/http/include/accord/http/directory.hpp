// PeopleDirectory: the organisation as this node knows it, a snapshot of every user (roles,
// units, leave) and of the units, read from People at start and again after any change to users
// or units (invalidate(), on the epoch). It answers who stands in for whom today (deputy_for:
// the authenticator puts it on each Principal) and where a task that names a unit is offered
// (engine::Directory: the runtime's interpreter asks it when a task opens). Thread safety: one
// executor.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "accord/engine/calendar.hpp"
#include "accord/engine/people.hpp"
#include "accord/engine/time.hpp"
#include "accord/http/people.hpp"

namespace accord::http {

class PeopleDirectory final : public engine::Directory {
public:
    PeopleDirectory(boost::asio::any_io_executor executor, People& people);
    ~PeopleDirectory() override;

    // Reads every user and the units now. A failed read keeps the last snapshot.
    Awaitable<Result<void>> refresh();
    // Something changed elsewhere: read again (at once, in the background; deputy_for waits
    // for it).
    void invalidate();
    // Something changed here: read again before going on, so that what this node does next
    // (a task that opens, a person's deputies) sees it.
    Awaitable<void> changed();

    // The people who are away at `now` (by their own local date) and named `name` their
    // deputy, sorted.
    Awaitable<std::vector<std::string>> deputy_for(std::string name, engine::TimeMs now);
    // engine::Directory: `unit` or its nearest ancestor where an unrevoked user holds `role`.
    std::string offer_unit(std::string_view role, std::string_view unit) const override;
    // engine::Directory: the person's deputy when they are away at `now`.
    std::string deputy_of(std::string_view person, std::int64_t now) const override;
    // engine::Directory: unrevoked holders of `role` in `unit` or under it.
    std::vector<std::string> members(std::string_view role, std::string_view unit) const override;
    // The office calendar as last read (the default until one is put).
    std::shared_ptr<const engine::Calendar> calendar() const;
    // An unrevoked user of the snapshot; nullptr if none. Valid until the next refresh.
    const engine::Person* find(std::string_view person) const;
    const engine::Person* person(std::string_view name) const override { return find(name); }

private:
    struct Snapshot;
    boost::asio::any_io_executor executor_;
    People& people_;
    std::shared_ptr<const Snapshot> snapshot_;
    std::uint64_t generation_ = 1, loaded_ = 0;
    bool refreshing_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace accord::http
