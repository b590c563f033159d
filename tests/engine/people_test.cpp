// Profiles and units read from JSON: every member's rules, who may change what, the merge-patch
// semantics, and the unit tree's checks (duplicates, unknown parents, cycles), each refusal at
// its JSON Pointer.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "accord/engine/people.hpp"

namespace accord::engine {
namespace {

bool zone_known(std::string_view zone) {
    return zone == "UTC" || zone == "Asia/Hebron" || zone == "Asia/Amman";
}

Result<Profile> patch(const Profile& p, const json& changes,
                      ProfileEditor editor = ProfileEditor::admin) {
    return patch_profile(p, changes, editor, zone_known);
}

TEST(Profile, DefaultsAreEnglishUtcImmediateNoticesAtEightAndNotAway) {
    const Profile p;
    EXPECT_EQ(p.language, "en");
    EXPECT_EQ(p.time_zone, "UTC");
    EXPECT_EQ(p.email_notices, EmailNotices::immediately);
    EXPECT_EQ(p.digest_hour, 8);
    EXPECT_FALSE(p.email_role_tasks);
    EXPECT_FALSE(p.away.has_value());
    EXPECT_EQ(to_json(p)["email"], nullptr);
    EXPECT_EQ(to_json(p)["away"], nullptr);
}

TEST(Profile, APatchChangesWhatItNamesAndLeavesTheRest) {
    auto p = patch({}, {{"display_name", "سامي خليل"},
                        {"email", "sami@example.edu"},
                        {"language", "ar"},
                        {"time_zone", "Asia/Hebron"},
                        {"units", {"eng", "civil", "eng"}},
                        {"email_notices", "daily"},
                        {"digest_hour", 7},
                        {"email_role_tasks", true}});
    ASSERT_TRUE(p.ok()) << p.error().to_string();
    EXPECT_EQ(p->display_name, "سامي خليل");
    EXPECT_EQ(p->units, (std::vector<std::string>{"civil", "eng"}));  // sorted, once each
    EXPECT_EQ(p->email_notices, EmailNotices::daily);
    auto q = patch(*p, {{"language", "en"}});
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q->language, "en");
    EXPECT_EQ(q->time_zone, "Asia/Hebron");
    EXPECT_EQ(q->display_name, "سامي خليل");
    // null puts a member back to its default (or clears it).
    auto r = patch(*q, {{"email", nullptr}, {"digest_hour", nullptr}, {"units", nullptr}});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->email, "");
    EXPECT_EQ(r->digest_hour, 8);
    EXPECT_TRUE(r->units.empty());
}

TEST(Profile, StorageFormRoundTrips) {
    auto p = patch({}, {{"display_name", "Lina"},
                        {"email", "lina@example.edu"},
                        {"time_zone", "Asia/Amman"},
                        {"away", {{"from", "2027-07-01"}, {"to", "2027-07-14"}, {"deputy", "omar"}}}});
    ASSERT_TRUE(p.ok());
    auto back = profile_from_json(to_json(*p));
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_EQ(*back, *p);
}

TEST(Profile, EachBadValueIsRefusedAtItsPointerAndChangesNothing) {
    const std::vector<std::pair<json, std::string>> cases = {
        {{{"language", "fr"}}, "/language"},
        {{{"time_zone", "Mars/Olympus"}}, "/time_zone"},
        {{{"time_zone", 3}}, "/time_zone"},
        {{{"email", "not-an-address"}}, "/email"},
        {{{"email", "a@b@example.edu"}}, "/email"},
        {{{"email", "someone@localhost"}}, "/email"},
        {{{"display_name", "line\nbreak"}}, "/display_name"},
        {{{"display_name", std::string(201, 'x')}}, "/display_name"},
        {{{"units", "eng"}}, "/units"},
        {{{"units", {"eng", "Civil"}}}, "/units/1"},
        {{{"email_notices", "weekly"}}, "/email_notices"},
        {{{"digest_hour", 24}}, "/digest_hour"},
        {{{"digest_hour", 7.5}}, "/digest_hour"},
        {{{"email_role_tasks", "yes"}}, "/email_role_tasks"},
        {{{"away", "tomorrow"}}, "/away"},
        {{{"away", {{"from", "2027-07-01"}, {"to", "2027-07-14"}}}}, "/away/deputy"},
        {{{"away", {{"from", "2027-02-30"}, {"to", "2027-03-14"}, {"deputy", "omar"}}}},
         "/away/from"},
        {{{"away", {{"from", "2027-07-14"}, {"to", "2027-07-01"}, {"deputy", "omar"}}}},
         "/away/to"},
        {{{"away", {{"from", "2027-07-01"}, {"to", "2027-07-14"}, {"deputy", "Omar K"}}}},
         "/away/deputy"},
        {{{"away", {{"from", "2027-07-01"}, {"to", "2027-07-14"}, {"deputy", "omar"}, {"x", 1}}}},
         "/away/x"},
        {{{"nickname", "sam"}}, "/nickname"},
    };
    const Profile before;
    for (const auto& [changes, pointer] : cases) {
        auto p = patch(before, changes);
        ASSERT_FALSE(p.ok()) << changes.dump();
        EXPECT_EQ(p.error().code, ErrorCode::invalid_input) << changes.dump();
        EXPECT_EQ(p.error().pointer, pointer) << changes.dump() << ": " << p.error().message;
    }
    EXPECT_FALSE(patch(before, json::array()).ok());
}

