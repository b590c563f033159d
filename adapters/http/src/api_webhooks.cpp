// The Api's webhook routes (docs/api.md, "Webhooks"): admins register, list and delete them,
// read their deliveries, send a test and redeliver a past one.
#include "api_internal.hpp"

#include "accord/http/webhooks.hpp"

namespace accord::http {

Awaitable<Response> Api::add_webhook(Context& cx) {
    if (options_.webhooks == nullptr) co_return not_served("webhooks");
    auto added = co_await options_.webhooks->add(cx.body, cx.who.id);
    if (!added) co_return problem(added.error());
    co_return json_response(201, *added);
}

Awaitable<Response> Api::list_webhooks(Context&) {
    if (options_.webhooks == nullptr) co_return not_served("webhooks");
    auto all = co_await options_.webhooks->list();
    if (!all) co_return problem(all.error());
    json items = json::array();
    for (auto& h : *all) items.push_back(std::move(h));
    co_return json_response(200, {{"items", std::move(items)}});
}

Awaitable<Response> Api::delete_webhook(Context& cx) {
    if (options_.webhooks == nullptr) co_return not_served("webhooks");
    auto removed = co_await options_.webhooks->remove(cx.path("id"), cx.who.id);
    if (!removed) co_return problem(removed.error());
    co_return text_response(204, "");
}

Awaitable<Response> Api::webhook_deliveries(Context& cx) {
    if (options_.webhooks == nullptr) co_return not_served("webhooks");
    auto limit = page_limit(cx.param("limit"), options_.max_page);
    if (!limit) co_return problem(limit.error());
    auto found = co_await options_.webhooks->deliveries(cx.path("id"), *limit);
    if (!found) co_return problem(found.error());
    json items = json::array();
    for (auto& d : *found) items.push_back(std::move(d));
    co_return json_response(200, {{"items", std::move(items)}});
}

Awaitable<Response> Api::test_webhook(Context& cx) {
    if (options_.webhooks == nullptr) co_return not_served("webhooks");
    auto delivery = co_await options_.webhooks->test(cx.path("id"));
    if (!delivery) co_return problem(delivery.error());
    co_return json_response(202, *delivery);
}

Awaitable<Response> Api::redeliver_webhook(Context& cx) {
    if (options_.webhooks == nullptr) co_return not_served("webhooks");
    auto delivery = co_await options_.webhooks->redeliver(cx.path("id"), cx.path("delivery"));
    if (!delivery) co_return problem(delivery.error());
    co_return json_response(202, *delivery);
}

}  // namespace accord::http
