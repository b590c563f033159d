// Password hashing on libsodium (passwords.hpp), the worker thread it runs on, and the rules of
// a new password with the list of the commonest ones (data/common-passwords.txt, compiled in).
#include "accord/http/passwords.hpp"

#include <sodium.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>
#include <stdexcept>
#include <unordered_set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace accord::http {

using engine::ErrorCode;
using engine::make_error;

extern const char* const kCommonPasswords;  // common_passwords.cpp, generated

namespace {

void init_sodium() {
    static const int ready = sodium_init();
    if (ready < 0) throw std::runtime_error("libsodium could not be initialised");
}

const std::unordered_set<std::string>& common_passwords() {
    static const std::unordered_set<std::string> set = [] {
        std::unordered_set<std::string> out;
        std::string_view text = kCommonPasswords;
        while (!text.empty()) {
            const auto end = std::min(text.find('\n'), text.size());
            const std::string_view line = text.substr(0, end);
            if (!line.empty() && line[0] != '#') out.emplace(line);
            text.remove_prefix(std::min(end + 1, text.size()));
        }
        return out;
    }();
    return set;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

engine::Result<std::string> hash_password(std::string_view password) {
    init_sodium();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, password.data(), password.size(), kPasswordOpsLimit,
                          kPasswordMemLimit) != 0)
        return make_error(ErrorCode::unavailable, "out of memory hashing a password");
    return std::string(out);
}

bool verify_password(const std::string& hash, std::string_view password) {
    init_sodium();
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

engine::Result<void> check_new_password(std::string_view password, std::string_view name,
                                        std::string pointer) {
    if (password.size() < kMinPasswordLength)
        return make_error(ErrorCode::invalid_input,
                          "a password needs at least " + std::to_string(kMinPasswordLength) +
                              " characters",
                          pointer);
    if (password.size() > 1024)
        return make_error(ErrorCode::invalid_input, "a password has at most 1024 bytes", pointer);
    const std::string low = lower(password);
    if (name.size() >= 3 && low.find(lower(name)) != std::string::npos)
        return make_error(ErrorCode::invalid_input, "a password may not contain the user's name",
                          pointer);
    if (std::all_of(password.begin(), password.end(), [&](char c) { return c == password[0]; }))
        return make_error(ErrorCode::invalid_input, "a password of one character repeated",
                          pointer);
    // "Password2024!" is "password" with digits and symbols added at its end.
    std::string stem = low;
    while (!stem.empty() && !std::isalpha(static_cast<unsigned char>(stem.back())) &&
           static_cast<unsigned char>(stem.back()) < 0x80)
        stem.pop_back();
    const auto& common = common_passwords();
    if (common.contains(low) || (!stem.empty() && common.contains(stem)))
        return make_error(ErrorCode::invalid_input,
                          "this is one of the commonest passwords: choose another", pointer);
    return engine::Ok{};
}

struct PasswordWorker::Impl {
    boost::asio::thread_pool pool{1};
    std::size_t queue;
    std::atomic<std::size_t> waiting{0};
    std::string decoy;  // a hash of nothing anyone knows, for unknown users
};

PasswordWorker::PasswordWorker(std::size_t queue) : impl_(std::make_unique<Impl>()) {
    init_sodium();
    impl_->queue = queue;
    // Linux gives each thread its own nice value: the worker's, not the server's.
    boost::asio::post(impl_->pool, [] {
        ::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 19);
    });
    unsigned char secret[32];
    randombytes_buf(secret, sizeof secret);
    auto decoy = hash_password(std::string_view(reinterpret_cast<char*>(secret), sizeof secret));
    if (!decoy) throw std::runtime_error(decoy.error().message);
    impl_->decoy = std::move(decoy).value();
}

PasswordWorker::~PasswordWorker() {
    impl_->pool.join();
}

Awaitable<engine::Result<std::string>> PasswordWorker::hash(std::string password) {
    if (impl_->waiting >= impl_->queue)
        co_return make_error(ErrorCode::unavailable, "too many passwords are being checked");
    ++impl_->waiting;
    // (co_spawn's result must be default-constructible: an empty hash is the failure.)
    auto work = [password = std::move(password)]() -> Awaitable<std::string> {
        auto hashed = hash_password(password);
        if (!hashed) co_return std::string();
        co_return std::move(hashed).value();
    };
    std::string out =
        co_await boost::asio::co_spawn(impl_->pool, std::move(work), boost::asio::use_awaitable);
    --impl_->waiting;
    if (out.empty()) co_return make_error(ErrorCode::unavailable, "out of memory hashing a password");
    co_return out;
}

Awaitable<engine::Result<bool>> PasswordWorker::verify(std::string hash, std::string password) {
    if (impl_->waiting >= impl_->queue)
        co_return make_error(ErrorCode::unavailable, "too many sign-ins are being checked");
    ++impl_->waiting;
    const bool real = !hash.empty();
    if (!real) hash = impl_->decoy;
    auto check = [hash = std::move(hash), password = std::move(password)]() -> Awaitable<bool> {
        co_return verify_password(hash, password);
    };
    const bool ok = co_await boost::asio::co_spawn(impl_->pool, std::move(check),
                                                   boost::asio::use_awaitable);
    --impl_->waiting;
    co_return real && ok;
}

}  // namespace accord::http
