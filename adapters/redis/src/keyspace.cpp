// Keyspace: key names and the shard function.
#include "accord/redis/keyspace.hpp"

#include <charconv>
#include <cstdint>
#include <stdexcept>

#include "base64url.hpp"

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
std::string Keyspace::dictionaries() const {
    return prefix_ + ":{defs}:dicts";
}
std::string Keyspace::version_dictionaries() const {
    return prefix_ + ":{defs}:dict-of";
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
std::string Keyspace::closed_tasks(std::string_view id) const {
    return tag(shard_of(id)) + "ct:" + std::string(id);
}
std::string Keyspace::role_queue(int shard, std::string_view role) const {
    return tag(shard) + "role:" + std::string(role);
}
std::string Keyspace::assignee_queue(int shard, std::string_view person) const {
    return tag(shard) + "who:" + std::string(person);
}
std::string Keyspace::done_list(int shard, std::string_view field) const {
    return tag(shard) + "done-list:" + std::string(field);
}
std::string Keyspace::done_since(int shard) const {
    return tag(shard) + "done-since";
}
std::string Keyspace::done_field(bool by_role, std::string_view name) {
    return (by_role ? "role:" : "who:") + std::string(name);
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
std::string Keyspace::outbox_parked(int shard) const {
    return tag(shard) + "outbox-parked";
}
std::string Keyspace::timer_wake() const {
    return prefix_ + ":timer-wake";
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

std::string Keyspace::user_names() const {
    return prefix_ + ":{u}:users";
}
std::string Keyspace::user(std::string_view name) const {
    return user_prefix() + std::string(name);
}
std::string Keyspace::user_prefix() const {
    return prefix_ + ":{u}:user:";
}
std::string Keyspace::token(std::string_view sha256_hex) const {
    return token_prefix() + std::string(sha256_hex);
}
std::string Keyspace::token_prefix() const {
    return prefix_ + ":{u}:token:";
}
std::string Keyspace::users_epoch() const {
    return prefix_ + ":{u}:epoch";
}
std::string Keyspace::user_changes() const {
    return prefix_ + ":{u}:changes";
}
std::string Keyspace::session(std::string_view sha256_hex) const {
    return session_prefix() + std::string(sha256_hex);
}
std::string Keyspace::session_prefix() const {
    return prefix_ + ":{u}:session:";
}
std::string Keyspace::units() const {
    return prefix_ + ":{u}:units";
}
std::string Keyspace::notices(std::string_view person, std::string_view part) const {
    return prefix_ + ":{n:" + std::string(person) + "}:" + std::string(part);
}
std::string Keyspace::calendar() const {
    return prefix_ + ":{u}:calendar";
}
std::string Keyspace::audit() const {
    return prefix_ + ":{u}:audit";
}
std::string Keyspace::name_failures(std::string_view name) const {
    return prefix_ + ":{u}:fails:name:" + std::string(name);
}
std::string Keyspace::address_failures(std::string_view address) const {
    return prefix_ + ":{u}:fails:addr:" + std::string(address);
}

std::string FeedCursor::encode() const {
    std::string joined;
    for (std::size_t i = 0; i < ids.size(); ++i) joined += (i ? "," : "") + ids[i];
    return base64url_encode(joined);
}

bool FeedCursor::decode(std::string_view token, int shards, FeedCursor& out) {
    out.ids.assign(static_cast<std::size_t>(shards), "0-0");
    if (token.empty()) return true;
    std::string joined;
    if (!base64url_decode(token, joined)) return false;
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

namespace {

// "<number> <text>" inside a base64url token.
template <typename Position>
engine::Result<std::optional<Position>> decode_position(std::string_view token, const char* what,
                                                        std::int64_t Position::*number,
                                                        std::string Position::*text) {
    if (token.empty()) return std::optional<Position>();
    std::string joined;
    const auto bad = [&] {
        return engine::make_error(engine::ErrorCode::invalid_input,
                                  std::string("not a cursor of ") + what, "cursor");
    };
    if (!base64url_decode(token, joined)) return bad();
    const auto space = joined.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 == joined.size()) return bad();
    Position p;
    const char* end = joined.data() + space;
    auto [ptr, ec] = std::from_chars(joined.data(), end, p.*number);
    if (ec != std::errc{} || ptr != end) return bad();
    p.*text = joined.substr(space + 1);
    return std::optional<Position>(std::move(p));
}

}  // namespace

FeedPosition FeedPosition::parse(std::string_view id) {
    FeedPosition p;
    const auto number = [](std::string_view text, auto& out) {
        std::from_chars(text.data(), text.data() + text.size(), out);
    };
    const auto dot = id.find('.');
    if (dot != std::string_view::npos) {
        number(id.substr(dot + 1), p.k);
        id = id.substr(0, dot);
    }
    const auto dash = id.find('-');
    number(id.substr(0, dash), p.ms);
    if (dash != std::string_view::npos) number(id.substr(dash + 1), p.seq);
    return p;
}

QueuePosition QueuePosition::of(const engine::Task& task) {
    return {task.due_at != 0 ? task.due_at : kNoDue, task.id};
}

std::string QueuePosition::encode() const {
    return base64url_encode(std::to_string(score) + " " + task_id);
}

engine::Result<std::optional<QueuePosition>> QueuePosition::decode(std::string_view token) {
    return decode_position<QueuePosition>(token, "tasks", &QueuePosition::score,
                                          &QueuePosition::task_id);
}

std::string InstancePosition::encode() const {
    return base64url_encode(std::to_string(created_at) + " " + id);
}

engine::Result<std::optional<InstancePosition>> InstancePosition::decode(std::string_view token) {
    return decode_position<InstancePosition>(token, "instances", &InstancePosition::created_at,
                                             &InstancePosition::id);
}

std::string DonePosition::encode() const {
    return base64url_encode(std::to_string(closed_at) + " " + task_id);
}

engine::Result<std::optional<DonePosition>> DonePosition::decode(std::string_view token) {
    return decode_position<DonePosition>(token, "tasks", &DonePosition::closed_at,
                                         &DonePosition::task_id);
}

}  // namespace accord::redis
