// rest_load: see rest_load.hpp. HTTP/1.1 as accordd answers it: a status line, headers and a
// body of Content-Length bytes (anything else, chunked bodies among them, is an error here).
#include "rest_load.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <deque>

namespace accord::bench {

std::string Workload::start_body(std::uint64_t n) {
    return R"({"workflow":"mou_proposal","data":{"partner":{"name":"Universidad de Salamanca )" +
           std::to_string(n) + R"(","country":"ES"}}})";
}

void count_error(std::uint64_t& errors, const std::string& what) {
    if (errors++ < 5) std::fprintf(stderr, "api_bench: %s\n", what.c_str());
}

void RestRun::error(const std::string& what) {
    count_error(errors, what);
}

namespace {

// ---- the instance view ------------------------------------------------------------------------

// A cursor over JSON text that the server wrote: it finds members and skips values without
// building anything. Strings are taken as they are written (the values read, ids and states,
// have no escapes). Every step checks the end of the text.
class Scanner {
public:
    explicit Scanner(std::string_view text) : s_(text) {}

    bool string(std::string* out) {
        space();
        if (peek() != '"') return false;
        const std::size_t start = ++i_;
        while (i_ < s_.size() && s_[i_] != '"') i_ += s_[i_] == '\\' ? 2 : 1;
        if (i_ >= s_.size()) return false;
        if (out != nullptr) out->assign(s_.substr(start, i_ - start));
        ++i_;
        return true;
    }

    bool skip() {
        space();
        const char c = peek();
        if (c == '"') return string(nullptr);
        if (c != '{' && c != '[') {  // a number, true, false or null
            while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '}' && s_[i_] != ']') ++i_;
            return i_ < s_.size();
        }
        int depth = 0;
        while (i_ < s_.size()) {
            const char d = s_[i_];
            if (d == '"') {
                if (!string(nullptr)) return false;
                continue;
            }
            ++i_;
            if (d == '{' || d == '[') ++depth;
            if ((d == '}' || d == ']') && --depth == 0) return true;
        }
        return false;
    }

    // Calls member(name) at each member of the object here; it must take the value.
    template <typename Member>
    bool object(Member member) {
        return sequence('{', '}', [&] {
            std::string name;
            if (!string(&name)) return false;
            space();
            if (peek() != ':') return false;
            ++i_;
            return member(name);
        });
    }

    // Calls element() at each element of the array here; it must take the element.
    template <typename Element>
    bool array(Element element) {
        return sequence('[', ']', element);
    }

private:
    template <typename Item>
    bool sequence(char open, char close, Item item) {
        space();
        if (peek() != open) return false;
        ++i_;
        space();
        if (peek() == close) return ++i_, true;
        while (true) {
            if (!item()) return false;
            space();
            const char c = peek();
            ++i_;
            if (c == close) return true;
            if (c != ',') return false;
        }
    }

