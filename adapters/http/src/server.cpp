// The server: listening, accepting, stopping; each connection is served by server_session.cpp
// (Beast is in those translation units and server_impl.hpp only).
#include "server_impl.hpp"

namespace accord::http {

engine::Result<Request> to_request(RawRequest& raw, const beast::tcp_stream& from, bool tls) {
    auto request = make_request(raw.method_string(), raw.target(), raw[bhttp::field::authorization],
                                raw["Idempotency-Key"], raw[bhttp::field::content_type],
                                std::move(raw.body()));
    if (!request) return request;
    request->cookie = std::string(raw[bhttp::field::cookie]);
    request->origin = std::string(raw[bhttp::field::origin]);
    request->accept_encoding = std::string(raw[bhttp::field::accept_encoding]);
    request->host = std::string(raw[bhttp::field::host]);
    request->forwarded_for = std::string(raw["X-Forwarded-For"]);
    boost::system::error_code ec;
    const auto peer = from.socket().remote_endpoint(ec);
    if (!ec) request->peer = peer.address().to_string();
    request->tls = tls;
    return request;
}

// One write, one sendmsg. (Beast's serializer cost a copy of the body and a composed operation
// more per answer.)
std::string wire(Response& response, unsigned version, bool keep_alive) {
    const auto status = static_cast<bhttp::status>(response.status);
    std::string out;
    out.reserve(160 + response.body.size());
    out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out += std::to_string(response.status);
    out += ' ';
    out += bhttp::obsolete_reason(status);
    const auto header = [&out](std::string_view name, std::string_view value) {
        out += "\r\n";
        out += name;
        out += ": ";
        for (char c : value) out += c == '\r' || c == '\n' ? ' ' : c;  // no header splitting
    };
    header("Server", "accord");
    if (response.status != 204) header("Content-Type", response.content_type);
    // The API's answers are never cached; an answer that says otherwise (the web application's
    // files) says so itself.
    bool cache_control = false;
    for (const auto& [name, value] : response.headers)
        cache_control = cache_control || beast::iequals(name, "Cache-Control");
    if (!cache_control) header("Cache-Control", "no-store");
    for (const auto& [name, value] : response.headers) header(name, value);
    if (version == 10 && keep_alive) header("Connection", "keep-alive");
    if (version != 10 && !keep_alive) header("Connection", "close");
    header("Content-Length", std::to_string(response.body.size()));
    out += "\r\n\r\n";
    out += response.body;
    return out;
}

// ---------------------------------------------------------------------------------------------

asio::awaitable<void> Server::Impl::accept_loop() {
    auto self = shared_from_this();
    while (acceptor.is_open()) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec) {
            if (ec == asio::error::operation_aborted || !acceptor.is_open()) break;
            spdlog::warn("accept: {}", ec.message());
            continue;
        }
        if (connections.size() >= options.max_connections) {
            socket.close();
            continue;
        }
        socket.set_option(tcp::no_delay(true));
        auto conn = connections.insert(connections.end(), Connection{});
        auto done = [self, conn](std::exception_ptr e) {
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    spdlog::error("connection: {}", ex.what());
                }
            }
            self->connections.erase(conn);
        };
        ByteStream stream = tls ? ByteStream(beast::ssl_stream<beast::tcp_stream>(
                                      beast::tcp_stream(std::move(socket)), *tls))
                                : ByteStream(beast::tcp_stream(std::move(socket)));
        asio::co_spawn(executor, serve_bytes(std::move(stream), conn), done);
    }
}

// ---------------------------------------------------------------------------------------------

Server::Server(asio::any_io_executor executor, Api& api, FeedHub* feed, ServerOptions options)
    : impl_(std::make_shared<Impl>(executor, api, feed, std::move(options))) {}

Server::~Server() {
    stop();
}

engine::Result<std::uint16_t> Server::listen(const std::string& host, std::uint16_t port) {
    auto& impl = *impl_;
    const auto& o = impl.options;
    if (!o.tls_certificate.empty() || !o.tls_key.empty()) {
        if (o.tls_certificate.empty() || o.tls_key.empty())
            return engine::make_error(engine::ErrorCode::invalid_input,
                                      "TLS needs both a certificate and a key");
        impl.tls.emplace(asio::ssl::context::tls_server);
        auto& ctx = *impl.tls;
        ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                        asio::ssl::context::no_tlsv1_1);
        boost::system::error_code ec;
        ctx.use_certificate_chain_file(o.tls_certificate, ec);
        if (!ec) ctx.use_private_key_file(o.tls_key, asio::ssl::context::pem, ec);
        if (ec)
            return engine::make_error(engine::ErrorCode::invalid_input,
                                      "TLS certificate or key: " + ec.message());
    }
    boost::system::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) return engine::make_error(engine::ErrorCode::invalid_input, "bad address " + host);
    tcp::endpoint endpoint(address, port);
    impl.acceptor.open(endpoint.protocol(), ec);
    if (!ec) impl.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) impl.acceptor.bind(endpoint, ec);
    if (!ec) impl.acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
        return engine::make_error(
            engine::ErrorCode::unavailable,
            "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
    const auto bound = impl.acceptor.local_endpoint().port();
    asio::co_spawn(impl.executor, impl.accept_loop(), asio::detached);
    return bound;
}

void Server::stop() {
    if (!impl_ || impl_->stopping) return;
    impl_->stopping = true;
    boost::system::error_code ec;
    impl_->acceptor.close(ec);
    if (impl_->feed != nullptr) impl_->feed->close_all();
    for (auto& c : impl_->connections)
        if (!c.busy && c.stream != nullptr) c.stream->cancel();
}

std::size_t Server::connections() const {
    return impl_->connections.size();
}

}  // namespace accord::http
