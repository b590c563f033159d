// Service: what the REST API asks of the node behind it, as queries and commands. RedisService
// answers them from the durable runtime; a memory one over engine::LocalRuntime lets the Api be
// tested without Redis or sockets. Nothing here names a storage: paging goes by opaque cursors
// that each implementation writes and reads itself.
//
// Thread safety: use it from the executor the Api runs on.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "accord/engine/interpreter.hpp"
#include "accord/engine/result.hpp"

namespace accord::http {

template <typename T>
using Awaitable = boost::asio::awaitable<T>;
using engine::Result;
using engine::TimeMs;

struct StartRequest {
    std::string workflow;
    int version = 0;  // 0: the latest
    engine::json data = engine::json::object();
    std::string business_key;     // empty: none
    std::string idempotency_key;  // empty: none
};

struct Started {
    engine::Instance instance;
    bool created = true;  // false: the business key or the idempotency key was known
};

struct SendOptions {
    std::string idempotency_key;  // empty: none; scoped to the instance
    // Checked on the revision the input is applied to, and on a repeated input's first result:
    // an error refuses the input with it, and nothing changes. The API's rule of who may act on
    // an instance, applied to the revision acted on (not one read earlier).
    std::function<Result<void>(const engine::Instance&, const engine::Definition&)> admit;
    std::string task_id;  // a task to report as the input left it (Sent::task)
};

struct Sent {
    std::shared_ptr<const engine::Instance> instance;  // as the input left it
    // SendOptions::task_id's task as the input left it, closed ones too; nullopt when the
    // instance holds it no longer (an input repeated by its key after the state moved on).
    std::optional<engine::Task> task;
};

// A task queue: a role's, or a person's (assigned to them, or claimed by them with a lease
// still running).
struct TaskQueue {
    bool by_role = true;
    std::string name;
};

// One instance of a list, and the cursor that resumes the list just after it.
struct ListedInstance {
    std::string cursor;
    std::optional<engine::Instance> instance;  // nullopt: gone since it was listed
};

struct ListedTask {
    std::string cursor;
    engine::Task task;
};

struct TaskPage {
    std::vector<ListedTask> items;
    // Some queue gave all the `limit` it was asked for: there may be more after the page.
    bool full = false;
};

struct HistoryItem {
    std::string id;     // the entry's id within its instance's history, ascending
    std::string entry;  // JSON text: the entry, its "at" in ms since the epoch
    std::string hash;   // chains the entry to the one before (tamper evidence)
};

// An answer kept for an Idempotency-Key (Replay::kept_answer routes).
struct KeptAnswer {
    int status = 200;
    std::string content_type;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

struct RequestClaim {
    enum class Kind {
        fresh,     // the key is the caller's: do the write, then keep_answer() or forget_request()
        answered,  // done before: `answer` is the first answer
        busy,      // another request with this key is being served now
        mismatch,  // the key was used for another request (another fingerprint)
    };
    Kind kind = Kind::fresh;
    KeptAnswer answer;  // when answered
};

class Service {
public:
    virtual ~Service() = default;

    // The node's time: the API's "now" for a request (claims' leases, overdue tasks, views).
    virtual TimeMs now() const = 0;

    // ---- Definitions
    // The names of every published workflow, in no particular order.
    virtual Awaitable<Result<std::vector<std::string>>> workflow_names() = 0;
    // version 0: the latest. not_found when there is no such workflow or version.
    virtual Awaitable<Result<engine::DefinitionPtr>> definition(std::string name,
                                                                int version = 0) = 0;
    // The versions of a workflow, ascending.
    virtual Awaitable<Result<std::vector<int>>> definition_versions(std::string name) = 0;
    // REQUIRES: the definition was loaded and validated. The same body again is a no-op; another
    // body under a stored (name, version) is a conflict.
    virtual Awaitable<Result<void>> put_definition(engine::DefinitionPtr definition) = 0;

