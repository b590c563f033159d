// Client: routing by hash slot, redirections, scripts by SHA1, and the awaitable forms.
#include "accord/redis/client.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <stdexcept>

#include <openssl/evp.h>

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace accord::redis {

namespace asio = boost::asio;
using engine::ErrorCode;
using engine::make_error;
using engine::Result;

namespace {

constexpr int kSlots = 16384;
constexpr int kMaxRedirects = 5;

std::uint16_t crc16(std::string_view s) {
    std::uint16_t crc = 0;
    for (unsigned char c : s) {
        crc ^= static_cast<std::uint16_t>(c << 8);
        for (int i = 0; i < 8; ++i)
            crc = (crc & 0x8000) ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021)
                                 : static_cast<std::uint16_t>(crc << 1);
    }
    return crc;
}

// "MOVED 3999 127.0.0.1:6381" -> slot, host, port
bool parse_redirect(const std::string& message, int& slot, std::string& host, int& port) {
    auto sp1 = message.find(' ');
    auto sp2 = message.find(' ', sp1 + 1);
    auto colon = message.rfind(':');
    if (sp1 == std::string::npos || sp2 == std::string::npos || colon == std::string::npos ||
        colon < sp2)
        return false;
    slot = std::atoi(message.c_str() + sp1 + 1);
    host = message.substr(sp2 + 1, colon - sp2 - 1);
    port = std::atoi(message.c_str() + colon + 1);
    return port > 0 && slot >= 0 && slot < kSlots;
}

// An OpenSSL digest, its implementation fetched once: fetching on every call costs more than
// the hashing. Each user keeps one per thread.
class Digest {
public:
    Digest(const char* algorithm, unsigned int size)
        : algorithm_(algorithm), size_(size), md_(EVP_MD_fetch(nullptr, algorithm, nullptr)) {}
    ~Digest() {
        EVP_MD_CTX_free(ctx_);
        EVP_MD_free(md_);
    }
    Digest(const Digest&) = delete;
    Digest& operator=(const Digest&) = delete;

    // The digest of `text` as lowercase hex.
    std::string hex(std::string_view text) {
        unsigned char d[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        if (md_ == nullptr || ctx_ == nullptr || EVP_DigestInit_ex2(ctx_, md_, nullptr) != 1 ||
            EVP_DigestUpdate(ctx_, text.data(), text.size()) != 1 ||
            EVP_DigestFinal_ex(ctx_, d, &n) != 1 || n != size_)
            throw std::runtime_error(std::string("OpenSSL ") + algorithm_ + " failed");
        static constexpr char kHex[] = "0123456789abcdef";
        std::string out(2 * n, '0');
        for (unsigned int i = 0; i < n; ++i) {
            out[2 * i] = kHex[d[i] >> 4];
            out[2 * i + 1] = kHex[d[i] & 15];
        }
        return out;
    }

private:
    const char* algorithm_;
    unsigned int size_;
    EVP_MD* md_;
    EVP_MD_CTX* ctx_ = EVP_MD_CTX_new();
};

}  // namespace

// A commit hashes its history entry: about 1 KB, well under a microsecond.
std::string sha1_hex(std::string_view text) {
    thread_local Digest sha1("SHA1", 20);
    return sha1.hex(text);
}

std::string sha256_hex(std::string_view text) {
    thread_local Digest sha256("SHA256", 32);
    return sha256.hex(text);
}

const std::string& script_sha1(const Script& script) {
    if (script.sha1.empty()) script.sha1 = sha1_hex(script.source);
    return script.sha1;
}

int key_slot(std::string_view key) {
    auto open = key.find('{');
    if (open != std::string_view::npos) {
        auto close = key.find('}', open + 1);
        if (close != std::string_view::npos && close > open + 1)
            key = key.substr(open + 1, close - open - 1);
    }
    return crc16(key) % kSlots;
}

Call Call::cmd(std::string route, Command command) {
    return Call{std::move(route), std::move(command), nullptr};
}

Call Call::eval(const Script& script, std::vector<std::string> keys,
                std::vector<std::string> args) {
    Call c;
    c.script = &script;
    c.route = keys.empty() ? std::string() : keys.front();
    c.command.reserve(1 + keys.size() + args.size());
    c.command.push_back(std::to_string(keys.size()));
    for (auto& k : keys) c.command.push_back(std::move(k));
    for (auto& a : args) c.command.push_back(std::move(a));
    return c;
}

Result<std::shared_ptr<Client>> Client::create(asio::any_io_executor executor, std::string_view url,
                                               ConnectionOptions options) {
    constexpr std::string_view kCluster = "redis+cluster://";
    if (!url.starts_with(kCluster)) {
        auto u = parse_redis_url(url);
        if (!u) return u.error();
        return std::make_shared<Client>(std::move(executor), false,
                                        std::vector<RedisUrl>{u.value()}, options);
    }
    std::string_view rest = url.substr(kCluster.size());
    std::string credentials;
    if (auto at = rest.rfind('@'); at != std::string_view::npos) {
        credentials = std::string(rest.substr(0, at + 1));
        rest = rest.substr(at + 1);
    }
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    std::vector<RedisUrl> seeds;
    while (!rest.empty()) {
        auto comma = rest.find(',');
        auto one = rest.substr(0, comma);
        auto u = parse_redis_url("redis://" + credentials + std::string(one));
        if (!u) return u.error();
        if (u->db != 0)
            return make_error(ErrorCode::invalid_input, "Redis Cluster has only database 0");
        seeds.push_back(u.value());
        if (comma == std::string_view::npos) break;
        rest = rest.substr(comma + 1);
    }
    if (seeds.empty())
        return make_error(ErrorCode::invalid_input, "a cluster URL needs at least one host:port");
    return std::make_shared<Client>(std::move(executor), true, std::move(seeds), options);
}

Client::Client(asio::any_io_executor executor, bool cluster, std::vector<RedisUrl> seeds,
               ConnectionOptions options)
    : executor_(std::move(executor)), cluster_(cluster), options_(options), base_(seeds.front()) {
    for (auto& s : seeds) nodes_.push_back(AsyncConnection::create(executor_, s, options_));
    if (cluster_) slots_.assign(kSlots, 0);
}

std::shared_ptr<Client> Client::sibling(ConnectionOptions options) const {
    std::vector<RedisUrl> seeds;
    for (const auto& n : nodes_) seeds.push_back(n->url());
    return std::make_shared<Client>(executor_, cluster_, std::move(seeds), options);
}

std::string Client::describe() const {
    std::string out = cluster_ ? "Redis Cluster " : "Redis ";
    for (std::size_t i = 0; i < nodes_.size(); ++i)
        out += (i ? "," : "") + nodes_[i]->url().to_string();
    return out;
}

std::size_t Client::node_for(const std::string& host, int port) {
    for (std::size_t i = 0; i < nodes_.size(); ++i)
        if (nodes_[i]->url().host == host && nodes_[i]->url().port == port) return i;
    RedisUrl u = base_;
    u.host = host;
    u.port = port;
    nodes_.push_back(AsyncConnection::create(executor_, u, options_));
    return nodes_.size() - 1;
}

void Client::send(Call call, ReplyHandler done) {
    const std::size_t node = cluster_ ? slots_[key_slot(call.route)] : 0;
    send_to(node, std::move(call), 0, false, std::move(done));
}

bool Client::input_pending(const std::string& route) const {
    return nodes_[cluster_ ? slots_[key_slot(route)] : 0]->input_pending();
}

void Client::send_to(std::size_t node, Call call, int redirects, bool asking, ReplyHandler done) {
    auto conn = nodes_[node];
    if (asking) conn->send(command_of("ASKING"), [](Result<Reply>) {});
    // Formatted for the wire here, before `call` moves into the reply handler (which keeps it
    // for a redirection or a NOSCRIPT).
    if (call.script == nullptr && call.command.empty()) return conn->send({}, std::move(done));
    thread_local std::string wire;
    if (call.script != nullptr)
        AsyncConnection::format("EVALSHA", script_sha1(*call.script), call.command, wire);
    else
        AsyncConnection::format({}, {}, call.command, wire);
    // The handler holds the client weakly: a reply that never comes (a node that stays away
    // until the end) must not keep the client and its connections alive in a cycle. Once the
    // client is gone, the reply is handed on as it is.
    conn->send_formatted(wire, [weak = weak_from_this(), node, call = std::move(call), redirects,
                                asking, done = std::move(done)](Result<Reply> r) mutable {
        auto self = weak.lock();
        if (!self) return done(std::move(r));
        if (!r.ok() && r.error().code == ErrorCode::unavailable) {
            // The node is away: in a cluster its slots may have moved to a replica meanwhile.
            self->refresh_slots();
            return done(std::move(r));
        }
        if (r.ok() || r.error().code != ErrorCode::storage_error) return done(std::move(r));
        const std::string& msg = r.error().message;
        if (call.script != nullptr && msg.starts_with("NOSCRIPT")) {
            // This server does not know the script yet: EVAL sends it in full (and caches it).
            Command full{"EVAL", call.script->source};
            full.insert(full.end(), call.command.begin(), call.command.end());
            const Script* script = call.script;
            call.script = nullptr;
            call.command = std::move(full);
            return self->send_to(
                node, std::move(call), redirects, asking,
                [script, done = std::move(done)](Result<Reply> again) {
                    if (!again.ok() && again.error().code == ErrorCode::storage_error)
                        return done(
                            make_error(ErrorCode::storage_error,
                                       "script " + script->name + ": " + again.error().message));
                    done(std::move(again));
                });
        }
        int slot = 0, port = 0;
        std::string host;
        const bool moved = msg.starts_with("MOVED ");
        if ((moved || msg.starts_with("ASK ")) && parse_redirect(msg, slot, host, port)) {
            if (redirects >= kMaxRedirects)
                return done(
                    make_error(ErrorCode::unavailable, "Redis Cluster keeps redirecting slot " +
                                                           std::to_string(slot) + ": resharding?"));
            const std::size_t target = self->node_for(host, port);
            if (moved) {
                self->slots_[static_cast<std::size_t>(slot)] = static_cast<std::uint16_t>(target);
                self->refresh_slots();
            }
            return self->send_to(target, std::move(call), redirects + 1, !moved, std::move(done));
        }
        if (msg.starts_with("CLUSTERDOWN") || msg.starts_with("TRYAGAIN") ||
            msg.starts_with("LOADING") || msg.starts_with("MASTERDOWN")) {
            self->refresh_slots();
            return done(make_error(ErrorCode::unavailable, "Redis: " + msg));
        }
        if (msg.starts_with("OOM "))
            return done(make_error(ErrorCode::unavailable,
                                   "Redis is out of memory (maxmemory, noeviction): " + msg));
        if (call.script != nullptr)
            return done(
                make_error(ErrorCode::storage_error, "script " + call.script->name + ": " + msg));
        done(std::move(r));
    });
}

// CLUSTER SLOTS: [[start, end, [host, port, id], replicas...], ...]
void Client::apply_slots(const Reply& r) {
    if (r.type != Reply::Type::array) return;
    for (const Reply& range : r.elements) {
        if (range.elements.size() < 3 || range.elements[2].elements.size() < 2) continue;
        const auto& master = range.elements[2];
        const std::size_t node =
            node_for(master.elements[0].str, static_cast<int>(master.elements[1].integer));
        for (long long s = range.elements[0].integer; s <= range.elements[1].integer && s < kSlots;
             ++s)
            slots_[static_cast<std::size_t>(s)] = static_cast<std::uint16_t>(node);
    }
}

// Asks the known nodes in turn until one answers: after a failover the node that was asked
// last may be the one that is gone.
void Client::refresh_slots() {
    const auto now = std::chrono::steady_clock::now();
    if (!cluster_ || refreshing_ || now - last_refresh_ < std::chrono::milliseconds(100)) return;
    refreshing_ = true;
    last_refresh_ = now;
    ask_slots(0);
}

void Client::ask_slots(std::size_t node) {
    if (node >= nodes_.size()) {
        refreshing_ = false;
        return;
    }
    nodes_[node]->send(command_of("CLUSTER", "SLOTS"),
                       [weak = weak_from_this(), node](Result<Reply> r) {
                           auto self = weak.lock();
                           if (!self) return;  // (see send_to)
                           if (!r || r->type != Reply::Type::array || r->elements.empty())
                               return self->ask_slots(node + 1);
                           self->refreshing_ = false;
                           self->apply_slots(r.value());
                       });
}

asio::awaitable<Result<void>> Client::connect() {
    if (!cluster_) {
        auto r = co_await command("", command_of("PING"));
        if (!r) co_return r.error();
        co_return engine::Ok{};
    }
    Result<Reply> last = make_error(ErrorCode::unavailable, "no seed node answered");
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
        last = co_await call_node(i, command_of("CLUSTER", "SLOTS"));
        if (last) {
            apply_slots(last.value());
            co_return engine::Ok{};
        }
    }
    co_return last.error();
}

