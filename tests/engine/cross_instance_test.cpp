// Cross-instance effects: which effects reach other instances and as what, their outbox
// payloads (durable: the names stay), the bound on chains of starts, and LocalRuntime following
// the same rules as the Redis runtime (tests/adapters/redis/durable_runtime_test.cpp).
#include "accord/engine/cross_instance.hpp"
#include "accord/engine/local_runtime.hpp"
#include "accord/engine/memory_store.hpp"
#include "test_support.hpp"

namespace accord::engine {
namespace {

using namespace testkit;
using Kind = CrossInstanceEffect::Kind;

Instance source_instance() {
    Instance inst;
    inst.id = "agreement-1";
    inst.workflow = "agreement";
    inst.depth = 3;
    return inst;
}

TEST(CrossInstance, EachEffectThatReachesAnotherInstanceBecomesOneAndNothingElseDoes) {
    const Instance inst = source_instance();
    const auto child = cross_instance_effect(
        ChildStarted{"agreement-1.c1", "signing", 2, json{{"partner", "Wien"}}}, inst);
    ASSERT_TRUE(child);
    EXPECT_EQ(child->kind, Kind::child_start);
    EXPECT_EQ(child->target, "agreement-1.c1");
    EXPECT_EQ(child->depth, 4) << "one deeper than its starter";
    const StartInput in = child->start_input();
    EXPECT_EQ(in.instance_id, "agreement-1.c1");
    ASSERT_TRUE(in.parent);
    EXPECT_EQ(in.parent->instance_id, "agreement-1");
    EXPECT_EQ(in.depth, 4);

    const auto cancel = cross_instance_effect(ChildCancelled{"agreement-1.c1"}, inst);
    ASSERT_TRUE(cancel);
    EXPECT_EQ(cancel->target, "agreement-1.c1");
    EXPECT_TRUE(std::holds_alternative<CancelInput>(cancel->input().kind));
    EXPECT_TRUE(cancel->input().actor.system);

    const auto start =
        cross_instance_effect(WorkflowStarted{"reporting", json{{"year", 1}}, "k1"}, inst);
    ASSERT_TRUE(start);
    EXPECT_EQ(start->kind, Kind::start);
    EXPECT_EQ(start->start_input().business_key, "k1");
    EXPECT_FALSE(start->start_input().parent);

    // A finished instance reaches its parent only if it has one.
    EXPECT_FALSE(cross_instance_effect(InstanceFinished{InstanceStatus::finished, "signed"}, inst));
    Instance child_inst = inst;
    child_inst.id = "p-1.c2";
    child_inst.parent = ParentLink{"p-1", "p-1.c2"};
    child_inst.data = Data(json{{"signed_on", "2027-01-02"}});
    const auto result =
        cross_instance_effect(InstanceFinished{InstanceStatus::finished, "signed"}, child_inst);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->target, "p-1");
    const Input given = result->input();
    const auto* finished = std::get_if<ChildFinishedInput>(&given.kind);
    ASSERT_NE(finished, nullptr);
    EXPECT_EQ(finished->child_id, "p-1.c2");
    EXPECT_EQ(finished->outcome, "signed");
    EXPECT_EQ(finished->data, json({{"signed_on", "2027-01-02"}}));

