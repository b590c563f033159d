// accordctl's online commands against a real accordd, run as a person runs them: start, tasks,
// claim, release, reassign, complete, send, cancel, instance, instances, history, definitions
// and watch, each in its table and --json forms; their refusals (the server's problem on stderr
// and exit 1; an unreachable server, exit 1; usage errors, exit 2); ACCORD_SERVER and
// ACCORD_TOKEN. What accordctl did is checked again through the REST API.
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>

#include "e2e_fixture.hpp"

namespace accord::e2e {
namespace {

using support::CommandResult;

// Whether accordctl ended with this exit code; its output in the failure message.
::testing::AssertionResult exited_with(const CommandResult& r, int code) {
    if (r.status.exited && r.status.code == code) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "accordctl: " << r.status.to_string() << ", not exit "
                                         << code << "\nstdout: " << r.out << "\nstderr: " << r.err;
}

// Refused by the server: exit 1, nothing on stdout, and the problem on stderr, starting with its
// status ("409 Conflict: task ... is completed by olga").
::testing::AssertionResult refused_with(const CommandResult& r, int status) {
    if (auto exited = exited_with(r, 1); !exited) return exited;
    if (!r.out.empty()) return ::testing::AssertionFailure() << "stdout not empty: " << r.out;
    if (!r.err.starts_with(std::to_string(status) + " "))
        return ::testing::AssertionFailure()
               << "stderr does not start with " << status << ": " << r.err;
    return ::testing::AssertionSuccess();
}

// A usage error: exit 2, a word on stderr, nothing on stdout.
::testing::AssertionResult usage_error(const CommandResult& r) {
    if (auto exited = exited_with(r, 2); !exited) return exited;
    if (r.err.empty()) return ::testing::AssertionFailure() << "nothing on stderr";
    if (!r.out.empty()) return ::testing::AssertionFailure() << "stdout not empty: " << r.out;
    return ::testing::AssertionSuccess();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

// The first line of a table that starts with `key` (an id or a name), or "".
std::string row_of(const std::string& table, const std::string& key) {
    for (const auto& line : lines_of(table))
        if (line.starts_with(key + " ")) return line;
    return "";
}

// A loopback port nothing listens on: bound, then closed.
int closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
        throw std::runtime_error("no free port");
    ::close(fd);
    return ntohs(address.sin_port);
}

// A command that runs until it is stopped (accordctl watch), its stdout on a pipe read line by
// line as it comes, its stderr in a file. Killed and reaped when destroyed; like run_command's
// children it dies with the test.
class LiveCommand {
public:
    explicit LiveCommand(std::vector<std::string> argv) {
        char dir[] = "/tmp/accordctl-watch-XXXXXX";
        if (::mkdtemp(dir) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir_ = dir;
        int out[2];
        if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        const std::string err_path = dir_ + "/err";
        const pid_t parent = ::getpid();
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) ::_exit(127);
            const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            const int null = ::open("/dev/null", O_RDONLY);
            if (err < 0 || null < 0) ::_exit(126);
            ::dup2(null, 0);
            ::dup2(out[1], 1);
            ::dup2(err, 2);
            ::execv(args[0], args.data());
            ::_exit(127);
        }
        ::close(out[1]);
        out_ = out[0];
    }
    ~LiveCommand() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        ::close(out_);
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    LiveCommand(const LiveCommand&) = delete;
    LiveCommand& operator=(const LiveCommand&) = delete;

    // The next whole line of stdout, without its newline; nullopt if none came within the
    // timeout, or stdout closed first.
    std::optional<std::string> read_line(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (true) {
            if (const auto newline = pending_.find('\n'); newline != std::string::npos) {
                std::string line = pending_.substr(0, newline);
                pending_.erase(0, newline + 1);
                transcript_ += line + "\n";
                return line;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return std::nullopt;
            pollfd p{out_, POLLIN, 0};
            const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
            if (ready <= 0) continue;  // timed out (checked above) or interrupted
            char buffer[4096];
            const ssize_t got = ::read(out_, buffer, sizeof buffer);
            if (got <= 0) return std::nullopt;
            pending_.append(buffer, static_cast<std::size_t>(got));
        }
    }

    // Reads lines until one contains `needle`: that line; nullopt if none came within the timeout.
    std::optional<std::string> read_line_with(const std::string& needle,
                                              std::chrono::milliseconds timeout = 5s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (true) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            auto line = read_line(std::max(left, 0ms));
            if (!line) return std::nullopt;
            if (line->find(needle) != std::string::npos) return line;
        }
    }

    // The exit code once the process has ended within the timeout (-1 if a signal ended it);
    // nullopt while it still runs.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
        std::optional<int> code;
        eventually(
            [&] {
                int status = 0;
                if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
                pid_ = -1;
                code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
                return true;
            },
            timeout);
        return code;
    }

