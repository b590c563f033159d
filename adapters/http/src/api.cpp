// Api: the route table, authentication, the handlers of docs/api.md and the problem answers,
// each asking the Service behind it.
#include "api_internal.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "accord/engine/graph.hpp"
#include "accord/engine/time.hpp"
#include "accord/engine/validator.hpp"
#include "accord/http/parse.hpp"
#include "accord/http/views.hpp"
#include "accord/redis/dev_clock.hpp"

namespace accord::http {

using engine::Error;
using engine::ErrorCode;
using engine::Instance;
using engine::json;
using engine::make_error;
using engine::Task;
using engine::TimeMs;

namespace {

int status_of(ErrorCode code) {
    switch (code) {
        case ErrorCode::invalid_json:
        case ErrorCode::invalid_input:
            return 400;
        case ErrorCode::forbidden:
            return 403;
        case ErrorCode::not_found:
        case ErrorCode::task_not_found:
            return 404;
        case ErrorCode::event_not_allowed:
        case ErrorCode::no_transition:
        case ErrorCode::task_closed:
        case ErrorCode::instance_finished:
        case ErrorCode::conflict:
            return 409;
        case ErrorCode::invalid_definition:
        case ErrorCode::invalid_data:
        case ErrorCode::invalid_field:
        case ErrorCode::unknown_event:
        case ErrorCode::runtime_error:
            return 422;
        case ErrorCode::unavailable:
            return 503;
        case ErrorCode::storage_error:
            return 500;
    }
    return 500;
}

const char* title_of(int status) {
    switch (status) {
        case 400:
            return "Bad request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not found";
        case 405:
            return "Method not allowed";
        case 409:
            return "Conflict";
        case 413:
            return "Payload too large";
        case 415:
            return "Unsupported media type";
        case 422:
            return "Unprocessable content";
        case 429:
            return "Too many requests";
        case 500:
            return "Internal error";
        case 503:
            return "Service unavailable";
        default:
            return "Error";
    }
}

}  // namespace

Response problem(int status, std::string_view type, std::string detail, std::string pointer,
                 json extra) {
    json body = extra.is_object() ? std::move(extra) : json::object();
    body["type"] = "urn:accord:problem:" + std::string(type);
    body["title"] = title_of(status);
    body["status"] = status;
    body["detail"] = std::move(detail);
    if (!pointer.empty()) body["pointer"] = std::move(pointer);
    Response r = json_response(status, body);
    r.content_type = "application/problem+json";
    if (status == 503) r.headers.emplace_back("Retry-After", "1");
    if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"accord\"");
    return r;
}

Response problem(const Error& e) {
    return problem(status_of(e.code), engine::error_code_name(e.code), e.message, e.pointer);
}

namespace {

Response not_found(const Request& r) {
    std::string path;
    for (const auto& s : r.segments) path += "/" + s;
    return problem(404, "not_found", "no route " + r.method + " " + path);
}

// A query parameter refused: where is /query/<name>.
Response query_refusal(const Error& e, const std::string& name) {
    return problem(status_of(e.code), engine::error_code_name(e.code), e.message, "/query/" + name);
}

// A page the service refused. Only the client's cursor can be unreadable (invalid_input): the
// service wrote the others.
Response page_refusal(const Error& e) {
    return e.code == ErrorCode::invalid_input ? query_refusal(e, "cursor") : problem(e);
}

Response method_not_allowed(const std::string& allowed) {
    Response r = problem(405, "method_not_allowed", "this route takes " + allowed);
    r.headers.emplace_back("Allow", allowed);
    return r;
}

Result<json> object_member(const json& body, const char* name) {
    auto it = body.find(name);
    if (it == body.end() || it->is_null()) return json::object();
    if (!it->is_object())
        return make_error(ErrorCode::invalid_input, std::string(name) + " must be an object",
                          std::string("/") + name);
    return *it;
}

// A page of a task list: {"items": [...], "next": the cursor, or null when `next` is empty}.
Response task_page(const std::vector<Task>& tasks, const std::string& next, TimeMs now,
                   const Principal& reader) {
    std::string text;
    engine::JsonWriter w(text);
    w.object().key("items").array();
    for (const auto& t : tasks) write_task(w, t, now, reader);
    w.end_array().key("next");
    if (!next.empty())
        w.string(next);
    else
        w.value(nullptr);
    w.end_object();
    return text_response(200, std::move(text));
}

// The instance a task id belongs to: "<instance>.t<n>".
std::string instance_of_task(const std::string& task_id) {
    const auto dot = task_id.rfind('.');
    return dot == std::string::npos ? std::string() : task_id.substr(0, dot);
}

}  // namespace

// ---------------------------------------------------------------------------------------------

Api::Api(Service& service, Authenticator authenticate, ApiOptions options)
    : service_(service), authenticate_(std::move(authenticate)), options_(std::move(options)) {}

