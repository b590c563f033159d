// accordd's configuration read from the file, the environment and the flags, and checked.
#include "config.hpp"

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

namespace accord::accordd {

namespace {

using engine::ErrorCode;
using engine::make_error;

const char* kUsage =
    R"(usage: accordd [--config FILE] [--listen HOST:PORT] [--redis URL] [--workflows DIR]
               [--node-id NAME] [--prefix PREFIX] [--shards N] [--compression LEVEL]
               [--history-compression LEVEL] [--dev-clock] [--tls-cert FILE --tls-key FILE]
               [--max-body BYTES] [--max-json-depth N] [--rate PER_SECOND] [--burst N]
               [--max-feed-sockets N] [--log-level LEVEL] [--public-url URL]
               [--trusted-proxy ADDRESS[,...]] [--session-idle S] [--session-lifetime S]
               [--calendar FILE] [--smtp-url URL [--smtp-user USER] --mail-from ADDRESS]
               [--smtp-rate PER_SECOND] [--web DIR] [--webhook-allow PREFIX[,...]] [--outbound-reclaim S]
Each setting comes from the flag, else the environment variable, else the --config JSON file
(its keys are the flags' names without dashes, with underscores: "max_body"), else the default.
  --listen HOST:PORT  where the API listens (ACCORD_LISTEN; default 127.0.0.1:8080)
  --redis URL      redis://[:password@]host[:port][/db], or redis+cluster://host:port[,...]
                   (ACCORD_REDIS; default redis://127.0.0.1:6379/0)
  --workflows DIR  definitions loaded into Redis at start when absent (ACCORD_WORKFLOWS;
                   default workflows)
  --smtp-url URL   e-mail notices through this server: smtp://host:port (STARTTLS when
                   offered) or smtps://host:port (ACCORD_SMTP_URL; default none: no e-mail)
  --smtp-user USER  authenticate as USER, with the password in ACCORD_SMTP_PASSWORD
                   (ACCORD_SMTP_USER)
  --mail-from ADDRESS  the From of e-mail notices, "Accord <accord@example.edu>"
                   (ACCORD_MAIL_FROM; required with --smtp-url)
  --smtp-rate N    e-mails a second this node sends at most, 0 for no limit
                   (ACCORD_SMTP_RATE; default 200)
  --outbound-reclaim S  e-mails and webhook deliveries a stopped node was sending are taken
                   over by another after S seconds (ACCORD_OUTBOUND_RECLAIM; default 120)
  --webhook-allow P[,Q]  webhooks only to URLs that begin with one of these prefixes
                   ("https://erp.example.edu/") (ACCORD_WEBHOOK_ALLOW; default any http(s) URL)
  --web DIR        serve the web application built in DIR at / (ACCORD_WEB; default the
                   build's own web/dist, when it was built)
  --calendar FILE  the office calendar (time zone, weekend, work_starts, holidays, closures),
                   put into Redis at start when it has none yet; afterwards admins change it
                   with PUT /api/v1/admin/calendar (ACCORD_CALENDAR; default none: UTC,
                   Saturday and Sunday off)
  --node-id NAME   this node's name in Redis consumer groups (ACCORD_NODE_ID; default host-pid)
  --prefix PREFIX  key prefix (ACCORD_PREFIX; default acc)
  --shards N       shards of a new keyspace (ACCORD_SHARDS; default 16)
  --compression L  zstd level of stored records (with a dictionary learned per
                   definition version), 0 for plain JSON
                   (ACCORD_COMPRESSION; default 1)
  --history-compression L  history entries while a version has no dictionary yet
                   (ACCORD_HISTORY_COMPRESSION; default 0)
  --dev-clock      time travel for tests and demos: POST /api/v1/admin/clock (ACCORD_DEV_CLOCK=1)
  --tls-cert FILE, --tls-key FILE  PEM certificate chain and key: serve HTTPS only
                   (ACCORD_TLS_CERT, ACCORD_TLS_KEY)
  --max-body BYTES  largest request body (ACCORD_MAX_BODY; default 1048576)
  --max-json-depth N  deepest nesting of a JSON body (ACCORD_MAX_JSON_DEPTH; default 64)
  --rate N, --burst N  requests per second per user on this node, and the burst allowed
                   (ACCORD_RATE, ACCORD_BURST; default 50 and 100; --rate 0: no limit)
  --max-feed-sockets N  feed WebSockets per token on this node (ACCORD_MAX_FEED_SOCKETS; 16)
  --idle-timeout S  close a keep-alive connection idle this long (ACCORD_IDLE_TIMEOUT; 60)
  --request-timeout S  time to send a whole request once it began (ACCORD_REQUEST_TIMEOUT; 10)
  --log-level L    trace, debug, info, warn, error (ACCORD_LOG_LEVEL; default info)
  --public-url URL  the address people open, https://accord.example.edu (ACCORD_PUBLIC_URL):
                   requests with the session cookie must come from its origin (without it,
                   from the scheme served and the request's Host)
  --trusted-proxy A[,B]  reverse proxies whose X-Forwarded-For names the client
                   (ACCORD_TRUSTED_PROXY; default none: the connection's address counts)
  --session-idle S, --session-lifetime S  a sign-in session ends S seconds after its last use,
                   and at most S seconds after it began (ACCORD_SESSION_IDLE,
                   ACCORD_SESSION_LIFETIME; default 28800 and 86400)
)";

// "https://Accord.example.edu:8443/x" -> "https://accord.example.edu:8443"; empty if not a URL.
std::string origin_of(const std::string& url) {
    std::string lower = url;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const char* scheme : {"http://", "https://"}) {
        if (!lower.starts_with(scheme)) continue;
        const std::size_t from = std::string_view(scheme).size();
        const std::size_t end = std::min(lower.find_first_of("/?#", from), lower.size());
        if (end == from || lower.find('@', from) < end) return {};
        return lower.substr(0, end);
    }
    return {};
}

struct Setting {
    const char* flag;  // without the dashes
    const char* env;
    bool is_switch;
    std::function<bool(Config&, const std::string&)> set;  // false: a bad value
};

template <typename T>
bool parse_number(const std::string& text, T& out, T min, T max) {
    T v{};
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || p != text.data() + text.size() || v < min || v > max) return false;
    out = v;
    return true;
}

bool parse_listen(Config& c, const std::string& text) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) return false;
    std::string host = text.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    int port = 0;
    if (!parse_number(text.substr(colon + 1), port, 0, 65535)) return false;
    c.listen = text;
    c.listen_host = host;
    c.listen_port = static_cast<std::uint16_t>(port);
    return true;
}

// "a, b,c" into its items, each trimmed, none empty and each one `ok` accepts.
template <typename Check>
bool parse_list(std::string_view text, std::vector<std::string>& out, Check ok) {
    out.clear();
    while (!text.empty()) {
        const auto comma = std::min(text.find(','), text.size());
        std::string_view one = text.substr(0, comma);
        text.remove_prefix(std::min(comma + 1, text.size()));
        while (!one.empty() && one.front() == ' ') one.remove_prefix(1);
        while (!one.empty() && one.back() == ' ') one.remove_suffix(1);
        if (one.empty() || !ok(one)) return false;
        out.emplace_back(one);
    }
    return !out.empty();
}

bool parse_switch(const std::string& text, bool& out) {
    if (text == "1" || text == "true" || text == "yes" || text == "on") return out = true, true;
    if (text == "0" || text == "false" || text == "no" || text == "off" || text.empty())
        return out = false, true;
    return false;
}

const std::vector<Setting>& settings() {
    static const std::vector<Setting> all = {
        {"listen", "ACCORD_LISTEN", false, parse_listen},
        {"redis", "ACCORD_REDIS", false,
         [](Config& c, const std::string& v) { return c.redis = v, !v.empty(); }},
        {"workflows", "ACCORD_WORKFLOWS", false,
         [](Config& c, const std::string& v) { return c.workflows = v, true; }},
        {"smtp-url", "ACCORD_SMTP_URL", false,
         [](Config& c, const std::string& v) {
             c.smtp_url = v;
             return v.starts_with("smtp://") || v.starts_with("smtps://");
         }},
        {"smtp-user", "ACCORD_SMTP_USER", false,
         [](Config& c, const std::string& v) { return c.smtp_user = v, true; }},
        {"mail-from", "ACCORD_MAIL_FROM", false,
         [](Config& c, const std::string& v) {
             c.mail_from = v;
             return v.find('@') != std::string::npos &&
                    v.find_first_of("\r\n") == std::string::npos;
         }},
        {"smtp-rate", "ACCORD_SMTP_RATE", false,
         [](Config& c, const std::string& v) {
             char* end = nullptr;
             c.smtp_rate = std::strtod(v.c_str(), &end);
             return !v.empty() && end == v.c_str() + v.size() && c.smtp_rate >= 0 &&
                    c.smtp_rate <= 100000;
         }},
        {"outbound-reclaim", "ACCORD_OUTBOUND_RECLAIM", false,
         [](Config& c, const std::string& v) {
             return parse_number(v, c.outbound_reclaim, 1, 86400);
         }},
        {"webhook-allow", "ACCORD_WEBHOOK_ALLOW", false,
         [](Config& c, const std::string& v) {
             return parse_list(v, c.webhook_allow, [](std::string_view one) {
                 return one.starts_with("http://") || one.starts_with("https://");
             });
         }},
        {"calendar", "ACCORD_CALENDAR", false,
         [](Config& c, const std::string& v) { return c.calendar = v, true; }},
        {"web", "ACCORD_WEB", false,
         [](Config& c, const std::string& v) { return c.web = v, !v.empty(); }},
        {"node-id", "ACCORD_NODE_ID", false,
         [](Config& c, const std::string& v) { return c.node_id = v, true; }},
        {"prefix", "ACCORD_PREFIX", false,
         [](Config& c, const std::string& v) { return c.prefix = v, !v.empty(); }},
        {"shards", "ACCORD_SHARDS", false,
         [](Config& c, const std::string& v) { return parse_number(v, c.shards, 1, 1024); }},
        {"compression", "ACCORD_COMPRESSION", false,
         [](Config& c, const std::string& v) { return parse_number(v, c.compression, -7, 19); }},
        {"history-compression", "ACCORD_HISTORY_COMPRESSION", false,
         [](Config& c, const std::string& v) {
             return parse_number(v, c.history_compression, -7, 19);
         }},
        {"dev-clock", "ACCORD_DEV_CLOCK", true,
         [](Config& c, const std::string& v) { return parse_switch(v, c.dev_clock); }},
        {"tls-cert", "ACCORD_TLS_CERT", false,
         [](Config& c, const std::string& v) { return c.tls_certificate = v, true; }},
        {"tls-key", "ACCORD_TLS_KEY", false,
         [](Config& c, const std::string& v) { return c.tls_key = v, true; }},
        {"max-body", "ACCORD_MAX_BODY", false,
         [](Config& c, const std::string& v) {
             return parse_number<std::size_t>(v, c.max_body, 1024, std::size_t{1} << 30);
         }},
        {"max-json-depth", "ACCORD_MAX_JSON_DEPTH", false,
         [](Config& c, const std::string& v) {
             return parse_number<std::size_t>(v, c.max_json_depth, 2, 512);
         }},
        {"max-feed-sockets", "ACCORD_MAX_FEED_SOCKETS", false,
         [](Config& c, const std::string& v) {
             return parse_number<std::size_t>(v, c.max_feed_sockets, 1, 100000);
         }},
        {"rate", "ACCORD_RATE", false,
         [](Config& c, const std::string& v) {
             return parse_number(v, c.requests_per_second, 0.0, 1e9);
         }},
        {"burst", "ACCORD_BURST", false,
         [](Config& c, const std::string& v) { return parse_number(v, c.burst, 1.0, 1e9); }},
        {"idle-timeout", "ACCORD_IDLE_TIMEOUT", false,
         [](Config& c, const std::string& v) { return parse_number(v, c.idle_timeout, 1, 86400); }},
        {"request-timeout", "ACCORD_REQUEST_TIMEOUT", false,
         [](Config& c, const std::string& v) {
             return parse_number(v, c.request_timeout, 1, 3600);
         }},
        {"public-url", "ACCORD_PUBLIC_URL", false,
         [](Config& c, const std::string& v) {
             c.public_url = v;
             c.public_origin = origin_of(v);
             return !c.public_origin.empty();
         }},
        {"trusted-proxy", "ACCORD_TRUSTED_PROXY", false,
         [](Config& c, const std::string& v) {
             return parse_list(v, c.trusted_proxies, [](std::string_view) { return true; });
         }},
        {"session-idle", "ACCORD_SESSION_IDLE", false,
         [](Config& c, const std::string& v) {
             return parse_number(v, c.session_idle, 1, 30 * 86400);
         }},
        {"session-lifetime", "ACCORD_SESSION_LIFETIME", false,
         [](Config& c, const std::string& v) {
             return parse_number(v, c.session_lifetime, 1, 365 * 86400);
         }},
        {"log-level", "ACCORD_LOG_LEVEL", false,
         [](Config& c, const std::string& v) {
             c.log_level = v;
             return v == "trace" || v == "debug" || v == "info" || v == "warn" || v == "error";
         }},
    };
    return all;
}

const Setting* find_setting(std::string_view flag) {
    for (const auto& s : settings())
        if (flag == s.flag) return &s;
    return nullptr;
}

engine::Error bad(const std::string& what) {
    return make_error(ErrorCode::invalid_input, what + "\n" + kUsage);
}

}  // namespace

