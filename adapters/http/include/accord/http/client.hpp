// Blocking HTTP/1.1 and WebSocket clients of an accordd (plain TCP): what accordctl's online
// commands and the end-to-end tests send, with timeouts so that a server that stops answering
// fails the call instead of hanging it. Beast stays in client.cpp, compiled once for both.
//
// With ACCORD_HTTP_EXCHANGES naming a directory, every answer is also appended to
// <dir>/<pid>.jsonl (tests/e2e/check_exchanges.py checks them against openapi.json).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace accord::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Thrown when no connection could be made (refused, unresolved, timed out): what() names the
// server, reason() is the cause alone ("Connection refused").
class ConnectionError : public std::runtime_error {
public:
    ConnectionError(const std::string& server, std::string reason)
        : std::runtime_error("cannot connect to " + server + ": " + reason),
          reason_(std::move(reason)) {}
    const std::string& reason() const { return reason_; }

private:
    std::string reason_;
};

struct HttpResponse {
    int status = 0;
    Headers headers;  // as received, names in the server's case
    std::string body;

    // The header's value (names compared case-insensitively); empty when absent.
    std::string header(std::string_view name) const;
    bool has_header(std::string_view name) const;
    // The body parsed as JSON; a discarded value when it is not JSON.
    nlohmann::json json() const;
};

// One keep-alive connection to host:port, opened on first use and again whenever the server
// closed it. REQUIRES: one thread at a time.
class HttpClient {
public:
    explicit HttpClient(int port, std::chrono::milliseconds timeout = std::chrono::seconds(10))
        : HttpClient("127.0.0.1", port, timeout) {}
    HttpClient(std::string host, int port,
               std::chrono::milliseconds timeout = std::chrono::seconds(10));
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Sends one request and reads its response. A non-empty body without a Content-Type in
    // `headers` goes as application/json. Throws std::runtime_error when no response came
    // (connection refused, reset, timeout).
    HttpResponse request(std::string_view method, std::string_view target,
                         const std::string& body = {}, const Headers& headers = {});

    // With `Authorization: Bearer token` when the token is not empty.
    HttpResponse get(std::string_view target, const std::string& token,
                     const Headers& headers = {});
    HttpResponse post(std::string_view target, const nlohmann::json& body, const std::string& token,
                      const Headers& headers = {});

    // Whether the last response left the connection open (keep-alive honoured).
    bool connected() const;
    void set_user_agent(std::string agent);  // "accord-e2e" until set

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// A WebSocket client that reads in the background of each call (pings are answered while it
// waits) and keeps what arrives until read_json() takes it. REQUIRES: one thread at a time.
class WsClient {
public:
    WsClient();
    ~WsClient();
    WsClient(const WsClient&) = delete;
    WsClient& operator=(const WsClient&) = delete;

    // Opens ws://host:port<target>. True once upgraded (101); otherwise false, with the
    // refusal's status and body in upgrade_status() and upgrade_body(). Throws
    // std::runtime_error when nothing listens there.
    bool connect(const std::string& host, int port, const std::string& target,
                 const Headers& headers = {});
    bool connect(int port, const std::string& target, const Headers& headers = {}) {
        return connect("127.0.0.1", port, target, headers);
    }
    void set_user_agent(std::string agent);  // "accord-e2e" until set
    int upgrade_status() const;
    std::string upgrade_body() const;

    // The next text message, parsed (a non-JSON message throws); nullopt if none came within
    // the timeout or the socket closed first.
    std::optional<nlohmann::json> read_json(std::chrono::milliseconds timeout);
    // The same, as the server sent it.
    std::optional<std::string> read_text(std::chrono::milliseconds timeout);
    // Every message that arrives, until none came for `quiet`.
    std::vector<nlohmann::json> drain(std::chrono::milliseconds quiet);
    void send(const nlohmann::json& message);
    void send_text(const std::string& text);
    // Sends a close frame (1000) and waits briefly for the server's.
    void close();

    // Waits until the server closed the socket; true if it did within the timeout. Messages
    // that arrive meanwhile are kept for read_json().
    bool wait_closed(std::chrono::milliseconds timeout);
    bool is_open() const;
    // The code of the server's close frame, once one came; nullopt while open or when the
    // connection dropped without one.
    std::optional<int> close_code() const;
    std::string close_reason() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace accord::http
