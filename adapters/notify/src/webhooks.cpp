// Webhooks (webhooks.hpp): registrations, deliveries, signed POSTs through libcurl.
#include "accord/notify/webhooks.hpp"
#include "accord/engine/json_text.hpp"

#include <curl/curl.h>
#include <sodium.h>

#include <algorithm>
#include <array>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "accord/engine/time.hpp"
#include "accord/redis/keyspace.hpp"
#include "accord/redis/reply.hpp"

namespace accord::notify {

namespace asio = boost::asio;
using engine::ErrorCode;
using engine::make_error;
using json = nlohmann::json;
using redis::command_of;

namespace {

constexpr std::array<std::string_view, 14> kEvents = {"task.opened",      "task.claimed",
                                                      "task.released",    "task.reassigned",
                                                      "task.rescheduled", "task.completed",
                                                      "task.cancelled",   "task.due_soon",
                                                      "task.overdue",     "task.escalated",
                                                      "reminder",         "instance.finished",
                                                      "notification",     "*"};
constexpr std::int64_t kRecordTtl = 30 * 86400;  // seconds

// KEYS hooks, epoch, changes, audit | ARGV id, webhook ('' to delete), audit entry.
const redis::Script kHookChange{"webhook_change", R"lua(
if ARGV[2] == '' then
  if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 'missing' end
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
local epoch = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', '100', '*', 'epoch', epoch)
redis.call('XADD', KEYS[4], '*', 'e', ARGV[3])
return 'ok'
)lua"};

// KEYS record, list, queue | ARGV id, record, job, ttl: a new delivery, unless it exists.
const redis::Script kMake{"webhook_delivery", R"lua(
if redis.call('SET', KEYS[1], ARGV[2], 'NX', 'EX', ARGV[4]) == false then return 0 end
redis.call('LPUSH', KEYS[2], ARGV[1])
redis.call('LTRIM', KEYS[2], 0, 199)
redis.call('XADD', KEYS[3], '*', 'j', ARGV[3])
return 1
)lua"};

std::string hex(const unsigned char* p, std::size_t n) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        out += kHex[p[i] >> 4];
        out += kHex[p[i] & 15];
    }
    return out;
}

std::string random_id() {
    unsigned char bytes[12];
    randombytes_buf(bytes, sizeof bytes);
    return hex(bytes, sizeof bytes);
}

engine::TimeMs wall_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Times of a task or event as RFC 3339.
void iso(json& j, std::initializer_list<const char*> names) {
    for (const char* n : names)
        if (auto it = j.find(n); it != j.end() && it->is_number_integer())
            *it = engine::format_date_time(it->get<engine::TimeMs>());
}

size_t discard(char*, size_t size, size_t count, void*) {
    return size * count;
}

struct Posted {
    long status = 0;
    std::string error;
};

Posted post_now(const std::string& url, const std::string& body,
                const std::vector<std::string>& headers, std::chrono::seconds timeout) {
    Posted out;
    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
        out.error = "curl_easy_init failed";
        return out;
    }
    curl_slist* list = nullptr;
    for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(timeout.count()));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    char error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    const CURLcode rc = curl_easy_perform(curl);
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.status);
    else
        out.error = std::string(curl_easy_strerror(rc)) + (error[0] ? std::string(": ") + error : "");
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    return out;
}

}  // namespace

std::string webhook_signature(std::string_view secret, std::int64_t t, std::string_view body) {
    const std::string signed_text = std::to_string(t) + "." + std::string(body);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()),
                                secret.size());
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(signed_text.data()),
                                  signed_text.size());
    crypto_auth_hmacsha256_final(&state, mac);
    return "t=" + std::to_string(t) + ",v1=" + hex(mac, sizeof mac);
}

struct Webhooks::Pool {
    explicit Pool(int threads) : pool(static_cast<std::size_t>(std::max(1, threads))) {}
    asio::thread_pool pool;
};

