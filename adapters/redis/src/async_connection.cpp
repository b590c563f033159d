// AsyncConnection: hiredis's asynchronous API on an Asio executor. hiredis asks for read and
// write readiness through five hooks; each context gets a Socket that turns those into
// stream_descriptor::async_wait calls. A Socket outlives its context only as a closed flag, so
// a wait that completes after the context is gone does nothing.
#include "accord/redis/async_connection.hpp"

#include <async.h>
#include <hiredis.h>
#include <poll.h>
#include <sds.h>

#include <charconv>
#include <cstring>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace accord::redis {

namespace asio = boost::asio;
using engine::ErrorCode;
using engine::make_error;
using engine::Result;
using Clock = std::chrono::steady_clock;

namespace {

struct Socket {
    explicit Socket(asio::any_io_executor ex, int fd) : sd(ex, fd) {}
    asio::posix::stream_descriptor sd;
    bool want_read = false, want_write = false;
    bool reading = false, writing = false;
    bool closed = false;
};

struct Pending {
    ReplyHandler done;
};

// A hiredis reply copied into ours (hiredis frees its own when the callback returns).
Reply copy_reply(const redisReply* r) {
    Reply out;
    switch (r->type) {
        case REDIS_REPLY_STRING:
            out.type = Reply::Type::string;
            out.str.assign(r->str, r->len);
            break;
        case REDIS_REPLY_STATUS:
            out.type = Reply::Type::status;
            out.str.assign(r->str, r->len);
            break;
        case REDIS_REPLY_INTEGER:
            out.type = Reply::Type::integer;
            out.integer = r->integer;
            break;
        case REDIS_REPLY_ARRAY:
            out.type = Reply::Type::array;
            out.elements.reserve(r->elements);
            for (std::size_t i = 0; i < r->elements; ++i)
                out.elements.push_back(copy_reply(r->element[i]));
            break;
        default:
            out.type = Reply::Type::nil;
    }
    return out;
}

}  // namespace

// RESP: "*<n>\r\n", then "$<len>\r\n<arg>\r\n" for each argument. hiredis's own formatting
// builds it piece by piece with sdscatfmt, which cost more than all the rest of sending.
void AsyncConnection::format(std::string_view head0, std::string_view head1, const Command& command,
                             std::string& out) {
    const std::size_t heads = (head0.empty() ? 0 : 1) + (head1.empty() ? 0 : 1);
    // Each argument: '$', at most 20 digits, CRLF, the bytes, CRLF. Written straight into the
    // buffer, sized once, then cut to what was written.
    std::size_t size = 24 + head0.size() + head1.size() + 2 * 26;
    for (const auto& a : command) size += a.size() + 26;
    out.resize(size);
    char* p = out.data();
    auto header = [&p](char kind, std::size_t n) {
        *p++ = kind;
        p = std::to_chars(p, p + 20, n).ptr;
        *p++ = '\r';
        *p++ = '\n';
    };
    auto arg = [&](std::string_view a) {
        header('$', a.size());
        if (!a.empty()) std::memcpy(p, a.data(), a.size());
        p += a.size();
        *p++ = '\r';
        *p++ = '\n';
    };
    header('*', heads + command.size());
    if (!head0.empty()) arg(head0);
    if (!head1.empty()) arg(head1);
    for (const auto& a : command) arg(a);
    out.resize(static_cast<std::size_t>(p - out.data()));
}

struct AsyncConnection::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::any_io_executor executor, RedisUrl u, ConnectionOptions o)
        : ex(std::move(executor)),
          url(std::move(u)),
          options(o),
          backoff(o.backoff_min),
          watchdog(ex) {}

    asio::any_io_executor ex;
    RedisUrl url;
    ConnectionOptions options;
    redisAsyncContext* ac = nullptr;
    std::shared_ptr<Socket> sock;
    Clock::time_point retry_at{};
    std::chrono::milliseconds backoff;
    std::string last_error = "not connected yet";
    std::string formatted;  // the command being sent, in RESP
    std::size_t in_flight = 0;
    std::size_t unwritten = 0;    // of those, sent since hiredis's buffer was last empty
    std::size_t undelivered = 0;  // replies read, their handlers posted but not yet run
    Clock::time_point last_progress{};
    asio::steady_timer watchdog;
    bool watching = false;
    bool was_connected = false;  // the current context completed its connect

    std::string where() const { return "Redis at " + url.to_string(); }

    void fail_later(ReplyHandler& done, std::string why) {
        asio::post(ex, [d = std::move(done), why = std::move(why)]() mutable {
            d(make_error(ErrorCode::unavailable, std::move(why)));
        });
    }

    void connect();
    void free_context();
    void arm_read();
    void arm_write();
    // After a write: nothing left in hiredis's buffer, nothing unwritten.
    void flushed() {
        if (ac == nullptr || sdslen(ac->c.obuf) == 0) unwritten = 0;
    }
    void watch();

    static void on_reply(redisAsyncContext* c, void* r, void* privdata);
    static void on_connect(const redisAsyncContext* c, int status);
    static void on_disconnect(const redisAsyncContext* c, int status);
    static void hook_add_read(void* p);
    static void hook_del_read(void* p);
    static void hook_add_write(void* p);
    static void hook_del_write(void* p);
    static void hook_cleanup(void* p);
};