    // ---- Instances
    // Starts an instance as `actor`, with everything it causes. A known business key (per
    // workflow) or idempotency key (node-wide) starts nothing: the instance it started is
    // answered, created = false.
    virtual Awaitable<Result<Started>> start(StartRequest request, engine::Actor actor) = 0;
    // Applies an input to an instance, then what it causes in others. An idempotency key seen
    // before on this instance applies nothing and answers the first result (if admitted).
    virtual Awaitable<Result<Sent>> send(std::string instance_id, engine::Input input,
                                         SendOptions options) = 0;
    // not_found when there is none.
    virtual Awaitable<Result<engine::Instance>> instance(std::string id) = 0;
    // The instance started under this business key of the workflow, if any.
    virtual Awaitable<Result<std::optional<std::string>>> find_by_key(std::string workflow,
                                                                      std::string key) = 0;
    // Instances of the workflows, newest first (created_at, then id, descending), after the
    // entry whose cursor is `after` (empty: from the newest); at most `limit`, fewer only at the
    // end of the list. invalid_input: `after` is not a cursor of this service (and only then).
    virtual Awaitable<Result<std::vector<ListedInstance>>> list_instances(
        std::vector<std::string> workflows, std::string after, std::size_t limit) = 0;
    // The instance's history, oldest first. not_found when there is no such instance.
    virtual Awaitable<Result<std::vector<HistoryItem>>> history(std::string instance_id) = 0;

    // ---- Tasks
    // A task by id, open or closed. task_not_found when there is none.
    virtual Awaitable<Result<engine::Task>> find_task(std::string task_id) = 0;
    // Open tasks of the queues (a person's as of `now`): up to `limit` of each queue after the
    // task whose cursor is `after` (empty: from the start), merged most urgent first (due time,
    // those without one last; then task id), each task once. The merge ends where the first
    // full page ends (TaskPage::full), so that no task of any queue is missing before its last
    // item. invalid_input: `after` is not a cursor of this service (and only then).
    virtual Awaitable<Result<TaskPage>> open_tasks(std::vector<TaskQueue> queues, std::size_t limit,
                                                   TimeMs now, std::string after) = 0;
    // Completed tasks of the queues (a person's: those they completed; a role's: those of the
    // role), newest first (closed_at, then task id, descending), merged, each once: up to
    // `limit` of each queue before the task whose cursor is `before` (empty: from the newest);
    // the merge ends where the first full page ends, as open_tasks'. An implementation that keeps
    // only the latest completions answers none older than what every queue still holds, so that
    // pages have no gaps. invalid_input: as open_tasks.
    virtual Awaitable<Result<TaskPage>> done_tasks(std::vector<TaskQueue> queues, std::size_t limit,
                                                   std::string before) = 0;

    // ---- Answers kept per Idempotency-Key, for writes that are not inputs to an instance
    // `scope` says whose and where (user, method, path); `fingerprint` stands for the rest of the
    // request (its canonical body), to tell a retry from a reuse. A claim is fresh, then
    // answered (keep_answer) or released (forget_request: nothing was applied, the client may
    // retry). Keys are kept for a while (a day, in Redis), not for ever.
    virtual Awaitable<Result<RequestClaim>> claim_request(std::string scope, std::string key,
                                                          std::string fingerprint) = 0;
    virtual Awaitable<Result<void>> keep_answer(std::string scope, std::string key,
                                                std::string fingerprint, KeptAnswer answer) = 0;
    virtual Awaitable<Result<void>> forget_request(std::string scope, std::string key) = 0;

    // ---- The node
    // Whether the storage answers (/readyz); an error says why not.
    virtual Awaitable<Result<void>> ready() = 0;
    // Prometheus text of the runtime and its storage (commits, open tasks, timers due...),
    // appended to /metrics. Never fails: an unreachable storage shows in the samples.
    virtual Awaitable<std::string> metrics() = 0;
};

}  // namespace accord::http
