// UserStore: the people and programs that may call Accord's API, their roles, and the bearer
// tokens that stand for them, in Redis (docs/redis-layout.md, "Users and tokens"). A token is
// shown once, when it is issued; Redis keeps only its SHA-256. Adding and revoking are one
// script each, so a user never exists without a token record and a revoked user has no live
// token.
//
// REQUIRES: the client is connected (Client::connect, or RedisStore::open on the same client).
// Thread safety: use it from its client's executor only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "accord/redis/client.hpp"
#include "accord/redis/keyspace.hpp"
#include "accord/redis/redis_store.hpp"

namespace accord::redis {

struct User {
    std::string name;  // [a-z0-9][a-z0-9._-]{0,63}
    // Each [a-z0-9][a-z0-9_-]{0,63}; at least one, deduplicated, sorted.
    std::vector<std::string> roles;
    TimeMs created_at = 0;
    bool revoked = false;

    bool operator==(const User&) const = default;
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

private:
    std::shared_ptr<Client> client_;
    Keyspace keys_;
};

// UserStore::authenticate through a cache of the tokens seen, good while the epoch stands: a
// known token costs a read of the epoch instead of two lookups, and a revoke on any node or by
// accordctl moves the epoch, which empties the cache at the next request. Users are never
// changed but by revoke, so nothing else can make an entry stale. Each request waits for a read
// of the epoch that began after it came, so a revoke that ended before is always seen; requests
// that come while one read is out share the next. Bounded: once full it starts again empty.
// Thread safety: as UserStore.
class TokenCache {
public:
    explicit TokenCache(UserStore& users, std::size_t capacity = 10'000);
    ~TokenCache();

    Awaitable<Result<std::optional<User>>> authenticate(std::string token);
    std::uint64_t hits() const { return hits_; }
    std::uint64_t misses() const { return misses_; }
    std::uint64_t epoch_reads() const { return epoch_reads_; }

private:
    struct Round;
    Awaitable<Result<std::uint64_t>> fresh_epoch();
    Awaitable<void> read_rounds();

    UserStore& users_;
    std::size_t capacity_;
    std::uint64_t epoch_ = 0;
    std::unordered_map<std::string, User> known_;  // by the token's SHA-256
    std::shared_ptr<Round> next_;                  // the read that new requests wait for
    bool reading_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    std::uint64_t hits_ = 0, misses_ = 0, epoch_reads_ = 0;
};

}  // namespace accord::redis
