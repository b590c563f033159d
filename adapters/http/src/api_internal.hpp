// Internal to the Api's translation units (api.cpp, api_people.cpp): what a handler has at
// hand, and the small helpers that build answers and read bodies.
#pragma once

#include <algorithm>
#include <cctype>
#include <charconv>

#include "accord/http/api.hpp"
#include "accord/http/views.hpp"

namespace accord::http {

using engine::Error;
using engine::ErrorCode;
using engine::json;
using engine::make_error;
using engine::TimeMs;

// What a handler has at hand.

struct Api::Context {
    Request request;
    std::string route;  // the pattern, for metrics and logs
    std::vector<std::pair<std::string_view, std::string>> params;  // the pattern's {name}s
    Principal who;
    json body;  // the parsed body of a write (an object), once parse_body() succeeded
    TimeMs now = 0;

    std::string param(const std::string& name) const {
        auto it = request.query.find(name);
        return it == request.query.end() ? std::string() : it->second;
    }
    // A "{name}" segment of the route's pattern.
    const std::string& path(std::string_view name) const {
        for (const auto& [n, value] : params)
            if (n == name) return value;
        throw std::logic_error("the route has no {" + std::string(name) + "}");
    }
    // A yes/no query parameter: absent is no; anything but 1/true/yes/0/false/no is refused.
    Result<bool> flag(const std::string& name) const {
        auto it = request.query.find(name);
        if (it == request.query.end()) return false;
        const std::string& v = it->second;
        if (v == "1" || v == "true" || v == "yes") return true;
        if (v == "0" || v == "false" || v == "no") return false;
        return make_error(ErrorCode::invalid_input,
                          name + ": 1, true or yes; 0, false or no (not \"" + v + "\")",
                          "/query/" + name);
    }
};


// The 404 of routes whose part this server was built without ("people", "webhooks").
inline Response not_served(std::string_view what) {
    return problem(404, "not_found", std::string(what) + " are not served here");
}

inline Response json_response(int status, const json& body) {
    Response r;
    r.status = status;
    r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
    return r;
}

inline Response text_response(int status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

// A member of the body that must have a type when present.
inline Result<std::string> string_member(const json& body, const char* name, bool required) {
    auto it = body.find(name);
    if (it == body.end() || it->is_null()) {
        if (required)
            return make_error(ErrorCode::invalid_input, std::string(name) + " is required",
                              std::string("/") + name);
        return std::string();
    }
    if (!it->is_string())
        return make_error(ErrorCode::invalid_input, std::string(name) + " must be a string",
                          std::string("/") + name);
    return it->get<std::string>();
}

inline Result<std::size_t> page_limit(const std::string& text, std::size_t max) {
    if (text.empty()) return std::min<std::size_t>(50, max);
    std::size_t n = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc{} || p != text.data() + text.size() || n == 0)
        return make_error(ErrorCode::invalid_input, "limit must be a positive integer",
                          "/query/limit");
    return std::min(n, max);
}


// The session cookie's name.
inline constexpr std::string_view kSessionCookie = "accord_session";

// A cookie's value in a Cookie header ("a=1; accord_session=..."); empty when absent.
inline std::string cookie_value(std::string_view header, std::string_view name) {
    while (!header.empty()) {
        const auto end = std::min(header.find(';'), header.size());
        std::string_view pair = header.substr(0, end);
        header.remove_prefix(std::min(end + 1, header.size()));
        while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
        const auto eq = pair.find('=');
        if (eq != std::string_view::npos && pair.substr(0, eq) == name)
            return std::string(pair.substr(eq + 1));
    }
    return {};
}

inline bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

}  // namespace accord::http
