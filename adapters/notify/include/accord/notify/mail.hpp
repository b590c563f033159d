// Mail: a notice as an e-mail (RFC 5322 with MIME): UTF-8 throughout, multipart/alternative of
// plain text and HTML (dir="rtl" and lang="ar" for Arabic readers), the subject as RFC 2047
// encoded words (whole characters in each), a Message-ID that is the same however often the
// notice is sent, and a link to the task or instance when the server's public URL is known.
// Pure: composing touches no network.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "accord/engine/time.hpp"

namespace accord::notify {

struct Mail {
    std::string notice_id;  // with the reader's name, the Message-ID
    std::string person;
    std::string to;         // the address
    std::string language;   // the reader's: the texts around the notice's, and the direction
    std::string subject;    // in the reader's language
    std::string message;    // may be empty
    std::string link;       // to the task or instance; empty: none
    bool task = false;      // the link is to a task (else to an instance)
};

// The message as sent, lines ended by CRLF. `from` an address ("accord@example.edu", or
// "Accord <accord@example.edu>"); `date` its Date header.
std::string compose(const Mail& mail, std::string_view from, engine::TimeMs date);

// A day's notices for one reader who asked for a daily digest.
struct Digest {
    std::string id;        // stable: the Message-ID's first part
    std::string person, to, language;
    struct Item {
        std::string kind;  // a notice's kind: what needs action comes first
        std::string subject, link;
    };
    std::vector<Item> items;
};

// The digest as one e-mail: the notices that need the reader's action, then those for their
// information, each with its link.
std::string compose_digest(const Digest& digest, std::string_view from, engine::TimeMs date);

// A header value as RFC 2047 encoded words (=?UTF-8?B?...?=), each at most 75 characters and
// holding whole UTF-8 characters, folded onto lines of their own; plain ASCII text unchanged.
std::string encode_header(std::string_view utf8);

// The Message-ID of a notice's e-mail to a person: "<id.person@domain>".
std::string message_id(std::string_view notice_id, std::string_view person, std::string_view from);

// The bare address of a From ("Accord <a@b>" → "a@b").
std::string address_of(std::string_view from);

}  // namespace accord::notify