    std::string err() const {
        std::ifstream in(dir_ + "/err");
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }
    // Everything read so far and stderr, for failure messages.
    std::string transcript() const {
        return "stdout:\n" + transcript_ + pending_ + "\nstderr:\n" + err();
    }

private:
    std::string dir_;
    pid_t pid_ = -1;
    int out_ = -1;
    std::string pending_;     // read, not yet a whole line
    std::string transcript_;  // the lines returned
};

// A small workflow with a declared event, published for `send`: mou_proposal declares none (its
// events are task outcomes, which the workflow raises itself).
const json kPartnerVisit = json::parse(R"({
  "workflow": "partner_visit",
  "version": 1,
  "title": "A visit by a partner delegation",
  "data": {"required": ["partner"],
           "properties": {"partner": {"type": "object", "required": ["name"],
                                      "properties": {"name": {"type": "string", "minLength": 1}}}}},
  "events": {
    "postpone": {"roles": ["officer"],
                 "fields": {"until": {"type": "string", "format": "date", "title": "New date"}}}
  },
  "start": "planned",
  "states": {
    "planned": {
      "task": {"role": "officer", "title": "Host the delegation of {{partner.name}}",
               "outcomes": ["hosted"], "due": "P14D"},
      "on": {"hosted": "hosted",
             "postpone": {"target": "postponed",
                          "actions": [{"set": {"postponed_until": {"var": "$event.until"}}}]}}
    },
    "postponed": {"on": {"resume": "planned"}},
    "hosted": {"final": "hosted"}
  }
})");

class AccordctlOnline : public E2eTest {
protected:
    void SetUp() override {
        E2eTest::SetUp();
        serve();
        olga_ = add_user("olga", {"officer"});
        otto_ = add_user("otto", {"officer"});
        dan_ = add_user("dan", {"dean"});
        luke_ = add_user("luke", {"officer_lead"});
        adam_ = add_user("adam", {"admin"});
    }
    void TearDown() override {
        std::error_code ec;
        if (!files_.empty()) std::filesystem::remove_all(files_, ec);
    }

    std::string server() const { return "http://127.0.0.1:" + std::to_string(accordd_->port()); }

    // `accordctl --server URL --token TOKEN ARGS...`, as the person.
    CommandResult ctl(const Person& p, const std::vector<std::string>& args) {
        std::vector<std::string> all = {"--server", server(), "--token", p.token};
        all.insert(all.end(), args.begin(), args.end());
        return support::run_command(ACCORDCTL_BINARY, all);
    }
    // The same with --json: what it printed, parsed; the test fails unless it exited 0 with JSON.
    json ctl_json(const Person& p, std::vector<std::string> args) {
        args.push_back("--json");
        const CommandResult r = ctl(p, args);
        EXPECT_TRUE(exited_with(r, 0));
        const json out = json::parse(r.out, nullptr, false);
        EXPECT_FALSE(out.is_discarded()) << "not JSON: " << r.out;
        return out;
    }
    // accordctl with these environment variables set for it alone.
    static CommandResult ctl_with_env(const std::vector<std::string>& env,
                                      const std::vector<std::string>& args) {
        std::vector<std::string> all = {"-u", "ACCORD_SERVER", "-u", "ACCORD_TOKEN"};
        all.insert(all.end(), env.begin(), env.end());
        all.push_back(ACCORDCTL_BINARY);
        all.insert(all.end(), args.begin(), args.end());
        return support::run_command("/usr/bin/env", all);
    }
    // `accordctl watch ARGS...` as the person, left running.
    std::unique_ptr<LiveCommand> watch(const Person& p, const std::vector<std::string>& args) {
        std::vector<std::string> all = {ACCORDCTL_BINARY, "--server", server(),
                                        "--token",        p.token,    "watch"};
        all.insert(all.end(), args.begin(), args.end());
        return std::make_unique<LiveCommand>(all);
    }

    // What the REST API says, as the admin.
    json rest(const std::string& target) {
        auto r = http_->get(target, adam_.token);
        EXPECT_EQ(r.status, 200) << target << ": " << describe(r);
        return r.json();
    }
    json instance(const std::string& id) { return rest("/api/v1/instances/" + id); }
    json task(const std::string& id) { return rest("/api/v1/tasks/" + id); }
    json history(const std::string& id) {
        return rest("/api/v1/instances/" + id + "/history").value("items", json::array());
    }
    std::size_t instance_count() { return rest("/api/v1/instances")["items"].size(); }

    // A proposal olga started over REST, and submitted to the dean if asked: the instance's id
    // and its open task's.
    std::pair<std::string, std::string> proposal(bool submitted = false) {
        auto [id, draft] = start_proposal(*http_, olga_.token);
        if (!submitted) return {id, draft};
        auto r = http_->post("/api/v1/tasks/" + draft + "/complete",
                             {{"outcome", "submit"}, {"fields", proposal_fields()}}, olga_.token);
        EXPECT_EQ(r.status, 200) << describe(r);
        return {id, r.json()["instance_state"]["tasks"][0].value("id", "")};
    }

