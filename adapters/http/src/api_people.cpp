// The Api's routes about people: signing in and out, one's own profile and password, the
// administration of users and units, and the audit (docs/api.md, "People").
#include <cmath>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "accord/engine/time.hpp"
#include "accord/http/passwords.hpp"
#include "accord/http/time_zones.hpp"
#include "api_internal.hpp"

namespace accord::http {

std::chrono::milliseconds sign_in_wait(const engine::SignInFailures& f, std::int64_t now,
                                       const SignInLimits& limits) {
    auto wait = [&](std::int64_t count, std::int64_t last, int free) -> std::int64_t {
        if (count < free) return 0;
        const int doublings = static_cast<int>(std::min<std::int64_t>(count - free, 30));
        const std::int64_t delay =
            std::min<std::int64_t>(std::int64_t{1000} << doublings, limits.window.count());
        return std::max<std::int64_t>(0, last + delay - now);
    };
    return std::chrono::milliseconds(
        std::max(wait(f.name_count, f.name_last, limits.free_failures_per_name),
                 wait(f.address_count, f.address_last, limits.free_failures_per_address)));
}

namespace {

// A person as the API shows them: the profile's members, "name", "roles", "created_at",
// "revoked" and whether a password is set.
json person_view(const engine::Person& p) {
    json j = engine::to_json(p);
    j["created_at"] = engine::format_date_time(p.created_at);
    return j;
}

std::int64_t wall_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The 429 for a try that must wait after failed sign-ins; nullopt when it need not.
std::optional<Response> held_back(const engine::SignInFailures& failures,
                                  const SignInLimits& limits, const char* detail) {
    const auto wait = sign_in_wait(failures, wall_ms(), limits);
    if (wait.count() <= 0) return std::nullopt;
    Response r = problem(429, "rate_limited", detail);
    r.headers.emplace_back("Retry-After",
                           std::to_string(static_cast<long>(std::ceil(wait.count() / 1000.0))));
    return r;
}

std::string session_cookie(const std::string& secret, std::chrono::seconds max_age, bool secure) {
    return fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}", kSessionCookie,
                       secret, max_age.count(), secure ? "; Secure" : "");
}

// Roles as the body gives them: an array of strings (checked further by the store).
Result<std::vector<std::string>> roles_member(const json& body, bool required) {
    auto it = body.find("roles");
    if (it == body.end()) {
        if (required) return make_error(ErrorCode::invalid_input, "roles are required", "/roles");
        return std::vector<std::string>{};
    }
    if (!it->is_array())
        return make_error(ErrorCode::invalid_input, "roles: an array of role names", "/roles");
    std::vector<std::string> roles;
    for (std::size_t i = 0; i < it->size(); ++i) {
        if (!(*it)[i].is_string())
            return make_error(ErrorCode::invalid_input, "a role is a string",
                              "/roles/" + std::to_string(i));
        roles.push_back((*it)[i].get<std::string>());
    }
    return roles;
}

// The body without the members that are not the profile's.
json profile_members(json body, std::initializer_list<const char*> others) {
    for (const char* name : others) body.erase(name);
    return body;
}

}  // namespace

Awaitable<Result<void>> Api::check_references(const engine::Profile& profile,
                                              const std::string& name) {
    auto& people = *options_.people;
    if (profile.away) {
        const std::string& deputy = profile.away->deputy;
        if (deputy == name)
            co_return make_error(ErrorCode::invalid_input, "one is not one's own deputy",
                                 "/away/deputy");
        auto found = co_await people.get(deputy);
        if (!found && found.error().code != ErrorCode::not_found) co_return found.error();
        if (!found || found->revoked)
            co_return make_error(ErrorCode::invalid_input, "no user " + deputy, "/away/deputy");
    }
    if (!profile.units.empty()) {
        auto units = co_await people.units();
        if (!units) co_return units.error();
        for (std::size_t i = 0; i < profile.units.size(); ++i)
            if (!units->contains(profile.units[i]))
                co_return make_error(ErrorCode::invalid_input, "no unit " + profile.units[i],
                                     "/units/" + std::to_string(i));
    }
    co_return engine::Ok{};
}

