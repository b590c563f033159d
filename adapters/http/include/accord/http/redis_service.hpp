// RedisService: the Service of accordd, over the durable runtime and its RedisStore. Cursors
// are the store's positions (InstancePosition, QueuePosition, DonePosition) encoded; answers
// kept per Idempotency-Key live in Redis (redis::RequestLog). It lives here rather than in
// adapters/redis so that the Redis adapter knows nothing of HTTP.
//
// Thread safety: use it from the runtime's executor only.
#pragma once

#include "accord/http/service.hpp"
#include "accord/redis/request_log.hpp"
#include "accord/redis/runtime.hpp"

namespace accord::http {

class RedisService final : public Service {
public:
    explicit RedisService(redis::Runtime& runtime);

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

    redis::Runtime& runtime() { return runtime_; }

private:
    redis::Runtime& runtime_;
    redis::RedisStore& store_;
    redis::RequestLog requests_;
};

}  // namespace accord::http