    // A file holding `content`, removed with the test.
    std::string write_file(const std::string& name, const std::string& content) {
        if (files_.empty()) {
            char dir[] = "/tmp/accordctl-online-XXXXXX";
            if (::mkdtemp(dir) == nullptr) throw std::runtime_error("mkdtemp failed");
            files_ = dir;
        }
        const std::string path = files_ + "/" + name;
        std::ofstream(path) << content;
        return path;
    }

    Person olga_, otto_, dan_, luke_, adam_;

private:
    std::string files_;
};

// The id and state on the first line of an instance's table ("ID  WORKFLOW v1  state S (STATUS)").
const std::regex kInstanceHead(
    R"(^([a-z_]+-[0-9a-z]+)  ([a-z_]+) v1  state ([a-z_]+) \(([a-z]+)\))");

// ---------------------------------------------------------------------------------------------
// start

TEST_F(AccordctlOnline, StartWithADataFileCreatesTheInstanceTheApiShows) {
    const json data = {{"partner", {{"name", "Universität Wien"}, {"country", "AT"}}}};
    const std::string file = write_file("proposal.json", data.dump());
    const json started = ctl_json(olga_, {"start", "mou_proposal", "--data", "@" + file});
    ASSERT_TRUE(started["id"].is_string()) << started.dump();
    const std::string id = started["id"];

    const json view = instance(id);
    EXPECT_EQ(view["workflow"], "mou_proposal");
    EXPECT_EQ(view["state"], "draft");
    EXPECT_EQ(view["status"], "running");
    EXPECT_EQ(view["data"], data);
    // Views say what their reader may do ("can"): olga's view, since she started it.
    EXPECT_EQ(started, http_->get("/api/v1/instances/" + id, olga_.token).json())
        << "--json prints the server's instance";
    ASSERT_FALSE(history(id).empty());
    EXPECT_EQ(history(id)[0]["actor"], "olga") << "started with olga's token";
}

TEST_F(AccordctlOnline, StartPrintsTheNewInstancesIdAndStateAsATable) {
    const CommandResult r =
        ctl(olga_, {"start", "mou_proposal", "--data", R"({"partner": {"name": "KTH"}})"});
    ASSERT_TRUE(exited_with(r, 0));
    std::smatch head;
    const std::string first = lines_of(r.out).at(0);
    ASSERT_TRUE(std::regex_search(first, head, kInstanceHead)) << r.out;
    EXPECT_EQ(head[2], "mou_proposal");
    EXPECT_EQ(head[3], "draft");
    EXPECT_EQ(head[4], "running");
    const json view = instance(head[1]);
    EXPECT_EQ(view["data"]["partner"]["name"], "KTH");
    ASSERT_EQ(view["tasks"].size(), 1u);
    EXPECT_NE(row_of(r.out, view["tasks"][0]["id"]), "") << "the open draft task is listed\n"
                                                         << r.out;
}

TEST_F(AccordctlOnline, StartWithTheSameKeyTwiceReturnsTheFirstInstance) {
    const json first = ctl_json(olga_, {"start", "mou_proposal", "--key", "MOU-CLI-1", "--data",
                                        R"({"partner": {"name": "Universidad de Chile"}})"});
    const json again = ctl_json(olga_, {"start", "mou_proposal", "--key", "MOU-CLI-1", "--data",
                                        R"({"partner": {"name": "Another University"}})"});
    ASSERT_TRUE(first["id"].is_string()) << first.dump();
    EXPECT_EQ(again["id"], first["id"]);
    EXPECT_EQ(again["key"], "MOU-CLI-1");
    EXPECT_EQ(again["data"]["partner"]["name"], "Universidad de Chile");
    EXPECT_EQ(instance_count(), 1u);
    const json by_key = rest("/api/v1/instances?workflow=mou_proposal&key=MOU-CLI-1");
    EXPECT_EQ(ids_of(by_key["items"]), std::set<std::string>{first["id"]});
}

// ---------------------------------------------------------------------------------------------
// tasks, claim, release, reassign, complete

TEST_F(AccordctlOnline, TasksListsTheOfficersDraftAndMineListsItOnceClaimed) {
    const auto [id, draft] = proposal();
    EXPECT_EQ(ids_of(ctl_json(olga_, {"tasks"})["items"]), std::set<std::string>{draft});
    const CommandResult table = ctl(olga_, {"tasks"});
    ASSERT_TRUE(exited_with(table, 0));
    EXPECT_NE(row_of(table.out, draft).find("officer"), std::string::npos) << table.out;
    // mine: assigned to me or claimed by me (docs/api.md), not yet my role's queue.
    EXPECT_TRUE(ctl_json(olga_, {"tasks", "--mine"})["items"].empty());
    EXPECT_TRUE(ctl_json(olga_, {"tasks", "--overdue"})["items"].empty());
    EXPECT_TRUE(ctl_json(dan_, {"tasks"})["items"].empty()) << "not the dean's";

    ASSERT_TRUE(exited_with(ctl(olga_, {"claim", draft}), 0));
    EXPECT_EQ(ids_of(ctl_json(olga_, {"tasks", "--mine"})["items"]), std::set<std::string>{draft});
    EXPECT_EQ(ids_of(ctl_json(olga_, {"tasks", "--status", "claimed"})["items"]),
              std::set<std::string>{draft});
    EXPECT_TRUE(ctl_json(olga_, {"tasks", "--status", "unclaimed"})["items"].empty());
    const CommandResult mine = ctl(olga_, {"tasks", "--mine"});
    EXPECT_NE(row_of(mine.out, draft).find("  olga  "), std::string::npos)
        << "WHO is the claimant\n"
        << mine.out;
}

