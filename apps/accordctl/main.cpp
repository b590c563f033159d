// accordctl: the command-line client. Offline commands: validate, simulate, logic; against
// Redis: verify-history, history, and user (API users and their bearer tokens).
#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <termios.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "accord/engine/jsonlogic.hpp"
#include "accord/engine/simulator.hpp"
#include "accord/engine/validator.hpp"
#include "accord/redis/redis_store.hpp"
#include "accord/http/passwords.hpp"
#include "accord/http/time_zones.hpp"
#include "accord/redis/users.hpp"
#include "online.hpp"

namespace fs = std::filesystem;
using namespace accord::engine;

namespace {

const char* kUsage = R"(usage:
  accordctl validate [--strict] [--workflows DIR] FILE...
      Check workflow definitions; print each problem as FILE:POINTER: message.
      Exits 1 on any error (with --strict, on any warning too).
  accordctl simulate DEFINITION [--workflows DIR] --script SCRIPT.json
      Run a definition on a virtual clock through a script; print the trace.
      Invoked workflows are looked up in DIR (default: the definition's directory).
  accordctl logic --tests FILE
      Run a JsonLogic test file ([rule, data, expected] cases); print N passed, M failed.
  accordctl logic --eval RULE [--data JSON]
      Evaluate one JsonLogic rule.

Against Redis (--redis URL, or ACCORD_REDIS; default redis://127.0.0.1:6379/0; --prefix P):
  accordctl verify-history INSTANCE
      Check the instance's history hash chain: each entry's hash covers the one before and
      its own text, and the instance names the last one. Exits 1 if it is broken.
  accordctl history INSTANCE
      Print the instance's history, one JSON entry a line (with --server: through the API).
  accordctl user add NAME --role ROLE [--role ROLE...]
      Add a user of the API with these roles; print their bearer token (only that, one line).
      The token is shown this once: Redis keeps only its SHA-256.
  accordctl user token NAME
      Issue another token for a user who is not revoked; print it as add does.
  accordctl user revoke NAME
      Revoke the user and every token of theirs at once. The name stays taken.
  accordctl user list [--json]
      Print the users: NAME ROLES UNITS CREATED REVOKED, or a JSON array with their profiles.
  accordctl user set NAME [--display-name TEXT] [--email ADDRESS] [--language en|ar]
                          [--time-zone ZONE] [--unit UNIT...] [--email-notices
                          immediately|daily|never] [--digest-hour H] [--email-role-tasks yes|no]
                          [--away FROM TO DEPUTY | --back] [--role ROLE...]
      Change a user's profile (each option given; an empty value clears it, --unit '' every
      unit) and, with --role, replace their roles. Recorded in the audit as by accordctl.
  accordctl user passwd NAME
      Set the user's password, read from stdin (asked twice without echo on a terminal): at
      least 10 characters, not the name, not one of the commonest. Ends their sessions.
  Exit status: 0 done, 1 refused (a bad name or role, a taken name, an unknown user; Redis
  unreachable), 2 a usage error.

Against a server (--server URL, or ACCORD_SERVER; default http://127.0.0.1:8080;
--token TOKEN, or ACCORD_TOKEN; --json prints the server's JSON instead of a table):
  accordctl tasks [--mine] [--role ROLE] [--status open|claimed|unclaimed|done] [--overdue]
  accordctl claim TASK | release TASK | reassign TASK [--assignee NAME]
  accordctl complete TASK [--outcome O] [--field NAME=VALUE ...] [--comment TEXT]
  accordctl start WORKFLOW [--data @FILE.json | --data JSON] [--key BUSINESS_KEY]
  accordctl send INSTANCE EVENT [--data ...] | cancel INSTANCE [--reason TEXT]
  accordctl instance INSTANCE | instances [--workflow W] [--state S] [--cursor C]
  accordctl history INSTANCE --server URL | definitions
  accordctl watch [--role ROLE] [--workflow W] [--cursor C]   (the live feed)
  Exit status: 0 done, 1 refused (the server's problem on stderr) or unreachable, 2 usage.)";

std::optional<std::string> read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<fs::path> json_files_in(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
        if (entry.is_regular_file() && entry.path().extension() == ".json" &&
            entry.path().filename() != "schema.json")
            out.push_back(entry.path());
    std::sort(out.begin(), out.end());
    return out;
}

// Names of the workflows defined by these files (those that parse and have a name).
std::vector<std::string> workflow_names(const std::vector<fs::path>& files) {
    std::vector<std::string> names;
    for (const auto& f : files) {
        auto text = read_file(f);
        if (!text) continue;
        auto doc = json::parse(*text, nullptr, false);
        if (doc.is_object() && doc.contains("workflow") && doc["workflow"].is_string())
            names.push_back(doc["workflow"].get<std::string>());
    }
    return names;
}

// workflows/schema.json sits beside the definitions; `validate workflows/*.json` passes it over.
bool is_json_schema(const std::string& text) {
    const json doc = json::parse(text, nullptr, false);
    return doc.is_object() && !doc.contains("workflow") && doc.contains("$schema") &&
           doc["$schema"].is_string() &&
           doc["$schema"].get<std::string>().find("json-schema.org") != std::string::npos;
}

int cmd_validate(const std::vector<std::string>& args) {
    bool strict = false;
    std::vector<fs::path> files, catalog_files;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--strict")
            strict = true;
        else if (args[i] == "--workflows" && i + 1 < args.size()) {
            auto more = json_files_in(args[++i]);
            catalog_files.insert(catalog_files.end(), more.begin(), more.end());
        } else
            files.emplace_back(args[i]);
    }
    if (files.empty()) {
        std::cerr << kUsage;
        return 2;
    }
    catalog_files.insert(catalog_files.end(), files.begin(), files.end());
    const std::vector<std::string> known = workflow_names(catalog_files);
    WorkflowCatalog catalog = [&](std::string_view name) {
        return std::find(known.begin(), known.end(), name) != known.end();
    };
    int errors = 0, warnings = 0;
    for (const auto& file : files) {
        auto text = read_file(file);
        if (!text) {
            std::cout << file.string() << ": cannot read the file\n";
            ++errors;
            continue;
        }
        if (is_json_schema(*text)) {
            std::cerr << file.string() << ": skipped (a JSON Schema, not a workflow)\n";
            continue;
        }
        LoadResult loaded = load_definition_text(*text, catalog);
        for (const auto& d : loaded.diagnostics) {
            std::cout << file.string() << ":" << d.pointer << ": "
                      << (d.is_error() ? "" : "warning: ") << d.message << "\n";
            (d.is_error() ? errors : warnings)++;
        }
    }
    std::cerr << files.size() << " file(s): " << errors << " error(s), " << warnings
              << " warning(s)\n";
    return errors > 0 || (strict && warnings > 0) ? 1 : 0;
}

int cmd_simulate(const std::vector<std::string>& args) {
    std::optional<fs::path> definition, script, dir;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--script" && i + 1 < args.size())
            script = args[++i];
        else if (args[i] == "--workflows" && i + 1 < args.size())
            dir = args[++i];
        else
            definition = args[i];
    }
    if (!definition || !script) {
        std::cerr << kUsage;
        return 2;
    }
    if (!dir) dir = definition->parent_path().empty() ? fs::path(".") : definition->parent_path();
    std::vector<fs::path> files = json_files_in(*dir);
    if (std::find(files.begin(), files.end(), *definition) == files.end())
        files.push_back(*definition);
    std::vector<DefinitionPtr> catalog;
    std::string root;
    for (const auto& f : files) {
        auto text = read_file(f);
        if (!text) continue;
        LoadResult loaded = load_definition_text(*text);
        const bool is_root = fs::weakly_canonical(f) == fs::weakly_canonical(*definition);
        if (!loaded.ok()) {
            if (is_root) {
                for (const auto& d : loaded.diagnostics)
                    if (d.is_error())
                        std::cout << f.string() << ":" << d.pointer << ": " << d.message << "\n";
                return 1;
            }
            continue;
        }
        if (is_root) root = loaded.definition->name;
        catalog.push_back(loaded.definition);
    }
    auto script_text = read_file(*script);
    if (!script_text) {
        std::cerr << script->string() << ": cannot read the file\n";
        return 2;
    }
    json script_json = json::parse(*script_text, nullptr, false);
    if (script_json.is_discarded() || !script_json.is_object()) {
        std::cerr << script->string() << ": not a JSON object\n";
        return 2;
    }
    SimulationResult result = simulate(catalog, root, script_json);
    for (const auto& l : result.trace) std::cout << l << "\n";
    if (!result.ok()) {
        std::cout << "\n" << result.failures.size() << " failure(s):\n";
        for (const auto& f : result.failures) std::cout << script->string() << ":" << f << "\n";
        return 1;
    }
    std::cout << "\nok: every expectation held\n";
    return 0;
}

int cmd_logic(const std::vector<std::string>& args) {
    std::optional<std::string> tests, rule;
    std::string data = "null";
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
        if (args[i] == "--tests")
            tests = args[++i];
        else if (args[i] == "--eval")
            rule = args[++i];
        else if (args[i] == "--data")
            data = args[++i];
    }
    if (tests) {
        auto text = read_file(*tests);
        json cases = text ? json::parse(*text, nullptr, false) : json();
        if (!cases.is_array()) {
            std::cerr << *tests << ": not a JSON array of test cases\n";
            return 2;
        }
        logic::TestReport report = logic::run_tests(cases);
        for (const auto& f : report.failures) std::cout << "FAIL " << f << "\n";
        std::cout << report.passed << " passed, " << report.failed << " failed\n";
        return report.failed == 0 ? 0 : 1;
    }
    if (rule) {
        json r = json::parse(*rule, nullptr, false), d = json::parse(data, nullptr, false);
        if (r.is_discarded() || d.is_discarded()) {
            std::cerr << "the rule and the data must be JSON\n";
            return 2;
        }
        auto compiled = logic::compile(r);
        if (!compiled) {
            std::cerr << compiled.error().pointer << ": " << compiled.error().message << "\n";
            return 1;
        }
        std::cout << compiled->evaluate(d, logic::Context{}).dump() << "\n";
        return 0;
    }
    std::cerr << kUsage;
    return 2;
}

// --redis URL (or ACCORD_REDIS) and --prefix P, taken out of a command's arguments.
struct RedisArgs {
    std::string url =
        std::getenv("ACCORD_REDIS") ? std::getenv("ACCORD_REDIS") : "redis://127.0.0.1:6379/0";
    std::string prefix = accord::redis::StoreOptions{}.prefix;
    std::vector<std::string> rest;  // the other arguments, in order
};

RedisArgs redis_args(const std::vector<std::string>& args) {
    RedisArgs out;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--redis" && i + 1 < args.size())
            out.url = args[++i];
        else if (args[i] == "--prefix" && i + 1 < args.size())
            out.prefix = args[++i];
        else
            out.rest.push_back(args[i]);
    }
    return out;
}

