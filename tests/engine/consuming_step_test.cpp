// The consuming form of step(): works on the instance in place, and a refused input still
// leaves it exactly as it was, even when the refusal comes after data was written.
#include "test_support.hpp"

namespace accord::engine {
namespace {

using namespace testkit;

json review_with_fields() {
    return {{"review",
             {{"task",
               {{"role", "legal"},
                {"title", "Review"},
                {"outcomes", {"approve", "reject"}},
                {"fields", {{"risk", {{"enum", {"low", "high"}}}}}},
                {"due", "P10D"}}},
              {"on",
               {{"approve",
                 {{{"guard", {{"==", {{{"var", "risk"}}, "low"}}}},
                   {"target", "approved"},
                   {"actions", {{{"set", {{"legal.approved", true}, {"count", 1}}}}}}}}},
                {"reject", "rejected"}}}}},
            {"approved", {{"final", "approved"}}},
            {"rejected", {{"final", "rejected"}}}};
}

TEST(ConsumingStep, ASuccessfulStepMovesTheNewInstanceIntoTheStep) {
    auto def = load(workflow(review_with_fields(), "review"));
    Instance inst = start_ok(*def).instance;
    const std::string task = inst.tasks.front().id;
    auto r = step(*def, std::move(inst),
                  complete(task, "approve", person("lea", {"legal"}), {{"risk", "low"}}),
                  T("2027-01-02"));
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->instance.outcome, "approved");
    EXPECT_EQ(r->instance.data.get()["legal"]["approved"], true);
    EXPECT_EQ(r->instance.revision, 2u);
}

TEST(ConsumingStep, ARefusalAfterFieldsWereMergedRestoresTheInstanceExactly) {
    auto def = load(workflow(review_with_fields(), "review"));
    Instance inst = start_ok(*def, {{"risk", "unset"}, {"legal", {{"note", "x"}}}}).instance;
    const json before = to_json(inst, *def);
    const std::string task = inst.tasks.front().id;
    // The fields are merged into the data before the guard reads them; the guard then fails.
    auto r = step(*def, std::move(inst),
                  complete(task, "approve", person("lea", {"legal"}), {{"risk", "high"}}),
                  T("2027-01-02"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::no_transition);
    EXPECT_EQ(to_json(inst, *def), before);
}

TEST(ConsumingStep, ARuntimeErrorAfterActionsRanRestoresTheInstanceExactly) {
    // Entering `sign` needs people; the transition's set actions have already written the data.
    json states = {{"draft",
                    {{"on",
                      {{"submit",
                        {{"target", "sign"},
                         {"actions",
                          {{{"set", {{"submitted", true}, {"partner.name", "X"}}}},
                           {{"unset", {"draft_note"}}}}}}}}}}},
                   {"sign",
                    {{"task",
                      {{"role", "signatory"},
                       {"title", "Sign"},
                       {"assignees", {{"var", "signatories"}}},
                       {"outcomes", {"sign", "refuse"}},
                       {"due", "P14D"}}},
                     {"on", {{"sign", "signed"}, {"refuse", "draft"}}}}},
                   {"signed", {{"final", "signed"}}}};
    auto def = load(workflow(states, "draft"));
    Instance inst =
        start_ok(*def, {{"draft_note", "keep me"}, {"signatories", json::array()}}).instance;
    const json before = to_json(inst, *def);
    auto r = step(*def, std::move(inst), event("submit"), T("2027-01-02"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::runtime_error);
    EXPECT_EQ(to_json(inst, *def), before);
}

TEST(ConsumingStep, GivesTheSameResultAsThePureForm) {
    auto def = load(workflow(review_with_fields(), "review"));
    Instance inst = start_ok(*def).instance;
    const Input in =
        complete(inst.tasks.front().id, "approve", person("lea", {"legal"}), {{"risk", "low"}});
    auto pure = step(*def, std::as_const(inst), in, T("2027-01-02"));
    auto consumed = step(*def, std::move(inst), in, T("2027-01-02"));
    ASSERT_TRUE(pure.ok());
    ASSERT_TRUE(consumed.ok());
    EXPECT_EQ(to_json(pure->instance, *def), to_json(consumed->instance, *def));
    EXPECT_EQ(effect_types(*pure), effect_types(*consumed));
}

TEST(ConsumingStep, ASharedInstanceIsNotChangedThroughItsCopy) {
    auto def = load(workflow(review_with_fields(), "review"));
    Instance inst = start_ok(*def).instance;
    Instance copy = inst;  // shares the data until one of them writes
    const json before = to_json(copy, *def);
    auto r = step(
        *def, std::move(inst),
        complete(copy.tasks.front().id, "approve", person("lea", {"legal"}), {{"risk", "low"}}),
        T("2027-01-02"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(to_json(copy, *def), before);
}

}  // namespace
}  // namespace accord::engine
