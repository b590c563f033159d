// RedisNotifications (notifications.hpp): the Api's notification list on redis::NoticeStore.
#include "accord/http/notifications.hpp"

#include "accord/redis/notices.hpp"

namespace accord::http {

Awaitable<Result<NotificationPage>> RedisNotifications::page(std::string person,
                                                             std::string cursor,
                                                             std::size_t limit, bool unread_only) {
    auto stored = co_await store_.page(std::move(person), std::move(cursor), limit, unread_only);
    if (!stored) co_return stored.error();
    NotificationPage out;
    out.next = std::move(stored->next);
    out.unread = stored->unread;
    for (auto& n : stored->items) {
        n.body["read"] = n.read;
        out.items.push_back(std::move(n.body));
    }
    co_return out;
}

Awaitable<Result<void>> RedisNotifications::mark_read(std::string person, std::string id) {
    auto r = co_await store_.mark_read(std::move(person), std::move(id));
    if (!r) co_return r.error();
    co_return engine::Ok{};
}

Awaitable<Result<void>> RedisNotifications::mark_all_read(std::string person) {
    auto r = co_await store_.mark_all_read(std::move(person));
    if (!r) co_return r.error();
    co_return engine::Ok{};
}

}  // namespace accord::http