// Runs `work(client)`, a coroutine that gives the exit status, on a client connected to Redis.
template <typename Work>
int on_redis(const RedisArgs& redis, Work work) {
    boost::asio::io_context io;
    auto client = accord::redis::Client::create(io.get_executor(), redis.url);
    if (!client) {
        std::cerr << "--redis: " << client.error().message << "\n";
        return 2;
    }
    if (redis.prefix.empty() || redis.prefix.find_first_of("{}") != std::string::npos) {
        std::cerr << "--prefix: not empty, and no braces\n";
        return 2;
    }
    int status = 0;
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
            auto connected = co_await client.value()->connect();
            if (!connected) {
                std::cerr << connected.error().to_string() << "\n";
                status = 1;
                co_return;
            }
            status = co_await work(client.value());
        },
        [&](std::exception_ptr e) {
            if (e) status = 1;
            io.stop();
        });
    io.run();
    return status;
}

// Runs one coroutine against an opened store, on the one argument left besides the options.
template <typename Work>
int with_store(const std::vector<std::string>& args, Work work) {
    const RedisArgs redis = redis_args(args);
    if (redis.rest.size() != 1) {
        std::cerr << kUsage;
        return 2;
    }
    return on_redis(
        redis, [&](std::shared_ptr<accord::redis::Client> client) -> boost::asio::awaitable<int> {
            accord::redis::StoreOptions options;
            options.prefix = redis.prefix;
            accord::redis::RedisStore store(std::move(client), options);
            auto opened = co_await store.open();
            if (!opened) {
                std::cerr << opened.error().to_string() << "\n";
                co_return 1;
            }
            co_return co_await work(store, redis.rest[0]);
        });
}

