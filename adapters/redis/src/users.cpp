// UserStore: names and roles are checked here, then written by the user_*, session_* and
// units_put scripts, each with its audit entry; reads are plain commands on the {u} slot.
#include "accord/redis/users.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <charconv>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base64url.hpp"
#include "scripts.hpp"

namespace accord::redis {

using engine::ErrorCode;
using engine::make_error;

namespace {

constexpr std::string_view kTokenPrefix = "acc_";
constexpr std::string_view kSessionPrefix = "acs_";
constexpr int kTokenBytes = 32;
constexpr std::size_t kTokenLength = kTokenPrefix.size() + (kTokenBytes * 4 + 2) / 3;

// [a-z0-9] then up to 63 more of [a-z0-9] and `also`.
bool is_identifier(std::string_view s, std::string_view also) {
    const auto plain = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (s.empty() || s.size() > 64 || !plain(s.front())) return false;
    return std::all_of(s.begin() + 1, s.end(),
                       [&](char c) { return plain(c) || also.find(c) != std::string_view::npos; });
}

Result<void> check_name(const std::string& name) {
    if (engine::is_name(name)) return engine::Ok{};
    return make_error(ErrorCode::invalid_input,
                      "user name \"" + name +
                          "\": 1 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit",
                      "/name");
}

// The roles checked, deduplicated and sorted.
Result<std::vector<std::string>> checked_roles(std::vector<std::string> roles) {
    if (roles.empty())
        return make_error(ErrorCode::invalid_input, "a user needs at least one role", "/roles");
    for (std::size_t i = 0; i < roles.size(); ++i)
        if (!is_identifier(roles[i], "_-"))
            return make_error(
                ErrorCode::invalid_input,
                "role \"" + roles[i] +
                    "\": 1 to 64 of a-z, 0-9, '_', '-', starting with a letter or digit",
                "/roles/" + std::to_string(i));
    std::sort(roles.begin(), roles.end());
    roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
    return roles;
}

std::string joined(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
    return out;
}

std::vector<std::string> words_of(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        const auto space = text.find(' ');
        if (space != 0) out.emplace_back(text.substr(0, space));
        if (space == std::string_view::npos) break;
        text.remove_prefix(space + 1);
    }
    return out;
}

// "acc_" (or another prefix) and 32 bytes of OpenSSL's CSPRNG in base64url.
Result<std::string> new_token(std::string_view prefix = kTokenPrefix) {
    unsigned char bytes[kTokenBytes];
    if (RAND_bytes(bytes, kTokenBytes) != 1)
        return make_error(ErrorCode::unavailable, "OpenSSL RAND_bytes failed: no token issued");
    return std::string(prefix) +
           base64url_encode(std::string_view(reinterpret_cast<const char*>(bytes), kTokenBytes));
}

TimeMs wall_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// An audit entry as stored: {"at", "by", "action", "target", "detail"}.
std::string audit_entry(const ChangedBy& by, std::string_view action, std::string_view target,
                        engine::json detail) {
    return engine::json{{"at", wall_now()},
                        {"by", by.name},
                        {"action", action},
                        {"target", target},
                        {"detail", std::move(detail)}}
        .dump(-1, ' ', false, engine::json::error_handler_t::replace);
}

std::string profile_text(const engine::Profile& profile) {
    return engine::to_json(profile).dump(-1, ' ', false, engine::json::error_handler_t::replace);
}

// A decimal integer that is the whole of `text`.
template <typename Int>
std::optional<Int> integer_of(std::string_view text) {
    Int value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

Result<TimeMs> time_of(const std::string& text) {
    if (auto t = integer_of<TimeMs>(text)) return *t;
    return make_error(ErrorCode::storage_error, "malformed created_at \"" + text + "\"");
}

// A user's hash as HGETALL gives it: field, value, ...
Result<User> user_of(const std::string& name, const Reply& fields) {
    if (fields.elements.empty())
        return make_error(ErrorCode::not_found, "no user " + name, "/name");
    User user;
    bool have_roles = false, have_created = false, have_revoked = false;
    for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
        const std::string& field = fields.elements[i].str;
        const std::string& value = fields.elements[i + 1].str;
        if (field == "name") {
            user.name = value;
        } else if (field == "roles") {
            user.roles = words_of(value);
            have_roles = true;
        } else if (field == "created_at") {
            auto t = time_of(value);
            if (!t) return t.error();
            user.created_at = *t;
            have_created = true;
        } else if (field == "revoked") {
            user.revoked = value != "0";
            have_revoked = true;
        } else if (field == "profile" && !value.empty()) {
            auto profile = engine::profile_from_json(engine::json::parse(value, nullptr, false));
            if (!profile)
                return make_error(ErrorCode::storage_error,
                                  "malformed profile of user " + name + ": " +
                                      profile.error().to_string());
            user.profile = std::move(profile).value();
        } else if (field == "password") {
            user.has_password = !value.empty();
        }
    }
    if (user.name != name || !have_roles || !have_created || !have_revoked)
        return make_error(ErrorCode::storage_error, "malformed record of user " + name);
    return user;
}

}  // namespace

