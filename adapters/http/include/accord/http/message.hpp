// A request as the Api sees it, and its response: plain values, no sockets.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace accord::http {

struct Request {
    std::string method;                             // "GET", "POST", ...
    std::vector<std::string> segments;              // the path, split at '/' and percent-decoded
    std::multimap<std::string, std::string> query;  // decoded
    std::string authorization;                      // the header, as sent
    std::string idempotency_key;
    std::string content_type;
    std::string cookie;         // the Cookie header, as sent
    std::string origin;         // the Origin header
    std::string accept_encoding;  // the Accept-Encoding header
    std::string host;           // the Host header
    std::string forwarded_for;  // X-Forwarded-For (believed only from a trusted proxy)
    std::string peer;           // the address the connection came from
    bool tls = false;           // whether it came over TLS
    std::string body;
};

struct Response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra: Retry-After, Location
};

}  // namespace accord::http