// ---------------------------------------------------------------------------------------------
// Signing in and out

Awaitable<Response> Api::sign_in(Context& cx) {
    if (options_.people == nullptr) co_return not_served("people");
    auto& people = *options_.people;
    auto name = string_member(cx.body, "name", true);
    if (!name) co_return problem(name.error());
    auto password = string_member(cx.body, "password", true);
    if (!password) co_return problem(password.error());
    const std::string address = client_address(cx.request);
    // A name no user can have is counted (and logged) as "-": nothing it sends is kept, and
    // a password longer than any allowed is wrong without being hashed.
    const std::string who = engine::is_name(*name) ? *name : std::string("-");
    auto failures = co_await people.sign_in_failures(who, address);
    if (!failures) co_return problem(failures.error());
    if (auto held = held_back(*failures, options_.sign_in,
                              "too many failed sign-ins: wait before trying again")) {
        spdlog::warn("sign-in of {} from {} held back after {} failures", who, address,
                     std::max(failures->name_count, failures->address_count));
        co_return std::move(*held);
    }
    Result<bool> right = false;
    if (password->size() <= 1024) right = co_await people.check_password(who, *password);
    if (!right) co_return problem(right.error());
    if (!*right) {
        if (auto counted = co_await people.sign_in_failed(who, address, options_.sign_in.window);
            !counted)
            co_return problem(counted.error());
        spdlog::warn("failed sign-in as {} from {}", who, address);
        co_return problem(401, "unauthorized", "the name or the password is wrong");
    }
    if (auto forgot = co_await people.sign_in_succeeded(*name); !forgot)
        co_return problem(forgot.error());
    auto secret = co_await people.open_session(*name);
    if (!secret) co_return problem(secret.error());
    auto person = co_await people.get(*name);
    if (!person) co_return problem(person.error());
    spdlog::info("{} signed in from {}", *name, address);
    Response r = json_response(200, person_view(*person));
    const bool secure = cx.request.tls || options_.public_origin.starts_with("https:");
    r.headers.emplace_back(
        "Set-Cookie",
        session_cookie(*secret,
                       std::chrono::duration_cast<std::chrono::seconds>(people.session_lifetime()),
                       secure));
    co_return r;
}

Awaitable<Response> Api::sign_out(Context& cx) {
    if (options_.people == nullptr) co_return not_served("people");
    if (cx.who.session.empty())
        co_return problem(409, "conflict",
                          "this request came with a token, not a session: a token ends when an "
                          "admin revokes its user");
    auto ended = co_await options_.people->end_session(cx.who.session);
    if (!ended) co_return problem(ended.error());
    Response r;
    r.status = 204;
    r.headers.emplace_back("Set-Cookie",
                           session_cookie("", std::chrono::seconds(0),
                                          cx.request.tls ||
                                              options_.public_origin.starts_with("https:")));
    co_return r;
}

// ---------------------------------------------------------------------------------------------
// One's own profile and password

Awaitable<Response> Api::me(Context& cx) {
    if (options_.people == nullptr)
        co_return json_response(200, {{"name", cx.who.id}, {"roles", cx.who.roles}});
    auto person = co_await options_.people->get(cx.who.id);
    if (!person) co_return problem(person.error());
    co_return json_response(200, person_view(*person));
}

Awaitable<Response> Api::patch_me(Context& cx) {
    if (options_.people == nullptr) co_return not_served("people");
    auto& people = *options_.people;
    auto person = co_await people.get(cx.who.id);
    if (!person) co_return problem(person.error());
    auto profile = engine::patch_profile(person->profile, cx.body, engine::ProfileEditor::self,
                                         [&](std::string_view z) { return people.known_zone(z); });
    if (!profile) co_return problem(profile.error());
    if (auto checked = co_await check_references(*profile, cx.who.id); !checked)
        co_return problem(checked.error());
    auto updated = co_await people.update(cx.who.id, std::move(profile).value(), std::nullopt,
                                          cx.who.id);
    if (!updated) co_return problem(updated.error());
    co_return json_response(200, person_view(*updated));
}

