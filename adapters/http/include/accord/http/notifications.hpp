// Notifications: each person's list of notices, as the Api asks for it (GET
// /api/v1/notifications and marking them read). accordd wires RedisNotifications in (over
// redis::NoticeStore); an Api without Notifications answers those routes 404.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include <nlohmann/json.hpp>

#include "accord/engine/result.hpp"

namespace accord::redis {
class NoticeStore;
}

namespace accord::http {

template <typename T>
using Awaitable = boost::asio::awaitable<T>;
using engine::Result;

struct NotificationPage {
    std::vector<nlohmann::json> items;  // newest first, each with "read"
    std::string next;                 // empty: no more
    std::int64_t unread = 0;          // the person's unread ones, in all
};

class Notifications {
public:
    virtual ~Notifications() = default;
    // invalid_input on a malformed cursor.
    virtual Awaitable<Result<NotificationPage>> page(std::string person, std::string cursor,
                                                     std::size_t limit, bool unread_only) = 0;
    // not_found when the person has no notification `id`.
    virtual Awaitable<Result<void>> mark_read(std::string person, std::string id) = 0;
    virtual Awaitable<Result<void>> mark_all_read(std::string person) = 0;
};

class RedisNotifications final : public Notifications {
public:
    explicit RedisNotifications(redis::NoticeStore& store) : store_(store) {}
    Awaitable<Result<NotificationPage>> page(std::string person, std::string cursor,
                                             std::size_t limit, bool unread_only) override;
    Awaitable<Result<void>> mark_read(std::string person, std::string id) override;
    Awaitable<Result<void>> mark_all_read(std::string person) override;

private:
    redis::NoticeStore& store_;
};

}  // namespace accord::http
