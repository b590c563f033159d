// The Api's notification routes (docs/api.md, "Notifications"): each person's own list, newest
// first, and marking notifications read. Nobody sees another's.
#include "api_internal.hpp"

namespace accord::http {

Awaitable<Response> Api::list_notifications(Context& cx) {
    if (options_.notifications == nullptr) co_return not_served("notifications");
    auto limit = page_limit(cx.param("limit"), options_.max_page);
    if (!limit) co_return problem(limit.error());
    auto unread = cx.flag("unread");
    if (!unread) co_return problem(unread.error());
    auto page = co_await options_.notifications->page(cx.who.id, cx.param("cursor"), *limit, *unread);
    if (!page) co_return problem(page.error());
    json items = json::array();
    for (auto& n : page->items) {
        // Kept in every language they were written in; shown in the reader's.
        for (const char* text : {"subject", "message", "task_title"})
            if (auto it = n.find(text); it != n.end() && it->is_object())
                *it = engine::text_in(*it, cx.who.language);
        items.push_back(std::move(n));
    }
    co_return json_response(200, {{"items", std::move(items)},
                                  {"next", page->next.empty() ? json(nullptr) : json(page->next)},
                                  {"unread", page->unread}});
}

Awaitable<Response> Api::read_notification(Context& cx) {
    if (options_.notifications == nullptr) co_return not_served("notifications");
    auto r = co_await options_.notifications->mark_read(cx.who.id, cx.path("id"));
    if (!r) co_return problem(r.error());
    co_return text_response(204, "");
}

Awaitable<Response> Api::read_all_notifications(Context& cx) {
    if (options_.notifications == nullptr) co_return not_served("notifications");
    auto r = co_await options_.notifications->mark_all_read(cx.who.id);
    if (!r) co_return problem(r.error());
    co_return text_response(204, "");
}

}  // namespace accord::http
