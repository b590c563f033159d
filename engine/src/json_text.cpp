// json_text: a compact serializer for nlohmann::json. Objects are std::maps, so keys come out
// sorted, as nlohmann writes them; numbers other than integers are left to nlohmann, so that
// their text is its text.
#include "accord/engine/json_text.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace accord::engine {

namespace {

using json = nlohmann::json;

constexpr char kHex[] = "0123456789abcdef";

// Which bytes stop the scan: 1 for those that need an escape (control characters, '"', '\\'),
// 2 for those beyond ASCII.
constexpr auto kStop = [] {
    std::array<unsigned char, 256> t{};
    for (int c = 0; c < 0x20; ++c) t[c] = 1;
    t['"'] = t['\\'] = 1;
    for (int c = 0x80; c < 0x100; ++c) t[c] = 2;
    return t;
}();

// The position of the first byte at or after `from` whose kStop entry has a bit of `mask`, or
// s.size() if none. Sixteen bytes at a time where SSE2 is (every x86-64), else eight: text is
// mostly plain.
constexpr std::uint64_t kHighBit = 0x8080808080808080ULL;
std::size_t first_special(std::string_view s, std::size_t from, unsigned mask) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    std::size_t i = from;
#if defined(__SSE2__)
    {
        const __m128i quote = _mm_set1_epi8('"');
        const __m128i backslash = _mm_set1_epi8('\\');
        const __m128i escapes = _mm_set1_epi8((mask & 1) ? static_cast<char>(0xFF) : 0);
        const __m128i high = _mm_set1_epi8((mask & 2) ? static_cast<char>(0x80) : 0);
        for (; i + 16 <= s.size(); i += 16) {
            const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
            // Below 0x20 as unsigned: min(w, 0x1f) == w. A high bit (when asked): w & 0x80.
            const __m128i below = _mm_cmpeq_epi8(_mm_min_epu8(w, _mm_set1_epi8(0x1f)), w);
            const __m128i escape = _mm_or_si128(
                below, _mm_or_si128(_mm_cmpeq_epi8(w, quote), _mm_cmpeq_epi8(w, backslash)));
            const __m128i hit =
                _mm_or_si128(_mm_and_si128(escape, escapes), _mm_and_si128(w, high));
            const int bits = _mm_movemask_epi8(hit);
            if (bits != 0) return i + static_cast<std::size_t>(__builtin_ctz(bits));
        }
    }
#endif
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    const std::uint64_t high = (mask & 2) ? kHighBit : 0;
    auto has_zero = [](std::uint64_t v) { return (v - ones) & ~v & kHighBit; };
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        // A byte below 0x20, a quote, a backslash, or (when asked) a high bit; a borrow may
        // flag a byte that is none of these, so a hit is looked at byte by byte.
        const std::uint64_t below = (w - 0x20 * ones) & ~w & kHighBit;
        const std::uint64_t hit =
            below | has_zero(w ^ ('"' * ones)) | has_zero(w ^ ('\\' * ones)) | (w & high);
        if (hit == 0) continue;
        for (std::size_t k = i; k < i + 8; ++k)
            if (kStop[p[k]] & mask) return k;
    }
    for (; i < s.size(); ++i)
        if (kStop[p[i]] & mask) return i;
    return s.size();
}

// Whether `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most
// U+10FFFF), which nlohmann writes through unchanged.
bool valid_utf8(std::string_view s) {
    std::size_t i = 0;
    const std::size_t n = s.size();
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    auto cont = [&](std::size_t k) { return k < n && (byte(k) & 0xC0) == 0x80; };
    while (i < n) {
        const unsigned char c = byte(i);
        if (c < 0x80) {
            ++i;
        } else if (c >= 0xC2 && c <= 0xDF) {
            if (!cont(i + 1)) return false;
            i += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            if (!cont(i + 1) || !cont(i + 2)) return false;
            const unsigned char c1 = byte(i + 1);
            if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F)) return false;
            i += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            if (!cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return false;
            const unsigned char c1 = byte(i + 1);
            if ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 > 0x8F)) return false;
            i += 4;
        } else {
            return false;
        }
    }
    return true;
}

template <typename Integer>
void append_integer(std::string& out, Integer v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

}  // namespace

bool plain_json_string(std::string_view s) {
    return first_special(s, 0, 1 | 2) == s.size();
}

void append_json_string(std::string& out, std::string_view s) {
    const std::size_t start = out.size();
    out.reserve(start + s.size() + 2);
    out += '"';
    std::size_t run = 0;    // start of the pending run of bytes that need no escape
    unsigned mask = 1 | 2;  // stop at bytes beyond ASCII until the text is known to be UTF-8
    for (std::size_t i = first_special(s, 0, mask); i < s.size(); i = first_special(s, i, mask)) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            // Valid UTF-8 passes through; otherwise nlohmann replaces what is invalid, and its
            // text is the text.
            if (!valid_utf8(s.substr(i))) {
                out.resize(start);
                out += json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
                return;
            }
            mask = 1;
            continue;
        }
        out.append(s.data() + run, i - run);
        run = ++i;
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                out += "\\u00";
                out += kHex[c >> 4];
                out += kHex[c & 15];
        }
    }
    out.append(s.data() + run, s.size() - run);
    out += '"';
}

void append_json(std::string& out, const json& v) {
    switch (v.type()) {
        case json::value_t::object: {
            out += '{';
            bool first = true;
            for (const auto& [key, item] : v.get_ref<const json::object_t&>()) {
                if (!first) out += ',';
                first = false;
                append_json_string(out, key);
                out += ':';
                append_json(out, item);
            }
            out += '}';
            return;
        }
        case json::value_t::array: {
            out += '[';
            bool first = true;
            for (const auto& item : v) {
                if (!first) out += ',';
                first = false;
                append_json(out, item);
            }
            out += ']';
            return;
        }
        case json::value_t::string:
            append_json_string(out, v.get_ref<const std::string&>());
            return;
        case json::value_t::number_integer:
            append_integer(out, v.get<json::number_integer_t>());
            return;
        case json::value_t::number_unsigned:
            append_integer(out, v.get<json::number_unsigned_t>());
            return;
        case json::value_t::boolean:
            out += v.get<bool>() ? "true" : "false";
            return;
        case json::value_t::null:
            out += "null";
            return;
        default:  // floating point, binary, discarded
            out += v.dump(-1, ' ', false, json::error_handler_t::replace);
    }
}

}  // namespace accord::engine
