// FeedHub: the WebSocket feed of pending actions (/api/v1/feed). Each socket gets a snapshot of
// what its user may act on, then every change that concerns them from the shards' feed streams,
// whichever node committed it; reconnecting with a cursor sends what was missed.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "accord/http/api.hpp"

namespace accord::http {

// A WebSocket as the hub sees it (the server implements it over Beast).
class FeedSocket {
public:
    virtual ~FeedSocket() = default;
    // Queues a text message; false when the socket's queue is over its limit (nothing queued).
    virtual bool send(std::shared_ptr<const std::string> text) = 0;
    virtual std::size_t queued() const = 0;
    // Closes with a WebSocket close code (1001 going away, 1008 policy, 1013 try again later).
    virtual void close(int code, std::string reason) = 0;
};

class FeedHub {
public:
    virtual ~FeedHub() = default;
    // A new authenticated socket, with the upgrade request's query (cursor, workflow, role).
    virtual void attach(std::shared_ptr<FeedSocket> socket, Principal who,
                        const Request& request) = 0;
    virtual void receive(const std::shared_ptr<FeedSocket>& socket, std::string text) = 0;
    virtual void detach(const std::shared_ptr<FeedSocket>& socket) = 0;
    // How many sockets are open with this token (Principal::credential): the per-token limit.
    virtual std::size_t open_for(std::uint64_t credential) const = 0;
    // Closes every socket with 1001 (going away).
    virtual void close_all() = 0;
};

}  // namespace accord::http
