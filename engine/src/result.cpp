// Names and text of engine errors.
#include "accord/engine/result.hpp"

namespace accord::engine {

const char* error_code_name(ErrorCode code) {
    switch (code) {
        case ErrorCode::invalid_json:
            return "invalid_json";
        case ErrorCode::invalid_definition:
            return "invalid_definition";
        case ErrorCode::invalid_data:
            return "invalid_data";
        case ErrorCode::invalid_field:
            return "invalid_field";
        case ErrorCode::invalid_input:
            return "invalid_input";
        case ErrorCode::unknown_event:
            return "unknown_event";
        case ErrorCode::event_not_allowed:
            return "event_not_allowed";
        case ErrorCode::no_transition:
            return "no_transition";
        case ErrorCode::task_not_found:
            return "task_not_found";
        case ErrorCode::task_closed:
            return "task_closed";
        case ErrorCode::forbidden:
            return "forbidden";
        case ErrorCode::instance_finished:
            return "instance_finished";
        case ErrorCode::not_found:
            return "not_found";
        case ErrorCode::conflict:
            return "conflict";
        case ErrorCode::runtime_error:
            return "runtime_error";
        case ErrorCode::unavailable:
            return "unavailable";
        case ErrorCode::storage_error:
            return "storage_error";
    }
    return "unknown";
}

std::string Error::to_string() const {
    std::string out = error_code_name(code);
    out += ": ";
    if (!pointer.empty()) {
        out += pointer;
        out += ": ";
    }
    out += message;
    return out;
}

}  // namespace accord::engine