// The awaitable forms are not coroutines themselves: each returns the operation, which owns
// its arguments until it completes.
asio::awaitable<Result<Reply>> Client::call_node(std::size_t node, Command command) {
    return asio::async_initiate<decltype(asio::use_awaitable), void(Result<Reply>)>(
        [self = shared_from_this(), node](auto handler, Command cmd) {
            auto h = std::make_shared<decltype(handler)>(std::move(handler));
            self->nodes_[node]->send(cmd, [h](Result<Reply> r) { (*h)(std::move(r)); });
        },
        asio::use_awaitable, std::move(command));
}

asio::awaitable<Result<Reply>> Client::call(Call c) {
    return asio::async_initiate<decltype(asio::use_awaitable), void(Result<Reply>)>(
        [self = shared_from_this()](auto handler, Call call) {
            auto h = std::make_shared<decltype(handler)>(std::move(handler));
            self->send(std::move(call), [h](Result<Reply> r) { (*h)(std::move(r)); });
        },
        asio::use_awaitable, std::move(c));
}

asio::awaitable<Result<Reply>> Client::command(std::string route, Command command) {
    return call(Call::cmd(std::move(route), std::move(command)));
}

asio::awaitable<Result<Reply>> Client::eval(const Script& script, std::vector<std::string> keys,
                                            std::vector<std::string> args) {
    return call(Call::eval(script, std::move(keys), std::move(args)));
}

