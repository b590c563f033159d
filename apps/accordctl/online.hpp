// accordctl's online commands: REST calls and the feed of an accordd (--server URL, or
// ACCORD_SERVER; --token TOKEN, or ACCORD_TOKEN).
#pragma once

#include <string>
#include <vector>

namespace accord::accordctl {

bool is_online_command(const std::string& command);
// The exit status: 0 done, 1 refused or unreachable, 2 a usage error.
int run_online(const std::string& command, const std::vector<std::string>& args);

}  // namespace accord::accordctl