UserStore::UserStore(std::shared_ptr<Client> client, std::string prefix, SessionLimits sessions)
    : client_(std::move(client)), keys_(std::move(prefix)), sessions_(sessions) {}

bool UserStore::is_session(std::string_view secret) {
    return secret.size() == kTokenLength && secret.starts_with(kSessionPrefix);
}

Awaitable<Result<IssuedToken>> UserStore::add(std::string name, std::vector<std::string> roles,
                                              TimeMs now, engine::Profile profile,
                                              std::string password_hash, ChangedBy by) {
    if (auto ok = check_name(name); !ok) co_return ok.error();
    auto checked = checked_roles(std::move(roles));
    if (!checked) co_return checked.error();
    auto token = new_token();
    if (!token) co_return token.error();
    const std::string digest = sha256_hex(*token);
    engine::json detail = engine::json::object();
    detail["roles"] = *checked;
    detail["profile"] = engine::to_json(profile);
    detail["password"] = !password_hash.empty();
    const std::string audit = audit_entry(by, "user.add", name, std::move(detail));
    auto r = co_await client_->eval(
        scripts::user_add(),
        command_of(keys_.user_names(), keys_.user(name), keys_.token(digest), keys_.audit(),
                   keys_.users_epoch(), keys_.user_changes()),
        command_of(name, joined(*checked), std::to_string(now), digest, profile_text(profile),
                   password_hash, audit));
    if (!r) co_return r.error();
    if (r->str == "conflict")
        co_return make_error(ErrorCode::conflict, "user " + name + " exists", "/name");
    if (r->str != "ok")
        co_return make_error(ErrorCode::storage_error, "user_add answered \"" + r->str + "\"");
    User user{std::move(name), std::move(checked).value(), now, false, std::move(profile),
              !password_hash.empty()};
    co_return IssuedToken{std::move(user), std::move(token).value()};
}

Awaitable<Result<void>> UserStore::change(const std::string& name, std::string action,
                                          engine::json detail, ChangedBy by, bool end_sessions,
                                          std::vector<std::string> fields) {
    std::vector<std::string> args;
    args.push_back(keys_.session_prefix());
    args.push_back(audit_entry(by, action, name, std::move(detail)));
    args.push_back(end_sessions ? "1" : "0");
    for (auto& f : fields) args.push_back(std::move(f));
    auto r = co_await client_->eval(
        scripts::user_change(),
        command_of(keys_.user(name), keys_.users_epoch(), keys_.user_changes(), keys_.audit()),
        std::move(args));
    if (!r) co_return r.error();
    if (r->str == "missing") co_return make_error(ErrorCode::not_found, "no user " + name, "/name");
    if (r->str == "revoked")
        co_return make_error(ErrorCode::not_found, "user " + name + " is revoked", "/name");
    if (r->str != "ok")
        co_return make_error(ErrorCode::storage_error, "user_change answered \"" + r->str + "\"");
    co_return engine::Ok{};
}