Webhooks::Webhooks(std::shared_ptr<redis::Client> client, OutboundOptions options,
                   WebhookSettings settings)
    : client_(client),
      options_(options),
      settings_(std::move(settings)),
      out_(client, options, [this](json& job) { return send(job); }),
      pool_(std::make_unique<Pool>(settings_.threads)) {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to start");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const redis::Keyspace keys(options_.prefix);
    hooks_key_ = options_.prefix + ":{u}:hooks";
    epoch_key_ = keys.users_epoch();
    changes_key_ = keys.user_changes();
    audit_key_ = keys.audit();
    out_.on_attempt([this](const json& job, const Result<void>& outcome, bool final) {
        return attempted(job, outcome, final);
    });
}

Webhooks::~Webhooks() {
    pool_->pool.join();
}

bool Webhooks::allowed(const std::string& url) const {
    if (!url.starts_with("http://") && !url.starts_with("https://")) return false;
    if (settings_.allow.empty()) return true;
    return std::any_of(settings_.allow.begin(), settings_.allow.end(),
                       [&](const std::string& prefix) { return url.starts_with(prefix); });
}

Awaitable<Result<std::vector<json>>> Webhooks::hooks() {
    auto r = co_await client_->command(hooks_key_, command_of("HGETALL", hooks_key_));
    if (!r) co_return r.error();
    std::vector<json> out;
    for (std::size_t i = 0; i + 1 < r->elements.size(); i += 2) {
        json h = json::parse(r->elements[i + 1].str, nullptr, false);
        if (h.is_object()) out.push_back(std::move(h));
    }
    std::sort(out.begin(), out.end(), [](const json& a, const json& b) {
        return a.value("created_at", "") < b.value("created_at", "");
    });
    co_return out;
}

Awaitable<Result<void>> Webhooks::refresh() {
    auto all = co_await hooks();
    if (!all) co_return all.error();
    std::vector<std::string> wanted;
    for (const auto& h : *all)
        for (const auto& e : h.value("events", json::array()))
            if (e.is_string() && std::find(wanted.begin(), wanted.end(), e) == wanted.end())
                wanted.push_back(e.get<std::string>());
    wanted_ = std::move(wanted);
    registered_ = std::move(all).value();
    co_return engine::Ok{};
}

bool Webhooks::wants(std::string_view type) const {
    const auto has = [&](std::string_view t) {
        return std::find(wanted_.begin(), wanted_.end(), t) != wanted_.end();
    };
    return has("*") || has(type) || (type == "reminder" && has("task.due_soon"));
}

Awaitable<Result<json>> Webhooks::add(json spec, std::string by) {
    if (!spec.is_object()) co_return make_error(ErrorCode::invalid_input, "a webhook is an object");
    for (auto it = spec.begin(); it != spec.end(); ++it)
        if (it.key() != "url" && it.key() != "events" && it.key() != "secret")
            co_return make_error(ErrorCode::invalid_input,
                                 "unknown member \"" + it.key() + "\" (url, events, secret)",
                                 "/" + it.key());
    const json url = spec.value("url", json());
    if (!url.is_string() || url.get_ref<const std::string&>().size() > 2000 ||
        url.get_ref<const std::string&>().find_first_of(" \t\r\n") != std::string::npos ||
        !(url.get_ref<const std::string&>().starts_with("http://") ||
          url.get_ref<const std::string&>().starts_with("https://")))
        co_return make_error(ErrorCode::invalid_input, "url: an http:// or https:// URL", "/url");
    if (!allowed(url.get<std::string>()))
        co_return make_error(ErrorCode::forbidden,
                             "this server sends webhooks only to the destinations --webhook-allow "
                             "names",
                             "/url");
    const json events = spec.value("events", json());
    if (!events.is_array() || events.empty())
        co_return make_error(ErrorCode::invalid_input,
                             "events: a non-empty list of the feed's event types (or \"*\")",
                             "/events");
    for (std::size_t i = 0; i < events.size(); ++i)
        if (!events[i].is_string() ||
            std::find(kEvents.begin(), kEvents.end(), events[i].get_ref<const std::string&>()) ==
                kEvents.end())
            co_return make_error(
                ErrorCode::invalid_input,
                "an event type of the feed: " +
                    fmt::format("{}", fmt::join(kEvents.begin(), kEvents.end() - 1, ", ")) +
                    ", or \"*\"",
                "/events/" + std::to_string(i));
    const json secret = spec.value("secret", json());
    if (!secret.is_string() || secret.get_ref<const std::string&>().size() < 16 ||
        secret.get_ref<const std::string&>().size() > 256)
        co_return make_error(ErrorCode::invalid_input,
                             "secret: 16 to 256 characters, shared with the receiver", "/secret");
    json hook = {{"id", random_id()},
                 {"url", url},
                 {"events", events},
                 {"secret", secret},
                 {"created_at", engine::format_date_time(wall_now())},
                 {"created_by", by}};
    json detail = {{"url", url}, {"events", events}};
    const json audit = {{"at", wall_now()},
                        {"by", by},
                        {"action", "webhook.add"},
                        {"target", hook["id"]},
                        {"detail", std::move(detail)}};
    auto r = co_await client_->eval(kHookChange,
                                    command_of(hooks_key_, epoch_key_, changes_key_, audit_key_),
                                    command_of(hook["id"].get<std::string>(),
                                               engine::json_text(hook), engine::json_text(audit)));
    if (!r) co_return r.error();
    if (auto read = co_await refresh(); !read) co_return read.error();
    hook.erase("secret");
    co_return hook;
}