    EXPECT_FALSE(cross_instance_effect(TaskClaimed{"agreement-1.t1", "olga", 0}, inst));
}

TEST(CrossInstance, PayloadsKeepTheirNamesAndReadBackAsTheSameEffect) {
    const Instance inst = source_instance();
    const auto child = *cross_instance_effect(
        ChildStarted{"agreement-1.c1", "signing", 2, json{{"partner", "Wien"}}}, inst);
    EXPECT_EQ(child.kind_name(), "child.start");
    // What outbox entries already waiting in Redis hold: read as they always were.
    EXPECT_EQ(child.payload(), json::parse(R"({"child": "agreement-1.c1", "workflow": "signing",
        "version": 2, "data": {"partner": "Wien"}, "parent": "agreement-1", "depth": 4})"));
    for (const auto& effect :
         {child, *cross_instance_effect(ChildCancelled{"agreement-1.c1"}, inst),
          *cross_instance_effect(WorkflowStarted{"reporting", json{{"year", 1}}, "k1"}, inst)}) {
        auto back = CrossInstanceEffect::from_payload(effect.kind_name(),
                                                      json::parse(effect.payload().dump()));
        ASSERT_TRUE(back) << back.error().to_string();
        EXPECT_EQ(back->payload(), effect.payload());
        EXPECT_EQ(back->kind, effect.kind);
    }
}

TEST(CrossInstance, APayloadWithoutWhatItNeedsIsRefusedNotGuessed) {
    EXPECT_EQ(CrossInstanceEffect::from_payload("child.start", json{{"workflow", "signing"}})
                  .error()
                  .code,
              ErrorCode::invalid_input);
    EXPECT_FALSE(CrossInstanceEffect::from_payload("child.result", json{{"parent", "p-1"}}));
    EXPECT_FALSE(CrossInstanceEffect::from_payload("start", json::array()));
    EXPECT_FALSE(CrossInstanceEffect::from_payload("teleport", json::object()));
}

TEST(CrossInstance, ChainsOfStartsStopAtTheDepthBound) {
    CrossInstanceEffect start;
    start.kind = Kind::start;
    start.depth = kMaxStartDepth;
    EXPECT_TRUE(admit_start(start));
    start.depth = kMaxStartDepth + 1;
    const auto refused = admit_start(start);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::runtime_error);
    EXPECT_TRUE(admit_start(start, kMaxStartDepth + 1)) << "the bound may be set";
}

TEST(CrossInstance, AParentHearsThatItsChildCouldNotStart) {
    const auto child = *cross_instance_effect(
        ChildStarted{"agreement-1.c1", "signing", 0, json::object()}, source_instance());
    const auto failed =
        child_failed(child, make_error(ErrorCode::not_found, "no workflow signing"));
    EXPECT_EQ(failed.target, "agreement-1");
    const Input given = failed.input();
    const auto* r = std::get_if<ChildFinishedInput>(&given.kind);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->child_id, "agreement-1.c1");
    EXPECT_EQ(r->outcome, "failed");
    EXPECT_NE(r->data.value("error", "").find("no workflow signing"), std::string::npos);
}

// The same workflow as the Redis runtime's test: it starts itself on entry.
TEST(CrossInstance, LocalRuntimeStopsAWorkflowThatStartsItselfAtTheSameBound) {
    MemoryStore store;
    ASSERT_TRUE(store.put_definition(load(json::parse(R"({
      "workflow": "looper", "version": 1, "title": "Starts itself", "start": "go",
      "states": {"go": {"entry": [{"start": {"workflow": "looper"}}], "on": {"stop": "end"}},
                 "end": {"final": "ok"}}})"))));
    LocalRuntime runtime(store, 5);
    ASSERT_TRUE(runtime.start("looper", json::object(), Actor::system_actor(), T("2027-01-01")));
    EXPECT_EQ(store.instances().size(), 6u) << "depths 0 to 5";
    std::set<int> depths;
    for (const auto& inst : store.instances()) depths.insert(inst.depth);
    EXPECT_EQ(depths, (std::set<int>{0, 1, 2, 3, 4, 5}));

    MemoryStore deep;
    ASSERT_TRUE(deep.put_definition(store.find_definition("looper")));
    LocalRuntime by_default(deep);
    ASSERT_TRUE(by_default.start("looper", json::object(), Actor::system_actor(), T("2027-01-01")));
    EXPECT_EQ(deep.instances().size(), std::size_t(kMaxStartDepth) + 1);
}

}  // namespace
}  // namespace accord::engine
