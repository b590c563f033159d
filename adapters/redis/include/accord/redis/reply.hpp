// Reply: a Redis reply, copied out of hiredis's. Error replies are not Replies: they come back
// as Errors (storage_error, with Redis's message).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace accord::redis {

struct Reply {
    enum class Type { nil, string, integer, array, status };
    Type type = Type::nil;
    std::string str;  // string and status
    long long integer = 0;
    std::vector<Reply> elements;

    bool is_nil() const { return type == Type::nil; }
};

// A command and its arguments, binary-safe.
using Command = std::vector<std::string>;

// Builds a Command without a std::initializer_list: GCC 12 miscompiles braced lists inside
// co_await expressions ("array used as initializer"), so coroutines use this instead.
template <typename... Args>
Command command_of(Args&&... args) {
    Command c;
    c.reserve(sizeof...(args));
    (c.emplace_back(std::forward<Args>(args)), ...);
    return c;
}

// A Lua script, identified by the SHA1 of its source once loaded.
struct Script {
    std::string name;  // for messages
    std::string source;
    mutable std::string sha1 = {};  // hex, computed on first use
};

const std::string& script_sha1(const Script& script);

// SHA1 as 40 lowercase hex digits, as Redis's redis.sha1hex gives it.
std::string sha1_hex(std::string_view text);
// SHA-256 as 64 lowercase hex digits: what is kept of a bearer token.
std::string sha256_hex(std::string_view text);

}  // namespace accord::redis
