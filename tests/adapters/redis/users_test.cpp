// UserStore against a real Redis, a single server and a 3-master cluster alike: tokens that
// authenticate their user and nothing else, names taken for good, refused input that writes
// nothing, revocation of every token at once with the epoch, only digests stored.
#include "accord/redis/users.hpp"

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "durable_fixture.hpp"

namespace accord::redis::testing {
namespace {

using engine::ErrorCode;

constexpr TimeMs kNow = 1'800'000'000'000;

class Users : public DurableTest {
protected:
    void SetUp() override {
        DurableTest::SetUp();
        auto client = Client::create(io_.get_executor(), url_);
        ASSERT_TRUE(client.ok()) << client.error().to_string();
        client_ = client.value();
        auto connected = run(client_->connect());
        ASSERT_TRUE(connected.ok()) << connected.error().to_string();
        users_ = std::make_unique<UserStore>(client_, prefix_);
    }

    IssuedToken add(std::string name, std::vector<std::string> r) {
        auto issued = run(users_->add(std::move(name), std::move(r), kNow));
        if (!issued) throw std::runtime_error(issued.error().to_string());
        return std::move(issued).value();
    }

    // The user a token authenticates as, or nullopt.
    std::optional<User> who(const std::string& token) {
        auto r = run(users_->authenticate(token));
        if (!r) throw std::runtime_error(r.error().to_string());
        return *r;
    }

    std::uint64_t epoch() {
        auto r = run(users_->epoch());
        if (!r) throw std::runtime_error(r.error().to_string());
        return *r;
    }

    // Every key of the test's prefix, on every master.
    std::vector<std::string> stored_keys() {
        std::vector<std::string> keys;
        for (auto& node : run(client_->on_every_node(command_of("KEYS", prefix_ + ":*")))) {
            if (!node) throw std::runtime_error(node.error().to_string());
            for (auto& k : node->elements) keys.push_back(std::move(k.str));
        }
        std::sort(keys.begin(), keys.end());
        return keys;
    }

    // Every key of the prefix with everything it holds, as one text.
    std::string stored_text() {
        std::string text;
        for (const auto& key : stored_keys()) {
            auto type = run(client_->command(key, command_of("TYPE", key)));
            if (!type) throw std::runtime_error(type.error().to_string());
            Command read;
            if (type->str == "string")
                read = command_of("GET", key);
            else if (type->str == "hash")
                read = command_of("HGETALL", key);
            else if (type->str == "set")
                read = command_of("SMEMBERS", key);
            else if (type->str == "stream")
                read = command_of("XRANGE", key, "-", "+");
            else
                throw std::runtime_error("unexpected " + type->str + " at " + key);
            auto value = run(client_->command(key, std::move(read)));
            if (!value) throw std::runtime_error(value.error().to_string());
            text += key + "\n";
            const auto add = [&text](const auto& self, const Reply& r) -> void {
                text += r.str + "\n";
                for (const auto& e : r.elements) self(self, e);
            };
            add(add, *value);
        }
        return text;
    }

