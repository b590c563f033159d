// The server's connections over TLS: Beast instantiated for beast::ssl_stream.
#include "server_impl.hpp"

namespace accord::http {

asio::awaitable<void> Server::Impl::serve_tls(beast::ssl_stream<beast::tcp_stream> stream,
                                              std::list<Connection>::iterator conn) {
    return serve(std::move(stream), conn);
}

}  // namespace accord::http
