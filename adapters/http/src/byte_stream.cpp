// ByteStream's two kinds: plain TCP and TLS, each a thin forwarder to Beast's stream.
#include "byte_stream.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/teardown.hpp>

namespace accord::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

using Executor = ByteStream::executor_type;

struct ByteStream::Impl {
    virtual ~Impl() = default;
    virtual beast::tcp_stream& tcp() = 0;
    virtual bool tls() const = 0;
    virtual void read_some(Buffers<asio::mutable_buffer> b, IoHandler h, Executor ex) = 0;
    virtual void write_some(Buffers<asio::const_buffer> b, IoHandler h, Executor ex) = 0;
    virtual void handshake(DoneHandler h, Executor ex) = 0;
    virtual void shutdown(DoneHandler h, Executor ex) = 0;
    virtual void teardown(beast::role_type role, DoneHandler h, Executor ex) = 0;
    virtual void teardown(beast::role_type role, error_code& ec) = 0;
};

struct ByteStream::Plain final : Impl {
    beast::tcp_stream stream;
    explicit Plain(beast::tcp_stream s) : stream(std::move(s)) {}

    beast::tcp_stream& tcp() override { return stream; }
    bool tls() const override { return false; }
    void read_some(Buffers<asio::mutable_buffer> b, IoHandler h, Executor ex) override {
        stream.async_read_some(b, asio::bind_executor(ex, std::move(h)));
    }
    void write_some(Buffers<asio::const_buffer> b, IoHandler h, Executor ex) override {
        stream.async_write_some(b, asio::bind_executor(ex, std::move(h)));
    }
    void handshake(DoneHandler h, Executor ex) override {
        asio::post(ex, [h = std::move(h)]() mutable { std::move(h)(error_code{}); });
    }
    void shutdown(DoneHandler h, Executor ex) override {
        error_code ignored;
        stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
        asio::post(ex, [h = std::move(h)]() mutable { std::move(h)(error_code{}); });
    }
    void teardown(beast::role_type role, DoneHandler h, Executor ex) override {
        websocket::async_teardown(role, stream.socket(), asio::bind_executor(ex, std::move(h)));
    }
    void teardown(beast::role_type role, error_code& ec) override {
        websocket::teardown(role, stream.socket(), ec);
    }
};

struct ByteStream::Tls final : Impl {
    beast::ssl_stream<beast::tcp_stream> stream;
    explicit Tls(beast::ssl_stream<beast::tcp_stream> s) : stream(std::move(s)) {}

    beast::tcp_stream& tcp() override { return stream.next_layer(); }
    bool tls() const override { return true; }
    void read_some(Buffers<asio::mutable_buffer> b, IoHandler h, Executor ex) override {
        stream.async_read_some(b, asio::bind_executor(ex, std::move(h)));
    }
    void write_some(Buffers<asio::const_buffer> b, IoHandler h, Executor ex) override {
        stream.async_write_some(b, asio::bind_executor(ex, std::move(h)));
    }
    void handshake(DoneHandler h, Executor ex) override {
        stream.async_handshake(asio::ssl::stream_base::server,
                               asio::bind_executor(ex, std::move(h)));
    }
    void shutdown(DoneHandler h, Executor ex) override {
        stream.async_shutdown(asio::bind_executor(ex, std::move(h)));
    }
    void teardown(beast::role_type role, DoneHandler h, Executor ex) override {
        beast::async_teardown(role, stream, asio::bind_executor(ex, std::move(h)));
    }
    void teardown(beast::role_type role, error_code& ec) override {
        beast::teardown(role, stream, ec);
    }
};

ByteStream::ByteStream(beast::tcp_stream plain)
    : impl_(std::make_unique<Plain>(std::move(plain))) {}
ByteStream::ByteStream(beast::ssl_stream<beast::tcp_stream> tls)
    : impl_(std::make_unique<Tls>(std::move(tls))) {}
ByteStream::ByteStream(ByteStream&&) noexcept = default;
ByteStream& ByteStream::operator=(ByteStream&&) noexcept = default;
ByteStream::~ByteStream() = default;

ByteStream::executor_type ByteStream::get_executor() {
    return impl_->tcp().get_executor();
}
beast::tcp_stream& ByteStream::tcp() {
    return impl_->tcp();
}
bool ByteStream::tls() const {
    return impl_->tls();
}
void ByteStream::read_some(Buffers<asio::mutable_buffer> b, IoHandler h, executor_type ex) {
    impl_->read_some(b, std::move(h), std::move(ex));
}
void ByteStream::write_some(Buffers<asio::const_buffer> b, IoHandler h, executor_type ex) {
    impl_->write_some(b, std::move(h), std::move(ex));
}
void ByteStream::handshake(DoneHandler h, executor_type ex) {
    impl_->handshake(std::move(h), std::move(ex));
}
void ByteStream::shutdown(DoneHandler h, executor_type ex) {
    impl_->shutdown(std::move(h), std::move(ex));
}
void ByteStream::teardown(beast::role_type role, DoneHandler h, executor_type ex) {
    impl_->teardown(role, std::move(h), std::move(ex));
}

void teardown(beast::role_type role, ByteStream& stream, ByteStream::error_code& ec) {
    stream.impl_->teardown(role, ec);
}

}  // namespace accord::http
