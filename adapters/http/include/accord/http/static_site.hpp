// StaticSite: the web application's files (the build of web/), which accordd serves at "/"
// beside the API. Read whole at start (a build is a few hundred kilobytes). Each file is served
// as it is, or as its pre-compressed sibling (FILE.br, FILE.gz) when the browser accepts that;
// files under assets/ carry a hash in their names and are cached for good, the rest
// (index.html) revalidated. A path that names no file and has no extension is one of the
// application's own routes (/tasks/ID): it gets index.html. Every answer carries the security
// headers: a Content-Security-Policy without inline script, nosniff, a referrer policy, and
// framing refused.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "accord/engine/result.hpp"
#include "accord/http/message.hpp"

namespace accord::http {

class StaticSite {
public:
    // The files under `dir`; an error when it has no index.html, or holds more than `max_bytes`.
    static engine::Result<std::shared_ptr<const StaticSite>> load(const std::string& dir,
                                                                  std::size_t max_bytes = 64u
                                                                                          << 20);

    // The answer to a GET of the request's path; nullopt when it is none of the site's (a
    // missing file with an extension, or not a GET).
    std::optional<Response> answer(const Request& request) const;

    std::size_t files() const { return files_.size(); }
    const std::string& dir() const { return dir_; }

    // The headers every answer of the site carries.
    static const std::vector<std::pair<std::string, std::string>>& security_headers();

private:
    struct File {
        std::string type;
        std::string body, gzip, brotli;  // the compressed ones: empty when not shipped
        bool immutable = false;
    };
    std::string dir_;
    std::unordered_map<std::string, File> files_;  // by path from the root: "index.html"
};

}  // namespace accord::http