TEST_F(AccordctlOnline, ClaimAndReleaseChangeTheTasksClaimant) {
    const auto [id, draft] = proposal();
    const CommandResult claimed = ctl(olga_, {"claim", draft});
    ASSERT_TRUE(exited_with(claimed, 0));
    EXPECT_EQ(lines_of(claimed.out).at(0), "claim: " + draft + " is open (claimed by olga)");
    EXPECT_EQ(task(draft)["claimed_by"], "olga");
    // otto, another officer, may not take it while olga's claim binds.
    EXPECT_TRUE(refused_with(ctl(otto_, {"claim", draft}), 409));
    EXPECT_EQ(task(draft)["claimed_by"], "olga");

    const json released = ctl_json(olga_, {"release", draft});
    EXPECT_FALSE(released.contains("claimed_by")) << released.dump();
    EXPECT_FALSE(task(draft).contains("claimed_by"));
    const int revision = instance(id)["revision"];
    EXPECT_TRUE(refused_with(ctl(olga_, {"release", draft}), 409)) << "nobody claims it";
    EXPECT_EQ(instance(id)["revision"], revision);
}

TEST_F(AccordctlOnline, ReassignGivesTheTaskToAPersonAndBackToItsQueue) {
    const auto [id, draft] = proposal();
    EXPECT_TRUE(refused_with(ctl(olga_, {"reassign", draft, "--assignee", "otto"}), 403))
        << "only a lead or an admin reassigns";
    EXPECT_FALSE(task(draft).contains("assignee"));

    ASSERT_TRUE(exited_with(ctl(luke_, {"reassign", draft, "--assignee", "otto"}), 0));
    EXPECT_EQ(task(draft)["assignee"], "otto");
    EXPECT_EQ(ids_of(ctl_json(otto_, {"tasks", "--mine"})["items"]), std::set<std::string>{draft});

    ASSERT_TRUE(exited_with(ctl(luke_, {"reassign", draft}), 0));
    EXPECT_FALSE(task(draft).contains("assignee")) << task(draft).dump();
    EXPECT_TRUE(ctl_json(otto_, {"tasks", "--mine"})["items"].empty());
}

TEST_F(AccordctlOnline, CompleteWithFieldsMovesTheInstanceAndASecondCompleteChangesNothing) {
    const auto [id, draft] = proposal();
    const CommandResult done =
        ctl(olga_,
            {"complete", draft, "--outcome", "submit", "--field", "agreement_type=student_exchange",
             "--field", "scope=Faculty of Sciences; master students", "--field",
             "rationale=A strong partner in astronomy", "--field", "start_date=2030-09-01",
             "--field", "end_date=2032-08-31", "--field", R"(quotas={"students": 4, "staff": 2})",
             "--comment", "ready for the dean"});
    ASSERT_TRUE(exited_with(done, 0));
    EXPECT_EQ(done.out,
              "complete: " + draft + " is completed\ninstance " + id + " now in endorsement\n");

    const json view = instance(id);
    EXPECT_EQ(view["state"], "endorsement");
    EXPECT_EQ(view["data"]["scope"], "Faculty of Sciences; master students");
    EXPECT_EQ(view["data"]["start_date"], "2030-09-01") << "a value that is not JSON is text";
    EXPECT_EQ(view["data"]["quotas"], json({{"students", 4}, {"staff", 2}})) << "JSON is JSON";
    const json closed = task(draft);
    EXPECT_EQ(closed["status"], "completed");
    EXPECT_EQ(closed["outcome"], "submit");
    EXPECT_EQ(closed["closed_by"], "olga");
    EXPECT_EQ(closed["comment"], "ready for the dean");

    const std::size_t entries = history(id).size();
    const CommandResult again = ctl(olga_, {"complete", draft, "--outcome", "submit"});
    EXPECT_TRUE(refused_with(again, 409));
    EXPECT_NE(again.err.find("completed"), std::string::npos) << again.err;
    EXPECT_EQ(instance(id)["revision"], view["revision"]);
    EXPECT_EQ(history(id).size(), entries);
}

TEST_F(AccordctlOnline, AFieldTheFormRefusesExitsOneWithThe422AndItsPointer) {
    const auto [id, draft] = proposal();
    const CommandResult r = ctl(olga_, {"complete", draft, "--outcome", "submitted"});
    EXPECT_TRUE(refused_with(r, 422));
    EXPECT_NE(r.err.find("(at /outcome)"), std::string::npos) << r.err;
    EXPECT_EQ(task(draft)["status"], "open");
    EXPECT_EQ(instance(id)["revision"], 1);
}

