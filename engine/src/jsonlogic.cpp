// JsonLogic: the compiler from JSON rules to a tree of opcodes, and the evaluator that walks it.
// Values follow JavaScript, as the reference implementation (json-logic-js) does: loose
// equality, ToNumber and parseFloat coercions, Number-to-string formatting, NaN propagation.
//
// Deliberate differences from json-logic-js, where its behaviour is an accident of JavaScript:
// - ==, ===, "in" compare arrays and objects by value (JavaScript compares object identity).
// - "*" with one argument returns it as a number; json-logic-js returns it unconverted.
// - and, or, "*", min and max need at least one argument, reduce needs its initial value,
//   and the other fixed-arity operators refuse surplus arguments: json-logic-js throws,
//   returns undefined or Infinity, or silently ignores them.
// - substr counts code points, where JavaScript counts UTF-16 units; strings compare by code
//   point, which differs from JavaScript only between astral characters and U+E000..U+FFFF.
// - Falsy data stays as it is; json-logic-js replaces it with {} before an operation.
// - var descends into objects and arrays only (no string indexing, no "length").
// - log returns its argument and logs nothing: the engine core does no I/O.
// Integral results within ±2^53 are stored as JSON integers, so that they print as JavaScript
// prints them ("3", not "3.0"); division by zero gives ±Infinity or NaN, which JSON writes as null.
//
// Date operators of ours. Dates are "YYYY-MM-DD" or RFC 3339 date-time strings (see time.hpp);
// a date is a day of the office's calendar (Context::calendar), date-times are in UTC. A
// literal operand that is not a valid date or duration fails compilation.
//   {"now": []}                 the context's `now` as a date-time, "2027-03-01T09:00:00Z"
//   {"today": []}               the context's `now` as a date of the office, "2027-03-01"
//   {"date_add": [date, dur]}   date + ISO 8601 duration; a date stays a date unless the
//                               duration has a time part; null if either is unparseable
//   {"date_sub": [date, dur]}   date - duration, likewise
//   {"date_before": [a, b]}     a is an earlier instant than b; false if either is unparseable
//   {"date_after": [a, b]}      a is a later instant than b; false if either is unparseable
//   {"days_between": [a, b]}    whole days from a's to b's (dates of the office), negative
//                               when b is earlier; null if either is unparseable
//   {"add_working_days": [date, n]}  n working days after date (before, when negative), skipping
//                               the office's weekend, holidays and closures; a date stays a
//                               date, a date-time keeps its local time of day; null if the date
//                               is unparseable or n no whole number
//   {"working_days_between": [a, b]}  the working days after a's day up to b's (negative when
//                               b is earlier); null if either is unparseable
// And one more: {"object": {"key": rule, ...}} builds an object, each value a rule, so that a
// child workflow or a started one can be given exactly the data it needs.
#include "accord/engine/jsonlogic.hpp"

#include "accord/engine/calendar.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>

namespace accord::engine::logic {

namespace {

// One opcode per operator; `array` is an array holding rules, each element evaluated.
enum class Op : std::uint8_t {
    literal,
    array,
    var,
    missing,
    missing_some,
    if_,
    loose_equal,
    strict_equal,
    loose_not_equal,
    strict_not_equal,
    less,
    less_equal,
    greater,
    greater_equal,
    not_,
    truthy,
    and_,
    or_,
    in,
    cat,
    substr,
    add,
    subtract,
    multiply,
    divide,
    modulo,
    min,
    max,
    merge,
    map,
    filter,
    reduce,
    all,
    none,
    some,
    log,
    now,
    today,
    date_add,
    date_sub,
    date_before,
    date_after,
    days_between,
    add_working_days,
    working_days_between,
    object
};

constexpr std::size_t kUnbounded = std::numeric_limits<std::size_t>::max();
constexpr int kMaxDepth = 128;

struct OperatorSpec {
    std::string_view name;
    Op op;
    std::size_t min_args;
    std::size_t max_args;
};

constexpr std::array kOperators = {
    OperatorSpec{"var", Op::var, 0, 2},
    OperatorSpec{"object", Op::object, 1, 1},
    OperatorSpec{"missing", Op::missing, 0, kUnbounded},
    OperatorSpec{"missing_some", Op::missing_some, 2, 2},
    OperatorSpec{"if", Op::if_, 0, kUnbounded},
    OperatorSpec{"?:", Op::if_, 0, kUnbounded},
    OperatorSpec{"==", Op::loose_equal, 2, 2},
    OperatorSpec{"===", Op::strict_equal, 2, 2},
    OperatorSpec{"!=", Op::loose_not_equal, 2, 2},
    OperatorSpec{"!==", Op::strict_not_equal, 2, 2},
    OperatorSpec{"<", Op::less, 2, 3},
    OperatorSpec{"<=", Op::less_equal, 2, 3},
    OperatorSpec{">", Op::greater, 2, 2},
    OperatorSpec{">=", Op::greater_equal, 2, 2},
    OperatorSpec{"!", Op::not_, 1, 1},
    OperatorSpec{"!!", Op::truthy, 1, 1},
    OperatorSpec{"and", Op::and_, 1, kUnbounded},
    OperatorSpec{"or", Op::or_, 1, kUnbounded},
    OperatorSpec{"in", Op::in, 2, 2},
    OperatorSpec{"cat", Op::cat, 0, kUnbounded},
    OperatorSpec{"substr", Op::substr, 2, 3},
    OperatorSpec{"+", Op::add, 0, kUnbounded},
    OperatorSpec{"-", Op::subtract, 1, 2},
    OperatorSpec{"*", Op::multiply, 1, kUnbounded},
    OperatorSpec{"/", Op::divide, 2, 2},
    OperatorSpec{"%", Op::modulo, 2, 2},
    OperatorSpec{"min", Op::min, 1, kUnbounded},
    OperatorSpec{"max", Op::max, 1, kUnbounded},
    OperatorSpec{"merge", Op::merge, 0, kUnbounded},
    OperatorSpec{"map", Op::map, 2, 2},
    OperatorSpec{"filter", Op::filter, 2, 2},
    OperatorSpec{"reduce", Op::reduce, 3, 3},
    OperatorSpec{"all", Op::all, 2, 2},
    OperatorSpec{"none", Op::none, 2, 2},
    OperatorSpec{"some", Op::some, 2, 2},
    OperatorSpec{"log", Op::log, 1, 1},
    OperatorSpec{"now", Op::now, 0, 0},
    OperatorSpec{"today", Op::today, 0, 0},
    OperatorSpec{"date_add", Op::date_add, 2, 2},
    OperatorSpec{"date_sub", Op::date_sub, 2, 2},
    OperatorSpec{"date_before", Op::date_before, 2, 2},
    OperatorSpec{"date_after", Op::date_after, 2, 2},
    OperatorSpec{"days_between", Op::days_between, 2, 2},
    OperatorSpec{"add_working_days", Op::add_working_days, 2, 2},
    OperatorSpec{"working_days_between", Op::working_days_between, 2, 2},
};

const OperatorSpec* find_operator(std::string_view name) {
    for (const OperatorSpec& spec : kOperators) {
        if (spec.name == name) return &spec;
    }
    return nullptr;
}

// Results that need no storage of their own.
const json kNull;
const json kTrue = true;
const json kFalse = false;

const json& boolean(bool value) {
    return value ? kTrue : kFalse;
}

// A segment of a var path; `index` is set when the key also reads as an array index
// (canonical decimal, as JavaScript turns array indices into property names).
struct PathSegment {
    std::string key;
    std::optional<std::size_t> index;
};

std::optional<std::size_t> array_index(std::string_view key) {
    if (key.empty() || (key.size() > 1 && key[0] == '0')) return std::nullopt;
    std::size_t index = 0;
    const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), index);
    if (ec != std::errc{} || end != key.data() + key.size()) return std::nullopt;
    return index;
}

}  // namespace

