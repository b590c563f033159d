// Loading the workflow definitions of a directory into Redis, as a node does at start: each
// (name, version) that Redis does not have yet is stored; one it has is left as it is
// (definitions are immutable), with a warning when the file's body differs.
#pragma once

#include <string>
#include <vector>

#include "accord/redis/redis_store.hpp"

namespace accord::redis {

struct LoadedWorkflows {
    std::vector<std::string> stored;    // "name vN", as now in Redis (new or already there)
    std::vector<std::pair<std::string, int>> added;  // (name, version) stored by this load
    std::vector<std::string> warnings;  // files refused, or differing from the stored version
};

// Reads every *.json of `dir` but schema.json. A file that fails validation is a warning
// naming its problems; the others load. Unavailable Redis is an error.
Awaitable<Result<LoadedWorkflows>> load_workflows(RedisStore& store, std::string dir);

}  // namespace accord::redis
