// UserStore: names and roles are checked here, then written by user_add.lua, user_token.lua and
// user_revoke.lua; reads are plain commands on the {u} slot.
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
    if (is_identifier(name, "._-")) return engine::Ok{};
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

// "acc_" and 32 bytes of OpenSSL's CSPRNG in base64url.
Result<std::string> new_token() {
    unsigned char bytes[kTokenBytes];
    if (RAND_bytes(bytes, kTokenBytes) != 1)
        return make_error(ErrorCode::unavailable, "OpenSSL RAND_bytes failed: no token issued");
    return std::string(kTokenPrefix) +
           base64url_encode(std::string_view(reinterpret_cast<const char*>(bytes), kTokenBytes));
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
        }
    }
    if (user.name != name || !have_roles || !have_created || !have_revoked)
        return make_error(ErrorCode::storage_error, "malformed record of user " + name);
    return user;
}

}  // namespace

UserStore::UserStore(std::shared_ptr<Client> client, std::string prefix)
    : client_(std::move(client)), keys_(std::move(prefix)) {}

Awaitable<Result<IssuedToken>> UserStore::add(std::string name, std::vector<std::string> roles,
                                              TimeMs now) {
    if (auto ok = check_name(name); !ok) co_return ok.error();
    auto checked = checked_roles(std::move(roles));
    if (!checked) co_return checked.error();
    auto token = new_token();
    if (!token) co_return token.error();
    const std::string digest = sha256_hex(*token);
    auto r = co_await client_->eval(
        scripts::user_add(), command_of(keys_.user_names(), keys_.user(name), keys_.token(digest)),
        command_of(name, joined(*checked), std::to_string(now), digest));
    if (!r) co_return r.error();
    if (r->str == "conflict")
        co_return make_error(ErrorCode::conflict, "user " + name + " exists", "/name");
    if (r->str != "ok")
        co_return make_error(ErrorCode::storage_error, "user_add answered \"" + r->str + "\"");
    co_return IssuedToken{User{std::move(name), std::move(checked).value(), now, false},
                          std::move(token).value()};
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
    auto created_at = time_of(reply[2].str);
    if (!created_at) co_return created_at.error();
    co_return IssuedToken{User{std::move(name), words_of(reply[1].str), *created_at, false},
                          std::move(token).value()};
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

Awaitable<Result<void>> UserStore::revoke(std::string name) {
    if (auto ok = check_name(name); !ok) co_return ok.error();
    auto r = co_await client_->eval(scripts::user_revoke(),
                                    command_of(keys_.user(name), keys_.users_epoch()),
                                    command_of(keys_.token_prefix()));
    if (!r) co_return r.error();
    if (r->str == "missing") co_return make_error(ErrorCode::not_found, "no user " + name, "/name");
    if (r->str != "ok" && r->str != "already")
        co_return make_error(ErrorCode::storage_error, "user_revoke answered \"" + r->str + "\"");
    co_return engine::Ok{};
}

Awaitable<Result<std::optional<User>>> UserStore::authenticate(std::string token) {
    if (token.size() != kTokenLength || !token.starts_with(kTokenPrefix))
        co_return std::optional<User>{};
    const std::string key = keys_.token(sha256_hex(token));
    auto name = co_await client_->command(key, command_of("GET", key));
    if (!name) co_return name.error();
    if (name->is_nil()) co_return std::optional<User>{};
    auto user = co_await get(name->str);
    if (!user && user.error().code == ErrorCode::not_found) co_return std::optional<User>{};
    if (!user) co_return user.error();
    if (user->revoked) co_return std::optional<User>{};
    co_return std::optional<User>(std::move(user).value());
}

Awaitable<Result<std::uint64_t>> UserStore::epoch() {
    auto r = co_await client_->command(keys_.users_epoch(), command_of("GET", keys_.users_epoch()));
    if (!r) co_return r.error();
    if (r->is_nil()) co_return std::uint64_t{0};
    if (auto n = integer_of<std::uint64_t>(r->str)) co_return *n;
    co_return make_error(ErrorCode::storage_error, "malformed users epoch \"" + r->str + "\"");
}

struct TokenCache::Round {
    explicit Round(const boost::asio::any_io_executor& ex)
        : done(ex, boost::asio::steady_timer::time_point::max()) {}
    boost::asio::steady_timer done;  // cancelled when the read is in
    bool finished = false;
    Result<std::uint64_t> epoch = std::uint64_t{0};
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

Awaitable<Result<std::optional<User>>> TokenCache::authenticate(std::string token) {
    auto epoch = co_await fresh_epoch();
    if (!epoch) co_return epoch.error();
    if (*epoch != epoch_) {
        known_.clear();
        epoch_ = *epoch;
    }
    std::string hash = sha256_hex(token);
    if (auto it = known_.find(hash); it != known_.end()) {
        ++hits_;
        co_return std::optional<User>(it->second);
    }
    ++misses_;
    auto user = co_await users_.authenticate(std::move(token));
    if (!user) co_return user.error();
    // Kept only if no revoke was seen meanwhile: this lookup may have read from before it.
    if (*user && epoch_ == *epoch) {
        if (known_.size() >= capacity_) known_.clear();
        known_.emplace(std::move(hash), **user);
    }
    co_return user;
}

}  // namespace accord::redis