bool Api::allow_rate(std::uint64_t credential, double& retry_after) {
    if (options_.requests_per_second <= 0) return true;
    const auto now = std::chrono::steady_clock::now();
    auto [it, fresh] = buckets_.try_emplace(credential, Bucket{options_.burst, now});
    Bucket& b = it->second;
    if (!fresh) {
        const double elapsed = std::chrono::duration<double>(now - b.at).count();
        b.tokens = std::min(options_.burst, b.tokens + elapsed * options_.requests_per_second);
        b.at = now;
    }
    if (b.tokens >= 1) {
        b.tokens -= 1;
        return true;
    }
    retry_after = (1 - b.tokens) / options_.requests_per_second;
    if (buckets_.size() > 100'000) buckets_.clear();  // bounded: forgetting only forgives
    return false;
}

Awaitable<Result<Principal>> Api::authenticate(const Request& r, bool query_token) {
    std::string token;
    bool by_cookie = false;
    if (r.authorization.starts_with("Bearer ") || r.authorization.starts_with("bearer ")) {
        token = r.authorization.substr(7);
    } else if (auto it = r.query.find("token"); query_token && it != r.query.end()) {
        token = it->second;
    } else if (auto session = cookie_value(r.cookie, kSessionCookie); !session.empty()) {
        token = std::move(session);
        by_cookie = true;
        // A browser sends the cookie with whatever page asks: a feed opened by another site's
        // page must not get in with it (a write is checked in route()).
        if (query_token && !same_origin(r))
            co_return make_error(ErrorCode::forbidden,
                                 "the session cookie is accepted from this server's own pages "
                                 "only (Origin " +
                                     (r.origin.empty() ? std::string("missing") : r.origin) + ")");
    }
    if (token.empty())
        co_return make_error(ErrorCode::forbidden,
                             "no bearer token (Authorization: Bearer ...) nor session cookie");
    const std::uint64_t credential = std::hash<std::string>{}(token);
    std::string session = by_cookie ? token : std::string();
    auto found = co_await authenticate_(std::move(token));
    if (!found) co_return found.error();
    if (!*found) co_return make_error(ErrorCode::forbidden, "unknown or revoked token");
    Principal who = std::move(**found);
    who.credential = credential;
    who.session = std::move(session);
    co_return who;
}

bool Api::same_origin(const Request& r) const {
    if (r.origin.empty()) return false;
    const std::string expected = !options_.public_origin.empty()
                                     ? options_.public_origin
                                     : (r.tls ? "https://" : "http://") + r.host;
    return iequals(r.origin, expected);
}

std::string Api::client_address(const Request& r) const {
    const auto trusted = [&](std::string_view address) {
        return std::find(options_.trusted_proxies.begin(), options_.trusted_proxies.end(),
                         address) != options_.trusted_proxies.end();
    };
    std::string address = r.peer;
    // From the right: each hop a trusted proxy added, until the first one it did not.
    std::string_view rest = r.forwarded_for;
    while (trusted(address) && !rest.empty()) {
        const auto comma = rest.rfind(',');
        std::string_view hop = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
        while (!hop.empty() && hop.front() == ' ') hop.remove_prefix(1);
        while (!hop.empty() && hop.back() == ' ') hop.remove_suffix(1);
        if (hop.empty()) break;
        address = std::string(hop);
    }
    return address;
}

Awaitable<Response> Api::handle(Request request) {
    const auto started = std::chrono::steady_clock::now();
    Context cx;
    cx.request = std::move(request);
    cx.now = service_.now();
    Response response = co_await route(cx);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    metrics_.observe(cx.route.empty() ? "unmatched" : cx.route, response.status, seconds);
    if (response.status == 403)
        spdlog::info("refused {} {} for {}: {}", cx.request.method, cx.route, cx.who.id,
                     response.body);
    co_return response;
}

// ---------------------------------------------------------------------------------------------
// The route table. A new route is an entry here and a handler.

namespace {

// The statuses the server sends to any request before the Api sees it (an unparsable request
// 400, a body too large 413, headers too large 431), and the Api's 405 for a method the path
// does not take.
constexpr int kAnyRequest[] = {400, 405, 413, 431};

}  // namespace

std::vector<int> Api::Route::statuses() const {
    std::vector<int> out = answers;
    const auto add = [&out](int status) {
        if (std::find(out.begin(), out.end(), status) == out.end()) out.push_back(status);
    };
    for (int s : kAnyRequest) add(s);
    if (replay == Replay::kept_answer) {
        add(409);  // idempotency_key_in_use
        add(422);  // idempotency_key_reused
    }
    if (access != Access::anyone) {
        for (int s : {401, 429, 500, 503}) add(s);  // the token lookup needs Redis
        if (access == Access::admin) add(403);
    }
    if (method == "POST" || method == "PUT" || method == "PATCH") add(415);
    // A write with the session cookie from another origin.
    if (access != Access::anyone && method != "GET") add(403);
    std::sort(out.begin(), out.end());
    return out;
}

const std::vector<Api::Route>& Api::routes() {
    using enum Access;
    using enum Replay;
    // clang-format off
    static const std::vector<Route> table = {
        // method  pattern
        //         who may call   Idempotency-Key  answers              handler
        {"GET",  "/healthz",
                 anyone,         none,        {200},                     &Api::health},
        {"GET",  "/readyz",
                 anyone,         none,        {200, 503},                &Api::readiness},
        {"GET",  "/metrics",
                 anyone,         none,        {200},                     &Api::metrics_text},
        {"GET",  "/api/v1/openapi.json",
                 anyone,         none,        {200},                     &Api::openapi},
        {"GET",  "/api/v1/me",
                 authenticated,  none,        {200},                     &Api::me},
        {"PATCH", "/api/v1/me",
                 authenticated,  none,        {200, 403, 404},           &Api::patch_me},
        {"PUT",  "/api/v1/me/password",
                 authenticated,  none,        {204, 403, 404, 429},      &Api::change_password},
        {"POST", "/api/v1/session",
                 anyone,         none,        {200, 401, 403, 404, 429, 500, 503}, &Api::sign_in},
        {"DELETE", "/api/v1/session",
                 authenticated,  none,        {204, 409},                &Api::sign_out},
        {"GET",  "/api/v1/definitions",
                 authenticated,  none,        {200},                     &Api::list_definitions},
        {"POST", "/api/v1/definitions",
                 admin,          kept_answer, {201, 409, 422},           &Api::put_definition},
        {"POST", "/api/v1/definitions/validate",
                 authenticated,  none,        {200},                     &Api::validate_definition},
        {"GET",  "/api/v1/definitions/{name}",
                 authenticated,  none,        {200, 404},                &Api::get_definition},
        {"GET",  "/api/v1/definitions/{name}/versions/{v}",
                 authenticated,  none,        {200, 400, 404},           &Api::get_definition},
        {"GET",  "/api/v1/definitions/{name}/versions/{v}/graph",
                 authenticated,  none,        {200, 400, 404},           &Api::get_definition_graph},
        {"GET",  "/api/v1/instances",
                 authenticated,  none,        {200},                     &Api::list_instances},
        {"POST", "/api/v1/instances",
                 authenticated,  runtime,     {200, 201, 403, 404, 409, 422}, &Api::start_instance},
        {"GET",  "/api/v1/instances/{id}",
                 authenticated,  none,        {200, 403, 404},           &Api::get_instance},
        {"POST", "/api/v1/instances/{id}/events",
                 authenticated,  runtime,     {200, 403, 404, 409, 422}, &Api::send_event},
        {"POST", "/api/v1/instances/{id}/cancel",
                 authenticated,  runtime,     {200, 403, 404, 409},      &Api::cancel_instance},
        {"GET",  "/api/v1/instances/{id}/history",
                 authenticated,  none,        {200, 403, 404},           &Api::instance_history},
        {"GET",  "/api/v1/tasks",
                 authenticated,  none,        {200, 403},                &Api::list_tasks},
        {"GET",  "/api/v1/tasks/{id}",
                 authenticated,  none,        {200, 403, 404},           &Api::get_task},
        {"POST", "/api/v1/tasks/{id}/claim",
                 authenticated,  runtime,     {200, 403, 404, 409},      &Api::act_on_task},
        {"POST", "/api/v1/tasks/{id}/release",
                 authenticated,  runtime,     {200, 403, 404, 409},      &Api::act_on_task},
        {"POST", "/api/v1/tasks/{id}/complete",
                 authenticated,  runtime,     {200, 403, 404, 409, 422}, &Api::act_on_task},
        {"POST", "/api/v1/tasks/{id}/reassign",
                 authenticated,  runtime,     {200, 403, 404, 409},      &Api::act_on_task},
        {"GET",  "/api/v1/admin/clock",
                 admin,          none,        {200, 404},                &Api::get_clock},
        {"POST", "/api/v1/admin/clock",
                 admin,          kept_answer, {200, 404},                &Api::move_clock},
        {"GET",  "/api/v1/admin/users",
                 admin,          none,        {200, 404},                &Api::list_users},
        {"POST", "/api/v1/admin/users",
                 admin,          kept_answer, {201, 404, 409},           &Api::add_user},
        {"PATCH", "/api/v1/admin/users/{name}",
                 admin,          kept_answer, {200, 404},                &Api::patch_user},
        {"PUT",  "/api/v1/admin/users/{name}/password",
                 admin,          none,        {204, 404},                &Api::set_user_password},
        {"POST", "/api/v1/admin/users/{name}/revoke",
                 admin,          kept_answer, {200, 404},                &Api::revoke_user},
        {"GET",  "/api/v1/admin/units",
                 authenticated,  none,        {200, 404},                &Api::get_units},
        {"PUT",  "/api/v1/admin/units",
                 admin,          none,        {200, 404, 409},           &Api::put_units},
        {"GET",  "/api/v1/calendar",
                 authenticated,  none,        {200, 404},                &Api::get_calendar},
        {"GET",  "/api/v1/admin/calendar",
                 admin,          none,        {200, 404},                &Api::get_calendar},
        {"PUT",  "/api/v1/admin/calendar",
                 admin,          none,        {200, 404},                &Api::put_calendar},
        {"POST", "/api/v1/admin/webhooks",
                 admin,          none,        {201, 404},                &Api::add_webhook},
        {"GET",  "/api/v1/admin/webhooks",
                 admin,          none,        {200, 404},                &Api::list_webhooks},
        {"DELETE", "/api/v1/admin/webhooks/{id}",
                 admin,          none,        {204, 404},                &Api::delete_webhook},
        {"GET",  "/api/v1/admin/webhooks/{id}/deliveries",
                 admin,          none,        {200, 404},                &Api::webhook_deliveries},
        {"POST", "/api/v1/admin/webhooks/{id}/test",
                 admin,          none,        {202, 404},                &Api::test_webhook},
        {"POST", "/api/v1/admin/webhooks/{id}/deliveries/{delivery}/redeliver",
                 admin,          none,        {202, 404},                &Api::redeliver_webhook},
        {"GET",  "/api/v1/notifications",
                 authenticated,  none,        {200, 404},                &Api::list_notifications},
        {"POST", "/api/v1/notifications/read-all",
                 authenticated,  none,        {204, 404},                &Api::read_all_notifications},
        {"POST", "/api/v1/notifications/{id}/read",
                 authenticated,  none,        {204, 404},                &Api::read_notification},
        {"GET",  "/api/v1/people",
                 authenticated,  none,        {200, 403, 404},           &Api::list_people},
        {"GET",  "/api/v1/admin/audit",
                 authenticated,  none,        {200, 403, 404},           &Api::get_audit},
        // The feed is a WebSocket upgrade, which the server hands to the FeedHub (101, or its
        // refusals: 401, 404 without a hub, 429); a plain GET reaches the handler here (400).
        {"GET",  "/api/v1/feed",
                 authenticated,  none,        {101, 400, 401, 404, 429},
                 &Api::feed_without_upgrade},
    };
    // clang-format on
    return table;
}

namespace {

// Whether the path's segments fit the pattern; its "{name}" segments' values go to `params`.
bool path_matches(std::string_view pattern, const std::vector<std::string>& segments,
                  std::vector<std::pair<std::string_view, std::string>>& params) {
    params.clear();
    std::size_t i = 0;
    for (std::size_t at = 1; at <= pattern.size(); ++i) {
        const std::size_t end = std::min(pattern.find('/', at), pattern.size());
        const std::string_view part = pattern.substr(at, end - at);
        at = end + 1;
        if (i == segments.size()) return false;
        if (part.starts_with('{'))
            params.emplace_back(part.substr(1, part.size() - 2), segments[i]);
        else if (part != segments[i])
            return false;
    }
    return i == segments.size();
}

}  // namespace

Awaitable<Response> Api::route(Context& cx) {
    const Request& request = cx.request;
    // The pattern of this path: of those that match, the one with the fewest "{name}"s
    // (/definitions/validate before /definitions/{name}).
    std::string_view pattern;
    std::size_t fewest = SIZE_MAX;
    std::vector<std::pair<std::string_view, std::string>> params;
    for (const Route& r : routes())
        if (path_matches(r.pattern, request.segments, params) && params.size() < fewest) {
            pattern = r.pattern;
            fewest = params.size();
        }
    // Its routes, and the one of this method among them.
    const Route* found = nullptr;
    std::string allowed;
    bool open_path = true;  // every route of the path is for anyone
    for (const Route& r : routes()) {
        if (r.pattern != pattern || !path_matches(r.pattern, request.segments, params)) continue;
        if (!allowed.empty()) allowed += ", ";
        allowed += r.method;
        open_path = open_path && r.access == Access::anyone;
        if (r.method == request.method && found == nullptr) {
            found = &r;
            cx.params = params;
        }
    }
    const auto& s = request.segments;
    const bool under_api = s.size() >= 2 && s[0] == "api" && s[1] == "v1";
    // The web application's files and routes: anything that is no path of the API's.
    if (allowed.empty() && options_.web && !(s.size() >= 1 && s[0] == "api")) {
        if (auto page = options_.web->answer(request)) {
            cx.route = "web";
            co_return std::move(*page);
        }
    }
    // The API's paths, known or not, are for authenticated users only: who has no token learns
    // 401 and nothing of which routes exist.
    const bool needs_token = found != nullptr ? found->access != Access::anyone
                                              : (allowed.empty() ? under_api : !open_path);
    if (needs_token) {
        auto who = co_await authenticate(request, false);
        if (!who) {
            cx.route = "auth";
            if (who.error().code == ErrorCode::forbidden)
                co_return problem(401, "unauthorized", who.error().message);
            co_return problem(who.error());
        }
        cx.who = std::move(who).value();
        double retry_after = 0;
        if (!allow_rate(cx.who.credential, retry_after)) {
            cx.route = "rate_limited";
            Response r =
                problem(429, "rate_limited",
                        fmt::format("more than {:g} requests per second with this token of {}",
                                    options_.requests_per_second, cx.who.id));
            r.headers.emplace_back("Retry-After",
                                   std::to_string(static_cast<int>(std::ceil(retry_after))));
            co_return r;
        }
    }
    if (allowed.empty()) co_return not_found(request);
    if (found == nullptr) {
        cx.route = "method_not_allowed";
        co_return method_not_allowed(allowed);
    }
    cx.route = found->pattern;
    if (found->access == Access::admin && !cx.who.admin())
        co_return problem(403, "forbidden",
                          fmt::format("{} {} is for admins, and {} is not one", found->method,
                                      found->pattern, cx.who.id));
    // A browser sends the session cookie with requests that other sites' pages make: what
    // changes anything must come from this server's own pages (the sign-in too, if it says).
    const bool writes = found->method != "GET";
    if (writes && (!cx.who.session.empty() || !request.origin.empty()) && !same_origin(request))
        co_return problem(403, "forbidden",
                          "a request with the session cookie must come from this server's own "
                          "pages (Origin " +
                              (request.origin.empty() ? std::string("missing") : request.origin) +
                              ")");
    if (found->method == "POST" || found->method == "PUT" || found->method == "PATCH") {
        if (const std::string& ct = request.content_type;
            !request.body.empty() && !ct.empty() && ct.find("json") == std::string::npos)
            co_return problem(415, "unsupported_media_type",
                              "the body must be JSON (Content-Type: application/json), not " + ct);
        auto body = parse_body(request, options_.max_json_depth);
        if (!body) co_return problem(body.error());
        cx.body = std::move(body).value();
    }
    // ?lang= asks for the texts for people in another language than the profile's.
    if (const std::string lang = cx.param("lang");
        !lang.empty() && found->pattern.starts_with("/api/v1")) {
        if (!engine::is_language_tag(lang))
            co_return problem(400, "invalid_input",
                              "lang: a language tag such as en or ar, not \"" + lang + "\"",
                              "/query/lang");
        cx.who.language = lang;
    }
    if (found->replay == Replay::kept_answer && !request.idempotency_key.empty())
        co_return co_await once(cx, found->handler);
    co_return co_await (this->*(found->handler))(cx);
}

Awaitable<Response> Api::health(Context&) {
    co_return json_response(200, {{"status", "ok"}});
}

Awaitable<Response> Api::metrics_text(Context&) {
    Response r;
    r.content_type = "text/plain; version=0.0.4";
    metrics_.render(r.body);
    r.body += co_await service_.metrics();
    if (options_.extra_metrics) r.body += options_.extra_metrics();
    co_return r;
}

Awaitable<Response> Api::openapi(Context&) {
    Response r;
    r.body = openapi_document();
    co_return r;
}

Awaitable<Response> Api::feed_without_upgrade(Context&) {
    co_return problem(400, "invalid_input",
                      "the feed is a WebSocket: open it with Connection: Upgrade and "
                      "Upgrade: websocket");
}

Awaitable<Response> Api::readiness(Context&) {
    json body = {{"status", "ready"}};
    if (options_.dev_clock.now) {
        body["dev_clock"] = true;
        body["now"] = engine::format_date_time(options_.dev_clock.now());
    }
    Result<void> ready = engine::Ok{};
    if (options_.ready) ready = co_await options_.ready();
    if (ready) ready = co_await service_.ready();
    if (!ready) {
        body["status"] = "unavailable";
        body["detail"] = ready.error().message;
        co_return json_response(503, body);
    }
    co_return json_response(200, body);
}

// ---------------------------------------------------------------------------------------------
// Definitions

Awaitable<Response> Api::list_definitions(Context& cx) {
    auto names = co_await service_.workflow_names();
    if (!names) co_return problem(names.error());
    std::sort(names->begin(), names->end());
    json items = json::array();
    for (const auto& name : *names) {
        auto def = co_await service_.definition(name, 0);
        if (!def) co_return problem(def.error());
        auto versions = co_await service_.definition_versions(name);
        if (!versions) co_return problem(versions.error());
        items.push_back({{"name", name},
                         {"version", (*def)->version},
                         {"title", (*def)->title.in(cx.who.language)},
                         {"description", (*def)->description.in(cx.who.language)},
                         {"versions", *versions},
                         {"can", engine::policy::may_start(cx.who, **def) ? json::array({"start"})
                                                                          : json::array()}});
    }
    co_return json_response(200, {{"items", items}});
}

namespace {

// The {v} of a definition route: a positive integer; 0 (the latest) when the route has none.
std::optional<int> version_of(const std::string& v) {
    int version = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), version);
    if (ec != std::errc{} || p != v.data() + v.size() || version < 1) return std::nullopt;
    return version;
}

}  // namespace

