// Client against a real redis-server: commands and binary-safe replies, error replies, scripts
// by SHA1 that survive SCRIPT FLUSH, an unreachable server, reconnection after a restart,
// pipelined batches, database selection, URLs, and hash slots as Redis Cluster computes them.
#include "accord/redis/client.hpp"

#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "redis_server.hpp"

namespace accord::redis {
namespace {

namespace asio = boost::asio;
using engine::ErrorCode;
using engine::Result;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string url_with_db(const testing::RedisServer& server, int db) {
    return "redis://127.0.0.1:" + std::to_string(server.port()) + "/" + std::to_string(db);
}

// Result<T> has no default value, which use_future needs: the coroutine hands back an optional.
template <typename T>
asio::awaitable<std::optional<T>> optional_of(asio::awaitable<T> work) {
    co_return co_await std::move(work);
}

// "cmdstat_eval:calls=2,..." in INFO commandstats: how many times Redis ran `name`.
long long calls_of_command(const std::string& info, const std::string& name) {
    const std::string field = "cmdstat_" + name + ":calls=";
    const auto at = info.find(field);
    return at == std::string::npos ? 0 : std::stoll(info.substr(at + field.size()));
}

class ClientTest : public ::testing::Test {
protected:
    // Runs an operation on the test's io_context until it ends.
    template <typename T>
    T run(asio::awaitable<T> work) {
        auto future = asio::co_spawn(io_, optional_of(std::move(work)), asio::use_future);
        io_.restart();
        while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
            io_.run_one();
        }
        return std::move(*future.get());
    }

    std::shared_ptr<Client> client_for(const std::string& url, ConnectionOptions options = {}) {
        auto client = Client::create(io_.get_executor(), url, options);
        if (!client) throw std::runtime_error(client.error().to_string());
        return client.value();
    }

    // One command, routed by its first key.
    template <typename... Args>
    Result<Reply> redis(Client& client, Args&&... args) {
        Command command = command_of(std::forward<Args>(args)...);
        std::string route = command.size() > 1 ? command[1] : std::string();
        return run(client.command(std::move(route), std::move(command)));
    }

    Result<Reply> eval(Client& client, const Script& script, std::vector<std::string> keys,
                       std::vector<std::string> args) {
        return run(client.eval(script, keys, args));
    }

    asio::io_context io_;
};

TEST_F(ClientTest, RunsCommandsAndCopiesTheirRepliesBinarySafe) {
    testing::RedisServer server;
    auto c = client_for(server.url());
    const std::string with_nul("a\0b", 3);
    ASSERT_TRUE(redis(*c, "SET", "k", with_nul).ok());
    auto got = redis(*c, "GET", "k");
    ASSERT_TRUE(got.ok()) << got.error().to_string();
    EXPECT_EQ(got->type, Reply::Type::string);
    EXPECT_EQ(got->str, with_nul) << "binary-safe";
    EXPECT_TRUE(redis(*c, "GET", "missing")->is_nil());
    auto n = redis(*c, "INCR", "n");
    EXPECT_EQ(n->type, Reply::Type::integer);
    EXPECT_EQ(n->integer, 1);
    ASSERT_TRUE(redis(*c, "RPUSH", "l", "x", with_nul).ok());
    auto list = redis(*c, "LRANGE", "l", "0", "-1");
    EXPECT_EQ(list->type, Reply::Type::array);
    ASSERT_EQ(list->elements.size(), 2u);
    EXPECT_EQ(list->elements[0].str, "x");
    EXPECT_EQ(list->elements[1].str, with_nul);
    auto pong = redis(*c, "PING");
    EXPECT_EQ(pong->type, Reply::Type::status);
    EXPECT_EQ(pong->str, "PONG");
}

TEST_F(ClientTest, AnErrorReplyIsAStorageErrorWithRedissMessageAndTheConnectionStaysUsable) {
    testing::RedisServer server;
    auto c = client_for(server.url());
    ASSERT_TRUE(redis(*c, "SET", "k", "text").ok());
    auto r = redis(*c, "INCR", "k");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::storage_error);
    EXPECT_NE(r.error().message.find("not an integer"), std::string::npos) << r.error().message;
    auto after = redis(*c, "GET", "k");
    ASSERT_TRUE(after.ok()) << after.error().to_string();
    EXPECT_EQ(after->str, "text");
}