Awaitable<Result<User>> UserStore::update(std::string name,
                                          std::optional<engine::Profile> profile,
                                          std::optional<std::vector<std::string>> roles,
                                          ChangedBy by) {
    if (auto ok = check_name(name); !ok) co_return ok.error();
    std::vector<std::string> fields;
    engine::json detail = engine::json::object();
    if (roles) {
        auto checked = checked_roles(std::move(*roles));
        if (!checked) co_return checked.error();
        detail["roles"] = *checked;
        fields.push_back("roles");
        fields.push_back(joined(*checked));
    }
    if (profile) {
        detail["profile"] = engine::to_json(*profile);
        fields.push_back("profile");
        fields.push_back(profile_text(*profile));
    }
    if (auto r = co_await change(name, "user.update", std::move(detail), std::move(by), false,
                                 std::move(fields));
        !r)
        co_return r.error();
    co_return co_await get(std::move(name));
}

Awaitable<Result<void>> UserStore::set_password(std::string name, std::string hash, ChangedBy by) {
    if (auto ok = check_name(name); !ok) co_return ok.error();
    std::vector<std::string> fields;
    fields.push_back("password");
    fields.push_back(std::move(hash));
    co_return co_await change(name, "user.password", engine::json::object(), std::move(by), true,
                              std::move(fields));
}

Awaitable<Result<std::optional<std::string>>> UserStore::password_hash(std::string name) {
    if (!engine::is_name(name)) co_return std::optional<std::string>();
    auto r = co_await client_->command(keys_.user(name),
                                       command_of("HMGET", keys_.user(name), "revoked", "password"));
    if (!r) co_return r.error();
    if (r->elements.size() != 2 || r->elements[0].is_nil() || r->elements[0].str != "0" ||
        r->elements[1].is_nil() || r->elements[1].str.empty())
        co_return std::optional<std::string>();
    co_return std::optional<std::string>(std::move(r->elements[1].str));
}

Awaitable<Result<std::string>> UserStore::open_session(std::string name) {
    if (auto ok = check_name(name); !ok) co_return ok.error();
    auto secret = new_token(kSessionPrefix);
    if (!secret) co_return secret.error();
    const std::string digest = sha256_hex(*secret);
    const TimeMs until = wall_now() + sessions_.absolute.count();
    auto r = co_await client_->eval(
        scripts::session_open(), command_of(keys_.user(name), keys_.session(digest)),
        command_of(keys_.session_prefix(), digest, name + " " + std::to_string(until),
                   std::to_string(sessions_.idle.count())));
    if (!r) co_return r.error();
    if (r->str == "missing" || r->str == "revoked")
        co_return make_error(ErrorCode::not_found, "no user " + name, "/name");
    if (r->str != "ok")
        co_return make_error(ErrorCode::storage_error, "session_open answered \"" + r->str + "\"");
    co_return std::move(secret).value();
}

Awaitable<Result<bool>> UserStore::end_session(std::string session) {
    if (!is_session(session)) co_return false;
    const std::string digest = sha256_hex(session);
    auto r = co_await client_->eval(
        scripts::session_end(),
        command_of(keys_.session(digest), keys_.users_epoch(), keys_.user_changes()),
        command_of(keys_.user_prefix(), digest));
    if (!r) co_return r.error();
    co_return r->str == "ok";
}

Awaitable<Result<SignInFailures>> UserStore::sign_in_failures(std::string name,
                                                              std::string address) {
    const std::string by_name = keys_.name_failures(name),
                      by_address = keys_.address_failures(address);
    auto replies = co_await client_->all(
        calls_of(Call::cmd(by_name, command_of("HMGET", by_name, "n", "last")),
                 Call::cmd(by_address, command_of("HMGET", by_address, "n", "last"))));
    SignInFailures out;
    for (int i = 0; i < 2; ++i) {
        if (!replies[i]) co_return replies[i].error();
        const auto& e = replies[i]->elements;
        const std::int64_t n = e.size() == 2 ? integer_of<std::int64_t>(e[0].str).value_or(0) : 0;
        const TimeMs last = e.size() == 2 ? integer_of<TimeMs>(e[1].str).value_or(0) : 0;
        (i == 0 ? out.name_count : out.address_count) = n;
        (i == 0 ? out.name_last : out.address_last) = last;
    }
    co_return out;
}

