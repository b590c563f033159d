// The clients the end-to-end tests drive accordd with: accordctl's own HTTP and WebSocket
// clients (accord/http/client.hpp), and a bare TCP connection for what no client sends.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "accord/http/client.hpp"

namespace accord::testing {

using http::Headers;
using http::HttpClient;
using http::HttpResponse;
using http::WsClient;

// A bare TCP connection to 127.0.0.1:port, for what no well-behaved client sends: garbage
// bytes, huge headers, nothing at all.
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

}  // namespace accord::testing