void AsyncConnection::Impl::connect() {
    if (ac != nullptr || Clock::now() < retry_at) return;
    redisAsyncContext* c = redisAsyncConnect(url.host.c_str(), url.port);
    if (c == nullptr) {
        last_error = where() + ": out of memory";
        return;
    }
    if (c->err != 0) {
        last_error = where() + " is unreachable: " + c->errstr;
        redisAsyncFree(c);
        retry_at = Clock::now() + backoff;
        backoff = std::min(backoff * 2, options.backoff_max);
        return;
    }
    ac = c;
    was_connected = false;
    c->data = this;
    c->ev.data = this;
    c->ev.addRead = hook_add_read;
    c->ev.delRead = hook_del_read;
    c->ev.addWrite = hook_add_write;
    c->ev.delWrite = hook_del_write;
    c->ev.cleanup = hook_cleanup;
    sock = std::make_shared<Socket>(ex, c->c.fd);
    redisAsyncSetConnectCallback(c, on_connect);
    redisAsyncSetDisconnectCallback(c, on_disconnect);
    // The first write readiness completes the non-blocking connect.
    hook_add_write(this);
    // Its own buffer: connect() runs inside a send, whose command may be in `formatted`.
    auto internal = [this](const Command& command) {
        auto* p = new Pending{[](Result<Reply>) {}};
        std::string resp;
        AsyncConnection::format({}, {}, command, resp);
        if (redisAsyncFormattedCommand(ac, on_reply, p, resp.data(), resp.size()) != REDIS_OK) {
            delete p;
            return;
        }
        ++in_flight;
    };
    if (!url.password.empty()) internal({"AUTH", url.password});
    if (url.db != 0) internal({"SELECT", std::to_string(url.db)});
}

void AsyncConnection::Impl::free_context() {
    if (ac != nullptr) redisAsyncFree(ac);  // calls every pending callback with no reply
}

void AsyncConnection::Impl::arm_read() {
    auto s = sock;
    if (!s || s->closed || s->reading || !s->want_read) return;
    s->reading = true;
    s->sd.async_wait(asio::posix::stream_descriptor::wait_read,
                     [self = shared_from_this(), s](const boost::system::error_code& ec) {
                         s->reading = false;
                         if (s->closed || ec) return;
                         redisAsyncHandleRead(self->ac);
                         if (!s->closed) self->arm_read();
                     });
}

void AsyncConnection::Impl::arm_write() {
    auto s = sock;
    if (!s || s->closed || s->writing || !s->want_write) return;
    s->writing = true;
    s->sd.async_wait(asio::posix::stream_descriptor::wait_write,
                     [self = shared_from_this(), s](const boost::system::error_code& ec) {
                         s->writing = false;
                         if (s->closed || ec) return;
                         redisAsyncHandleWrite(self->ac);
                         self->flushed();
                         if (!s->closed) self->arm_write();
                     });
}

// While commands are in flight, a reply must come within the command timeout; otherwise the
// server is taken for gone (a network partition shows no error by itself).
void AsyncConnection::Impl::watch() {
    if (watching || in_flight == 0) return;
    watching = true;
    watchdog.expires_after(options.command_timeout / 4);
    watchdog.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        self->watching = false;
        if (ec || self->in_flight == 0) return;
        if (Clock::now() - self->last_progress >= self->options.command_timeout &&
            self->ac != nullptr) {
            self->last_error = self->where() + ": no reply within " +
                               std::to_string(self->options.command_timeout.count()) + " ms";
            self->free_context();
        }
        self->watch();
    });
}

void AsyncConnection::Impl::on_reply(redisAsyncContext* c, void* r, void* privdata) {
    auto* impl = static_cast<Impl*>(c->data);
    std::unique_ptr<Pending> p(static_cast<Pending*>(privdata));
    if (impl->in_flight > 0) --impl->in_flight;
    impl->last_progress = Clock::now();
    auto* reply = static_cast<redisReply*>(r);
    Result<Reply> out = Reply{};
    if (reply == nullptr) {
        if (c->err != 0) impl->last_error = impl->where() + ": " + c->errstr;
        out = make_error(ErrorCode::unavailable, impl->last_error);
    } else if (reply->type == REDIS_REPLY_ERROR) {
        out = make_error(ErrorCode::storage_error, std::string(reply->str, reply->len));
    } else {
        out = copy_reply(reply);
    }
    ++impl->undelivered;
    asio::post(impl->ex, [self = impl->shared_from_this(), d = std::move(p->done),
                          out = std::move(out)]() mutable {
        --self->undelivered;
        d(std::move(out));
    });
}

void AsyncConnection::Impl::on_connect(const redisAsyncContext* c, int status) {
    auto* impl = static_cast<Impl*>(c->data);
    if (status == REDIS_OK) {
        impl->was_connected = true;
        impl->backoff = impl->options.backoff_min;
        impl->retry_at = {};
    } else {
        impl->last_error = impl->where() + " is unreachable: " + c->errstr;
    }
}

