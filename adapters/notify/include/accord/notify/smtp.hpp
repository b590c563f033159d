// Smtp: sends e-mail through libcurl: smtp:// with STARTTLS when the server offers it (and,
// with `require_tls`, only then), smtps:// with TLS from the start, authentication when a user
// is given. Each send runs on a small pool of threads of its own (libcurl blocks), reusing one
// connection per thread, and resumes the awaiting coroutine on its executor.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "accord/engine/result.hpp"

namespace accord::notify {

struct SmtpSettings {
    std::string url;       // smtp://host:port or smtps://host:port
    std::string user;      // empty: no authentication
    std::string password;
    std::string from;      // the envelope and From address
    bool require_tls = false;
    std::chrono::seconds timeout{30};
    int threads = 4;
};

class Smtp {
public:
    explicit Smtp(SmtpSettings settings);
    ~Smtp();
    Smtp(const Smtp&) = delete;
    Smtp& operator=(const Smtp&) = delete;

    // Sends `message` (RFC 5322, CRLF lines) to `to`. unavailable on a failure worth retrying
    // (connection, timeout, a 4xx answer); invalid_input on one that is not (a 5xx answer such
    // as an unknown recipient).
    boost::asio::awaitable<engine::Result<void>> send(std::string to, std::string message);

    const SmtpSettings& settings() const { return settings_; }

private:
    struct Pool;
    SmtpSettings settings_;
    std::unique_ptr<Pool> pool_;
};

}  // namespace accord::notify