Awaitable<Result<void>> UserStore::sign_in_failed(std::string name, std::string address,
                                                  std::chrono::milliseconds window) {
    auto r = co_await client_->eval(
        scripts::sign_in_failed(),
        command_of(keys_.name_failures(name), keys_.address_failures(address)),
        command_of(std::to_string(wall_now()), std::to_string(window.count())));
    if (!r) co_return r.error();
    co_return engine::Ok{};
}

Awaitable<Result<void>> UserStore::sign_in_succeeded(std::string name) {
    const std::string key = keys_.name_failures(name);
    auto r = co_await client_->command(key, command_of("DEL", key));
    if (!r) co_return r.error();
    co_return engine::Ok{};
}

Awaitable<Result<engine::Units>> UserStore::units() {
    auto r = co_await client_->command(keys_.units(), command_of("GET", keys_.units()));
    if (!r) co_return r.error();
    if (r->is_nil()) co_return engine::Units{};
    auto units = engine::Units::from_json(engine::json::parse(r->str, nullptr, false));
    if (!units)
        co_return make_error(ErrorCode::storage_error,
                             "malformed units: " + units.error().to_string());
    co_return std::move(units).value();
}

Awaitable<Result<void>> UserStore::put_units(const engine::Units& units, ChangedBy by) {
    const engine::json list = units.to_json();
    engine::json detail = engine::json::object();
    detail["units"] = list;
    const std::string audit = audit_entry(by, "units.put", "units", std::move(detail));
    auto r = co_await client_->eval(
        scripts::units_put(),
        command_of(keys_.units(), keys_.users_epoch(), keys_.user_changes(), keys_.audit()),
        command_of(list.dump(-1, ' ', false, engine::json::error_handler_t::replace), audit));
    if (!r) co_return r.error();
    co_return engine::Ok{};
}

Awaitable<Result<std::optional<engine::json>>> UserStore::calendar() {
    auto r = co_await client_->command(keys_.calendar(), command_of("GET", keys_.calendar()));
    if (!r) co_return r.error();
    if (r->is_nil()) co_return std::optional<engine::json>();
    engine::json j = engine::json::parse(r->str, nullptr, false);
    if (j.is_discarded()) co_return make_error(ErrorCode::storage_error, "malformed calendar");
    co_return std::optional<engine::json>(std::move(j));
}

Awaitable<Result<void>> UserStore::put_calendar(engine::json calendar, ChangedBy by) {
    engine::json detail = engine::json::object();
    detail["calendar"] = calendar;
    const std::string audit = audit_entry(by, "calendar.put", "calendar", std::move(detail));
    auto r = co_await client_->eval(
        scripts::units_put(),
        command_of(keys_.calendar(), keys_.users_epoch(), keys_.user_changes(), keys_.audit()),
        command_of(calendar.dump(-1, ' ', false, engine::json::error_handler_t::replace), audit));
    if (!r) co_return r.error();
    co_return engine::Ok{};
}

Awaitable<Result<void>> UserStore::audit(ChangedBy by, std::string action, std::string target,
                                         engine::json detail) {
    const std::string key = keys_.audit();
    auto r = co_await client_->command(
        key, command_of("XADD", key, "*", "e", audit_entry(by, action, target, std::move(detail))));
    if (!r) co_return r.error();
    co_return engine::Ok{};
}

