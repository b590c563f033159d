// Mailer: e-mail notices on an Outbound queue ("mail"): each e-mail composed by Notices with its
// stable Message-ID, sent through Smtp by any node, retried and set aside as Outbound does; and
// the daily digests: notices kept per person until their hour, then queued as one job that is
// composed when it is sent (the same on every attempt).
//
// Keys besides Outbound's, in the slot {mail}: <prefix>:{mail}:digests (zset: people by when
// their digest is due) and <prefix>:{mail}:digest:<name> (list: its notices). A due digest
// becomes one job of the queue in one script. docs/redis-layout.md, "E-mail".
//
// Thread safety: one executor (the client's).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "accord/notify/mail.hpp"
#include "accord/notify/outbound.hpp"
#include "accord/notify/smtp.hpp"

namespace accord::notify {

// One e-mail to send: what it says, composed (compose()) each time it is sent, the same on
// every attempt, so that the queue holds a few hundred bytes an e-mail rather than the message.
struct MailJob {
    std::string id;  // the notice and the person: retries and logs
    Mail mail;
    engine::TimeMs at = 0;  // its Date
};

class Mailer {
public:
    Mailer(std::shared_ptr<redis::Client> client, Smtp& smtp, OutboundOptions options);

    // Queues them: each is sent by some node, at least once.
    Awaitable<Result<void>> enqueue(std::vector<MailJob> jobs);
    // Keeps a notice for `person`'s daily digest, sent at `due` (ms) unless one is due
    // earlier; `item` is {"kind", "subject", "link", "to", "language"}.
    Awaitable<Result<void>> add_to_digest(std::string person, engine::TimeMs due, std::string item);
    // A person reached who has no e-mail address.
    void skipped(std::uint64_t n = 1) { skipped_ += n; }

    void start(redis::Supervisor& supervisor) { out_.start(supervisor); }
    Awaitable<Result<std::size_t>> drain() { return out_.drain(); }
    std::string metrics() const;  // Outbound's, and accord_mail_skipped_total

private:
    Awaitable<Result<void>> send(nlohmann::json& job);
    Awaitable<Result<void>> move_due_digests();

    Smtp& smtp_;
    Outbound out_;
    std::uint64_t skipped_ = 0;
};

}  // namespace accord::notify