TEST_F(ClientTest, AScriptIsCalledBySha1AndSentInFullOnlyWhenTheServerDoesNotKnowIt) {
    testing::RedisServer server;
    auto c = client_for(server.url());
    const Script script{"bump", "return redis.call('INCRBY', KEYS[1], ARGV[1])"};
    EXPECT_EQ(eval(*c, script, {"n"}, {"2"})->integer, 2);
    EXPECT_EQ(eval(*c, script, {"n"}, {"3"})->integer, 5);
    auto loaded = redis(*c, "SCRIPT", "LOAD", script.source);
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(loaded->str, script_sha1(script)) << "the SHA1 Redis computes";
    auto info = redis(*c, "INFO", "commandstats");
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(calls_of_command(info->str, "eval"), 1) << "the source went over once: " << info->str;
    EXPECT_EQ(calls_of_command(info->str, "evalsha"), 2) << info->str;
}

TEST_F(ClientTest, AScriptStillWorksAfterScriptFlush) {
    testing::RedisServer server;
    auto c = client_for(server.url());
    const Script script{"bump", "return redis.call('INCRBY', KEYS[1], ARGV[1])"};
    EXPECT_EQ(eval(*c, script, {"n"}, {"2"})->integer, 2);
    ASSERT_TRUE(redis(*c, "SCRIPT", "FLUSH").ok());
    auto again = eval(*c, script, {"n"}, {"1"});
    ASSERT_TRUE(again.ok()) << again.error().to_string();
    EXPECT_EQ(again->integer, 3) << "NOSCRIPT, then EVAL";
    EXPECT_EQ(eval(*c, script, {"n"}, {"1"})->integer, 4);
}

TEST_F(ClientTest, ABrokenScriptIsAStorageErrorNamingTheScript) {
    testing::RedisServer server;
    auto c = client_for(server.url());
    const Script broken{"broken", "return redis.call('NOPE')"};
    auto bad = eval(*c, broken, {}, {});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, ErrorCode::storage_error);
    EXPECT_NE(bad.error().message.find("script broken"), std::string::npos) << bad.error().message;
    // Known to the server now (EVAL cached it), it still fails the same way through EVALSHA.
    auto by_sha = eval(*c, broken, {}, {});
    ASSERT_FALSE(by_sha.ok());
    EXPECT_NE(by_sha.error().message.find("script broken"), std::string::npos)
        << by_sha.error().message;
    EXPECT_TRUE(redis(*c, "PING").ok()) << "the connection stays usable";
}

ConnectionOptions with_long_command_timeout() {
    ConnectionOptions options;
    options.command_timeout = std::chrono::seconds(30);
    return options;
}

TEST_F(ClientTest, AnUnreachableServerIsUnavailableAtOnceAndTheMessageNamesTheAddress) {
    int port = 0;
    {
        testing::RedisServer server;
        port = server.port();
    }
    // A command timeout far longer than the test allows: the failure must not be a timeout.
    auto c =
        client_for("redis://127.0.0.1:" + std::to_string(port) + "/0", with_long_command_timeout());
    const auto start = Clock::now();
    auto connected = run(c->connect());
    ASSERT_FALSE(connected.ok());
    EXPECT_EQ(connected.error().code, ErrorCode::unavailable);
    EXPECT_NE(connected.error().message.find("127.0.0.1:" + std::to_string(port)),
              std::string::npos)
        << connected.error().message;
    // While the back-off waits, a command fails at once as well.
    auto again = redis(*c, "GET", "k");
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::unavailable);
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(1));
}