Awaitable<Result<std::vector<json>>> Webhooks::list() {
    auto all = co_await hooks();
    if (!all) co_return all.error();
    for (auto& h : *all) h.erase("secret");
    co_return std::move(all).value();
}

Awaitable<Result<void>> Webhooks::remove(std::string id, std::string by) {
    const json audit = {{"at", wall_now()},
                        {"by", by},
                        {"action", "webhook.delete"},
                        {"target", id},
                        {"detail", json::object()}};
    auto r = co_await client_->eval(kHookChange,
                                    command_of(hooks_key_, epoch_key_, changes_key_, audit_key_),
                                    command_of(id, std::string(), engine::json_text(audit)));
    if (!r) co_return r.error();
    if (r->str == "missing") co_return make_error(ErrorCode::not_found, "no webhook " + id);
    co_return co_await refresh();
}

Awaitable<Result<std::vector<json>>> Webhooks::deliveries(std::string id, std::size_t limit) {
    auto exists = co_await client_->command(hooks_key_, command_of("HEXISTS", hooks_key_, id));
    if (!exists) co_return exists.error();
    if (exists->integer == 0) co_return make_error(ErrorCode::not_found, "no webhook " + id);
    const std::string list = out_.key("deliveries:" + id);
    auto ids = co_await client_->command(
        list, command_of("LRANGE", list, "0", std::to_string(std::max<std::size_t>(limit, 1) - 1)));
    if (!ids) co_return ids.error();
    std::vector<redis::Call> calls;
    for (const auto& d : ids->elements) {
        const std::string key = out_.key("delivery:" + d.str);
        calls.push_back(redis::Call::cmd(key, command_of("GET", key)));
    }
    std::vector<json> out;
    for (const auto& r : co_await client_->all(std::move(calls))) {
        if (!r) co_return r.error();
        if (r->is_nil()) continue;
        json record = json::parse(r->str, nullptr, false);
        if (record.is_object()) out.push_back(std::move(record));
    }
    co_return out;
}

