// Notices: which effects of a step tell people (notify with people, roles and units, reminders,
// overdue tasks, escalations, tasks given to a person) and whom each reaches through a
// Directory: role holders, unit members (with the units under them), the deputies of people
// away, everyone once.
#include <gtest/gtest.h>

#include <map>

#include "accord/engine/notices.hpp"
#include "test_support.hpp"

namespace accord::engine {
namespace {

using namespace testkit;

// An organisation of five: two legal reviewers (one in law, one in medicine's law office),
// an officer in the IR office, a dean of medicine, and the IR head away until the 10th with
// the officer standing in.
class Organisation final : public Directory {
public:
    struct Member {
        std::vector<std::string> roles, units;
    };
    std::map<std::string, Member> people = {
        {"lina", {{"legal"}, {"law"}}},
        {"omar", {{"legal"}, {"med-law"}}},
        {"olga", {{"officer"}, {"ir"}}},
        {"dana", {{"dean"}, {"med"}}},
        {"hadi", {{"officer", "head"}, {"ir"}}},
    };
    std::map<std::string, std::string> parents = {{"med-law", "med"}, {"law", ""},
                                                  {"med", ""},        {"ir", ""}};
    TimeMs away_until = T("2027-01-10");

    std::string offer_unit(std::string_view, std::string_view unit) const override {
        return std::string(unit);
    }
    std::string deputy_of(std::string_view person, std::int64_t now) const override {
        return person == "hadi" && now < away_until ? "olga" : "";
    }
    std::vector<std::string> members(std::string_view role, std::string_view unit) const override {
        std::vector<std::string> out;
        for (const auto& [name, m] : people) {
            if (!role.empty() && std::find(m.roles.begin(), m.roles.end(), role) == m.roles.end())
                continue;
            bool in = unit.empty();
            for (std::string u : m.units)
                for (; !u.empty() && !in; u = parents.at(u)) in = u == unit;
            if (in) out.push_back(name);
        }
        return out;
    }
};

std::vector<std::string> names(const std::vector<Recipient>& rs) {
    std::vector<std::string> out;
    for (const auto& r : rs) out.push_back(r.for_person.empty() ? r.person : r.person + "/" + r.for_person);
    return out;
}

Notice notice(std::vector<std::string> people, std::vector<std::string> roles,
              std::vector<std::string> units) {
    Notice n;
    n.kind = "notify";
    n.instance = "i1";
    n.people = std::move(people);
    n.roles = std::move(roles);
    n.units = std::move(units);
    return n;
}

TEST(NoticeRecipients, ReachPeopleRoleHoldersAndUnitMembersOnceEach) {
    const Organisation org;
    const TimeMs later = T("2027-02-01");
    using V = std::vector<std::string>;
    EXPECT_EQ(names(recipients(notice({"dana"}, {}, {}), org, later)), V({"dana"}));
    EXPECT_EQ(names(recipients(notice({}, {"legal"}, {}), org, later)), V({"lina", "omar"}));
    // A unit alone: its members and those of the units under it.
    EXPECT_EQ(names(recipients(notice({}, {}, {"med"}), org, later)), V({"dana", "omar"}));
    // Roles and units: the roles' holders there.
    EXPECT_EQ(names(recipients(notice({}, {"legal"}, {"med"}), org, later)), V({"omar"}));
    EXPECT_EQ(names(recipients(notice({"lina", "omar"}, {"legal"}, {"law"}), org, later)),
              V({"lina", "omar"}));
    EXPECT_TRUE(recipients(notice({}, {"nobody"}, {}), org, later).empty());
}

TEST(NoticeRecipients, ADeputyOfSomeoneAwayIsReachedForThemUnlessReachedInTheirOwnRight) {
    const Organisation org;
    const TimeMs during = T("2027-01-05"), after = T("2027-01-11");
    using V = std::vector<std::string>;
    EXPECT_EQ(names(recipients(notice({}, {"head"}, {}), org, during)), V({"hadi", "olga/hadi"}));
    EXPECT_EQ(names(recipients(notice({}, {"head"}, {}), org, after)), V({"hadi"}));
    // olga is an officer herself: she hears it once, as herself.
    EXPECT_EQ(names(recipients(notice({}, {"officer"}, {}), org, during)), V({"hadi", "olga"}));
}

TEST(NoticeOf, NotificationsAndTasksGivenToAPersonTellPeopleOtherEffectsDoNot) {
    Instance inst;
    inst.id = "i1";
    inst.workflow = "mou";
    Task t;
    t.id = "i1.t1";
    t.title = "Review the draft";
    t.role = "legal";
    inst.tasks.push_back(t);

    Notification reminder;
    reminder.kind = "reminder";
    reminder.roles = {"legal"};
    reminder.task_id = "i1.t1";
    reminder.subject = "Reminder: Review the draft";
    auto n = notice_of(Effect{reminder}, inst);
    ASSERT_TRUE(n);
    EXPECT_EQ(n->kind, "reminder");
    EXPECT_EQ(n->task_title, "Review the draft");
    EXPECT_EQ(n->workflow, "mou");

    EXPECT_FALSE(notice_of(Effect{TaskOpened{t}}, inst)) << "a role's task waits in its queue";
    Task mine = t;
    mine.assignee = "lina";
    n = notice_of(Effect{TaskOpened{mine}}, inst);
    ASSERT_TRUE(n);
    EXPECT_EQ(n->kind, "task.assigned");
    EXPECT_EQ(n->people, std::vector<std::string>{"lina"});

    n = notice_of(Effect{TaskReassigned{"i1.t1", "", "omar", "lead"}}, inst);
    ASSERT_TRUE(n);
    EXPECT_EQ(n->people, std::vector<std::string>{"omar"});
    EXPECT_EQ(n->task_title, "Review the draft");
    EXPECT_FALSE(notice_of(Effect{TaskReassigned{"i1.t1", "omar", "", "lead"}}, inst));
    EXPECT_FALSE(notice_of(Effect{TaskClaimed{"i1.t1", "omar"}}, inst));
}

TEST(NoticeOf, ReadsBackWhatItWritesAndRefusesAMalformedOne) {
    Notice n = notice({"dana"}, {"legal"}, {"med"});
    n.workflow = "mou";
    n.task = "i1.t2";
    n.task_title = "Sign";
    n.subject = "Please sign";
    n.message = "By Friday";
    n.at = 1'796'000'000'000;
    auto back = notice_from_json(to_json(n));
    ASSERT_TRUE(back) << back.error().to_string();
    EXPECT_EQ(to_json(*back), to_json(n));
    EXPECT_FALSE(notice_from_json(json{{"kind", "notify"}}));
    EXPECT_FALSE(notice_from_json(json{{"kind", "notify"}, {"instance", "i"}, {"people", "x"}}));
    EXPECT_FALSE(notice_from_json(json::array()));
}

TEST(NotifyAction, NamesUnitsByExpressionAndTellsTheirKind) {
    auto def = load(workflow(
        {{"a", {{"on", {{"go", {{"target", "b"},
                                {"actions",
                                 {{{"notify",
                                    {{"roles", {"legal"}},
                                     {"units", {{"var", "faculty"}}},
                                     {"subject", "New MoU for {{faculty}}"}}}}}}}}}}}},
         {"b", {{"final", "ok"}}}},
        "a", {{"events", {{"go", json::object()}}}}));
    auto s = start_ok(*def, {{"faculty", "med"}});
    auto after = step_ok(*def, s.instance, event("go"), T("2027-01-02"));
    auto sent = effects_of<Notification>(after);
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].kind, "notify");
    EXPECT_EQ(sent[0].units, std::vector<std::string>{"med"});
    EXPECT_EQ(sent[0].subject, "New MoU for med");
    EXPECT_EQ(to_json(Effect(sent[0]))["units"], json::array({"med"}));

    const auto refused = load_definition(workflow(
        {{"a", {{"entry", {{{"notify", {{"subject", "x"}}}}}}}}}, "a"));
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(diagnostics_text(refused.diagnostics).find("notify needs"), std::string::npos);
}

}  // namespace
}  // namespace accord::engine