// ---------------------------------------------------------------------------------------------
// Refusals

TEST_F(AccordctlOnline, CompletingATaskOfAnotherRoleExitsOneWith403AndChangesNothing) {
    const auto [id, draft] = proposal();
    const CommandResult r = ctl(dan_, {"complete", draft, "--outcome", "withdraw"});
    EXPECT_TRUE(refused_with(r, 403));
    EXPECT_NE(r.err.find("officer"), std::string::npos) << "says which role: " << r.err;
    EXPECT_EQ(task(draft)["status"], "open");
    EXPECT_EQ(instance(id)["revision"], 1);
}

TEST_F(AccordctlOnline, AnUnknownOrRevokedTokenExitsOneWith401) {
    const Person rex = add_user("rex", {"officer"});
    EXPECT_TRUE(exited_with(ctl(rex, {"tasks"}), 0));
    revoke_user("rex");
    EXPECT_TRUE(refused_with(ctl(rex, {"tasks"}), 401));
    EXPECT_TRUE(refused_with(
        ctl(rex, {"start", "mou_proposal", "--data", R"({"partner": {"name": "KTH"}})"}), 401));
    EXPECT_EQ(instance_count(), 0u);
    const Person nobody{"nobody", {}, "acc_not-a-token-anyone-was-given"};
    EXPECT_TRUE(refused_with(ctl(nobody, {"definitions"}), 401));
}

TEST_F(AccordctlOnline, AnUnreachableServerExitsOneSayingSoOnOneLine) {
    const std::string url = "http://127.0.0.1:" + std::to_string(closed_port());
    const std::vector<std::vector<std::string>> commands = {
        {"tasks"}, {"instance", "mou_proposal-x"}, {"watch"}};
    for (const auto& command : commands) {
        std::vector<std::string> args = {"--server", url, "--token", olga_.token};
        args.insert(args.end(), command.begin(), command.end());
        const CommandResult r = support::run_command(ACCORDCTL_BINARY, args);
        EXPECT_TRUE(exited_with(r, 1)) << command[0];
        EXPECT_TRUE(r.out.empty()) << command[0] << ": " << r.out;
        EXPECT_EQ(r.err, "cannot reach " + url + ": Connection refused\n") << command[0];
    }
}

TEST_F(AccordctlOnline, UsageErrorsExitTwoAndSendNothing) {
    const auto [id, draft] = proposal();
    const std::vector<std::vector<std::string>> mistakes = {
        {"complete"},                                     // no task
        {"claim", draft, draft},                          // one too many
        {"send", id},                                     // no event
        {"tasks", "--colour", "red"},                     // an unknown option
        {"complete", draft, "--field", "scope"},          // not NAME=VALUE
        {"start", "mou_proposal", "--data", "{partner"},  // not JSON
        {"start", "mou_proposal", "--data", "@/nonexistent/proposal.json"},
    };
    for (const auto& args : mistakes) {
        std::string line;
        for (const auto& a : args) line += a + " ";
        EXPECT_TRUE(usage_error(ctl(olga_, args))) << line;
    }
    // An option's value missing at the very end.
    EXPECT_TRUE(usage_error(support::run_command(
        ACCORDCTL_BINARY, {"tasks", "--server", server(), "--token", olga_.token, "--role"})));
    // No TLS in accordctl.
    EXPECT_TRUE(usage_error(support::run_command(
        ACCORDCTL_BINARY, {"tasks", "--server", "https://127.0.0.1:1", "--token", olga_.token})));
    // No token at all.
    const CommandResult no_token = ctl_with_env({}, {"--server", server(), "tasks"});
    EXPECT_TRUE(usage_error(no_token));
    EXPECT_NE(no_token.err.find("ACCORD_TOKEN"), std::string::npos) << no_token.err;

    EXPECT_EQ(instance_count(), 1u);
    EXPECT_EQ(instance(id)["revision"], 1);
    EXPECT_EQ(task(draft)["status"], "open");
}

// ---------------------------------------------------------------------------------------------
// instance, instances, history, definitions

TEST_F(AccordctlOnline, InstancePrintsATableAndTheServersJson) {
    const auto [id, draft] = proposal();
    const CommandResult table = ctl(olga_, {"instance", id});
    ASSERT_TRUE(exited_with(table, 0));
    std::smatch head;
    const std::string first = lines_of(table.out).at(0);
    ASSERT_TRUE(std::regex_search(first, head, kInstanceHead)) << table.out;
    EXPECT_EQ(head[1], id);
    EXPECT_EQ(head[3], "draft");
    EXPECT_EQ(head[4], "running");
    EXPECT_NE(table.out.find("\nOpen tasks\n"), std::string::npos) << table.out;
    EXPECT_NE(row_of(table.out, draft), "") << table.out;
    EXPECT_NE(table.out.find("\"Universidad de Chile\""), std::string::npos) << "the data";

    auto direct = http_->get("/api/v1/instances/" + id, olga_.token);
    ASSERT_EQ(direct.status, 200) << describe(direct);
    EXPECT_EQ(ctl_json(olga_, {"instance", id}), direct.json());

    EXPECT_TRUE(refused_with(ctl(olga_, {"instance", "mou_proposal-nosuchthing0"}), 404));
}

