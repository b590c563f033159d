// Compiling and checking field schemas (instance data, task forms, event payloads).
#include "accord/engine/field_schema.hpp"

#include <algorithm>
#include <cmath>

#include "accord/engine/people.hpp"
#include "accord/engine/text.hpp"
#include "accord/engine/time.hpp"
#include "pointer.hpp"

namespace accord::engine {

namespace {

using Errors = std::vector<std::pair<std::string, std::string>>;

const char* type_name(FieldSchema::Type t) {
    switch (t) {
        case FieldSchema::Type::any:
            return "any";
        case FieldSchema::Type::string:
            return "string";
        case FieldSchema::Type::number:
            return "number";
        case FieldSchema::Type::integer:
            return "integer";
        case FieldSchema::Type::boolean:
            return "boolean";
        case FieldSchema::Type::object:
            return "object";
        case FieldSchema::Type::array:
            return "array";
    }
    return "any";
}

bool has_type(const json& v, FieldSchema::Type t) {
    switch (t) {
        case FieldSchema::Type::any:
            return true;
        case FieldSchema::Type::string:
            return v.is_string();
        case FieldSchema::Type::number:
            return v.is_number();
        case FieldSchema::Type::integer:
            return v.is_number_integer() ||
                   (v.is_number_float() && std::isfinite(v.get<double>()) &&
                    std::floor(v.get<double>()) == v.get<double>());
        case FieldSchema::Type::boolean:
            return v.is_boolean();
        case FieldSchema::Type::object:
            return v.is_object();
        case FieldSchema::Type::array:
            return v.is_array();
    }
    return false;
}

bool looks_like_email(const std::string& s) {
    const auto at = s.find('@');
    return at != std::string::npos && at > 0 && s.find('@', at + 1) == std::string::npos &&
           s.find('.', at) != std::string::npos && s.back() != '.' &&
           s.find(' ') == std::string::npos;
}

std::size_t utf8_length(const std::string& s) {
    return static_cast<std::size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

bool json_equal(const json& a, const json& b) {
    if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
    return a == b;
}

const std::vector<std::string> kSchemaKeys = {
    "type",       "enum",     "format", "minimum",     "maximum", "minLength", "maxLength", "items",
    "properties", "required", "title",  "description", "default", "examples",  "labels"};

}  // namespace

Result<void> FieldSchema::check(const json& value, const std::string& pointer) const {
    auto fail = [&](const std::string& message) -> Result<void> {
        return make_error(ErrorCode::invalid_field, message, pointer);
    };
    if (!has_type(value, type)) {
        return fail(std::string("must be of type ") + type_name(type) + ", got " +
                    value.type_name());
    }
    if (!enum_values.empty() && std::none_of(enum_values.begin(), enum_values.end(),
                                             [&](const json& e) { return json_equal(e, value); })) {
        std::string allowed;
        for (const auto& e : enum_values)
            allowed += (allowed.empty() ? "" : ", ") +
                       e.dump(-1, ' ', false, json::error_handler_t::replace);
        return fail("must be one of " + allowed + ", got " +
                    value.dump(-1, ' ', false, json::error_handler_t::replace));
    }
    if (value.is_string()) {
        const auto& s = value.get_ref<const std::string&>();
        if (min_length && utf8_length(s) < *min_length)
            return fail("must be at least " + std::to_string(*min_length) + " characters long");
        if (max_length && utf8_length(s) > *max_length)
            return fail("must be at most " + std::to_string(*max_length) + " characters long");
        switch (format) {
            case Format::none:
                break;
            case Format::date: {
                auto t = parse_time(s);
                if (!t || !t->date_only)
                    return fail("must be a date (YYYY-MM-DD), got \"" + s + "\"");
                break;
            }
            case Format::date_time: {
                auto t = parse_time(s);
                if (!t || t->date_only)
                    return fail("must be a date-time (RFC 3339), got \"" + s + "\"");
                break;
            }
            case Format::email:
                if (!looks_like_email(s))
                    return fail("must be an e-mail address, got \"" + s + "\"");
                break;
            case Format::duration:
                if (!parse_duration(s))
                    return fail("must be an ISO 8601 duration, got \"" + s + "\"");
                break;
            case Format::user:
            case Format::unit:
                // A person's name or a unit's id: whether one exists is the runtime's to know;
                // the form offers those that do.
                if (!is_name(s))
                    return fail(std::string("must be a ") +
                                (format == Format::user ? "user name" : "unit id") +
                                " (a-z 0-9 . _ -), got \"" + s + "\"");
                break;
        }
    }
    if (value.is_number()) {
        const double d = value.get<double>();
        if (minimum && d < *minimum)
            return fail("must be at least " +
                        json(*minimum).dump(-1, ' ', false, json::error_handler_t::replace));
        if (maximum && d > *maximum)
            return fail("must be at most " +
                        json(*maximum).dump(-1, ' ', false, json::error_handler_t::replace));
    }
    if (value.is_array() && items) {
        for (std::size_t i = 0; i < value.size(); ++i) {
            if (auto r = items->check(value[i], pointer_join(pointer, i)); !r) return r;
        }
    }
    if (value.is_object()) {
        for (const auto& name : required) {
            if (!value.contains(name))
                return make_error(ErrorCode::invalid_field, "is required",
                                  pointer_join(pointer, name));
        }
        for (const auto& [name, schema] : properties) {
            auto it = value.find(name);
            if (it == value.end()) continue;
            if (auto r = schema.check(*it, pointer_join(pointer, name)); !r) return r;
        }
    }
    return Ok{};
}

Result<void> check_form(const Form& form, const json& fields, const std::string& outcome,
                        const std::string& base_pointer) {
    if (!fields.is_object() && !fields.is_null())
        return make_error(ErrorCode::invalid_field, "must be an object", base_pointer);
    for (const auto& [name, schema] : form) {
        const bool required =
            schema.required_for.empty()
                ? !schema.optional
                : std::find(schema.required_for.begin(), schema.required_for.end(), outcome) !=
                      schema.required_for.end();
        const json* value = nullptr;
        if (fields.is_object()) {
            auto it = fields.find(name);
            if (it != fields.end()) value = &*it;
        }
        if (value == nullptr || value->is_null()) {
            if (required) {
                return make_error(
                    ErrorCode::invalid_field,
                    outcome.empty() ? "is required" : "is required for outcome \"" + outcome + "\"",
                    pointer_join(base_pointer, name));
            }
            continue;
        }
        if (auto r = schema.check(*value, pointer_join(base_pointer, name)); !r) return r;
    }
    if (fields.is_object()) {
        for (auto it = fields.begin(); it != fields.end(); ++it) {
            const bool known = std::any_of(form.begin(), form.end(),
                                           [&](const auto& f) { return f.first == it.key(); });
            if (!known) {
                std::vector<std::string> names;
                for (const auto& f : form) names.push_back(f.first);
                return make_error(ErrorCode::invalid_field,
                                  "is not a field of this form" + did_you_mean(it.key(), names),
                                  pointer_join(base_pointer, it.key()));
            }
        }
    }
    return Ok{};
}

const FieldSchema* FieldSchema::find(std::string_view path) const {
    const FieldSchema* at = this;
    while (at && !path.empty()) {
        const auto dot = path.find('.');
        const std::string_view name = path.substr(0, dot);
        const auto it = std::find_if(at->properties.begin(), at->properties.end(),
                                     [&](const auto& p) { return p.first == name; });
        at = it == at->properties.end() ? nullptr : &it->second;
        path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    }
    return at;
}

FieldSchema compile_field_schema(const json& spec, const std::string& pointer, bool form_field,
                                 Errors& errors) {
    FieldSchema s;
    if (!spec.is_object()) {
        errors.emplace_back(pointer, "a field schema must be an object");
        return s;
    }
    for (auto it = spec.begin(); it != spec.end(); ++it) {
        const std::string& key = it.key();
        const json& v = it.value();
        const std::string p = pointer_join(pointer, key);
        if (key == "type") {
            static const std::vector<std::string> types = {"string",  "number", "integer",
                                                           "boolean", "object", "array"};
            auto pos = v.is_string() ? std::find(types.begin(), types.end(), v.get<std::string>())
                                     : types.end();
            if (pos == types.end()) {
                errors.emplace_back(p,
                                    "type must be one of string, number, integer, boolean, "
                                    "object, array");
            } else {
                s.type = static_cast<FieldSchema::Type>(1 + (pos - types.begin()));
            }
        } else if (key == "enum") {
            if (!v.is_array() || v.empty())
                errors.emplace_back(p, "enum must be a non-empty array");
            else
                s.enum_values.assign(v.begin(), v.end());
        } else if (key == "format") {
            if (v == "date")
                s.format = FieldSchema::Format::date;
            else if (v == "date-time")
                s.format = FieldSchema::Format::date_time;
            else if (v == "email")
                s.format = FieldSchema::Format::email;
            else if (v == "duration")
                s.format = FieldSchema::Format::duration;
            else if (v == "user")
                s.format = FieldSchema::Format::user;
            else if (v == "unit")
                s.format = FieldSchema::Format::unit;
            else
                errors.emplace_back(
                    p, "format must be one of date, date-time, email, duration, user, unit");
        } else if (key == "minimum" || key == "maximum") {
            if (!v.is_number())
                errors.emplace_back(p, key + " must be a number");
            else
                (key == "minimum" ? s.minimum : s.maximum) = v.get<double>();
        } else if (key == "minLength" || key == "maxLength") {
            if (!v.is_number_integer() || v.get<std::int64_t>() < 0)
                errors.emplace_back(p, key + " must be a whole number ≥ 0");
            else
                (key == "minLength" ? s.min_length : s.max_length) = v.get<std::size_t>();
        } else if (key == "items") {
            s.items = std::make_shared<FieldSchema>(compile_field_schema(v, p, false, errors));
        } else if (key == "properties") {
            if (!v.is_object()) {
                errors.emplace_back(p, "properties must be an object");
                continue;
            }
            for (auto f = v.begin(); f != v.end(); ++f) {
                s.properties.emplace_back(
                    f.key(),
                    compile_field_schema(f.value(), pointer_join(p, f.key()), false, errors));
            }
        } else if (key == "required" && form_field && v.is_boolean()) {
            errors.emplace_back(p,
                                "a form field is required by default; use \"optional\": true or "
                                "\"required_for\": [outcomes]");
        } else if (key == "required") {
            if (!v.is_array() ||
                !std::all_of(v.begin(), v.end(), [](const json& x) { return x.is_string(); }))
                errors.emplace_back(p, "required must be an array of field names");
            else
                s.required = v.get<std::vector<std::string>>();
        } else if (key == "optional" && form_field) {
            if (!v.is_boolean())
                errors.emplace_back(p, "optional must be true or false");
            else
                s.optional = v.get<bool>();
        } else if (key == "required_for" && form_field) {
            if (!v.is_array() ||
                !std::all_of(v.begin(), v.end(), [](const json& x) { return x.is_string(); }))
                errors.emplace_back(p, "required_for must be an array of outcome names");
            else
                s.required_for = v.get<std::vector<std::string>>();
        } else if (key == "title" || key == "description" || (key == "help" && form_field)) {
            // Text for people: a string, or the same in several languages.
            if (!Text::from_json(v))
                errors.emplace_back(p, key + " must be a string, or an object of language → "
                                         "string such as {\"en\": \"...\", \"ar\": \"...\"}");
        } else if (key == "labels") {
            // What each enum value is called, for people: {"mou": {"en": "...", "ar": "..."}}.
            if (!v.is_object()) {
                errors.emplace_back(p, "labels must be an object of enum value → text");
            } else {
                const auto e = spec.find("enum");
                const json* values = e != spec.end() ? &*e : nullptr;
                for (auto label = v.begin(); label != v.end(); ++label) {
                    const std::string at = pointer_join(p, label.key());
                    if (values && values->is_array() &&
                        std::find(values->begin(), values->end(), json(label.key())) ==
                            values->end())
                        errors.emplace_back(
                            at, "\"" + label.key() + "\" is not one of the enum's values");
                    else if (!Text::from_json(*label))
                        errors.emplace_back(at,
                                            "a label must be a string, or an object of "
                                            "language → string");
                }
                s.labels = v;
            }
        } else if (key == "default" || key == "examples") {
            // For editors only.
        } else {
            auto known = kSchemaKeys;
            if (form_field) {
                known.push_back("help");
                known.push_back("optional");
                known.push_back("required_for");
            }
            errors.emplace_back(
                p, "unknown schema keyword \"" + key + "\"" + did_you_mean(key, known));
        }
    }
    if (s.type == FieldSchema::Type::any) {
        if (s.format != FieldSchema::Format::none || s.min_length || s.max_length)
            s.type = FieldSchema::Type::string;
        else if (!s.properties.empty() || !s.required.empty())
            s.type = FieldSchema::Type::object;
        else if (s.items)
            s.type = FieldSchema::Type::array;
    }
    return s;
}

}  // namespace accord::engine