    std::shared_ptr<Client> client_;
    std::unique_ptr<UserStore> users_;
};

TEST_P(Users, AnAddedUsersTokenAuthenticatesAsThemWithRolesSortedAndDeduplicated) {
    IssuedToken issued = add("olga.k", {"officer", "legal", "officer"});
    const User expected{"olga.k", {"legal", "officer"}, kNow, false, {}, false};
    EXPECT_EQ(issued.user, expected);
    EXPECT_TRUE(issued.token.starts_with("acc_")) << issued.token;
    EXPECT_EQ(issued.token.size(), 4u + 43u);
    EXPECT_EQ(issued.token.find_first_not_of(
                  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 4),
              std::string::npos);
    EXPECT_EQ(who(issued.token), expected);
    auto got = run(users_->get("olga.k"));
    ASSERT_TRUE(got.ok()) << got.error().to_string();
    EXPECT_EQ(*got, expected);
}

TEST_P(Users, AWrongTokenAuthenticatesNoOne) {
    IssuedToken issued = add("olga", {"officer"});
    std::string altered = issued.token;
    altered.back() = altered.back() == 'A' ? 'B' : 'A';
    EXPECT_EQ(who(altered), std::nullopt);
    EXPECT_EQ(who(""), std::nullopt);
    EXPECT_EQ(who("acc_"), std::nullopt);
    EXPECT_EQ(who(issued.token + "A"), std::nullopt);
    EXPECT_EQ(who("xyz_" + issued.token.substr(4)), std::nullopt);
    EXPECT_EQ(who(issued.token)->name, "olga");
}

TEST_P(Users, AddingATakenNameIsAConflictAndTheFirstTokenStillWorks) {
    IssuedToken first = add("olga", {"officer"});
    const auto keys = stored_keys();
    auto again = run(users_->add("olga", {"director"}, kNow + 1));
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.error().code, ErrorCode::conflict);
    EXPECT_EQ(stored_keys(), keys);
    EXPECT_EQ(who(first.token), (User{"olga", {"officer"}, kNow, false, {}, false}));

