// Field schemas: compiling the small JSON-Schema vocabulary, checking values against it with the
// pointer of the first problem, and checking task and event forms.
#include "accord/engine/field_schema.hpp"

#include <set>

#include "test_support.hpp"

namespace accord::engine {
namespace {

using namespace testkit;
using Problems = std::vector<std::pair<std::string, std::string>>;

FieldSchema schema(const json& spec, bool form_field = false) {
    Problems problems;
    FieldSchema s = compile_field_schema(spec, "/s", form_field, problems);
    for (const auto& [p, m] : problems) ADD_FAILURE() << "schema problem " << p << ": " << m;
    return s;
}

Problems problems_of(const json& spec, bool form_field = false) {
    Problems problems;
    (void)compile_field_schema(spec, "/s", form_field, problems);
    return problems;
}

// The pointer of the problem found in `value`, or "ok".
std::string check(const json& spec, const json& value) {
    auto r = schema(spec).check(value, "/v");
    if (r) return "ok";
    EXPECT_EQ(r.error().code, ErrorCode::invalid_field);
    return r.error().pointer;
}

Form form(const json& fields) {
    Form f;
    for (auto it = fields.begin(); it != fields.end(); ++it)
        f.emplace_back(it.key(), schema(it.value(), true));
    return f;
}

TEST(FieldSchema, EachTypeAcceptsItsOwnValuesOnly) {
    EXPECT_EQ(check({{"type", "string"}}, "x"), "ok");
    EXPECT_EQ(check({{"type", "string"}}, 1), "/v");
    EXPECT_EQ(check({{"type", "number"}}, 1.5), "ok");
    EXPECT_EQ(check({{"type", "number"}}, 2), "ok");
    EXPECT_EQ(check({{"type", "number"}}, "2"), "/v");
    EXPECT_EQ(check({{"type", "integer"}}, 2), "ok");
    EXPECT_EQ(check({{"type", "integer"}}, 2.0), "ok");
    EXPECT_EQ(check({{"type", "integer"}}, 2.5), "/v");
    EXPECT_EQ(check({{"type", "boolean"}}, false), "ok");
    EXPECT_EQ(check({{"type", "boolean"}}, 0), "/v");
    EXPECT_EQ(check({{"type", "object"}}, json::object()), "ok");
    EXPECT_EQ(check({{"type", "object"}}, json::array()), "/v");
    EXPECT_EQ(check({{"type", "array"}}, json::array()), "ok");
    EXPECT_EQ(check({{"type", "array"}}, json::object()), "/v");
}

TEST(FieldSchema, WithoutATypeAnyValueIsAccepted) {
    for (const json& v : {json(1), json("x"), json(nullptr), json::array(), json::object()})
        EXPECT_EQ(check(json::object(), v), "ok");
}

TEST(FieldSchema, EnumAllowsOnlyItsValues) {
    const json spec = {{"enum", {"low", "medium", "high", 3}}};
    EXPECT_EQ(check(spec, "low"), "ok");
    EXPECT_EQ(check(spec, 3), "ok");
    EXPECT_EQ(check(spec, 3.0), "ok");
    EXPECT_EQ(check(spec, "extreme"), "/v");
    auto r = schema(spec).check("extreme", "/v");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("\"low\""), std::string::npos) << r.error().message;
}

TEST(FieldSchema, FormatsAreChecked) {
    EXPECT_EQ(check({{"format", "date"}}, "2027-03-01"), "ok");
    EXPECT_EQ(check({{"format", "date"}}, "2027-02-30"), "/v");
    EXPECT_EQ(check({{"format", "date"}}, "2027-03-01T10:00:00Z"), "/v");
    EXPECT_EQ(check({{"format", "date-time"}}, "2027-03-01T10:00:00Z"), "ok");
    EXPECT_EQ(check({{"format", "date-time"}}, "2027-03-01T10:00:00+02:00"), "ok");
    EXPECT_EQ(check({{"format", "date-time"}}, "2027-03-01"), "/v");
    EXPECT_EQ(check({{"format", "email"}}, "ann@uni.example"), "ok");
    EXPECT_EQ(check({{"format", "email"}}, "ann"), "/v");
    EXPECT_EQ(check({{"format", "email"}}, "ann@@uni.example"), "/v");
    EXPECT_EQ(check({{"format", "duration"}}, "P1Y2M"), "ok");
    EXPECT_EQ(check({{"format", "duration"}}, "1 year"), "/v");
    // A person's name and a unit's id: their shape (whether they exist is the runtime's).
    EXPECT_EQ(check({{"format", "user"}}, "olga"), "ok");
    EXPECT_EQ(check({{"format", "user"}}, "Olga Petrenko"), "/v");
    EXPECT_EQ(check({{"format", "unit"}}, "eng"), "ok");
    EXPECT_EQ(check({{"format", "unit"}}, ""), "/v");
}

TEST(FieldSchema, AFormatImpliesAString) {
    EXPECT_EQ(schema({{"format", "date"}}).type, FieldSchema::Type::string);
    EXPECT_EQ(check({{"format", "date"}}, 20270301), "/v");
}

TEST(FieldSchema, NumbersAreCheckedAgainstMinimumAndMaximum) {
    const json spec = {{"type", "number"}, {"minimum", 0}, {"maximum", 10.5}};
    EXPECT_EQ(check(spec, 0), "ok");
    EXPECT_EQ(check(spec, 10.5), "ok");
    EXPECT_EQ(check(spec, -1), "/v");
    EXPECT_EQ(check(spec, 11), "/v");
}

TEST(FieldSchema, StringLengthsCountCharactersNotBytes) {
    const json spec = {{"type", "string"}, {"minLength", 2}, {"maxLength", 3}};
    EXPECT_EQ(check(spec, "ab"), "ok");
    EXPECT_EQ(check(spec, "a"), "/v");
    EXPECT_EQ(check(spec, "abcd"), "/v");
    EXPECT_EQ(check(spec, "äöü"), "ok");
    EXPECT_EQ(check(spec, "ü"), "/v");
}

TEST(FieldSchema, ArrayItemsAreCheckedNamingTheIndex) {
    const json spec = {{"type", "array"}, {"items", {{"type", "string"}, {"format", "email"}}}};
    EXPECT_EQ(check(spec, {"a@b.example", "c@d.example"}), "ok");
    EXPECT_EQ(check(spec, {"a@b.example", "nope"}), "/v/1");
}

TEST(FieldSchema, ObjectPropertiesAndRequiredAreCheckedNamingTheField) {
    const json spec = json::parse(
        R"({"properties": {"partner": {"properties": {"name": {"type": "string"}, "country": {"type": "string"}},
                                                                "required": ["name"]}},
                                       "required": ["partner"]})");
    EXPECT_EQ(schema(spec).type, FieldSchema::Type::object);
    EXPECT_EQ(check(spec, json::parse(R"({"partner": {"name": "Uni"}})")), "ok");
    EXPECT_EQ(check(spec, json::object()), "/v/partner");
    EXPECT_EQ(check(spec, json::parse(R"({"partner": {"country": "AT"}})")), "/v/partner/name");
    EXPECT_EQ(check(spec, json::parse(R"({"partner": {"name": 5}})")), "/v/partner/name");
    // Properties not described are allowed in data.
    EXPECT_EQ(check(spec, json::parse(R"({"partner": {"name": "Uni"}, "extra": 1})")), "ok");
}