engine::Result<Config> load_config(int argc, char** argv) {
    // Flags first, kept aside: the file they name is read before them.
    std::map<std::string, std::string> flags;
    std::string config_file;
    if (const char* f = std::getenv("ACCORD_CONFIG"); f != nullptr) config_file = f;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--help" || a == "-h") return make_error(ErrorCode::not_found, kUsage);
        if (!a.starts_with("--")) return bad("unexpected argument " + a);
        std::string name = a.substr(2), value;
        if (auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
        } else if (name == "config" || (find_setting(name) && !find_setting(name)->is_switch)) {
            if (i + 1 >= argc) return bad(a + " needs a value");
            value = argv[++i];
        } else {
            value = "1";
        }
        if (name == "config") {
            config_file = value;
            continue;
        }
        if (!find_setting(name)) return bad("unknown option --" + name);
        flags[name] = value;
    }
    Config c;
    if (!config_file.empty()) {
        std::ifstream in(config_file);
        if (!in) return bad("--config: cannot read " + config_file);
        std::stringstream text;
        text << in.rdbuf();
        auto j = nlohmann::json::parse(text.str(), nullptr, false);
        if (j.is_discarded() || !j.is_object())
            return bad("--config: " + config_file + " is not a JSON object");
        for (const auto& [key, value] : j.items()) {
            std::string flag = key;
            for (auto& ch : flag)
                if (ch == '_') ch = '-';
            const Setting* s = find_setting(flag);
            if (s == nullptr) return bad("--config: unknown setting \"" + key + "\"");
            std::string text_value = value.is_string()    ? value.get<std::string>()
                                     : value.is_boolean() ? (value.get<bool>() ? "1" : "0")
                                                          : value.dump();
            if (!s->set(c, text_value))
                return bad("--config: bad value for \"" + key + "\": " + value.dump());
        }
    }
    for (const auto& s : settings())
        if (const char* v = std::getenv(s.env); v != nullptr && *v != '\0')
            if (!s.set(c, v)) return bad(std::string(s.env) + ": bad value " + v);
    for (const auto& [name, value] : flags)
        if (!find_setting(name)->set(c, value)) return bad("--" + name + ": bad value " + value);
    if (c.tls_certificate.empty() != c.tls_key.empty())
        return bad("--tls-cert and --tls-key go together");
    if (!c.smtp_url.empty() && c.mail_from.empty()) return bad("--smtp-url needs --mail-from");
    if (const char* p = std::getenv("ACCORD_SMTP_PASSWORD"); p != nullptr) c.smtp_password = p;
    return c;
}

}  // namespace accord::accordd