TEST_F(AccordctlOnline, InstancesListsByWorkflowAndStateAndPagesWithTheCursor) {
    const auto [drafting, t1] = proposal();
    const auto [submitted, t2] = proposal(true);
    auto legal =
        http_->post("/api/v1/instances",
                    {{"workflow", "legal_review"},
                     {"data", {{"partner", {{"name", "KTH"}}}, {"end_date", "2032-08-31"}}}},
                    olga_.token);
    ASSERT_EQ(legal.status, 201) << describe(legal);
    const std::string review = legal.json()["id"];

    EXPECT_EQ(ids_of(ctl_json(olga_, {"instances"})["items"]),
              (std::set<std::string>{drafting, submitted, review}));
    EXPECT_EQ(ids_of(ctl_json(olga_, {"instances", "--workflow", "mou_proposal"})["items"]),
              (std::set<std::string>{drafting, submitted}));
    EXPECT_EQ(ids_of(ctl_json(olga_, {"instances", "--workflow", "mou_proposal", "--state",
                                      "endorsement"})["items"]),
              std::set<std::string>{submitted});

    // One a page: the table says how to get the next.
    const CommandResult page =
        ctl(olga_, {"instances", "--workflow", "mou_proposal", "--limit", "1"});
    ASSERT_TRUE(exited_with(page, 0));
    const std::vector<std::string> lines = lines_of(page.out);
    ASSERT_EQ(lines.size(), 3u) << page.out;  // the head, one instance, and the cursor
    const std::string shown = lines[1].substr(0, lines[1].find(' '));
    ASSERT_TRUE(shown == drafting || shown == submitted) << page.out;
    ASSERT_TRUE(lines[2].starts_with("more: --cursor ")) << page.out;
    const std::string cursor = lines[2].substr(std::string("more: --cursor ").size());
    const json next = ctl_json(
        olga_, {"instances", "--workflow", "mou_proposal", "--limit", "1", "--cursor", cursor});
    EXPECT_EQ(ids_of(next["items"]),
              std::set<std::string>{shown == drafting ? submitted : drafting});
}

TEST_F(AccordctlOnline, HistoryThroughTheServerListsEveryInputAndWhoGaveIt) {
    const auto [id, draft] = proposal();
    ASSERT_TRUE(exited_with(ctl(olga_, {"claim", draft}), 0));
    ASSERT_EQ(http_
                  ->post("/api/v1/tasks/" + draft + "/complete",
                         {{"outcome", "submit"}, {"fields", proposal_fields()}}, olga_.token)
                  .status,
              200);

    const json listed = ctl_json(olga_, {"history", id});
    std::vector<std::pair<std::string, std::string>> inputs;
    for (const auto& e : listed.value("items", json::array()))
        inputs.emplace_back(e.value("input", ""), e.value("actor", ""));
    using Inputs = std::vector<std::pair<std::string, std::string>>;
    EXPECT_EQ(inputs, (Inputs{{"start", "olga"}, {"claim", "olga"}, {"complete", "olga"}}));
    EXPECT_EQ(listed.value("items", json::array()), history(id));

    const CommandResult table = ctl(olga_, {"history", id});
    ASSERT_TRUE(exited_with(table, 0));
    ASSERT_EQ(lines_of(table.out).size(), 4u) << table.out;
    const std::string last = lines_of(table.out)[3];
    for (const char* word : {"  olga  ", "  complete  ", "draft -> endorsement"})
        EXPECT_NE(last.find(word), std::string::npos) << word << " in " << last;

    EXPECT_TRUE(refused_with(ctl(olga_, {"history", "mou_proposal-nosuchthing0"}), 404));
}

TEST_F(AccordctlOnline, DefinitionsListsTheShippedWorkflows) {
    const CommandResult table = ctl(olga_, {"definitions"});
    ASSERT_TRUE(exited_with(table, 0));
    const std::string row = row_of(table.out, "mou_proposal");
    EXPECT_NE(row.find("  1  "), std::string::npos) << table.out;
    EXPECT_NE(row.find(shipped_definition("mou_proposal")["title"]["en"].get<std::string>()),
              std::string::npos)
        << table.out;

    const json listed = ctl_json(olga_, {"definitions"});
    std::set<std::string> names;
    for (const auto& d : listed["items"]) names.insert(d["name"]);
    EXPECT_EQ(names, (std::set<std::string>{"agreement", "legal_review", "mou_proposal", "renewal",
                                            "reporting", "signing"}));
}

