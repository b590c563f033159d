// RedisPeople: People on redis::UserStore (redis_people.hpp), and the sign-in back-off.
#include "accord/http/redis_people.hpp"

#include <algorithm>


namespace accord::http {

using engine::ErrorCode;
using engine::make_error;

RedisPeople::RedisPeople(redis::UserStore& users, redis::TokenCache* tokens,
                         PasswordWorker& worker)
    : users_(users), tokens_(tokens), worker_(worker) {}

Awaitable<Result<std::vector<engine::Person>>> RedisPeople::list() {
    co_return co_await users_.list();
}

Awaitable<Result<engine::Person>> RedisPeople::get(std::string name) {
    co_return co_await users_.get(std::move(name));
}

Awaitable<Result<std::pair<engine::Person, std::string>>> RedisPeople::add(NewPerson person,
                                                                           std::string by) {
    redis::ChangedBy changed_by{std::move(by)};
    std::string hash;
    if (!person.password.empty()) {
        auto hashed = co_await worker_.hash(std::move(person.password));
        if (!hashed) co_return hashed.error();
        hash = std::move(hashed).value();
    }
    const engine::TimeMs now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
    auto issued = co_await users_.add(std::move(person.name), std::move(person.roles), now,
                                      std::move(person.profile), std::move(hash),
                                      std::move(changed_by));
    if (!issued) co_return issued.error();
    co_await forget();
    co_return std::make_pair(std::move(issued->user), std::move(issued->token));
}

Awaitable<Result<engine::Person>> RedisPeople::update(std::string name,
                                                      std::optional<engine::Profile> profile,
                                                      std::optional<std::vector<std::string>> roles,
                                                      std::string by) {
    redis::ChangedBy changed_by{std::move(by)};
    auto r = co_await users_.update(std::move(name), std::move(profile), std::move(roles),
                                    std::move(changed_by));
    co_await forget();
    co_return r;
}

Awaitable<Result<void>> RedisPeople::revoke(std::string name, std::string by) {
    redis::ChangedBy changed_by{std::move(by)};
    auto r = co_await users_.revoke(std::move(name), std::move(changed_by));
    co_await forget();
    co_return r;
}

Awaitable<Result<void>> RedisPeople::set_password(std::string name, std::string password,
                                                  std::string by) {
    redis::ChangedBy changed_by{std::move(by)};
    auto hash = co_await worker_.hash(std::move(password));
    if (!hash) co_return hash.error();
    auto r = co_await users_.set_password(std::move(name), std::move(hash).value(),
                                          std::move(changed_by));
    co_await forget();
    co_return r;
}

Awaitable<Result<bool>> RedisPeople::check_password(std::string name, std::string password) {
    auto hash = co_await users_.password_hash(std::move(name));
    if (!hash) co_return hash.error();
    std::string known = hash->value_or(std::string());
    co_return co_await worker_.verify(std::move(known), std::move(password));
}

Awaitable<Result<std::string>> RedisPeople::open_session(std::string name) {
    co_return co_await users_.open_session(std::move(name));
}

Awaitable<Result<bool>> RedisPeople::end_session(std::string secret) {
    auto r = co_await users_.end_session(std::move(secret));
    co_await forget();
    co_return r;
}

std::chrono::milliseconds RedisPeople::session_lifetime() const {
    return users_.session_limits().absolute;
}

Awaitable<Result<engine::SignInFailures>> RedisPeople::sign_in_failures(std::string name,
                                                                        std::string address) {
    co_return co_await users_.sign_in_failures(std::move(name), std::move(address));
}

Awaitable<Result<void>> RedisPeople::sign_in_failed(std::string name, std::string address,
                                                    std::chrono::milliseconds window) {
    co_return co_await users_.sign_in_failed(std::move(name), std::move(address), window);
}

Awaitable<Result<void>> RedisPeople::sign_in_succeeded(std::string name) {
    co_return co_await users_.sign_in_succeeded(std::move(name));
}

Awaitable<Result<engine::Units>> RedisPeople::units() {
    co_return co_await users_.units();
}

Awaitable<Result<void>> RedisPeople::put_units(engine::Units units, std::string by) {
    redis::ChangedBy changed_by{std::move(by)};
    auto r = co_await users_.put_units(units, std::move(changed_by));
    co_await forget();
    co_return r;
}

Awaitable<Result<std::optional<engine::json>>> RedisPeople::calendar() {
    co_return co_await users_.calendar();
}

Awaitable<Result<void>> RedisPeople::put_calendar(engine::json calendar, std::string by) {
    redis::ChangedBy changed_by{std::move(by)};
    auto r = co_await users_.put_calendar(std::move(calendar), std::move(changed_by));
    co_await forget();
    co_return r;
}

Awaitable<Result<engine::AuditPage>> RedisPeople::audit(std::string cursor, std::size_t limit) {
    co_return co_await users_.audit_page(std::move(cursor), limit);
}

Awaitable<Result<void>> RedisPeople::record(std::string by, std::string action, std::string target,
                                            engine::json detail) {
    redis::ChangedBy changed_by{std::move(by)};
    co_return co_await users_.audit(std::move(changed_by), std::move(action),
                                    std::move(target), std::move(detail));
}

}  // namespace accord::http