TEST_F(ClientTest, ReconnectsByItselfOnceTheServerIsBackAndAnAofWriteSurvives) {
    testing::RedisServer server(testing::RedisServer::Options{.appendonly = true});
    auto c = client_for(server.url());
    ASSERT_TRUE(redis(*c, "SET", "k", "v").ok());
    server.stop();
    auto down = redis(*c, "GET", "k");
    ASSERT_FALSE(down.ok());
    EXPECT_EQ(down.error().code, ErrorCode::unavailable);
    server.start();
    // Back-off starts at 50 ms and doubles up to 2 s: a few short retries get through.
    auto back = redis(*c, "GET", "k");
    for (int attempt = 0; !back.ok() && attempt < 40; ++attempt) {
        std::this_thread::sleep_for(milliseconds(50));
        back = redis(*c, "GET", "k");
    }
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_EQ(back->str, "v") << "AOF kept the write across the restart";
}

std::vector<Call> increments(const std::string& key, int count) {
    std::vector<Call> calls;
    for (int i = 0; i < count; ++i) calls.push_back(Call::cmd(key, command_of("INCR", key)));
    return calls;
}

TEST_F(ClientTest, ManyCommandsInFlightAtOnceComeBackInOrder) {
    testing::RedisServer server;
    auto c = client_for(server.url());
    constexpr int kCalls = 1000;
    auto replies = run(c->all(increments("n", kCalls)));
    ASSERT_EQ(replies.size(), static_cast<std::size_t>(kCalls));
    for (int i = 0; i < kCalls; ++i) {
        ASSERT_TRUE(replies[i].ok()) << i << ": " << replies[i].error().to_string();
        EXPECT_EQ(replies[i]->integer, i + 1) << "reply " << i;
    }
    EXPECT_TRUE(run(c->all({})).empty()) << "an empty batch completes too";
}

TEST_F(ClientTest, ABatchKeepsEachCallsOwnResult) {
    testing::RedisServer server;
    auto c = client_for(server.url());
    ASSERT_TRUE(redis(*c, "SET", "text", "x").ok());
    const Script script{"echo", "return ARGV[1]"};
    auto replies = run(c->all(calls_of(
        Call::cmd("n", command_of("INCR", "n")), Call::cmd("text", command_of("INCR", "text")),
        Call::eval(script, {}, {"hello"}), Call::cmd("text", command_of("GET", "text")))));
    ASSERT_EQ(replies.size(), 4u);
    EXPECT_EQ(replies[0]->integer, 1);
    ASSERT_FALSE(replies[1].ok());
    EXPECT_EQ(replies[1].error().code, ErrorCode::storage_error);
    ASSERT_TRUE(replies[2].ok()) << replies[2].error().to_string();
    EXPECT_EQ(replies[2]->str, "hello");
    EXPECT_EQ(replies[3]->str, "x");
}

TEST_F(ClientTest, TheDatabaseInTheUrlIsSelected) {
    testing::RedisServer server;
    auto db1 = client_for(url_with_db(server, 1));
    auto db0 = client_for(url_with_db(server, 0));
    ASSERT_TRUE(redis(*db1, "SET", "k", "in db 1").ok());
    EXPECT_TRUE(redis(*db0, "GET", "k")->is_nil()) << "not visible in db 0";
    EXPECT_EQ(redis(*db1, "GET", "k")->str, "in db 1");
    EXPECT_EQ(redis(*db0, "DBSIZE")->integer, 0);
}

TEST_F(ClientTest, AConnectionReconnectsIntoItsDatabaseWithTheCommandThatReconnectedIt) {
    // The SELECT that a (re)connection sends first must not take the place of the command whose
    // send made the connection: every send here (re)connects.
    testing::RedisServer server;
    auto parsed = parse_redis_url(url_with_db(server, 2));
    ASSERT_TRUE(parsed.ok());
    auto conn = AsyncConnection::create(io_.get_executor(), parsed.value());
    auto db2 = client_for(url_with_db(server, 2));
    for (int i = 0; i < 3; ++i) {
        std::optional<Result<Reply>> got;
        conn->send(command_of("SET", "k" + std::to_string(i), "v"),
                   [&got](Result<Reply> r) { got = std::move(r); });
        io_.restart();
        while (!got) io_.run_one();
        ASSERT_TRUE(got->ok()) << got->error().to_string();
        EXPECT_EQ((*got)->str, "OK");
        EXPECT_EQ(redis(*db2, "GET", "k" + std::to_string(i))->str, "v") << "in database 2";
        conn->drop();
    }
    auto db0 = client_for(url_with_db(server, 0));
    EXPECT_EQ(redis(*db0, "DBSIZE")->integer, 0);
}