Awaitable<Result<AuditPage>> UserStore::audit_page(std::string cursor, std::size_t limit) {
    // The cursor is the id of the last entry shown: the page goes on before it ("(" excludes).
    if (!cursor.empty() && (cursor.find_first_not_of("0123456789-") != std::string::npos ||
                            std::count(cursor.begin(), cursor.end(), '-') != 1))
        co_return make_error(ErrorCode::invalid_input, "not a cursor of the audit", "/query/cursor");
    const std::string key = keys_.audit();
    // (Built apart: GCC 12 mishandles a conditional's temporaries inside a co_await.)
    const std::string from = cursor.empty() ? std::string("+") : "(" + cursor;
    Command command = command_of("XREVRANGE", key, from, "-", "COUNT", std::to_string(limit + 1));
    auto r = co_await client_->command(key, std::move(command));
    if (!r) co_return r.error();
    AuditPage page;
    for (const Reply& entry : r->elements) {
        if (page.entries.size() == limit) {
            page.next = page.entries.back()["id"].get<std::string>();
            break;
        }
        if (entry.elements.size() != 2) continue;
        const auto& fields = entry.elements[1].elements;
        for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
            if (fields[i].str != "e") continue;
            engine::json e = engine::json::parse(fields[i + 1].str, nullptr, false);
            if (!e.is_object()) e = {{"detail", fields[i + 1].str}};
            e["id"] = entry.elements[0].str;
            page.entries.push_back(std::move(e));
        }
    }
    co_return page;
}

Awaitable<Result<IssuedToken>> UserStore::issue_token(std::string name, TimeMs /*now*/) {
    if (auto ok = check_name(name); !ok) co_return ok.error();
    auto token = new_token();
    if (!token) co_return token.error();
    const std::string digest = sha256_hex(*token);
    auto r = co_await client_->eval(scripts::user_token(),
                                    command_of(keys_.user(name), keys_.token(digest)),
                                    command_of(name, digest));
    if (!r) co_return r.error();
    const auto& reply = r->elements;
    if (!reply.empty() && reply[0].str == "missing")
        co_return make_error(ErrorCode::not_found, "no user " + name, "/name");
    if (!reply.empty() && reply[0].str == "revoked")
        co_return make_error(ErrorCode::not_found, "user " + name + " is revoked", "/name");
    if (reply.size() != 3 || reply[0].str != "ok")
        co_return make_error(ErrorCode::storage_error, "user_token gave a malformed answer");
    auto user = co_await get(std::move(name));
    if (!user) co_return user.error();
    co_return IssuedToken{std::move(user).value(), std::move(token).value()};
}

Awaitable<Result<std::vector<User>>> UserStore::list() {
    auto names =
        co_await client_->command(keys_.user_names(), command_of("SMEMBERS", keys_.user_names()));
    if (!names) co_return names.error();
    std::vector<std::string> sorted;
    for (auto& e : names->elements) sorted.push_back(std::move(e.str));
    std::sort(sorted.begin(), sorted.end());
    std::vector<Call> reads;
    for (const auto& name : sorted)
        reads.push_back(Call::cmd(keys_.user(name), command_of("HGETALL", keys_.user(name))));
    auto replies = co_await client_->all(std::move(reads));
    std::vector<User> out;
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        if (!replies[i]) co_return replies[i].error();
        auto user = user_of(sorted[i], *replies[i]);
        if (!user && user.error().code == ErrorCode::not_found)
            co_return make_error(ErrorCode::storage_error,
                                 "user " + sorted[i] + " is listed but has no record");
        if (!user) co_return user.error();
        out.push_back(std::move(user).value());
    }
    co_return out;
}

Awaitable<Result<User>> UserStore::get(std::string name) {
    if (auto ok = check_name(name); !ok) co_return ok.error();
    auto r = co_await client_->command(keys_.user(name), command_of("HGETALL", keys_.user(name)));
    if (!r) co_return r.error();
    co_return user_of(name, *r);
}

Awaitable<Result<void>> UserStore::revoke(std::string name, ChangedBy by) {
    if (auto ok = check_name(name); !ok) co_return ok.error();
    auto r = co_await client_->eval(
        scripts::user_revoke(),
        command_of(keys_.user(name), keys_.users_epoch(), keys_.user_changes(), keys_.audit()),
        command_of(keys_.token_prefix(), keys_.session_prefix(),
                   audit_entry(by, "user.revoke", name, engine::json::object())));
    if (!r) co_return r.error();
    if (r->str == "missing") co_return make_error(ErrorCode::not_found, "no user " + name, "/name");
    if (r->str != "ok" && r->str != "already")
        co_return make_error(ErrorCode::storage_error, "user_revoke answered \"" + r->str + "\"");
    co_return engine::Ok{};
}

