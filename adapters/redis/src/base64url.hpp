// Internal: base64url without padding (RFC 4648 §5), for the feed cursor and bearer tokens:
// text that goes into URLs and headers as it is.
#pragma once

#include <string>
#include <string_view>

namespace accord::redis {

std::string base64url_encode(std::string_view bytes);
// False if `text` has a character outside the alphabet; `out` then holds what came before it.
bool base64url_decode(std::string_view text, std::string& out);

}  // namespace accord::redis