Awaitable<Response> Api::get_definition(Context& cx) {
    int version = 0;  // the latest
    if (cx.params.size() == 2) {
        const auto v = version_of(cx.path("v"));
        if (!v)
            co_return problem(400, "invalid_input",
                              "a version is a positive integer, not " + cx.path("v"));
        version = *v;
    }
    auto def = co_await service_.definition(cx.path("name"), version);
    if (!def) co_return problem(def.error());
    // As its author wrote it: members in their order.
    nlohmann::ordered_json body = (*def)->ordered_source;
    body["version"] = (*def)->version;
    co_return text_response(200, engine::json_text(body));
}

// The picture's facts (engine::definition_graph), its texts in the reader's language.
Awaitable<Response> Api::get_definition_graph(Context& cx) {
    const auto version = version_of(cx.path("v"));
    if (!version)
        co_return problem(400, "invalid_input",
                          "a version is a positive integer, not " + cx.path("v"));
    auto def = co_await service_.definition(cx.path("name"), *version);
    if (!def) co_return problem(def.error());
    co_return json_response(200,
                            engine::localized(engine::definition_graph(**def), cx.who.language));
}

namespace {

json diagnostics_json(const std::vector<engine::Diagnostic>& ds, bool errors) {
    json out = json::array();
    for (const auto& d : ds)
        if (d.is_error() == errors) out.push_back({{"pointer", d.pointer}, {"message", d.message}});
    return out;
}

}  // namespace