Awaitable<Result<std::optional<User>>> UserStore::authenticate(std::string token) {
    std::string name;
    if (is_session(token)) {
        // '<name> <absolute end>', its idle lifetime renewed by the read.
        const std::string key = keys_.session(sha256_hex(token));
        auto value = co_await client_->command(
            key, command_of("GETEX", key, "PX", std::to_string(sessions_.idle.count())));
        if (!value) co_return value.error();
        if (value->is_nil()) co_return std::optional<User>{};
        const auto space = value->str.find(' ');
        const auto until = space == std::string::npos
                               ? std::nullopt
                               : integer_of<TimeMs>(std::string_view(value->str).substr(space + 1));
        if (!until || *until <= wall_now()) co_return std::optional<User>{};
        name = value->str.substr(0, space);
    } else {
        if (token.size() != kTokenLength || !token.starts_with(kTokenPrefix))
            co_return std::optional<User>{};
        const std::string key = keys_.token(sha256_hex(token));
        auto found = co_await client_->command(key, command_of("GET", key));
        if (!found) co_return found.error();
        if (found->is_nil()) co_return std::optional<User>{};
        name = std::move(found->str);
    }
    auto user = co_await get(name);
    if (!user && user.error().code == ErrorCode::not_found) co_return std::optional<User>{};
    if (!user) co_return user.error();
    if (user->revoked) co_return std::optional<User>{};
    co_return std::optional<User>(std::move(user).value());
}

namespace {

Result<std::uint64_t> epoch_of(const Reply& r) {
    if (r.is_nil()) return std::uint64_t{0};
    if (auto n = integer_of<std::uint64_t>(r.str)) return *n;
    return make_error(ErrorCode::storage_error, "malformed users epoch \"" + r.str + "\"");
}

}  // namespace

Awaitable<Result<std::uint64_t>> UserStore::epoch() {
    auto r = co_await client_->command(keys_.users_epoch(), command_of("GET", keys_.users_epoch()));
    if (!r) co_return r.error();
    co_return epoch_of(*r);
}

Awaitable<Result<RevocationMark>> UserStore::revocation_mark() {
    const std::string stream = keys_.user_changes(), epoch = keys_.users_epoch();
    auto replies = co_await client_->all(
        calls_of(Call::cmd(stream, command_of("XREVRANGE", stream, "+", "-", "COUNT", "1")),
                 Call::cmd(epoch, command_of("GET", epoch))));
    for (auto& r : replies)
        if (!r) co_return r.error();
    RevocationMark mark;
    const Reply& newest = *replies[0];
    if (!newest.elements.empty()) {
        if (newest.elements[0].elements.empty())
            co_return make_error(ErrorCode::storage_error, "malformed revocations stream");
        mark.id = newest.elements[0].elements[0].str;
    }
    auto e = epoch_of(*replies[1]);
    if (!e) co_return e.error();
    mark.epoch = *e;
    co_return mark;
}

Call UserStore::revocations_after(const std::string& after, std::chrono::milliseconds block) const {
    const std::string stream = keys_.user_changes();
    return Call::cmd(stream, command_of("XREAD", "BLOCK", std::to_string(block.count()), "STREAMS",
                                        stream, after));
}

// XREAD's answer: nil, or [[stream, [[id, [field, value, ...]], ...]]].
Result<RevocationMark> UserStore::read_revocations(const Reply& reply, const std::string& after) {
    RevocationMark out{after, 0};
    if (reply.is_nil()) return out;
    const auto malformed = [] {
        return make_error(ErrorCode::storage_error, "malformed XREAD answer on revocations");
    };
    if (reply.elements.size() != 1 || reply.elements[0].elements.size() != 2) return malformed();
    for (const Reply& entry : reply.elements[0].elements[1].elements) {
        if (entry.elements.size() != 2) return malformed();
        const auto& fields = entry.elements[1].elements;
        for (std::size_t i = 0; i + 1 < fields.size(); i += 2)
            if (fields[i].str == "epoch") {
                auto e = epoch_of(fields[i + 1]);
                if (!e) return e.error();
                out.epoch = *e;
            }
        out.id = entry.elements[0].str;
    }
    return out;
}

