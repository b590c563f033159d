// Internal: how documents and history entries are kept in Redis. JSON text, or a zstd frame of
// it (recognised by the frame's magic number; JSON text never starts with that byte), so that
// a reader takes either and a store may switch compression on or off at any time.
#pragma once

#include <string>
#include <string_view>

#include "accord/engine/result.hpp"

namespace accord::redis::codec {

// `text` as a zstd frame at `level`, or as is when `level` is 0, the text is short or the
// frame would be no shorter.
std::string encode(std::string text, int level);
// The JSON text of `stored`: itself, or the frame decompressed into `buffer`.
engine::Result<std::string_view> decode(std::string_view stored, std::string& buffer);

}  // namespace accord::redis::codec