    // A revoked user keeps the name.
    ASSERT_TRUE(run(users_->revoke("olga")).ok());
    auto after = run(users_->add("olga", {"officer"}, kNow + 2));
    ASSERT_FALSE(after.ok());
    EXPECT_EQ(after.error().code, ErrorCode::conflict);
}

TEST_P(Users, ABadNameOrRoleIsRefusedAndWritesNothing) {
    struct Case {
        std::string name;
        std::vector<std::string> roles;
        std::string pointer;
    };
    const std::vector<Case> cases = {
        {"", {"officer"}, "/name"},
        {"Olga", {"officer"}, "/name"},
        {".olga", {"officer"}, "/name"},
        {"olga:x", {"officer"}, "/name"},
        {"olga{u}", {"officer"}, "/name"},
        {"ol ga", {"officer"}, "/name"},
        {std::string(65, 'a'), {"officer"}, "/name"},
        {"olga", {}, "/roles"},
        {"olga", {"officer", "Legal"}, "/roles/1"},
        {"olga", {"officer", "le.gal"}, "/roles/1"},
        {"olga", {"officer", ""}, "/roles/1"},
        {"olga", {"-officer"}, "/roles/0"},
        {"olga", {"officer", std::string(65, 'r')}, "/roles/1"},
    };
    for (const auto& c : cases) {
        auto r = run(users_->add(c.name, c.roles, kNow));
        ASSERT_FALSE(r.ok()) << c.name;
        EXPECT_EQ(r.error().code, ErrorCode::invalid_input) << c.name;
        EXPECT_EQ(r.error().pointer, c.pointer) << c.name << " " << r.error().message;
    }
    EXPECT_EQ(stored_keys(), std::vector<std::string>{});
    // The longest of each is fine.
    add(std::string(64, 'a'), {std::string(64, 'r'), "a_b-c"});
    add("0.o_l-g", {"9"});
}

TEST_P(Users, RevokingAUserEndsEveryTokenOfTheirsAtOnceAndBumpsTheEpoch) {
    IssuedToken olga = add("olga", {"officer"});
    auto second = run(users_->issue_token("olga", kNow + 1));
    ASSERT_TRUE(second.ok()) << second.error().to_string();
    IssuedToken lev = add("lev", {"legal"});
    const std::uint64_t before = epoch();  // (each add moved it too)
    EXPECT_EQ(before, 2u);

    ASSERT_TRUE(run(users_->revoke("olga")).ok());
    EXPECT_EQ(who(olga.token), std::nullopt);
    EXPECT_EQ(who(second->token), std::nullopt);
    EXPECT_EQ(epoch(), before + 1);
    EXPECT_EQ(who(lev.token)->name, "lev");
    auto got = run(users_->get("olga"));
    ASSERT_TRUE(got.ok());
    EXPECT_TRUE(got->revoked);
    EXPECT_EQ(got->roles, std::vector<std::string>{"officer"});
    // No token key of hers is left: lev's is the only one.
    auto keys = stored_keys();
    EXPECT_EQ(
        std::count_if(keys.begin(), keys.end(),
                      [&](const std::string& k) { return k.starts_with(prefix_ + ":{u}:token:"); }),
        1);

    // Again: nothing changes. An unknown user: not_found.
    ASSERT_TRUE(run(users_->revoke("olga")).ok());
    EXPECT_EQ(epoch(), before + 1);
    auto unknown = run(users_->revoke("nobody"));
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
    EXPECT_EQ(epoch(), before + 1);

    ASSERT_TRUE(run(users_->revoke("lev")).ok());
    EXPECT_EQ(epoch(), before + 2);
    EXPECT_EQ(who(lev.token), std::nullopt);
}

TEST_P(Users, IssueTokenGivesAnotherWorkingTokenToAnUnrevokedUserOnly) {
    IssuedToken first = add("olga", {"officer", "director"});
    auto second = run(users_->issue_token("olga", kNow + 5));
    ASSERT_TRUE(second.ok()) << second.error().to_string();
    EXPECT_NE(second->token, first.token);
    EXPECT_EQ(second->user, first.user);
    EXPECT_EQ(who(first.token), first.user);
    EXPECT_EQ(who(second->token), first.user);

    auto unknown = run(users_->issue_token("nobody", kNow));
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
    ASSERT_TRUE(run(users_->revoke("olga")).ok());
    const auto keys = stored_keys();
    auto revoked = run(users_->issue_token("olga", kNow));
    ASSERT_FALSE(revoked.ok());
    EXPECT_EQ(revoked.error().code, ErrorCode::not_found);
    EXPECT_EQ(stored_keys(), keys);
}

TEST_P(Users, TokensIssuedWhileTheUserIsRevokedAreEitherRefusedOrRevoked) {
    add("olga", {"officer"});
    // Both scripts known to the server first: a NOSCRIPT answer makes the client send that call
    // again in full, behind the calls sent after it, and the order below would not hold.
    add("oskar", {"officer"});
    ASSERT_TRUE(run(users_->issue_token("oskar", kNow)).ok());
    ASSERT_TRUE(run(users_->revoke("oskar")).ok());
    // Sent at once, in this order, on one connection: ten issues, the revoke, ten more.
    std::vector<std::future<std::optional<Result<IssuedToken>>>> issued;
    std::future<std::optional<Result<void>>> revoked;
    for (int i = 0; i < 20; ++i) {
        if (i == 10) revoked = spawn(io_.get_executor(), users_->revoke("olga"));
        issued.push_back(spawn(io_.get_executor(), users_->issue_token("olga", kNow)));
    }
    const auto ready = [](auto& f) {
        return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    };
    io_.restart();
    while (!ready(revoked) || !std::all_of(issued.begin(), issued.end(), ready)) io_.run_one();
    ASSERT_TRUE(revoked.get()->ok());
    int refused = 0;
    for (auto& f : issued) {
        auto r = std::move(*f.get());
        if (!r.ok()) {
            EXPECT_EQ(r.error().code, ErrorCode::not_found);
            ++refused;
            continue;
        }
        EXPECT_EQ(who(r->token), std::nullopt);
    }
    EXPECT_GT(refused, 0);
    EXPECT_LT(refused, 20);
    auto keys = stored_keys();
    EXPECT_EQ(std::count_if(keys.begin(), keys.end(),
                            [&](const std::string& k) { return k.find(":token:") != k.npos; }),
              0);
}

TEST_P(Users, OnlyATokensDigestIsStored) {
    IssuedToken olga = add("olga", {"officer"});
    auto second = run(users_->issue_token("olga", kNow));
    ASSERT_TRUE(second.ok());
    const std::string text = stored_text();
    for (const auto& token : {olga.token, second->token}) {
        EXPECT_EQ(text.find(token), std::string::npos);
        EXPECT_EQ(text.find(token.substr(4)), std::string::npos);  // without "acc_"
        const std::string digest = sha256_hex(token);
        auto name = run(client_->command(prefix_ + ":{u}:token:" + digest,
                                         command_of("GET", prefix_ + ":{u}:token:" + digest)));
        ASSERT_TRUE(name.ok());
        EXPECT_EQ(name->str, "olga");
    }
    // (The audit records the user's addition: its name and roles, nothing secret; the epoch
    // and the changes stream tell servers of it.)
    std::vector<std::string> expected = {prefix_ + ":{u}:audit", prefix_ + ":{u}:changes",
                                         prefix_ + ":{u}:epoch",
                                         prefix_ + ":{u}:token:" + sha256_hex(olga.token),
                                         prefix_ + ":{u}:token:" + sha256_hex(second->token),
                                         prefix_ + ":{u}:user:olga", prefix_ + ":{u}:users"};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(stored_keys(), expected);
}

TEST_P(Users, ListIsSortedByNameWithRevokedUsersAndGetOfAnUnknownOneIsNotFound) {
    auto empty = run(users_->list());
    ASSERT_TRUE(empty.ok()) << empty.error().to_string();
    EXPECT_TRUE(empty->empty());
    for (const char* name : {"olga", "ana", "zoe", "lev", "ana.b"}) add(name, {"officer"});
    ASSERT_TRUE(run(users_->revoke("lev")).ok());
    auto listed = run(users_->list());
    ASSERT_TRUE(listed.ok()) << listed.error().to_string();
    std::vector<std::string> names;
    for (const auto& u : *listed) names.push_back(u.name);
    EXPECT_EQ(names, (std::vector<std::string>{"ana", "ana.b", "lev", "olga", "zoe"}));
    EXPECT_TRUE((*listed)[2].revoked);
    EXPECT_FALSE((*listed)[3].revoked);
    EXPECT_EQ((*listed)[0], (User{"ana", {"officer"}, kNow, false, {}, false}));

    auto unknown = run(users_->get("nobody"));
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
}

TEST_P(Users, EveryCallIsUnavailableWhileRedisIsDown) {
    IssuedToken olga = add("olga", {"officer"});
    stop_redis();
    const auto unavailable = [](const auto& r) {
        return !r.ok() && r.error().code == ErrorCode::unavailable;
    };
    EXPECT_TRUE(unavailable(run(users_->add("lev", {"legal"}, kNow))));
    EXPECT_TRUE(unavailable(run(users_->issue_token("olga", kNow))));
    EXPECT_TRUE(unavailable(run(users_->authenticate(olga.token))));
    EXPECT_TRUE(unavailable(run(users_->revoke("olga"))));
    EXPECT_TRUE(unavailable(run(users_->list())));
    EXPECT_TRUE(unavailable(run(users_->get("olga"))));
    EXPECT_TRUE(unavailable(run(users_->epoch())));
    start_redis();
}

TEST_P(Users, ATokenCacheAnswersFromMemoryUntilARevokeElsewhereWhichItSeesAtOnce) {
    IssuedToken olga = add("olga", {"officer"});
    IssuedToken lev = add("lev", {"legal"});
    TokenCache cache(*users_);
    const auto cached_who = [&](const std::string& token) {
        auto r = run(cache.authenticate(token));
        if (!r) throw std::runtime_error(r.error().to_string());
        return *r;
    };
    EXPECT_EQ(cached_who(olga.token)->name, "olga");
    EXPECT_EQ(cached_who(olga.token)->roles, std::vector<std::string>{"officer"});
    EXPECT_EQ(cached_who(lev.token)->name, "lev");
    EXPECT_EQ(cache.misses(), 2u);
    EXPECT_EQ(cache.hits(), 1u);
    EXPECT_EQ(cached_who("acc_" + std::string(43, 'x')), std::nullopt);  // unknown: not kept

    // Revoked through another store (another node, or accordctl): refused at the next request.
    UserStore elsewhere(client_, prefix_);
    ASSERT_TRUE(run(elsewhere.revoke("olga")).ok());
    EXPECT_EQ(cached_who(olga.token), std::nullopt);
    EXPECT_EQ(cached_who(lev.token)->name, "lev");  // looked up again, and kept again
    EXPECT_EQ(cached_who(lev.token)->name, "lev");
    EXPECT_EQ(cache.hits(), 2u);

    // A cached token is no answer while Redis is away: the epoch can't be read. (On the
    // cluster this also leaves a slot refresh waiting on a node that comes back only after:
    // the client must still be freed at the end, which ASan's leak check sees.)
    stop_redis();
    auto down = run(cache.authenticate(lev.token));
    ASSERT_FALSE(down.ok());
    EXPECT_EQ(down.error().code, ErrorCode::unavailable);
    start_redis();
}

// Runs the io_context until `done()` holds, for at most `limit`; whether it came to hold.
template <typename Done>
bool run_until(boost::asio::io_context& io, Done done,
               std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= until) return false;
        io.run_for(std::chrono::milliseconds(5));
    }
    return true;
}

