// Blocking HTTP/1.1 and WebSocket clients for end-to-end tests against a real accordd on
// loopback: what a person's browser or script would send, with timeouts so that a server that
// stops answering fails the test instead of hanging it. Beast stays in http_client.cpp.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace accord::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

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

// One keep-alive connection to 127.0.0.1:port, opened on first use and again whenever the
// server closed it. REQUIRES: one thread at a time.
class HttpClient {
public:
    explicit HttpClient(int port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
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

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// A bare TCP connection, for what no well-behaved client sends: garbage bytes, huge headers,
// nothing at all.
class RawConnection {
public:
    explicit RawConnection(int port);
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    // Writes the bytes; false if the peer had closed the connection already.
    bool send(std::string_view bytes);
    // Everything the peer sends until it closes the connection, or until the timeout.
    std::string read_until_closed(std::chrono::milliseconds timeout);
    // Whether the peer closed (or reset) the connection, as seen by the last read.
    bool closed_by_peer() const { return closed_; }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    bool closed_ = false;
};

// A WebSocket client that reads in the background of each call (pings are answered while it
// waits) and keeps what arrives until read_json() takes it. REQUIRES: one thread at a time.
class WsClient {
public:
    WsClient();
    ~WsClient();
    WsClient(const WsClient&) = delete;
    WsClient& operator=(const WsClient&) = delete;

    // Opens ws://127.0.0.1:port<target>. True once upgraded (101); otherwise false, with the
    // refusal's status and body in upgrade_status() and upgrade_body(). Throws
    // std::runtime_error when nothing listens there.
    bool connect(int port, const std::string& target, const Headers& headers = {});
    int upgrade_status() const;
    std::string upgrade_body() const;

    // The next text message, parsed (a non-JSON message throws); nullopt if none came within
    // the timeout or the socket closed first.
    std::optional<nlohmann::json> read_json(std::chrono::milliseconds timeout);
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

}  // namespace accord::testing
