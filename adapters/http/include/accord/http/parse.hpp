// Turning bytes into a Request and a body into JSON, with the limits every request meets. Kept
// apart from the server so that a fuzzer drives exactly what a client's bytes go through.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include "accord/engine/result.hpp"
#include "accord/http/message.hpp"

namespace accord::http {

// A request from its parts: the target is split into percent-decoded path segments and query
// parameters. A malformed target is invalid_input.
engine::Result<Request> make_request(std::string_view method, std::string_view target,
                                     std::string_view authorization,
                                     std::string_view idempotency_key,
                                     std::string_view content_type, std::string body);

// One HTTP/1.1 request read from `bytes` with Beast's parser, as the server reads it from a
// socket: headers over `max_header` or a body over `max_body` are refused (invalid_input), as is
// anything the parser rejects or a request that is not complete.
engine::Result<Request> parse_request_bytes(std::string_view bytes, std::size_t max_header,
                                            std::size_t max_body);

// Whether `text` nests arrays and objects deeper than `max` (strings are skipped); a cheap
// check before parsing, so that a hostile body can't exhaust the parser's stack.
bool json_too_deep(std::string_view text, std::size_t max);

// A write's body: a JSON object (an empty body is an empty object). Not JSON, nested deeper
// than `max_depth`, or not an object: invalid_json / invalid_input.
engine::Result<nlohmann::json> parse_body(const Request& request, std::size_t max_depth);

}  // namespace accord::http
