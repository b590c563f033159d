// accordctl's online commands: each a REST call (or the feed) to an accordd, with a readable
// table by default and the server's JSON with --json, through accord/http/client.hpp.
#include "online.hpp"

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "accord/http/client.hpp"

namespace accord::accordctl {

using json = nlohmann::json;

namespace {

struct Server {
    std::string host;
    int port = 80;
    std::string base;  // a path prefix before /api/v1, usually empty
    std::string token;
};

bool parse_server(const std::string& url, Server& out) {
    std::string rest = url;
    if (rest.starts_with("http://"))
        rest = rest.substr(7);
    else if (rest.find("://") != std::string::npos)
        return false;  // https: put a TLS proxy's plain side here, or use curl
    const auto slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    out.base = slash == std::string::npos ? "" : rest.substr(slash);
    while (!out.base.empty() && out.base.back() == '/') out.base.pop_back();
    const auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) {
        const std::string port = authority.substr(colon + 1);
        if (port.empty() || port.size() > 5 ||
            port.find_first_not_of("0123456789") != std::string::npos)
            return false;
        out.port = std::stoi(port);
        if (out.port == 0 || out.port > 65535) return false;
    }
    return !out.host.empty();
}

struct Reply {
    int status = 0;
    json body;
    std::string text;
};

http::Headers auth(const Server& s) {
    if (s.token.empty()) return {};
    return {{"Authorization", "Bearer " + s.token}};
}

// One request on a fresh connection (a CLI makes one or two).
Reply call(const Server& s, const char* method, const std::string& target, const json* body) {
    http::HttpClient client(s.host, s.port, std::chrono::seconds(30));
    client.set_user_agent("accordctl");
    const auto res = client.request(method, s.base + target, body != nullptr ? body->dump() : "",
                                    auth(s));
    Reply r;
    r.status = res.status;
    r.text = res.body;
    r.body = json::parse(r.text, nullptr, false);
    return r;
}

std::string encode(const std::string& s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
            out += static_cast<char>(c);
        else
            out += {'%', hex[c >> 4], hex[c & 15]};
    }
    return out;
}

std::string text(const json& j, const char* name) {
    auto it = j.find(name);
    if (it == j.end() || it->is_null()) return "";
    return it->is_string() ? it->get<std::string>() : it->dump();
}

// Columns padded to their widest cell.
void print_table(const std::vector<std::string>& head,
                 const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> width(head.size());
    for (std::size_t i = 0; i < head.size(); ++i) width[i] = head[i].size();
    for (const auto& r : rows)
        for (std::size_t i = 0; i < r.size() && i < width.size(); ++i)
            width[i] = std::max(width[i], std::min<std::size_t>(r[i].size(), 60));
    auto line = [&](const std::vector<std::string>& cells) {
        for (std::size_t i = 0; i < cells.size(); ++i) {
            std::string c = cells[i].size() > 60 ? cells[i].substr(0, 57) + "..." : cells[i];
            std::cout << c;
            if (i + 1 < cells.size()) std::cout << std::string(width[i] - c.size() + 2, ' ');
        }
        std::cout << "\n";
    };
    line(head);
    for (const auto& r : rows) line(r);
}

void print_tasks(const json& items) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : items) {
        std::string who =
            text(t, "claimed_by").empty() ? text(t, "assignee") : text(t, "claimed_by");
        rows.push_back({text(t, "id"), text(t, "role"), who, text(t, "due_at"),
                        t.value("overdue", false) ? "yes" : "", text(t, "title")});
    }
    print_table({"ID", "ROLE", "WHO", "DUE", "OVERDUE", "TITLE"}, rows);
}

