// Notices: delivers the notices the workflows' commits leave in the outbox (engine::Notice) to
// people. For each one it asks the organisation whom it reaches now (engine::recipients: named
// people, role holders, unit members, the deputies of those away), adds it to each one's list
// (redis::NoticeStore, once per person however often it is delivered) and puts it on the feed
// as a "notification" naming them. accordd sets deliver() as the runtime's notifier: any node
// delivers, at least once, with a stable id.
//
// Thread safety: one executor (the runtime's).
#pragma once

#include <cstdint>
#include <string>

#include "accord/engine/notices.hpp"
#include "accord/engine/people.hpp"
#include "accord/redis/notices.hpp"
#include "accord/redis/redis_store.hpp"

namespace accord::notify {

template <typename T>
using Awaitable = boost::asio::awaitable<T>;
using engine::Result;

class Notices {
public:
    Notices(redis::NoticeStore& store, redis::RedisStore& feed, const engine::Directory& directory);

    // One outbox "notify" entry's payload (engine::to_json(Notice) with "effect_id" and
    // "committed_at", as the runtime hands it over). invalid_input for one that is malformed
    // (the runtime parks it); a storage error leaves it to be delivered again.
    Awaitable<Result<void>> deliver(engine::json payload);

    // The notice's id: the same for every delivery of one effect.
    static std::string notice_id(std::string_view effect_id);

    std::string metrics() const;  // Prometheus text

private:
    redis::NoticeStore& store_;
    redis::RedisStore& feed_;
    const engine::Directory& directory_;
    std::uint64_t delivered_ = 0, copies_ = 0, unheard_ = 0;
};

}  // namespace accord::notify
