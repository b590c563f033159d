// RedisPeople: People on redis::UserStore, with passwords hashed and checked on a
// PasswordWorker and time zones from the IANA database (Howard Hinnant's date/tz, on the
// system's tzdata). Thread safety: use it from its store's executor only.
#pragma once

#include <chrono>
#include <functional>

#include "accord/http/passwords.hpp"
#include "accord/http/people.hpp"
#include "accord/http/time_zones.hpp"
#include "accord/redis/users.hpp"

namespace accord::http {

class RedisPeople final : public People {
public:
    // `tokens`: the cache to empty on a change made here (other nodes hear of it by the watch).
    RedisPeople(redis::UserStore& users, redis::TokenCache* tokens, PasswordWorker& worker);

    Awaitable<Result<std::vector<engine::Person>>> list() override;
    Awaitable<Result<engine::Person>> get(std::string name) override;
    Awaitable<Result<std::pair<engine::Person, std::string>>> add(NewPerson person,
                                                                  std::string by) override;
    Awaitable<Result<engine::Person>> update(std::string name,
                                             std::optional<engine::Profile> profile,
                                             std::optional<std::vector<std::string>> roles,
                                             std::string by) override;
    Awaitable<Result<void>> revoke(std::string name, std::string by) override;
    Awaitable<Result<void>> set_password(std::string name, std::string password,
                                         std::string by) override;
    Awaitable<Result<bool>> check_password(std::string name, std::string password) override;
    Awaitable<Result<std::string>> open_session(std::string name) override;
    Awaitable<Result<bool>> end_session(std::string secret) override;
    std::chrono::milliseconds session_lifetime() const override;
    Awaitable<Result<engine::SignInFailures>> sign_in_failures(std::string name,
                                                               std::string address) override;
    Awaitable<Result<void>> sign_in_failed(std::string name, std::string address,
                                           std::chrono::milliseconds window) override;
    Awaitable<Result<void>> sign_in_succeeded(std::string name) override;
    Awaitable<Result<engine::Units>> units() override;
    Awaitable<Result<std::optional<engine::json>>> calendar() override;
    Awaitable<Result<void>> put_calendar(engine::json calendar, std::string by) override;
    Awaitable<Result<void>> put_units(engine::Units units, std::string by) override;
    Awaitable<Result<engine::AuditPage>> audit(std::string cursor, std::size_t limit) override;
    Awaitable<Result<void>> record(std::string by, std::string action, std::string target,
                                   engine::json detail) override;
    bool known_zone(std::string_view zone) const override { return known_time_zone(zone); }

    // Awaited after every change made here, before it is answered (other nodes hear of it
    // through the epoch).
    std::function<Awaitable<void>()> on_change;

private:
    Awaitable<void> forget() {
        if (tokens_ != nullptr) tokens_->forget();
        if (on_change) co_await on_change();
    }
    redis::UserStore& users_;
    redis::TokenCache* tokens_;
    PasswordWorker& worker_;
};

}  // namespace accord::http
