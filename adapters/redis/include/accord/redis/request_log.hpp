// RequestLog: the Idempotency-Key of the API's writes that are not inputs to an instance
// (publishing a definition, moving the dev clock). Instance inputs keep their
// keys inside the commit (RedisStore::commit); these keep the first answer here, for `ttl`, so
// that a retry with the same key gets that answer and changes nothing.
//
// A key is claimed before the write (SET NX of a pending mark, with a fingerprint of the
// request), answered after it (the answer replaces the mark), or forgotten when the write did
// not happen (a 5xx: the client may try again with the same key). The pending mark expires
// after a minute, so a node that died mid-write holds a key back no longer than that.
//
// Thread safety: use it from its client's executor only.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "accord/redis/client.hpp"
#include "accord/redis/redis_store.hpp"

namespace accord::redis {

struct KeptAnswer {
    int status = 200;
    std::string content_type;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // Location, ...
};

struct RequestClaim {
    enum class Kind {
        fresh,     // the key is ours: do the write, then answer() or forget()
        answered,  // done before: `answer` is the first answer
        busy,      // another request with this key is being served now
        mismatch,  // the key was used for a different request (another body or target)
    };
    Kind kind = Kind::fresh;
    KeptAnswer answer;  // when answered
};

class RequestLog {
public:
    // `prefix` as StoreOptions::prefix; keys are "<prefix>:{r}:req:<scope>:<key>".
    RequestLog(std::shared_ptr<Client> client, std::string prefix, std::chrono::seconds ttl);

    // `scope` says whose and where (e.g. "adam POST /api/v1/definitions"); `fingerprint` stands
    // for the rest of the request (a digest of its body), to tell a retry from a reuse.
    Awaitable<Result<RequestClaim>> claim(std::string scope, std::string key,
                                          std::string fingerprint);
    Awaitable<Result<void>> answer(std::string scope, std::string key, std::string fingerprint,
                                   KeptAnswer answer);
    Awaitable<Result<void>> forget(std::string scope, std::string key);

private:
    std::string key_of(const std::string& scope, const std::string& key) const;

    std::shared_ptr<Client> client_;
    std::string prefix_;
    std::chrono::seconds ttl_;
};

}  // namespace accord::redis