// One node of a compiled rule. Operands are evaluated children; a var with a constant path
// keeps that path pre-split, with the root it starts from ("$event") apart.
struct Node {
    Op op = Op::literal;
    json value;  // the constant, for Op::literal
    std::vector<Node> args;
    bool constant_path = false;
    std::string root;  // empty: the path starts at the data
    std::vector<PathSegment> path;
    std::vector<std::string> keys;  // Op::object: the key of each argument
};

namespace {

// ---------------------------------------------------------------------------------------------
// JavaScript values

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Decodes the code point starting at s[i] (lenient: a malformed byte counts as itself).
char32_t decode_utf8(std::string_view s, std::size_t i, std::size_t& length) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const std::size_t need = lead < 0x80    ? 1
                             : lead >= 0xF0 ? 4
                             : lead >= 0xE0 ? 3
                             : lead >= 0xC0 ? 2
                                            : 1;
    if (need == 1 || i + need > s.size()) {
        length = 1;
        return lead;
    }
    char32_t cp = lead & (0x7F >> need);
    for (std::size_t k = 1; k < need; ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    length = need;
    return cp;
}

bool is_continuation_byte(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// WhiteSpace and LineTerminator of ECMAScript, which ToNumber and parseFloat skip.
bool is_js_space(char32_t c) {
    return c == 0x09 || c == 0x0A || c == 0x0B || c == 0x0C || c == 0x0D || c == 0x20 ||
           c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

std::string_view trim_js_space_front(std::string_view s) {
    std::size_t length = 0;
    while (!s.empty() && is_js_space(decode_utf8(s, 0, length))) s.remove_prefix(length);
    return s;
}

std::string_view trim_js_space(std::string_view s) {
    s = trim_js_space_front(s);
    while (!s.empty()) {
        std::size_t start = s.size() - 1;
        while (start > 0 && s.size() - start < 4 && is_continuation_byte(s[start])) --start;
        std::size_t length = 0;
        if (!is_js_space(decode_utf8(s, start, length)) || start + length != s.size()) break;
        s.remove_suffix(length);
    }
    return s;
}

// Length of the longest prefix of `s` that is an unsigned decimal literal ("12", "1.5e3",
// ".5", "5."), or 0.
std::size_t scan_decimal(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size() && is_digit(s[i])) ++i;
    std::size_t digits = i;
    if (i < s.size() && s[i] == '.') {
        std::size_t j = i + 1;
        while (j < s.size() && is_digit(s[j])) ++j;
        digits += j - i - 1;
        i = j;
    }
    if (digits == 0) return 0;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        std::size_t j = i + 1;
        if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
        const std::size_t exponent_start = j;
        while (j < s.size() && is_digit(s[j])) ++j;
        if (j > exponent_start) i = j;
    }
    return i;
}

// The value of an unsigned decimal literal, overflowing to Infinity and underflowing to 0.
double decimal_value(std::string_view literal) {
    double value = 0;
    const auto [end, ec] = std::from_chars(literal.data(), literal.data() + literal.size(), value);
    if (ec != std::errc::result_out_of_range) return value;
    // Out of range: the decimal exponent of the first significant digit tells which way.
    const std::size_t e = literal.find_first_of("eE");
    const std::string_view mantissa = literal.substr(0, e);
    std::int64_t exponent = 0;
    if (e != std::string_view::npos) {
        std::string_view digits = literal.substr(e + 1);
        const bool negative = !digits.empty() && digits[0] == '-';
        if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
        for (char c : digits)
            exponent = std::min<std::int64_t>(exponent * 10 + (c - '0'), 1'000'000'000);
        if (negative) exponent = -exponent;
    }
    const std::size_t point = std::min(mantissa.find('.'), mantissa.size());
    const std::size_t first_significant = mantissa.find_first_of("123456789");
    const auto position =
        static_cast<std::int64_t>(point) - static_cast<std::int64_t>(first_significant);
    const std::int64_t magnitude = exponent + (first_significant < point ? position : position + 1);
    return magnitude > 0 ? std::numeric_limits<double>::infinity() : 0.0;
}

// ECMAScript StringToNumber: "" is 0; "Infinity", hex, octal and binary literals are accepted;
// anything else that is not a whole decimal literal is NaN.
double string_to_number(std::string_view text) {
    std::string_view s = trim_js_space(text);
    if (s.empty()) return 0;
    if (s.size() > 2 && s[0] == '0') {
        const char prefix = static_cast<char>(s[1] | 0x20);
        const int base = prefix == 'x' ? 16 : prefix == 'o' ? 8 : prefix == 'b' ? 2 : 0;
        if (base != 0) {
            double value = 0;
            for (char c : s.substr(2)) {
                const char lower = static_cast<char>(c | 0x20);
                const int digit = is_digit(c)                      ? c - '0'
                                  : (lower >= 'a' && lower <= 'f') ? lower - 'a' + 10
                                                                   : 99;
                if (digit >= base) return std::nan("");
                value = value * base + digit;
            }
            return value;
        }
    }
    const bool negative = s[0] == '-';
    if (s[0] == '-' || s[0] == '+') s.remove_prefix(1);
    double value;
    if (s == "Infinity") {
        value = std::numeric_limits<double>::infinity();
    } else if (!s.empty() && scan_decimal(s) == s.size()) {
        value = decimal_value(s);
    } else {
        return std::nan("");
    }
    return negative ? -value : value;
}

// The number parseFloat finds at the start of a string, or NaN.
double parse_float_prefix(std::string_view text) {
    std::string_view s = trim_js_space_front(text);
    const bool negative = !s.empty() && s[0] == '-';
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
    double value;
    if (s.substr(0, 8) == "Infinity") {
        value = std::numeric_limits<double>::infinity();
    } else if (const std::size_t length = scan_decimal(s); length > 0) {
        value = decimal_value(s.substr(0, length));
    } else {
        return std::nan("");
    }
    return negative ? -value : value;
}

// Number::toString: shortest round-trip digits, exponent form outside [1e-7, 1e21).
void append_js_number(std::string& out, double d) {
    if (std::isnan(d)) {
        out += "NaN";
        return;
    }
    if (std::isinf(d)) {
        out += d > 0 ? "Infinity" : "-Infinity";
        return;
    }
    if (d == 0) {
        out += '0';
        return;
    }
    char buf[40];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    const std::string_view sci(buf, static_cast<std::size_t>(end - buf));  // "-d.ddde+XX"
    const std::size_t e = sci.find('e');
    std::string_view mantissa = sci.substr(0, e);
    if (mantissa[0] == '-') {
        out += '-';
        mantissa.remove_prefix(1);
    }
    char digits[24];
    std::size_t k = 0;
    for (char c : mantissa) {
        if (c != '.') digits[k++] = c;
    }
    int exponent = 0;
    std::string_view exponent_text = sci.substr(e + 1);
    if (exponent_text[0] == '+') exponent_text.remove_prefix(1);
    std::from_chars(exponent_text.data(), exponent_text.data() + exponent_text.size(), exponent);
    const int n = exponent + 1;  // position of the decimal point relative to the digits
    const auto count = static_cast<int>(k);
    const std::string_view all(digits, k);
    if (count <= n && n <= 21) {
        out += all;
        out.append(static_cast<std::size_t>(n - count), '0');
    } else if (0 < n && n <= 21) {
        out += all.substr(0, static_cast<std::size_t>(n));
        out += '.';
        out += all.substr(static_cast<std::size_t>(n));
    } else if (-6 < n && n <= 0) {
        out += "0.";
        out.append(static_cast<std::size_t>(-n), '0');
        out += all;
    } else {
        out += all[0];
        if (count > 1) {
            out += '.';
            out += all.substr(1);
        }
        out += n - 1 >= 0 ? "e+" : "e-";
        char exp_buf[8];
        const auto [exp_end, exp_ec] =
            std::to_chars(exp_buf, exp_buf + sizeof exp_buf, std::abs(n - 1));
        out.append(exp_buf, exp_end);
    }
}

template <typename Integer>
void append_integer(std::string& out, Integer value) {
    char buf[24];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, end);
}

// ECMAScript ToString. Arrays join their elements with ",", null elements as "".
void append_js_string(std::string& out, const json& v) {
    switch (v.type()) {
        case json::value_t::null:
            out += "null";
            return;
        case json::value_t::boolean:
            out += v.get<bool>() ? "true" : "false";
            return;
        case json::value_t::number_integer:
            append_integer(out, v.get<std::int64_t>());
            return;
        case json::value_t::number_unsigned:
            append_integer(out, v.get<std::uint64_t>());
            return;
        case json::value_t::number_float:
            append_js_number(out, v.get<double>());
            return;
        case json::value_t::string:
            out += v.get_ref<const std::string&>();
            return;
        case json::value_t::array:
            for (std::size_t i = 0; i < v.size(); ++i) {
                if (i > 0) out += ',';
                if (!v[i].is_null()) append_js_string(out, v[i]);
            }
            return;
        case json::value_t::object:
            out += "[object Object]";
            return;
        case json::value_t::binary:
        case json::value_t::discarded:
            return;
    }
}

std::string js_string(const json& v) {
    std::string out;
    append_js_string(out, v);
    return out;
}

// ECMAScript ToNumber.
double to_number(const json& v) {
    switch (v.type()) {
        case json::value_t::null:
            return 0;
        case json::value_t::boolean:
            return v.get<bool>() ? 1 : 0;
        case json::value_t::number_integer:
        case json::value_t::number_unsigned:
        case json::value_t::number_float:
            return v.get<double>();
        case json::value_t::string:
            return string_to_number(v.get_ref<const std::string&>());
        case json::value_t::array:
            if (v.empty()) return 0;
            return string_to_number(js_string(v));
        default:
            return std::nan("");
    }
}

// parseFloat(String(v)).
double parse_float(const json& v) {
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) return parse_float_prefix(v.get_ref<const std::string&>());
    if (v.is_array()) return parse_float_prefix(js_string(v));
    return std::nan("");  // "null", "true", "false", "[object Object]"
}

