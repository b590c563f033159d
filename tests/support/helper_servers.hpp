// Helper servers for end-to-end tests, each a Python script of tests/support on a free loopback
// port, keeping what it received as JSON files: SmtpSink (smtp_sink.py on Debian's
// python3-aiosmtpd: the messages it accepted, as Python's email package reads them) and
// WebhookReceiver (webhook_receiver.py: each POST, its signature checked with Python's hmac).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/types.h>

namespace accord::testing {

class HelperServer {
public:
    // Runs `python3 tests/support/<script> PORT_FILE OUT_DIR args...` and waits until it wrote
    // its port (10 s at most, else throws).
    HelperServer(const std::string& script, const std::vector<std::string>& args);
    ~HelperServer();
    HelperServer(const HelperServer&) = delete;
    HelperServer& operator=(const HelperServer&) = delete;

    int port() const { return port_; }
    // What it kept so far (OUT_DIR/*.json), in order.
    std::vector<nlohmann::json> messages() const;
    // Waits until at least `n` came (or the timeout passed); what came.
    std::vector<nlohmann::json> wait_for(std::size_t n, std::chrono::milliseconds timeout) const;

protected:
    std::string dir_;

private:
    pid_t pid_ = -1;
    int port_ = 0;
};

class SmtpSink : public HelperServer {
public:
    // The first `fail_first` messages are answered 451; the first `hang_first` are held a
    // minute first (and then answered 451).
    explicit SmtpSink(int fail_first = 0, int hang_first = 0)
        : HelperServer("smtp_sink.py", {"--fail-first", std::to_string(fail_first), "--hang-first",
                                        std::to_string(hang_first)}) {}
    std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port()); }
    // messages(): {"rcpt_to", "to", "subject" (decoded), "raw_subject", "message_id", "text",
    // "html", "defects", ...}.
    // The Message-IDs of the messages answered 451, in order.
    std::vector<std::string> refused() const;
};

class WebhookReceiver : public HelperServer {
public:
    // Checks signatures with `secret`; the first `fail_first` POSTs are answered 500.
    explicit WebhookReceiver(const std::string& secret, int fail_first = 0)
        : HelperServer("webhook_receiver.py", {secret, "--fail-first", std::to_string(fail_first)}) {}
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port()) + "/hook"; }
    // messages(): {"delivery", "signature_valid", "t", "answered", "body", ...}.
};

}  // namespace accord::testing
