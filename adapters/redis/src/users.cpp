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
    auto r = co_await client_->eval(
        scripts::user_revoke(),
        command_of(keys_.user(name), keys_.users_epoch(), keys_.revocations()),
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
    const std::string stream = keys_.revocations(), epoch = keys_.users_epoch();
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
    const std::string stream = keys_.revocations();
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