void print_instance(const json& i) {
    std::cout << text(i, "id") << "  " << text(i, "workflow") << " v" << text(i, "version")
              << "  state " << text(i, "state") << " (" << text(i, "status") << ")";
    if (!text(i, "outcome").empty()) std::cout << "  outcome " << text(i, "outcome");
    if (!text(i, "key").empty()) std::cout << "  key " << text(i, "key");
    std::cout << "\n";
    if (i.contains("tasks") && !i["tasks"].empty()) {
        std::cout << "\nOpen tasks\n";
        print_tasks(i["tasks"]);
    }
    if (i.contains("timers") && !i["timers"].empty()) {
        std::cout << "\nWaiting until\n";
        std::vector<std::vector<std::string>> rows;
        for (const auto& t : i["timers"])
            rows.push_back({text(t, "due_at"), text(t, "kind"),
                            text(t, "event").empty() ? text(t, "task") : text(t, "event")});
        print_table({"DUE", "KIND", "FOR"}, rows);
    }
    std::cout << "\nData\n" << i.value("data", json::object()).dump(2) << "\n";
}

// A problem+json refusal, as one line on stderr.
int refused(const Reply& r) {
    if (r.body.is_object() && r.body.contains("detail")) {
        std::cerr << r.status << " " << text(r.body, "title") << ": " << text(r.body, "detail");
        if (!text(r.body, "pointer").empty())
            std::cerr << " (at " << text(r.body, "pointer") << ")";
        std::cerr << "\n";
        if (r.body.contains("errors"))
            for (const auto& e : r.body["errors"])
                std::cerr << "  " << text(e, "pointer") << ": " << text(e, "message") << "\n";
    } else {
        std::cerr << r.status << ": " << r.text << "\n";
    }
    return 1;
}

// --data @file.json or --data '{"a":1}'
bool read_json_arg(const std::string& arg, json& out) {
    std::string t = arg;
    if (!t.empty() && t[0] == '@') {
        std::ifstream in(t.substr(1));
        if (!in) {
            std::cerr << "cannot read " << t.substr(1) << "\n";
            return false;
        }
        std::stringstream ss;
        ss << in.rdbuf();
        t = ss.str();
    }
    out = json::parse(t, nullptr, false);
    if (out.is_discarded()) {
        std::cerr << "not JSON: " << arg << "\n";
        return false;
    }
    return true;
}

// The value of a --field k=v: JSON if it parses (numbers, true, objects), else the text.
json field_value(const std::string& v) {
    json j = json::parse(v, nullptr, false);
    return j.is_discarded() ? json(v) : j;
}

int watch(const Server& s, const std::string& query, bool as_json) {
    http::WsClient ws;
    ws.set_user_agent("accordctl");
    if (!ws.connect(s.host, s.port, s.base + "/api/v1/feed" + query, auth(s))) {
        if (ws.upgrade_status() == 0) {
            std::cerr << "feed: no answer to the upgrade\n";
            return 1;
        }
        // The server answered, with a problem (a bad token is a 401): say it as REST refusals.
        Reply r;
        r.status = ws.upgrade_status();
        r.text = ws.upgrade_body();
        r.body = json::parse(r.text, nullptr, false);
        return refused(r);
    }
    while (true) {
        const auto msg = ws.read_text(std::chrono::hours(1));
        if (!msg) {
            if (ws.is_open()) continue;  // an hour without a change
            if (const auto code = ws.close_code())
                std::cerr << "feed closed: " << *code << " " << ws.close_reason() << "\n";
            else
                std::cerr << "feed: connection lost\n";
            return 1;
        }
        if (as_json) {
            std::cout << *msg << std::endl;
            continue;
        }
        json m = json::parse(*msg, nullptr, false);
        if (!m.is_object()) continue;
        const std::string type = text(m, "type");
        if (type == "snapshot") {
            std::cout << "pending now (" << m["items"].size() << ")"
                      << (m.value("reset", false) ? ", cursor past retention: afresh" : "") << "\n";
            print_tasks(m["items"]);
            std::cout << std::flush;  // a pipe's reader sees the snapshot before any change
        } else if (m.contains("task")) {
            const json& t = m["task"];
            std::cout << text(m, "at") << "  " << type << "  " << text(t, "id") << "  "
                      << text(t, "role") << "  " << text(t, "title") << std::endl;
        } else {
            std::cout << text(m, "at") << "  " << type << "  " << text(m, "instance") << "  "
                      << text(m, "subject") << std::endl;
        }
    }
}

}  // namespace

