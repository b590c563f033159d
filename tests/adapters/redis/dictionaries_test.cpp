// Compression dictionaries: learned per definition version from its first records, stored in
// Redis once (the first stored wins), and found from a record alone by any node.
#include <set>

#include "codec.hpp"
#include "dictionaries.hpp"
#include "durable_fixture.hpp"

namespace accord::redis::testing {
namespace {

using engine::Input;

// A history entry like the ones a workflow writes, numbered so that no two are the same.
std::string sample_entry(int n) {
    return R"({"at":17000000)" + std::to_string(n) +
           R"(,"input":"complete","actor":"olga","from":"draft","to":"endorsement","events":["submit"],"detail":{"fields":{"agreement_type":"student_exchange","scope":"Faculty of Arts )" +
           std::to_string(n) + R"(","rationale":"Strong partner"},"outcome":"submit","task":"p-)" +
           std::to_string(n) +
           R"(.t1"},"revision":2,"effects":[{"type":"task.completed","task":{"id":".t1","state":"draft","role":"officer","title":"Prepare the agreement proposal","status":"completed"}},{"type":"task.opened","task":".t5"}]})";
}

TEST(Dictionaries, ALearnedDictionaryShrinksTheVersionsRecordsAndTheyComeBackWhole) {
    Dictionaries dicts(1);
    EXPECT_TRUE(dicts.wants_samples("w", 1));
    for (int n = 0; n < static_cast<int>(Dictionaries::kEnough); ++n) {
        EXPECT_FALSE(dicts.ready("w", 1));
        const std::string e = sample_entry(n);
        // Each commit on its own transition, so that every one is kept.
        dicts.sample("w", 1, "t" + std::to_string(n), {e});
    }
    ASSERT_TRUE(dicts.ready("w", 1));
    const std::string bytes = dicts.learn("w", 1, R"({"workflow":"w","version":1})");
    ASSERT_FALSE(bytes.empty());
    EXPECT_FALSE(dicts.wants_samples("w", 1)) << "learning in flight: no more samples";
    auto dict = Dictionary::make(bytes, 1);
    ASSERT_TRUE(dict);
    EXPECT_NE(dict->id(), 0u);
    EXPECT_EQ(dictionary_id(bytes), dict->id());
    dicts.adopt("w", 1, dict);
    ASSERT_EQ(dicts.of_version("w", 1), dict.get());
    EXPECT_EQ(dicts.of_version("w", 2), nullptr);

    const std::string text = sample_entry(1000);
    const std::string alone = codec::encode(text, 1);
    const std::string with = codec::encode(text, *dict);
    EXPECT_LT(with.size() * 3, alone.size())
        << "with " << with.size() << ", alone " << alone.size();
    EXPECT_EQ(dictionary_of(with), dict->id());
    EXPECT_EQ(dictionary_of(alone), 0u);
    EXPECT_EQ(dictionary_of(text), 0u);
    EXPECT_EQ(dictionary_of("3 abc " + with), dict->id()) << "a stored instance's document";
    std::string buffer;
    auto back = codec::decode(with, buffer, dicts);
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_EQ(*back, text);

    // A node that does not know the dictionary says so, and decodes nothing.
    Dictionaries other(1);
    auto refused = codec::decode(with, buffer, other);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, engine::ErrorCode::storage_error);
    EXPECT_NE(refused.error().message.find(std::to_string(dict->id())), std::string::npos);
}

TEST(Dictionaries, AVersionWithFewTransitionsLearnsOnceEnoughCommitsWereSeen) {
    Dictionaries dicts(1);
    for (std::size_t n = 0; n + 1 < Dictionaries::kSeen; ++n)
        dicts.sample("w", 1, "a>b", {sample_entry(static_cast<int>(n))});
    EXPECT_FALSE(dicts.ready("w", 1)) << "only " << Dictionaries::kPerTransition << " kept";
    dicts.sample("w", 1, "a>b", {sample_entry(-1)});
    EXPECT_TRUE(dicts.ready("w", 1));
    dicts.forget_learning("w", 1);
    EXPECT_FALSE(dicts.ready("w", 1)) << "sampled again from scratch";
    EXPECT_TRUE(dicts.wants_samples("w", 1));
}

TEST(Dictionaries, NoneAreLearnedWithoutCompression) {
    Dictionaries dicts(0);
    EXPECT_FALSE(dicts.wants_samples("w", 1));
    EXPECT_EQ(Dictionary::make("not a dictionary", 1), nullptr);
}