Awaitable<Response> Api::change_password(Context& cx) {
    if (options_.people == nullptr) co_return not_served("people");
    auto& people = *options_.people;
    auto old_password = string_member(cx.body, "old", true);
    if (!old_password) co_return problem(old_password.error());
    auto new_password = string_member(cx.body, "new", true);
    if (!new_password) co_return problem(new_password.error());
    if (auto ok = check_new_password(*new_password, cx.who.id, "/new"); !ok)
        co_return problem(ok.error());
    // Guessing the old password here is limited as signing in is.
    const std::string address = client_address(cx.request);
    auto failures = co_await people.sign_in_failures(cx.who.id, address);
    if (!failures) co_return problem(failures.error());
    if (auto held = held_back(*failures, options_.sign_in,
                              "too many wrong passwords: wait a while"))
        co_return std::move(*held);
    auto right = co_await people.check_password(cx.who.id, std::move(old_password).value());
    if (!right) co_return problem(right.error());
    if (!*right) {
        (void)co_await people.sign_in_failed(cx.who.id, address, options_.sign_in.window);
        co_return problem(403, "forbidden", "the old password is wrong", "/old");
    }
    auto set = co_await people.set_password(cx.who.id, std::move(new_password).value(), cx.who.id);
    if (!set) co_return problem(set.error());
    Response r;
    r.status = 204;
    // Every session ended, this one too: a browser that asked gets a new one.
    if (!cx.who.session.empty()) {
        auto secret = co_await people.open_session(cx.who.id);
        if (!secret) co_return problem(secret.error());
        r.headers.emplace_back(
            "Set-Cookie",
            session_cookie(*secret,
                           std::chrono::duration_cast<std::chrono::seconds>(
                               people.session_lifetime()),
                           cx.request.tls || options_.public_origin.starts_with("https:")));
    }
    co_return r;
}

// ---------------------------------------------------------------------------------------------
// Users, for admins

Awaitable<Response> Api::list_users(Context&) {
    if (options_.people == nullptr) co_return not_served("people");
    auto users = co_await options_.people->list();
    if (!users) co_return problem(users.error());
    json items = json::array();
    for (const auto& u : *users) items.push_back(person_view(u));
    co_return json_response(200, {{"items", std::move(items)}});
}

Awaitable<Response> Api::add_user(Context& cx) {
    if (options_.people == nullptr) co_return not_served("people");
    auto& people = *options_.people;
    auto name = string_member(cx.body, "name", true);
    if (!name) co_return problem(name.error());
    auto roles = roles_member(cx.body, true);
    if (!roles) co_return problem(roles.error());
    auto password = string_member(cx.body, "password", false);
    if (!password) co_return problem(password.error());
    if (!password->empty())
        if (auto ok = check_new_password(*password, *name, "/password"); !ok)
            co_return problem(ok.error());
    auto profile = engine::patch_profile(
        {}, profile_members(cx.body, {"name", "roles", "password"}), engine::ProfileEditor::admin,
        [&](std::string_view z) { return people.known_zone(z); });
    if (!profile) co_return problem(profile.error());
    if (auto checked = co_await check_references(*profile, *name); !checked)
        co_return problem(checked.error());
    NewPerson person{std::move(name).value(), std::move(roles).value(),
                     std::move(profile).value(), std::move(password).value()};
    auto added = co_await people.add(std::move(person), cx.who.id);
    if (!added) co_return problem(added.error());
    json body = person_view(added->first);
    body["token"] = added->second;
    co_return json_response(201, body);
}

Awaitable<Response> Api::patch_user(Context& cx) {
    if (options_.people == nullptr) co_return not_served("people");
    auto& people = *options_.people;
    const std::string& name = cx.path("name");
    auto person = co_await people.get(name);
    if (!person) co_return problem(person.error());
    if (person->revoked) co_return problem(404, "not_found", "user " + name + " is revoked");
    std::optional<std::vector<std::string>> roles;
    if (cx.body.contains("roles")) {
        auto r = roles_member(cx.body, true);
        if (!r) co_return problem(r.error());
        roles = std::move(r).value();
    }
    auto profile = engine::patch_profile(person->profile, profile_members(cx.body, {"roles"}),
                                         engine::ProfileEditor::admin,
                                         [&](std::string_view z) { return people.known_zone(z); });
    if (!profile) co_return problem(profile.error());
    if (auto checked = co_await check_references(*profile, name); !checked)
        co_return problem(checked.error());
    auto updated =
        co_await people.update(name, std::move(profile).value(), std::move(roles), cx.who.id);
    if (!updated) co_return problem(updated.error());
    co_return json_response(200, person_view(*updated));
}

