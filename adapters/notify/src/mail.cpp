// Composing a notice's e-mail (mail.hpp).
#include "accord/notify/mail.hpp"

#include <array>
#include <ctime>

namespace accord::notify {

namespace {

constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(std::string_view in) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const unsigned v = static_cast<unsigned char>(in[i]) << 16 |
                           static_cast<unsigned char>(in[i + 1]) << 8 |
                           static_cast<unsigned char>(in[i + 2]);
        for (int s : {18, 12, 6, 0}) out += kBase64[(v >> s) & 63];
    }
    if (i + 1 == in.size()) {
        const unsigned v = static_cast<unsigned char>(in[i]) << 16;
        out += kBase64[(v >> 18) & 63];
        out += kBase64[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == in.size()) {
        const unsigned v =
            static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8;
        out += kBase64[(v >> 18) & 63];
        out += kBase64[(v >> 12) & 63];
        out += kBase64[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

// A body part in base64, lines of 76.
std::string base64_lines(std::string_view in) {
    const std::string all = base64(in);
    std::string out;
    for (std::size_t i = 0; i < all.size(); i += 76) out += all.substr(i, 76) + "\r\n";
    return out;
}

std::string html_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

// The length of the UTF-8 character that starts with `lead`.
std::size_t char_length(unsigned char lead) {
    if (lead < 0x80) return 1;
    if ((lead >> 5) == 0x6) return 2;
    if ((lead >> 4) == 0xE) return 3;
    if ((lead >> 3) == 0x1E) return 4;
    return 1;  // not UTF-8: a byte at a time
}

bool plain_ascii(std::string_view s) {
    for (unsigned char c : s)
        if (c < 0x20 || c > 0x7E) return false;
    return true;
}

// Header values must not break lines.
std::string one_line(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c == '\r' || c == '\n') c = ' ';
    return out;
}

std::string rfc5322_date(engine::TimeMs ms) {
    const std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                         "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> kMonths = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                  tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    return buf;
}

struct Words {
    const char* open_task;
    const char* open_instance;
    const char* footer;
    const char* digest_subject;
    const char* needs_action;
    const char* for_information;
};

const Words& words(std::string_view language) {
    static const Words en = {"Open the task", "Open the agreement file",
                             "You receive this e-mail because of your notification settings in "
                             "Accord.",
                             "Your daily summary from Accord", "Waiting for your action",
                             "For your information"};
    static const Words ar = {"فتح المهمة", "فتح ملف الاتفاقية",
                             "وصلتك هذه الرسالة وفق إعدادات الإشعارات في حسابك على منصة Accord.",
                             "ملخصك اليومي من منصة Accord", "بانتظار إجراء منك", "للاطلاع"};
    return language == "ar" ? ar : en;
}


}  // namespace

std::string encode_header(std::string_view utf8) {
    const std::string text = one_line(utf8);
    if (plain_ascii(text) && text.size() <= 900) return text;
    // 75 characters a word: "=?UTF-8?B?" and "?=" leave 63 for base64, 45 bytes of text.
    constexpr std::size_t kBytesPerWord = 45;
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t end = i;
        while (end < text.size()) {
            const std::size_t n = char_length(static_cast<unsigned char>(text[end]));
            if (end + n - i > kBytesPerWord) break;
            end += n;
        }
        if (end == i) end = i + 1;  // cannot happen with valid UTF-8; never loop forever
        if (!out.empty()) out += "\r\n ";
        out += "=?UTF-8?B?" + base64(std::string_view(text).substr(i, end - i)) + "?=";
        i = end;
    }
    return out;
}

std::string address_of(std::string_view from) {
    const auto open = from.find('<');
    const auto close = from.rfind('>');
    if (open != std::string_view::npos && close != std::string_view::npos && close > open)
        return std::string(from.substr(open + 1, close - open - 1));
    return std::string(from);
}

std::string message_id(std::string_view notice_id, std::string_view person, std::string_view from) {
    const std::string address = address_of(from);
    const auto at = address.find('@');
    const std::string domain = at == std::string::npos ? "accord.invalid" : address.substr(at + 1);
    return "<" + std::string(notice_id) + "." + std::string(person) + "@" + domain + ">";
}

namespace {

std::string message(std::string_view from, std::string_view to, std::string_view id,
                    std::string_view subject, std::string_view language, engine::TimeMs date,
                    const std::string& text, const std::string& html) {
    const std::string boundary = "accord-" + std::string(id.substr(1, id.find('@') - 1));
    std::string out;
    out += "Date: " + rfc5322_date(date) + "\r\n";
    out += "From: " + one_line(from) + "\r\n";
    out += "To: " + one_line(to) + "\r\n";
    out += "Message-ID: " + std::string(id) + "\r\n";
    out += "Subject: " + encode_header(subject) + "\r\n";
    out += "MIME-Version: 1.0\r\n";
    out += "Content-Language: " + one_line(language) + "\r\n";
    out += "Auto-Submitted: auto-generated\r\n";
    out += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
    out += "--" + boundary + "\r\nContent-Type: text/plain; charset=UTF-8\r\n"
           "Content-Transfer-Encoding: base64\r\n\r\n" + base64_lines(text);
    out += "--" + boundary + "\r\nContent-Type: text/html; charset=UTF-8\r\n"
           "Content-Transfer-Encoding: base64\r\n\r\n" + base64_lines(html);
    out += "--" + boundary + "--\r\n";
    return out;
}

std::string html_head(std::string_view language, std::string_view title) {
    return "<!DOCTYPE html>\n<html lang=\"" + html_escape(language) + "\" dir=\"" +
           (language == "ar" ? "rtl" : "ltr") + "\">\n<head><meta charset=\"utf-8\"><title>" +
           html_escape(title) + "</title></head>\n<body style=\"font-family: sans-serif\">\n";
}

}  // namespace

std::string compose_digest(const Digest& d, std::string_view from, engine::TimeMs date) {
    const Words& w = words(d.language);
    auto needs_action = [](const Digest::Item& i) { return i.kind != "notify"; };
    std::string text = std::string(w.digest_subject) + "\n";
    std::string html = html_head(d.language, w.digest_subject) + "<h1 style=\"font-size: 1.25em\">" +
                       html_escape(w.digest_subject) + "</h1>\n";
    for (bool action : {true, false}) {
        std::vector<const Digest::Item*> group;
        for (const auto& i : d.items)
            if (needs_action(i) == action) group.push_back(&i);
        if (group.empty()) continue;
        const char* heading = action ? w.needs_action : w.for_information;
        text += "\n" + std::string(heading) + "\n";
        html += "<h2 style=\"font-size: 1.1em\">" + html_escape(heading) + "</h2>\n<ul>\n";
        for (const auto* i : group) {
            text += "- " + i->subject + (i->link.empty() ? "" : "\n  " + i->link) + "\n";
            html += "<li>" + (i->link.empty() ? html_escape(i->subject)
                                              : "<a href=\"" + html_escape(i->link) + "\">" +
                                                    html_escape(i->subject) + "</a>") +
                    "</li>\n";
        }
        html += "</ul>\n";
    }
    text += "\n-- \n" + std::string(w.footer) + "\n";
    html += "<p style=\"color: #555; font-size: 0.85em\">" + html_escape(w.footer) +
            "</p>\n</body>\n</html>\n";
    return message(from, d.to, message_id(d.id, d.person, from), w.digest_subject, d.language,
                   date, text, html);
}

std::string compose(const Mail& m, std::string_view from, engine::TimeMs date) {
    const Words& w = words(m.language);
    std::string text = m.subject + "\n";
    if (!m.message.empty()) text += "\n" + m.message + "\n";
    if (!m.link.empty())
        text += "\n" + std::string(m.task ? w.open_task : w.open_instance) + ": " + m.link + "\n";
    text += "\n-- \n" + std::string(w.footer) + "\n";
    std::string html = html_head(m.language, m.subject) + "<h1 style=\"font-size: 1.25em\">" +
                       html_escape(m.subject) + "</h1>\n";
    if (!m.message.empty()) html += "<p>" + html_escape(m.message) + "</p>\n";
    if (!m.link.empty())
        html += "<p><a href=\"" + html_escape(m.link) + "\">" +
                (m.task ? w.open_task : w.open_instance) + "</a></p>\n";
    html += "<p style=\"color: #555; font-size: 0.85em\">" + html_escape(w.footer) +
            "</p>\n</body>\n</html>\n";
    return message(from, m.to, message_id(m.notice_id, m.person, from), m.subject, m.language, date,
                   text, html);
}

}  // namespace accord::notify