// A computed number as JSON: an integer when it is one (and JavaScript would print it so).
json number_value(double d) {
    constexpr double kMaxSafeInteger = 9007199254740992.0;  // 2^53
    if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) <= kMaxSafeInteger) {
        return static_cast<std::int64_t>(d);
    }
    return d;
}

bool numbers_equal(const json& a, const json& b) {
    if (a.is_number_integer() && b.is_number_integer()) {  // exact, also beyond 2^53
        if (a.is_number_unsigned() != b.is_number_unsigned()) {
            const json& signed_one = a.is_number_unsigned() ? b : a;
            const json& unsigned_one = a.is_number_unsigned() ? a : b;
            return signed_one.get<std::int64_t>() >= 0 &&
                   static_cast<std::uint64_t>(signed_one.get<std::int64_t>()) ==
                       unsigned_one.get<std::uint64_t>();
        }
        return a.is_number_unsigned() ? a.get<std::uint64_t>() == b.get<std::uint64_t>()
                                      : a.get<std::int64_t>() == b.get<std::int64_t>();
    }
    return a.get<double>() == b.get<double>();
}

// Strict equality (===), with arrays and objects compared by value; numbers by value, so
// 3 equals 3.0.
bool same_value(const json& a, const json& b) {
    if (a.is_number() && b.is_number()) return numbers_equal(a, b);
    if (a.type() != b.type()) return false;
    switch (a.type()) {
        case json::value_t::array:
            if (a.size() != b.size()) return false;
            for (std::size_t i = 0; i < a.size(); ++i) {
                if (!same_value(a[i], b[i])) return false;
            }
            return true;
        case json::value_t::object:
            if (a.size() != b.size()) return false;
            for (auto it = a.begin(); it != a.end(); ++it) {
                const auto other = b.find(it.key());
                if (other == b.end() || !same_value(it.value(), *other)) return false;
            }
            return true;
        default:
            return a == b;
    }
}

