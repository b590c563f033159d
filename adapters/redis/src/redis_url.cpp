// Parsing redis:// URLs.
#include "accord/redis/redis_url.hpp"

#include <charconv>

namespace accord::redis {

using engine::ErrorCode;
using engine::make_error;

namespace {
bool parse_int(std::string_view s, int& out) {
    if (s.empty()) return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
}
}  // namespace

std::string RedisUrl::to_string() const {
    return "redis://" + host + ":" + std::to_string(port) + "/" + std::to_string(db);
}

engine::Result<RedisUrl> parse_redis_url(std::string_view text) {
    constexpr std::string_view scheme = "redis://";
    auto fail = [&](const std::string& why) {
        return make_error(ErrorCode::invalid_input,
                          "not a Redis URL (redis://[:password@]host[:port][/db]): " + why);
    };
    if (!text.starts_with(scheme)) return fail("it must start with redis://");
    std::string_view rest = text.substr(scheme.size());
    RedisUrl url;
    if (auto at = rest.rfind('@'); at != std::string_view::npos) {
        std::string_view auth = rest.substr(0, at);
        if (auto colon = auth.find(':'); colon != std::string_view::npos)
            auth = auth.substr(colon + 1);
        url.password = std::string(auth);
        rest = rest.substr(at + 1);
    }
    std::string_view hostport = rest;
    if (auto slash = rest.find('/'); slash != std::string_view::npos) {
        hostport = rest.substr(0, slash);
        const std::string_view db = rest.substr(slash + 1);
        if (!db.empty() && (!parse_int(db, url.db) || url.db < 0))
            return fail("bad database number");
    }
    if (auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
        if (!parse_int(hostport.substr(colon + 1), url.port) || url.port < 1 || url.port > 65535)
            return fail("bad port");
        hostport = hostport.substr(0, colon);
    }
    if (!hostport.empty()) url.host = std::string(hostport);
    return url;
}

}  // namespace accord::redis
