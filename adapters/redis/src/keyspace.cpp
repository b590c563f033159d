// Keyspace: key names and the shard function.
#include "accord/redis/keyspace.hpp"

#include <cstdint>
#include <stdexcept>

namespace accord::redis {

namespace {

// FNV-1a: stable across builds and machines, which std::hash is not.
std::uint32_t fnv1a(std::string_view s, std::uint32_t h = 2166136261u) {
    for (unsigned char c : s) {
        h ^= c;
        h *= 16777619u;
    }
    return h;
}

constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url(std::string_view in) {
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (unsigned char c : in) {
        acc = (acc << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += kBase64Url[(acc >> bits) & 63];
        }
    }
    if (bits > 0) out += kBase64Url[(acc << (6 - bits)) & 63];
    return out;
}

bool unbase64url(std::string_view in, std::string& out) {
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
        const char* p = std::char_traits<char>::find(kBase64Url, 64, c);
        if (p == nullptr) return false;
        acc = (acc << 6) | static_cast<std::uint32_t>(p - kBase64Url);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    return true;
}

// "<ms>-<seq>", optionally followed by ".<events delivered of that entry>".
bool is_stream_id(std::string_view s) {
    if (auto dot = s.find('.'); dot != std::string_view::npos) {
        const std::string_view k = s.substr(dot + 1);
        if (k.empty() || k.find_first_not_of("0123456789") != std::string_view::npos) return false;
        s = s.substr(0, dot);
    }
    auto dash = s.find('-');
    if (dash == std::string_view::npos || dash == 0 || dash + 1 == s.size()) return false;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (i != dash && (s[i] < '0' || s[i] > '9')) return false;
    return true;
}

}  // namespace

Keyspace::Keyspace(std::string prefix, int shards) : prefix_(std::move(prefix)), shards_(shards) {
    if (prefix_.empty() || prefix_.find_first_of("{}") != std::string::npos)
        throw std::invalid_argument("a key prefix is not empty and has no braces");
    if (shards_ < 1 || shards_ > 1024) throw std::invalid_argument("shards: between 1 and 1024");
}

int Keyspace::shard_of(std::string_view id) const {
    return static_cast<int>(fnv1a(id) % static_cast<std::uint32_t>(shards_));
}

int Keyspace::shard_of_key(std::string_view workflow, std::string_view key) const {
    return static_cast<int>(fnv1a(key, fnv1a("\x1f", fnv1a(workflow))) %
                            static_cast<std::uint32_t>(shards_));
}

std::string_view Keyspace::instance_of(std::string_view id) {
    auto dot = id.rfind('.');
    return dot == std::string_view::npos ? id : id.substr(0, dot);
}

std::string Keyspace::tag(int shard) const {
    return prefix_ + ":{s" + std::to_string(shard) + "}:";
}

std::string Keyspace::meta() const {
    return prefix_ + ":meta";
}
std::string Keyspace::clock() const {
    return prefix_ + ":clock";
}
std::string Keyspace::definition_names() const {
    return prefix_ + ":{defs}:names";
}
std::string Keyspace::definition_versions(std::string_view workflow) const {
    return prefix_ + ":{defs}:wf:" + std::string(workflow);
}
std::string Keyspace::definition_latest() const {
    return prefix_ + ":{defs}:latest";
}

std::string Keyspace::instance(std::string_view id) const {
    return instance_prefix(shard_of(id)) + std::string(id);
}
std::string Keyspace::instance_prefix(int shard) const {
    return tag(shard) + "i:";
}
std::string Keyspace::history(std::string_view id) const {
    return tag(shard_of(id)) + "h:" + std::string(id);
}
std::string Keyspace::role_queue(int shard, std::string_view role) const {
    return tag(shard) + "role:" + std::string(role);
}
std::string Keyspace::assignee_queue(int shard, std::string_view person) const {
    return tag(shard) + "who:" + std::string(person);
}
std::string Keyspace::timers(int shard) const {
    return tag(shard) + "timers";
}
std::string Keyspace::feed(int shard) const {
    return tag(shard) + "feed";
}
std::string Keyspace::outbox(int shard) const {
    return tag(shard) + "outbox";
}
std::string Keyspace::idempotency(int shard, std::string_view scope, std::string_view key) const {
    return tag(shard) + "idem:" + std::string(scope) + ":" + std::string(key);
}
std::string Keyspace::business_keys(int shard) const {
    return tag(shard) + "keys";
}
std::string Keyspace::workflow_instances(int shard, std::string_view workflow) const {
    return tag(shard) + "wf:" + std::string(workflow);
}

std::string FeedCursor::encode() const {
    std::string joined;
    for (std::size_t i = 0; i < ids.size(); ++i) joined += (i ? "," : "") + ids[i];
    return base64url(joined);
}

bool FeedCursor::decode(std::string_view token, int shards, FeedCursor& out) {
    out.ids.assign(static_cast<std::size_t>(shards), "0-0");
    if (token.empty()) return true;
    std::string joined;
    if (!unbase64url(token, joined)) return false;
    std::vector<std::string> ids;
    std::size_t start = 0;
    while (true) {
        auto comma = joined.find(',', start);
        ids.push_back(joined.substr(start, comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    if (ids.size() != static_cast<std::size_t>(shards)) return false;
    for (const auto& id : ids)
        if (!is_stream_id(id)) return false;
    out.ids = std::move(ids);
    return true;
}

}  // namespace accord::redis
