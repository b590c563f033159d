// The server's insides, shared by its translation units: the connection loop, the WebSocket
// upgrade and the feed's sockets, as templates over the stream, instantiated once, for
// ByteStream (plain TCP or TLS alike), in server_session.cpp. Private to accord_http.
#pragma once

#include <deque>
#include <list>
#include <optional>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "accord/http/api.hpp"
#include "accord/http/feed_hub.hpp"
#include "accord/http/parse.hpp"
#include "accord/http/server.hpp"
#include "accord/http/views.hpp"
#include "byte_stream.hpp"

namespace accord::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

using RawRequest = bhttp::request<bhttp::string_body>;

// The parts of a request the Api looks at, and where it came from. Malformed targets are a 400.
engine::Result<Request> to_request(RawRequest& raw, const beast::tcp_stream& from, bool tls);
// The response as it goes on the wire, head and body in one buffer.
std::string wire(Response& response, unsigned version, bool keep_alive);

struct Server::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::any_io_executor ex, Api& a, FeedHub* f, ServerOptions o)
        : executor(ex), api(a), feed(f), options(std::move(o)), acceptor(ex) {}

    // A connection, so that stop() can close the idle ones.
    struct Connection {
        beast::tcp_stream* stream = nullptr;
        bool busy = false;
    };

    asio::any_io_executor executor;
    Api& api;
    FeedHub* feed;
    ServerOptions options;
    tcp::acceptor acceptor;
    std::optional<asio::ssl::context> tls;
    std::list<Connection> connections;
    bool stopping = false;

    asio::awaitable<void> accept_loop();
    // A connection's requests, plain or over TLS alike (ByteStream): Beast is instantiated once,
    // in server_session.cpp.
    asio::awaitable<void> serve_bytes(ByteStream stream, std::list<Connection>::iterator conn);
    template <typename Stream>
    asio::awaitable<void> serve(Stream stream, std::list<Connection>::iterator conn);
    template <typename Stream>
    asio::awaitable<void> upgrade(Stream stream, RawRequest request);
    template <typename Stream>
    asio::awaitable<bool> write(Stream& stream, Response response, unsigned version,
                                bool keep_alive);
};

template <typename Stream>
asio::awaitable<bool> Server::Impl::write(Stream& stream, Response response, unsigned version,
                                          bool keep_alive) {
    const std::string text = wire(response, version, keep_alive);
    auto [ec, n] = co_await asio::async_write(stream, asio::buffer(text), use_tuple);
    co_return !ec;
}

template <typename Stream>
asio::awaitable<void> Server::Impl::serve(Stream stream, std::list<Connection>::iterator conn) {
    auto self = shared_from_this();
    beast::tcp_stream& lowest = stream.tcp();
    conn->stream = &lowest;
    if (stream.tls()) {
        lowest.expires_after(options.request_timeout);
        auto [ec] = co_await stream.async_handshake(use_tuple);
        if (ec) co_return;
    }
    beast::flat_buffer buffer;
    while (!stopping) {
        conn->busy = false;
        // Idle until a request begins; then the whole of it within request_timeout.
        if (buffer.size() == 0) {
            lowest.expires_after(options.idle_timeout);
            auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), use_tuple);
            if (ec || n == 0) break;
            buffer.commit(n);
        }
        conn->busy = true;
        lowest.expires_after(options.request_timeout);
        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(options.max_header));
        parser.body_limit(options.max_body);
        auto [ec, n] = co_await bhttp::async_read_header(stream, buffer, parser, use_tuple);
        // (GCC 12: no temporaries in co_await expressions; refusals are named first.)
        if (ec) {
            std::optional<Response> refusal;
            if (ec == bhttp::error::header_limit)
                refusal = problem(431, "header_too_large",
                                  "headers over " + std::to_string(options.max_header) + " bytes");
            else if (ec == bhttp::error::body_limit)  // the Content-Length says too much
                refusal =
                    problem(413, "body_too_large",
                            "the body is over " + std::to_string(options.max_body) + " bytes");
            else if (ec != beast::error::timeout && ec != bhttp::error::end_of_stream &&
                     ec != asio::error::eof && ec != asio::error::connection_reset)
                refusal = problem(400, "malformed_request", ec.message());
            if (refusal) co_await write(stream, std::move(*refusal), 11, false);
            break;
        }
        const auto& header = parser.get();
        const unsigned version = header.version();
        if (auto length = parser.content_length(); length && *length > options.max_body) {
            Response refusal =
                problem(413, "body_too_large",
                        "the body is over " + std::to_string(options.max_body) + " bytes");
            co_await write(stream, std::move(refusal), version, false);
            break;
        }
        if (beast::iequals(header[bhttp::field::expect], "100-continue")) {
            bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, version};
            auto [wec, wn] = co_await bhttp::async_write(stream, go_on, use_tuple);
            if (wec) break;
        }
        if (!parser.is_done()) {
            auto [bec, bn] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
            if (bec) {
                std::optional<Response> refusal;
                if (bec == bhttp::error::body_limit)
                    refusal =
                        problem(413, "body_too_large",
                                "the body is over " + std::to_string(options.max_body) + " bytes");
                else if (bec != beast::error::timeout)
                    refusal = problem(400, "malformed_request", bec.message());
                if (refusal) co_await write(stream, std::move(*refusal), version, false);
                break;
            }
        }
        RawRequest raw = parser.release();
        if (websocket::is_upgrade(raw)) {
            lowest.expires_never();
            conn->busy = true;
            co_await upgrade(std::move(stream), std::move(raw));
            co_return;
        }
        auto request = to_request(raw, lowest, stream.tls());
        Response response;
        if (request)
            response = co_await api.handle(std::move(request).value());
        else
            response = problem(request.error());
        const bool keep_alive = raw.keep_alive() && !stopping;
        const bool written = co_await write(stream, std::move(response), version, keep_alive);
        if (!written || !keep_alive) break;
    }
    conn->busy = false;
    // TLS's close_notify within 2 s; plain TCP: the sending side shut at once.
    if (stream.tls()) lowest.expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(use_tuple);
}