Awaitable<Result<void>> Webhooks::make(std::vector<json> deliveries) {
    std::vector<redis::Call> calls;
    const std::string queue = out_.key("queue");
    const std::string created = engine::format_date_time(out_.now());
    for (auto& d : deliveries) {
        const std::string id = d["id"];
        json record = {{"id", id},
                       {"hook", d["hook"]},
                       {"event", d["event"]},
                       {"created_at", created},
                       {"state", "pending"},
                       {"body", d["body"]},
                       {"attempts", json::array()}};
        json job = {{"id", id},
                    {"hook", d["hook"]},
                    {"body", d["body"]},
                    {"first", std::to_string(out_.now())},
                    {"attempt", 0}};
        calls.push_back(redis::Call::eval(
            kMake,
            command_of(out_.key("delivery:" + id),
                       out_.key("deliveries:" + d["hook"].get<std::string>()), queue),
            command_of(id, engine::json_text(record), engine::json_text(job),
                       std::to_string(kRecordTtl))));
    }
    for (const auto& r : co_await client_->all(std::move(calls)))
        if (!r) co_return r.error();
    co_return engine::Ok{};
}

Awaitable<Result<void>> Webhooks::dispatch(json entry) {
    // The webhooks as last read (refresh), not read again for every entry.
    const std::vector<json> all = registered_;
    if (all.empty()) co_return engine::Ok{};
    const std::string effect = entry.value("effect_id", "");
    const json events = entry.value("events", json::array());
    std::vector<json> deliveries;
    for (std::size_t i = 0; i < events.size(); ++i) {
        json body = events[i];
        if (!body.is_object()) continue;
        std::string type = body.value("type", "");
        body.erase("type");
        if (auto notice = body.find("id"); notice != body.end()) {  // a notification's
            body["notice"] = *notice;
            body.erase("id");
        }
        const engine::TimeMs at = entry.value("at", engine::TimeMs{0});
        if (auto t = body.find("task"); t != body.end() && t->is_object()) {
            t->erase("excluded");
            // A reminder before the deadline is "due soon", as on the feed.
            if (type == "reminder" && t->contains("due_at") && (*t)["due_at"].is_number_integer() &&
                at < (*t)["due_at"].get<engine::TimeMs>())
                type = "task.due_soon";
            (*t)["instance"] = entry.value("instance", json());
            (*t)["workflow"] = entry.value("workflow", json());
            iso(*t, {"due_at", "claim_until", "created_at", "closed_at"});
        }
        iso(body, {"until"});
        body["at"] = engine::format_date_time(at);
        if (!body.contains("instance")) body["instance"] = entry.value("instance", json());
        body["workflow"] = entry.value("workflow", json());
        for (const auto& hook : all) {
            const json wants = hook.value("events", json::array());
            if (std::find(wants.begin(), wants.end(), type) == wants.end() &&
                std::find(wants.begin(), wants.end(), "*") == wants.end())
                continue;
            const std::string hook_id = hook.value("id", "");
            const std::string id =
                redis::sha1_hex(effect + "/" + std::to_string(i) + "/" + hook_id).substr(0, 24);
            json b = {{"id", id}, {"event", type}};
            b.update(body);
            deliveries.push_back(
                {{"id", id}, {"hook", hook_id}, {"event", type}, {"body", engine::json_text(b)}});
        }
    }
    co_return co_await make(std::move(deliveries));
}

Awaitable<Result<void>> Webhooks::notification(const json& event, std::string effect_id) {
    json entry = {{"effect_id", "notice:" + effect_id},
                  {"at", engine::TimeMs{0}},
                  {"instance", event.value("instance", json())},
                  {"workflow", event.value("workflow", json())},
                  {"events", json::array({event})}};
    if (auto at = event.find("at"); at != event.end() && at->is_string())
        if (auto t = engine::parse_time(at->get<std::string>())) entry["at"] = t->ms;
    co_return co_await dispatch(std::move(entry));
}

Awaitable<Result<json>> Webhooks::test(std::string id) {
    auto exists = co_await client_->command(hooks_key_, command_of("HEXISTS", hooks_key_, id));
    if (!exists) co_return exists.error();
    if (exists->integer == 0) co_return make_error(ErrorCode::not_found, "no webhook " + id);
    const std::string delivery = random_id();
    const json body = {{"id", delivery},
                       {"event", "ping"},
                       {"at", engine::format_date_time(out_.now())},
                       {"hook", id}};
    std::vector<json> one;
    one.push_back(
        {{"id", delivery}, {"hook", id}, {"event", "ping"}, {"body", engine::json_text(body)}});
    if (auto made = co_await make(std::move(one)); !made) co_return made.error();
    auto record = co_await client_->command(out_.key("delivery:" + delivery),
                                            command_of("GET", out_.key("delivery:" + delivery)));
    if (!record) co_return record.error();
    co_return json::parse(record->str, nullptr, false);
}