StartRequest proposal_request() {
    StartRequest r;
    r.workflow = "mou_proposal";
    r.data = json::parse(R"({"partner": {"name": "Universidad de Salamanca", "country": "ES"}})");
    return r;
}

class DurableDictionaries : public DurableTest {
protected:
    // A proposal started and submitted on `node`: 2 commits. Its id.
    std::string propose_and_submit(Node& node) {
        auto started = run(node.runtime->start(proposal_request(), person("olga", {"officer"})));
        if (!started) throw std::runtime_error(started.error().to_string());
        const std::string id = started->instance.id;
        clock_.now += 1000;  // each submission later than the one before
        auto moved =
            run(node.runtime->send(id, complete(started->instance.tasks.front().id, "submit",
                                                kProposal, person("olga", {"officer"}))));
        if (!moved) throw std::runtime_error(moved.error().to_string());
        return id;
    }
    std::string raw_instance(Node& node, const std::string& id) {
        const std::string key = node.store->keys().instance(id);
        return run(node.client->command(key, command_of("GET", key)))->str;
    }
    // The dictionary stored for mou_proposal v1 ("" if none).
    std::string stored_dictionary_id(Node& node) {
        const std::string key = node.store->keys().version_dictionaries();
        auto r = run(node.client->command(key, command_of("HGET", key, "mou_proposal 1")));
        return r->is_nil() ? std::string() : r->str;
    }
    // Proposals until the version has a dictionary (at most kSeen commits).
    void learn(std::initializer_list<Node*> nodes) {
        for (std::size_t i = 0; i < Dictionaries::kSeen / 2; ++i)
            for (Node* n : nodes) propose_and_submit(*n);
    }
};

TEST_P(DurableDictionaries, RecordsWrittenWithALearnedDictionaryAreReadByANodeThatNeverSawIt) {
    Node& a = add_node();
    put(a, shipped("mou_proposal"));
    const std::string early = propose_and_submit(a);
    EXPECT_EQ(dictionary_of(raw_instance(a, early)), 0u) << "nothing learned yet";
    learn({&a});
    const std::string id_text = stored_dictionary_id(a);
    ASSERT_FALSE(id_text.empty()) << "the version's dictionary is stored";
    const unsigned dict_id = static_cast<unsigned>(std::stoul(id_text));

    // From now on a's records are made with it: document, history entry and feed entry.
    const std::string late = propose_and_submit(a);
    EXPECT_EQ(dictionary_of(raw_instance(a, late)), dict_id);
    const std::string history_key = a.store->keys().history(late);
    auto entries = run(a.client->command(history_key, command_of("XRANGE", history_key, "-", "+")));
    ASSERT_EQ(entries->elements.size(), 2u);
    for (const auto& e : entries->elements)
        EXPECT_EQ(dictionary_of(e.elements.at(1).elements.at(1).str), dict_id);

    // A node started afresh reads all of it, old records and new.
    Node& b = add_node();
    for (const std::string& id : {early, late}) {
        auto loaded = run(b.store->load(id));
        ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
        EXPECT_EQ(loaded->data.get()["scope"], kProposal["scope"]);
        auto history = run(b.store->history(id));
        ASSERT_TRUE(history.ok()) << history.error().to_string();
        ASSERT_EQ(history->size(), 2u);
        for (const auto& r : *history) EXPECT_TRUE(json::accept(r.entry)) << "readable JSON";
        auto check = run(b.store->verify_history(id));
        ASSERT_TRUE(check.ok());
        EXPECT_TRUE(check->intact) << check->problem;
    }
    const std::string draft = late + ".t1";
    auto closed = run(b.store->find_task(draft));
    ASSERT_TRUE(closed.ok()) << closed.error().to_string();
    EXPECT_EQ(closed->fields, kProposal) << "from a history entry made with the dictionary";
    auto done = run(b.store->done_tasks(false, "olga", 1, std::nullopt));
    ASSERT_TRUE(done.ok()) << done.error().to_string();
    ASSERT_EQ(done->tasks.size(), 1u);
    EXPECT_EQ(done->tasks.front().id, draft);

    // Its feed: every event readable; the last ones are the late proposal's.
    Node& c = add_node();
    std::string cursor;
    std::vector<json> events;
    while (true) {
        auto page = run(c.store->read_feed(cursor, 500));
        ASSERT_TRUE(page.ok()) << page.error().to_string();
        for (auto& e : page->events) events.push_back(std::move(e.event));
        if (page->events.empty()) break;
        cursor = page->cursor;
    }
    // Each proposal: opened, then completed and opened.
    ASSERT_EQ(events.size(), 3 * (Dictionaries::kSeen / 2 + 2));
    std::set<std::string> late_events;
    for (const auto& e : events)
        if (e.value("instance", "") == late) late_events.insert(e.value("type", ""));
    EXPECT_EQ(late_events, (std::set<std::string>{"task.opened", "task.completed"}));

    // c commits on a's instance with the same dictionary, adopted with the definition.
    auto deans = run(c.store->open_tasks_for_role("dean", 1000));
    ASSERT_TRUE(deans.ok()) << deans.error().to_string();
    std::string endorse;
    for (const auto& t : *deans)
        if (t.instance_id == late) endorse = t.id;
    ASSERT_FALSE(endorse.empty());
    auto endorsed = run(c.runtime->send(
        late, complete(endorse, "endorse", json::object(), person("dan", {"dean"}))));
    ASSERT_TRUE(endorsed.ok()) << endorsed.error().to_string();
    EXPECT_EQ(dictionary_of(raw_instance(c, late)), dict_id);
}