void AsyncConnection::Impl::on_disconnect(const redisAsyncContext* c, int status) {
    auto* impl = static_cast<Impl*>(c->data);
    if (status != REDIS_OK && c->err != 0)
        impl->last_error = impl->where() + ": connection lost: " + c->errstr;
}

void AsyncConnection::Impl::hook_add_read(void* p) {
    auto* impl = static_cast<Impl*>(p);
    if (impl->sock) impl->sock->want_read = true;
    impl->arm_read();
}
void AsyncConnection::Impl::hook_del_read(void* p) {
    auto* impl = static_cast<Impl*>(p);
    if (impl->sock) impl->sock->want_read = false;
}
void AsyncConnection::Impl::hook_add_write(void* p) {
    auto* impl = static_cast<Impl*>(p);
    if (impl->sock) impl->sock->want_write = true;
    impl->arm_write();
}
void AsyncConnection::Impl::hook_del_write(void* p) {
    auto* impl = static_cast<Impl*>(p);
    if (impl->sock) impl->sock->want_write = false;
}

// The context is being freed (by us, or by hiredis after an error). hiredis closes the file
// descriptor itself, so the descriptor is released, not closed.
void AsyncConnection::Impl::hook_cleanup(void* p) {
    auto* impl = static_cast<Impl*>(p);
    if (impl->sock) {
        impl->sock->closed = true;
        boost::system::error_code ignored;
        impl->sock->sd.cancel(ignored);
        (void)impl->sock->sd.release();
        impl->sock.reset();
    }
    if (!impl->was_connected) {
        // Never got through: wait before the next attempt, longer each time.
        impl->retry_at = Clock::now() + impl->backoff;
        impl->backoff = std::min(impl->backoff * 2, impl->options.backoff_max);
    }
    impl->ac = nullptr;
    impl->unwritten = 0;
}

std::shared_ptr<AsyncConnection> AsyncConnection::create(asio::any_io_executor executor,
                                                         RedisUrl url, ConnectionOptions options) {
    return std::shared_ptr<AsyncConnection>(
        new AsyncConnection(std::move(executor), std::move(url), options));
}

AsyncConnection::AsyncConnection(asio::any_io_executor executor, RedisUrl url,
                                 ConnectionOptions options)
    : url_(url), impl_(std::make_shared<Impl>(std::move(executor), std::move(url), options)) {}

AsyncConnection::~AsyncConnection() {
    impl_->free_context();
    impl_->watchdog.cancel();
}

void AsyncConnection::send(const Command& command, ReplyHandler done) {
    if (command.empty()) {
        asio::post(impl_->ex, [d = std::move(done)] {
            d(make_error(ErrorCode::invalid_input, "an empty Redis command"));
        });
        return;
    }
    format({}, {}, command, impl_->formatted);
    send_formatted(impl_->formatted, std::move(done));
}

void AsyncConnection::send_formatted(std::string_view resp, ReplyHandler done) {
    Impl& impl = *impl_;
    impl.connect();
    if (impl.ac == nullptr) {
        const auto wait =
            std::chrono::duration_cast<std::chrono::milliseconds>(impl.retry_at - Clock::now());
        impl.fail_later(done, impl.last_error +
                                  (wait.count() > 0
                                       ? "; next attempt in " + std::to_string(wait.count()) + " ms"
                                       : std::string()));
        return;
    }
    auto* p = new Pending{std::move(done)};
    // hiredis copies the command into its output buffer before this returns.
    if (redisAsyncFormattedCommand(impl.ac, Impl::on_reply, p, resp.data(), resp.size()) !=
        REDIS_OK) {
        impl.fail_later(p->done, impl.where() + ": the connection is closing");
        delete p;
        return;
    }
    if (impl.in_flight++ == 0) impl.last_progress = Clock::now();
    ++impl.unwritten;
    impl.watch();
    // Written now when Redis has nothing else of ours to work on, or a batch has gathered;
    // otherwise when the socket is next ready (after the handlers queued before it).
    const bool now = impl.in_flight == impl.unwritten || impl.unwritten >= impl.options.write_batch;
    // Last: a write that fails frees the context (and fails what is in flight, later).
    if (now && impl.was_connected && impl.sock && !impl.sock->closed) {
        redisAsyncHandleWrite(impl.ac);
        impl.flushed();
    }
}

void AsyncConnection::drop() {
    impl_->last_error = impl_->where() + ": connection dropped";
    impl_->free_context();
}

bool AsyncConnection::connected() const {
    return impl_->ac != nullptr && impl_->was_connected;
}

bool AsyncConnection::input_pending() const {
    const Impl& impl = *impl_;
    if (!connected() || impl.undelivered > 0) return true;
    const redisReader* reader = impl.ac->c.reader;
    if (reader != nullptr && reader->len > reader->pos) return true;  // a reply in part
    pollfd p{impl.ac->c.fd, POLLIN, 0};
    return ::poll(&p, 1, 0) != 0;  // readable, closed, or the poll failed: all "maybe"
}

asio::any_io_executor AsyncConnection::executor() const {
    return impl_->ex;
}

}  // namespace accord::redis
