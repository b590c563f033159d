// NoticeStore: each person's notices in Redis (docs/redis-layout.md, "Notices"): a list newest
// first, which of them are unread, kept for a retention (180 days by default). A notice is
// added to a person once, however often its delivery is repeated: its id is stable.
//
// REQUIRES: the client is connected. Thread safety: use it from its client's executor only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "accord/engine/result.hpp"
#include "accord/redis/client.hpp"
#include "accord/redis/keyspace.hpp"
#include "accord/redis/redis_store.hpp"

namespace accord::redis {

struct StoredNotice {
    std::string id;
    bool read = false;
    engine::json body;  // as added
};

struct NoticePage {
    std::vector<StoredNotice> items;  // newest first
    std::string next;                 // the cursor of the following page; empty: none
    std::int64_t unread = 0;          // the person's unread notices, in all
};

// One person's copy of a notice.
struct NoticeCopy {
    std::string person;
    std::string body;  // JSON
};

class NoticeStore {
public:
    // `prefix` as StoreOptions::prefix.
    NoticeStore(std::shared_ptr<Client> client, std::string prefix,
                std::chrono::milliseconds retention = std::chrono::hours(24 * 180));

    // Adds notice `id` of time `at` (ms) to each person's list, pipelined; how many of them
    // did not have it yet. `order` (0-999) places notices of the same millisecond: a higher
    // one is newer.
    Awaitable<Result<std::size_t>> add(std::string id, TimeMs at, int order,
                                       std::vector<NoticeCopy> copies);
    // A page of `person`'s notices from `cursor` (empty: the newest), at most `limit`; with
    // `unread_only`, the unread ones. invalid_input on a malformed cursor.
    Awaitable<Result<NoticePage>> page(std::string person, std::string cursor, std::size_t limit,
                                       bool unread_only);
    // Marks one notice read: whether it was unread; not_found when the person has none of
    // that id.
    Awaitable<Result<bool>> mark_read(std::string person, std::string id);
    // Marks all of the person's notices read: how many were unread.
    Awaitable<Result<std::int64_t>> mark_all_read(std::string person);

    std::chrono::milliseconds retention() const { return retention_; }

private:
    std::shared_ptr<Client> client_;
    Keyspace keys_;
    std::chrono::milliseconds retention_;
};

}  // namespace accord::redis