// ToPrimitive: arrays and objects become their string; other values are already primitive.
const json& to_primitive(const json& v, json& storage) {
    if (!v.is_structured()) return v;
    storage = js_string(v);
    return storage;
}

// Abstract Equality (==).
bool loose_equal(const json& a, const json& b) {
    if (a.is_null() || b.is_null()) return a.is_null() && b.is_null();
    if (a.is_number() && b.is_number()) return numbers_equal(a, b);
    if (a.type() == b.type() || (a.is_structured() && b.is_structured())) return same_value(a, b);
    if (a.is_boolean()) return loose_equal(json(a.get<bool>() ? 1 : 0), b);
    if (b.is_boolean()) return loose_equal(a, json(b.get<bool>() ? 1 : 0));
    if (a.is_number() && b.is_string()) return a.get<double>() == to_number(b);
    if (a.is_string() && b.is_number()) return to_number(a) == b.get<double>();
    json storage;
    if (a.is_structured() && b.is_primitive()) return loose_equal(to_primitive(a, storage), b);
    if (b.is_structured() && a.is_primitive()) return loose_equal(a, to_primitive(b, storage));
    return false;
}

// Abstract Relational Comparison: -1, 0 or 1; nullopt when a NaN makes it undefined.
std::optional<int> compare(const json& a, const json& b) {
    json a_storage, b_storage;
    const json& pa = to_primitive(a, a_storage);
    const json& pb = to_primitive(b, b_storage);
    if (pa.is_string() && pb.is_string()) {
        const int c = pa.get_ref<const std::string&>().compare(pb.get_ref<const std::string&>());
        return (c > 0) - (c < 0);
    }
    const double x = to_number(pa);
    const double y = to_number(pb);
    if (std::isnan(x) || std::isnan(y)) return std::nullopt;
    return (x > y) - (x < y);
}

bool less_than(const json& a, const json& b) {
    const auto c = compare(a, b);
    return c && *c < 0;
}

bool less_or_equal(const json& a, const json& b) {
    const auto c = compare(a, b);
    return c && *c <= 0;
}

// ToIntegerOrInfinity.
double to_integer(const json& v) {
    const double d = to_number(v);
    return std::isnan(d) ? 0 : std::trunc(d);
}

// Byte offset of code point `index` in UTF-8 text (the size when past the end).
std::size_t code_point_offset(std::string_view s, std::size_t index) {
    std::size_t offset = 0;
    for (; offset < s.size() && index > 0; --index) {
        ++offset;
        while (offset < s.size() && is_continuation_byte(s[offset])) ++offset;
    }
    return offset;
}

std::size_t code_point_count(std::string_view s) {
    return static_cast<std::size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return !is_continuation_byte(c); }));
}

// String.prototype.substr(start, length) on code points; a negative length leaves that many
// code points off the end, as json-logic-js does.
std::string js_substr(std::string_view s, const json& start_value, const json* length_value) {
    const auto size = static_cast<double>(code_point_count(s));
    double start = to_integer(start_value);
    start = start < 0 ? std::max(size + start, 0.0) : std::min(start, size);
    double end = size;
    if (length_value != nullptr) {
        const double length = to_integer(*length_value);
        end = length < 0 ? std::max(size + length, start) : std::min(start + length, size);
    }
    const std::size_t from = code_point_offset(s, static_cast<std::size_t>(start));
    const std::size_t to = code_point_offset(s, static_cast<std::size_t>(end));
    return std::string(s.substr(from, to - from));
}

// ---------------------------------------------------------------------------------------------
// Paths

const json* child(const json* value, std::string_view key, std::optional<std::size_t> index) {
    if (value->is_object()) {
        const auto it = value->find(key);
        return it == value->end() ? nullptr : &*it;
    }
    if (value->is_array() && index && *index < value->size()) return &(*value)[*index];
    return nullptr;
}

// The value a dotted path names, or nullptr. A first segment starting with '$' names a root.
const json* resolve_path(std::string_view path, const json& data, const Context& ctx) {
    if (path.empty()) return &data;
    const json* value = &data;
    for (std::size_t start = 0, segment_number = 0;; ++segment_number) {
        const std::size_t dot = std::min(path.find('.', start), path.size());
        const std::string_view segment = path.substr(start, dot - start);
        value = segment_number == 0 && segment.starts_with('$')
                    ? ctx.root(segment)
                    : child(value, segment, array_index(segment));
        if (value == nullptr || dot == path.size()) return value;
        start = dot + 1;
    }
}

const json* resolve_constant_path(const Node& node, const json& data, const Context& ctx) {
    const json* value = node.root.empty() ? &data : ctx.root(node.root);
    for (const PathSegment& segment : node.path) {
        if (value == nullptr) return nullptr;
        value = child(value, segment.key, segment.index);
    }
    return value;
}

// ---------------------------------------------------------------------------------------------
// Evaluation. Each case returns a reference into the data, a literal, a constant, or `scratch`.
// Operands that the result is computed from are evaluated into local temporaries; only an
// operand that becomes the result itself (if, and, or, var's default, log) may use `scratch`.

const json& eval(const Node& node, const json& data, const Context& ctx, json& scratch);

// Adds a result to an array, moving it when it lives in the temporary.
void append_result(json& array, const json& result, json& temporary) {
    if (&result == &temporary) {
        array.push_back(std::move(temporary));
    } else {
        array.push_back(result);
    }
}