TEST_P(Users, AWatchedTokenCacheReadsNothingPerRequestAndIsToldOfARevokeElsewhere) {
    IssuedToken olga = add("olga", {"officer"});
    IssuedToken lev = add("lev", {"legal"});
    auto watcher = Client::create(io_.get_executor(), url_);
    ASSERT_TRUE(watcher.ok()) << watcher.error().to_string();
    TokenCache cache(*users_);
    const auto block = std::chrono::milliseconds(200);
    cache.watch(watcher.value(), block);
    const auto who_cached = [&](const std::string& token) {
        auto r = run(cache.authenticate(token));
        if (!r) throw std::runtime_error(r.error().to_string());
        return *r;
    };
    ASSERT_TRUE(run_until(io_, [&] { return cache.watched(); }));

    EXPECT_EQ(who_cached(olga.token)->name, "olga");
    EXPECT_EQ(who_cached(lev.token)->name, "lev");
    const auto reads = cache.epoch_reads();
    for (int i = 0; i < 50; ++i) ASSERT_EQ(who_cached(olga.token)->name, "olga");
    EXPECT_EQ(cache.epoch_reads(), reads) << "known tokens are answered from memory";
    EXPECT_EQ(cache.hits(), 50u);

    // The blocked reads are renewed as they time out: still watched after several. (Answers
    // come every `block`: one may be in the socket, not yet read, at the very moment looked
    // at, and watched() rightly says no until it is read.)
    io_.run_for(block * 4);
    EXPECT_TRUE(run_until(io_, [&] { return cache.watched(); }, block));

    // Revoked through another store (another node, or accordctl): the watch is answered in the
    // same Redis turn, and her token is refused with still no read of the epoch.
    UserStore elsewhere(client_, prefix_);
    const std::uint64_t before = *run(cache.epoch());
    ASSERT_TRUE(run(elsewhere.revoke("olga")).ok());
    ASSERT_TRUE(run_until(io_, [&] {
        auto e = run(cache.epoch());
        return e && *e == before + 1;
    }));
    EXPECT_EQ(who_cached(olga.token), std::nullopt);
    EXPECT_EQ(who_cached(lev.token)->name, "lev");
    EXPECT_EQ(cache.epoch_reads(), reads);
    EXPECT_TRUE(run_until(io_, [&] { return cache.watched(); }, block));

    // Redis away: the watch is lost, so a known token is no answer (the epoch can't be read);
    // back, the watch is set up again by itself and requests go without reads again.
    stop_redis();
    auto down = run(cache.authenticate(lev.token));
    ASSERT_FALSE(down.ok());
    EXPECT_EQ(down.error().code, ErrorCode::unavailable);
    EXPECT_FALSE(cache.watched());
    start_redis();
    ASSERT_TRUE(run_until(
        io_, [&] { return cache.watched(); }, std::chrono::seconds(10)));
    EXPECT_EQ(who_cached(lev.token)->name, "lev");
    const auto reads_after = cache.epoch_reads();
    EXPECT_EQ(who_cached(lev.token)->name, "lev");
    EXPECT_EQ(cache.epoch_reads(), reads_after);
}