int cmd_verify_history(const std::vector<std::string>& args) {
    return with_store(
        args,
        [](accord::redis::RedisStore& store, const std::string& id) -> boost::asio::awaitable<int> {
            auto check = co_await store.verify_history(id);
            if (!check) {
                std::cerr << id << ": " << check.error().to_string() << "\n";
                co_return 1;
            }
            if (!check->intact) {
                std::cout << id << ": history broken after " << check->entries
                          << " entries: " << check->problem << "\n";
                co_return 1;
            }
            std::cout << id << ": " << check->entries << " entries, hash chain intact\n";
            co_return 0;
        });
}

int cmd_history(const std::vector<std::string>& args) {
    return with_store(
        args,
        [](accord::redis::RedisStore& store, const std::string& id) -> boost::asio::awaitable<int> {
            auto records = co_await store.history(id);
            if (!records) {
                std::cerr << id << ": " << records.error().to_string() << "\n";
                co_return 1;
            }
            if (records->empty()) {
                std::cerr << id << ": no history (no such instance?)\n";
                co_return 1;
            }
            for (const auto& r : *records) std::cout << r.entry << "\n";
            co_return 0;
        });
}

// A table NAME ROLES UNITS CREATED REVOKED, or a JSON array of the users with their profiles.
void print_users(const std::vector<accord::redis::User>& users, bool as_json) {
    if (as_json) {
        json out = json::array();
        for (const auto& u : users) out.push_back(to_json(u));
        std::cout << out.dump() << "\n";
        return;
    }
    std::vector<std::array<std::string, 5>> rows = {
        {"NAME", "ROLES", "UNITS", "CREATED", "REVOKED"}};
    const auto joined = [](const std::vector<std::string>& words) {
        std::string out;
        for (const auto& w : words) out += (out.empty() ? "" : ",") + w;
        return out;
    };
    for (const auto& u : users)
        rows.push_back({u.name, joined(u.roles), joined(u.profile.units),
                        format_date_time(u.created_at), u.revoked ? "yes" : "no"});
    std::array<std::size_t, 5> width{};
    for (const auto& row : rows)
        for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t c = 0; c < row.size(); ++c)
            line += c + 1 < row.size() ? row[c] + std::string(width[c] - row[c].size() + 2, ' ')
                                       : row[c];
        std::cout << line << "\n";
    }
}