TEST(Profile, APersonChangesTheirLanguageZoneNoticesAndAwayButNotNameMailOrUnits) {
    auto mine = patch({}, {{"language", "ar"},
                           {"time_zone", "Asia/Hebron"},
                           {"email_notices", "never"},
                           {"digest_hour", 6},
                           {"email_role_tasks", true},
                           {"away", {{"from", "2027-01-01"}, {"to", "2027-01-02"}, {"deputy", "x"}}}},
                      ProfileEditor::self);
    ASSERT_TRUE(mine.ok()) << mine.error().to_string();
    for (const char* member : {"display_name", "email", "units"}) {
        auto refused = patch({}, {{member, nullptr}}, ProfileEditor::self);
        ASSERT_FALSE(refused.ok()) << member;
        EXPECT_EQ(refused.error().code, ErrorCode::forbidden) << member;
        EXPECT_EQ(refused.error().pointer, std::string("/") + member);
    }
    auto unknown = patch({}, {{"roles", {"admin"}}}, ProfileEditor::self);
    ASSERT_FALSE(unknown.ok());
    EXPECT_EQ(unknown.error().pointer, "/roles");
}

TEST(Profile, AwayCoversBothEndsInclusive) {
    Profile p;
    EXPECT_FALSE(away_on(p, "2027-07-01"));
    p.away = Away{"2027-07-01", "2027-07-14", "omar"};
    EXPECT_FALSE(away_on(p, "2027-06-30"));
    EXPECT_TRUE(away_on(p, "2027-07-01"));
    EXPECT_TRUE(away_on(p, "2027-07-09"));
    EXPECT_TRUE(away_on(p, "2027-07-14"));
    EXPECT_FALSE(away_on(p, "2027-07-15"));
}

TEST(Person, ShowsTheProfileWithNameRolesAndWhetherAPasswordIsSet) {
    Person person{"sami", {"dean"}, 1000, false, {}, true};
    person.profile.units = {"eng"};
    const json j = to_json(person);
    EXPECT_EQ(j["name"], "sami");
    EXPECT_EQ(j["roles"], json::array({"dean"}));
    EXPECT_EQ(j["has_password"], true);
    EXPECT_EQ(j["units"], json::array({"eng"}));
    EXPECT_FALSE(j.contains("password_hash"));
}

json unit(const std::string& id, const json& parent, const std::string& en = "Unit",
          const std::string& ar = "وحدة") {
    return {{"id", id}, {"name", {{"en", en}, {"ar", ar}}}, {"parent", parent}};
}

TEST(Units, ATreeReadsBackAndKnowsEachUnitsAncestors) {
    const json list = {unit("uni", nullptr, "University", "الجامعة"),
                       unit("eng", "uni", "Faculty of Engineering", "كلية الهندسة"),
                       unit("civil", "eng", "Civil Engineering", "الهندسة المدنية"),
                       unit("law", "uni")};
    auto units = Units::from_json(list);
    ASSERT_TRUE(units.ok()) << units.error().to_string();
    EXPECT_EQ(units->to_json(), list);
    EXPECT_EQ(units->ancestors("civil"), (std::vector<std::string>{"eng", "uni"}));
    EXPECT_TRUE(units->ancestors("uni").empty());
    EXPECT_TRUE(units->ancestors("nowhere").empty());
    EXPECT_EQ(units->find("eng")->name_ar, "كلية الهندسة");
    EXPECT_FALSE(units->contains("med"));
    EXPECT_TRUE(Units::from_json(json::array())->empty());
}

TEST(Units, EachBadTreeIsRefusedAtItsPointer) {
    const std::vector<std::pair<json, std::string>> cases = {
        {json::object(), ""},
        {json::array({unit("uni", nullptr), unit("uni", nullptr)}), "/1/id"},
        {json::array({unit("Uni", nullptr)}), "/0/id"},
        {json::array({unit("eng", "uni")}), "/0/parent"},
        {json::array({unit("a", "b"), unit("b", "a")}), "/0/parent"},
        {json::array({unit("a", "a")}), "/0/parent"},
        {json::array({unit("a", nullptr, "")}), "/0/name/en"},
        {json::array({unit("a", nullptr, "A", "")}), "/0/name/ar"},
        {json::array({{{"id", "a"}, {"name", {{"en", "A"}, {"ar", "أ"}, {"fr", "A"}}}}}), "/0/name/fr"},
        {json::array({{{"id", "a"}, {"name", "A"}}}), "/0/name"},
        {json::array({{{"id", "a"}, {"name", {{"en", "A"}, {"ar", "أ"}}}, {"colour", "red"}}}), "/0/colour"},
        {json::array({unit("a", 7)}), "/0/parent"},
        {json::array({"a"}), "/0"},
    };
    for (const auto& [list, pointer] : cases) {
        auto units = Units::from_json(list);
        ASSERT_FALSE(units.ok()) << list.dump();
        EXPECT_EQ(units.error().code, ErrorCode::invalid_input);
        EXPECT_EQ(units.error().pointer, pointer) << list.dump() << ": " << units.error().message;
    }
}

TEST(Names, AreLowerCaseLettersDigitsDotsDashesAndUnderscores) {
    EXPECT_TRUE(is_name("olga.k"));
    EXPECT_TRUE(is_name("a"));
    EXPECT_TRUE(is_name("dean_eng-2"));
    EXPECT_FALSE(is_name(""));
    EXPECT_FALSE(is_name(".olga"));
    EXPECT_FALSE(is_name("Olga"));
    EXPECT_FALSE(is_name("olga k"));
    EXPECT_FALSE(is_name(std::string(65, 'a')));
}

}  // namespace
}  // namespace accord::engine
