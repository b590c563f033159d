// Api: the REST API of docs/api.md, as a function from a parsed request to a response. It knows
// nothing of sockets (server.hpp reads and writes the bytes) nor of storage (it asks a Service),
// so that it is tested and fuzzed without a network or Redis, and Beast stays in one
// translation unit.
//
// Thread safety: use it from its service's executor only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "accord/engine/calendar.hpp"
#include "accord/engine/policy.hpp"
#include "accord/http/message.hpp"
#include "accord/http/metrics.hpp"
#include "accord/http/notifications.hpp"
#include "accord/http/people.hpp"
#include "accord/http/service.hpp"
#include "accord/http/static_site.hpp"

namespace accord::http {

class Webhooks;

// Who sent a request: an authenticated user (Actor::id is their name) and their roles.
struct Principal : engine::Actor {
    // Which of the user's tokens authenticated: a hash of it (never the token), the key of the
    // per-token limits (request rate, feed sockets).
    std::uint64_t credential = 0;
    // The sign-in session's secret when the request came with the session cookie rather than
    // a bearer token (such requests must come from the server's own origin to change anything).
    std::string session;
    // The language texts for people are given in: the person's (their profile's), or the
    // request's ?lang=.
    std::string language = "en";

    Principal() = default;
    Principal(std::string name, std::vector<std::string> held, std::uint64_t token_hash = 0)
        : engine::Actor{std::move(name), std::move(held), false}, credential(token_hash) {}

    const engine::Actor& actor() const { return *this; }
    bool admin() const { return has_role(engine::policy::kAdmin); }
    bool auditor() const { return has_role(engine::policy::kAuditor); }
};

// Looks a bearer token up: the user it belongs to, nullopt for an unknown or revoked token,
// an error when the lookup itself failed (Redis unavailable).
using Authenticator = std::function<Awaitable<Result<std::optional<Principal>>>(std::string token)>;

// An administrative clock for tests and demos (accordd --dev-clock): what GET and POST
// /api/v1/admin/clock do. Empty functions: the routes answer 404.
struct DevClockHooks {
    std::function<engine::TimeMs()> now;
    std::function<Awaitable<Result<engine::TimeMs>>(engine::TimeMs target)> advance_to;
};

// Who may call a route; others are refused before its handler runs (401, 403).
enum class Access { anyone, authenticated, admin };

// How a repeated Idempotency-Key is honoured: not at all (reads), by the runtime (instance
// inputs: the key is kept with the commit), or by the Api keeping the first answer (other
// writes; a replay carries `Idempotent-Replayed: true`).
enum class Replay { none, runtime, kept_answer };

struct ApiOptions {
    std::size_t max_json_depth = 64;
    std::size_t max_page = 200;  // items per page of a list; `limit` may ask for fewer
    // Requests per second per token (a token bucket of `burst`), on each node; 0: no limit.
    double requests_per_second = 50;
    double burst = 100;
    std::chrono::milliseconds claim_lease{15 * 60 * 1000};  // a claim's default lease
    std::size_t max_feed_sockets = 16;                      // per token, on each node
    // A feed socket that sends nothing (not even a pong) for this long is closed; a ping goes
    // out at half of it.
    std::chrono::seconds feed_heartbeat{30};
    DevClockHooks dev_clock;
    // Profiles, passwords, sessions, units and the audit; none: those routes answer 404.
    People* people = nullptr;
    SignInLimits sign_in;
    // Each person's notifications; none: those routes answer 404.
    Notifications* notifications = nullptr;
    // Webhooks for other systems; none: those routes answer 404.
    Webhooks* webhooks = nullptr;
    // The web application, served at "/" (paths outside the API and /healthz, /readyz,
    // /metrics); none: those paths answer 404.
    std::shared_ptr<const StaticSite> web;
    // Told after an admin puts the office calendar: the open items' due dates and timers are
    // counted again on it (redis::Runtime::calendar_changed). Unset: they keep what they had.
    std::function<Awaitable<Result<void>>()> calendar_changed;
    // The origin a browser's requests come from ("https://accord.example.edu", from
    // --public-url); empty: the scheme served and the request's Host.
    std::string public_origin;
    // Addresses of reverse proxies whose X-Forwarded-For is believed (--trusted-proxy).
    std::vector<std::string> trusted_proxies;
    // /readyz: whether the node can serve (its background loops run), asked before the
    // service's own ready().
    std::function<Awaitable<Result<void>>()> ready;
    std::function<std::string()> extra_metrics;  // appended to /metrics (the feed's)
};

class Api {
    struct Context;

public:
    using Handler = Awaitable<Response> (Api::*)(Context&);
    // One route: a method on a path pattern whose "{name}" segments match any one segment.
    struct Route {
        std::string_view method;
        std::string_view pattern;
        Access access;
        Replay replay;
        // What the route itself answers; statuses() adds what every route of its kind may get.
        std::vector<int> answers;
        Handler handler;