Awaitable<Response> Api::validate_definition(Context& cx) {
    auto names = co_await service_.workflow_names();
    if (!names) co_return problem(names.error());
    std::set<std::string> known(names->begin(), names->end());
    if (auto it = cx.body.find("workflow"); it != cx.body.end() && it->is_string())
        known.insert(it->get<std::string>());
    // From the body's text, so that the definition keeps its members' order.
    auto loaded = engine::load_definition_text(
        cx.request.body, [&](std::string_view w) { return known.contains(std::string(w)); });
    co_return json_response(200, {{"valid", loaded.ok()},
                                  {"errors", diagnostics_json(loaded.diagnostics, true)},
                                  {"warnings", diagnostics_json(loaded.diagnostics, false)}});
}

Awaitable<Response> Api::put_definition(Context& cx) {
    auto names = co_await service_.workflow_names();
    if (!names) co_return problem(names.error());
    std::set<std::string> known(names->begin(), names->end());
    if (auto it = cx.body.find("workflow"); it != cx.body.end() && it->is_string())
        known.insert(it->get<std::string>());
    // From the body's text, so that the definition keeps its members' order.
    auto loaded = engine::load_definition_text(
        cx.request.body, [&](std::string_view w) { return known.contains(std::string(w)); });
    if (!loaded.ok())
        co_return problem(422, "invalid_definition", "the definition is not valid", "",
                          {{"errors", diagnostics_json(loaded.diagnostics, true)},
                           {"warnings", diagnostics_json(loaded.diagnostics, false)}});
    auto put = co_await service_.put_definition(loaded.definition);
    if (!put) co_return problem(put.error());
    if (options_.people != nullptr) {
        json detail = json::object();
        detail["name"] = loaded.definition->name;
        detail["version"] = loaded.definition->version;
        auto recorded = co_await options_.people->record(
            cx.who.id, "definition.put",
            loaded.definition->name + "@" + std::to_string(loaded.definition->version),
            std::move(detail));
        if (!recorded)
            spdlog::error("definition {} v{} stored but not audited: {}", loaded.definition->name,
                          loaded.definition->version, recorded.error().to_string());
    }
    json body = {{"name", loaded.definition->name},
                 {"version", loaded.definition->version},
                 {"warnings", diagnostics_json(loaded.diagnostics, false)}};
    Response r = json_response(201, body);
    r.headers.emplace_back("Location", "/api/v1/definitions/" + loaded.definition->name +
                                           "/versions/" +
                                           std::to_string(loaded.definition->version));
    co_return r;
}

