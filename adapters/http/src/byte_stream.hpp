// ByteStream: a connection's bytes, plain TCP or TLS over it, behind one type, so that Beast's
// HTTP and WebSocket code is instantiated once, whatever carries the bytes (build time: each
// instantiation is tens of seconds of code generation). Private to accord_http.
//
// Thread safety: as the stream it holds; one executor.
#pragma once

#include <array>
#include <cstddef>
#include <memory>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

namespace accord::http {

class ByteStream {
public:
    using executor_type = boost::asio::any_io_executor;
    using error_code = boost::beast::error_code;
    using IoHandler = boost::asio::any_completion_handler<void(error_code, std::size_t)>;
    using DoneHandler = boost::asio::any_completion_handler<void(error_code)>;
    // A read or write takes at most this many buffers of a sequence (a write may be partial).
    static constexpr std::size_t kMaxBuffers = 16;

    template <typename Buffer>
    struct Buffers {
        std::array<Buffer, kMaxBuffers> items;
        std::size_t count = 0;
        const Buffer* begin() const { return items.data(); }
        const Buffer* end() const { return items.data() + count; }
    };

    explicit ByteStream(boost::beast::tcp_stream plain);
    explicit ByteStream(boost::beast::ssl_stream<boost::beast::tcp_stream> tls);
    ByteStream(ByteStream&&) noexcept;
    ByteStream& operator=(ByteStream&&) noexcept;
    ~ByteStream();

    executor_type get_executor();
    // The connection under any TLS: its timeouts, its socket.
    boost::beast::tcp_stream& tcp();
    bool tls() const;

    template <typename MutableBuffers, typename Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return boost::asio::async_initiate<Token, void(error_code, std::size_t)>(
            [this](auto handler, const MutableBuffers& b) {
                auto ex = executor_of(handler);
                read_some(collect<boost::asio::mutable_buffer>(b), IoHandler(std::move(handler)),
                          std::move(ex));
            },
            token, buffers);
    }
    template <typename ConstBuffers, typename Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return boost::asio::async_initiate<Token, void(error_code, std::size_t)>(
            [this](auto handler, const ConstBuffers& b) {
                auto ex = executor_of(handler);
                write_some(collect<boost::asio::const_buffer>(b), IoHandler(std::move(handler)),
                           std::move(ex));
            },
            token, buffers);
    }
    // TLS's handshake as the server (plain: done at once) and its close_notify (plain: the
    // sending side shut).
    template <typename Token>
    auto async_handshake(Token&& token) {
        return boost::asio::async_initiate<Token, void(error_code)>(
            [this](auto handler) {
                auto ex = executor_of(handler);
                handshake(DoneHandler(std::move(handler)), std::move(ex));
            },
            token);
    }
    template <typename Token>
    auto async_shutdown(Token&& token) {
        return boost::asio::async_initiate<Token, void(error_code)>(
            [this](auto handler) {
                auto ex = executor_of(handler);
                shutdown(DoneHandler(std::move(handler)), std::move(ex));
            },
            token);
    }

    // Beast's way to drop the connection at once (a WebSocket close that timed out).
    friend void beast_close_socket(ByteStream& stream) { stream.tcp().close(); }
    // Beast's WebSocket close, for this stream (found by argument-dependent lookup).
    friend void teardown(boost::beast::role_type role, ByteStream& stream, error_code& ec);
    template <typename Handler>
    friend void async_teardown(boost::beast::role_type role, ByteStream& stream,
                               Handler&& handler) {
        auto ex = stream.executor_of(handler);
        stream.teardown(role, DoneHandler(std::forward<Handler>(handler)), std::move(ex));
    }

private:
    struct Impl;
    struct Plain;
    struct Tls;

    // The executor a handler completes on, taken before the handler is type-erased: Beast posts
    // completions through it with `blocking.never`, which Asio 1.81's type-erased executor
    // cannot be asked for, so each erased handler is bound to it again on the far side.
    template <typename Handler>
    executor_type executor_of(const Handler& handler) {
        return boost::asio::get_associated_executor(handler, get_executor());
    }

    template <typename Buffer, typename Sequence>
    static Buffers<Buffer> collect(const Sequence& sequence) {
        Buffers<Buffer> out;
        for (auto it = boost::asio::buffer_sequence_begin(sequence);
             it != boost::asio::buffer_sequence_end(sequence) && out.count < kMaxBuffers; ++it)
            out.items[out.count++] = Buffer(*it);
        return out;
    }

    void read_some(Buffers<boost::asio::mutable_buffer> buffers, IoHandler handler,
                   executor_type ex);
    void write_some(Buffers<boost::asio::const_buffer> buffers, IoHandler handler,
                    executor_type ex);
    void handshake(DoneHandler handler, executor_type ex);
    void shutdown(DoneHandler handler, executor_type ex);
    void teardown(boost::beast::role_type role, DoneHandler handler, executor_type ex);

    std::unique_ptr<Impl> impl_;
};

}  // namespace accord::http