Awaitable<Result<json>> Webhooks::redeliver(std::string id, std::string delivery) {
    const std::string key = out_.key("delivery:" + delivery);
    auto record = co_await client_->command(key, command_of("GET", key));
    if (!record) co_return record.error();
    json r = record->is_nil() ? json() : json::parse(record->str, nullptr, false);
    if (!r.is_object() || r.value("hook", "") != id)
        co_return make_error(ErrorCode::not_found, "webhook " + id + " has no delivery " + delivery);
    r["state"] = "pending";
    std::vector<json> job;
    job.push_back({{"id", delivery}, {"hook", id}, {"body", r["body"]}, {"redelivery", true}});
    if (auto queued = co_await out_.enqueue(std::move(job)); !queued) co_return queued.error();
    auto set =
        co_await client_->command(key, command_of("SET", key, engine::json_text(r), "KEEPTTL"));
    if (!set) co_return set.error();
    co_return r;
}

Awaitable<Result<void>> Webhooks::send(json& job) {
    const std::string hook_id = job.value("hook", "");
    auto hook = co_await client_->command(hooks_key_, command_of("HGET", hooks_key_, hook_id));
    if (!hook) co_return hook.error();
    const json h = hook->is_nil() ? json() : json::parse(hook->str, nullptr, false);
    if (!h.is_object())
        co_return make_error(ErrorCode::not_found, "webhook " + hook_id + " was deleted");
    const std::string url = h.value("url", "");
    if (!allowed(url))
        co_return make_error(ErrorCode::forbidden, "--webhook-allow no longer allows " + url);
    const std::string body = job.value("body", "");
    const std::int64_t t = out_.now() / 1000;
    std::vector<std::string> headers = {
        "Content-Type: application/json",
        "User-Agent: Accord-Webhooks/1",
        "Accord-Delivery: " + job.value("id", ""),
        "Accord-Signature: " + webhook_signature(h.value("secret", ""), t, body),
        "Expect:"};
    // On the pool: this coroutine resumes on its own executor once the POST is done.
    auto work = [url, body, headers = std::move(headers),
                 timeout = settings_.timeout]() -> asio::awaitable<Posted> {
        co_return post_now(url, body, headers, timeout);
    };
    const Posted posted =
        co_await asio::co_spawn(pool_->pool, std::move(work), asio::use_awaitable);
    job["last_status"] = posted.status;
    job["last_error"] = posted.error;
    if (posted.error.empty() && posted.status >= 200 && posted.status < 300) co_return engine::Ok{};
    co_return make_error(ErrorCode::unavailable,
                         posted.error.empty() ? "answered HTTP " + std::to_string(posted.status)
                                              : posted.error);
}

Awaitable<void> Webhooks::attempted(const json& job, const Result<void>& outcome, bool final) {
    const std::string key = out_.key("delivery:" + job.value("id", ""));
    auto got = co_await client_->command(key, command_of("GET", key));
    if (!got || got->is_nil()) co_return;
    json record = json::parse(got->str, nullptr, false);
    if (!record.is_object()) co_return;
    json attempt = {{"at", engine::format_date_time(out_.now())}};
    if (job.value("last_status", 0L) != 0) attempt["status"] = job["last_status"];
    if (!outcome) attempt["error"] = outcome.error().message;
    record["attempts"].push_back(std::move(attempt));
    record["state"] = outcome ? "delivered" : final ? "failed" : "retrying";
    auto set = co_await client_->command(
        key, command_of("SET", key, engine::json_text(record), "KEEPTTL"));
    if (!set) spdlog::warn("webhook delivery {} not recorded: {}", job.value("id", ""),
                           set.error().to_string());
}

}  // namespace accord::notify
