// UserStore: the people and programs that may call Accord's API, their roles, and the bearer
// tokens that stand for them, in Redis (docs/redis-layout.md, "Users and tokens"). A token is
// shown once, when it is issued; Redis keeps only its SHA-256. Adding and revoking are one
// script each, so a user never exists without a token record and a revoked user has no live
// token.
//
// REQUIRES: the client is connected (Client::connect, or RedisStore::open on the same client).
// Thread safety: use it from its client's executor only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "accord/redis/client.hpp"
#include "accord/redis/keyspace.hpp"
#include "accord/redis/redis_store.hpp"
#include "accord/redis/supervisor.hpp"

namespace accord::redis {

struct User {
    std::string name;  // [a-z0-9][a-z0-9._-]{0,63}
    // Each [a-z0-9][a-z0-9_-]{0,63}; at least one, deduplicated, sorted.
    std::vector<std::string> roles;
    TimeMs created_at = 0;
    bool revoked = false;

    bool operator==(const User&) const = default;
};

// Where the revocations stand: the newest one's id in the revocations stream ("0-0" before the
// first) and the epoch.
struct RevocationMark {
    std::string id = "0-0";
    std::uint64_t epoch = 0;
};

struct IssuedToken {
    User user;
    std::string token;  // "acc_" and 43 characters of base64url; shown once, never stored
};

class UserStore {
public:
    // `prefix` as StoreOptions::prefix ("acc"); a prefix that is empty or has braces throws
    // std::invalid_argument, as Keyspace does.
    UserStore(std::shared_ptr<Client> client, std::string prefix);

    // A new user with a new token. conflict if the name exists (revoked or not); invalid_input
    // (pointer "/name", "/roles" or "/roles/<i>") on a bad name or role, with nothing written.
    Awaitable<Result<IssuedToken>> add(std::string name, std::vector<std::string> roles,
                                       TimeMs now);
    // Another token for an existing, unrevoked user (not_found otherwise). `now` is unused for
    // now: tokens do not expire.
    Awaitable<Result<IssuedToken>> issue_token(std::string name, TimeMs now);
    Awaitable<Result<std::vector<User>>> list();    // sorted by name
    Awaitable<Result<User>> get(std::string name);  // not_found
    // Revokes the user and every token of theirs at once, and bumps the epoch. not_found if
    // unknown; a user revoked before stays so and the epoch does not move.
    Awaitable<Result<void>> revoke(std::string name);
    // The unrevoked user a token belongs to; nullopt for an unknown or revoked token (one that
    // is not of the form "acc_..." is not looked up).
    Awaitable<Result<std::optional<User>>> authenticate(std::string token);
    // A counter bumped by every revoke: servers that cache authenticated tokens drop their cache
    // (and re-check open WebSockets) when it changes. 0 before the first revoke.
    Awaitable<Result<std::uint64_t>> epoch();

    // The stream id of the newest revocation and then the epoch, in one round trip: a revoke
    // after the id is read is in the stream after it, whatever the epoch read says.
    Awaitable<Result<RevocationMark>> revocation_mark();
    // XREAD BLOCK of the revocations after stream id `after`: answered when one comes, or with
    // nothing after `block`. It holds up the connection it is sent on until then.
    Call revocations_after(const std::string& after, std::chrono::milliseconds block) const;
    // What such a call answered: its newest revocation, or `after` and epoch 0 if none.
    static Result<RevocationMark> read_revocations(const Reply& reply, const std::string& after);

private:
    std::shared_ptr<Client> client_;
    Keyspace keys_;
};

// UserStore::authenticate through a cache of the tokens seen, good while the epoch stands. A
// revoke on any node or by accordctl moves the epoch, which empties the cache. Users are never
// changed but by revoke, so nothing else can make an entry stale. Bounded: once full it starts
// again empty. Thread safety: as UserStore.
//
// How a request learns the epoch:
// - Watched (after watch()): two XREADs of the revocations stream are kept blocked in Redis on
//   a connection of their own, so a revoke is written to this process in the same Redis turn
//   that answers the revoke itself. A known token is then answered from memory, with no round
//   trip, as long as the watch stands (its last answer is under two blocking periods old, none
//   failed) and nothing waits unread on its connection (AsyncConnection::input_pending: a poll
//   with no wait). Anything else, and every request while the watch is re-established, falls
//   back to reading:
// - Read: each request waits for a read of the epoch that began after it came, so a revoke
//   that ended before is always seen; requests that come while one read is out share the next.
class TokenCache {
public:
    explicit TokenCache(UserStore& users, std::size_t capacity = 10'000);
    ~TokenCache();

    Awaitable<Result<std::optional<User>>> authenticate(std::string token);
    // The epoch, from memory while the watch stands (else read, as a request would).
    Awaitable<Result<std::uint64_t>> epoch();

    // Starts watching the revocations on `watcher`, a client of its own (its connection is
    // held up by the blocked reads; its command timeout must exceed `block`), until this cache
    // is destroyed, as a loop of `supervisor`'s: a lost watch is set up again after its
    // back-off. Without a supervisor, under one of the cache's own.
    void watch(Supervisor& supervisor, std::shared_ptr<Client> watcher,
               std::chrono::milliseconds block = std::chrono::milliseconds(4000));
    void watch(std::shared_ptr<Client> watcher,
               std::chrono::milliseconds block = std::chrono::milliseconds(4000));
    // Called when the watch sees the epoch move (a revocation): the feed checks its sockets.
    std::function<void()> on_epoch_change;
    bool watched() const;  // whether requests are answered without a read now
    // Drops every token known: for a revoke made in this process, so that its effect here
    // does not wait for the watch's answer.
    void forget() { known_.clear(); }
    std::uint64_t hits() const { return hits_; }
    std::uint64_t misses() const { return misses_; }
    std::uint64_t epoch_reads() const { return epoch_reads_; }

private:
    struct Round;
    struct Watch;
    Awaitable<Result<std::uint64_t>> fresh_epoch();
    Awaitable<void> read_rounds();
    void saw_epoch(std::uint64_t epoch);
    Awaitable<Result<void>> watch_loop(LoopState& state);
    void send_watch_read();
    void on_watch_answer(Result<Reply> answer);

    UserStore& users_;
    std::size_t capacity_;
    std::uint64_t epoch_ = 0;
    std::unordered_map<std::string, User> known_;  // by the token's SHA-256
    std::shared_ptr<Round> next_;                  // the read that new requests wait for
    bool reading_ = false;
    std::unique_ptr<Watch> watch_;
    std::unique_ptr<Supervisor> own_supervisor_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    std::uint64_t hits_ = 0, misses_ = 0, epoch_reads_ = 0;
};

}  // namespace accord::redis
