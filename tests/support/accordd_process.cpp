// fork + exec of accordd and accordctl. The children die with the test (PR_SET_PDEATHSIG), so a
// test killed halfway leaves no server behind; their output goes to files, never to a pipe that
// a chatty server could fill.
#include "accordd_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

namespace accord::testing {

namespace {

using Clock = std::chrono::steady_clock;

std::string make_temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "accord-e2e-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    return pattern;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Starts `args[0] args[1...]` with stdout and stderr appended to the files given.
pid_t spawn(const std::vector<std::string>& args, const std::string& out_path,
            const std::string& err_path) {
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);  // the test died before prctl took
        const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        const int null = ::open("/dev/null", O_RDONLY);
        if (out < 0 || err < 0 || null < 0) ::_exit(126);
        ::dup2(null, 0);
        ::dup2(out, 1);
        ::dup2(err, 2);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    return pid;
}

ExitStatus decode(int status) {
    ExitStatus s;
    if (WIFEXITED(status)) {
        s.exited = true;
        s.code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        s.signal = WTERMSIG(status);
    }
    return s;
}

// Waits for `pid` until the deadline; nullopt if it still runs.
std::optional<ExitStatus> wait_until(pid_t pid, Clock::time_point deadline) {
    while (true) {
        int status = 0;
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) return decode(status);
        if (r < 0) return ExitStatus{};
        if (Clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

// The port in the log line `..."msg":"node N serving http://127.0.0.1:PORT/api/v1"`, or 0.
int serving_port(const std::string& log) {
    static const std::string marker = "serving http://127.0.0.1:";
    std::istringstream lines(log);
    std::string line;
    while (std::getline(lines, line)) {
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_object() || !j.contains("msg") || !j["msg"].is_string()) continue;
        const std::string msg = j["msg"].get<std::string>();
        const auto at = msg.find(marker);
        if (at == std::string::npos) continue;
        int port = 0;
        for (std::size_t i = at + marker.size();
             i < msg.size() && std::isdigit(static_cast<unsigned char>(msg[i])); ++i)
            port = port * 10 + (msg[i] - '0');
        return port;
    }
    return 0;
}

}  // namespace

std::string ExitStatus::to_string() const {
    std::string s = exited      ? "exit code " + std::to_string(code)
                    : signal    ? "killed by signal " + std::to_string(signal)
                    : timed_out ? "still running"
                                : "unknown";
    if (timed_out) s += " (timed out, then killed)";
    return s + " after " + std::to_string(took.count()) + " ms";
}

AccorddProcess::AccorddProcess(Options options) : options_(std::move(options)) {
    dir_ = make_temp_dir();
    std::vector<std::string> args = {options_.binary, "--redis",     options_.redis_url, "--listen",
                                     "127.0.0.1:0",   "--workflows", options_.workflows};
    if (!options_.prefix.empty()) args.insert(args.end(), {"--prefix", options_.prefix});
    args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
    const std::string log_path = dir_ + "/accordd.log";
    pid_ = spawn(args, log_path, log_path);
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    std::string failure;
    while (port_ == 0 && failure.empty()) {
        if (auto ended = wait_until(pid_, Clock::now())) {
            pid_ = -1;
            failure = "accordd ended at start (" + ended->to_string() + "); log:\n" + log();
        } else if (port_ = serving_port(log()); port_ == 0 && Clock::now() >= deadline) {
            kill();
            failure = "accordd did not say where it serves within 10 s; log:\n" + log();
        } else if (port_ == 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
    if (!failure.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);  // no destructor runs after a throw
        throw std::runtime_error(failure);
    }
}

AccorddProcess::~AccorddProcess() {
    kill();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

std::string AccorddProcess::log() const {
    return read_text(dir_ + "/accordd.log");
}

void AccorddProcess::terminate() {
    if (pid_ <= 0) return;
    terminated_at_ = Clock::now();
    ::kill(pid_, SIGTERM);
}

ExitStatus AccorddProcess::wait(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return ExitStatus{};
    auto ended = wait_until(pid_, Clock::now() + timeout);
    ExitStatus status;
    if (ended) {
        status = *ended;
    } else {
        ::kill(pid_, SIGKILL);
        int raw = 0;
        ::waitpid(pid_, &raw, 0);
        status.timed_out = true;
    }
    status.took =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - terminated_at_);
    pid_ = -1;
    return status;
}

ExitStatus AccorddProcess::stop(std::chrono::milliseconds timeout) {
    terminate();
    return wait(timeout);
}

void AccorddProcess::kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
}

CommandResult run_command(const std::string& binary, const std::vector<std::string>& args) {
    const std::string dir = make_temp_dir();
    std::vector<std::string> all = {binary};
    all.insert(all.end(), args.begin(), args.end());
    const pid_t pid = spawn(all, dir + "/out", dir + "/err");
    CommandResult result;
    const auto started = Clock::now();
    if (auto ended = wait_until(pid, started + std::chrono::seconds(10))) {
        result.status = *ended;
    } else {
        ::kill(pid, SIGKILL);
        int raw = 0;
        ::waitpid(pid, &raw, 0);
        result.status.timed_out = true;
    }
    result.status.took =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
    result.out = read_text(dir + "/out");
    result.err = read_text(dir + "/err");
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return result;
}

std::string add_user(const std::string& accordctl, const std::string& redis_url,
                     const std::string& prefix, const std::string& name,
                     const std::vector<std::string>& roles) {
    std::vector<std::string> args = {"user", "add", name};
    for (const auto& r : roles) args.insert(args.end(), {"--role", r});
    args.insert(args.end(), {"--redis", redis_url, "--prefix", prefix});
    const CommandResult r = run_command(accordctl, args);
    std::string token = r.out.substr(0, r.out.find('\n'));
    if (!r.status.exited || r.status.code != 0 || token.empty())
        throw std::runtime_error("accordctl user add " + name + ": " + r.status.to_string() + ": " +
                                 r.err);
    return token;
}

}  // namespace accord::testing
