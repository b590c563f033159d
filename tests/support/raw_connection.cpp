// RawConnection: a plain Asio socket, read until the peer closes or the deadline passes.
#include <array>
#include <functional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "http_client.hpp"

namespace accord::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct RawConnection::Impl {
    asio::io_context io;
    tcp::socket socket{io};
};

RawConnection::RawConnection(int port) : impl_(std::make_unique<Impl>()) {
    impl_->socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
}

RawConnection::~RawConnection() {
    boost::system::error_code ignored;
    impl_->socket.close(ignored);
}

bool RawConnection::send(std::string_view bytes) {
    boost::system::error_code ec;
    asio::write(impl_->socket, asio::buffer(bytes.data(), bytes.size()), ec);
    return !ec;
}

std::string RawConnection::read_until_closed(std::chrono::milliseconds timeout) {
    auto& m = *impl_;
    std::string out;
    std::array<char, 4096> chunk{};
    bool done = false;
    std::function<void()> next = [&] {
        m.socket.async_read_some(asio::buffer(chunk),
                                 [&](boost::system::error_code ec, std::size_t n) {
                                     out.append(chunk.data(), n);
                                     if (ec) {
                                         done = true;
                                         closed_ = ec != asio::error::operation_aborted;
                                         return;
                                     }
                                     next();
                                 });
    };
    next();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto run = [&](std::chrono::steady_clock::time_point until) {
        while (!done) {
            m.io.restart();
            if (m.io.run_one_until(until) == 0 && !done &&
                std::chrono::steady_clock::now() >= until)
                return;
        }
    };
    run(deadline);
    if (!done) {
        m.socket.cancel();
        run(std::chrono::steady_clock::now() + std::chrono::seconds(1));
    }
    return out;
}

}  // namespace accord::testing
