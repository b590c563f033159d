// People: what the Api asks about users beyond their tokens: profiles, passwords, sign-in
// sessions, failed sign-ins, the organisation's units and the audit of changes to them.
// accordd wires RedisPeople in (redis::UserStore, with passwords hashed on a PasswordWorker);
// an Api without People answers its routes 404.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "accord/engine/people.hpp"
#include "accord/engine/result.hpp"

namespace accord::http {

template <typename T>
using Awaitable = boost::asio::awaitable<T>;
using engine::Result;

struct NewPerson {
    std::string name;
    std::vector<std::string> roles;
    engine::Profile profile;
    std::string password;  // empty: none (the person signs in once an admin sets one)
};

// Failed sign-ins: within `window` after the latest one, a name (or an address) that failed
// `free_failures` times must wait, 1 s after the next failure, then twice as long after each
// (at most `window`). The right password after fewer failures signs in at once.
struct SignInLimits {
    std::chrono::milliseconds window{std::chrono::minutes(15)};
    int free_failures_per_name = 5;
    int free_failures_per_address = 20;
};

// How long a sign-in must wait after these failures (0: not at all), at `now` (ms).
std::chrono::milliseconds sign_in_wait(const engine::SignInFailures& failures, std::int64_t now,
                                       const SignInLimits& limits);

class People {
public:
    virtual ~People() = default;

    virtual Awaitable<Result<std::vector<engine::Person>>> list() = 0;
    virtual Awaitable<Result<engine::Person>> get(std::string name) = 0;
    // The new person and their first token (shown once).
    virtual Awaitable<Result<std::pair<engine::Person, std::string>>> add(NewPerson person,
                                                                          std::string by) = 0;
    virtual Awaitable<Result<engine::Person>> update(std::string name,
                                                     std::optional<engine::Profile> profile,
                                                     std::optional<std::vector<std::string>> roles,
                                                     std::string by) = 0;
    virtual Awaitable<Result<void>> revoke(std::string name, std::string by) = 0;
    // Hashes it and ends every session of the person.
    virtual Awaitable<Result<void>> set_password(std::string name, std::string password,
                                                 std::string by) = 0;
    // Whether the password is the person's (false for an unknown, revoked or password-less
    // person, after as long as a real check takes).
    virtual Awaitable<Result<bool>> check_password(std::string name, std::string password) = 0;

    // A session's secret, for the cookie; ending one signs it out on every node.
    virtual Awaitable<Result<std::string>> open_session(std::string name) = 0;
    virtual Awaitable<Result<bool>> end_session(std::string secret) = 0;
    virtual std::chrono::milliseconds session_lifetime() const = 0;  // the absolute one

    virtual Awaitable<Result<engine::SignInFailures>> sign_in_failures(std::string name,
                                                                       std::string address) = 0;
    virtual Awaitable<Result<void>> sign_in_failed(std::string name, std::string address,
                                                   std::chrono::milliseconds window) = 0;
    virtual Awaitable<Result<void>> sign_in_succeeded(std::string name) = 0;

    virtual Awaitable<Result<engine::Units>> units() = 0;
    virtual Awaitable<Result<void>> put_units(engine::Units units, std::string by) = 0;
    // The office calendar as put (nullopt: none yet), and putting one (checked by the caller).
    virtual Awaitable<Result<std::optional<engine::json>>> calendar() = 0;
    virtual Awaitable<Result<void>> put_calendar(engine::json calendar, std::string by) = 0;
    virtual Awaitable<Result<engine::AuditPage>> audit(std::string cursor, std::size_t limit) = 0;
    // Records a change made outside People (a new definition).
    virtual Awaitable<Result<void>> record(std::string by, std::string action, std::string target,
                                           engine::json detail) = 0;

    // Whether a time zone name is known (the IANA database).
    virtual bool known_zone(std::string_view zone) const = 0;
};

}  // namespace accord::http
