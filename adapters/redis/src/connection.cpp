// Connection: hiredis's blocking API behind Result.
#include "accord/redis/connection.hpp"

#include <hiredis.h>

#include "hiredis_reply.hpp"

#include <algorithm>

namespace accord::redis {

using engine::Error;
using engine::ErrorCode;
using engine::make_error;
using engine::Result;

namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
    return timeval{static_cast<time_t>(ms.count() / 1000),
                   static_cast<suseconds_t>(ms.count() % 1000 * 1000)};
}

}  // namespace

Result<Connection> Connection::open(const RedisUrl& url, std::chrono::milliseconds timeout) {
    Connection c(url, timeout);
    if (auto r = c.connect(); !r) return r.error();
    return c;
}

Connection::Connection(Connection&& other) noexcept
    : url_(std::move(other.url_)),
      timeout_(other.timeout_),
      ctx_(other.ctx_),
      shas_(std::move(other.shas_)) {
    other.ctx_ = nullptr;
}

Connection& Connection::operator=(Connection&& other) noexcept {
    if (this != &other) {
        drop();
        url_ = std::move(other.url_);
        timeout_ = other.timeout_;
        ctx_ = other.ctx_;
        shas_ = std::move(other.shas_);
        other.ctx_ = nullptr;
    }
    return *this;
}

Connection::~Connection() {
    drop();
}

void Connection::drop() {
    if (ctx_ != nullptr) redisFree(ctx_);
    ctx_ = nullptr;
}

Result<void> Connection::connect() {
    drop();
    const timeval tv = to_timeval(timeout_);
    redisContext* ctx = redisConnectWithTimeout(url_.host.c_str(), url_.port, tv);
    if (ctx == nullptr)
        return make_error(ErrorCode::unavailable,
                          "Redis at " + url_.to_string() + ": out of memory");
    if (ctx->err != 0) {
        std::string why = ctx->errstr;
        redisFree(ctx);
        return make_error(ErrorCode::unavailable,
                          "Redis at " + url_.to_string() + " is unreachable: " + why);
    }
    redisSetTimeout(ctx, tv);
    ctx_ = ctx;
    if (!url_.password.empty()) {
        if (auto r = run({"AUTH", url_.password}); !r) {
            drop();
            return r.error();
        }
    }
    if (url_.db != 0) {
        if (auto r = run({"SELECT", std::to_string(url_.db)}); !r) {
            drop();
            return r.error();
        }
    }
    return engine::Ok{};
}

Result<Reply> Connection::run(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    argv.reserve(args.size());
    lens.reserve(args.size());
    for (const auto& a : args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
    }
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(ctx_, static_cast<int>(args.size()), argv.data(), lens.data()));
    if (reply == nullptr) {
        // The connection is broken (or timed out): its state is unknown, so it is not reused.
        std::string why = ctx_->errstr;
        drop();
        return make_error(ErrorCode::unavailable, "Redis at " + url_.to_string() + ": " + why);
    }
    Result<Reply> out = reply->type == REDIS_REPLY_ERROR
                            ? Result<Reply>(make_error(ErrorCode::storage_error,
                                                       std::string(reply->str, reply->len)))
                            : Result<Reply>(copy_reply(reply));
    freeReplyObject(reply);
    return out;
}

Result<Reply> Connection::command(const std::vector<std::string>& args) {
    if (ctx_ == nullptr) {
        if (auto r = connect(); !r) return r.error();
    }
    return run(args);
}

Result<Reply> Connection::eval(const Script& script, const std::vector<std::string>& keys,
                               const std::vector<std::string>& args) {
    auto known = std::find_if(shas_.begin(), shas_.end(),
                              [&](const auto& s) { return s.first == script.name; });
    auto load = [&]() -> Result<std::string> {
        auto r = command({"SCRIPT", "LOAD", script.source});
        if (!r) return r.error();
        if (known == shas_.end()) {
            shas_.emplace_back(script.name, r->str);
            known = shas_.end() - 1;
        } else {
            known->second = r->str;
        }
        return r->str;
    };
    if (known == shas_.end()) {
        if (auto r = load(); !r) return r.error();
    }
    std::vector<std::string> call{"EVALSHA", known->second, std::to_string(keys.size())};
    call.insert(call.end(), keys.begin(), keys.end());
    call.insert(call.end(), args.begin(), args.end());
    auto r = command(call);
    if (!r && r.error().code == ErrorCode::storage_error &&
        r.error().message.starts_with("NOSCRIPT")) {
        if (auto loaded = load(); !loaded) return loaded.error();
        call[1] = known->second;
        return command(call);
    }
    if (!r && r.error().code == ErrorCode::storage_error)
        return make_error(ErrorCode::storage_error,
                          "script " + script.name + ": " + r.error().message);
    return r;
}

}  // namespace accord::redis
