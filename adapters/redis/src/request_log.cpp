// RequestLog: an Idempotency-Key's first answer kept in Redis, claimed once, replayed after.
#include "accord/redis/request_log.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "accord/redis/reply.hpp"

namespace accord::redis {

namespace {

using engine::ErrorCode;
using engine::make_error;

constexpr long long kPendingSeconds = 60;

// Stored as JSON: {"fp": fingerprint} while pending, with "status", "type", "body" once answered.
Result<RequestClaim> claim_of(const std::string& stored, const std::string& fingerprint) {
    const auto doc = nlohmann::json::parse(stored, nullptr, false);
    if (!doc.is_object() || !doc.contains("fp") || !doc["fp"].is_string())
        return make_error(ErrorCode::storage_error, "a kept request record is malformed");
    RequestClaim claim;
    if (doc["fp"].get<std::string>() != fingerprint) {
        claim.kind = RequestClaim::Kind::mismatch;
        return claim;
    }
    if (!doc.contains("status")) {
        claim.kind = RequestClaim::Kind::busy;
        return claim;
    }
    claim.kind = RequestClaim::Kind::answered;
    claim.answer.status = doc.value("status", 200);
    claim.answer.content_type = doc.value("type", std::string("application/json"));
    claim.answer.body = doc.value("body", std::string());
    if (auto h = doc.find("headers"); h != doc.end() && h->is_array())
        for (const auto& pair : *h)
            if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string())
                claim.answer.headers.emplace_back(pair[0].get<std::string>(),
                                                  pair[1].get<std::string>());
    return claim;
}

}  // namespace

RequestLog::RequestLog(std::shared_ptr<Client> client, std::string prefix, std::chrono::seconds ttl)
    : client_(std::move(client)), prefix_(std::move(prefix)), ttl_(ttl) {}

std::string RequestLog::key_of(const std::string& scope, const std::string& key) const {
    // The scope and key are hashed: any bytes a client sends make a key of fixed shape.
    return prefix_ + ":{r}:req:" + sha256_hex(scope + '\n' + key);
}

Awaitable<Result<RequestClaim>> RequestLog::claim(std::string scope, std::string key,
                                                  std::string fingerprint) {
    const std::string k = key_of(scope, key);
    const std::string pending = nlohmann::json{{"fp", fingerprint}}.dump();
    // A pending mark outlives no write: a node that died while holding one frees the key soon.
    const std::string ttl = std::to_string(std::min<long long>(ttl_.count(), kPendingSeconds));
    // Twice at most: a record may expire between the SET that found it and the GET.
    for (int attempt = 0; attempt < 2; ++attempt) {
        auto set = co_await client_->command(k, command_of("SET", k, pending, "NX", "EX", ttl));
        if (!set) co_return set.error();
        if (!set->is_nil()) co_return RequestClaim{};
        auto got = co_await client_->command(k, command_of("GET", k));
        if (!got) co_return got.error();
        if (!got->is_nil()) co_return claim_of(got->str, fingerprint);
    }
    co_return make_error(ErrorCode::unavailable, "the Idempotency-Key record keeps changing");
}

Awaitable<Result<void>> RequestLog::answer(std::string scope, std::string key,
                                           std::string fingerprint, KeptAnswer answer) {
    const std::string k = key_of(scope, key);
    const std::string record = nlohmann::json{
        {"fp", fingerprint},
        {"status", answer.status},
        {"type", answer.content_type},
        {"body", answer.body},
        {"headers",
         answer.headers}}.dump();
    auto set = co_await client_->command(
        k, command_of("SET", k, record, "EX", std::to_string(ttl_.count())));
    if (!set) co_return set.error();
    co_return engine::Ok{};
}

Awaitable<Result<void>> RequestLog::forget(std::string scope, std::string key) {
    const std::string k = key_of(scope, key);
    auto del = co_await client_->command(k, command_of("DEL", k));
    if (!del) co_return del.error();
    co_return engine::Ok{};
}

}  // namespace accord::redis
