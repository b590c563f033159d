// AccorddProcess: the accordd binary run as an operator runs it, on a free loopback port, its
// JSON log kept in a file; and run_accordctl, the command-line tool run the same way. For
// end-to-end tests, which see the server only from the outside.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <sys/types.h>

namespace accord::testing {

// How a process ended.
struct ExitStatus {
    bool exited = false;  // false: killed by a signal, or still running at the deadline
    int code = -1;        // the exit code, when exited
    int signal = 0;       // the signal that ended it, when it did
    bool timed_out = false;
    std::chrono::milliseconds took{0};  // from the signal sent to the exit

    std::string to_string() const;
};

class AccorddProcess {
public:
    struct Options {
        std::string binary;     // the accordd executable
        std::string redis_url;  // --redis
        std::string workflows;  // --workflows DIR
        std::string prefix;     // --prefix, when not empty
        std::vector<std::string> extra_args;
    };

    // Starts accordd with `--listen 127.0.0.1:0` and waits until its log says where it serves.
    // Throws std::runtime_error, with the log, if it exits first or 10 s pass.
    explicit AccorddProcess(Options options);
    // Kills the process if it still runs.
    ~AccorddProcess();
    AccorddProcess(const AccorddProcess&) = delete;
    AccorddProcess& operator=(const AccorddProcess&) = delete;

    int port() const { return port_; }
    pid_t pid() const { return pid_; }
    bool running() const { return pid_ > 0; }

    // SIGTERM, then waits for the exit; past the timeout, SIGKILL (and timed_out is set).
    ExitStatus stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // The two halves of stop(), for a test that watches its clients while the server shuts
    // down. `took` counts from the SIGTERM.
    void terminate();
    ExitStatus wait(std::chrono::milliseconds timeout);
    // SIGKILL, as a crash would.
    void kill();
    // The stderr log so far (JSON lines).
    std::string log() const;

private:
    Options options_;
    std::string dir_;  // holds the log
    pid_t pid_ = -1;
    int port_ = 0;
    std::chrono::steady_clock::time_point terminated_at_{};
};

struct CommandResult {
    ExitStatus status;
    std::string out, err;
};

// Runs `binary args...` to its end (at most 10 s), capturing stdout and stderr.
CommandResult run_command(const std::string& binary, const std::vector<std::string>& args);

// `accordctl user add NAME --role R... --redis URL --prefix P`: the new user's token. Throws
// std::runtime_error, with accordctl's stderr, when it fails.
std::string add_user(const std::string& accordctl, const std::string& redis_url,
                     const std::string& prefix, const std::string& name,
                     const std::vector<std::string>& roles);

}  // namespace accord::testing
