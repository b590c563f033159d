// accordd logs one JSON object a line on stderr: {"time", "level", "msg"}.
#pragma once

#include <string>

namespace accord::accordd {

void use_json_log(const std::string& level);

}  // namespace accord::accordd
