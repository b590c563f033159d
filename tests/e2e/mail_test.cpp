// E-mail notices through a real SMTP server (aiosmtpd, read back by Python's email package):
// an Arabic reader gets an Arabic subject in RFC 2047 words of whole characters and a
// right-to-left HTML part, an English reader English, each with a link to the task and a
// Message-ID that stays the same; a person without an address is skipped and counted; those
// who want no e-mail get none; a refused first attempt is retried with the same Message-ID
// and shows in /metrics.
#include <thread>

#include "e2e_fixture.hpp"
#include "helper_servers.hpp"

namespace accord::e2e {
namespace {

class Mail : public E2eTest {
protected:
    std::vector<std::string> flags() const {
        return {"--dev-clock", "--smtp-url", sink_->url(), "--mail-from",
                "Accord <accord@birzeit.example>", "--public-url",
                "https://accord.birzeit.example", "--outbound-reclaim", "2"};
    }
    void start_with(int fail_first, int hang_first = 0, std::vector<std::string> extra = {}) {
        sink_ = std::make_unique<support::SmtpSink>(fail_first, hang_first);
        auto all = flags();
        all.insert(all.end(), extra.begin(), extra.end());
        serve(all);
        adam_ = add_user("adam", {"admin"});
        lina_ = add_user("lina", {"legal"});
        omar_ = add_user("omar", {"legal"});
        sara_ = add_user("sara", {"legal"});
        nour_ = add_user("nour", {"legal"});
        dana_ = add_user("dana", {"dean"});
        profile("lina", {{"email", "lina@birzeit.example"}, {"language", "ar"}});
        profile("omar", {{"email", "omar@birzeit.example"}});
        profile("nour", {{"email", "nour@birzeit.example"}, {"email_notices", "never"}});
        profile("dana", {{"email", "dana@birzeit.example"},
                         {"language", "ar"},
                         {"time_zone", "Asia/Hebron"},
                         {"email_notices", "daily"},
                         {"digest_hour", 8}});
        const json review = {
            {"workflow", "mailed"},
            {"version", 1},
            {"title", "Mailed"},
            {"start", "open"},
            {"events", {{"ping", {{"roles", {"admin"}}}}}},
            {"states",
             {{"open",
               {{"on",
                 {{"ping",
                   {{"actions",
                     {{{"notify",
                        {{"people", {"lina", "omar", "sara", "nour", "dana"}},
                         {"subject",
                          {{"en", "The cooperation agreement with {{partner}} is ready for signing"},
                           {"ar", "اتفاقية التعاون مع {{partner}} جاهزة للتوقيع"}}},
                         {"message",
                          {{"en", "Please review the final text."},
                           {"ar", "يُرجى مراجعة النص النهائي."}}}}}}}}}}}},
                {"task", {{"role", "legal"}, {"title", "Sign"}, {"outcomes", {"done"}}}}}}}}};
        auto put = http_->post("/api/v1/definitions", review, adam_.token);
        ASSERT_EQ(put.status, 201) << describe(put);
    }
    void profile(const std::string& name, const json& change) {
        auto r = http_->request("PATCH", "/api/v1/admin/users/" + name, change.dump(),
                                adam_.bearer());
        ASSERT_EQ(r.status, 200) << describe(r);
    }
    std::string ping() {
        auto started = http_->post(
            "/api/v1/instances",
            {{"workflow", "mailed"}, {"data", {{"partner", "Universidad de Chile"}}}}, adam_.token);
        EXPECT_EQ(started.status, 201) << describe(started);
        const std::string id = started.json().value("id", "");
        auto r = http_->post("/api/v1/instances/" + id + "/events", {{"event", "ping"}}, adam_.token);
        EXPECT_EQ(r.status, 200) << describe(r);
        return id;
    }
    static const json* to(const std::vector<json>& messages, const std::string& address) {
        for (const auto& m : messages)
            if (m["rcpt_to"] == json::array({address})) return &m;
        return nullptr;
    }
    std::string metrics() { return http_->get("/metrics", "").body; }