const json& eval_var(const Node& node, const json& data, const Context& ctx, json& scratch) {
    const json* found = nullptr;
    if (node.constant_path) {
        found = resolve_constant_path(node, data, ctx);
    } else {
        json temporary;
        const json& path = eval(node.args[0], data, ctx, temporary);
        if (path.is_null()) {
            found = &data;
        } else if (path.is_string()) {
            found = resolve_path(path.get_ref<const std::string&>(), data, ctx);
        } else {
            found = resolve_path(js_string(path), data, ctx);
        }
    }
    if (found != nullptr) return *found;
    return node.args.size() > 1 ? eval(node.args[1], data, ctx, scratch) : kNull;
}

// The keys among `keys` whose value is missing, null or "".
json missing_keys(const json& keys, const json& data, const Context& ctx) {
    json missing = json::array();
    for (const json& key : keys) {
        const json* value = key.is_string()
                                ? resolve_path(key.get_ref<const std::string&>(), data, ctx)
                            : key.is_null() ? &data
                                            : resolve_path(js_string(key), data, ctx);
        if (value == nullptr || value->is_null() ||
            (value->is_string() && value->get_ref<const std::string&>().empty())) {
            missing.push_back(key);
        }
    }
    return missing;
}

const json& eval_missing(const Node& node, const json& data, const Context& ctx, json& scratch) {
    json keys = json::array();
    for (const Node& arg : node.args) {
        json temporary;
        append_result(keys, eval(arg, data, ctx, temporary), temporary);
    }
    if (!keys.empty() && keys[0].is_array()) {
        json first = std::move(keys[0]);
        keys = std::move(first);
    }
    scratch = missing_keys(keys, data, ctx);
    return scratch;
}

const json& eval_missing_some(const Node& node, const json& data, const Context& ctx,
                              json& scratch) {
    json need_storage, options_storage;
    const json& need = eval(node.args[0], data, ctx, need_storage);
    const json& options = eval(node.args[1], data, ctx, options_storage);
    json missing = options.is_array() ? missing_keys(options, data, ctx)
                                      : missing_keys(json::array({options}), data, ctx);
    const auto option_count = static_cast<double>(options.is_array() ? options.size() : 1);
    if (option_count - static_cast<double>(missing.size()) >= to_number(need)) {
        missing = json::array();
    }
    scratch = std::move(missing);
    return scratch;
}

// Evaluates the operands in turn, calling f(value) for each.
template <typename F>
void for_each_operand(const Node& node, const json& data, const Context& ctx, F&& f) {
    for (const Node& arg : node.args) {
        json temporary;
        f(eval(arg, data, ctx, temporary));
    }
}

const json& eval_arithmetic(const Node& node, const json& data, const Context& ctx, json& scratch) {
    json a_storage, b_storage;
    const json& a = eval(node.args[0], data, ctx, a_storage);
    const bool binary = node.args.size() > 1;
    const json& b = binary ? eval(node.args[1], data, ctx, b_storage) : kNull;
    double result = 0;
    switch (node.op) {
        case Op::subtract:
            result = binary ? to_number(a) - to_number(b) : -to_number(a);
            break;
        case Op::divide:
            result = to_number(a) / to_number(b);
            break;
        case Op::modulo:
            result = std::fmod(to_number(a), to_number(b));
            break;
        default:
            break;
    }
    scratch = number_value(result);
    return scratch;
}

const json& eval_fold(const Node& node, const json& data, const Context& ctx, json& scratch) {
    double result = node.op == Op::add ? 0 : node.op == Op::multiply ? 1 : std::nan("");
    bool first = true;
    for_each_operand(node, data, ctx, [&](const json& v) {
        switch (node.op) {
            case Op::add:
                result += parse_float(v);
                break;
            case Op::multiply:
                result *= parse_float(v);
                break;
            case Op::min:
            case Op::max: {
                const double x = to_number(v);
                if (first || std::isnan(x)) {
                    result = x;
                } else if (!std::isnan(result)) {
                    result = node.op == Op::min ? std::min(result, x) : std::max(result, x);
                }
                break;
            }
            default:
                break;
        }
        first = false;
    });
    scratch = number_value(result);
    return scratch;
}

const json& eval_comparison(const Node& node, const json& data, const Context& ctx) {
    json a_storage, b_storage;
    const json& a = eval(node.args[0], data, ctx, a_storage);
    const json& b = eval(node.args[1], data, ctx, b_storage);
    switch (node.op) {
        case Op::loose_equal:
            return boolean(loose_equal(a, b));
        case Op::loose_not_equal:
            return boolean(!loose_equal(a, b));
        case Op::strict_equal:
            return boolean(same_value(a, b));
        case Op::strict_not_equal:
            return boolean(!same_value(a, b));
        case Op::greater:
            return boolean(less_than(b, a));
        case Op::greater_equal:
            return boolean(less_or_equal(b, a));
        case Op::less:
        case Op::less_equal: {
            const auto holds = node.op == Op::less ? less_than : less_or_equal;
            if (!holds(a, b)) return kFalse;
            if (node.args.size() < 3) return kTrue;
            json c_storage;
            return boolean(holds(b, eval(node.args[2], data, ctx, c_storage)));
        }
        default:
            return kNull;
    }
}

// and, or: the first operand that decides (falsy for and, truthy for or), else the last.
const json& eval_and_or(const Node& node, const json& data, const Context& ctx, json& scratch) {
    const bool decides = node.op == Op::or_;
    const json* value = &kNull;
    for (const Node& arg : node.args) {
        value = &eval(arg, data, ctx, scratch);
        if (truthy(*value) == decides) break;
    }
    return *value;
}

const json& eval_in(const Node& node, const json& data, const Context& ctx) {
    json a_storage, b_storage;
    const json& needle = eval(node.args[0], data, ctx, a_storage);
    const json& haystack = eval(node.args[1], data, ctx, b_storage);
    if (haystack.is_string()) {
        const std::string& text = haystack.get_ref<const std::string&>();
        if (text.empty()) return kFalse;  // json-logic-js refuses a falsy haystack first
        if (needle.is_string())
            return boolean(text.find(needle.get_ref<const std::string&>()) != std::string::npos);
        return boolean(text.find(js_string(needle)) != std::string::npos);
    }
    if (haystack.is_array()) {
        return boolean(std::any_of(haystack.begin(), haystack.end(), [&](const json& element) {
            return same_value(element, needle);
        }));
    }
    return kFalse;
}