// A password from stdin: on a terminal asked twice without echo; otherwise its first line.
std::optional<std::string> read_password(const std::string& name) {
    const bool tty = ::isatty(STDIN_FILENO) == 1;
    const auto ask = [&](const char* prompt) -> std::optional<std::string> {
        termios saved{};
        if (tty) {
            std::cerr << prompt << std::flush;
            ::tcgetattr(STDIN_FILENO, &saved);
            termios quiet = saved;
            quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
            ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
        }
        std::string line;
        const bool got = static_cast<bool>(std::getline(std::cin, line));
        if (tty) {
            ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
            std::cerr << "\n";
        }
        if (!got) return std::nullopt;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return line;
    };
    auto first = ask(("new password for " + name + ": ").c_str());
    if (!first || !tty) return first;
    auto again = ask("again: ");
    if (!again || *again != *first) {
        std::cerr << "the two passwords differ\n";
        return std::nullopt;
    }
    return first;
}

// `user set`'s options: the profile member each sets, and how its text becomes JSON.
json profile_option(const std::string& option, const std::string& value, bool& known) {
    known = true;
    const json text = value.empty() ? json(nullptr) : json(value);
    if (option == "--display-name") return {{"display_name", value}};
    if (option == "--email") return {{"email", text}};
    if (option == "--language") return {{"language", text}};
    if (option == "--time-zone") return {{"time_zone", text}};
    if (option == "--email-notices") return {{"email_notices", text}};
    if (option == "--digest-hour") {
        json hour = json::parse(value, nullptr, false);
        return {{"digest_hour", hour.is_discarded() ? text : hour}};
    }
    if (option == "--email-role-tasks")
        return {{"email_role_tasks", value == "yes"   ? json(true)
                                     : value == "no" ? json(false)
                                                     : text}};
    known = false;
    return json::object();
}

