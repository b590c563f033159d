// The HTTP and WebSocket clients on Boost.Beast. Every operation is asynchronous on a private
// io_context run until it completes or its deadline passes, so that a silent server fails the
// call in seconds.
#include "accord/http/client.hpp"

#include <cstdlib>
#include <deque>
#include <fstream>
#include <stdexcept>

#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace accord::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// An IP address as it is; a name resolved (its first address).
tcp::endpoint endpoint_of(asio::io_context& io, const std::string& host, int port) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    if (!ec) return {address, static_cast<unsigned short>(port)};
    tcp::resolver resolver(io);
    const auto found = resolver.resolve(host, std::to_string(port), ec);
    if (ec || found.empty())
        throw ConnectionError(host, ec ? ec.message() : "no address");
    return found.begin()->endpoint();
}

std::string authority(const std::string& host, int port) {
    return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
           std::to_string(port);
}

// Runs the io_context until `done` holds; false if the deadline came first.
bool run_until(asio::io_context& io, const bool& done, Clock::time_point deadline) {
    while (!done) {
        io.restart();
        if (io.run_one_until(deadline) == 0 && !done && Clock::now() >= deadline) return false;
    }
    return true;
}

bool iequal(std::string_view a, std::string_view b) {
    return beast::iequals(a, b);
}

// With ACCORD_HTTP_EXCHANGES naming a directory, every answer the clients get is appended to
// <dir>/<pid>.jsonl, one JSON object a line (tests/e2e/check_exchanges.py checks them against
// the OpenAPI document): {"method", "target", "status", "headers": [[name, value]...], "body"}
// for HTTP answers and WebSocket handshakes, {"feed_message": text} for each feed message.
void record(const nlohmann::json& exchange) {
    static const char* dir = std::getenv("ACCORD_HTTP_EXCHANGES");
    if (dir == nullptr || *dir == '\0') return;
    std::ofstream out(std::string(dir) + "/" + std::to_string(::getpid()) + ".jsonl",
                      std::ios::app);
    out << exchange.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    if (!out) throw std::runtime_error(std::string("cannot record an exchange in ") + dir);
}