TEST_P(DurableDictionaries,
       ARecordNamingADictionaryThatIsNotStoredIsAStorageErrorAndChangesNothing) {
    Node& a = add_node();
    put(a, shipped("mou_proposal"));
    const std::string id = propose_and_submit(a);
    // A frame made with a dictionary that this keyspace never stored.
    Dictionaries elsewhere(1);
    for (int n = 0; n < static_cast<int>(Dictionaries::kEnough); ++n)
        elsewhere.sample("w", 1, "t" + std::to_string(n), {sample_entry(n)});
    auto foreign = Dictionary::make(elsewhere.learn("w", 1, "{}"), 1);
    ASSERT_TRUE(foreign);
    const std::string forged =
        "2 " + std::string(40, 'a') + " " + codec::encode(sample_entry(7), *foreign);
    const std::string key = a.store->keys().instance(id);
    ASSERT_TRUE(run(a.client->command(key, command_of("SET", key, forged))).ok());
    Node& b = add_node();
    auto loaded = run(b.store->load(id));
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.error().code, engine::ErrorCode::storage_error);
    EXPECT_NE(loaded.error().message.find(std::to_string(foreign->id())), std::string::npos)
        << loaded.error().to_string();
    EXPECT_EQ(raw_instance(b, id), forged) << "a read changes nothing";
    const std::string dicts = a.store->keys().dictionaries();
    EXPECT_EQ(
        run(a.client->command(dicts, command_of("HEXISTS", dicts, std::to_string(foreign->id()))))
            ->integer,
        0);
}

TEST_P(DurableDictionaries, TwoNodesLearningAtOnceEndWithTheOneStoredFirst) {
    Node& a = add_node();
    Node& b = add_node();
    put(a, shipped("mou_proposal"));
    // Each sees half of the commits, so each learns its own, and the second to store adopts
    // the first's.
    learn({&a, &b});
    const std::string id_text = stored_dictionary_id(a);
    ASSERT_FALSE(id_text.empty());
    const unsigned dict_id = static_cast<unsigned>(std::stoul(id_text));
    for (Node* n : {&a, &b}) {
        const std::string id = propose_and_submit(*n);
        EXPECT_EQ(dictionary_of(raw_instance(*n, id)), dict_id);
    }
    const std::string dicts = a.store->keys().dictionaries();
    EXPECT_EQ(run(a.client->command(dicts, command_of("HLEN", dicts)))->integer, 1);
}

TEST_P(DurableDictionaries, WithoutCompressionNothingIsLearned) {
    Node& a = add_node({}, 0);
    put(a, shipped("mou_proposal"));
    learn({&a});
    EXPECT_TRUE(stored_dictionary_id(a).empty());
    const std::string id = propose_and_submit(a);
    EXPECT_NE(raw_instance(a, id).find("{\"id\""), std::string::npos) << "plain JSON";
}

INSTANTIATE_TEST_SUITE_P(Backends, DurableDictionaries,
                         ::testing::Values(Backend::single, Backend::cluster), backend_name);

}  // namespace
}  // namespace accord::redis::testing