Awaitable<Response> Api::set_user_password(Context& cx) {
    if (options_.people == nullptr) co_return not_served("people");
    const std::string& name = cx.path("name");
    auto password = string_member(cx.body, "password", true);
    if (!password) co_return problem(password.error());
    if (auto ok = check_new_password(*password, name, "/password"); !ok)
        co_return problem(ok.error());
    auto set = co_await options_.people->set_password(name, std::move(password).value(),
                                                      cx.who.id);
    if (!set) co_return problem(set.error());
    Response r;
    r.status = 204;
    co_return r;
}

Awaitable<Response> Api::revoke_user(Context& cx) {
    if (options_.people == nullptr) co_return not_served("people");
    const std::string& name = cx.path("name");
    // An admin locking themselves out is a slip, not an intent: another admin (or accordctl) may.
    if (name == cx.who.id)
        co_return problem(409, "conflict", "you can't revoke yourself; another admin can");
    auto revoked = co_await options_.people->revoke(name, cx.who.id);
    if (!revoked) co_return problem(revoked.error());
    co_return json_response(200, {{"name", name}, {"revoked", true}});
}

// ---------------------------------------------------------------------------------------------
// Units and the audit

Awaitable<Response> Api::get_units(Context&) {
    if (options_.people == nullptr) co_return not_served("people");
    auto units = co_await options_.people->units();
    if (!units) co_return problem(units.error());
    co_return json_response(200, {{"items", units->to_json()}});
}

Awaitable<Response> Api::put_units(Context& cx) {
    if (options_.people == nullptr) co_return not_served("people");
    auto& people = *options_.people;
    auto it = cx.body.find("items");
    if (it == cx.body.end())
        co_return problem(400, "invalid_input", "items: the list of units is required", "/items");
    auto units = engine::Units::from_json(*it);
    if (!units) {
        auto e = units.error();
        e.pointer = "/items" + e.pointer;
        co_return problem(e);
    }
    // A unit someone belongs to stays (or they are moved first).
    auto users = co_await people.list();
    if (!users) co_return problem(users.error());
    std::vector<std::string> stranded;
    for (const auto& u : *users)
        for (const auto& unit : u.profile.units)
            if (!u.revoked && !units->contains(unit)) stranded.push_back(u.name + " (" + unit + ")");
    if (!stranded.empty())
        co_return problem(409, "conflict",
                          fmt::format("units people belong to would go: {}",
                                      fmt::join(stranded, ", ")));
    if (auto put = co_await people.put_units(*units, cx.who.id); !put) co_return problem(put.error());
    co_return json_response(200, {{"items", units->to_json()}});
}

// The office calendar as stored, read back through its rules (the default until one is put).
Awaitable<Result<engine::Calendar>> Api::office_calendar() {
    auto stored = co_await options_.people->calendar();
    if (!stored) co_return stored.error();
    if (!*stored) co_return engine::Calendar();
    auto office = engine::Calendar::from_json(**stored, zone_rules);
    if (!office)
        co_return make_error(ErrorCode::storage_error,
                             "the stored calendar is refused: " + office.error().to_string());
    co_return std::move(office).value();
}

Awaitable<Response> Api::get_calendar(Context& cx) {
    if (options_.people == nullptr) co_return not_served("people");
    auto office = co_await office_calendar();
    if (!office) co_return problem(office.error());
    json body = office->to_json();
    // For everyone: the names in the reader's language; admins edit both (admin/calendar).
    if (cx.route == "/api/v1/calendar") {
        for (auto& h : body["holidays"]) h["name"] = engine::text_in(h["name"], cx.who.language);
        for (auto& c : body["closures"]) c["name"] = engine::text_in(c["name"], cx.who.language);
    }
    co_return json_response(200, body);
}