void record(std::string_view method, std::string_view target, int status, const Headers& headers,
            const std::string& body) {
    record(nlohmann::json{{"method", method},
                          {"target", target},
                          {"status", status},
                          {"headers", headers},
                          {"body", body}});
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::string HttpResponse::header(std::string_view name) const {
    for (const auto& [n, v] : headers)
        if (iequal(n, name)) return v;
    return {};
}

bool HttpResponse::has_header(std::string_view name) const {
    for (const auto& [n, v] : headers)
        if (iequal(n, name)) return true;
    return false;
}

nlohmann::json HttpResponse::json() const {
    return nlohmann::json::parse(body, nullptr, false);
}

// ---------------------------------------------------------------------------------------------

struct HttpClient::Impl {
    std::string host;
    int port;
    std::string user_agent = "accord-e2e";
    std::chrono::milliseconds timeout;
    asio::io_context io;
    std::optional<beast::tcp_stream> stream;
    beast::flat_buffer buffer;

    // Closes the connection; what was in flight on it ends (aborted) before this returns.
    void close() {
        if (stream) {
            beast::error_code ignored;
            stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
            stream->socket().close(ignored);
            io.restart();
            io.poll();
        }
        stream.reset();
        buffer.clear();
    }

    void connect() {
        stream.emplace(io);
        stream->expires_after(timeout);
        bool done = false;
        beast::error_code result;
        stream->async_connect(endpoint_of(io, host, port), [&](beast::error_code ec) {
            result = ec;
            done = true;
        });
        if (!run_until(io, done, Clock::now() + timeout) || result) {
            close();
            throw ConnectionError(authority(host, port), result ? result.message() : "timeout");
        }
    }
};

HttpClient::HttpClient(std::string host, int port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
    impl_->host = std::move(host);
    impl_->port = port;
    impl_->timeout = timeout;
}

HttpClient::~HttpClient() {
    impl_->close();
}

bool HttpClient::connected() const {
    return impl_->stream.has_value();
}

void HttpClient::set_user_agent(std::string agent) {
    impl_->user_agent = std::move(agent);
}

HttpResponse HttpClient::request(std::string_view method, std::string_view target,
                                 const std::string& body, const Headers& headers) {
    auto& m = *impl_;
    if (!m.stream) m.connect();
    bhttp::request<bhttp::string_body> req;
    req.method_string(method);
    req.target(target);
    req.version(11);
    req.set(bhttp::field::host, authority(m.host, m.port));
    req.set(bhttp::field::user_agent, m.user_agent);
    bool has_content_type = false;
    for (const auto& [name, value] : headers) {
        req.set(name, value);
        has_content_type = has_content_type || iequal(name, "Content-Type");
    }
    if (!body.empty() && !has_content_type) req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();

    const auto deadline = Clock::now() + m.timeout;
    m.stream->expires_after(m.timeout);
    bool written = false, read = false;
    beast::error_code write_error, read_error;
    bhttp::async_write(*m.stream, req, [&](beast::error_code ec, std::size_t) {
        write_error = ec;
        written = true;
    });
    // A refusal may come before the whole body was taken (413): read the answer regardless,
    // while the write goes on.
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(boost::none);
    bhttp::async_read(*m.stream, m.buffer, parser, [&](beast::error_code ec, std::size_t) {
        read_error = ec;
        read = true;
    });
    const bool answered = run_until(m.io, read, deadline) && !read_error;
    if (answered) run_until(m.io, written, Clock::now() + std::chrono::milliseconds(100));
    if (!answered || !written) {
        const std::string why = !read ? "timeout" : read_error.message();
        const std::string write_state = written ? write_error.message() : "unfinished";
        m.close();  // no operation may outlive the locals it writes to
        if (!answered)
            throw std::runtime_error(std::string(method) + " " + std::string(target) +
                                     ": no response (" + why + "; write: " + write_state + ")");
    }
    const auto& res = parser.get();
    HttpResponse out;
    out.status = res.result_int();
    for (const auto& field : res) out.headers.emplace_back(field.name_string(), field.value());
    out.body = res.body();
    if (!res.keep_alive()) m.close();
    record(method, target, out.status, out.headers, out.body);
    return out;
}

HttpResponse HttpClient::get(std::string_view target, const std::string& token,
                             const Headers& headers) {
    Headers all = headers;
    if (!token.empty()) all.emplace_back("Authorization", "Bearer " + token);
    return request("GET", target, {}, all);
}

HttpResponse HttpClient::post(std::string_view target, const nlohmann::json& body,
                              const std::string& token, const Headers& headers) {
    Headers all = headers;
    if (!token.empty()) all.emplace_back("Authorization", "Bearer " + token);
    return request("POST", target, body.dump(), all);
}

// ---------------------------------------------------------------------------------------------

struct WsClient::Impl {
    asio::io_context io;
    std::string user_agent = "accord-e2e";
    std::optional<websocket::stream<beast::tcp_stream>> ws;
    beast::flat_buffer buffer;
    bool open = false;
    bool reading = false;
    std::deque<std::string> inbox;
    int upgrade_status = 0;
    std::string upgrade_body;
    std::optional<int> close_code;
    std::string close_reason;

    // Keeps one read in flight while open: pings are answered and the close frame is seen.
    void start_read() {
        reading = true;
        ws->async_read(buffer, [this](beast::error_code ec, std::size_t) {
            reading = false;
            if (ec) {
                open = false;
                if (ec == websocket::error::closed) {
                    close_code = static_cast<int>(ws->reason().code);
                    close_reason = std::string(ws->reason().reason.c_str());
                }
                return;
            }
            inbox.push_back(beast::buffers_to_string(buffer.data()));
            buffer.consume(buffer.size());
            start_read();
        });
    }

    // Runs handlers until a message is there (if asked), the socket is closed, or the deadline.
    void pump(Clock::time_point deadline, bool want_message) {
        while (reading) {
            if (want_message && !inbox.empty()) return;
            io.restart();
            if (io.run_one_until(deadline) == 0 && Clock::now() >= deadline) return;
        }
    }

    // Closes the connection; what was in flight on it ends (aborted) before this returns.
    void drop() {
        if (ws && beast::get_lowest_layer(*ws).socket().is_open()) {
            beast::get_lowest_layer(*ws).close();
            for (int round = 0; round == 0 || (round < 100 && reading); ++round) {
                io.restart();
                io.poll();
            }
        }
        open = false;
    }
};

WsClient::WsClient() : impl_(std::make_unique<Impl>()) {}

WsClient::~WsClient() {
    impl_->drop();
}

void WsClient::set_user_agent(std::string agent) {
    impl_->user_agent = std::move(agent);
}

int WsClient::upgrade_status() const {
    return impl_->upgrade_status;
}
std::string WsClient::upgrade_body() const {
    return impl_->upgrade_body;
}
bool WsClient::is_open() const {
    return impl_->open;
}
std::optional<int> WsClient::close_code() const {
    return impl_->close_code;
}
std::string WsClient::close_reason() const {
    return impl_->close_reason;
}

bool WsClient::connect(const std::string& host, int port, const std::string& target,
                       const Headers& headers) {
    auto& m = *impl_;
    m.drop();
    m.ws.emplace(m.io);
    m.inbox.clear();
    m.close_code.reset();
    m.close_reason.clear();
    auto& lowest = beast::get_lowest_layer(*m.ws);
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    lowest.expires_at(deadline);
    bool done = false;
    beast::error_code result;
    lowest.async_connect(endpoint_of(m.io, host, port), [&](beast::error_code ec) {
        result = ec;
        done = true;
    });
    if (!run_until(m.io, done, deadline) || result) {
        m.drop();
        throw ConnectionError(authority(host, port), result ? result.message() : "timeout");
    }
    m.ws->set_option(websocket::stream_base::decorator([headers, agent = m.user_agent](
                                                           websocket::request_type& req) {
        req.set(bhttp::field::user_agent, agent);
        for (const auto& [name, value] : headers) req.set(name, value);
    }));
    websocket::response_type res;
    done = false;
    m.ws->async_handshake(res, authority(host, port), target,
                          [&](beast::error_code ec) {
                              result = ec;
                              done = true;
                          });
    const bool answered = run_until(m.io, done, deadline);
    m.upgrade_status = res.result_int();
    m.upgrade_body = res.body();
    if (answered && m.upgrade_status != 0) {
        Headers received;
        for (const auto& field : res) received.emplace_back(field.name_string(), field.value());
        record("GET", target, m.upgrade_status, received, m.upgrade_body);
    }
    if (!answered || result) {
        m.drop();
        if (!answered) m.upgrade_status = 0;
        return false;
    }
    lowest.expires_never();
    m.ws->set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    m.open = true;
    m.start_read();
    return true;
}

std::optional<std::string> WsClient::read_text(std::chrono::milliseconds timeout) {
    auto& m = *impl_;
    m.pump(Clock::now() + timeout, true);
    if (m.inbox.empty()) return std::nullopt;
    std::string text = std::move(m.inbox.front());
    m.inbox.pop_front();
    record(nlohmann::json{{"feed_message", text}});
    return text;
}

std::optional<nlohmann::json> WsClient::read_json(std::chrono::milliseconds timeout) {
    auto text = read_text(timeout);
    if (!text) return std::nullopt;
    return nlohmann::json::parse(*text);
}

std::vector<nlohmann::json> WsClient::drain(std::chrono::milliseconds quiet) {
    std::vector<nlohmann::json> out;
    while (auto message = read_json(quiet)) out.push_back(std::move(*message));
    return out;
}

void WsClient::send(const nlohmann::json& message) {
    send_text(message.dump());
}

void WsClient::send_text(const std::string& text) {
    auto& m = *impl_;
    if (!m.open) throw std::runtime_error("WebSocket: send on a closed socket");
    bool done = false;
    beast::error_code result;
    m.ws->text(true);
    m.ws->async_write(asio::buffer(text), [&](beast::error_code ec, std::size_t) {
        result = ec;
        done = true;
    });
    if (!run_until(m.io, done, Clock::now() + std::chrono::seconds(5)) || result) {
        m.drop();
        throw std::runtime_error("WebSocket: send failed");
    }
}

void WsClient::close() {
    auto& m = *impl_;
    if (m.open) {
        bool done = false;
        m.ws->async_close(websocket::close_code::normal, [&](beast::error_code) { done = true; });
        const auto deadline = Clock::now() + std::chrono::seconds(2);
        run_until(m.io, done, deadline);
        m.pump(deadline, false);
    }
    m.drop();
}

bool WsClient::wait_closed(std::chrono::milliseconds timeout) {
    impl_->pump(Clock::now() + timeout, false);
    return !impl_->reading;
}

}  // namespace accord::http
