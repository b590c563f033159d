// Internal: a hiredis reply copied into a Reply (error replies included, as type nil: callers
// check REDIS_REPLY_ERROR first).
#pragma once

#include "accord/redis/reply.hpp"

struct redisReply;

namespace accord::redis {

Reply copy_reply(const redisReply* r);

}  // namespace accord::redis