// ---------------------------------------------------------------------------------------------
// Instances

namespace {

engine::Error not_shown(const Principal& who, const Instance& inst) {
    return make_error(ErrorCode::forbidden, who.id + " takes no part in " + inst.id +
                                                " and holds none of " + inst.workflow + "'s roles");
}

}  // namespace

Awaitable<Result<Instance>> Api::visible_instance(const Principal& who, const std::string& id) {
    auto inst = co_await service_.instance(id);
    if (!inst) co_return inst.error();
    auto def = co_await service_.definition(inst->workflow, inst->version);
    if (!def) co_return def.error();
    if (!engine::policy::may_see(who, *inst, **def)) co_return not_shown(who, *inst);
    co_return std::move(inst).value();
}

namespace {

// The rule of visible_instance, as Runtime::send applies it to the revision it steps.
std::function<Result<void>(const Instance&, const engine::Definition&)> visible_to(
    const Principal& who) {
    return [&who](const Instance& inst, const engine::Definition& def) -> Result<void> {
        if (engine::policy::may_see(who, inst, def)) return engine::Ok{};
        return not_shown(who, inst);
    };
}

}  // namespace

Awaitable<Response> Api::start_instance(Context& cx) {
    auto workflow = string_member(cx.body, "workflow", true);
    if (!workflow) co_return problem(workflow.error());
    auto key = string_member(cx.body, "key", false);
    if (!key) co_return problem(key.error());
    auto data = object_member(cx.body, "data");
    if (!data) co_return problem(data.error());
    int version = 0;
    if (auto it = cx.body.find("version"); it != cx.body.end() && !it->is_null()) {
        if (!it->is_number_integer() || it->get<int>() < 1)
            co_return problem(400, "invalid_input", "version must be a positive integer",
                              "/version");
        version = it->get<int>();
    }
    auto def = co_await service_.definition(*workflow, version);
    if (!def) co_return problem(def.error());
    if (auto allowed = engine::policy::may_start(cx.who, **def); !allowed)
        co_return problem(allowed.error());
    StartRequest req;
    req.workflow = *workflow;
    req.version = (*def)->version;
    req.data = std::move(data).value();
    req.business_key = std::move(key).value();
    req.idempotency_key = cx.request.idempotency_key;
    engine::Actor actor = cx.who.actor();
    auto started = co_await service_.start(std::move(req), std::move(actor));
    if (!started) co_return problem(started.error());
    std::string text;
    engine::JsonWriter w(text);
    write_instance(w, started->instance, **def, cx.now, cx.who);
    Response r = text_response(started->created ? 201 : 200, std::move(text));
    r.headers.emplace_back("Location", "/api/v1/instances/" + started->instance.id);
    co_return r;
}

Awaitable<Response> Api::get_instance(Context& cx) {
    const std::string& id = cx.path("id");
    auto inst = co_await visible_instance(cx.who, id);
    if (!inst) co_return problem(inst.error());
    auto def = co_await service_.definition(inst->workflow, inst->version);
    if (!def) co_return problem(def.error());
    std::string text;
    engine::JsonWriter w(text);
    write_instance(w, *inst, **def, cx.now, cx.who);
    co_return text_response(200, std::move(text));
}

