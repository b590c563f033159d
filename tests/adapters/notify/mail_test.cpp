// Composing a notice's e-mail, without a network: RFC 2047 subjects in words of at most 75
// characters holding whole UTF-8 characters, base64 parts that decode to the texts, the
// HTML's direction and language, the link, and a Message-ID that depends only on the notice and
// the reader.
#include "accord/notify/mail.hpp"

#include <gtest/gtest.h>

#include <string>

namespace accord::notify {
namespace {

std::string decode_base64(std::string_view in) {
    static const std::string kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (char c : in) {
        const auto v = kAlphabet.find(c);
        if (v == std::string::npos) continue;  // '=', line breaks
        buffer = buffer << 6 | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    return out;
}

bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
        i += n;
    }
    return true;
}

// The encoded words of a header value, decoded one by one.
std::vector<std::string> words_of(const std::string& header) {
    std::vector<std::string> out;
    for (std::size_t at = 0; (at = header.find("=?UTF-8?B?", at)) != std::string::npos;) {
        const auto end = header.find("?=", at + 10);
        EXPECT_LE(end + 2 - at, 75u) << header;
        out.push_back(decode_base64(header.substr(at + 10, end - at - 10)));
        at = end + 2;
    }
    return out;
}

TEST(MailHeader, ArabicIsEncodedInWordsOfWholeCharacters) {
    const std::string subject =
        "اتفاقية التعاون مع جامعة بيرزيت جاهزة للتوقيع بعد مراجعة الشؤون القانونية";
    const std::string encoded = encode_header(subject);
    const auto words = words_of(encoded);
    ASSERT_GT(words.size(), 2u) << "a long subject takes several words";
    std::string joined;
    for (const auto& w : words) {
        EXPECT_TRUE(valid_utf8(w)) << "a word ends inside a character";
        joined += w;
    }
    EXPECT_EQ(joined, subject);
    EXPECT_EQ(encoded.find('\n', 0) == std::string::npos, false) << "folded onto lines";
    EXPECT_EQ(encode_header("Reminder: sign the MoU"), "Reminder: sign the MoU");
    EXPECT_EQ(encode_header("a\r\nBcc: x@y"), "a  Bcc: x@y") << "no header injection";
}

TEST(Mail, IsMultipartTextAndHtmlInTheReadersDirectionWithALinkAndAStableMessageId) {
    Mail m;
    m.notice_id = "0a1b2c3d4e5f60718293a4b5";
    m.person = "lina";
    m.to = "lina@birzeit.example";
    m.language = "ar";
    m.subject = "تذكير: توقيع مذكرة التفاهم";
    m.message = "يُرجى التوقيع قبل نهاية الأسبوع <مهم>";
    m.link = "https://accord.birzeit.example/tasks/mou-1.t3";
    m.task = true;
    const std::string mail = compose(m, "Accord <accord@birzeit.example>", 1'796'000'000'000);
    EXPECT_NE(mail.find("Message-ID: <0a1b2c3d4e5f60718293a4b5.lina@birzeit.example>\r\n"),
              std::string::npos);
    EXPECT_NE(mail.find("Date: "), std::string::npos);
    EXPECT_NE(mail.find("To: lina@birzeit.example\r\n"), std::string::npos);
    EXPECT_NE(mail.find("Content-Type: multipart/alternative; boundary="), std::string::npos);
    EXPECT_NE(mail.find("Content-Type: text/plain; charset=UTF-8"), std::string::npos);
    EXPECT_NE(mail.find("Content-Type: text/html; charset=UTF-8"), std::string::npos);
    // The two parts, decoded.
    const auto part = [&](const char* type) {
        const auto at = mail.find(std::string("Content-Type: ") + type);
        const auto body = mail.find("\r\n\r\n", at) + 4;
        return decode_base64(mail.substr(body, mail.find("--accord-", body) - body));
    };
    const std::string text = part("text/plain"), html = part("text/html");
    EXPECT_NE(text.find(m.subject), std::string::npos);
    EXPECT_NE(text.find("فتح المهمة: " + m.link), std::string::npos) << text;
    EXPECT_NE(html.find("<html lang=\"ar\" dir=\"rtl\">"), std::string::npos) << html;
    EXPECT_NE(html.find("&lt;مهم&gt;"), std::string::npos) << "escaped";
    EXPECT_NE(html.find("href=\"" + m.link + "\""), std::string::npos);
    for (std::size_t at = 0, end; (end = mail.find("\r\n", at)) != std::string::npos; at = end + 2)
        EXPECT_LE(end - at, 998u) << "a line too long for SMTP";
    // The same notice to the same reader: the same Message-ID, whatever the time.
    EXPECT_EQ(message_id(m.notice_id, "lina", "accord@birzeit.example"),
              "<0a1b2c3d4e5f60718293a4b5.lina@birzeit.example>");

    m.language = "en";
    m.link.clear();
    const std::string english = compose(m, "accord@birzeit.example", 1'796'000'000'000);
    const auto at = english.find("Content-Type: text/html");
    const auto body = english.find("\r\n\r\n", at) + 4;
    const std::string english_html =
        decode_base64(english.substr(body, english.find("--accord-", body) - body));
    EXPECT_NE(english_html.find("dir=\"ltr\""), std::string::npos);
    EXPECT_EQ(english_html.find("href="), std::string::npos) << "no public URL, no link";
}

}  // namespace
}  // namespace accord::notify
