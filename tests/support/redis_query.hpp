// query_redis: one synchronous command against a local redis-server, for the fixtures' readiness
// checks and for tests that inspect a server without the adapter under test.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace accord::testing {

// Sends `command` to 127.0.0.1:port and returns the reply as text: a status or string verbatim,
// an integer in decimal. nullopt if the server can't be reached within a second, or the reply is
// an error, nil or an array.
std::optional<std::string> query_redis(int port, const std::vector<std::string>& command);

}  // namespace accord::testing