Awaitable<Response> Api::put_calendar(Context& cx) {
    if (options_.people == nullptr) co_return not_served("people");
    auto office = engine::Calendar::from_json(cx.body, zone_rules);
    if (!office) co_return problem(office.error());
    const json stored = office->to_json();
    if (auto put = co_await options_.people->put_calendar(stored, cx.who.id); !put)
        co_return problem(put.error());
    // Stored: the rescheduling is queued (Redis away: 503, and putting it again queues it).
    if (options_.calendar_changed) {
        if (auto queued = co_await options_.calendar_changed(); !queued)
            co_return problem(queued.error());
    }
    co_return json_response(200, stored);
}

Awaitable<Response> Api::list_people(Context& cx) {
    if (options_.people == nullptr) co_return not_served("people");
    const std::string role = cx.param("role"), unit = cx.param("unit"), names = cx.param("name");
    // By name: who these people are (their names as people read them), for anyone signed in.
    std::vector<std::string> wanted;
    for (std::size_t at = 0; !names.empty() && at <= names.size();) {
        const std::size_t comma = std::min(names.find(',', at), names.size());
        wanted.push_back(names.substr(at, comma - at));
        at = comma + 1;
    }
    if (wanted.size() > 100)
        co_return problem(400, "invalid_input", "at most 100 names at once", "/query/name");
    if (role.empty() && wanted.empty())
        co_return problem(400, "invalid_input",
                          "role or name is required: whose holders, or whom, to list",
                          "/query/role");
    // For choosing whom to give a task: admins, auditors and the role's leads.
    if (!role.empty() && !cx.who.admin() && !cx.who.auditor() &&
        !cx.who.has_role(engine::policy::lead_of(role)))
        co_return problem(403, "forbidden",
                          "the holders of " + role + " are listed for admins and the role's leads (" +
                              engine::policy::lead_of(role) + ")");
    auto users = co_await options_.people->list();
    if (!users) co_return problem(users.error());
    json items = json::array();
    for (const auto& u : *users) {
        if (!wanted.empty()) {
            if (std::find(wanted.begin(), wanted.end(), u.name) == wanted.end()) continue;
        } else if (u.revoked) {
            continue;
        }
        if (!role.empty() && std::find(u.roles.begin(), u.roles.end(), role) == u.roles.end())
            continue;
        if (!unit.empty() &&
            std::find(u.profile.units.begin(), u.profile.units.end(), unit) == u.profile.units.end())
            continue;
        json away = nullptr;
        if (u.profile.away)
            away = {{"from", u.profile.away->from},
                    {"to", u.profile.away->to},
                    {"deputy", u.profile.away->deputy}};
        items.push_back({{"name", u.name},
                         {"display_name", u.profile.display_name},
                         {"units", u.profile.units},
                         {"away", std::move(away)}});
    }
    co_return json_response(200, {{"items", std::move(items)}});
}

Awaitable<Response> Api::get_audit(Context& cx) {
    if (options_.people == nullptr) co_return not_served("people");
    if (!cx.who.admin() && !cx.who.auditor())
        co_return problem(403, "forbidden", "the audit is for admins and auditors");
    auto limit = page_limit(cx.param("limit"), options_.max_page);
    if (!limit) co_return problem(limit.error());
    auto page = co_await options_.people->audit(cx.param("cursor"), *limit);
    if (!page) {
        if (page.error().code == ErrorCode::invalid_input) {
            auto e = page.error();
            e.pointer = "/query/cursor";
            co_return problem(e);
        }
        co_return problem(page.error());
    }
    json items = json::array();
    for (auto& e : page->entries) {
        if (auto at = e.find("at"); at != e.end() && at->is_number_integer())
            *at = engine::format_date_time(at->get<std::int64_t>());
        items.push_back(std::move(e));
    }
    co_return json_response(200, {{"items", std::move(items)},
                                  {"next", page->next.empty() ? json(nullptr) : json(page->next)}});
}

}  // namespace accord::http
