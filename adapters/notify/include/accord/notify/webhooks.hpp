// Webhooks: other systems told of what happens, by signed JSON POSTs. An admin registers a URL,
// the event types it wants (the feed's: task.opened, task.completed, reminder, notification,
// instance.finished, ...; "*" for all) and a secret. While any webhook exists, every commit also
// writes its events to the outbox (RedisStore::feed_to_outbox); delivering that entry makes one
// delivery per event and webhook that wants it, each with a stable id, a record of its attempts
// and a job on the "hooks" Outbound, which any node sends: a POST with
//   Accord-Delivery: <id>                       (the same on every attempt)
//   Accord-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>
// retried with exponential back-off from 30 s for 24 hours while the answer is not 2xx.
//
// Registrations live beside the users (<prefix>:{u}:hooks: every change bumps the users' epoch,
// so every node learns at once, and is audited); deliveries in the slot {hooks}:
// <prefix>:{hooks}:delivery:<id> (its record, 30 days) and <prefix>:{hooks}:deliveries:<hook>
// (the newest 200 ids). docs/api.md, "Webhooks".
//
// Thread safety: one executor (the client's).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "accord/http/webhooks.hpp"
#include "accord/notify/outbound.hpp"

namespace accord::notify {

struct WebhookSettings {
    // URL prefixes a webhook may point at ("https://erp.example.edu/"); empty: any http(s) URL.
    std::vector<std::string> allow;
    std::chrono::seconds timeout{10};
    int threads = 4;
};

class Webhooks final : public http::Webhooks {
public:
    Webhooks(std::shared_ptr<redis::Client> client, OutboundOptions options,
             WebhookSettings settings);
    ~Webhooks() override;

    // http::Webhooks
    Awaitable<Result<nlohmann::json>> add(nlohmann::json spec, std::string by) override;
    Awaitable<Result<std::vector<nlohmann::json>>> list() override;
    Awaitable<Result<void>> remove(std::string id, std::string by) override;
    Awaitable<Result<std::vector<nlohmann::json>>> deliveries(std::string id,
                                                              std::size_t limit) override;
    Awaitable<Result<nlohmann::json>> test(std::string id) override;
    Awaitable<Result<nlohmann::json>> redeliver(std::string id, std::string delivery) override;

    // A commit's events (the outbox's "feed" entry, with "effect_id"): a delivery for each event
    // and each webhook that wants it, made once however often the entry is delivered.
    Awaitable<Result<void>> dispatch(nlohmann::json entry);
    // A delivered notification (Notices): one "notification" event.
    Awaitable<Result<void>> notification(const nlohmann::json& event, std::string effect_id);

    // Reads the webhooks and which event types they want (at start, and when the users' epoch
    // moves); dispatch() makes deliveries for the webhooks as last read.
    Awaitable<Result<void>> refresh();
    bool any() const { return !wanted_.empty(); }
    // Whether a webhook wants events of this type (a commit's effect type: "reminder" stands
    // for task.due_soon too).
    bool wants(std::string_view type) const;

    void start(redis::Supervisor& supervisor) { out_.start(supervisor); }
    Awaitable<Result<std::size_t>> drain() { return out_.drain(); }
    std::string metrics() const { return out_.metrics(); }

private:
    struct Pool;
    Awaitable<Result<void>> send(nlohmann::json& job);
    Awaitable<void> attempted(const nlohmann::json& job, const Result<void>& outcome, bool final);
    Awaitable<Result<std::vector<nlohmann::json>>> hooks();  // with their secrets
    // Makes each delivery (record, list, job) unless it exists; [{"id", "hook", "event",
    // "body"}].
    Awaitable<Result<void>> make(std::vector<nlohmann::json> deliveries);
    bool allowed(const std::string& url) const;

    std::shared_ptr<redis::Client> client_;
    OutboundOptions options_;
    WebhookSettings settings_;
    Outbound out_;
    std::unique_ptr<Pool> pool_;
    std::string hooks_key_, epoch_key_, changes_key_, audit_key_;
    std::vector<std::string> wanted_;  // the event types some webhook wants ("*": all)
    std::vector<nlohmann::json> registered_;  // the webhooks as last read, by creation
};

// The Accord-Signature header of `body` sent at `t` (unix seconds) with `secret`.
std::string webhook_signature(std::string_view secret, std::int64_t t, std::string_view body);

}  // namespace accord::notify