int run_online(const std::string& command, const std::vector<std::string>& all_args) {
    Server s;
    const char* env_server = std::getenv("ACCORD_SERVER");
    const char* env_token = std::getenv("ACCORD_TOKEN");
    std::string server_url = env_server != nullptr ? env_server : "http://127.0.0.1:8080";
    s.token = env_token != nullptr ? env_token : "";
    bool as_json = false;
    std::vector<std::string> args;
    std::vector<std::pair<std::string, std::string>> options;  // --name value, in order
    for (std::size_t i = 0; i < all_args.size(); ++i) {
        const std::string& a = all_args[i];
        if (a == "--json" || a == "--mine" || a == "--overdue") {
            options.emplace_back(a, "1");
        } else if (a.starts_with("--")) {
            if (i + 1 >= all_args.size()) {
                std::cerr << a << " needs a value\n";
                return 2;
            }
            options.emplace_back(a, all_args[++i]);
        } else {
            args.push_back(a);
        }
    }
    json fields = json::object(), data = json::object(), body = json::object();
    std::string query;
    auto add_query = [&](const std::string& k, const std::string& v) {
        query += (query.empty() ? "?" : "&") + k + "=" + encode(v);
    };
    for (const auto& [name, value] : options) {
        if (name == "--server")
            server_url = value;
        else if (name == "--token")
            s.token = value;
        else if (name == "--json")
            as_json = true;
        else if (name == "--field") {
            const auto eq = value.find('=');
            if (eq == std::string::npos) {
                std::cerr << "--field NAME=VALUE\n";
                return 2;
            }
            fields[value.substr(0, eq)] = field_value(value.substr(eq + 1));
        } else if (name == "--data") {
            if (!read_json_arg(value, data)) return 2;
        } else if (name == "--outcome" || name == "--comment" || name == "--key" ||
                   name == "--assignee" || name == "--reason") {
            body[name.substr(2)] = value;
        } else if (name == "--mine" || name == "--overdue") {
            add_query(name.substr(2), "1");
        } else if (name == "--role" || name == "--status" || name == "--workflow" ||
                   name == "--state" || name == "--cursor" || name == "--limit") {
            add_query(name.substr(2), value);
        } else if (name == "--redis" || name == "--prefix") {
            // global options of the Redis commands: not for these
        } else {
            std::cerr << "unknown option " << name << "\n";
            return 2;
        }
    }
    if (!parse_server(server_url, s)) {
        std::cerr << "--server: http://HOST:PORT (for https, use curl or a local TLS proxy)\n";
        return 2;
    }
    if (s.token.empty()) {
        std::cerr << "no token: --token TOKEN or ACCORD_TOKEN (accordctl user add prints one)\n";
        return 2;
    }
    auto need = [&](std::size_t n) {
        if (args.size() == n) return true;
        std::cerr << "accordctl " << command << ": expected " << n << " argument(s); see --help\n";
        return false;
    };
    try {
        Reply r;
        if (command == "tasks") {
            if (!need(0)) return 2;
            r = call(s, "GET", "/api/v1/tasks" + query, nullptr);
            if (r.status != 200) return refused(r);
            if (as_json)
                std::cout << r.body.dump(2) << "\n";
            else
                print_tasks(r.body["items"]);
            return 0;
        }
        if (command == "claim" || command == "release" || command == "complete" ||
            command == "reassign") {
            if (!need(1)) return 2;
            if (command == "complete" && !fields.empty()) body["fields"] = fields;
            r = call(s, "POST", "/api/v1/tasks/" + encode(args[0]) + "/" + command,
                     &body);
            if (r.status != 200) return refused(r);
            if (as_json) {
                std::cout << r.body.dump(2) << "\n";
            } else {
                std::cout << command << ": " << text(r.body, "id") << " is "
                          << text(r.body, "status")
                          << (text(r.body, "claimed_by").empty()
                                  ? ""
                                  : " (claimed by " + text(r.body, "claimed_by") + ")")
                          << "\n";
                if (r.body.contains("instance_state"))
                    std::cout << "instance " << text(r.body["instance_state"], "id") << " now in "
                              << text(r.body["instance_state"], "state") << "\n";
            }
            return 0;
        }
        if (command == "start") {
            if (!need(1)) return 2;
            body["workflow"] = args[0];
            body["data"] = data;
            r = call(s, "POST", "/api/v1/instances", &body);
            if (r.status != 200 && r.status != 201) return refused(r);
            if (as_json)
                std::cout << r.body.dump(2) << "\n";
            else
                print_instance(r.body);
            return 0;
        }
        if (command == "send") {
            if (!need(2)) return 2;
            body = {{"event", args[1]}, {"data", data}};
            r = call(s, "POST", "/api/v1/instances/" + encode(args[0]) + "/events",
                     &body);
        } else if (command == "cancel") {
            if (!need(1)) return 2;
            r = call(s, "POST", "/api/v1/instances/" + encode(args[0]) + "/cancel",
                     &body);
        } else if (command == "instance") {
            if (!need(1)) return 2;
            r = call(s, "GET", "/api/v1/instances/" + encode(args[0]), nullptr);
        } else if (command == "instances") {
            if (!need(0)) return 2;
            r = call(s, "GET", "/api/v1/instances" + query, nullptr);
            if (r.status != 200) return refused(r);
            if (as_json) {
                std::cout << r.body.dump(2) << "\n";
            } else {
                std::vector<std::vector<std::string>> rows;
                for (const auto& i : r.body["items"])
                    rows.push_back({text(i, "id"), text(i, "state"), text(i, "status"),
                                    text(i, "key"), text(i, "updated_at")});
                print_table({"ID", "STATE", "STATUS", "KEY", "UPDATED"}, rows);
                if (!text(r.body, "next").empty())
                    std::cout << "more: --cursor " << text(r.body, "next") << "\n";
            }
            return 0;
        } else if (command == "history") {
            if (!need(1)) return 2;
            r = call(s, "GET", "/api/v1/instances/" + encode(args[0]) + "/history",
                     nullptr);
            if (r.status != 200) return refused(r);
            if (as_json) {
                std::cout << r.body.dump(2) << "\n";
            } else {
                std::vector<std::vector<std::string>> rows;
                for (const auto& e : r.body["items"])
                    rows.push_back({text(e, "at"), text(e, "actor"), text(e, "input"),
                                    text(e, "from") + " -> " + text(e, "to"), text(e, "note")});
                print_table({"AT", "BY", "INPUT", "STATE", "NOTE"}, rows);
            }
            return 0;
        } else if (command == "definitions") {
            if (!need(0)) return 2;
            r = call(s, "GET", "/api/v1/definitions", nullptr);
            if (r.status != 200) return refused(r);
            if (as_json) {
                std::cout << r.body.dump(2) << "\n";
            } else {
                std::vector<std::vector<std::string>> rows;
                for (const auto& d : r.body["items"])
                    rows.push_back({text(d, "name"), text(d, "version"), text(d, "title")});
                print_table({"NAME", "VERSION", "TITLE"}, rows);
            }
            return 0;
        } else if (command == "watch") {
            if (!need(0)) return 2;
            return watch(s, query, as_json);
        } else {
            std::cerr << "unknown command " << command << "\n";
            return 2;
        }
        if (r.status != 200) return refused(r);
        if (as_json)
            std::cout << r.body.dump(2) << "\n";
        else
            print_instance(r.body);
        return 0;
    } catch (const http::ConnectionError& e) {
        std::cerr << "cannot reach " << server_url << ": " << e.reason() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "cannot reach " << server_url << ": " << e.what() << "\n";
        return 1;
    }
}

bool is_online_command(const std::string& command) {
    for (const char* c : {"tasks", "claim", "release", "complete", "reassign", "start", "send",
                          "cancel", "instance", "instances", "definitions", "watch"})
        if (command == c) return true;
    return false;
}

}  // namespace accord::accordctl
