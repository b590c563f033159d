// libFuzzer target: arbitrary bytes through what every request to accordd goes through — Beast's
// parser with the server's limits, the target's decoding, and the body's JSON checks. Built and
// run by tests/fuzz/run.sh (clang, -fsanitize=fuzzer,address,undefined).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "accord/http/parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    auto request = accord::http::parse_request_bytes(bytes, 16 * 1024, 64 * 1024);
    if (request) {
        auto body = accord::http::parse_body(*request, 64);
        // What the Api relies on: a parsed body is an object, and a refusal says why.
        if (body && !body->is_object()) std::abort();
        if (!body && body.error().message.empty()) std::abort();
    } else if (request.error().message.empty()) {
        std::abort();
    }
    // The depth check alone, on the raw bytes: never reads past the end.
    (void)accord::http::json_too_deep(bytes, 8);
    return 0;
}