// ---------------------------------------------------------------------------------------------
// send, cancel

TEST_F(AccordctlOnline, SendDeliversADeclaredEventAndAnUnknownOneExitsOneWith422) {
    auto published = http_->post("/api/v1/definitions", kPartnerVisit, adam_.token);
    ASSERT_EQ(published.status, 201) << describe(published);
    const json started =
        ctl_json(olga_, {"start", "partner_visit", "--data", R"({"partner": {"name": "KTH"}})"});
    ASSERT_TRUE(started["id"].is_string()) << started.dump();
    const std::string id = started["id"];

    const CommandResult postponed =
        ctl(olga_, {"send", id, "postpone", "--data", R"({"until": "2031-01-15"})"});
    ASSERT_TRUE(exited_with(postponed, 0));
    std::smatch head;
    const std::string first = lines_of(postponed.out).at(0);
    ASSERT_TRUE(std::regex_search(first, head, kInstanceHead)) << postponed.out;
    EXPECT_EQ(head[3], "postponed");
    EXPECT_EQ(instance(id)["state"], "postponed");
    EXPECT_EQ(instance(id)["data"]["postponed_until"], "2031-01-15");
    EXPECT_EQ(ctl_json(olga_, {"send", id, "resume"})["state"], "planned");
    EXPECT_EQ(instance(id)["state"], "planned");

    const int revision = instance(id)["revision"];
    const CommandResult unknown = ctl(olga_, {"send", id, "explode"});
    EXPECT_TRUE(refused_with(unknown, 422));
    EXPECT_NE(unknown.err.find("explode"), std::string::npos) << unknown.err;
    const CommandResult bad_date =
        ctl(olga_, {"send", id, "postpone", "--data", R"({"until": "soon"})"});
    EXPECT_TRUE(refused_with(bad_date, 422));
    EXPECT_NE(bad_date.err.find("(at /data/until)"), std::string::npos) << bad_date.err;
    // A task outcome is the workflow's own event: complete the task instead.
    EXPECT_TRUE(refused_with(ctl(olga_, {"send", id, "hosted"}), 409));
    // The dean takes no part in partner visits.
    EXPECT_TRUE(refused_with(
        ctl(dan_, {"send", id, "postpone", "--data", R"({"until": "2031-01-15"})"}), 403));
    EXPECT_EQ(instance(id)["revision"], revision);
    EXPECT_EQ(instance(id)["state"], "planned");
}

TEST_F(AccordctlOnline, CancelWithAReasonEndsTheInstanceAndItsHistorySaysWhy) {
    const auto [id, draft] = proposal();
    EXPECT_TRUE(refused_with(ctl(olga_, {"cancel", id, "--reason", "a duplicate"}), 403))
        << "an officer is not a lead";
    EXPECT_EQ(instance(id)["status"], "running");

    const CommandResult cancelled = ctl(luke_, {"cancel", id, "--reason", "a duplicate"});
    ASSERT_TRUE(exited_with(cancelled, 0));
    EXPECT_NE(lines_of(cancelled.out).at(0).find("(cancelled)  outcome cancelled"),
              std::string::npos)
        << cancelled.out;
    const json view = instance(id);
    EXPECT_EQ(view["status"], "cancelled");
    EXPECT_TRUE(view["tasks"].empty());
    EXPECT_EQ(task(draft)["status"], "cancelled");
    const json last = history(id).back();
    EXPECT_EQ(last["input"], "cancel");
    EXPECT_EQ(last["actor"], "luke");
    EXPECT_EQ(last["detail"]["reason"], "a duplicate");

    EXPECT_TRUE(refused_with(ctl(luke_, {"cancel", id}), 409)) << "it has ended";
    EXPECT_EQ(instance(id)["revision"], view["revision"]);
}

// ---------------------------------------------------------------------------------------------
// watch

TEST_F(AccordctlOnline, WatchPrintsTheSnapshotAtOnceThenEachChangeAsItComes) {
    const auto [id, draft] = proposal();
    auto w = watch(olga_, {});
    // Before anything changes: a reader of the pipe sees the pending tasks already.
    EXPECT_EQ(w->read_line(5s).value_or("(nothing)"), "pending now (1)") << w->transcript();
    const auto row = w->read_line_with(draft);
    ASSERT_TRUE(row) << "no snapshot row for " << draft << "\n" << w->transcript();
    EXPECT_TRUE(row->starts_with(draft + "  officer  ")) << *row;

    const auto [other, other_draft] = proposal();
    const auto opened = w->read_line_with("  task.opened  " + other_draft + "  officer  ");
    EXPECT_TRUE(opened) << w->transcript();
    ASSERT_EQ(http_->post("/api/v1/tasks/" + draft + "/claim", json::object(), olga_.token).status,
              200);
    EXPECT_TRUE(w->read_line_with("  task.claimed  " + draft)) << w->transcript();
    EXPECT_FALSE(w->wait_exit(0ms)) << "watch runs until stopped\n" << w->transcript();
}

