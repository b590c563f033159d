// Mailer (mailer.hpp): e-mails and digests on the "mail" Outbound.
#include "accord/notify/mailer.hpp"

#include "accord/notify/mail.hpp"

namespace accord::notify {

using json = nlohmann::json;
using redis::command_of;

namespace {

// KEYS digests, the person's digest list | ARGV person, due, item: kept for the digest.
const redis::Script kDigestAdd{"mail_digest_add", R"lua(
redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
return 1
)lua"};

// KEYS digests, queue | ARGV now, digest key prefix: each digest due becomes one job.
const redis::Script kDigestsDue{"mail_digests_due", R"lua(
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, 20)
for i = 1, #due, 2 do
  local person, at = due[i], due[i + 1]
  local key = ARGV[2] .. person
  local items = {}
  for _, item in ipairs(redis.call('LRANGE', key, 0, 199)) do
    table.insert(items, cjson.decode(item))
  end
  redis.call('DEL', key)
  redis.call('ZREM', KEYS[1], person)
  if #items > 0 then
    local job = cjson.encode({id = 'd' .. at .. '.' .. person, digest = person, items = items,
                              first = ARGV[1], attempt = 0, at = at})
    redis.call('XADD', KEYS[2], '*', 'j', job)
  end
end
return #due / 2
)lua"};

}  // namespace

Mailer::Mailer(std::shared_ptr<redis::Client> client, Smtp& smtp, OutboundOptions options)
    : smtp_(smtp),
      out_(std::move(client), std::move(options),
           [this](json& job) { return send(job); }) {
    out_.on_round([this] { return move_due_digests(); });
}

Awaitable<Result<void>> Mailer::enqueue(std::vector<MailJob> jobs) {
    std::vector<json> out;
    out.reserve(jobs.size());
    for (auto& job : jobs) {
        const Mail& m = job.mail;
        json mail = {{"notice", m.notice_id}, {"person", m.person},   {"language", m.language},
                     {"subject", m.subject},  {"message", m.message}, {"link", m.link},
                     {"task", m.task}};
        out.push_back({{"id", std::move(job.id)},
                       {"to", m.to},
                       {"at", job.at},
                       {"mail", std::move(mail)}});
    }
    co_return co_await out_.enqueue(std::move(out));
}

Awaitable<Result<void>> Mailer::add_to_digest(std::string person, engine::TimeMs due,
                                              std::string item) {
    auto r = co_await out_.client().eval(
        kDigestAdd, command_of(out_.key("digests"), out_.key("digest:" + person)),
        command_of(person, std::to_string(due), std::move(item)));
    if (!r) co_return r.error();
    co_return engine::Ok{};
}

Awaitable<Result<void>> Mailer::move_due_digests() {
    auto r = co_await out_.client().eval(
        kDigestsDue, command_of(out_.key("digests"), out_.key("queue")),
        command_of(std::to_string(out_.now()), out_.key("digest:")));
    if (!r) co_return r.error();
    co_return engine::Ok{};
}

Awaitable<Result<void>> Mailer::send(json& job) {
    // A digest is composed when it is first sent, and kept in the job for its retries.
    if (job.contains("digest") && !job.contains("m") && job["items"].is_array() &&
        !job["items"].empty()) {
        Digest d;
        d.id = job.value("id", "digest");
        d.person = job.value("digest", "");
        const json& last = job["items"].back();
        d.to = last.value("to", "");
        d.language = last.value("language", "en");
        for (const auto& item : job["items"])
            d.items.push_back(
                {item.value("kind", ""), item.value("subject", ""), item.value("link", "")});
        const engine::TimeMs at = std::strtoll(job.value("at", "0").c_str(), nullptr, 10);
        job["to"] = d.to;
        job["m"] = compose_digest(d, smtp_.settings().from, at);
        job.erase("items");
    }
    // A notice's e-mail, composed now: the same text on every attempt.
    if (auto mail = job.find("mail"); mail != job.end() && mail->is_object() && job["to"].is_string()) {
        Mail m;
        m.notice_id = mail->value("notice", "");
        m.person = mail->value("person", "");
        m.to = job["to"].get<std::string>();
        m.language = mail->value("language", "en");
        m.subject = mail->value("subject", "");
        m.message = mail->value("message", "");
        m.link = mail->value("link", "");
        m.task = mail->value("task", false);
        const std::string message =
            compose(m, smtp_.settings().from, job.value("at", engine::TimeMs{0}));
        co_return co_await smtp_.send(m.to, message);
    }
    if (!job.contains("to") || !job.contains("m") || !job["to"].is_string() ||
        !job["m"].is_string())
        co_return engine::make_error(engine::ErrorCode::invalid_input, "not an e-mail job");
    co_return co_await smtp_.send(job["to"].get<std::string>(), job["m"].get<std::string>());
}

std::string Mailer::metrics() const {
    return out_.metrics() +
           "# HELP accord_mail_skipped_total People a notice reached by e-mail who have no "
           "e-mail address.\n# TYPE accord_mail_skipped_total counter\naccord_mail_skipped_total " +
           std::to_string(skipped_) + "\n";
}

}  // namespace accord::notify