Awaitable<Response> Api::list_instances(Context& cx) {
    auto limit = page_limit(cx.param("limit"), options_.max_page);
    if (!limit) co_return problem(limit.error());
    const std::string workflow = cx.param("workflow"), state = cx.param("state"),
                      key = cx.param("key"), role = cx.param("role"), status = cx.param("status");
    if (!status.empty() && status != "running" && status != "finished" && status != "cancelled")
        co_return problem(400, "invalid_input", "status: running, finished or cancelled",
                          "/query/status");
    // Data filters: data.<path>=<value>, the value compared as JSON if it parses, else as text.
    std::vector<std::pair<json::json_pointer, json>> data_filters;
    for (const auto& [name, value] : cx.request.query) {
        if (!name.starts_with("data.")) continue;
        std::string pointer;
        std::string_view rest = std::string_view(name).substr(5);
        while (!rest.empty()) {
            const auto dot = rest.find('.');
            pointer += "/" + std::string(rest.substr(0, dot));
            rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
        }
        json expected = json::parse(value, nullptr, false);
        if (expected.is_discarded()) expected = value;
        try {
            data_filters.emplace_back(json::json_pointer(pointer), std::move(expected));
        } catch (const json::exception&) {
            co_return problem(400, "invalid_input", "bad data filter " + name, "/query/" + name);
        }
    }
    std::vector<std::string> workflows;
    if (!workflow.empty()) {
        workflows.push_back(workflow);
    } else {
        auto names = co_await service_.workflow_names();
        if (!names) co_return problem(names.error());
        workflows = std::move(names).value();
    }
    if (!key.empty()) {
        // A business key names at most one instance per workflow.
        std::string text;
        engine::JsonWriter w(text);
        w.object().key("items").array();
        for (const auto& name : workflows) {
            auto found = co_await service_.find_by_key(name, key);
            if (!found) co_return problem(found.error());
            if (!*found) continue;
            auto inst = co_await visible_instance(cx.who, **found);
            if (!inst) {
                if (inst.error().code == ErrorCode::forbidden) continue;
                co_return problem(inst.error());
            }
            auto def = co_await service_.definition(inst->workflow, inst->version);
            if (!def) co_return problem(def.error());
            if (matches(*inst, **def, state, status, role, data_filters, cx.now))
                write_instance(w, *inst, **def, cx.now, cx.who);
        }
        w.end_array().key("next").value(nullptr).end_object();
        co_return text_response(200, std::move(text));
    }
    // Newest first, across the workflows' indices; filters are applied to each page read, so
    // a page may hold fewer than `limit` items and still have a next one.
    std::string text;
    engine::JsonWriter w(text);
    w.object().key("items").array();
    std::size_t items = 0;
    std::string position = cx.param("cursor");
    std::optional<std::string> last;
    bool more = false;
    const std::size_t scan = std::max<std::size_t>(*limit, 50);
    for (int round = 0; round < 8 && items < *limit; ++round) {
        auto page = co_await service_.list_instances(workflows, position, scan);
        if (!page) co_return page_refusal(page.error());
        more = page->size() == scan;
        for (auto& entry : *page) {
            position = entry.cursor;
            if (items == *limit) {
                more = true;
                break;
            }
            last = std::move(entry.cursor);
            const auto& inst = entry.instance;
            if (!inst) continue;  // gone since it was listed
            auto def = co_await service_.definition(inst->workflow, inst->version);
            if (!def) co_return problem(def.error());
            if (!engine::policy::may_see(cx.who, *inst, **def)) continue;
            if (!matches(*inst, **def, state, status, role, data_filters, cx.now)) continue;
            write_instance(w, *inst, **def, cx.now, cx.who);
            ++items;
        }
        if (!more) break;
    }
    w.end_array().key("next");
    if (more && last)
        w.string(*last);
    else
        w.value(nullptr);
    w.end_object();
    co_return text_response(200, std::move(text));
}

Awaitable<Response> Api::send_input(Context& cx, const std::string& id, engine::InputKind input,
                                    SendOptions options) {
    // (GCC 12: aggregate temporaries in a co_await expression are miscompiled; name them.)
    engine::Input in{std::move(input), cx.who.actor()};
    options.idempotency_key = cx.request.idempotency_key;
    if (!options.admit) options.admit = visible_to(cx.who);
    auto sent = co_await service_.send(id, std::move(in), std::move(options));
    if (!sent) co_return problem(sent.error());
    auto def = co_await service_.definition(sent->instance->workflow, sent->instance->version);
    if (!def) co_return problem(def.error());
    std::string text;
    engine::JsonWriter w(text);
    write_instance(w, *sent->instance, **def, cx.now, cx.who);
    co_return text_response(200, std::move(text));
}

Awaitable<Response> Api::send_event(Context& cx) {
    const std::string& id = cx.path("id");
    auto event = string_member(cx.body, "event", true);
    if (!event) co_return problem(event.error());
    auto data = object_member(cx.body, "data");
    if (!data) co_return problem(data.error());
    engine::InputKind input = engine::EventInput{std::move(event).value(), std::move(data).value()};
    SendOptions options;
    co_return co_await send_input(cx, id, std::move(input), std::move(options));
}

Awaitable<Response> Api::cancel_instance(Context& cx) {
    const std::string& id = cx.path("id");
    auto reason = string_member(cx.body, "reason", false);
    if (!reason) co_return problem(reason.error());
    engine::InputKind input =
        engine::CancelInput{reason->empty() ? "cancelled by " + cx.who.id : *reason};
    SendOptions options;
    options.admit = [&who = cx.who, see = visible_to(cx.who)](
                        const Instance& inst, const engine::Definition& def) -> Result<void> {
        if (auto seen = see(inst, def); !seen) return seen;
        return engine::policy::may_cancel(who, def);
    };
    co_return co_await send_input(cx, id, std::move(input), std::move(options));
}

Awaitable<Response> Api::instance_history(Context& cx) {
    const std::string& id = cx.path("id");
    auto inst = co_await visible_instance(cx.who, id);
    if (!inst) co_return problem(inst.error());
    auto records = co_await service_.history(id);
    if (!records) co_return problem(records.error());
    json items = json::array();
    for (const auto& r : *records) {
        json entry = json::parse(r.entry, nullptr, false);
        if (entry.is_discarded()) co_return problem(500, "storage_error", "unreadable history");
        entry["id"] = r.id;
        entry["hash"] = r.hash;
        if (auto at = entry.find("at"); at != entry.end() && at->is_number_integer())
            *at = engine::format_date_time(at->get<TimeMs>());
        items.push_back(std::move(entry));
    }
    co_return json_response(200, {{"instance", id}, {"items", items}});
}

// ---------------------------------------------------------------------------------------------
// Tasks

