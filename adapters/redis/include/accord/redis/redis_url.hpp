// RedisUrl: where a Redis server is, as given by `redis://[:password@]host[:port][/db]`.
#pragma once

#include <string>
#include <string_view>

#include "accord/engine/result.hpp"

namespace accord::redis {

struct RedisUrl {
    std::string host = "127.0.0.1";
    int port = 6379;
    int db = 0;
    std::string password;

    std::string to_string() const;  // without the password
};

// Refuses anything else than the form above, saying what is wrong.
engine::Result<RedisUrl> parse_redis_url(std::string_view text);

}  // namespace accord::redis