// ---------------------------------------------------------------------------------------------
// WebSocket: the feed.

namespace detail {

template <typename Stream>
class WebSocket : public FeedSocket, public std::enable_shared_from_this<WebSocket<Stream>> {
public:
    static constexpr std::size_t kMaxQueued = 1024;

    explicit WebSocket(websocket::stream<Stream> ws)
        : ws_(std::move(ws)), wake_(ws_.get_executor()) {
        wake_.expires_at(asio::steady_timer::time_point::max());
    }

    bool send(std::shared_ptr<const std::string> text) override {
        if (closing_) return true;
        if (queue_.size() >= kMaxQueued) return false;
        queue_.push_back(std::move(text));
        wake_.cancel();
        return true;
    }
    std::size_t queued() const override { return queue_.size(); }
    void close(int code, std::string reason) override {
        if (closing_) return;
        closing_ = true;
        close_code_ = code;
        close_reason_ = std::move(reason);
        wake_.cancel();
    }

    websocket::stream<Stream>& ws() { return ws_; }
    bool closing() const { return closing_; }

    // Sends the queue as it fills, then the close frame.
    asio::awaitable<void> writer() {
        auto self = this->shared_from_this();
        while (true) {
            while (!queue_.empty() && !failed_) {
                auto text = queue_.front();
                ws_.text(true);
                auto [ec, n] = co_await ws_.async_write(asio::buffer(*text), use_tuple);
                queue_.pop_front();
                if (ec) failed_ = true;
            }
            if (failed_) co_return;
            if (closing_) {
                websocket::close_reason why(static_cast<websocket::close_code>(close_code_),
                                            close_reason_);
                (void)co_await ws_.async_close(why, use_tuple);
                co_return;
            }
            (void)co_await wake_.async_wait(use_tuple);
        }
    }
    void stop_writer() {
        failed_ = true;
        wake_.cancel();
    }

private:
    websocket::stream<Stream> ws_;
    asio::steady_timer wake_;
    std::deque<std::shared_ptr<const std::string>> queue_;
    bool closing_ = false, failed_ = false;
    int close_code_ = 1000;
    std::string close_reason_;
};

}  // namespace detail

template <typename Stream>
asio::awaitable<void> Server::Impl::upgrade(Stream stream, RawRequest raw) {
    auto self = shared_from_this();
    auto request = to_request(raw, stream.tcp(), stream.tls());
    const bool feed_route = request && request->segments.size() == 3 &&
                            request->segments[0] == "api" && request->segments[1] == "v1" &&
                            request->segments[2] == "feed";
    if (!feed_route || feed == nullptr) {
        Response refusal = problem(404, "not_found", "no WebSocket here; try /api/v1/feed");
        co_await write(stream, std::move(refusal), raw.version(), false);
        co_return;
    }
    auto who = co_await api.authenticate(*request, true);
    if (!who) {
        Response refusal = who.error().code == engine::ErrorCode::forbidden
                               ? problem(401, "unauthorized", who.error().message)
                               : problem(who.error());
        co_await write(stream, std::move(refusal), raw.version(), false);
        co_return;
    }
    if (feed->open_for(who->credential) >= api.options().max_feed_sockets) {
        Response refusal = problem(429, "too_many_connections",
                                   "this token of " + who->id + " has " +
                                       std::to_string(api.options().max_feed_sockets) +
                                       " feed sockets open already");
        co_await write(stream, std::move(refusal), raw.version(), false);
        co_return;
    }
    auto socket =
        std::make_shared<detail::WebSocket<Stream>>(websocket::stream<Stream>(std::move(stream)));
    auto& ws = socket->ws();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::chrono::seconds(10);
    timeouts.idle_timeout = api.options().feed_heartbeat;  // a ping at half of it
    timeouts.keep_alive_pings = true;
    ws.set_option(timeouts);
    ws.read_message_max(64 * 1024);
    ws.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(bhttp::field::server, "accord"); }));
    auto [ec] = co_await ws.async_accept(raw, use_tuple);
    if (ec) co_return;
    asio::co_spawn(executor, socket->writer(), asio::detached);
    feed->attach(socket, std::move(who).value(), *request);
    beast::flat_buffer buffer;
    while (true) {
        auto [rec, n] = co_await ws.async_read(buffer, use_tuple);
        if (rec) break;
        feed->receive(socket, beast::buffers_to_string(buffer.data()));
        buffer.consume(buffer.size());
    }
    feed->detach(socket);
    socket->stop_writer();
}

}  // namespace accord::http