TEST_F(AccordctlOnline, WatchJsonPrintsTheFeedsMessagesAndResumesFromACursor) {
    const auto [id, draft] = proposal();
    std::string cursor;
    {
        auto w = watch(olga_, {"--json", "--workflow", "mou_proposal"});
        const json snapshot = json::parse(w->read_line(5s).value_or(""), nullptr, false);
        ASSERT_TRUE(snapshot.is_object()) << w->transcript();
        EXPECT_EQ(snapshot["type"], "snapshot");
        EXPECT_EQ(ids_of(snapshot["items"]), std::set<std::string>{draft});

        ASSERT_EQ(
            http_->post("/api/v1/tasks/" + draft + "/claim", json::object(), olga_.token).status,
            200);
        const auto line = w->read_line_with("\"task.claimed\"");
        ASSERT_TRUE(line) << w->transcript();
        const json claimed = json::parse(*line);
        EXPECT_EQ(claimed["task"]["id"], draft);
        EXPECT_EQ(claimed["by"], "olga");
        cursor = claimed["cursor"];
    }
    // While nobody watches, olga releases it; watching again from the cursor tells just that.
    ASSERT_EQ(
        http_->post("/api/v1/tasks/" + draft + "/release", json::object(), olga_.token).status,
        200);
    auto w = watch(olga_, {"--json", "--cursor", cursor});
    const json missed = json::parse(w->read_line(5s).value_or(""), nullptr, false);
    ASSERT_TRUE(missed.is_object()) << w->transcript();
    EXPECT_EQ(missed["type"], "task.released") << "no snapshot after a cursor";
    EXPECT_EQ(missed["task"]["id"], draft);
}

TEST_F(AccordctlOnline, WatchRefusedOrCutOffExitsOneWithTheReason) {
    // A bad token: the upgrade's 401, said as the other commands say a refusal.
    const Person nobody{"nobody", {}, "acc_not-a-token-anyone-was-given"};
    const CommandResult bad = ctl(nobody, {"watch"});
    EXPECT_TRUE(refused_with(bad, 401));

    // A role the user does not hold: the server closes the feed with 1008.
    auto not_dean = watch(olga_, {"--role", "dean"});
    EXPECT_EQ(not_dean->wait_exit(5s), 1) << not_dean->transcript();
    EXPECT_TRUE(not_dean->err().starts_with("feed closed: 1008")) << not_dean->transcript();

    // Revoked while watching: the feed closes, and watch ends instead of waiting forever.
    const Person rex = add_user("rex", {"officer"});
    auto w = watch(rex, {});
    ASSERT_EQ(w->read_line(5s).value_or("(nothing)"), "pending now (0)") << w->transcript();
    revoke_user("rex");
    EXPECT_EQ(w->wait_exit(5s), 1) << w->transcript();
    EXPECT_TRUE(w->err().starts_with("feed closed: 1008")) << w->transcript();
}

// ---------------------------------------------------------------------------------------------
// The environment

TEST_F(AccordctlOnline, AccordServerAndAccordTokenStandInForTheFlags) {
    const auto [id, draft] = proposal();
    const std::vector<std::string> env = {"ACCORD_SERVER=" + server(),
                                          "ACCORD_TOKEN=" + otto_.token};
    const CommandResult tasks = ctl_with_env(env, {"tasks", "--json"});
    ASSERT_TRUE(exited_with(tasks, 0));
    EXPECT_EQ(ids_of(json::parse(tasks.out, nullptr, false)["items"]),
              std::set<std::string>{draft});

    // The token is otto's: the claim is his.
    ASSERT_TRUE(exited_with(ctl_with_env(env, {"claim", draft}), 0));
    EXPECT_EQ(task(draft)["claimed_by"], "otto");
    // history goes to the server, not to Redis, when ACCORD_SERVER is set.
    const CommandResult listed = ctl_with_env(env, {"history", id, "--json"});
    ASSERT_TRUE(exited_with(listed, 0));
    EXPECT_EQ(json::parse(listed.out, nullptr, false)["items"], history(id));

    // The flags win over the environment.
    const std::string nowhere = "http://127.0.0.1:" + std::to_string(closed_port());
    const CommandResult flags =
        ctl_with_env({"ACCORD_SERVER=" + nowhere, "ACCORD_TOKEN=acc_not-a-token"},
                     {"--server", server(), "--token", olga_.token, "tasks", "--json"});
    ASSERT_TRUE(exited_with(flags, 0));
    EXPECT_TRUE(json::parse(flags.out, nullptr, false)["items"].empty())
        << "olga's queue, less the draft otto claimed";
    const CommandResult unreachable =
        ctl_with_env({"ACCORD_SERVER=" + nowhere, "ACCORD_TOKEN=" + olga_.token}, {"tasks"});
    EXPECT_TRUE(exited_with(unreachable, 1));
    EXPECT_TRUE(unreachable.err.starts_with("cannot reach " + nowhere + ": ")) << unreachable.err;
}

}  // namespace
}  // namespace accord::e2e