TEST_F(ClientTest, AClusterUrlNamesItsSeedNodes) {
    auto c =
        Client::create(io_.get_executor(), "redis+cluster://:pw@127.0.0.1:7000,127.0.0.1:7001");
    ASSERT_TRUE(c.ok()) << c.error().to_string();
    EXPECT_TRUE((*c)->is_cluster());
    EXPECT_EQ((*c)->describe(), "Redis Cluster redis://127.0.0.1:7000/0,redis://127.0.0.1:7001/0");
    auto single = Client::create(io_.get_executor(), "redis://127.0.0.1:7000/2");
    ASSERT_TRUE(single.ok());
    EXPECT_FALSE((*single)->is_cluster());
    EXPECT_EQ((*single)->describe(), "Redis redis://127.0.0.1:7000/2");
}

TEST_F(ClientTest, ABadUrlIsRefusedWithAClearMessage) {
    struct Case {
        const char* url;
        const char* says;
    };
    for (const Case& bad : {Case{"http://127.0.0.1:6379", "must start with redis://"},
                            Case{"redis://127.0.0.1:port", "bad port"},
                            Case{"redis://127.0.0.1:6379/db", "bad database number"},
                            Case{"redis+cluster://", "at least one host:port"},
                            Case{"redis+cluster://127.0.0.1:7000/2", "only database 0"},
                            Case{"redis+cluster://127.0.0.1:7000,127.0.0.1:0", "bad port"}}) {
        auto c = Client::create(io_.get_executor(), bad.url);
        ASSERT_FALSE(c.ok()) << bad.url;
        EXPECT_EQ(c.error().code, ErrorCode::invalid_input) << bad.url;
        EXPECT_NE(c.error().message.find(bad.says), std::string::npos)
            << bad.url << ": " << c.error().message;
    }
}

TEST(ClientKeySlot, MatchesRedisClusterKeyslot) {
    EXPECT_EQ(key_slot("foo"), 12182);
    EXPECT_EQ(key_slot("somekey"), 11058);
    EXPECT_EQ(key_slot(""), 0);
    EXPECT_EQ(key_slot("{user1000}.following"), 3443);
    EXPECT_EQ(key_slot("{user1000}.following"), key_slot("{user1000}.followers"));
}

TEST(ClientKeySlot, OnlyTheFirstNonEmptyHashTagCounts) {
    EXPECT_EQ(key_slot("{}abc"), 5980) << "an empty tag: the whole key is hashed";
    EXPECT_NE(key_slot("{}abc"), key_slot("abc"));
    EXPECT_EQ(key_slot("foo{}{bar}"), 8363) << "the first { } is empty: the whole key";
    EXPECT_EQ(key_slot("foo{bar}{zap}"), key_slot("bar"));
    EXPECT_EQ(key_slot("foo{{bar}}zap"), key_slot("{bar"));
    EXPECT_EQ(key_slot("abc{"), 3048) << "no closing brace: the whole key";
}

TEST_F(ClientTest, KeySlotAgreesWithAClusterNodesClusterKeyslot) {
    testing::RedisServer node(testing::RedisServer::Options{.cluster_node = true});
    auto c = client_for(node.url());
    const std::vector<std::string> keys{
        "foo",        "{user1000}.following", "{}abc",
        "foo{}{bar}", "foo{{bar}}zap",        "abc{",
        "}{x}",       "acc:{s7}:instance:42", std::string("bin\0ary{\xff}", 10)};
    for (const std::string& key : keys) {
        auto slot = redis(*c, "CLUSTER", "KEYSLOT", key);
        ASSERT_TRUE(slot.ok()) << slot.error().to_string();
        EXPECT_EQ(key_slot(key), slot->integer) << key;
    }
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
