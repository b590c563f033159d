// Connection against a real redis-server: commands and replies, error replies, scripts by SHA
// that survive SCRIPT FLUSH, an unreachable server, reconnection after a restart.
#include "accord/redis/connection.hpp"

#include <gtest/gtest.h>

#include "redis_server.hpp"

namespace accord::redis {
namespace {

using engine::ErrorCode;

Connection connect_to(const testing::RedisServer& server) {
    auto url = parse_redis_url(server.url());
    EXPECT_TRUE(url.ok());
    auto c = Connection::open(url.value());
    if (!c) throw std::runtime_error(c.error().to_string());
    return std::move(c).value();
}

TEST(Connection, RunsCommandsAndCopiesTheirReplies) {
    testing::RedisServer server;
    Connection c = connect_to(server);
    ASSERT_TRUE(c.command({"SET", "k", std::string("a\0b", 3)}).ok());
    auto got = c.command({"GET", "k"});
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->type, Reply::Type::string);
    EXPECT_EQ(got->str, std::string("a\0b", 3)) << "binary-safe";
    EXPECT_TRUE(c.command({"GET", "missing"})->is_nil());
    EXPECT_EQ(c.command({"INCR", "n"})->integer, 1);
    ASSERT_TRUE(c.command({"RPUSH", "l", "x", "y"}).ok());
    auto list = c.command({"LRANGE", "l", "0", "-1"});
    ASSERT_EQ(list->elements.size(), 2u);
    EXPECT_EQ(list->elements[1].str, "y");
    EXPECT_EQ(c.command({"PING"})->type, Reply::Type::status);
}

TEST(Connection, AnErrorReplyIsAStorageErrorWithRedissMessage) {
    testing::RedisServer server;
    Connection c = connect_to(server);
    ASSERT_TRUE(c.command({"SET", "k", "text"}).ok());
    auto r = c.command({"INCR", "k"});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::storage_error);
    EXPECT_NE(r.error().message.find("not an integer"), std::string::npos) << r.error().message;
    EXPECT_TRUE(c.command({"PING"}).ok()) << "the connection stays usable";
}

TEST(Connection, AScriptIsCalledBySha1AndLoadedAgainAfterTheServerForgetsIt) {
    testing::RedisServer server;
    Connection c = connect_to(server);
    const Script script{"bump", "return redis.call('INCRBY', KEYS[1], ARGV[1])"};
    EXPECT_EQ(c.eval(script, {"n"}, {"2"})->integer, 2);
    EXPECT_EQ(c.eval(script, {"n"}, {"3"})->integer, 5);
    ASSERT_TRUE(c.command({"SCRIPT", "FLUSH"}).ok());
    EXPECT_EQ(c.eval(script, {"n"}, {"1"})->integer, 6);
    auto bad = c.eval(Script{"broken", "return redis.call('NOPE')"}, {}, {});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, ErrorCode::storage_error);
    EXPECT_NE(bad.error().message.find("script broken"), std::string::npos) << bad.error().message;
}

TEST(Connection, AnUnreachableServerIsUnavailable) {
    int port = 0;
    {
        testing::RedisServer server;
        port = server.port();
    }
    auto c = Connection::open(RedisUrl{"127.0.0.1", port, 0, ""}, std::chrono::milliseconds(500));
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, ErrorCode::unavailable);
    EXPECT_NE(c.error().message.find(std::to_string(port)), std::string::npos) << c.error().message;
}

TEST(Connection, ReconnectsOnceTheServerIsBack) {
    testing::RedisServer server(testing::RedisServer::Options{.appendonly = true});
    Connection c = connect_to(server);
    ASSERT_TRUE(c.command({"SET", "k", "v"}).ok());
    server.stop();
    auto down = c.command({"GET", "k"});
    ASSERT_FALSE(down.ok());
    EXPECT_EQ(down.error().code, ErrorCode::unavailable);
    server.start();
    auto back = c.command({"GET", "k"});
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_EQ(back->str, "v") << "AOF kept the write across the restart";
}

TEST(RedisUrl, ParsesHostPortDatabaseAndPassword) {
    auto u = parse_redis_url("redis://:s3cret@example.org:6400/3");
    ASSERT_TRUE(u.ok());
    EXPECT_EQ(u->host, "example.org");
    EXPECT_EQ(u->port, 6400);
    EXPECT_EQ(u->db, 3);
    EXPECT_EQ(u->password, "s3cret");
    EXPECT_EQ(u->to_string(), "redis://example.org:6400/3");
    auto d = parse_redis_url("redis://localhost");
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->port, 6379);
    EXPECT_EQ(d->db, 0);
}

TEST(RedisUrl, RefusesWhatIsNotARedisUrl) {
    for (const char* bad :
         {"http://x:1", "redis://x:0", "redis://x:70000", "redis://x:port", "redis://x/db"}) {
        auto u = parse_redis_url(bad);
        EXPECT_FALSE(u.ok()) << bad;
        if (!u) {
            EXPECT_EQ(u.error().code, ErrorCode::invalid_input);
        }
    }
}

}  // namespace
}  // namespace accord::redis