Awaitable<Response> Api::list_tasks(Context& cx) {
    auto limit = page_limit(cx.param("limit"), options_.max_page);
    if (!limit) co_return problem(limit.error());
    const std::string role = cx.param("role"), status = cx.param("status"),
                      state = cx.param("state"), workflow = cx.param("workflow");
    const auto mine_flag = cx.flag("mine"), overdue_flag = cx.flag("overdue");
    if (!mine_flag) co_return problem(mine_flag.error());
    if (!overdue_flag) co_return problem(overdue_flag.error());
    const bool mine = *mine_flag, overdue = *overdue_flag;
    if (!status.empty() && status != "open" && status != "claimed" && status != "unclaimed" &&
        status != "done")
        co_return problem(400, "invalid_input", "status: open, claimed, unclaimed or done",
                          "/query/status");
    if (!role.empty()) {
        if (auto allowed = engine::policy::may_list_role(cx.who, role); !allowed)
            co_return problem(allowed.error());
    }
    if (status == "done") {
        if (overdue)
            co_return problem(400, "invalid_input", "overdue is about open tasks, not done ones",
                              "/query/overdue");
        co_return co_await list_done_tasks(cx, *limit, mine);
    }
    // Which queues: a role's; the person's own; or, by default, everything that waits for the
    // person (their own and their roles' queues), merged most urgent first.
    std::vector<TaskQueue> queues;
    if (!role.empty()) queues.push_back(TaskQueue{true, role});
    if (mine || role.empty()) {
        queues.push_back(TaskQueue{false, cx.who.id});
        // A deputy's: what is personally theirs who are away.
        for (const auto& p : cx.who.deputy_for) queues.push_back(TaskQueue{false, p});
    }
    if (!mine && role.empty())
        for (const auto& r : cx.who.roles) queues.push_back(TaskQueue{true, r});

    const std::size_t want = *limit;
    std::vector<Task> merged;
    std::string last;  // merged.back()'s cursor
    std::set<std::string> seen;
    std::string position = cx.param("cursor");
    bool more = false;
    for (int round = 0; round < 8; ++round) {
        auto batch = co_await service_.open_tasks(queues, want + 1, cx.now, position);
        if (!batch) co_return page_refusal(batch.error());
        bool page_more = batch->full;
        std::size_t taken = 0;
        for (auto& [at, t] : batch->items) {
            if (merged.size() == want) {
                page_more = true;
                break;
            }
            ++taken;
            position = at;
            if (!seen.insert(t.id).second) continue;
            const bool claimed = t.claim_holds(cx.now);
            if (status == "claimed" && !claimed) continue;
            if (status == "unclaimed" && claimed) continue;
            if (overdue && (t.due_at == 0 || t.due_at > cx.now)) continue;
            if (!state.empty() && t.state != state) continue;
            if (!workflow.empty() && t.workflow != workflow) continue;
            // Without ?role=, what waits for the person (engine::policy::waits_for); with it,
            // the role's tasks they may see, others' claims included.
            const auto facts = engine::policy::TaskFacts::of(t, cx.now);
            if (role.empty() ? !engine::policy::waits_for(cx.who, facts)
                             : !engine::policy::may_see(cx.who, facts))
                continue;
            merged.push_back(std::move(t));
            last = at;
        }
        more = page_more;
        if (merged.size() == want || !more || taken == 0) break;
    }
    std::string next;
    if (more && !merged.empty()) next = std::move(last);
    co_return task_page(merged, next, cx.now, cx.who);
}

// Completed tasks, newest first: those the person completed, a role's (?role=), or by default
// both the person's and their roles'. The lists keep the most recent completions
// (in Redis, StoreOptions::done_kept per shard), and a page goes back no further than they all
// do; older ones are in the instances' histories.
Awaitable<Response> Api::list_done_tasks(Context& cx, std::size_t limit, bool mine) {
    const std::string role = cx.param("role"), state = cx.param("state"),
                      workflow = cx.param("workflow");
    std::vector<TaskQueue> lists;
    if (!role.empty()) lists.push_back(TaskQueue{true, role});
    if (mine || role.empty()) lists.push_back(TaskQueue{false, cx.who.id});
    if (!mine && role.empty())
        for (const auto& r : cx.who.roles) lists.push_back(TaskQueue{true, r});
    std::vector<Task> merged;
    std::string last;  // merged.back()'s cursor
    std::string position = cx.param("cursor");
    bool more = false;
    for (int round = 0; round < 8 && merged.size() < limit; ++round) {
        auto batch = co_await service_.done_tasks(lists, limit + 1, position);
        if (!batch) co_return page_refusal(batch.error());
        more = batch->full;
        for (auto& [at, t] : batch->items) {
            if (merged.size() == limit) {
                more = true;
                break;
            }
            position = at;
            if (!state.empty() && t.state != state) continue;
            if (!workflow.empty() && t.workflow != workflow) continue;
            if (!engine::policy::may_see(cx.who, engine::policy::TaskFacts::of(t, cx.now)))
                continue;
            merged.push_back(std::move(t));
            last = at;
        }
        if (!more || batch->items.empty()) break;
    }
    std::string next;
    if (more && !merged.empty()) next = std::move(last);
    co_return task_page(merged, next, cx.now, cx.who);
}

Awaitable<Response> Api::get_task(Context& cx) {
    const std::string& id = cx.path("id");
    const std::string instance_id = instance_of_task(id);
    if (instance_id.empty()) co_return problem(404, "task_not_found", "no task " + id);
    auto inst = co_await visible_instance(cx.who, instance_id);
    if (!inst) {
        if (inst.error().code == ErrorCode::not_found)
            co_return problem(404, "task_not_found", "no task " + id);
        co_return problem(inst.error());
    }
    auto task = co_await service_.find_task(id);
    if (!task) co_return problem(task.error());
    auto def = co_await service_.definition(inst->workflow, inst->version);
    if (!def) co_return problem(def.error());
    std::string text;
    engine::JsonWriter w(text);
    w.object();
    write_task_members(w, *task, cx.now, cx.who);
    if (auto form = task_form(**def, task->state, cx.who.language); !form.is_null())
        w.ordered_json("form", form);
    w.end_object();
    co_return text_response(200, std::move(text));
}

