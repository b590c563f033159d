// load_workflows: files -> definitions (validated against the directory's catalog) -> Redis.
#include "accord/redis/workflow_loader.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "accord/engine/validator.hpp"

namespace accord::redis {

namespace fs = std::filesystem;
using engine::ErrorCode;
using engine::json;

namespace {

struct Candidate {
    std::string file;
    engine::LoadResult loaded;
};

// Plain function: the files are read and checked before any Redis call.
std::vector<Candidate> read_definitions(const std::string& dir,
                                        std::vector<std::string>& warnings) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
        if (entry.is_regular_file() && entry.path().extension() == ".json" &&
            entry.path().filename() != "schema.json")
            files.push_back(entry.path());
    if (ec) warnings.push_back(dir + ": " + ec.message());
    std::sort(files.begin(), files.end());
    std::vector<std::pair<std::string, std::string>> texts;
    std::set<std::string, std::less<>> names;
    for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        texts.emplace_back(f.string(), s.str());
        const json doc = json::parse(texts.back().second, nullptr, false);
        if (doc.is_object() && doc.contains("workflow") && doc["workflow"].is_string())
            names.insert(doc["workflow"].get<std::string>());
    }
    const engine::WorkflowCatalog catalog = [&](std::string_view n) { return names.count(n) > 0; };
    std::vector<Candidate> out;
    for (auto& [file, text] : texts) {
        Candidate c{file, engine::load_definition_text(text, catalog)};
        if (!c.loaded.ok()) {
            warnings.push_back(
                file + ": refused: " + engine::definition_error(c.loaded.diagnostics).message);
            continue;
        }
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace

Awaitable<Result<LoadedWorkflows>> load_workflows(RedisStore& store, std::string dir) {
    LoadedWorkflows report;
    std::vector<Candidate> candidates = read_definitions(dir, report.warnings);
    for (const auto& c : candidates) {
        const auto& def = c.loaded.definition;
        const std::string label = def->name + " v" + std::to_string(def->version);
        auto put = co_await store.store_definition(def);
        if (!put && put.error().code != ErrorCode::conflict) co_return put.error();
        if (!put)
            report.warnings.push_back(c.file + ": " + label +
                                      " is stored with another body, which stays (definitions "
                                      "are immutable: publish a new version)");
        else if (*put)
            report.added.emplace_back(def->name, def->version);
        report.stored.push_back(label);
    }
    co_return report;
}

}  // namespace accord::redis
