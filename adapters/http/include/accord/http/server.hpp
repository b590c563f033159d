// Server: HTTP/1.1 (and TLS, when a certificate is configured) on Boost.Beast, handing each
// request to the Api and each WebSocket upgrade of /api/v1/feed to the feed. Limits: header
// and body size, time to send a request, idle keep-alive time, connection count.
//
// Thread safety: one executor (the runtime's).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "accord/engine/result.hpp"

namespace accord::http {

class Api;
class FeedHub;

struct ServerOptions {
    std::size_t max_body = 1 << 20;            // 413 beyond
    std::size_t max_header = 16 * 1024;        // 431 beyond
    std::size_t max_connections = 10'000;      // further connections are closed at once
    std::chrono::seconds request_timeout{10};  // to send a whole request once it began
    std::chrono::seconds idle_timeout{60};     // a keep-alive connection with nothing to do
    std::string tls_certificate;               // PEM files; both set: TLS only
    std::string tls_key;
};

class Server {
public:
    // `feed` may be null: upgrades are then refused.
    Server(boost::asio::any_io_executor executor, Api& api, FeedHub* feed, ServerOptions options);
    ~Server();

    // Binds and starts accepting; returns the port bound (useful with port 0).
    engine::Result<std::uint16_t> listen(const std::string& host, std::uint16_t port);
    // Stops accepting; connections finish the request in hand and close.
    void stop();
    std::size_t connections() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace accord::http
