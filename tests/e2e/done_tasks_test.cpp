// GET /api/v1/tasks?status=done: the tasks a person completed, and a role's, newest first, with
// cursor pages; who may ask for which; what it refuses.
#include "e2e_fixture.hpp"

namespace accord::e2e {
namespace {

class DoneTasks : public E2eTest {
protected:
    void SetUp() override {
        E2eTest::SetUp();
        serve();
        olga_ = add_user("olga", {"officer"});
        otto_ = add_user("otto", {"officer"});
        dan_ = add_user("dan", {"dean"});
    }
    // Starts a proposal as olga and submits its draft: the draft's id.
    std::string submit_draft(const std::string& partner) {
        auto [instance, draft] = start_proposal(*http_, olga_.token, partner);
        auto done =
            http_->post("/api/v1/tasks/" + draft + "/complete",
                        {{"outcome", "submit"}, {"fields", proposal_fields()}}, olga_.token);
        EXPECT_EQ(done.status, 200) << describe(done);
        return draft;
    }
    std::vector<std::string> listed(const std::string& query, const Person& who,
                                    std::string* next = nullptr) {
        auto r = http_->get("/api/v1/tasks?" + query, who.token);
        EXPECT_EQ(r.status, 200) << query << ": " << describe(r);
        std::vector<std::string> ids;
        const json page = r.json();
        for (const auto& t : page["items"]) ids.push_back(t.value("id", ""));
        if (next) *next = page["next"].is_string() ? page["next"].get<std::string>() : "";
        return ids;
    }

    Person olga_, otto_, dan_;
};

TEST_F(DoneTasks, APersonsAndARolesCompletedTasksNewestFirstInPages) {
    const std::string first = submit_draft("Universidad de Chile");
    const std::string second = submit_draft("University of Ghana");
    const std::vector<std::string> both = {second, first};

    auto mine = http_->get("/api/v1/tasks?status=done&mine=1", olga_.token);
    ASSERT_EQ(mine.status, 200) << describe(mine);
    const json page = mine.json();
    ASSERT_EQ(page["items"].size(), 2u) << mine.body;
    const json& newest = page["items"][0];
    EXPECT_EQ(newest["id"], second);
    EXPECT_EQ(newest["status"], "completed");
    EXPECT_EQ(newest["outcome"], "submit");
    EXPECT_EQ(newest["closed_by"], "olga");
    EXPECT_TRUE(newest["closed_at"].is_string());
    EXPECT_TRUE(page["next"].is_null());

    EXPECT_EQ(listed("status=done&role=officer", otto_), both) << "the role's, by anyone of it";
    EXPECT_TRUE(listed("status=done&mine=1", otto_).empty()) << "otto completed none";
    EXPECT_EQ(listed("status=done", otto_), both) << "by default: own and the roles'";
    EXPECT_TRUE(listed("status=done", dan_).empty()) << "a dean's role completed nothing";
    EXPECT_EQ(listed("status=done&workflow=mou_proposal", olga_), both);
    EXPECT_TRUE(listed("status=done&workflow=legal_review", olga_).empty());
    EXPECT_TRUE(listed("status=done&state=endorsement", olga_).empty()) << "done in draft";

    std::string next;
    EXPECT_EQ(listed("status=done&mine=1&limit=1", olga_, &next), std::vector<std::string>{second});
    ASSERT_FALSE(next.empty());
    std::string end;
    EXPECT_EQ(listed("status=done&mine=1&limit=1&cursor=" + next, olga_, &end),
              std::vector<std::string>{first});
    EXPECT_TRUE(end.empty());

    // The open lists are unchanged by it: the drafts are not open any more.
    EXPECT_TRUE(listed("role=officer", olga_).empty());
}

TEST_F(DoneTasks, RefusalsSayWhy) {
    (void)submit_draft("Universidad de Chile");
    EXPECT_TRUE(is_problem(http_->get("/api/v1/tasks?status=done&role=officer", dan_.token), 403,
                           "forbidden"))
        << "a role one does not hold";
    EXPECT_TRUE(is_problem(http_->get("/api/v1/tasks?status=done&overdue=1", olga_.token), 400,
                           "invalid_input"));
    EXPECT_TRUE(is_problem(http_->get("/api/v1/tasks?status=done&cursor=%%%", olga_.token), 400));
    EXPECT_TRUE(
        is_problem(http_->get("/api/v1/tasks?status=finished", olga_.token), 400, "invalid_input"));
}

}  // namespace
}  // namespace accord::e2e
