// Smtp (smtp.hpp): libcurl's SMTP on a thread pool.
#include "accord/notify/smtp.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "accord/notify/mail.hpp"

namespace accord::notify {

namespace asio = boost::asio;
using engine::ErrorCode;
using engine::make_error;

struct Smtp::Pool {
    explicit Pool(int threads) : pool(static_cast<std::size_t>(std::max(1, threads))) {}
    asio::thread_pool pool;
};

namespace {

struct Upload {
    std::string_view data;
    std::size_t at = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* up = static_cast<Upload*>(user);
    const std::size_t n = std::min(size * count, up->data.size() - up->at);
    std::memcpy(buffer, up->data.data() + up->at, n);
    up->at += n;
    return n;
}

// One easy handle per pool thread: libcurl keeps its connection for the next message.
CURL* thread_handle() {
    struct Handle {
        CURL* curl = curl_easy_init();
        ~Handle() {
            if (curl != nullptr) curl_easy_cleanup(curl);
        }
    };
    thread_local Handle handle;
    return handle.curl;
}

// What a send came to (default-constructible, as co_spawn's result must be).
struct Sent {
    bool ok = false;
    bool permanent = false;  // refused for good: not worth another attempt
    std::string why;
};

Sent send_now(const SmtpSettings& s, const std::string& to, const std::string& message) {
    CURL* curl = thread_handle();
    if (curl == nullptr) return {false, false, "curl_easy_init failed"};
    curl_easy_reset(curl);
    Upload up{message};
    curl_slist* recipients = curl_slist_append(nullptr, ("<" + to + ">").c_str());
    const std::string from = "<" + address_of(s.from) + ">";
    curl_easy_setopt(curl, CURLOPT_URL, s.url.c_str());
    curl_easy_setopt(curl, CURLOPT_USE_SSL, s.require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY);
    if (!s.user.empty()) {
        curl_easy_setopt(curl, CURLOPT_USERNAME, s.user.c_str());
        curl_easy_setopt(curl, CURLOPT_PASSWORD, s.password.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &up);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(s.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    char error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    const CURLcode rc = curl_easy_perform(curl);
    long answer = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer);
    curl_slist_free_all(recipients);
    if (rc == CURLE_OK) return {true, false, {}};
    const std::string why = std::string(curl_easy_strerror(rc)) +
                            (error[0] != '\0' ? std::string(": ") + error : std::string()) +
                            (answer != 0 ? " (server answered " + std::to_string(answer) + ")"
                                         : std::string());
    // A permanent refusal (5xx) is not retried; anything else may pass later.
    return {false, answer >= 500 && answer < 600 && rc != CURLE_OPERATION_TIMEDOUT, why};
}

}  // namespace

Smtp::Smtp(SmtpSettings settings)
    : settings_(std::move(settings)), pool_(std::make_unique<Pool>(settings_.threads)) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

Smtp::~Smtp() {
    pool_->pool.join();
}

asio::awaitable<engine::Result<void>> Smtp::send(std::string to, std::string message) {
    // On the pool: this coroutine resumes on its own executor once the send is done.
    auto work = [settings = &settings_, to = std::move(to),
                 message = std::move(message)]() -> asio::awaitable<Sent> {
        co_return send_now(*settings, to, message);
    };
    const Sent sent = co_await asio::co_spawn(pool_->pool, std::move(work), asio::use_awaitable);
    if (sent.ok) co_return engine::Ok{};
    if (sent.permanent)
        co_return make_error(ErrorCode::invalid_input, "SMTP refused the message: " + sent.why);
    co_return make_error(ErrorCode::unavailable, "SMTP: " + sent.why);
}

}  // namespace accord::notify
