#include "accord/http/parse.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/url/parse.hpp>

namespace accord::http {

using engine::ErrorCode;
using json = nlohmann::json;
using engine::make_error;
using engine::Result;

Result<Request> make_request(std::string_view method, std::string_view target,
                             std::string_view authorization, std::string_view idempotency_key,
                             std::string_view content_type, std::string body) {
    Request r;
    r.method = std::string(method);
    auto url = boost::urls::parse_origin_form(target);
    if (!url) return make_error(ErrorCode::invalid_input, "malformed request target");
    for (auto segment : url->segments())
        if (!segment.empty()) r.segments.push_back(std::move(segment));
    for (auto param : url->params()) r.query.emplace(std::move(param.key), std::move(param.value));
    r.authorization = std::string(authorization);
    r.idempotency_key = std::string(idempotency_key);
    r.content_type = std::string(content_type);
    r.body = std::move(body);
    return r;
}

Result<Request> parse_request_bytes(std::string_view bytes, std::size_t max_header,
                                    std::size_t max_body) {
    namespace bhttp = boost::beast::http;
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(max_header));
    parser.body_limit(max_body);
    parser.eager(true);
    boost::beast::error_code ec;
    std::size_t used = 0;
    while (used < bytes.size() && !parser.is_done()) {
        const std::size_t n =
            parser.put(boost::asio::buffer(bytes.data() + used, bytes.size() - used), ec);
        if (ec == bhttp::error::need_more) break;
        if (ec) return make_error(ErrorCode::invalid_input, ec.message());
        if (n == 0) break;
        used += n;
    }
    if (!parser.is_done()) {
        if (!parser.got_some()) return make_error(ErrorCode::invalid_input, "an empty request");
        parser.put_eof(ec);
        if (ec || !parser.is_done())
            return make_error(ErrorCode::invalid_input, "an incomplete request");
    }
    auto& raw = parser.get();
    return make_request(raw.method_string(), raw.target(), raw[bhttp::field::authorization],
                        raw["Idempotency-Key"], raw[bhttp::field::content_type],
                        std::move(raw.body()));
}

bool json_too_deep(std::string_view text, std::size_t max) {
    std::size_t depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max) return true;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return false;
}

Result<json> parse_body(const Request& r, std::size_t max_depth) {
    if (r.body.empty()) return json::object();
    if (json_too_deep(r.body, max_depth))
        return make_error(ErrorCode::invalid_json,
                          "the body nests deeper than " + std::to_string(max_depth) + " levels");
    json j = json::parse(r.body, nullptr, false);
    if (j.is_discarded()) {
        // Parsed again for the parser's message (where it stopped): only for bad bodies.
        try {
            const json again = json::parse(r.body);
            (void)again;
        } catch (const json::exception& e) {
            return make_error(ErrorCode::invalid_json, std::string("malformed JSON: ") + e.what());
        }
        return make_error(ErrorCode::invalid_json, "malformed JSON");
    }
    if (!j.is_object())
        return make_error(ErrorCode::invalid_input, "the body must be a JSON object");
    return j;
}

}  // namespace accord::http
