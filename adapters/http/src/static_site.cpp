// StaticSite (static_site.hpp).
#include "accord/http/static_site.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>

namespace accord::http {

namespace fs = std::filesystem;
using engine::ErrorCode;
using engine::make_error;

namespace {

std::string_view type_of(std::string_view name) {
    static const std::pair<std::string_view, std::string_view> kTypes[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".webmanifest", "application/manifest+json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
        {".map", "application/json"},
    };
    for (const auto& [ext, type] : kTypes)
        if (name.ends_with(ext)) return type;
    return "application/octet-stream";
}

// Whether the Accept-Encoding header takes `coding` (not with q=0).
bool accepts(std::string_view header, std::string_view coding) {
    while (!header.empty()) {
        const auto comma = header.find(',');
        std::string_view item = header.substr(0, comma);
        header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        const auto semi = item.find(';');
        std::string_view name = item.substr(0, semi);
        while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
        if (name != coding && name != "*") continue;
        if (semi != std::string_view::npos) {
            std::string_view q = item.substr(semi + 1);
            while (!q.empty() && q.front() == ' ') q.remove_prefix(1);
            if (q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000") continue;
        }
        return true;
    }
    return false;
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& StaticSite::security_headers() {
    static const std::vector<std::pair<std::string, std::string>> kHeaders = {
        {"Content-Security-Policy",
         "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
         "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
         "form-action 'self'; frame-ancestors 'none'"},
        {"X-Content-Type-Options", "nosniff"},
        {"Referrer-Policy", "same-origin"},
        {"X-Frame-Options", "DENY"},
    };
    return kHeaders;
}

engine::Result<std::shared_ptr<const StaticSite>> StaticSite::load(const std::string& dir,
                                                                   std::size_t max_bytes) {
    std::error_code ec;
    if (!fs::is_regular_file(fs::path(dir) / "index.html", ec))
        return make_error(ErrorCode::not_found, dir + " has no index.html");
    auto site = std::make_shared<StaticSite>();
    site->dir_ = dir;
    std::size_t total = 0;
    auto read = [&](const fs::path& p, std::string& out) -> bool {
        std::ifstream in(p, std::ios::binary);
        out.assign(std::istreambuf_iterator<char>(in), {});
        total += out.size();
        return static_cast<bool>(in) || in.eof();
    };
    for (auto it = fs::recursive_directory_iterator(dir, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file()) continue;
        const std::string rel = fs::relative(it->path(), dir).generic_string();
        if (rel.ends_with(".gz") || rel.ends_with(".br")) continue;  // with their file, below
        File f;
        f.type = std::string(type_of(rel));
        f.immutable = rel.starts_with("assets/");
        if (!read(it->path(), f.body))
            return make_error(ErrorCode::storage_error, "cannot read " + it->path().string());
        for (auto [suffix, slot] : {std::pair{".br", &f.brotli}, std::pair{".gz", &f.gzip}}) {
            const fs::path packed = it->path().string() + suffix;
            if (fs::is_regular_file(packed, ec)) read(packed, *slot);
        }
        if (total > max_bytes)
            return make_error(ErrorCode::invalid_input, dir + " holds more than " +
                                                            std::to_string(max_bytes >> 20) +
                                                            " MiB: not a web application's build");
        site->files_.emplace(rel, std::move(f));
    }
    if (ec) return make_error(ErrorCode::storage_error, "cannot read " + dir + ": " + ec.message());
    return std::shared_ptr<const StaticSite>(std::move(site));
}

std::optional<Response> StaticSite::answer(const Request& request) const {
    if (request.method != "GET") return std::nullopt;
    std::string path;
    for (const auto& s : request.segments) {
        if (s == ".." || s == "." || s.find('\0') != std::string::npos) return std::nullopt;
        path += (path.empty() ? "" : "/") + s;
    }
    auto it = files_.find(path.empty() ? "index.html" : path);
    if (it == files_.end()) {
        // A missing file (under assets/, or named like one of the site's kinds) is a 404; any
        // other path is one of the application's routes (/tasks/agreement-x1.t3): its page.
        if (path.starts_with("assets/") || type_of(path) != "application/octet-stream")
            return std::nullopt;
        it = files_.find("index.html");
    }
    const File& f = it->second;
    Response r;
    r.status = 200;
    r.content_type = f.type;
    if (!f.brotli.empty() && accepts(request.accept_encoding, "br")) {
        r.body = f.brotli;
        r.headers.emplace_back("Content-Encoding", "br");
    } else if (!f.gzip.empty() && accepts(request.accept_encoding, "gzip")) {
        r.body = f.gzip;
        r.headers.emplace_back("Content-Encoding", "gzip");
    } else {
        r.body = f.body;
    }
    if (!f.brotli.empty() || !f.gzip.empty()) r.headers.emplace_back("Vary", "Accept-Encoding");
    r.headers.emplace_back("Cache-Control",
                           f.immutable ? "public, max-age=31536000, immutable" : "no-cache");
    for (const auto& h : security_headers()) r.headers.push_back(h);
    return r;
}

}  // namespace accord::http