const json& eval_substr(const Node& node, const json& data, const Context& ctx, json& scratch) {
    json source_storage, start_storage, length_storage;
    const json& source = eval(node.args[0], data, ctx, source_storage);
    const json& start = eval(node.args[1], data, ctx, start_storage);
    const json* length =
        node.args.size() > 2 ? &eval(node.args[2], data, ctx, length_storage) : nullptr;
    scratch = source.is_string() ? js_substr(source.get_ref<const std::string&>(), start, length)
                                 : js_substr(js_string(source), start, length);
    return scratch;
}

// map, filter, reduce, all, none, some: the first operand is the array, the second the rule
// applied with each element as the data.
const json& eval_iteration(const Node& node, const json& data, const Context& ctx, json& scratch) {
    json source_storage;
    const json& source = eval(node.args[0], data, ctx, source_storage);
    const Node& rule = node.args[1];
    if (node.op == Op::reduce) {
        json accumulator_storage;
        const json& initial = eval(node.args[2], data, ctx, accumulator_storage);
        if (!source.is_array()) {
            scratch = initial;
            return scratch;
        }
        json scope = {{"current", nullptr}, {"accumulator", initial}};
        for (const json& element : source) {
            scope["current"] = element;
            json next;
            const json& result = eval(rule, scope, ctx, next);
            if (&result != &next) next = result;
            scope["accumulator"] = std::move(next);
        }
        scratch = std::move(scope["accumulator"]);
        return scratch;
    }
    const bool is_array = source.is_array();
    switch (node.op) {
        case Op::map:
        case Op::filter: {
            json out = json::array();
            if (!is_array) {
                scratch = std::move(out);
                return scratch;
            }
            for (const json& element : source) {
                json temporary;
                const json& result = eval(rule, element, ctx, temporary);
                if (node.op == Op::map) {
                    append_result(out, result, temporary);
                } else if (truthy(result)) {
                    out.push_back(element);
                }
            }
            scratch = std::move(out);
            return scratch;
        }
        case Op::all:
        case Op::none:
        case Op::some: {
            if (!is_array || source.empty()) return boolean(node.op == Op::none);
            // all: stops at the first falsy; none and some: at the first truthy.
            const bool stop_on = node.op != Op::all;
            for (const json& element : source) {
                json temporary;
                if (truthy(eval(rule, element, ctx, temporary)) == stop_on) {
                    return boolean(node.op == Op::some);
                }
            }
            return boolean(node.op != Op::some);
        }
        default:
            return kNull;
    }
}

std::optional<ParsedTime> parse_time_value(const json& v) {
    if (!v.is_string()) return std::nullopt;
    return parse_time(v.get_ref<const std::string&>());
}

std::optional<Duration> parse_duration_value(const json& v) {
    if (!v.is_string()) return std::nullopt;
    return parse_duration(v.get_ref<const std::string&>());
}

const json& eval_date(const Node& node, const json& data, const Context& ctx, json& scratch) {
    json a_storage, b_storage;
    const json& a = eval(node.args[0], data, ctx, a_storage);
    const json& b = eval(node.args[1], data, ctx, b_storage);
    const auto first = parse_time_value(a);
    if (node.op == Op::date_add || node.op == Op::date_sub) {
        auto duration = parse_duration_value(b);
        if (!first || !duration) return kNull;
        if (node.op == Op::date_sub) duration->negative = !duration->negative;
        const TimeMs t = add_duration(first->ms, *duration);
        scratch =
            first->date_only && !duration->has_time_part() ? format_date(t) : format_date_time(t);
        return scratch;
    }
    static const Calendar kDefault;
    const Calendar& office = ctx.calendar != nullptr ? *ctx.calendar : kDefault;
    if (node.op == Op::add_working_days) {
        if (!first || !b.is_number()) return kNull;
        const double n = b.get<double>();
        if (n != std::floor(n) || std::abs(n) > 1e6) return kNull;
        if (first->date_only) {
            // A date counts from its own day, as the office's midnight.
            const TimeMs t = office.add_working_days(
                office.at_local(floor_div(first->ms, kMsPerDay), 0), static_cast<std::int64_t>(n));
            scratch = office.local_date(t);
        } else {
            scratch = format_date_time(office.add_working_days(first->ms, static_cast<std::int64_t>(n)));
        }
        return scratch;
    }
    const auto second = parse_time_value(b);
    // The day of a date or date-time, as the office counts days.
    const auto day_of = [&](const ParsedTime& t) {
        return t.date_only ? floor_div(t.ms, kMsPerDay) : office.local_day(t.ms);
    };
    switch (node.op) {
        case Op::date_before:
            return boolean(first && second && first->ms < second->ms);
        case Op::date_after:
            return boolean(first && second && first->ms > second->ms);
        case Op::days_between:
            if (!first || !second) return kNull;
            scratch = day_of(*second) - day_of(*first);
            return scratch;
        case Op::working_days_between:
            if (!first || !second) return kNull;
            scratch = office.working_days_between(office.at_local(day_of(*first), 0),
                                                  office.at_local(day_of(*second), 0));
            return scratch;
        default:
            return kNull;
    }
}

