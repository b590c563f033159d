// NoticeStore (notices.hpp): notice_add, notice_page and notice_read on each person's slot.
#include "accord/redis/notices.hpp"

#include <algorithm>

#include "scripts.hpp"

namespace accord::redis {

using engine::ErrorCode;
using engine::make_error;

namespace {

bool is_notice_id(std::string_view id) {
    return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    });
}

// A page's cursor: "<score>_<id>" of the last notice it looked at, the score as Redis wrote it
// (milliseconds, and a fraction for the order within one).
struct Cursor {
    std::string score = "+inf", id;
};

Result<Cursor> cursor_of(const std::string& text) {
    if (text.empty()) return Cursor{};
    const auto sep = text.find('_');
    const std::string_view score = std::string_view(text).substr(0, sep);
    const auto dots = std::count(score.begin(), score.end(), '.');
    if (sep == std::string::npos || score.empty() || score.size() > 24 || dots > 1 ||
        score.front() == '.' || score.back() == '.' ||
        !std::all_of(score.begin(), score.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '.'; }) ||
        !is_notice_id(std::string_view(text).substr(sep + 1)))
        return make_error(ErrorCode::invalid_input, "malformed cursor", "/query/cursor");
    return Cursor{std::string(score), text.substr(sep + 1)};
}

// "<ms>.<order>": exact in a double for any millisecond of this millennium.
std::string score_of(TimeMs at, int order) {
    const int within = std::clamp(order, 0, 999);
    std::string s = std::to_string(at) + ".";
    s += static_cast<char>('0' + within / 100);
    s += static_cast<char>('0' + within / 10 % 10);
    s += static_cast<char>('0' + within % 10);
    return s;
}

std::vector<std::string> keys_of(const Keyspace& keys, const std::string& person) {
    return command_of(keys.notices(person, "list"), keys.notices(person, "items"),
                      keys.notices(person, "unread"));
}

}  // namespace

NoticeStore::NoticeStore(std::shared_ptr<Client> client, std::string prefix,
                         std::chrono::milliseconds retention)
    : client_(std::move(client)), keys_(std::move(prefix)), retention_(retention) {}

Awaitable<Result<std::size_t>> NoticeStore::add(std::string id, TimeMs at, int order,
                                                std::vector<NoticeCopy> copies) {
    if (!is_notice_id(id)) co_return make_error(ErrorCode::invalid_input, "malformed notice id");
    std::vector<Call> calls;
    calls.reserve(copies.size());
    const std::string when = score_of(at, order), keep = std::to_string(retention_.count());
    for (auto& copy : copies)
        calls.push_back(Call::eval(scripts::notice_add(), keys_of(keys_, copy.person),
                                   command_of(id, when, std::move(copy.body), keep)));
    std::size_t added = 0;
    for (const auto& r : co_await client_->all(std::move(calls))) {
        if (!r) co_return r.error();
        if (r->integer == 1) ++added;
    }
    co_return added;
}

Awaitable<Result<NoticePage>> NoticeStore::page(std::string person, std::string cursor,
                                                std::size_t limit, bool unread_only) {
    auto from = cursor_of(cursor);
    if (!from) co_return from.error();
    auto r = co_await client_->eval(
        scripts::notice_page(), keys_of(keys_, person),
        command_of(from->score, from->id, std::to_string(std::max<std::size_t>(limit, 1)),
                   unread_only ? "1" : "0"));
    if (!r) co_return r.error();
    const auto& e = r->elements;
    if (e.size() < 3) co_return make_error(ErrorCode::storage_error, "notice_page answered short");
    NoticePage page;
    page.unread = e[0].integer;
    if (!e[1].str.empty()) page.next = e[1].str + "_" + e[2].str;
    for (std::size_t i = 3; i + 2 < e.size(); i += 3) {
        StoredNotice n;
        n.id = e[i].str;
        n.body = engine::json::parse(e[i + 1].str, nullptr, false);
        if (n.body.is_discarded()) continue;  // not ours to show
        n.read = e[i + 2].str == "1";
        page.items.push_back(std::move(n));
    }
    co_return page;
}

Awaitable<Result<bool>> NoticeStore::mark_read(std::string person, std::string id) {
    if (!is_notice_id(id)) co_return make_error(ErrorCode::not_found, "no notification " + id);
    auto r = co_await client_->eval(
        scripts::notice_read(),
        command_of(keys_.notices(person, "items"), keys_.notices(person, "unread")),
        command_of(id));
    if (!r) co_return r.error();
    if (r->integer < 0) co_return make_error(ErrorCode::not_found, "no notification " + id);
    co_return r->integer == 1;
}

Awaitable<Result<std::int64_t>> NoticeStore::mark_all_read(std::string person) {
    auto r = co_await client_->eval(
        scripts::notice_read(),
        command_of(keys_.notices(person, "items"), keys_.notices(person, "unread")),
        command_of(std::string()));
    if (!r) co_return r.error();
    co_return r->integer;
}

}  // namespace accord::redis
