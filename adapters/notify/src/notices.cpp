// Notices (notices.hpp): whom a notice reaches, their copies, and the feed's message.
#include "accord/notify/notices.hpp"
#include "accord/engine/json_text.hpp"

#include "accord/engine/calendar.hpp"
#include "accord/engine/time.hpp"
#include "accord/http/time_zones.hpp"
#include "accord/notify/mail.hpp"
#include "accord/notify/mailer.hpp"
#include "accord/notify/webhooks.hpp"
#include "accord/redis/reply.hpp"

namespace accord::notify {

using engine::json;

Notices::Notices(redis::NoticeStore& store, redis::RedisStore& feed,
                 const engine::Directory& directory)
    : store_(store), feed_(feed), directory_(directory) {}

std::string Notices::notice_id(std::string_view effect_id) {
    return redis::sha1_hex(effect_id).substr(0, 24);
}

namespace {

// What every reader of a notice is shown (the feed's event and each list's item, "for" apart).
json shown(const engine::Notice& n, const std::string& id, engine::TimeMs at) {
    json j = {{"id", id}, {"at", engine::format_date_time(at)}, {"kind", n.kind},
              {"instance", n.instance}, {"workflow", n.workflow}};
    if (!n.task.empty()) j["task"] = n.task;
    if (!n.task_title.empty()) j["task_title"] = n.task_title.to_json();
    j["subject"] = n.subject.to_json();
    if (!n.message.empty()) j["message"] = n.message.to_json();
    return j;
}

}  // namespace

Awaitable<Result<void>> Notices::deliver(json payload) {
    auto notice = engine::notice_from_json(payload);
    if (!notice) co_return notice.error();
    const std::string effect_id = payload.value("effect_id", std::string());
    if (effect_id.empty())
        co_return engine::make_error(engine::ErrorCode::invalid_input, "a notice needs its effect id");
    // The step's time (the instance's clock), else when Redis took the commit.
    const engine::TimeMs at =
        notice->at != 0 ? notice->at : payload.value("committed_at", engine::TimeMs{0});
    const int order = payload.value("committed_seq", 0);
    const std::string id = notice_id(effect_id);
    const auto reached = engine::recipients(*notice, directory_, at);
    ++delivered_;
    if (reached.empty()) {
        ++unheard_;
        co_return engine::Ok{};
    }
    const json common = shown(*notice, id, at);
    std::vector<redis::NoticeCopy> copies;
    copies.reserve(reached.size());
    json to = json::array(), for_whom = json::object();
    for (const auto& r : reached) {
        json item = common;
        if (!r.for_person.empty()) {
            item["for"] = r.for_person;
            for_whom[r.person] = r.for_person;
        }
        copies.push_back({r.person, engine::json_text(item)});
        to.push_back(r.person);
    }
    auto added = co_await store_.add(id, at, order, std::move(copies));
    if (!added) co_return added.error();
    copies_ += *added;
    // On the feed, in its place among the commits: each socket of someone it names gets it.
    json event = common;
    event["type"] = "notification";
    event["to"] = std::move(to);
    if (!for_whom.empty()) event["for"] = std::move(for_whom);
    if (webhooks_ != nullptr && webhooks_->wants("notification"))
        if (auto hooked = co_await webhooks_->notification(event, effect_id); !hooked)
            co_return hooked.error();
    json entry = {{"at", at}, {"instance", notice->instance}, {"workflow", notice->workflow},
                  {"events", json::array({std::move(event)})}};
    auto fed = co_await feed_.add_to_feed(notice->instance, engine::json_text(entry));
    if (!fed) co_return fed.error();
    if (mailer_ != nullptr) {
        std::vector<Digested> digested;
        auto jobs = mail_jobs(*notice, id, at, reached, digested);
        if (auto queued = co_await mailer_->enqueue(std::move(jobs)); !queued)
            co_return queued.error();
        for (auto& d : digested)
            if (auto kept = co_await mailer_->add_to_digest(std::move(d.person), d.due,
                                                            std::move(d.item));
                !kept)
                co_return kept.error();
    }
    co_return engine::Ok{};
}

namespace {

// The next time it is `hour` o'clock in `zone` after `at` (UTC when the zone is unknown).
engine::TimeMs next_local_hour(const std::string& zone, int hour, engine::TimeMs at) {
    auto office = engine::Calendar::from_json(json{{"time_zone", zone}}, http::zone_rules);
    const engine::Calendar c = office ? std::move(office).value() : engine::Calendar();
    const std::int64_t day = c.local_day(at);
    const engine::TimeMs today = c.at_local(day, hour * 60);
    return today > at ? today : c.at_local(day + 1, hour * 60);
}

}  // namespace

std::vector<MailJob> Notices::mail_jobs(const engine::Notice& notice, const std::string& id,
                                        engine::TimeMs at,
                                        const std::vector<engine::Recipient>& reached,
                                        std::vector<Digested>& digested) {
    std::vector<MailJob> jobs;
    for (const auto& r : reached) {
        const engine::Person* p = directory_.person(r.person);
        if (p == nullptr) continue;
        const engine::Profile& profile = p->profile;
        // A role's notices by e-mail only for those who asked for them.
        if (!r.personal && !profile.email_role_tasks) continue;
        if (profile.email_notices == engine::EmailNotices::never) continue;
        if (profile.email.empty()) {
            mailer_->skipped();
            continue;
        }
        const bool task = !notice.task.empty();
        std::string link;
        if (!mail_.public_url.empty())
            link = mail_.public_url + (task ? "/tasks/" + notice.task : "/instances/" + notice.instance);
        if (profile.email_notices == engine::EmailNotices::daily) {
            const json item = {{"kind", notice.kind},
                               {"subject", notice.subject.in(profile.language)},
                               {"link", link},
                               {"to", profile.email},
                               {"language", profile.language}};
            digested.push_back({r.person,
                                next_local_hour(profile.time_zone, profile.digest_hour, at),
                                engine::json_text(item)});
            continue;
        }
        Mail m;
        m.notice_id = id;
        m.person = r.person;
        m.to = profile.email;
        m.language = profile.language;
        m.subject = notice.subject.in(profile.language);
        m.message = notice.message.in(profile.language);
        m.task = task;
        m.link = link;
        jobs.push_back({id + "." + r.person, std::move(m), at});
    }
    return jobs;
}

std::string Notices::metrics() const {
    return "# HELP accord_notices_delivered_total Notices delivered to the people they reach.\n"
           "# TYPE accord_notices_delivered_total counter\n"
           "accord_notices_delivered_total " + std::to_string(delivered_) + "\n"
           "# HELP accord_notice_copies_total Notices added to a person's list.\n"
           "# TYPE accord_notice_copies_total counter\n"
           "accord_notice_copies_total " + std::to_string(copies_) + "\n"
           "# HELP accord_notices_unheard_total Notices that reached nobody (no one holds the role).\n"
           "# TYPE accord_notices_unheard_total counter\n"
           "accord_notices_unheard_total " + std::to_string(unheard_) + "\n";
}

}  // namespace accord::notify