const json& eval(const Node& node, const json& data, const Context& ctx, json& scratch) {
    switch (node.op) {
        case Op::literal:
            return node.value;
        case Op::array: {
            json out = json::array();
            for (const Node& element : node.args) {
                json temporary;
                append_result(out, eval(element, data, ctx, temporary), temporary);
            }
            scratch = std::move(out);
            return scratch;
        }
        case Op::var:
            return eval_var(node, data, ctx, scratch);
        case Op::missing:
            return eval_missing(node, data, ctx, scratch);
        case Op::missing_some:
            return eval_missing_some(node, data, ctx, scratch);
        case Op::if_: {
            std::size_t i = 0;
            for (; i + 1 < node.args.size(); i += 2) {
                if (truthy(eval(node.args[i], data, ctx, scratch)))
                    return eval(node.args[i + 1], data, ctx, scratch);
            }
            return i < node.args.size() ? eval(node.args[i], data, ctx, scratch) : kNull;
        }
        case Op::loose_equal:
        case Op::strict_equal:
        case Op::loose_not_equal:
        case Op::strict_not_equal:
        case Op::less:
        case Op::less_equal:
        case Op::greater:
        case Op::greater_equal:
            return eval_comparison(node, data, ctx);
        case Op::not_:
            return boolean(!truthy(eval(node.args[0], data, ctx, scratch)));
        case Op::truthy:
            return boolean(truthy(eval(node.args[0], data, ctx, scratch)));
        case Op::and_:
        case Op::or_:
            return eval_and_or(node, data, ctx, scratch);
        case Op::in:
            return eval_in(node, data, ctx);
        case Op::cat: {
            std::string out;
            for_each_operand(node, data, ctx, [&](const json& v) {
                if (!v.is_null()) append_js_string(out, v);
            });
            scratch = std::move(out);
            return scratch;
        }
        case Op::substr:
            return eval_substr(node, data, ctx, scratch);
        case Op::subtract:
        case Op::divide:
        case Op::modulo:
            return eval_arithmetic(node, data, ctx, scratch);
        case Op::add:
        case Op::multiply:
        case Op::min:
        case Op::max:
            return eval_fold(node, data, ctx, scratch);
        case Op::merge: {
            json out = json::array();
            for (const Node& arg : node.args) {
                json temporary;
                const json& value = eval(arg, data, ctx, temporary);
                if (!value.is_array()) {
                    append_result(out, value, temporary);
                } else if (&value == &temporary) {
                    for (json& element : temporary) out.push_back(std::move(element));
                } else {
                    out.insert(out.end(), value.begin(), value.end());
                }
            }
            scratch = std::move(out);
            return scratch;
        }
        case Op::map:
        case Op::filter:
        case Op::reduce:
        case Op::all:
        case Op::none:
        case Op::some:
            return eval_iteration(node, data, ctx, scratch);
        case Op::log:
            return eval(node.args[0], data, ctx, scratch);
        case Op::now:
            scratch = format_date_time(ctx.now);
            return scratch;
        case Op::today:
            scratch = ctx.calendar != nullptr ? ctx.calendar->local_date(ctx.now) : format_date(ctx.now);
            return scratch;
        case Op::date_add:
        case Op::date_sub:
        case Op::date_before:
        case Op::date_after:
        case Op::days_between:
        case Op::add_working_days:
        case Op::working_days_between:
            return eval_date(node, data, ctx, scratch);
        case Op::object: {
            json out = json::object();
            for (std::size_t i = 0; i < node.args.size(); ++i) {
                json temporary;
                const json& value = eval(node.args[i], data, ctx, temporary);
                out[node.keys[i]] = &value == &temporary ? std::move(temporary) : value;
            }
            scratch = std::move(out);
            return scratch;
        }
    }
    return kNull;
}

// ---------------------------------------------------------------------------------------------
// Compilation

void append_pointer_token(std::string& pointer, std::string_view token) {
    pointer += '/';
    for (char c : token) {
        if (c == '~') {
            pointer += "~0";
        } else if (c == '/') {
            pointer += "~1";
        } else {
            pointer += c;
        }
    }
}

std::string plural_arguments(std::size_t n) {
    return n == 1 ? " argument" : " arguments";
}

std::string arity_message(const OperatorSpec& spec, std::size_t given) {
    std::string expected;
    if (spec.min_args == spec.max_args) {
        expected = spec.max_args == 0
                       ? "no arguments"
                       : std::to_string(spec.max_args) + plural_arguments(spec.max_args);
    } else if (spec.max_args == kUnbounded) {
        expected = "at least " + std::to_string(spec.min_args) + plural_arguments(spec.min_args);
    } else if (spec.min_args == 0) {
        expected = "at most " + std::to_string(spec.max_args) + plural_arguments(spec.max_args);
    } else {
        expected =
            std::to_string(spec.min_args) + " to " + std::to_string(spec.max_args) + " arguments";
    }
    return "\"" + std::string(spec.name) + "\" takes " + expected + ", got " +
           std::to_string(given);
}