TEST(FieldSchema, TitlesDescriptionsDefaultsAndExamplesAreForPeopleOnly) {
    EXPECT_TRUE(
        problems_of({{"title", "Risk"}, {"description", "d"}, {"default", 1}, {"examples", {1}}})
            .empty());
}

TEST(FieldSchema, UnknownKeywordsAreProblemsWithASuggestion) {
    const Problems p = problems_of({{"type", "number"}, {"maximun", 3}});
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].first, "/s/maximun");
    EXPECT_NE(p[0].second.find("(did you mean \"maximum\"?)"), std::string::npos) << p[0].second;
}

TEST(FieldSchema, FormOnlyKeywordsAreUnknownInDataSchemas) {
    const Problems p = problems_of({{"type", "string"}, {"optional", true}});
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].first, "/s/optional");
    EXPECT_TRUE(problems_of({{"type", "string"}, {"optional", true}}, true).empty());
}

TEST(FieldSchema, MalformedKeywordsAreProblemsNamingThem) {
    const Problems p = problems_of({{"type", "text"},
                                    {"enum", json::array()},
                                    {"format", "uri"},
                                    {"minimum", "0"},
                                    {"minLength", -1},
                                    {"required", "name"},
                                    {"properties", json::array()}});
    std::set<std::string> pointers;
    for (const auto& [pointer, message] : p) pointers.insert(pointer);
    EXPECT_EQ(pointers, (std::set<std::string>{"/s/type", "/s/enum", "/s/format", "/s/minimum",
                                               "/s/minLength", "/s/required", "/s/properties"}));
}

