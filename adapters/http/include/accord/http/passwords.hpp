// Passwords: hashed and checked with libsodium's crypto_pwhash (Argon2id, 12 MiB and 3 passes:
// one of OWASP's recommended settings, about 11 ms of a core here; libsodium's INTERACTIVE
// 64 MiB took 69 ms and cost the API a quarter of its throughput at 10 sign-ins a second, and
// 19 MiB with 2 passes still a seventh: libsodium maps its memory afresh for every hash, and the
// kernel's work on it counts as much as the hash; bench/RESULTS.md), off the serving thread,
// and the rules a new password must pass. The hashes are crypto_pwhash_str's text
// ("$argon2id$v=19$m=12288,t=3,p=1$..."), which carries its own salt and limits, so hashes made
// with other limits still verify.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "accord/engine/result.hpp"

namespace accord::http {

template <typename T>
using Awaitable = boost::asio::awaitable<T>;

inline constexpr unsigned long long kPasswordOpsLimit = 3;                // passes
inline constexpr std::size_t kPasswordMemLimit = std::size_t{12} << 20;  // bytes

// The blocking work, for a command-line tool; the server uses PasswordWorker.
engine::Result<std::string> hash_password(std::string_view password);
bool verify_password(const std::string& hash, std::string_view password);

// Whether `password` may be a new password of user `name`: 10 to 1024 bytes, not the name nor
// containing it, not one character repeated, not one of the commonest passwords (also with
// digits and symbols added at its end). invalid_input at `pointer` saying which rule.
engine::Result<void> check_new_password(std::string_view password, std::string_view name,
                                        std::string pointer);
inline constexpr std::size_t kMinPasswordLength = 10;

// Hashes and verifies on a thread of its own at the lowest CPU priority (nice 19), one at a time, so
// that sign-ins neither hold up requests nor take more than a core. Requests beyond `queue`
// waiting are refused (unavailable) rather than queued.
class PasswordWorker {
public:
    explicit PasswordWorker(std::size_t queue = 64);
    ~PasswordWorker();
    PasswordWorker(const PasswordWorker&) = delete;
    PasswordWorker& operator=(const PasswordWorker&) = delete;

    Awaitable<engine::Result<std::string>> hash(std::string password);
    // Whether the password matches the hash; with no hash (an unknown user), a check against a
    // made-up one, so that the answer takes as long as for a real user.
    Awaitable<engine::Result<bool>> verify(std::string hash, std::string password);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace accord::http
