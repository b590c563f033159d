// The workflow picture's facts (engine::definition_graph): a node per state with its task,
// timers and child workflows; an edge per transition with what raises it, its guard and target,
// internal or not, and the workflow-level transitions drawn from each state that takes them.
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>

#include <gtest/gtest.h>

#include "accord/engine/graph.hpp"
#include "accord/engine/validator.hpp"
#include "test_support.hpp"

namespace accord::engine {
namespace {

using namespace testkit;

const json* edge(const json& graph, const std::string& from, const std::string& event,
                 std::size_t nth = 0) {
    for (const auto& e : graph["edges"])
        if (e["from"] == from && e.value("event", "") == event && nth-- == 0) return &e;
    return nullptr;
}

const json& node(const json& graph, const std::string& id) {
    for (const auto& n : graph["nodes"])
        if (n["id"] == id) return n;
    throw std::runtime_error("no node " + id);
}

TEST(Graph, NodesAndEdgesSayWhatEachStateAndTransitionIs) {
    auto def = load(workflow(
        {{"review",
          {{"task",
            {{"role", "legal"},
             {"title", {{"en", "Review {{partner}}"}, {"ar", "مراجعة {{partner}}"}}},
             {"outcomes", {"approve", "reject"}},
             {"labels", {{"approve", {{"en", "Approve"}, {"ar", "موافقة"}}}}}}},
           {"timers", json::array({{{"after", "P3D"}, {"event", "nudge"}, {"name", "nudge"}}})},
           {"on",
            {{"approve",
              json::array({{{"target", "decide"}, {"guard", {{"==", {{{"var", "big"}}, true}}}}},
                           {{"target", "done"}}})},
             {"reject", "cancelled"},
             {"nudge", {{"actions", json::array()}}}}}}},
         {"decide",
          {{"choice", json::array({{{"target", "signing"}, {"guard", {{"var", "signed"}}}},
                                   {{"target", "done"}, {"description", "otherwise"}}})}}},
         {"signing",
          {{"invoke",
            {{"workflow", "w"}, {"for_each", {{"var", "parties"}}}, {"outcomes", {"done"}}}},
           {"on", {{"w.done", "done"}}}}},
         {"done", {{"final", "ok"}}},
         {"cancelled", {{"final", "cancelled"}}}},
        "review", {{"on", {{"cancel", "cancelled"}}}, {"events", {{"cancel", json::object()}}}}));
    const json g = definition_graph(*def);
    EXPECT_EQ(g["workflow"], "w");
    EXPECT_EQ(g["start"], "review");
    ASSERT_EQ(g["nodes"].size(), 5U);
    const json& review = node(g, "review");
    EXPECT_EQ(review["id"], "review");
    EXPECT_EQ(review["kind"], "wait");
    EXPECT_EQ(review["start"], true);
    EXPECT_EQ(review["task"]["role"], "legal");
    EXPECT_EQ(review["task"]["outcomes"], json::array({"approve", "reject"}));
    EXPECT_EQ(review["task"]["title"]["ar"], "مراجعة {{partner}}");
    EXPECT_EQ(review["task"]["labels"]["approve"]["en"], "Approve");
    EXPECT_EQ(review["timers"][0], json({{"name", "nudge"}, {"kind", "after"}, {"event", "nudge"}}));
    EXPECT_EQ(node(g, "decide")["kind"], "choice");
    EXPECT_EQ(node(g, "signing")["invoke"], json({{"workflow", "w"}, {"for_each", true}}));
    EXPECT_FALSE(node(g, "signing").contains("task"));
    EXPECT_EQ(node(g, "done")["outcome"], "ok");
    EXPECT_FALSE(node(g, "done").contains("start"));

    // A guarded list, in the order it is tried.
    const json* first = edge(g, "review", "approve", 0);
    const json* second = edge(g, "review", "approve", 1);
    ASSERT_TRUE(first && second);
    EXPECT_EQ((*first)["to"], "decide");
    EXPECT_EQ((*first)["kind"], "outcome");
    EXPECT_EQ((*first)["guard"], json({{"==", {{{"var", "big"}}, true}}}));
    EXPECT_EQ((*second)["to"], "done");
    EXPECT_FALSE(second->contains("guard"));
    // A timer's event, staying put.
    const json* nudge = edge(g, "review", "nudge");
    ASSERT_TRUE(nudge);
    EXPECT_EQ((*nudge)["kind"], "timer");
    EXPECT_EQ((*nudge)["internal"], true);
    EXPECT_FALSE(nudge->contains("to"));
    // A choice's branches.
    std::vector<json> branches;
    for (const auto& e : g["edges"])
        if (e["from"] == "decide") branches.push_back(e);
    ASSERT_EQ(branches.size(), 2U);
    EXPECT_EQ(branches[0]["kind"], "choice");
    EXPECT_EQ(branches[0]["guard"], json({{"var", "signed"}}));
    EXPECT_EQ(branches[1]["description"], "otherwise");
    EXPECT_FALSE(branches[0].contains("event"));
    // The child workflows' result.
    ASSERT_TRUE(edge(g, "signing", "w.done"));
    EXPECT_EQ((*edge(g, "signing", "w.done"))["kind"], "child");
    // The workflow's own `on`: drawn from every wait state, none from a final one.
    for (const char* state : {"review", "signing"}) {
        const json* cancel = edge(g, state, "cancel");
        ASSERT_TRUE(cancel) << state;
        EXPECT_EQ((*cancel)["workflow_level"], true);
        EXPECT_EQ((*cancel)["kind"], "event");
        EXPECT_EQ((*cancel)["to"], "cancelled");
    }
    EXPECT_EQ((*edge(g, "review", "reject"))["workflow_level"], false);
    EXPECT_FALSE(edge(g, "done", "cancel"));
}

// Each shipped workflow: every node once, every edge between nodes, as many edges as the
// compiled definition has transitions and branches.
TEST(Graph, TheShippedWorkflowsDrawWhole) {
    for (const char* name :
         {"agreement", "mou_proposal", "legal_review", "signing", "renewal", "reporting"}) {
        std::ifstream in(std::string(ACCORD_SOURCE_DIR) + "/workflows/" + name + ".json");
        const std::string text((std::istreambuf_iterator<char>(in)), {});
        auto loaded = load_definition_text(text, [](std::string_view) { return true; });
        ASSERT_TRUE(loaded.ok()) << name;
        const Definition& def = *loaded.definition;
        const json g = definition_graph(def);
        std::set<std::string> ids;
        for (const auto& n : g["nodes"]) {
            EXPECT_TRUE(ids.insert(n["id"]).second) << name;
            // Every shipped state has a title in both languages: the page's stages read it.
            ASSERT_TRUE(n.contains("title")) << name << ": " << n["id"];
            EXPECT_TRUE(n["title"].contains("en") && n["title"].contains("ar")) << n.dump();
        }
        EXPECT_EQ(ids.size(), def.states.size()) << name;
        std::size_t transitions = 0;
        for (StateId s = 0; s < def.states.size(); ++s) {
            transitions += def.states[s].choice.size();
            for (EventId e = 0; e < def.event_names.size(); ++e)
                if (const auto* list = def.transitions(s, e)) transitions += list->size();
        }
        EXPECT_EQ(g["edges"].size(), transitions) << name;
        for (const auto& e : g["edges"]) {
            EXPECT_TRUE(ids.contains(e["from"])) << name << ": " << e.dump();
            if (e.contains("to")) {
                EXPECT_TRUE(ids.contains(e["to"])) << name << ": " << e.dump();
            }
            EXPECT_EQ(e["internal"], !e.contains("to")) << name;
        }
    }
}

}  // namespace
}  // namespace accord::engine
