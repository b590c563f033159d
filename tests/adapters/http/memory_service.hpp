// MemoryService: the Api's Service in process memory, over engine::LocalRuntime and MemoryStore,
// so that the Api is tested without Redis or sockets. Effects across instances (children,
// starts) happen within the input that causes them. Its time is the clock passed in.
//
// Thread safety: one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "accord/engine/local_runtime.hpp"
#include "accord/engine/memory_store.hpp"
#include "accord/http/service.hpp"

namespace accord::http {

class MemoryService final : public Service {
public:
    explicit MemoryService(std::function<TimeMs()> clock);
    MemoryService(const MemoryService&) = delete;
    MemoryService& operator=(const MemoryService&) = delete;

    engine::MemoryStore& store() { return store_; }

    TimeMs now() const override;

    Awaitable<Result<std::vector<std::string>>> workflow_names() override;
    Awaitable<Result<engine::DefinitionPtr>> definition(std::string name, int version) override;
    Awaitable<Result<std::vector<int>>> definition_versions(std::string name) override;
    Awaitable<Result<void>> put_definition(engine::DefinitionPtr definition) override;

    Awaitable<Result<Started>> start(StartRequest request, engine::Actor actor) override;
    Awaitable<Result<Sent>> send(std::string instance_id, engine::Input input,
                                 SendOptions options) override;
    Awaitable<Result<engine::Instance>> instance(std::string id) override;
    Awaitable<Result<std::optional<std::string>>> find_by_key(std::string workflow,
                                                              std::string key) override;
    Awaitable<Result<std::vector<ListedInstance>>> list_instances(
        std::vector<std::string> workflows, std::string after, std::size_t limit) override;
    Awaitable<Result<std::vector<HistoryItem>>> history(std::string instance_id) override;

    Awaitable<Result<engine::Task>> find_task(std::string task_id) override;
    Awaitable<Result<TaskPage>> open_tasks(std::vector<TaskQueue> queues, std::size_t limit,
                                           TimeMs now, std::string after) override;
    Awaitable<Result<TaskPage>> done_tasks(std::vector<TaskQueue> queues, std::size_t limit,
                                           std::string before) override;

    Awaitable<Result<RequestClaim>> claim_request(std::string scope, std::string key,
                                                  std::string fingerprint) override;
    Awaitable<Result<void>> keep_answer(std::string scope, std::string key, std::string fingerprint,
                                        KeptAnswer answer) override;
    Awaitable<Result<void>> forget_request(std::string scope, std::string key) override;

    Awaitable<Result<void>> ready() override;
    Awaitable<std::string> metrics() override;

private:
    // The LocalRuntime's observer: each commit's history entry, and the tasks it completed.
    void committed(const engine::Step& step);

    std::function<TimeMs()> clock_;
    engine::MemoryStore store_;
    engine::LocalRuntime runtime_{store_};
    std::uint64_t commits_ = 0;
    // Each instance's history as the API shows it: the entry with its revision and effects,
    // chained by a (non-cryptographic) hash of the one before.
    std::map<std::string, std::vector<HistoryItem>, std::less<>> history_;
    std::vector<std::string> completed_;  // task ids, in the order they were completed
    // The first result of each input with an idempotency key: by key for starts, by (instance,
    // key) for the others.
    std::map<std::string, engine::Instance, std::less<>> started_;
    std::map<std::pair<std::string, std::string>, engine::Instance> sent_;
    struct Kept {
        std::string fingerprint;
        std::optional<KeptAnswer> answer;  // nullopt: being served
    };
    std::map<std::pair<std::string, std::string>, Kept> kept_;  // by (scope, key)
};

}  // namespace accord::http
