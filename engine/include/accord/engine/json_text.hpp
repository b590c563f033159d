// json_text: compact JSON text, the same bytes as nlohmann's dump(-1, ' ', false,
// error_handler_t::replace), several times faster: nlohmann decodes every byte of every string
// as UTF-8; this scans eight bytes at a time for what needs an escape, passes valid UTF-8
// through, and hands only strings that are not valid UTF-8 to nlohmann.
// JsonWriter writes the same kind of text straight from values, without a json DOM.
#pragma once

#include <charconv>
#include <cstring>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace accord::engine {

// Appends `value` as compact JSON to `out`.
void append_json(std::string& out, const nlohmann::json& value);

inline std::string json_text(const nlohmann::json& value) {
    std::string out;
    append_json(out, value);
    return out;
}

// A document whose members keep their order (a definition as its author wrote it), the same way.
inline std::string json_text(const nlohmann::ordered_json& value) {
    return value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// Appends `s` as a JSON string, as nlohmann would write it.
void append_json_string(std::string& out, std::string_view s);

// Whether `s` is written as a JSON string as it is, between quotes (nothing to escape, ASCII).
bool plain_json_string(std::string_view s);

// Writes JSON text straight from values, for the storage forms that would otherwise be built as
// a json DOM only to be dumped. Keys come out in the order they are written; commas are placed
// for the caller. The member functions have distinct names on purpose: an overload set with
// bool would take string literals.
// An object key written as is: a string literal, checked at compile time to need no escape.
struct JsonKey {
    static constexpr std::size_t kLongest = 48;
    consteval JsonKey(const char* literal) : text(literal) {  // NOLINT: implicit on purpose
        if (text.size() > kLongest) throw "a JsonKey is at most 48 characters";
        for (char c : text)
            if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\' ||
                static_cast<unsigned char>(c) >= 0x80)
                throw "a JsonKey is plain ASCII without quotes or backslashes";
    }
    std::string_view text;
};

class JsonWriter {
public:
    explicit JsonWriter(std::string& out) : out_(out) {}

    JsonWriter& object() { return open('{'); }
    JsonWriter& array() { return open('['); }
    JsonWriter& end_object() { return close('}'); }
    JsonWriter& end_array() { return close(']'); }
    JsonWriter& string(std::string_view v) {
        separate();
        append_json_string(out_, v);
        comma_ = true;
        return *this;
    }
    template <typename Integer>
    JsonWriter& integer(Integer v) {
        char buf[24];
        std::size_t n = 0;
        if (comma_) buf[n++] = ',';
        n = static_cast<std::size_t>(std::to_chars(buf + n, buf + sizeof buf, v).ptr - buf);
        out_.append(buf, n);
        comma_ = true;
        return *this;
    }
    JsonWriter& boolean(bool v) {
        separate();
        if (v)
            out_.append("true", 4);
        else
            out_.append("false", 5);
        comma_ = true;
        return *this;
    }
    JsonWriter& value(const nlohmann::json& v) {
        separate();
        append_json(out_, v);
        comma_ = true;
        return *this;
    }
    // A document whose members keep their order (a definition as its author wrote it).
    JsonWriter& ordered_value(const nlohmann::ordered_json& v) {
        separate();
        out_ += json_text(v);
        comma_ = true;
        return *this;
    }
    // A key known at compile time (see JsonKey). Each member is written with as few appends as
    // may be: the separator, key and colon (and a number, or a string that needs no escape)
    // gathered first.
    JsonWriter& key(JsonKey k) {
        Gather g(*this, k);
        out_.append(g.buf, g.n);
        comma_ = false;
        return *this;
    }
    // An object member: key and value.
    JsonWriter& str(JsonKey k, std::string_view v) {
        Gather g(*this, k);
        if (v.size() <= sizeof g.buf - g.n - 2 && plain_json_string(v)) {
            g.buf[g.n++] = '"';
            if (!v.empty()) std::memcpy(g.buf + g.n, v.data(), v.size());
            g.n += v.size();
            g.buf[g.n++] = '"';
            out_.append(g.buf, g.n);
        } else {
            out_.append(g.buf, g.n);
            append_json_string(out_, v);
        }
        comma_ = true;
        return *this;
    }
    template <typename Integer>
    JsonWriter& num(JsonKey k, Integer v) {
        Gather g(*this, k);
        g.n = static_cast<std::size_t>(std::to_chars(g.buf + g.n, g.buf + sizeof g.buf, v).ptr -
                                       g.buf);
        out_.append(g.buf, g.n);
        comma_ = true;
        return *this;
    }
    JsonWriter& flag(JsonKey k, bool v) { return key(k).boolean(v); }
    // An object member whose value is a list of strings; none at all when the list is empty.
    template <typename Strings>
    JsonWriter& strings_if_any(JsonKey k, const Strings& list) {
        if (list.empty()) return *this;
        key(k).array();
        for (const auto& s : list) string(s);
        return end_array();
    }
    JsonWriter& json(JsonKey k, const nlohmann::json& v) { return key(k).value(v); }
    JsonWriter& ordered_json(JsonKey k, const nlohmann::ordered_json& v) {
        return key(k).ordered_value(v);
    }
    // An object member whose key is known only at run time (escaped as a string is).
    JsonWriter& member(std::string_view k, std::string_view v) {
        string(k);
        out_ += ':';
        comma_ = false;
        return string(v);
    }

private:
    // ',"key":' in a buffer with room for a short value after it.
    struct Gather {
        Gather(const JsonWriter& w, JsonKey k) {
            if (w.comma_) buf[n++] = ',';
            buf[n++] = '"';
            std::memcpy(buf + n, k.text.data(), k.text.size());
            n += k.text.size();
            buf[n++] = '"';
            buf[n++] = ':';
        }
        char buf[JsonKey::kLongest + 4 + 76];
        std::size_t n = 0;
    };
    void separate() {
        if (comma_) out_ += ',';
    }
    JsonWriter& open(char c) {
        separate();
        out_ += c;
        comma_ = false;
        return *this;
    }
    JsonWriter& close(char c) {
        out_ += c;
        comma_ = true;
        return *this;
    }
    std::string& out_;
    bool comma_ = false;
};

}  // namespace accord::engine
