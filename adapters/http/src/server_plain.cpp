// The server's connections in plain HTTP: Beast instantiated for beast::tcp_stream.
#include "server_impl.hpp"

namespace accord::http {

asio::awaitable<void> Server::Impl::serve_plain(beast::tcp_stream stream,
                                                std::list<Connection>::iterator conn) {
    return serve(std::move(stream), conn);
}

}  // namespace accord::http