struct TokenCache::Round {
    explicit Round(const boost::asio::any_io_executor& ex)
        : done(ex, boost::asio::steady_timer::time_point::max()) {}
    boost::asio::steady_timer done;  // cancelled when the read is in
    bool finished = false;
    Result<std::uint64_t> epoch = std::uint64_t{0};
};

struct TokenCache::Watch {
    Watch(std::shared_ptr<Client> c, std::chrono::milliseconds b)
        : client(std::move(c)), block(b), broken(client->executor()) {}
    std::shared_ptr<Client> client;
    std::chrono::milliseconds block;
    std::string route;       // the revocations stream's: where the reads go
    std::string after = {};  // the newest revocation seen
    int in_flight = 0;
    bool connected = false;
    bool live = false;    // a read was answered since the watch was set up, and none failed
    bool failed = false;  // one failed: the watch is set up again once none is out
    std::optional<engine::Error> why;  // the failure
    std::chrono::steady_clock::time_point last_answer{};
    boost::asio::steady_timer broken;  // cancelled once a failed watch has no read out
};

TokenCache::TokenCache(UserStore& users, std::size_t capacity)
    : users_(users), capacity_(capacity) {}

TokenCache::~TokenCache() {
    *alive_ = false;
}

// Reads the epoch for every request that joined the round to come, round after round, until
// none is waiting.
Awaitable<void> TokenCache::read_rounds() {
    auto alive = alive_;
    reading_ = true;
    while (next_) {
        auto round = std::move(next_);
        next_.reset();
        ++epoch_reads_;
        auto epoch = co_await users_.epoch();
        if (!*alive) co_return;
        round->epoch = std::move(epoch);
        round->finished = true;
        round->done.cancel();
    }
    reading_ = false;
}

Awaitable<Result<std::uint64_t>> TokenCache::fresh_epoch() {
    const auto executor = co_await boost::asio::this_coro::executor;
    if (!next_) next_ = std::make_shared<Round>(executor);
    auto round = next_;
    if (!reading_) boost::asio::co_spawn(executor, read_rounds(), boost::asio::detached);
    if (!round->finished) {
        boost::system::error_code ignored;
        co_await round->done.async_wait(
            boost::asio::redirect_error(boost::asio::use_awaitable, ignored));
    }
    co_return round->epoch;
}

void TokenCache::saw_epoch(std::uint64_t epoch) {
    if (epoch == epoch_) return;
    known_.clear();  // "!=", not "<": after a FLUSHALL the epoch starts again from 0
    epoch_ = epoch;
}

void TokenCache::watch(Supervisor& supervisor, std::shared_ptr<Client> watcher,
                       std::chrono::milliseconds block) {
    watch_ = std::make_unique<Watch>(std::move(watcher), block);
    watch_->route = users_.revocations_after("0-0", block).route;
    supervisor.spawn("revocation-watch", [this](LoopState& state) { return watch_loop(state); });
}

void TokenCache::watch(std::shared_ptr<Client> watcher, std::chrono::milliseconds block) {
    own_supervisor_ = std::make_unique<Supervisor>(watcher->executor());
    watch(*own_supervisor_, std::move(watcher), block);
}

bool TokenCache::watched() const {
    if (!watch_ || !watch_->live) return false;  // (a failure clears `live`)
    // Two reads are out, each answered within `block`: a longer silence is a lost server.
    if (std::chrono::steady_clock::now() - watch_->last_answer >
        2 * watch_->block + std::chrono::milliseconds(500))
        return false;
    return !watch_->client->input_pending(watch_->route);
}

