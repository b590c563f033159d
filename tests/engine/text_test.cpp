// Text for people in several languages: the reader's language, else English, else the first;
// templates in each language; a definition's texts, labels and event titles in either form,
// refused at their pointer when malformed; texts picked out of stored JSON and of forms.
#include <gtest/gtest.h>

#include "accord/engine/field_schema.hpp"
#include "accord/engine/notices.hpp"
#include "accord/engine/text.hpp"
#include "test_support.hpp"

namespace accord::engine {
namespace {

using namespace testkit;

TEST(Text, GivesTheReadersLanguageElseEnglishElseTheFirst) {
    const auto t = Text::from_json({{"ar", "موافقة"}, {"en", "Approve"}, {"fr", "Approuver"}});
    ASSERT_TRUE(t);
    EXPECT_EQ(t->in("ar"), "موافقة");
    EXPECT_EQ(t->in("fr"), "Approuver");
    EXPECT_EQ(t->in("de"), "Approve");
    EXPECT_EQ(t->in("fr-ca"), "Approuver") << "a regional tag falls back to its language";
    EXPECT_EQ(t->text(), "Approve");
    const auto arabic_only = Text::from_json({{"ar", "موافقة"}});
    EXPECT_EQ(arabic_only->in("en"), "موافقة");
    EXPECT_EQ(Text("Approve").in("ar"), "Approve");
    EXPECT_TRUE(Text("Approve").plain());
    EXPECT_FALSE(t->plain());
    EXPECT_EQ(Text::from_json(t->to_json()), t);
    EXPECT_EQ(Text("x").to_json(), json("x"));
    EXPECT_EQ(Text(), Text("")) << "no text and an empty one are the same";
}

TEST(Text, RefusesWhatIsNoText) {
    for (const json& bad : {json(3), json::object(), json::array({"x"}), json({{"EN", "x"}}),
                            json({{"english", "x"}}), json({{"en", 1}}), json(nullptr)})
        EXPECT_FALSE(Text::from_json(bad)) << bad.dump();
    EXPECT_TRUE(is_language_tag("ar"));
    EXPECT_TRUE(is_language_tag("pt-br"));
    EXPECT_FALSE(is_language_tag("a"));
    EXPECT_FALSE(is_language_tag("ar-"));
    EXPECT_FALSE(is_language_tag("../x"));
}

TEST(Text, TemplatesRenderInEachLanguage) {
    auto t = TextTemplate::parse({{"en", "Review the MoU with {{partner}}"},
                                  {"ar", "مراجعة مذكرة التفاهم مع {{partner}}"}},
                                 "/t");
    ASSERT_TRUE(t) << t.error().to_string();
    const json data = {{"partner", "Universidad de Chile"}};
    logic::Context ctx;
    const Text out = t->render(data, ctx);
    EXPECT_EQ(out.in("en"), "Review the MoU with Universidad de Chile");
    EXPECT_EQ(out.in("ar"), "مراجعة مذكرة التفاهم مع Universidad de Chile");
    auto bad = TextTemplate::parse({{"en", "ok"}, {"ar", "{{unclosed"}}, "/t");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().pointer, "/t/ar");
}

TEST(Text, AValueWithALabelRendersAsItsLabelInEachLanguage) {
    std::vector<std::pair<std::string, std::string>> errors;
    const FieldSchema data = compile_field_schema(json::parse(R"({"properties": {
          "kind": {"enum": ["mou", "student_exchange"],
                   "labels": {"student_exchange": {"en": "Student exchange", "ar": "تبادل الطلبة"}}},
          "partner": {"properties": {"name": {"type": "string"}}}}})"),
                                                  "/data", false, errors);
    ASSERT_TRUE(errors.empty());
    auto t = TextTemplate::parse(
        {{"en", "{{kind}} with {{partner.name}}"}, {"ar", "{{kind}} مع {{partner.name}}"}}, "/t",
        &data);
    ASSERT_TRUE(t) << t.error().to_string();
    logic::Context ctx;
    const Text out =
        t->render({{"kind", "student_exchange"}, {"partner", {{"name", "Uni Wien"}}}}, ctx);
    EXPECT_EQ(out.in("en"), "Student exchange with Uni Wien");
    EXPECT_EQ(out.in("ar"), "تبادل الطلبة مع Uni Wien");
    // A value without a label, and a plain template (English labels), stay readable.
    EXPECT_EQ(t->render({{"kind", "mou"}}, ctx).in("en"), "mou with ");
    auto plain = TextTemplate::parse("About {{kind}}", "/p", &data);
    EXPECT_EQ(plain->render({{"kind", "student_exchange"}}, ctx).text(), "About Student exchange");
}

TEST(Text, LabelsMustNameTheEnumsValuesAndBeTexts) {
    std::vector<std::pair<std::string, std::string>> errors;
    compile_field_schema(json::parse(R"({"enum": ["a", "b"], "labels": {"c": "C", "a": 3}})"), "/f",
                         false, errors);
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0].first, "/f/labels/a");  // not a text
    EXPECT_EQ(errors[1].first, "/f/labels/c");  // not a value of the enum
    errors.clear();
    compile_field_schema(json::parse(R"({"type": "string", "labels": {"a": "A"}})"), "/f", false,
                         errors);
    EXPECT_TRUE(errors.empty()) << "without an enum, labels name the values people will meet";
    compile_field_schema(json::parse(R"({"type": "string", "labels": ["A"]})"), "/f", false,
                         errors);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].first, "/f/labels");
}