    char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
    void space() {
        while (i_ < s_.size() &&
               (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t'))
            ++i_;
    }

    std::string_view s_;
    std::size_t i_ = 0;
};

bool instance_view(Scanner& sc, InstanceSummary& out) {
    return sc.object([&](const std::string& name) {
        if (name == "status") return sc.string(&out.status);
        if (name == "outcome") return sc.string(&out.outcome);
        if (name != "tasks") return sc.skip();
        return sc.array([&] {
            return sc.object([&](const std::string& field) {
                if (field != "id") return sc.skip();
                return sc.string(&out.tasks.emplace_back());
            });
        });
    });
}

// ---- HTTP -------------------------------------------------------------------------------------

struct Response {
    int status = 0;        // -1: malformed
    std::size_t size = 0;  // of the whole response, head and body
    std::string_view body;
    bool close = false;  // "Connection: close"
};

bool same_name(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
    return true;
}

// The response at the front of `in`, once all of it is there.
std::optional<Response> whole_response(std::string_view in) {
    const std::size_t head_end = in.find("\r\n\r\n");
    if (head_end == std::string_view::npos) return std::nullopt;
    Response r;
    std::string_view head = in.substr(0, head_end);
    if (!head.starts_with("HTTP/1.1 ") || head.size() < 12 ||
        std::from_chars(head.data() + 9, head.data() + 12, r.status).ec != std::errc()) {
        r.status = -1;
        return r;
    }
    std::optional<std::size_t> length;
    for (std::size_t at = head.find("\r\n"); at != std::string_view::npos;) {
        const std::size_t next = head.find("\r\n", at + 2);
        const std::string_view line = head.substr(
            at + 2, next == std::string_view::npos ? std::string_view::npos : next - at - 2);
        at = next;
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        if (same_name(line.substr(0, colon), "content-length")) {
            std::size_t n = 0;
            if (std::from_chars(value.data(), value.data() + value.size(), n).ec == std::errc())
                length = n;
        } else if (same_name(line.substr(0, colon), "connection")) {
            r.close = same_name(value, "close");
        }
    }
    if (!length) {
        r.status = -1;  // chunked, or no body length: not what accordd sends
        return r;
    }
    if (in.size() < head_end + 4 + *length) return std::nullopt;
    r.body = in.substr(head_end + 4, *length);
    r.size = head_end + 4 + *length;
    return r;
}

std::string post(std::string_view target, std::string_view token, std::string_view body) {
    std::string r;
    r.reserve(200 + token.size() + body.size());
    r.append("POST ").append(target).append(
        " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ");
    r.append(token).append("\r\nContent-Type: application/json\r\nContent-Length: ");
    r.append(std::to_string(body.size())).append("\r\n\r\n").append(body);
    return r;
}

// ---- the loop ---------------------------------------------------------------------------------

struct Connection {
    int fd = -1;
    bool connecting = true;
    bool done = false;
    std::string out;
    std::size_t written = 0;
    std::string in;
    Clock::time_point sent;
    std::uint64_t lifecycle = 0;
    int step = -1;  // the request out: -1 the start, k the completion of step k
};

class Driver {
public:
    Driver(int connections, bool prestart, const Workload& w, RestRun& run)
        : w_(w), run_(run), conns_(static_cast<std::size_t>(connections)), prestart_(prestart) {}

    ~Driver() {
        for (auto& c : conns_)
            if (c.fd >= 0) ::close(c.fd);
        if (epoll_ >= 0) ::close(epoll_);
    }

    void go(int port, const std::function<void()>& turn) {
        epoll_ = ::epoll_create1(0);
        if (epoll_ < 0) return run_.error(std::string("epoll_create1: ") + std::strerror(errno));
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(static_cast<std::uint16_t>(port));
        to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        for (std::size_t i = 0; i < conns_.size(); ++i) {
            Connection& c = conns_[i];
            ++running_;
            c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            const int one = 1;
            if (c.fd < 0 || ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
                (::connect(c.fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0 &&
                 errno != EINPROGRESS)) {
                stop(c, std::string("cannot connect to accordd: ") + std::strerror(errno));
                continue;
            }
            epoll_event e{};
            e.events = EPOLLIN | EPOLLOUT;
            e.data.u64 = i;
            ::epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &e);
        }
        epoll_event events[64];
        auto last_turn = Clock::now();
        while (running_ > 0) {
            const int n = ::epoll_wait(epoll_, events, 64, 1);
            for (int k = 0; k < n; ++k) {
                Connection& c = conns_[events[k].data.u64];
                if (c.done) continue;
                if (events[k].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) writable(c);
                if (!c.done && (events[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) readable(c);
            }
            // Not at every turn: the meter's io_context polls its own epoll set when asked.
            if (const auto now = Clock::now(); now - last_turn >= std::chrono::milliseconds(1)) {
                last_turn = now;
                turn();
            }
        }
    }

private:
    void stop(Connection& c, const std::string& why = {}) {
        if (!why.empty()) run_.error(why);
        if (c.done) return;
        c.done = true;
        --running_;
        if (c.fd >= 0) ::close(c.fd);  // which takes it out of the epoll set too
        c.fd = -1;
    }

    void send(Connection& c, std::string request) {
        c.out = std::move(request);
        c.written = 0;
        c.sent = Clock::now();
        flush(c);
    }

    void flush(Connection& c) {
        while (c.written < c.out.size()) {
            const ssize_t n =
                ::send(c.fd, c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL);
            if (n > 0) {
                c.written += static_cast<std::size_t>(n);
                continue;
            }
            if (n < 0 && errno == EAGAIN) return watch(c, EPOLLIN | EPOLLOUT);
            return stop(c, std::string("write: ") + std::strerror(errno));
        }
        watch(c, EPOLLIN);
    }

    void watch(Connection& c, std::uint32_t events) {
        epoll_event e{};
        e.events = events;
        e.data.u64 = static_cast<std::uint64_t>(&c - conns_.data());
        ::epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &e);
    }

    void writable(Connection& c) {
        if (!c.connecting) return flush(c);
        int error = 0;
        socklen_t size = sizeof error;
        ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &size);
        if (error != 0)
            return stop(c, std::string("cannot connect to accordd: ") + std::strerror(error));
        c.connecting = false;
        next(c);
    }

    // The connection's next instance: once the window is open, one started in the warm-up if
    // any is left; else a new start.
    void next(Connection& c) {
        const auto now = Clock::now();
        if (now >= run_.until) return stop(c);
        if (now >= run_.from && !started_.empty()) {
            Started s = std::move(started_.front());
            started_.pop_front();
            c.lifecycle = s.lifecycle;
            return complete(c, 0, s.task);
        }
        c.lifecycle = next_++;
        c.step = -1;
        send(c, post("/api/v1/instances", w_.officer, Workload::start_body(c.lifecycle)));
    }

    void complete(Connection& c, std::size_t step, const std::string& task) {
        c.step = static_cast<int>(step);
        send(c, post("/api/v1/tasks/" + task + "/complete", w_.steps[step].token,
                     w_.steps[step].body));
    }

    void readable(Connection& c) {
        char chunk[65536];
        while (true) {
            const ssize_t n = ::recv(c.fd, chunk, sizeof chunk, 0);
            if (n > 0) {
                c.in.append(chunk, static_cast<std::size_t>(n));
                if (static_cast<std::size_t>(n) < sizeof chunk) break;
                continue;
            }
            if (n < 0 && errno == EAGAIN) break;
            return stop(c, n == 0 ? "accordd closed a connection with a request out"
                                  : std::string("read: ") + std::strerror(errno));
        }
        auto r = whole_response(c.in);
        if (!r) return;
        if (r->status < 0) return stop(c, "a malformed HTTP answer: " + c.in.substr(0, 300));
        std::string body(r->body);
        const bool close = r->close;
        c.in.erase(0, r->size);
        answered(c, r->status, body);
        if (!c.done && close) stop(c, "accordd closed a keep-alive connection");
    }

    void answered(Connection& c, int status, const std::string& body) {
        const auto now = Clock::now();
        const std::string what = c.step < 0 ? "start"
                                            : "lifecycle " + std::to_string(c.lifecycle) +
                                                  ", step " + std::to_string(c.step);
        if (status < 200 || status > 299)
            return stop(c, what + ": " + std::to_string(status) + " " + body.substr(0, 300));
        if (now >= run_.from && now <= run_.until) {
            ++run_.requests;
            if (c.step >= 0) ++run_.completions;
            run_.latency_ms.push_back(
                std::chrono::duration<float, std::milli>(now - c.sent).count());
        }
        auto view = read_instance(body, c.step < 0 ? "" : "instance_state");
        if (!view) return stop(c, what + ": the answer is not an instance view");
        const auto step = static_cast<std::size_t>(c.step + 1);
        if (step == w_.steps.size()) {
            if (view->status != "finished" || view->outcome != "endorsed")
                return stop(c,
                            "lifecycle " + std::to_string(c.lifecycle) + " did not end endorsed");
            if (now >= run_.from && now <= run_.until) ++run_.lifecycles;
            return next(c);
        }
        if (view->tasks.size() != 1) return stop(c, what + ": not one open task in the answer");
        if (prestart_ && c.step < 0 && now < run_.from) {  // instances for the window to complete
            started_.push_back(Started{c.lifecycle, std::move(view->tasks.front())});
            return next(c);
        }
        if (now >= run_.until) return stop(c);
        complete(c, step, view->tasks.front());
    }

    struct Started {
        std::uint64_t lifecycle;
        std::string task;  // its first task
    };

    const Workload& w_;
    RestRun& run_;
    std::vector<Connection> conns_;
    int epoll_ = -1;
    int running_ = 0;
    bool prestart_;
    std::uint64_t next_ = 0;
    std::deque<Started> started_;
};

}  // namespace

std::optional<InstanceSummary> read_instance(std::string_view body, std::string_view root) {
    Scanner sc(body);
    InstanceSummary out;
    if (root.empty()) {
        if (!instance_view(sc, out)) return std::nullopt;
        return out;
    }
    bool found = false;
    const bool ok = sc.object([&](const std::string& name) {
        if (name != root) return sc.skip();
        found = true;
        return instance_view(sc, out);
    });
    if (!ok || !found) return std::nullopt;
    return out;
}

void drive_rest(int port, int connections, bool prestart, const Workload& w, RestRun& run,
                const std::function<void()>& turn) {
    Driver(connections, prestart, w, run).go(port, turn);
}

}  // namespace accord::bench