asio::awaitable<std::vector<Result<Reply>>> Client::all(std::vector<Call> calls) {
    using Replies = std::vector<Result<Reply>>;
    return asio::async_initiate<decltype(asio::use_awaitable), void(Replies)>(
        [self = shared_from_this()](auto handler, std::vector<Call> batch) {
            struct Gather {
                decltype(handler) h;
                std::vector<std::optional<Result<Reply>>> got;
                std::size_t left;
            };
            auto g = std::make_shared<Gather>(
                Gather{std::move(handler), std::vector<std::optional<Result<Reply>>>(batch.size()),
                       batch.size()});
            if (batch.empty()) {
                asio::post(self->executor_, [g] { g->h(Replies{}); });
                return;
            }
            for (std::size_t i = 0; i < batch.size(); ++i) {
                self->send(std::move(batch[i]), [g, i](Result<Reply> r) {
                    g->got[i].emplace(std::move(r));
                    if (--g->left > 0) return;
                    Replies out;
                    out.reserve(g->got.size());
                    for (auto& x : g->got) out.push_back(std::move(*x));
                    g->h(std::move(out));
                });
            }
        },
        asio::use_awaitable, std::move(calls));
}

asio::awaitable<std::vector<Result<Reply>>> Client::on_every_node(Command command) {
    std::vector<std::size_t> masters{0};
    if (cluster_) {
        // The nodes that own slots now: masters as the cluster knows them, not only the seeds.
        masters.assign(slots_.begin(), slots_.end());
        std::sort(masters.begin(), masters.end());
        masters.erase(std::unique(masters.begin(), masters.end()), masters.end());
    }
    std::vector<Result<Reply>> out;
    for (std::size_t node : masters) out.push_back(co_await call_node(node, command));
    co_return out;
}

}  // namespace accord::redis
