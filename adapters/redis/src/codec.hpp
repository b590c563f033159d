// Internal: how documents, history entries and feed entries are kept in Redis. JSON text, or a
// zstd frame of it, with or without a dictionary (recognised by the frame's magic number; JSON
// text never starts with that byte), so that a reader takes any of them and a store may switch
// compression on or off at any time.
#pragma once

#include <string>
#include <string_view>

#include "accord/engine/result.hpp"
#include "dictionaries.hpp"

namespace accord::redis::codec {

// `text` as a zstd frame at `level`, or as is when `level` is 0, the text is short or the
// frame would be no shorter.
std::string encode(std::string text, int level);
// `text` as a zstd frame made with `dictionary` (at the level it was made for), or as is
// when the frame would be no shorter.
std::string encode(std::string text, const Dictionary& dictionary);
// The JSON text of `stored`: itself, or the frame decompressed into `buffer` (with the
// dictionary it names, which must be among `known`).
engine::Result<std::string_view> decode(std::string_view stored, std::string& buffer,
                                        const Dictionaries& known);

}  // namespace accord::redis::codec