TEST_P(Users, ConcurrentRequestsShareReadsOfTheEpochAndEachSeesARevokeThatCameBefore) {
    IssuedToken olga = add("olga", {"officer"});
    TokenCache cache(*users_);
    ASSERT_TRUE(run(cache.authenticate(olga.token)).ok());  // known from now on
    const auto reads_before = cache.epoch_reads();
    // 64 requests at once: they wait for reads begun after they came, and share them.
    const auto burst = [&]() -> boost::asio::awaitable<int> {
        int known = 0, done = 0;
        auto ex = co_await boost::asio::this_coro::executor;
        boost::asio::steady_timer all_in(ex, boost::asio::steady_timer::time_point::max());
        for (int i = 0; i < 64; ++i)
            boost::asio::co_spawn(
                ex,
                [&]() -> boost::asio::awaitable<void> {
                    auto r = co_await cache.authenticate(olga.token);
                    if (r && *r && (*r)->name == "olga") ++known;
                    if (++done == 64) all_in.cancel();
                },
                boost::asio::detached);
        boost::system::error_code ignored;
        co_await all_in.async_wait(
            boost::asio::redirect_error(boost::asio::use_awaitable, ignored));
        co_return known;
    };
    EXPECT_EQ(run(burst()), 64);
    EXPECT_LE(cache.epoch_reads() - reads_before, 2u) << "one read for the burst, at most two";
    EXPECT_EQ(cache.misses(), 1u);

    UserStore elsewhere(client_, prefix_);
    ASSERT_TRUE(run(elsewhere.revoke("olga")).ok());
    EXPECT_EQ(run(burst()), 0) << "every request after the revoke refuses her token";
}

