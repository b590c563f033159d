// accordd: the Accord server. Connects to Redis, loads the shipped workflows that Redis does not
// have yet, runs the durable runtime's background work (due timers, the outbox) and serves the
// REST API and the WebSocket feed, until SIGTERM or SIGINT. Any number of nodes may share one
// Redis.
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "accord/engine/time.hpp"
#include "accord/http/api.hpp"
#include "accord/http/directory.hpp"
#include "accord/http/feed.hpp"
#include "accord/http/notifications.hpp"
#include "accord/http/redis_people.hpp"
#include "accord/http/redis_service.hpp"
#include "accord/http/server.hpp"
#include "accord/http/time_zones.hpp"
#include "accord/notify/mailer.hpp"
#include "accord/notify/notices.hpp"
#include "accord/notify/smtp.hpp"
#include "accord/notify/webhooks.hpp"
#include "accord/redis/dev_clock.hpp"
#include "accord/redis/notices.hpp"
#include "accord/redis/runtime.hpp"
#include "accord/redis/supervisor.hpp"
#include "accord/redis/users.hpp"
#include "accord/redis/workflow_loader.hpp"
#include "config.hpp"
#include "json_log.hpp"

namespace asio = boost::asio;
using namespace accord;

namespace {

// The revocation watch's blocked reads wait this long in Redis (two are out at a time).
constexpr std::chrono::milliseconds kRevocationBlock{4'000};

asio::awaitable<void> serve(redis::RedisStore& store, redis::Client& users_client,
                            redis::UserStore& users, redis::Runtime& runtime, http::Server& server, http::Feed& feed,
                            redis::TokenCache& tokens, http::PeopleDirectory& directory,
                            std::shared_ptr<redis::Client> watch_client,
                            redis::Supervisor& supervisor, notify::Mailer* mailer,
                            notify::Webhooks& webhooks,
                            const accordd::Config& config, int& status, bool& runtime_stopped) {
    auto opened = co_await store.open();
    if (!opened) {
        spdlog::error("cannot open the keyspace on {}: {}", config.redis,
                      opened.error().to_string());
        status = 1;
        co_return;
    }
    if (auto connected = co_await users_client.connect(); !connected) {
        spdlog::error("cannot connect to {}: {}", config.redis, connected.error().to_string());
        status = 1;
        co_return;
    }
    spdlog::info("keyspace {} with {} shards on {}", config.prefix, store.keys().shards(),
                 store.client().describe());
    auto loaded = co_await redis::load_workflows(store, config.workflows);
    if (!loaded) {
        spdlog::error("cannot load workflows: {}", loaded.error().to_string());
        status = 1;
        co_return;
    }
    for (const auto& w : loaded->warnings) spdlog::warn("{}", w);
    spdlog::info("workflows: {}", fmt::join(loaded->stored, ", "));
    // Definitions this start stored are changes like any: in the audit, by accordd.
    for (const auto& [name, version] : loaded->added) {
        engine::json detail = engine::json::object();
        detail["name"] = name;
        detail["version"] = version;
        detail["from"] = config.workflows;
        const redis::ChangedBy by{"accordd"};
        auto recorded = co_await users.audit(by, "definition.put",
                                             name + "@" + std::to_string(version), std::move(detail));
        if (!recorded)
            spdlog::warn("definition {} v{} stored but not audited: {}", name, version,
                         recorded.error().to_string());
    }
    // --calendar: the office's, put when Redis has none yet (an admin's later change stays).
    if (!config.calendar.empty()) {
        std::ifstream in(config.calendar);
        const engine::json file = engine::json::parse(in, nullptr, false);
        auto office = file.is_discarded()
                          ? engine::Result<engine::Calendar>(engine::make_error(
                                engine::ErrorCode::invalid_input, "not JSON"))
                          : engine::Calendar::from_json(file, http::zone_rules);
        if (!office) {
            spdlog::error("--calendar {}: {}", config.calendar, office.error().to_string());
            status = 1;
            co_return;
        }
        auto stored = co_await users.calendar();
        if (stored && !*stored) {
            const redis::ChangedBy by{"accordd"};
            if (auto put = co_await users.put_calendar(office->to_json(), by); !put) {
                spdlog::warn("--calendar not stored: {}", put.error().to_string());
            } else {
                spdlog::info("office calendar from {}: {}", config.calendar, office->time_zone());
                // Instances that ran on the default calendar count on this one now.
                if (auto queued = co_await runtime.calendar_changed(); !queued)
                    spdlog::warn("rescheduling not queued: {}", queued.error().to_string());
            }
        }
    }
    if (auto hooks = co_await webhooks.refresh(); !hooks)
        spdlog::warn("webhooks not read yet: {}", hooks.error().to_string());
    if (auto read = co_await directory.refresh(); !read)
        spdlog::warn("people directory not read yet: {}", read.error().to_string());
    auto port = server.listen(config.listen_host, config.listen_port);
    if (!port) {
        spdlog::error("{}", port.error().message);
        status = 1;
        co_return;
    }
    runtime.run(supervisor, [&runtime_stopped] { runtime_stopped = true; });
    feed.start(supervisor);
    if (mailer != nullptr) mailer->start(supervisor);
    webhooks.start(supervisor);
    tokens.watch(supervisor, std::move(watch_client), kRevocationBlock);
    spdlog::info("node {} serving {}://{}:{}/api/v1", runtime.node_id(),
                 config.tls_certificate.empty() ? "http" : "https", config.listen_host, *port);
}

}  // namespace

int main(int argc, char** argv) {
    auto parsed = accordd::load_config(argc, argv);
    if (!parsed) {
        std::cerr << parsed.error().message << "\n";
        return parsed.error().code == engine::ErrorCode::not_found ? 0 : 2;  // not_found: --help
    }
    const accordd::Config config = std::move(parsed).value();
    accordd::use_json_log(config.log_level);
    if (config.dev_clock)
        spdlog::warn("the development clock is on (--dev-clock): admins may move time forward");

    asio::io_context io{1};  // one thread runs it (io.run() below): no cross-thread wake-ups
    auto client = redis::Client::create(io.get_executor(), config.redis);
    if (!client) {
        std::cerr << "--redis: " << client.error().message << "\n";
        return 2;
    }
    redis::StoreOptions store_options;
    store_options.prefix = config.prefix;
    store_options.shards = config.shards;
    store_options.compression_level = config.compression;
    store_options.history_compression_level = config.history_compression;
    redis::RedisStore store(client.value(), store_options);
    // Users on a connection of their own: a request's read of the users epoch (TokenCache,
    // while its watch of revocations is being set up) then does not wait behind the commits.
    auto users_client = redis::Client::create(io.get_executor(), config.redis);
    if (!users_client) {
        std::cerr << "--redis: " << users_client.error().message << "\n";
        return 2;
    }
    redis::SessionLimits session_limits;
    session_limits.idle = std::chrono::seconds(config.session_idle);
    session_limits.absolute =
        std::chrono::seconds(std::max(config.session_lifetime, config.session_idle));
    redis::UserStore users(users_client.value(), config.prefix, session_limits);

    redis::RuntimeOptions runtime_options;
    runtime_options.node_id = config.node_id;
    // --dev-clock: one clock for every node on this Redis, moved forward by admins.
    std::optional<redis::DevClock> dev_clock;
    if (config.dev_clock) {
        dev_clock.emplace(store);
        runtime_options.now = [&dev_clock] { return dev_clock->now(); };
        runtime_options.refresh_clock = [&dev_clock] { return dev_clock->refresh(); };
    }
    // People: tokens and sessions cached by the epoch, passwords hashed on a thread of their
    // own, and the organisation (who stands in for whom, where a unit's task goes), read again
    // after any change to users or units.
    redis::TokenCache tokens(users);
    http::PasswordWorker passwords;
    http::RedisPeople people(users, &tokens, passwords);
    http::PeopleDirectory directory(io.get_executor(), people);
    people.on_change = [&directory] { return directory.changed(); };
    runtime_options.directory = &directory;
    runtime_options.calendar = [&directory] { return directory.calendar(); };
    // A calendar change's rescheduling reads the calendar as stored, not the snapshot.
    runtime_options.stored_calendar =
        [&users]() -> http::Awaitable<engine::Result<std::shared_ptr<const engine::Calendar>>> {
        auto stored = co_await users.calendar();
        if (!stored) co_return stored.error();
        if (!*stored) co_return std::shared_ptr<const engine::Calendar>();
        auto office = engine::Calendar::from_json(**stored, http::zone_rules);
        if (!office) co_return office.error();
        co_return std::make_shared<const engine::Calendar>(std::move(office).value());
    };
    // Notices: the outbox's, delivered by this node or another to each person's list and the
    // feed (on the users' connection: neither waits behind the commits).
    redis::NoticeStore notice_store(users_client.value(), config.prefix);
    notify::Notices notices(notice_store, store, directory);
    runtime_options.notifier = [&notices](const engine::json& notice) {
        return notices.deliver(notice);
    };
    notify::Webhooks* hooks_ptr = nullptr;  // set once it exists (after the runtime)
    runtime_options.feed_events =
        [&hooks_ptr](const engine::json& entry) -> http::Awaitable<engine::Result<void>> {
        if (hooks_ptr == nullptr) co_return engine::Ok{};
        co_return co_await hooks_ptr->dispatch(entry);
    };
    redis::Runtime runtime(store, runtime_options);
    // E-mail: queued in Redis by the notices, sent by any node's mail loop.
    std::unique_ptr<notify::Smtp> smtp;
    std::unique_ptr<notify::Mailer> mailer;
    if (!config.smtp_url.empty()) {
        notify::SmtpSettings smtp_settings;
        smtp_settings.url = config.smtp_url;
        smtp_settings.user = config.smtp_user;
        smtp_settings.password = config.smtp_password;
        smtp_settings.from = config.mail_from;
        smtp = std::make_unique<notify::Smtp>(smtp_settings);
        notify::OutboundOptions mailer_options;
        mailer_options.prefix = config.prefix;
        mailer_options.slot = "mail";
        mailer_options.node_id = runtime.node_id();
        mailer_options.reclaim_after = std::chrono::seconds(config.outbound_reclaim);
        mailer_options.rate = config.smtp_rate;
        if (dev_clock) mailer_options.now = [&dev_clock] { return dev_clock->now(); };
        mailer = std::make_unique<notify::Mailer>(users_client.value(), *smtp, mailer_options);
        notices.mail_through(mailer.get(), notify::MailSettings{config.mail_from, config.public_url});
    }
    // Webhooks: registered beside the users; while any exists, commits write their events to
    // the outbox too, and any node sends the deliveries.
    notify::OutboundOptions hook_options;
    hook_options.prefix = config.prefix;
    hook_options.slot = "hooks";
    hook_options.node_id = runtime.node_id();
    hook_options.reclaim_after = std::chrono::seconds(config.outbound_reclaim);
    if (dev_clock) hook_options.now = [&dev_clock] { return dev_clock->now(); };
    notify::WebhookSettings hook_settings;
    hook_settings.allow = config.webhook_allow;
    notify::Webhooks webhooks(users_client.value(), hook_options, hook_settings);
    store.feed_to_outbox([&webhooks](std::string_view type) { return webhooks.wants(type); });
    hooks_ptr = &webhooks;
    notices.hook_through(&webhooks);

    http::ApiOptions api_options;
    api_options.requests_per_second = config.requests_per_second;
    api_options.burst = config.burst;
    api_options.max_json_depth = config.max_json_depth;
    api_options.max_feed_sockets = config.max_feed_sockets;
    api_options.calendar_changed = [&runtime] { return runtime.calendar_changed(); };
    // Every background loop of this node runs under one supervisor: a failed loop is logged
    // and started again; /readyz names one that has been down for a few seconds.
    redis::Supervisor supervisor(io.get_executor());
    // /readyz asks this first, then RedisService::ready() (Redis answers).
    api_options.ready = [&supervisor]() -> http::Awaitable<engine::Result<void>> {
        if (auto down = supervisor.down(); !down.empty())
            co_return engine::make_error(
                engine::ErrorCode::unavailable,
                fmt::format("background loop down: {}", fmt::join(down, ", ")));
        co_return engine::Ok{};
    };
    if (dev_clock) {
        api_options.dev_clock.now = [&dev_clock] { return dev_clock->now(); };
        // Moving the clock also sends the e-mail that became due meanwhile (retries).
        api_options.dev_clock.advance_to =
            [&dev_clock, &runtime, &mailer, &webhooks](
                engine::TimeMs target) -> http::Awaitable<engine::Result<engine::TimeMs>> {
            auto moved = co_await dev_clock->advance_to(runtime, target);
            if (moved && mailer)
                if (auto sent = co_await mailer->drain(); !sent)
                    spdlog::warn("e-mail after moving the clock: {}", sent.error().to_string());
            if (moved)
                if (auto sent = co_await webhooks.drain(); !sent)
                    spdlog::warn("webhooks after moving the clock: {}", sent.error().to_string());
            co_return moved;
        };
    }
    // Revocations are pushed to this node on a connection of their own (its reads block):
    // known tokens are then answered from memory, with no read of Redis per request.
    redis::ConnectionOptions watch_connection;
    watch_connection.command_timeout = kRevocationBlock + std::chrono::seconds(5);
    auto watch_client = redis::Client::create(io.get_executor(), config.redis, watch_connection);
    if (!watch_client) {
        std::cerr << "--redis: " << watch_client.error().message << "\n";
        return 2;
    }
    api_options.people = &people;
    api_options.webhooks = &webhooks;
    http::RedisNotifications notifications(notice_store);
    api_options.notifications = &notifications;
    api_options.public_origin = config.public_origin;
    api_options.trusted_proxies = config.trusted_proxies;
    auto authenticate =
        [&tokens, &directory, &runtime](
            std::string token) -> http::Awaitable<engine::Result<std::optional<http::Principal>>> {
        auto user = co_await tokens.authenticate(std::move(token));
        if (!user) co_return user.error();
        if (!*user) co_return std::optional<http::Principal>();
        http::Principal who(std::move((*user)->name), std::move((*user)->roles));
        who.units = std::move((*user)->profile.units);
        who.language = (*user)->profile.language;
        who.deputy_for = co_await directory.deputy_for(who.id, runtime.now());
        co_return std::optional<http::Principal>(std::move(who));
    };
    http::Feed* feed_ptr = nullptr;
    api_options.extra_metrics = [&feed_ptr, &supervisor, &notices, &mailer, &webhooks] {
        return (feed_ptr ? feed_ptr->metrics() : "") + supervisor.metrics() + notices.metrics() +
               (mailer ? mailer->metrics() : "") + webhooks.metrics();
    };
    http::RedisService service(runtime);
    // The web application: --web's, else the default build's when there is one.
    {
        const bool given = !config.web.empty();
        const std::string dir = given ? config.web : std::string(ACCORD_WEB_BUILD_DIR);
        auto site = http::StaticSite::load(dir);
        if (site) {
            api_options.web = std::move(site).value();
            spdlog::info("web application from {} ({} files)", dir, api_options.web->files());
        } else if (given) {
            std::cerr << "--web " << dir << ": " << site.error().message << "\n";
            return 2;
        } else {
            spdlog::info("no web application at {} (build web/, or give --web DIR): the API alone",
                         dir);
        }
    }
    http::Api api(service, authenticate, api_options);
    http::FeedOptions feed_options;
    feed_options.epoch = [&tokens] { return tokens.epoch(); };
    http::Feed feed(api, runtime, feed_options);
    feed_ptr = &feed;
    tokens.on_epoch_change = [&feed, &directory, &webhooks, &io] {
        directory.invalidate();
        feed.recheck_tokens();
        // A webhook added or deleted on another node: whether commits feed the outbox.
        asio::co_spawn(
            io,
            [&webhooks]() -> asio::awaitable<void> {
                if (auto r = co_await webhooks.refresh(); !r)
                    spdlog::warn("webhooks not read: {}", r.error().to_string());
            },
            asio::detached);
    };

    http::ServerOptions server_options;
    server_options.max_body = config.max_body;
    server_options.idle_timeout = std::chrono::seconds(config.idle_timeout);
    server_options.request_timeout = std::chrono::seconds(config.request_timeout);
    server_options.tls_certificate = config.tls_certificate;
    server_options.tls_key = config.tls_key;
    http::Server server(io.get_executor(), api, &feed, server_options);

    int status = 0;
    bool runtime_stopped = false;
    asio::steady_timer stop_timer(io);
    const auto deadline = std::make_shared<std::chrono::steady_clock::time_point>();
    // Stops the loop once the runtime's round ended and every connection closed (5 s at most).
    std::function<void()> wait_for_quiet = [&] {
        stop_timer.expires_after(std::chrono::milliseconds(20));
        stop_timer.async_wait([&](const boost::system::error_code& ec) {
            if (ec) return;
            if ((runtime_stopped && server.connections() == 0) ||
                std::chrono::steady_clock::now() > *deadline)
                io.stop();
            else
                wait_for_quiet();
        });
    };
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        spdlog::info("signal {}: no new connections; finishing the work in hand", sig);
        server.stop();  // idle connections close; busy ones after their response
        feed.stop();    // feed sockets close with 1001 going away
        supervisor.stop();
        runtime.stop();
        *deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        wait_for_quiet();
    });
    asio::co_spawn(io,
                   serve(store, *users_client.value(), users, runtime, server, feed, tokens,
                         directory,
                         watch_client.value(), supervisor, mailer.get(), webhooks, config, status,
                         runtime_stopped),
                   [&](std::exception_ptr e) {
                       if (e) status = 1;
                       if (status != 0) io.stop();
                   });
    io.run();
    spdlog::info("stopped");
    return status;
}
