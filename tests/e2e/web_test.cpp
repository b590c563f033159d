// The web application served by accordd (--web DIR) over real HTTP: its files as they are or
// pre-compressed when the browser accepts that, hashed assets cached for good and the page
// revalidated, the application's own routes answered with its page, and the API, /healthz and
// unknown files answering as before; every page with its security headers.
#include <filesystem>
#include <fstream>

#include "e2e_fixture.hpp"

namespace accord::e2e {
namespace {

namespace fs = std::filesystem;

class Web : public E2eTest {
protected:
    void SetUp() override {
        E2eTest::SetUp();
        dir_ = fs::temp_directory_path() / ("accord-web-" + std::to_string(::getpid()));
        fs::create_directories(dir_ / "assets");
        write("index.html",
              "<!doctype html><title>Accord</title><script type=module "
              "src=/assets/app-3f9a2c.js></script>");
        write("assets/app-3f9a2c.js", "console.log('accord')");
        write("assets/app-3f9a2c.js.gz", "GZIP-BYTES");
        write("assets/app-3f9a2c.js.br", "BROTLI-BYTES");
        write("favicon.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>");
        serve({"--web", dir_.string()});
    }
    void TearDown() override {
        E2eTest::TearDown();
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    void write(const std::string& name, const std::string& text) {
        std::ofstream(dir_ / name, std::ios::binary) << text;
    }
    support::HttpResponse get(const std::string& path, support::Headers headers = {}) {
        return http_->request("GET", path, {}, headers);
    }
    fs::path dir_;
};

TEST_F(Web, ThePageAndItsAssetsAreServedWithTheirHeaders) {
    auto page = get("/");
    ASSERT_EQ(page.status, 200);
    EXPECT_NE(page.body.find("<title>Accord</title>"), std::string::npos);
    EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(page.header("Cache-Control"), "no-cache");
    const std::string csp = page.header("Content-Security-Policy");
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
    EXPECT_EQ(page.header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(page.header("X-Frame-Options"), "DENY");
    EXPECT_FALSE(page.header("Referrer-Policy").empty());

    auto plain = get("/assets/app-3f9a2c.js");
    ASSERT_EQ(plain.status, 200);
    EXPECT_EQ(plain.body, "console.log('accord')");
    EXPECT_EQ(plain.header("Content-Type"), "text/javascript; charset=utf-8");
    EXPECT_EQ(plain.header("Cache-Control"), "public, max-age=31536000, immutable");
    EXPECT_FALSE(plain.has_header("Content-Encoding"));
    EXPECT_EQ(plain.header("Vary"), "Accept-Encoding");

    auto br = get("/assets/app-3f9a2c.js", {{"Accept-Encoding", "gzip, deflate, br"}});
    EXPECT_EQ(br.header("Content-Encoding"), "br");
    EXPECT_EQ(br.body, "BROTLI-BYTES");
    auto gz = get("/assets/app-3f9a2c.js", {{"Accept-Encoding", "gzip;q=1.0, br;q=0"}});
    EXPECT_EQ(gz.header("Content-Encoding"), "gzip");
    EXPECT_EQ(gz.body, "GZIP-BYTES");
    EXPECT_EQ(get("/favicon.svg").header("Content-Type"), "image/svg+xml");
}

TEST_F(Web, TheApplicationsRoutesGetItsPageAndTheApiAnswersAsBefore) {
    for (const char* route : {"/tasks/agreement-x1.t3", "/instances", "/admin/calendar"}) {
        auto r = get(route);
        EXPECT_EQ(r.status, 200) << route;
        EXPECT_NE(r.body.find("<title>Accord</title>"), std::string::npos) << route;
    }
    EXPECT_EQ(get("/missing.png").status, 404);
    EXPECT_EQ(get("/assets/%2e%2e/%2e%2e/etc/passwd").status, 404) << "nothing outside DIR";
    auto api = get("/api/v1/no-such-thing");
    EXPECT_EQ(api.status, 401) << "the API's paths stay the API's";
    EXPECT_EQ(get("/api/other").status, 404);
    auto health = get("/healthz");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.header("Content-Type"), "application/json");
    EXPECT_EQ(get("/metrics").header("Content-Type").find("text/plain"), 0U);
    EXPECT_EQ(http_->request("POST", "/tasks/x", "{}").status, 404) << "only GET";
}


// Bad settings stop the start with exit 2 and say which, before anything is served.
TEST(WebSettings, ADirWithoutAnApplicationOrABadSmtpRateStopsTheStart) {
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--web", "/nonexistent/accord-web"}, "has no index.html"},
        {{"--smtp-rate", "-1"}, "--smtp-rate"},
        {{"--smtp-rate", "fast"}, "--smtp-rate"},
    };
    for (const auto& [flags, says] : cases) {
        std::vector<std::string> args = {"--listen", "127.0.0.1:0", "--redis",
                                         "redis://127.0.0.1:1/0"};
        args.insert(args.end(), flags.begin(), flags.end());
        const auto r = support::run_command(ACCORDD_BINARY, args);
        EXPECT_TRUE(r.status.exited && r.status.code == 2) << flags[1] << ": " << r.status.to_string();
        EXPECT_NE(r.err.find(says), std::string::npos) << flags[1] << ": " << r.err;
        EXPECT_EQ((r.out + r.err).find("serving"), std::string::npos) << flags[1];
    }
}

}  // namespace
}  // namespace accord::e2e