// `user add NAME --role ROLE...`, `user list [--json]`, `user revoke NAME`, `user token NAME`,
// `user set NAME --option VALUE...`, `user passwd NAME`.
int cmd_user(const std::vector<std::string>& args) {
    using accord::redis::IssuedToken;
    using accord::redis::UserStore;
    const RedisArgs redis = redis_args(args);
    const std::vector<std::string>& rest = redis.rest;
    const std::string verb = rest.empty() ? "" : rest[0];
    std::vector<std::string> names, roles, units;
    bool as_json = false, set_units = false;
    json changes = json::object();
    for (std::size_t i = 1; i < rest.size(); ++i) {
        bool known = false;
        if (rest[i] == "--role" && (verb == "add" || verb == "set") && i + 1 < rest.size()) {
            roles.push_back(rest[++i]);
        } else if (rest[i] == "--json" && verb == "list") {
            as_json = true;
        } else if (verb == "set" && rest[i] == "--unit" && i + 1 < rest.size()) {
            set_units = true;
            if (!rest[++i].empty()) units.push_back(rest[i]);
        } else if (verb == "set" && rest[i] == "--away" && i + 3 < rest.size()) {
            changes["away"] = {{"from", rest[i + 1]}, {"to", rest[i + 2]}, {"deputy", rest[i + 3]}};
            i += 3;
        } else if (verb == "set" && rest[i] == "--back") {
            changes["away"] = nullptr;
        } else if (verb == "set" && i + 1 < rest.size() &&
                   (changes.update(profile_option(rest[i], rest[i + 1], known)), known)) {
            ++i;
        } else if (rest[i].starts_with("--")) {
            names.push_back({});  // an option this verb does not take: a usage error below
        } else {
            names.push_back(rest[i]);
        }
    }
    if (set_units) changes["units"] = units;
    const bool named = names.size() == 1 && !names[0].empty();
    const bool usage_ok = (verb == "add" && named && !roles.empty()) ||
                          (verb == "list" && names.empty()) ||
                          (verb == "set" && named && (!changes.empty() || !roles.empty())) ||
                          ((verb == "revoke" || verb == "token" || verb == "passwd") && named);
    if (!usage_ok) {
        std::cerr << kUsage;
        return 2;
    }
    const std::string name = named ? names[0] : "";
    const auto refused = [&](const Error& e) {
        std::cerr << "user " << verb << (name.empty() ? "" : " " + name) << ": " << e.to_string()
                  << "\n";
        return 1;
    };
    const TimeMs now = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    return on_redis(
        redis, [&](std::shared_ptr<accord::redis::Client> client) -> boost::asio::awaitable<int> {
            UserStore users(std::move(client), redis.prefix);
            if (verb == "add" || verb == "token") {
                std::optional<Result<IssuedToken>> issued;
                if (verb == "add")
                    issued.emplace(co_await users.add(name, roles, now));
                else
                    issued.emplace(co_await users.issue_token(name, now));
                if (!*issued) co_return refused(issued->error());
                // Only the token on stdout, so that a script can capture it.
                std::cout << (*issued)->token << "\n";
                std::cerr << "a token for " << name
                          << ": it is shown this once; Accord keeps only its SHA-256\n";
                co_return 0;
            }
            if (verb == "revoke") {
                auto revoked = co_await users.revoke(name);
                if (!revoked) co_return refused(revoked.error());
                std::cerr << name << " is revoked, and every token and session of theirs\n";
                co_return 0;
            }
            if (verb == "set") {
                auto user = co_await users.get(name);
                if (!user) co_return refused(user.error());
                auto profile = patch_profile(user->profile, changes, ProfileEditor::admin,
                                             accord::http::known_time_zone);
                if (!profile) co_return refused(profile.error());
                // What the profile names must exist: its units and its deputy.
                if (!profile->units.empty()) {
                    auto known_units = co_await users.units();
                    if (!known_units) co_return refused(known_units.error());
                    for (std::size_t i = 0; i < profile->units.size(); ++i)
                        if (!known_units->contains(profile->units[i]))
                            co_return refused(make_error(ErrorCode::invalid_input,
                                                         "no unit " + profile->units[i],
                                                         "/units/" + std::to_string(i)));
                }
                if (profile->away) {
                    auto deputy = co_await users.get(profile->away->deputy);
                    if (!deputy || deputy->revoked || profile->away->deputy == name)
                        co_return refused(make_error(ErrorCode::invalid_input,
                                                     "no other user " + profile->away->deputy,
                                                     "/away/deputy"));
                }
                std::optional<std::vector<std::string>> new_roles;
                if (!roles.empty()) new_roles = roles;
                const accord::redis::ChangedBy by;  // "accordctl"
                auto updated = co_await users.update(name, std::move(profile).value(),
                                                     std::move(new_roles), by);
                if (!updated) co_return refused(updated.error());
                print_users({*updated}, true);
                co_return 0;
            }
            if (verb == "passwd") {
                auto password = read_password(name);
                if (!password) co_return refused(make_error(ErrorCode::invalid_input,
                                                            "no password read from stdin"));
                if (auto ok = accord::http::check_new_password(*password, name, "/password"); !ok)
                    co_return refused(ok.error());
                auto hash = accord::http::hash_password(*password);
                if (!hash) co_return refused(hash.error());
                const accord::redis::ChangedBy by;  // "accordctl"
                auto set = co_await users.set_password(name, std::move(hash).value(), by);
                if (!set) co_return refused(set.error());
                std::cerr << "the password of " << name << " is set; their sessions ended\n";
                co_return 0;
            }
            auto listed = co_await users.list();
            if (!listed) co_return refused(listed.error());
            print_users(*listed, as_json);
            co_return 0;
        });
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << kUsage;
        return 2;
    }
    // Options may come before the command (accordctl --redis URL user add ...): they are moved
    // after it, where each command looks for them.
    std::vector<std::string> words(argv + 1, argv + argc), leading;
    std::size_t first = 0;
    while (first < words.size() && words[first].starts_with("--") && words[first] != "--help") {
        const bool has_value = words[first] != "--json" && first + 1 < words.size();
        leading.push_back(words[first++]);
        if (has_value) leading.push_back(words[first++]);
    }
    if (first == words.size()) {
        std::cerr << kUsage;
        return 2;
    }
    const std::string command = words[first];
    std::vector<std::string> args(words.begin() + static_cast<std::ptrdiff_t>(first) + 1,
                                  words.end());
    args.insert(args.end(), leading.begin(), leading.end());
    const bool online = std::find(args.begin(), args.end(), "--server") != args.end() ||
                        std::getenv("ACCORD_SERVER") != nullptr;
    if (accord::accordctl::is_online_command(command) || (command == "history" && online))
        return accord::accordctl::run_online(command, args);
    if (command == "validate") return cmd_validate(args);
    if (command == "simulate") return cmd_simulate(args);
    if (command == "logic") return cmd_logic(args);
    if (command == "verify-history") return cmd_verify_history(args);
    if (command == "history") return cmd_history(args);
    if (command == "user") return cmd_user(args);
    if (command == "--help" || command == "help" || command == "-h") {
        std::cout << kUsage;
        return 0;
    }
    std::cerr << "unknown command \"" << command << "\"\n" << kUsage;
    return 2;
}
