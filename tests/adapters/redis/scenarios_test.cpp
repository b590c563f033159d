// Every example scenario (examples/*.sim.json) on the durable runtime: the script that
// `accordctl simulate` runs in memory is driven over a real Redis (RedisSimulationBackend), and
// must meet the same expectations with the same trace. The traces differ only in instance ids
// (the durable runtime draws random ones: `agreement-3k9d0x2mwq7ab` for `agreement-1`), so the
// durable trace is compared with its ids numbered in order of appearance, as the in-memory
// runtime numbers them. The backend fires one timer at a time, so its order is reproducible;
// timers of two instances due at the same millisecond could still come in another order than
// in memory (which orders them by timer id; the durable runtime in no set order): in the examples
// they do not. Redis then holds what the trace says: each instance's history chain is intact,
// with one entry per commit.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "durable_fixture.hpp"
#include "redis_simulation_backend.hpp"

namespace accord::redis::testing {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<std::string> example_scripts() {
    std::vector<std::string> out;
    for (const auto& entry : fs::directory_iterator(fs::path(ACCORD_SOURCE_DIR) / "examples")) {
        const std::string name = entry.path().filename().string();
        if (name.size() > 9 && name.ends_with(".sim.json")) out.push_back(entry.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string scenario_name(const ::testing::TestParamInfo<std::string>& info) {
    std::string name = fs::path(info.param).filename().string();
    name.resize(name.size() - std::string(".sim.json").size());
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
}

// The durable runtime's instance ids ("<workflow>-" and 13 letters of base 32) numbered as the
// in-memory runtime numbers its own: "<workflow>-<n>", n counting every instance id in the
// order the trace first names it (a child's id is its parent's and a suffix, in both).
std::vector<std::string> with_numbered_ids(const std::vector<std::string>& trace) {
    static const std::regex kDrawnId("([a-z][a-z0-9_]*)-([0-9a-hjkmnp-tv-z]{13})(?![0-9a-z])");
    std::map<std::string, std::string> numbered;
    std::vector<std::string> out;
    for (const auto& line : trace) {
        std::string rewritten;
        auto from = line.cbegin();
        for (std::sregex_iterator it(line.begin(), line.end(), kDrawnId), end; it != end; ++it) {
            const std::string drawn = it->str();
            auto [n, fresh] = numbered.try_emplace(drawn);
            if (fresh) n->second = (*it)[1].str() + "-" + std::to_string(numbered.size());
            rewritten.append(from, line.cbegin() + it->position()).append(n->second);
            from = line.cbegin() + it->position() + it->length();
        }
        out.push_back(rewritten.append(from, line.cend()));
    }
    return out;
}

// Where two traces part, with a few lines of context; empty when they are the same.
std::string first_difference(const std::vector<std::string>& expected,
                             const std::vector<std::string>& actual) {
    std::size_t i = 0;
    while (i < expected.size() && i < actual.size() && expected[i] == actual[i]) ++i;
    if (i == expected.size() && i == actual.size()) return {};
    std::ostringstream out;
    out << "the traces part at line " << i + 1 << "\n";
    const std::size_t from = i >= 3 ? i - 3 : 0;
    for (std::size_t k = from; k < i + 4; ++k) {
        out << "  in memory: " << (k < expected.size() ? expected[k] : "(end)") << "\n";
        out << "  on Redis:  " << (k < actual.size() ? actual[k] : "(end)") << "\n";
    }
    return out.str();
}

class Scenarios : public ::testing::TestWithParam<std::string> {
public:
    static void SetUpTestSuite() {
        server_ = std::make_unique<accord::testing::RedisServer>();
        for (const auto& entry :
             fs::directory_iterator(fs::path(ACCORD_SOURCE_DIR) / "workflows")) {
            if (entry.path().extension() != ".json" || entry.path().stem() == "schema") continue;
            auto loaded = engine::load_definition_text(read_text(entry.path()));
            if (!loaded.ok()) throw std::runtime_error(entry.path().string() + " refused");
            catalog_.push_back(loaded.definition);
        }
    }
    static void TearDownTestSuite() {
        server_.reset();
        catalog_.clear();
    }

protected:
    static inline std::unique_ptr<accord::testing::RedisServer> server_;
    static inline std::vector<engine::DefinitionPtr> catalog_;
    boost::asio::io_context io_;
};

TEST_P(Scenarios, MeetTheirExpectationsOnRedisWithTheTraceOfTheInMemoryRun) {
    const json script = json::parse(read_text(GetParam()));
    const std::string workflow = script.at("workflow");
    const auto in_memory = engine::simulate(catalog_, workflow, script);
    ASSERT_TRUE(in_memory.ok()) << "the in-memory run fails already";

    RedisSimulationBackend backend(io_, server_->url(), "sc_" + scenario_name({GetParam(), 0}),
                                   catalog_);
    const auto durable = engine::simulate(backend, workflow, script);
    for (const auto& failure : durable.failures) ADD_FAILURE() << failure;
    const std::string difference =
        first_difference(in_memory.trace, with_numbered_ids(durable.trace));
    EXPECT_TRUE(difference.empty()) << difference;

    ASSERT_FALSE(backend.instance_ids().empty());
    for (const auto& id : backend.instance_ids()) {
        auto check = run_on(io_, backend.store().verify_history(id));
        ASSERT_TRUE(check.ok()) << id << ": " << check.error().to_string();
        EXPECT_TRUE(check->intact) << id << ": " << check->problem;
        auto stored = run_on(io_, backend.store().load(id));
        ASSERT_TRUE(stored.ok()) << id;
        EXPECT_EQ(check->entries, stored->revision) << id << ": one history entry per commit";
    }
}

INSTANTIATE_TEST_SUITE_P(Examples, Scenarios, ::testing::ValuesIn(example_scripts()),
                         scenario_name);

}  // namespace
}  // namespace accord::redis::testing
