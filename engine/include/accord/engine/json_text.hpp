// json_text: compact JSON text, the same bytes as nlohmann's dump(-1, ' ', false,
// error_handler_t::replace), several times faster for the ASCII text a workflow mostly holds:
// nlohmann decodes every byte of every string as UTF-8; this copies runs of plain ASCII and
// hands only strings with other bytes to nlohmann.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace accord::engine {

// Appends `value` as compact JSON to `out`.
void append_json(std::string& out, const nlohmann::json& value);

inline std::string json_text(const nlohmann::json& value) {
    std::string out;
    append_json(out, value);
    return out;
}

}  // namespace accord::engine
