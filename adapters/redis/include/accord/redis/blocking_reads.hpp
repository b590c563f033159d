// BlockingReads: waits in Redis for new entries of a set of streams, on connections of its own,
// so that an idle node asks Redis nothing while it waits (the feed reader, the outbox, timer
// wake-ups). A blocked command holds up its connection: on one server the streams share one
// connection and one XREAD (or XREADGROUP) naming them all; in a cluster, where one command
// cannot span hash slots, each stream has a connection of its own and the reads run side by side.
//
// Thread safety: use it from its executor only.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "accord/redis/client.hpp"

namespace accord::redis {

struct BlockingReadOptions {
    std::chrono::milliseconds block{10'000};  // a read answers empty after this long
    std::size_t count = 1;                    // entries per stream and read
    // Set: XREADGROUP as this group's consumer (new entries, ">"); empty: XREAD after the ids.
    std::string group, consumer;
};

// Entries of one stream as a read answered them: [[id, [field, value, ...]], ...].
struct StreamEntries {
    std::size_t stream = 0;  // index into the streams given to the constructor
    std::vector<Reply> entries;
};

class BlockingReads {
public:
    // `like`: the client whose server or cluster to read from (its connections are not used).
    BlockingReads(const Client& like, std::vector<std::string> streams,
                  BlockingReadOptions options);
    ~BlockingReads();
    BlockingReads(const BlockingReads&) = delete;
    BlockingReads& operator=(const BlockingReads&) = delete;

    // Returns the entries after `after` (one id per stream; ignored for a group read) once
    // some stream has any, or nothing once a read has waited `block`, or at cancel(). Entries
    // a read brought in after an earlier call returned are handed out by the next call first,
    // without a wait (in a cluster, a stream's read may still be out when another's answered).
    // An error: the connection failed; the next call reconnects.
    boost::asio::awaitable<engine::Result<std::vector<StreamEntries>>> read(
        const std::vector<std::string>& after);
    // A read() in progress returns now, with what it has (possibly nothing).
    void cancel();

    const std::vector<std::string>& streams() const { return streams_; }

private:
    struct Group;
    struct Shared;
    void send(const std::shared_ptr<Group>& group, const std::vector<std::string>& after);

    std::vector<std::string> streams_;
    BlockingReadOptions options_;
    std::vector<std::shared_ptr<Group>> groups_;
    std::shared_ptr<Shared> shared_;
};

}  // namespace accord::redis
