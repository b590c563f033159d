// UserStore: the people and programs that may call Accord's API, their roles and profiles, the
// bearer tokens and sign-in sessions that stand for them, their password hashes, the
// organisation's units and the audit of who changed them, in Redis (docs/redis-layout.md,
// "Users and tokens"). A token or session is shown once, when it is issued; Redis keeps only its
// SHA-256. Every change is one script that also writes its audit entry and tells every server
// (the epoch and the changes stream), so a user never exists without a token record, a revoked
// user has no live token or session, and no change goes unrecorded.
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

#include "accord/engine/people.hpp"
#include "accord/redis/client.hpp"
#include "accord/redis/keyspace.hpp"
#include "accord/redis/redis_store.hpp"
#include "accord/redis/supervisor.hpp"

namespace accord::redis {

using User = engine::Person;
using engine::AuditPage;
using engine::SignInFailures;

// Who changes users or units, as the audit records them: a user's name, or "accordctl".
struct ChangedBy {
    std::string name = "accordctl";
};

// How long a sign-in session lasts: `idle` after its last use, `absolute` after it began.
struct SessionLimits {
    std::chrono::milliseconds idle{std::chrono::hours(8)};
    std::chrono::milliseconds absolute{std::chrono::hours(24)};
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
    UserStore(std::shared_ptr<Client> client, std::string prefix, SessionLimits sessions = {});

    // A new user with a new token, a profile and (if not empty) a password's hash (Passwords).
    // conflict if the name exists (revoked or not); invalid_input (pointer "/name", "/roles" or
    // "/roles/<i>") on a bad name or role, with nothing written.
    Awaitable<Result<IssuedToken>> add(std::string name, std::vector<std::string> roles,
                                       TimeMs now, engine::Profile profile,
                                       std::string password_hash, ChangedBy by);
    // (Not a coroutine: GCC 12 destroys a coroutine's defaulted class arguments twice.)
    Awaitable<Result<IssuedToken>> add(std::string name, std::vector<std::string> roles,
                                       TimeMs now) {
        return add(std::move(name), std::move(roles), now, engine::Profile{}, std::string{},
                   ChangedBy{});
    }
    // Sets a user's profile and/or roles (checked as add does). not_found if unknown or revoked.
    Awaitable<Result<User>> update(std::string name, std::optional<engine::Profile> profile,
                                   std::optional<std::vector<std::string>> roles, ChangedBy by);
    // Sets a user's password hash and ends every session of theirs. not_found as update.
    Awaitable<Result<void>> set_password(std::string name, std::string hash, ChangedBy by);
    // The password hash of an unrevoked user who has one; nullopt otherwise.
    Awaitable<Result<std::optional<std::string>>> password_hash(std::string name);

    // A sign-in session for an unrevoked user: its secret ("acs_" and 43 characters), shown
    // once; authenticate() takes it as it takes tokens. not_found if unknown or revoked.
    Awaitable<Result<std::string>> open_session(std::string name);
    // Signs a session out on every server; false if it had ended already.
    Awaitable<Result<bool>> end_session(std::string session);
    const SessionLimits& session_limits() const { return sessions_; }

    // Failed sign-ins: counted for `window` after the latest, per name and per address.
    Awaitable<Result<SignInFailures>> sign_in_failures(std::string name, std::string address);
    Awaitable<Result<void>> sign_in_failed(std::string name, std::string address,
                                           std::chrono::milliseconds window);
    Awaitable<Result<void>> sign_in_succeeded(std::string name);  // forgets the name's failures

    // The organisation's units (none until put).
    Awaitable<Result<engine::Units>> units();
    Awaitable<Result<void>> put_units(const engine::Units& units, ChangedBy by);
    // The office calendar as put (JSON); nullopt until one is. Putting it tells every server
    // (the epoch) and is audited, as units are.
    Awaitable<Result<std::optional<engine::json>>> calendar();
    Awaitable<Result<void>> put_calendar(engine::json calendar, ChangedBy by);

    // Records a change made elsewhere (a definition) in the audit.
    Awaitable<Result<void>> audit(ChangedBy by, std::string action, std::string target,
                                  engine::json detail);
    // The audit, newest first, `limit` entries from `cursor` (empty: the newest).
    Awaitable<Result<AuditPage>> audit_page(std::string cursor, std::size_t limit);
    // Another token for an existing, unrevoked user (not_found otherwise). `now` is unused for
    // now: tokens do not expire.
    Awaitable<Result<IssuedToken>> issue_token(std::string name, TimeMs now);
    Awaitable<Result<std::vector<User>>> list();    // sorted by name
    Awaitable<Result<User>> get(std::string name);  // not_found
    // Revokes the user and every token and session of theirs at once, and bumps the epoch.
    // not_found if unknown; a user revoked before stays so and the epoch does not move.
    Awaitable<Result<void>> revoke(std::string name, ChangedBy by);
    Awaitable<Result<void>> revoke(std::string name) { return revoke(std::move(name), ChangedBy{}); }
    // The unrevoked user a token or a live session belongs to (a session's idle lifetime starts
    // again); nullopt for an unknown, revoked or ended one (one that is not of the form
    // "acc_..." or "acs_..." is not looked up).
    Awaitable<Result<std::optional<User>>> authenticate(std::string token);
    static bool is_session(std::string_view secret);
    // A counter bumped by every change to users, sessions and units: servers that cache
    // authenticated tokens drop their cache (and re-check open WebSockets) when it changes. 0
    // before the first change.
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
    Awaitable<Result<void>> change(const std::string& name, std::string action,
                                   engine::json detail, ChangedBy by, bool end_sessions,
                                   std::vector<std::string> fields);
    std::shared_ptr<Client> client_;
    Keyspace keys_;
    SessionLimits sessions_;
};

// UserStore::authenticate through a cache of the tokens and sessions seen, good while the epoch
// stands. Every change to a user (a revoke, new roles or profile, a new password, a sign-out) on
// any node or by accordctl moves the epoch, which empties the cache. A session is also read
// again a minute after it was (which renews its idle lifetime in Redis). Bounded: once full it
// starts again empty. Thread safety: as UserStore.
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
    struct Known {
        User user;
        std::chrono::steady_clock::time_point until;  // sessions: read again after this
    };
    std::unordered_map<std::string, Known> known_;  // by the token's SHA-256
    std::shared_ptr<Round> next_;                  // the read that new requests wait for
    bool reading_ = false;
    std::unique_ptr<Watch> watch_;
    std::unique_ptr<Supervisor> own_supervisor_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    std::uint64_t hits_ = 0, misses_ = 0, epoch_reads_ = 0;
};

}  // namespace accord::redis