TEST_P(Users, ProfilesAndRolesChangeWithAnAuditEntryAndTheEpoch) {
    IssuedToken olga = add("olga", {"officer"});
    const std::uint64_t before = epoch();
    engine::Profile p;
    p.display_name = "علياء";
    p.language = "ar";
    p.units = {"eng"};
    p.away = engine::Away{"2027-07-01", "2027-07-14", "lev"};
    auto updated = run(users_->update("olga", p, std::vector<std::string>{"dean", "officer"},
                                      ChangedBy{"adam"}));
    ASSERT_TRUE(updated.ok()) << updated.error().to_string();
    EXPECT_EQ(updated->profile, p);
    EXPECT_EQ(updated->roles, (std::vector<std::string>{"dean", "officer"}));
    EXPECT_EQ(who(olga.token)->profile, p);
    EXPECT_EQ(epoch(), before + 1);
    auto missing = run(users_->update("nobody", p, std::nullopt, ChangedBy{"adam"}));
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::not_found);
    auto bad_role = run(users_->update("olga", std::nullopt, std::vector<std::string>{"Dean X"},
                                       ChangedBy{"adam"}));
    ASSERT_FALSE(bad_role.ok());
    EXPECT_EQ(bad_role.error().pointer, "/roles/0");
    EXPECT_EQ(epoch(), before + 1) << "a refused change moves nothing";

    auto page = run(users_->audit_page("", 1));
    ASSERT_TRUE(page.ok()) << page.error().to_string();
    ASSERT_EQ(page->entries.size(), 1u);
    EXPECT_EQ(page->entries[0]["action"], "user.update");
    EXPECT_EQ(page->entries[0]["by"], "adam");
    EXPECT_EQ(page->entries[0]["target"], "olga");
    ASSERT_FALSE(page->next.empty());
    auto rest = run(users_->audit_page(page->next, 10));
    ASSERT_TRUE(rest.ok());
    ASSERT_EQ(rest->entries.size(), 1u);
    EXPECT_EQ(rest->entries[0]["action"], "user.add");
    EXPECT_TRUE(rest->next.empty());
    EXPECT_FALSE(run(users_->audit_page("not a cursor", 10)).ok());
}