TEST(Text, ADefinitionsTextsLabelsAndEventTitlesMayBeInSeveralLanguages) {
    const json doc = workflow(
        {{"review",
          {{"task",
            {{"role", "legal"},
             {"title", {{"en", "Review {{name}}"}, {"ar", "مراجعة {{name}}"}}},
             {"description", {{"en", "Check the clauses"}, {"ar", "تدقيق البنود"}}},
             {"fields",
              {{"note",
                {{"type", "string"},
                 {"title", {{"en", "Note"}, {"ar", "ملاحظة"}}},
                 {"help", {{"en", "For the file"}, {"ar", "للملف"}}},
                 {"optional", true}}}}},
             {"outcomes", {"approve", "send_back"}},
             {"labels", {{"approve", {{"en", "Approve"}, {"ar", "موافقة"}}}}}}},
           {"on", {{"approve", "done"}, {"send_back", "done"}, {"withdraw", "done"}}}}},
         {"done", {{"final", "ok"}}}},
        "review",
        {{"title", {{"en", "Legal review"}, {"ar", "المراجعة القانونية"}}},
         {"events", {{"withdraw", {{"title", {{"en", "Withdraw"}, {"ar", "سحب الطلب"}}}}}}}});
    auto def = load(doc);
    EXPECT_EQ(def->title.in("ar"), "المراجعة القانونية");
    const auto& spec = *def->state(*def->find_state("review")).task;
    ASSERT_EQ(spec.labels.size(), 1u);
    EXPECT_EQ(spec.labels[0].second.in("ar"), "موافقة");
    EXPECT_EQ(def->event_decls[*def->find_event("withdraw")]->title.in("ar"), "سحب الطلب");
    auto s = start_ok(*def, {{"name", "MoU-7"}});
    const Task& t = the_open_task(s.instance);
    EXPECT_EQ(t.title.in("ar"), "مراجعة MoU-7");
    EXPECT_EQ(t.title.in("en"), "Review MoU-7");
    EXPECT_EQ(t.description.in("ar"), "تدقيق البنود");
    // Kept and read back in every language.
    auto back = task_from_json(to_json(t));
    ASSERT_TRUE(back) << back.error().to_string();
    EXPECT_EQ(back->title, t.title);

    json bad = doc;
    bad["states"]["review"]["task"]["labels"] = {{"reject", "Reject"}};
    auto r = load_definition(bad);
    EXPECT_NE(diagnostics_text(r.diagnostics).find("/states/review/task/labels/reject"),
              std::string::npos)
        << diagnostics_text(r.diagnostics);
    bad = doc;
    bad["states"]["review"]["task"]["fields"]["note"]["help"] = {{"en", 1}};
    r = load_definition(bad);
    EXPECT_NE(diagnostics_text(r.diagnostics).find("help must be a string"), std::string::npos)
        << diagnostics_text(r.diagnostics);
    bad = doc;
    bad["events"]["withdraw"]["title"] = 7;
    r = load_definition(bad);
    EXPECT_NE(diagnostics_text(r.diagnostics).find("/events/withdraw/title"), std::string::npos)
        << diagnostics_text(r.diagnostics);
}

TEST(Text, LocalizedPicksEveryTextOfAFormAndItsLabels) {
    const json form = {
        {"note", {{"type", "string"}, {"title", {{"en", "Note"}, {"ar", "ملاحظة"}}}}},
        {"title", {{"type", "string"}, {"help", {{"en", "As signed"}, {"ar", "كما وُقِّع"}}}}},
        {"labels", {{"approve", {{"en", "Approve"}, {"ar", "موافقة"}}}}}};
    const json ar = localized(form, "ar");
    EXPECT_EQ(ar["note"]["title"], "ملاحظة");
    EXPECT_EQ(ar["title"]["type"], "string") << "a field named title is a field";
    EXPECT_EQ(ar["title"]["help"], "كما وُقِّع");
    EXPECT_EQ(ar["labels"]["approve"], "موافقة");
    EXPECT_EQ(localized(form, "en")["note"]["title"], "Note");
    EXPECT_EQ(text_in({{"en", "Hello"}, {"ar", "مرحبا"}}, "ar"), "مرحبا");
    EXPECT_EQ(text_in("Hello", "ar"), "Hello");
}

TEST(Text, TheEnginesOwnNoticesAreInEnglishAndArabic) {
    const Text t = notice_text("reminder", Text("Sign the MoU"));
    EXPECT_EQ(t.in("en"), "Reminder: Sign the MoU");
    EXPECT_EQ(t.in("ar"), "تذكير: Sign the MoU");
    auto both = Text::from_json({{"en", "Sign"}, {"ar", "التوقيع"}, {"fr", "Signer"}});
    const Text o = notice_text("overdue", *both);
    EXPECT_EQ(o.in("ar"), "مهمة متأخرة: التوقيع");
    EXPECT_EQ(o.in("en"), "Overdue: Sign");
    EXPECT_EQ(o.in("fr"), "Overdue: Signer");
}

}  // namespace
}  // namespace accord::engine