// Where the revocations stand, then two blocked reads after that point: while one is being
// answered the other is already waiting in Redis, so no revoke falls between them. Returns
// once the watch failed and no read of it is out (the supervisor sets it up again).
Awaitable<Result<void>> TokenCache::watch_loop(LoopState& state) {
    auto alive = alive_;
    Watch& w = *watch_;
    if (w.in_flight > 0)
        co_return make_error(ErrorCode::unavailable, "a read of the last watch is still out");
    if (!w.connected) {  // learns a cluster's slots
        state.doing("connecting to watch revocations");
        auto connected = co_await w.client->connect();
        if (!*alive) co_return engine::Ok{};
        if (!connected) co_return connected.error();
        w.connected = true;
    }
    state.doing("reading where the revocations stand");
    auto mark = co_await users_.revocation_mark();
    if (!*alive) co_return engine::Ok{};
    if (!mark) co_return mark.error();
    saw_epoch(mark->epoch);
    w.after = mark->id;
    w.failed = false;
    w.why.reset();
    w.live = false;  // until a read is answered: then the other one is surely in Redis
    send_watch_read();
    send_watch_read();
    state.healthy();
    state.doing("watching revocations");
    w.broken.expires_at(boost::asio::steady_timer::time_point::max());
    boost::system::error_code ignored;
    co_await w.broken.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ignored));
    if (!*alive || state.stopping()) co_return engine::Ok{};
    co_return w.why.value_or(make_error(ErrorCode::unavailable, "the revocation watch was lost"));
}

void TokenCache::send_watch_read() {
    ++watch_->in_flight;
    watch_->client->send(users_.revocations_after(watch_->after, watch_->block),
                         [this, alive = alive_](Result<Reply> answer) {
                             if (*alive) on_watch_answer(std::move(answer));
                         });
}

void TokenCache::on_watch_answer(Result<Reply> answer) {
    Watch& w = *watch_;
    --w.in_flight;
    Result<RevocationMark> news =
        answer ? UserStore::read_revocations(*answer, w.after) : answer.error();
    if (!news || w.failed) {
        if (!news && !w.why) w.why = news.error();
        w.failed = true;
        w.live = false;
        if (w.in_flight == 0) w.broken.cancel();
        return;
    }
    if (news->id != w.after) {
        w.after = news->id;
        const auto before = epoch_;
        saw_epoch(news->epoch);
        if (epoch_ != before && on_epoch_change) on_epoch_change();
    }
    w.live = true;
    w.last_answer = std::chrono::steady_clock::now();
    send_watch_read();
}

Awaitable<Result<std::uint64_t>> TokenCache::epoch() {
    if (watched()) co_return epoch_;
    auto epoch = co_await fresh_epoch();
    if (epoch) saw_epoch(*epoch);
    co_return epoch;
}

Awaitable<Result<std::optional<User>>> TokenCache::authenticate(std::string token) {
    Result<std::uint64_t> epoch = epoch_;
    if (!watched()) {
        epoch = co_await fresh_epoch();
        if (!epoch) co_return epoch.error();
        saw_epoch(*epoch);
    }
    std::string hash = sha256_hex(token);
    const auto now = std::chrono::steady_clock::now();
    if (auto it = known_.find(hash); it != known_.end() && now < it->second.until) {
        ++hits_;
        co_return std::optional<User>(it->second.user);
    }
    ++misses_;
    const bool session = UserStore::is_session(token);
    auto user = co_await users_.authenticate(std::move(token));
    if (!user) co_return user.error();
    // Kept only if no change was seen meanwhile: this lookup may have read from before it. A
    // session is read again (its idle lifetime renewed) after a minute, or a quarter of it.
    if (*user && epoch_ == *epoch) {
        if (known_.size() >= capacity_) known_.clear();
        const auto recheck = session ? std::min<std::chrono::steady_clock::duration>(
                                           std::chrono::minutes(1), users_.session_limits().idle / 4)
                                     : std::chrono::steady_clock::duration::max();
        known_.insert_or_assign(std::move(hash),
                                Known{**user, session ? now + recheck
                                                      : std::chrono::steady_clock::time_point::max()});
    }
    co_return user;
}

}  // namespace accord::redis
