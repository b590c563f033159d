// JSON Pointer building and "did you mean" suggestions, shared by the loaders.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace accord::engine {

// base + "/" + token, with ~ and / escaped as RFC 6901 says.
std::string pointer_join(std::string_view base, std::string_view token);
std::string pointer_join(std::string_view base, std::size_t index);

// The candidate closest to `word` by edit distance, if close enough to be a likely typo.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean "x"?)" or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace accord::engine