TEST(FieldSchema, ASchemaMustBeAnObject) {
    const Problems p = problems_of("string");
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].first, "/s");
}

TEST(FieldSchema, NestedProblemsNameTheirPlace) {
    const Problems p =
        problems_of(json::parse(R"({"properties": {"a": {"items": {"type": "texts"}}}})"));
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].first, "/s/properties/a/items/type");
}

// ---------------------------------------------------------------------------------------------
// Forms

Form review_form() {
    return form(json::parse(R"({"risk": {"enum": ["low", "high"]},
                                "note": {"type": "string", "optional": true},
                                "changes": {"type": "string", "required_for": ["request_changes", "reject"]}})"));
}

std::string check_fields(const Form& f, const json& fields, const std::string& outcome) {
    auto r = check_form(f, fields, outcome);
    if (r) return "ok";
    EXPECT_EQ(r.error().code, ErrorCode::invalid_field);
    return r.error().pointer;
}

TEST(Form, EveryFieldIsRequiredUnlessOptional) {
    const Form f = review_form();
    EXPECT_EQ(check_fields(f, {{"risk", "low"}}, "approve"), "ok");
    EXPECT_EQ(check_fields(f, {{"risk", "low"}, {"note", "n"}}, "approve"), "ok");
    EXPECT_EQ(check_fields(f, json::object(), "approve"), "/fields/risk");
    EXPECT_EQ(check_fields(f, {{"note", "n"}}, "approve"), "/fields/risk");
}

TEST(Form, ANullFieldCountsAsMissing) {
    const Form f = review_form();
    EXPECT_EQ(check_fields(f, {{"risk", nullptr}}, "approve"), "/fields/risk");
    EXPECT_EQ(check_fields(f, {{"risk", "low"}, {"note", nullptr}}, "approve"), "ok");
}

TEST(Form, RequiredForMakesAFieldRequiredOnlyForThoseOutcomes) {
    const Form f = review_form();
    EXPECT_EQ(check_fields(f, {{"risk", "low"}}, "request_changes"), "/fields/changes");
    EXPECT_EQ(check_fields(f, {{"risk", "low"}}, "reject"), "/fields/changes");
    EXPECT_EQ(check_fields(f, {{"risk", "low"}, {"changes", "x"}}, "reject"), "ok");
    EXPECT_EQ(check_fields(f, {{"risk", "low"}, {"changes", "x"}}, "approve"), "ok");
    auto r = check_form(f, {{"risk", "low"}}, "reject");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("reject"), std::string::npos) << r.error().message;
}

TEST(Form, AWrongValueNamesTheField) {
    EXPECT_EQ(check_fields(review_form(), {{"risk", "medium"}}, "approve"), "/fields/risk");
    EXPECT_EQ(check_fields(review_form(), {{"risk", "low"}, {"note", 3}}, "approve"),
              "/fields/note");
}

TEST(Form, AFieldNotInTheFormIsRefusedWithASuggestion) {
    auto r = check_form(review_form(), {{"risk", "low"}, {"nots", "x"}}, "approve");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::invalid_field);
    EXPECT_EQ(r.error().pointer, "/fields/nots");
    EXPECT_NE(r.error().message.find("(did you mean \"note\"?)"), std::string::npos)
        << r.error().message;
}

TEST(Form, FieldsThatAreNotAnObjectAreRefused) {
    auto r = check_form(review_form(), json::array({"low"}), "approve");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().pointer, "/fields");
}

TEST(Form, AnEmptyFormTakesNoFields) {
    EXPECT_EQ(check_fields(Form{}, json::object(), "ok"), "ok");
    EXPECT_EQ(check_fields(Form{}, json(nullptr), "ok"), "ok");
    EXPECT_EQ(check_fields(Form{}, {{"x", 1}}, "ok"), "/fields/x");
}

TEST(Form, TheBasePointerIsUsedForEventPayloads) {
    auto r = check_form(review_form(), json::object(), "", "/data");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().pointer, "/data/risk");
}

}  // namespace
}  // namespace accord::engine