    std::unique_ptr<support::SmtpSink> sink_;
    json set_clock(const std::string& at) {
        auto r = http_->post("/api/v1/admin/clock", {{"set", at}}, adam_.token);
        EXPECT_EQ(r.status, 200) << describe(r);
        return r.json();
    }

    Person adam_, lina_, omar_, sara_, nour_, dana_;
};

TEST_F(Mail, EachReaderGetsTheNoticeInTheirLanguageWithALinkAndAStableMessageId) {
    start_with(0);
    const std::string id = ping();
    const auto messages = sink_->wait_for(2, 10s);
    ASSERT_EQ(messages.size(), 2u) << "lina and omar: sara has no address, nour wants none";
    const json* arabic = to(messages, "lina@birzeit.example");
    const json* english = to(messages, "omar@birzeit.example");
    ASSERT_TRUE(arabic && english) << json(messages).dump();

    EXPECT_EQ((*arabic)["subject"], "اتفاقية التعاون مع Universidad de Chile جاهزة للتوقيع");
    // Encoded words of at most 75 characters, each decoding on its own to whole characters.
    const std::string raw = (*arabic)["raw_subject"];
    EXPECT_NE(raw.find("=?UTF-8?B?"), std::string::npos) << raw;
    for (std::size_t at = 0; (at = raw.find("=?", at)) != std::string::npos;) {
        const auto end = raw.find("?=", at + 10);
        ASSERT_NE(end, std::string::npos);
        EXPECT_LE(end + 2 - at, 75u) << raw;
        at = end + 2;
    }
    EXPECT_TRUE((*arabic)["defects"].empty()) << (*arabic)["defects"].dump();
    EXPECT_EQ((*arabic)["content_type"], "multipart/alternative");
    const std::string html = (*arabic)["html"];
    EXPECT_NE(html.find("dir=\"rtl\""), std::string::npos) << html;
    EXPECT_NE(html.find("lang=\"ar\""), std::string::npos) << html;
    EXPECT_NE(html.find("يُرجى مراجعة النص النهائي."), std::string::npos);
    EXPECT_NE(std::string((*arabic)["text"]).find("https://accord.birzeit.example/instances/" + id),
              std::string::npos)
        << (*arabic)["text"];

    EXPECT_EQ((*english)["subject"],
              "The cooperation agreement with Universidad de Chile is ready for signing");
    EXPECT_NE(std::string((*english)["html"]).find("dir=\"ltr\""), std::string::npos);
    EXPECT_NE(std::string((*english)["text"]).find("Please review the final text."),
              std::string::npos);
    // The Message-ID names the notice (the one in their lists) and the reader.
    const json list = http_->get("/api/v1/notifications", omar_.token).json();
    ASSERT_FALSE(list["items"].empty());
    EXPECT_EQ((*english)["message_id"],
              "<" + list["items"][0]["id"].get<std::string>() + ".omar@birzeit.example>");
    EXPECT_EQ((*arabic)["mail_from"], "accord@birzeit.example");

    EXPECT_TRUE(eventually([&] {
        return metrics().find("accord_mail_skipped_total 1") != std::string::npos;
    })) << "sara: no address";
    EXPECT_NE(metrics().find("accord_mail_sent_total 2"), std::string::npos) << metrics();
    EXPECT_EQ(sink_->wait_for(3, 500ms).size(), 2u) << "nobody twice, nour never";
}

TEST_F(Mail, AFailedSendIsRetriedWithTheSameMessageIdAndCounted) {
    start_with(1);  // the first message is answered 451
    set_clock("2027-01-10T12:00:00Z");  // an hour on is not dana's digest hour
    ping();
    ASSERT_TRUE(eventually(
        [&] { return metrics().find("accord_mail_failures_total 1") != std::string::npos; }, 10s))
        << metrics();
    const auto first = sink_->wait_for(1, 10s);
    ASSERT_EQ(first.size(), 1u) << "the other one went through";
    // The retry comes after its back-off (30 s on the clock): move the clock an hour.
    auto moved = http_->post("/api/v1/admin/clock", {{"advance", "PT1H"}}, adam_.token);
    ASSERT_EQ(moved.status, 200) << describe(moved);
    const auto all = sink_->wait_for(2, 10s);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_NE(all[0]["rcpt_to"], all[1]["rcpt_to"]) << "each reader once";
    ASSERT_EQ(sink_->refused().size(), 1u);
    EXPECT_EQ(all[1]["message_id"], sink_->refused()[0]) << "the retry is the same message";
    EXPECT_TRUE(eventually(
        [&] { return metrics().find("accord_mail_sent_total 2") != std::string::npos; }))
        << metrics();
}

TEST_F(Mail, ADailyReaderGetsOneDigestAtTheirHourInTheirTimeZone) {
    start_with(0);
    set_clock("2027-01-10T12:00:00Z");  // Sunday, 14:00 in Hebron (UTC+2 in winter)
    ping();
    ping();
    ASSERT_EQ(sink_->wait_for(4, 10s).size(), 4u) << "lina and omar, twice";
    // 08:00 in Hebron is 06:00Z: not yet at 05:59.
    set_clock("2027-01-11T05:59:00Z");
    EXPECT_EQ(sink_->wait_for(5, 500ms).size(), 4u) << "no digest before 08:00 local";
    set_clock("2027-01-11T06:00:30Z");
    const auto all = sink_->wait_for(5, 10s);
    ASSERT_EQ(all.size(), 5u);
    const json* digest = to(all, "dana@birzeit.example");
    ASSERT_TRUE(digest);
    EXPECT_EQ((*digest)["subject"], "ملخصك اليومي من منصة Accord");
    const std::string text = (*digest)["text"];
    EXPECT_NE(text.find("للاطلاع"), std::string::npos) << text;
    std::size_t mentions = 0;
    for (std::size_t at = 0; (at = text.find("جاهزة للتوقيع", at)) != std::string::npos; ++at)
        ++mentions;
    EXPECT_EQ(mentions, 2u) << "both notices in one e-mail: " << text;
    EXPECT_NE(std::string((*digest)["html"]).find("dir=\"rtl\""), std::string::npos);
    set_clock("2027-01-12T07:00:00Z");
    EXPECT_EQ(sink_->wait_for(6, 500ms).size(), 5u) << "one digest, not one a day when nothing came";
}

TEST_F(Mail, ANodeKilledWhileSendingLeavesTheEMailToAnother) {
    start_with(0, 1);  // the first message is held: its sender hears nothing
    ping();
    try {
        ASSERT_TRUE(eventually([&] {
            return !http_->get("/api/v1/notifications", lina_.token).json()["items"].empty();
        }));
    } catch (const std::exception& e) {
        FAIL() << e.what() << "\n" << accordd_->log();
    }
    std::this_thread::sleep_for(1s);  // the node is sending the first e-mail, the other queued
    EXPECT_TRUE(sink_->messages().empty());
    accordd_->kill();
    auto other = start_accordd(flags());
    const auto all = sink_->wait_for(2, 20s);
    ASSERT_EQ(all.size(), 2u) << "both, sent by the node still running";
    EXPECT_NE(all[0]["rcpt_to"], all[1]["rcpt_to"]);
}

TEST_F(Mail, ANodeSendsNoFasterThanItsSmtpRate) {
    start_with(0, 0, {"--smtp-rate", "2"});
    const auto began = std::chrono::steady_clock::now();
    ping();
    ping();  // lina and omar, twice: four e-mails, at most two a second
    const auto all = sink_->wait_for(4, 20s);
    const auto took = std::chrono::steady_clock::now() - began;
    ASSERT_EQ(all.size(), 4u);
    // Turns half a second apart: the fourth is sent 1.5 s after the first, at the soonest.
    EXPECT_GE(took, 1200ms);
    EXPECT_TRUE(eventually([&] {
        return metrics().find("accord_mail_sent_total 4") != std::string::npos;
    })) << metrics();
}

}  // namespace
}  // namespace accord::e2e
