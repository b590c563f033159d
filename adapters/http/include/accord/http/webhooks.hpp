// Webhooks: what the Api asks of the webhooks other systems register (POST, GET and DELETE
// /api/v1/admin/webhooks, their deliveries, a test delivery, a redelivery). accordd wires in
// notify::Webhooks; an Api without them answers those routes 404.
#pragma once

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "accord/engine/result.hpp"

namespace accord::http {

class Webhooks {
public:
    virtual ~Webhooks() = default;
    // {"url", "events": [...], "secret"}: the webhook as registered (its secret left out).
    // invalid_input at the member's pointer; forbidden when --webhook-allow does not allow the
    // URL.
    virtual boost::asio::awaitable<engine::Result<nlohmann::json>> add(nlohmann::json spec,
                                                                       std::string by) = 0;
    virtual boost::asio::awaitable<engine::Result<std::vector<nlohmann::json>>> list() = 0;
    // not_found when there is none of that id.
    virtual boost::asio::awaitable<engine::Result<void>> remove(std::string id, std::string by) = 0;
    // Its deliveries, newest first, each with its attempts.
    virtual boost::asio::awaitable<engine::Result<std::vector<nlohmann::json>>> deliveries(
        std::string id, std::size_t limit) = 0;
    // A "ping" delivery to it, queued: the delivery.
    virtual boost::asio::awaitable<engine::Result<nlohmann::json>> test(std::string id) = 0;
    // One of its past deliveries queued again, with the same id and body: the delivery.
    virtual boost::asio::awaitable<engine::Result<nlohmann::json>> redeliver(std::string id,
                                                                             std::string delivery) = 0;
};

}  // namespace accord::http