// claim, release, complete or reassign: the verb is the path's last segment.
Awaitable<Response> Api::act_on_task(Context& cx) {
    const std::string& id = cx.path("id");
    const std::string& verb = cx.request.segments.back();
    const std::string instance_id = instance_of_task(id);
    if (instance_id.empty()) co_return problem(404, "task_not_found", "no task " + id);
    engine::InputKind input;
    if (verb == "complete") {
        auto outcome = string_member(cx.body, "outcome", false);
        if (!outcome) co_return problem(outcome.error());
        auto fields = object_member(cx.body, "fields");
        if (!fields) co_return problem(fields.error());
        auto comment = string_member(cx.body, "comment", false);
        if (!comment) co_return problem(comment.error());
        input = engine::CompleteTaskInput{id, std::move(outcome).value(), std::move(fields).value(),
                                          std::move(comment).value()};
    } else if (verb == "claim") {
        TimeMs lease = options_.claim_lease.count();
        if (auto it = cx.body.find("lease_seconds"); it != cx.body.end()) {
            if (!it->is_number_integer() || it->get<std::int64_t>() < 0)
                co_return problem(400, "invalid_input", "lease_seconds: a whole number >= 0",
                                  "/lease_seconds");
            lease = it->get<std::int64_t>() * 1000;
        }
        input = engine::ClaimTaskInput{id, lease == 0 ? 0 : cx.now + lease};
    } else if (verb == "release") {
        input = engine::ReleaseTaskInput{id};
    } else {
        auto assignee = string_member(cx.body, "assignee", false);
        if (!assignee) co_return problem(assignee.error());
        input = engine::ReassignTaskInput{id, std::move(assignee).value()};
    }
    engine::Input in{std::move(input), cx.who.actor()};
    SendOptions options;
    options.idempotency_key = cx.request.idempotency_key;
    options.admit = visible_to(cx.who);
    options.task_id = id;
    auto sent = co_await service_.send(instance_id, std::move(in), std::move(options));
    if (!sent) {
        if (sent.error().code == ErrorCode::not_found)
            co_return problem(404, "task_not_found", "no task " + id);
        // Not a task of the current state: closed in a state left since, or never there.
        if (sent.error().code == ErrorCode::task_not_found) {
            auto task = co_await service_.find_task(id);
            if (task && !task->is_open())
                co_return problem(409, "task_closed",
                                  "task " + id + " is " + engine::to_string(task->status) +
                                      (task->closed_by.empty() ? "" : " by " + task->closed_by));
        }
        co_return problem(sent.error());
    }
    if (!sent->task) {  // a repeated input whose instance moved on since: the task is in history
        auto found = co_await service_.find_task(id);
        if (!found) co_return problem(found.error());
        sent->task = std::move(found).value();
    }
    const Instance& after = *sent->instance;
    auto def = co_await service_.definition(after.workflow, after.version);
    if (!def) co_return problem(def.error());
    std::string text;
    engine::JsonWriter w(text);
    w.object();
    write_task_members(w, *sent->task, cx.now, cx.who);
    w.key("instance_state");
    write_instance(w, after, **def, cx.now, cx.who);
    w.end_object();
    co_return text_response(200, std::move(text));
}

// ---------------------------------------------------------------------------------------------
// Users

// ---------------------------------------------------------------------------------------------
// Answers kept per Idempotency-Key

namespace {

// Members whose values are secrets: never compared nor kept for an Idempotency-Key.
bool is_secret(const std::string& member) {
    return member == "token" || member == "password";
}

// `value` without its secret members, at any depth.
json without_secrets(json value) {
    if (value.is_object()) {
        for (auto it = value.begin(); it != value.end();) {
            if (is_secret(it.key())) {
                it = value.erase(it);
            } else {
                it.value() = without_secrets(std::move(it.value()));
                ++it;
            }
        }
    } else if (value.is_array()) {
        for (auto& item : value) item = without_secrets(std::move(item));
    }
    return value;
}

}  // namespace

Awaitable<Response> Api::once(Context& cx, Handler handler) {
    const std::string& key = cx.request.idempotency_key;
    std::string scope = cx.who.id + ' ' + cx.request.method;
    for (const auto& segment : cx.request.segments) scope += '/' + segment;
    // The parsed body, re-serialised (members sorted, no spaces): the same JSON sent with
    // other spacing or member order is the same request.
    const std::string fingerprint = without_secrets(cx.body).dump();
    auto claim = co_await service_.claim_request(scope, key, fingerprint);
    if (!claim) co_return problem(claim.error());
    using Kind = RequestClaim::Kind;
    if (claim->kind == Kind::busy)
        co_return problem(409, "idempotency_key_in_use",
                          "a request with this Idempotency-Key is being served; try again");
    if (claim->kind == Kind::mismatch)
        co_return problem(422, "idempotency_key_reused",
                          "this Idempotency-Key was used for a request with another body");
    if (claim->kind == Kind::answered) {
        auto& kept = claim->answer;
        Response r{kept.status, std::move(kept.content_type), std::move(kept.body),
                   std::move(kept.headers)};
        r.headers.emplace_back("Idempotent-Replayed", "true");
        co_return r;
    }
    Response response = co_await (this->*handler)(cx);
    // A 5xx applied nothing that the client could not retry: the key is free again. Any
    // other answer is kept (a refusal too: the same request would be refused again).
    if (response.status >= 500) {
        (void)co_await service_.forget_request(std::move(scope), key);
        co_return response;
    }
    KeptAnswer kept{response.status, response.content_type, response.body, response.headers};
    if (auto body = json::parse(kept.body, nullptr, false); !body.is_discarded())
        kept.body = without_secrets(std::move(body)).dump();
    auto saved = co_await service_.keep_answer(scope, key, fingerprint, std::move(kept));
    if (!saved)
        spdlog::warn("Idempotency-Key of {} not kept: {}", scope, saved.error().to_string());
    co_return response;
}

// ---------------------------------------------------------------------------------------------
// The development clock

Awaitable<Response> Api::get_clock(Context&) {
    const auto& hooks = options_.dev_clock;
    if (!hooks.now)
        co_return problem(404, "not_found", "the development clock is off (accordd --dev-clock)");
    co_return json_response(200, {{"now", engine::format_date_time(hooks.now())}});
}

Awaitable<Response> Api::move_clock(Context& cx) {
    const auto& hooks = options_.dev_clock;
    if (!hooks.now)
        co_return problem(404, "not_found", "the development clock is off (accordd --dev-clock)");
    auto target = redis::DevClock::target_of(cx.body, hooks.now());
    if (!target) co_return problem(target.error());
    auto moved = co_await hooks.advance_to(*target);
    if (!moved) co_return problem(moved.error());
    co_return json_response(200, {{"now", engine::format_date_time(*moved)}});
}

}  // namespace accord::http