TEST_P(Users, SessionsAuthenticateUntilSignedOutOrEndedByANewPasswordOrARevoke) {
    add("olga", {"officer"});
    EXPECT_EQ(run(users_->password_hash("olga"))->value_or("none"), "none");
    auto first = run(users_->open_session("olga"));
    auto second = run(users_->open_session("olga"));
    ASSERT_TRUE(first.ok() && second.ok());
    EXPECT_TRUE(UserStore::is_session(*first));
    EXPECT_EQ(who(*first)->name, "olga");
    EXPECT_NE(stored_text().find(sha256_hex(*first)), std::string::npos);
    EXPECT_EQ(stored_text().find(first->substr(4)), std::string::npos) << "only its digest";

    const std::uint64_t before = epoch();
    EXPECT_TRUE(*run(users_->end_session(*first)));
    EXPECT_EQ(epoch(), before + 1);
    EXPECT_EQ(who(*first), std::nullopt);
    EXPECT_EQ(who(*second)->name, "olga");
    EXPECT_FALSE(*run(users_->end_session(*first))) << "ended already";

    ASSERT_TRUE(run(users_->set_password("olga", "$argon2id$stand-in", ChangedBy{"adam"})).ok());
    EXPECT_EQ(who(*second), std::nullopt) << "a new password ends every session";
    EXPECT_EQ(run(users_->password_hash("olga"))->value_or(""), "$argon2id$stand-in");
    EXPECT_TRUE(run(users_->get("olga"))->has_password);

    auto third = run(users_->open_session("olga"));
    ASSERT_TRUE(third.ok());
    ASSERT_TRUE(run(users_->revoke("olga")).ok());
    EXPECT_EQ(who(*third), std::nullopt) << "a revoke ends every session";
    EXPECT_FALSE(run(users_->open_session("olga")).ok());
    EXPECT_EQ(run(users_->password_hash("olga"))->value_or("none"), "none");
}

TEST_P(Users, FailedSignInsAreCountedPerNameAndAddressUntilForgotten) {
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(run(users_->sign_in_failed("olga", "10.0.0.7", std::chrono::minutes(15))).ok());
    ASSERT_TRUE(run(users_->sign_in_failed("lev", "10.0.0.7", std::chrono::minutes(15))).ok());
    auto f = run(users_->sign_in_failures("olga", "10.0.0.7"));
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f->name_count, 3);
    EXPECT_EQ(f->address_count, 4);
    EXPECT_GT(f->name_last, 0);
    ASSERT_TRUE(run(users_->sign_in_succeeded("olga")).ok());
    f = run(users_->sign_in_failures("olga", "10.0.0.8"));
    EXPECT_EQ(f->name_count, 0);
    EXPECT_EQ(f->address_count, 0);
}

TEST_P(Users, UnitsAreReplacedWholeAndReadBack) {
    EXPECT_TRUE(run(users_->units())->empty());
    auto units = engine::Units::from_json(engine::json::array(
        {{{"id", "uni"}, {"name", {{"en", "University"}, {"ar", "الجامعة"}}}, {"parent", nullptr}},
         {{"id", "eng"}, {"name", {{"en", "Engineering"}, {"ar", "الهندسة"}}}, {"parent", "uni"}}}));
    ASSERT_TRUE(units.ok());
    const std::uint64_t before = epoch();
    ASSERT_TRUE(run(users_->put_units(*units, ChangedBy{"adam"})).ok());
    auto back = run(users_->units());
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->to_json(), units->to_json());
    EXPECT_EQ(epoch(), before + 1);
    EXPECT_EQ(run(users_->audit_page("", 1))->entries.at(0)["action"], "units.put");
}

INSTANTIATE_TEST_SUITE_P(Backends, Users, ::testing::Values(Backend::single, Backend::cluster),
                         backend_name);

}  // namespace
}  // namespace accord::redis::testing
