// SmtpSink: a real SMTP server for end-to-end tests (tests/support/smtp_sink.py on Debian's
// python3-aiosmtpd) on a free loopback port; the messages it accepted, as Python's email
// package reads them.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/types.h>

namespace accord::testing {

class SmtpSink {
public:
    // Starts it; the first `fail_first` messages are answered 451. Throws if it does not
    // listen within 10 s.
    explicit SmtpSink(int fail_first = 0);
    ~SmtpSink();
    SmtpSink(const SmtpSink&) = delete;
    SmtpSink& operator=(const SmtpSink&) = delete;

    int port() const { return port_; }
    std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
    // The messages accepted so far, in order: {"rcpt_to", "to", "subject" (decoded),
    // "raw_subject", "message_id", "text", "html", "defects", ...}.
    std::vector<nlohmann::json> messages() const;
    // The Message-IDs of the messages answered 451, in order.
    std::vector<std::string> refused() const;
    // Waits until at least `n` messages came (or the timeout passed); the messages.
    std::vector<nlohmann::json> wait_for(std::size_t n, std::chrono::milliseconds timeout) const;

private:
    std::string dir_;
    pid_t pid_ = -1;
    int port_ = 0;
};

}  // namespace accord::testing