// JSON text for messages; never throws on invalid UTF-8.
std::string show(const json& v) {
    return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

Error definition_error(std::string message, std::string pointer) {
    return make_error(ErrorCode::invalid_definition, std::move(message), std::move(pointer));
}

class Compiler {
public:
    explicit Compiler(std::string_view pointer) : pointer_(pointer) {}

    // Compiles `rule`, found at `pointer_`, into `out`.
    std::optional<Error> compile(const json& rule, Node& out, int depth) {
        if (depth > kMaxDepth) {
            return definition_error(
                "rule nests deeper than " + std::to_string(kMaxDepth) + " levels", pointer_);
        }
        if (rule.is_array()) return compile_array(rule, out, depth);
        if (rule.is_object() && rule.size() == 1)
            return compile_operation(rule.begin().key(), rule.begin().value(), out, depth);
        out.op = Op::literal;
        out.value = rule;
        return std::nullopt;
    }

private:
    // Appends a token to the pointer for the life of the scope.
    class PointerToken {
    public:
        PointerToken(std::string& pointer, std::string_view token)
            : pointer_(pointer), size_(pointer.size()) {
            append_pointer_token(pointer, token);
        }
        ~PointerToken() { pointer_.resize(size_); }
        PointerToken(const PointerToken&) = delete;
        PointerToken& operator=(const PointerToken&) = delete;

    private:
        std::string& pointer_;
        std::size_t size_;
    };

    std::optional<Error> compile_array(const json& rule, Node& out, int depth) {
        out.args.resize(rule.size());
        bool all_literal = true;
        for (std::size_t i = 0; i < rule.size(); ++i) {
            PointerToken token(pointer_, std::to_string(i));
            if (auto error = compile(rule[i], out.args[i], depth + 1)) return error;
            all_literal = all_literal && out.args[i].op == Op::literal;
        }
        if (all_literal) {  // nothing to evaluate: keep the array as one constant
            out.args.clear();
            out.op = Op::literal;
            out.value = rule;
        } else {
            out.op = Op::array;
        }
        return std::nullopt;
    }

    std::optional<Error> compile_operation(const std::string& name, const json& operands, Node& out,
                                           int depth) {
        PointerToken name_token(pointer_, name);
        const OperatorSpec* spec = find_operator(name);
        if (spec == nullptr)
            return definition_error("unknown JsonLogic operator \"" + name + "\"", pointer_);
        out.op = spec->op;
        if (out.op == Op::object) return compile_object(operands, out, depth);

        // A single operand need not be wrapped in an array: {"var": "x"} is {"var": ["x"]}.
        const bool listed = operands.is_array();
        const std::size_t count = listed ? operands.size() : 1;
        if (count > spec->max_args && listed) {  // point at the first surplus operand
            PointerToken surplus(pointer_, std::to_string(spec->max_args));
            return definition_error(arity_message(*spec, count), pointer_);
        }
        if (count > spec->max_args || count < spec->min_args) {
            return definition_error(arity_message(*spec, count), pointer_);
        }

        out.args.resize(count);
        for (std::size_t i = 0; i < count; ++i) {
            std::optional<PointerToken> token;
            if (listed) token.emplace(pointer_, std::to_string(i));
            if (auto error = compile(listed ? operands[i] : operands, out.args[i], depth + 1))
                return error;
            if (auto error = check_date_operand(out, i)) return error;
        }
        if (out.op == Op::var) split_constant_path(out);
        return std::nullopt;
    }

    // {"object": {"key": rule, ...}} builds an object from rules (ours: JsonLogic has no way to).
    std::optional<Error> compile_object(const json& operands, Node& out, int depth) {
        if (!operands.is_object())
            return definition_error("object takes an object: key → rule", pointer_);
        for (auto it = operands.begin(); it != operands.end(); ++it) {
            PointerToken token(pointer_, it.key());
            out.keys.push_back(it.key());
            out.args.emplace_back();
            if (auto error = compile(it.value(), out.args.back(), depth + 1)) return error;
        }
        return std::nullopt;
    }

    // A literal operand of a date operator must be a valid date or duration.
    std::optional<Error> check_date_operand(const Node& node, std::size_t i) const {
        const Node& operand = node.args[i];
        const bool is_date_op = node.op == Op::date_add || node.op == Op::date_sub ||
                                node.op == Op::date_before || node.op == Op::date_after ||
                                node.op == Op::days_between ||
                                node.op == Op::working_days_between ||
                                (node.op == Op::add_working_days && i == 0);
        if (!is_date_op || operand.op != Op::literal) return std::nullopt;
        const bool wants_duration = i == 1 && (node.op == Op::date_add || node.op == Op::date_sub);
        if (wants_duration && !parse_duration_value(operand.value)) {
            return definition_error(show(operand.value) + " is not an ISO 8601 duration", pointer_);
        }
        if (!wants_duration && !parse_time_value(operand.value)) {
            return definition_error(show(operand.value) + " is not a date or an RFC 3339 date-time",
                                    pointer_);
        }
        return std::nullopt;
    }

    // var with a literal path: split it now, so evaluation only walks the segments.
    static void split_constant_path(Node& node) {
        if (!node.args.empty() && node.args[0].op != Op::literal) return;
        node.constant_path = true;
        if (node.args.empty() || node.args[0].value.is_null()) return;
        const std::string path = js_string(node.args[0].value);
        if (path.empty()) return;
        for (std::size_t start = 0;;) {
            const std::size_t dot = std::min(path.find('.', start), path.size());
            std::string segment = path.substr(start, dot - start);
            if (start == 0 && segment.starts_with('$')) {
                node.root = std::move(segment);
            } else {
                const auto index = array_index(segment);
                node.path.push_back({std::move(segment), index});
            }
            if (dot == path.size()) break;
            start = dot + 1;
        }
    }

    std::string pointer_;  // of the part being compiled
};

}  // namespace

const json* Context::root(std::string_view name) const {
    for (const auto& [root_name, value] : roots) {
        if (root_name == name) return value;
    }
    return nullptr;
}

Expression::Expression() {
    static const auto null_rule = std::make_shared<const Node>();
    root_ = null_rule;
}

Expression::Expression(std::shared_ptr<const Node> root) : root_(std::move(root)) {}

const json& Expression::evaluate(const json& data, const Context& ctx, json& scratch) const {
    return eval(*root_, data, ctx, scratch);
}

json Expression::evaluate(const json& data, const Context& ctx) const {
    json scratch;
    const json& result = evaluate(data, ctx, scratch);
    if (&result == &scratch) return scratch;
    return result;
}

bool Expression::test(const json& data, const Context& ctx) const {
    json scratch;
    return truthy(evaluate(data, ctx, scratch));
}

bool Expression::is_literal() const {
    return root_->op == Op::literal;
}

Result<Expression> compile(const json& rule, std::string_view pointer) {
    Compiler compiler(pointer);
    Node root;
    if (auto error = compiler.compile(rule, root, 0)) return std::move(*error);
    return Expression(std::make_shared<const Node>(std::move(root)));
}

bool truthy(const json& value) {
    switch (value.type()) {
        case json::value_t::null:
            return false;
        case json::value_t::boolean:
            return value.get<bool>();
        case json::value_t::number_integer:
            return value.get<std::int64_t>() != 0;
        case json::value_t::number_unsigned:
            return value.get<std::uint64_t>() != 0;
        case json::value_t::number_float: {
            const double d = value.get<double>();
            return d != 0 && !std::isnan(d);
        }
        case json::value_t::string:
            return !value.get_ref<const std::string&>().empty();
        case json::value_t::array:
            return !value.empty();
        case json::value_t::object:
        case json::value_t::binary:
            return true;
        case json::value_t::discarded:
            return false;
    }
    return false;
}

TestReport run_tests(const json& cases, TimeMs now) {
    TestReport report;
    if (!cases.is_array()) {
        report.failed = 1;
        report.failures.push_back("the test file is not a JSON array");
        return report;
    }
    const Context ctx{now, {}};
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const json& test_case = cases[i];
        if (test_case.is_string()) continue;  // a section comment
        const std::string where = "case " + std::to_string(i) + ": ";
        if (!test_case.is_array() || test_case.size() != 3) {
            ++report.failed;
            report.failures.push_back(where +
                                      "not a [rule, data, expected] array: " + show(test_case));
            continue;
        }
        const auto expression = compile(test_case[0], "/" + std::to_string(i) + "/0");
        if (!expression) {
            ++report.failed;
            report.failures.push_back(where + show(test_case[0]) +
                                      " does not compile: " + expression.error().to_string());
            continue;
        }
        json scratch;
        const json& result = expression->evaluate(test_case[1], ctx, scratch);
        if (same_value(result, test_case[2])) {
            ++report.passed;
        } else {
            ++report.failed;
            report.failures.push_back(where + show(test_case[0]) + " with data " +
                                      show(test_case[1]) + " gave " + show(result) + ", expected " +
                                      show(test_case[2]));
        }
    }
    return report;
}

}  // namespace accord::engine::logic
