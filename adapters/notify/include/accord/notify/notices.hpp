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

class Mailer;
class Webhooks;
struct MailJob;

// How notices become e-mail: who it is from, and where links point.
struct MailSettings {
    std::string from;        // --mail-from
    std::string public_url;  // --public-url; empty: no links
};

class Notices {
public:
    Notices(redis::NoticeStore& store, redis::RedisStore& feed, const engine::Directory& directory);
    // E-mails, too, to those who want them (their profile's email_notices: "immediately";
    // a role's notices only with email_role_tasks), queued on `mailer`.
    void mail_through(Mailer* mailer, MailSettings settings) {
        mailer_ = mailer;
        mail_ = std::move(settings);
    }
    // And to the webhooks that want "notification" events.
    void hook_through(Webhooks* webhooks) { webhooks_ = webhooks; }

    // One outbox "notify" entry's payload (engine::to_json(Notice) with "effect_id" and
    // "committed_at", as the runtime hands it over). invalid_input for one that is malformed
    // (the runtime parks it); a storage error leaves it to be delivered again.
    Awaitable<Result<void>> deliver(engine::json payload);

    // The notice's id: the same for every delivery of one effect.
    static std::string notice_id(std::string_view effect_id);

    std::string metrics() const;  // Prometheus text

private:
    // A notice kept for someone's daily digest.
    struct Digested {
        std::string person;
        engine::TimeMs due;
        std::string item;
    };
    // The e-mails the notice makes now, and (into `digested`) what waits for a digest.
    std::vector<MailJob> mail_jobs(const engine::Notice& notice, const std::string& id,
                                   engine::TimeMs at, const std::vector<engine::Recipient>& reached,
                                   std::vector<Digested>& digested);
    redis::NoticeStore& store_;
    redis::RedisStore& feed_;
    const engine::Directory& directory_;
    Mailer* mailer_ = nullptr;
    Webhooks* webhooks_ = nullptr;
    MailSettings mail_;
    std::uint64_t delivered_ = 0, copies_ = 0, unheard_ = 0;
};

}  // namespace accord::notify
