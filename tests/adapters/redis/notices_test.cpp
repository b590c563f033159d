// NoticeStore against a real Redis, a single server and a 3-master cluster alike: a notice added
// to each person once however often it is delivered, each person's list their own, pages
// newest first through cursors (ties in time included), unread ones, marking read, and the
// retention that drops notices older than it before the newest.
#include "accord/redis/notices.hpp"

#include "durable_fixture.hpp"

namespace accord::redis::testing {
namespace {

using engine::ErrorCode;
using engine::json;

constexpr TimeMs kAt = 1'800'000'000'000;
constexpr TimeMs kHour = 3'600'000;

class Notices : public DurableTest {
protected:
    void SetUp() override {
        DurableTest::SetUp();
        auto client = Client::create(io_.get_executor(), url_);
        ASSERT_TRUE(client.ok()) << client.error().to_string();
        client_ = client.value();
        auto connected = run(client_->connect());
        ASSERT_TRUE(connected.ok()) << connected.error().to_string();
        store_ = std::make_unique<NoticeStore>(client_, prefix_, std::chrono::hours(24));
    }

    std::size_t add(const std::string& id, TimeMs at, const std::vector<std::string>& people) {
        return add(id, at, 0, people);
    }
    std::size_t add(const std::string& id, TimeMs at, int order,
                    const std::vector<std::string>& people) {
        std::vector<NoticeCopy> copies;
        for (const auto& p : people) copies.push_back({p, json{{"subject", id}}.dump()});
        auto r = run(store_->add(id, at, order, std::move(copies)));
        if (!r) throw std::runtime_error(r.error().to_string());
        return *r;
    }
    NoticePage page(const std::string& person, const std::string& cursor = "",
                    std::size_t limit = 50, bool unread_only = false) {
        auto r = run(store_->page(person, cursor, limit, unread_only));
        if (!r) throw std::runtime_error(r.error().to_string());
        return std::move(r).value();
    }
    // Every notice of the person's, following the cursors, `limit` at a time.
    std::vector<std::string> all(const std::string& person, std::size_t limit,
                                 bool unread_only = false) {
        std::vector<std::string> out;
        std::string cursor;
        for (int pages = 0; pages < 100; ++pages) {
            auto p = page(person, cursor, limit, unread_only);
            EXPECT_LE(p.items.size(), limit);
            for (const auto& n : p.items) out.push_back(n.id);
            if (p.next.empty()) break;
            cursor = p.next;
        }
        return out;
    }

    std::shared_ptr<Client> client_;
    std::unique_ptr<NoticeStore> store_;
};

using V = std::vector<std::string>;

TEST_P(Notices, ANoticeIsAddedToEachPersonOnceHoweverOftenItIsDelivered) {
    EXPECT_EQ(add("a1", kAt, {"lina", "omar"}), 2u);
    EXPECT_EQ(add("a1", kAt, {"lina", "omar", "olga"}), 1u) << "only olga lacked it";
    EXPECT_EQ(add("b2", kAt + 1, {"lina"}), 1u);
    EXPECT_EQ(all("lina", 10), V({"b2", "a1"}));
    EXPECT_EQ(all("omar", 10), V({"a1"}));
    EXPECT_EQ(page("lina").unread, 2);
    EXPECT_EQ(page("lina").items[0].body["subject"], "b2");
    EXPECT_TRUE(page("nobody").items.empty());
    EXPECT_EQ(page("nobody").unread, 0);
}

TEST_P(Notices, PagesGoNewestFirstThroughTiesInTimeWithoutRepeatingOrMissingOne) {
    // Five at the same millisecond between older and newer ones.
    add("01", kAt - 2, {"lina"});
    add("02", kAt - 1, {"lina"});
    for (const char* id : {"a3", "a5", "a1", "a4", "a2"}) add(id, kAt, {"lina"});
    add("ff", kAt + 1, {"lina"});
    const V expected = {"ff", "a5", "a4", "a3", "a2", "a1", "02", "01"};
    for (std::size_t limit : {1u, 2u, 3u, 8u, 50u})
        EXPECT_EQ(all("lina", limit), expected) << "limit " << limit;
    EXPECT_TRUE(page("lina", "", 8).next.empty()) << "nothing after the last";
    // Within one millisecond, the order given places them.
    for (int order : {2, 0, 1}) add("b" + std::to_string(order), kAt + 5, order, {"omar"});
    EXPECT_EQ(all("omar", 1), V({"b2", "b1", "b0"}));
    EXPECT_FALSE(page("lina", "", 7).next.empty());
}

TEST_P(Notices, UnreadOnesAreCountedListedAndMarkedReadOneByOneOrAll) {
    for (int i = 0; i < 6; ++i) add("c" + std::to_string(i), kAt + i, {"lina", "omar"});
    auto one = run(store_->mark_read("lina", "c4"));
    ASSERT_TRUE(one.ok());
    EXPECT_TRUE(*one);
    EXPECT_FALSE(*run(store_->mark_read("lina", "c4"))) << "read already";
    ASSERT_TRUE(run(store_->mark_read("lina", "c1")).ok());
    EXPECT_EQ(page("lina").unread, 4);
    EXPECT_EQ(all("lina", 2, true), V({"c5", "c3", "c2", "c0"}));
    const auto first = page("lina");
    EXPECT_FALSE(first.items[0].read);  // c5
    EXPECT_TRUE(first.items[1].read);   // c4
    EXPECT_EQ(page("omar").unread, 6) << "omar's are his";

    auto unknown = run(store_->mark_read("lina", "d9"));
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
    EXPECT_EQ(run(store_->mark_read("lina", "../x")).error().code, ErrorCode::not_found);

    auto all_read = run(store_->mark_all_read("lina"));
    ASSERT_TRUE(all_read.ok());
    EXPECT_EQ(*all_read, 4);
    EXPECT_EQ(page("lina").unread, 0);
    EXPECT_TRUE(page("lina", "", 10, true).items.empty());
    EXPECT_EQ(all("lina", 10).size(), 6u) << "read ones stay listed";
}

TEST_P(Notices, NoticesOlderThanTheRetentionBeforeTheNewestGo) {
    add("e1", kAt, {"lina"});
    add("e2", kAt + 20 * kHour, {"lina"});
    EXPECT_EQ(all("lina", 10), V({"e2", "e1"}));
    add("e3", kAt + 25 * kHour, {"lina"});
    EXPECT_EQ(all("lina", 10), V({"e3", "e2"})) << "e1 is more than 24 h older than e3";
    EXPECT_EQ(page("lina").unread, 2);
    EXPECT_EQ(run(store_->mark_read("lina", "e1")).error().code, ErrorCode::not_found);
}

TEST_P(Notices, AMalformedCursorIsRefused) {
    add("f1", kAt, {"lina"});
    for (const char* bad : {"x", "12", "_ab", "12_", "12_zz", "-1_ab", "1.2.3_ab", ".5_ab"}) {
        auto r = run(store_->page("lina", bad, 10, false));
        ASSERT_FALSE(r.ok()) << bad;
        EXPECT_EQ(r.error().code, ErrorCode::invalid_input) << bad;
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, Notices, ::testing::Values(Backend::single, Backend::cluster),
                         backend_name);

}  // namespace
}  // namespace accord::redis::testing
