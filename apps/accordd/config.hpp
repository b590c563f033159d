// accordd's configuration: a JSON file (--config), then the environment (ACCORD_*), then the
// flags, each overriding the one before. docs/operations.md lists every setting.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "accord/engine/result.hpp"

namespace accord::accordd {

struct Config {
    std::string listen = "127.0.0.1:8080";
    std::string listen_host = "127.0.0.1";
    std::uint16_t listen_port = 8080;
    std::string redis = "redis://127.0.0.1:6379/0";
    std::string workflows = "workflows";
    std::string calendar;  // a file; empty: none
    std::string web;       // the web application's build; empty: the default build's, if any
    std::string node_id;
    std::string prefix = "acc";
    int shards = 16;
    int compression = 1;
    int history_compression = 0;
    bool dev_clock = false;
    std::string tls_certificate, tls_key;
    std::size_t max_body = 1 << 20;
    std::size_t max_json_depth = 64;
    std::size_t max_feed_sockets = 16;
    double requests_per_second = 50;
    double burst = 100;
    std::string log_level = "info";
    // People: the server's public address (its origin is what browsers' requests must come
    // from; e-mail links), the reverse proxies whose X-Forwarded-For is believed, and how long
    // sign-in sessions last.
    std::string public_url;
    std::string public_origin;  // public_url's scheme://host[:port], lower case
    std::vector<std::string> trusted_proxies;
    int session_idle = 8 * 3600;       // seconds
    int session_lifetime = 24 * 3600;  // seconds
    // E-mail: the SMTP server (empty: no e-mail), its user (password from ACCORD_SMTP_PASSWORD
    // only, never a flag) and the From address.
    std::string smtp_url, smtp_user, smtp_password, mail_from;
    std::vector<std::string> webhook_allow;  // URL prefixes; empty: any http(s) URL
    double smtp_rate = 200;                  // e-mails a second a node sends at most (0: no limit)
    int outbound_reclaim = 120;  // seconds before a stopped node's e-mails and deliveries move
    int idle_timeout = 60;     // seconds a keep-alive connection may sit idle
    int request_timeout = 10;  // seconds to send a whole request once it began
};

// The configuration from argv, the environment and the file it names. An error's message says
// what is wrong (and the usage); code not_found means --help was asked (the usage is the message).
engine::Result<Config> load_config(int argc, char** argv);

}  // namespace accord::accordd
