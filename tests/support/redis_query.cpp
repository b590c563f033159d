// query_redis on hiredis's blocking API: a connection per call, which is all a probe needs.
#include "redis_query.hpp"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <memory>

namespace accord::testing {

std::optional<std::string> query_redis(int port, const std::vector<std::string>& command) {
    const timeval timeout{1, 0};
    const std::unique_ptr<redisContext, decltype(&redisFree)> context(
        redisConnectWithTimeout("127.0.0.1", port, timeout), &redisFree);
    if (!context || context->err != 0 || redisSetTimeout(context.get(), timeout) != REDIS_OK) {
        return std::nullopt;
    }
    std::vector<const char*> argv;
    std::vector<size_t> argv_lengths;
    for (const auto& word : command) {
        argv.push_back(word.data());
        argv_lengths.push_back(word.size());
    }
    const std::unique_ptr<redisReply, decltype(&freeReplyObject)> reply(
        static_cast<redisReply*>(redisCommandArgv(context.get(), static_cast<int>(argv.size()),
                                                  argv.data(), argv_lengths.data())),
        &freeReplyObject);
    if (!reply) return std::nullopt;
    switch (reply->type) {
        case REDIS_REPLY_STATUS:
        case REDIS_REPLY_STRING:
            return std::string(reply->str, reply->len);
        case REDIS_REPLY_INTEGER:
            return std::to_string(reply->integer);
        default:
            return std::nullopt;
    }
}

}  // namespace accord::testing
