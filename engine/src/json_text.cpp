// json_text: a compact serializer for nlohmann::json. Objects are std::maps, so keys come out
// sorted, as nlohmann writes them; numbers other than integers are left to nlohmann, so that
// their text is its text.
#include "accord/engine/json_text.hpp"

#include <charconv>

namespace accord::engine {

namespace {

using json = nlohmann::json;

constexpr char kHex[] = "0123456789abcdef";

void append_string(std::string& out, const std::string& s) {
    // Anything beyond ASCII: nlohmann validates the UTF-8 and replaces what is invalid.
    for (unsigned char c : s)
        if (c >= 0x80) {
            out += json(s).dump(-1, ' ', false, json::error_handler_t::replace);
            return;
        }
    out += '"';
    std::size_t run = 0;  // start of the pending run of characters that need no escape
    for (std::size_t i = 0; i < s.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(s, run, i - run);
        run = i + 1;
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
    out.append(s, run, s.size() - run);
    out += '"';
}

template <typename Integer>
void append_integer(std::string& out, Integer v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

}  // namespace

void append_json(std::string& out, const json& v) {
    switch (v.type()) {
        case json::value_t::object: {
            out += '{';
            bool first = true;
            for (const auto& [key, item] : v.get_ref<const json::object_t&>()) {
                if (!first) out += ',';
                first = false;
                append_string(out, key);
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
            append_string(out, v.get_ref<const std::string&>());
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