        // Every status this route may answer, in order: its own answers, and those the server
        // and the Api send to any request of its access and method (malformed, too large,
        // 405, unauthenticated, rate limited, 415, 500, 503).
        std::vector<int> statuses() const;
    };
    // The route table, in the order routes are matched (and `Allow` lists methods).
    static const std::vector<Route>& routes();

    Api(Service& service, Authenticator authenticate, ApiOptions options);

    Awaitable<Response> handle(Request request);
    // Authenticates a request's bearer token; with `query_token` (the feed's upgrade, which
    // browsers can't give headers), also `?token=`. forbidden: no token, or not a live one.
    Awaitable<Result<Principal>> authenticate(const Request& request, bool query_token);

    Metrics& metrics() { return metrics_; }
    const ApiOptions& options() const { return options_; }

private:
    Awaitable<Response> route(Context& cx);

    Awaitable<Response> health(Context& cx);
    Awaitable<Response> readiness(Context& cx);
    Awaitable<Response> metrics_text(Context& cx);
    Awaitable<Response> openapi(Context& cx);
    Awaitable<Response> me(Context& cx);
    Awaitable<Response> feed_without_upgrade(Context& cx);

    Awaitable<Response> list_definitions(Context& cx);
    Awaitable<Response> get_definition(Context& cx);
    Awaitable<Response> get_definition_graph(Context& cx);
    Awaitable<Response> put_definition(Context& cx);
    Awaitable<Response> validate_definition(Context& cx);

    Awaitable<Response> start_instance(Context& cx);
    Awaitable<Response> list_instances(Context& cx);
    Awaitable<Response> get_instance(Context& cx);
    Awaitable<Response> send_event(Context& cx);
    Awaitable<Response> cancel_instance(Context& cx);
    Awaitable<Response> instance_history(Context& cx);

    Awaitable<Response> list_tasks(Context& cx);
    Awaitable<Response> list_done_tasks(Context& cx, std::size_t limit, bool mine);
    Awaitable<Response> get_task(Context& cx);
    Awaitable<Response> act_on_task(Context& cx);

    Awaitable<Response> get_clock(Context& cx);
    Awaitable<Response> move_clock(Context& cx);
    Awaitable<Response> list_users(Context& cx);
    Awaitable<Response> add_user(Context& cx);
    Awaitable<Response> revoke_user(Context& cx);
    Awaitable<Response> patch_user(Context& cx);
    Awaitable<Response> set_user_password(Context& cx);
    Awaitable<Response> sign_in(Context& cx);
    Awaitable<Response> sign_out(Context& cx);
    Awaitable<Response> patch_me(Context& cx);
    Awaitable<Response> change_password(Context& cx);
    Awaitable<Response> get_units(Context& cx);
    Awaitable<Response> put_units(Context& cx);
    Awaitable<Response> get_audit(Context& cx);
    Awaitable<Response> list_people(Context& cx);
    Awaitable<Response> get_calendar(Context& cx);
    Awaitable<Response> add_webhook(Context& cx);
    Awaitable<Response> list_webhooks(Context& cx);
    Awaitable<Response> delete_webhook(Context& cx);
    Awaitable<Response> webhook_deliveries(Context& cx);
    Awaitable<Response> test_webhook(Context& cx);
    Awaitable<Response> redeliver_webhook(Context& cx);
    Awaitable<Response> put_calendar(Context& cx);
    Awaitable<Result<engine::Calendar>> office_calendar();
    Awaitable<Response> list_notifications(Context& cx);
    Awaitable<Response> read_notification(Context& cx);
    Awaitable<Response> read_all_notifications(Context& cx);
    // The person's profile checked against the people and units that exist (a deputy, units).
    Awaitable<Result<void>> check_references(const engine::Profile& profile, const std::string& name);

    // Runs the route's handler once per Idempotency-Key (Replay::kept_answer): a retry with the
    // key and the same JSON body gets the first answer back; the key on another body is a 422.
    // Members that hold secrets (a new user's token, a password) are neither compared nor kept:
    // a retry gets the answer without them (a new user's token is shown once).
    Awaitable<Response> once(Context& cx, Handler handler);

    // The instance, if the principal may see it; otherwise the refusal to answer with.
    Awaitable<Result<engine::Instance>> visible_instance(const Principal& who,
                                                         const std::string& id);
    Awaitable<Response> send_input(Context& cx, const std::string& instance_id,
                                   engine::InputKind input, SendOptions options);
    bool allow_rate(std::uint64_t credential, double& retry_after);
    // Whether a browser's request comes from the server's own origin (ApiOptions::public_origin).
    bool same_origin(const Request& request) const;
    // The address a request came from: its peer, or behind a trusted proxy, X-Forwarded-For's.
    std::string client_address(const Request& request) const;

    Service& service_;
    Authenticator authenticate_;
    ApiOptions options_;
    Metrics metrics_;
    struct Bucket {
        double tokens;
        std::chrono::steady_clock::time_point at;
    };
    std::unordered_map<std::uint64_t, Bucket> buckets_;  // by Principal::credential
};

}  // namespace accord::http
