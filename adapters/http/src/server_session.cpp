// The server's connections, plain or over TLS: Beast's HTTP and WebSocket code instantiated
// once, for ByteStream.
#include "server_impl.hpp"

namespace accord::http {

asio::awaitable<void> Server::Impl::serve_bytes(ByteStream stream,
                                                std::list<Connection>::iterator conn) {
    return serve(std::move(stream), conn);
}

}  // namespace accord::http
