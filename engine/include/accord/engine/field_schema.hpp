// FieldSchema: the small JSON-Schema-compatible vocabulary that describes instance data,
// task forms and event payloads. Compiled once from a definition; checks values at the edge.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "accord/engine/result.hpp"

namespace accord::engine {

using json = nlohmann::json;

struct FieldSchema {
    enum class Type { any, string, number, integer, boolean, object, array };
    enum class Format { none, date, date_time, email, duration, user, unit };

    Type type = Type::any;
    Format format = Format::none;
    std::vector<json> enum_values;
    std::optional<double> minimum, maximum;
    std::optional<std::size_t> min_length, max_length;
    std::shared_ptr<const FieldSchema> items;
    std::vector<std::pair<std::string, FieldSchema>> properties;
    std::vector<std::string> required;  // object schemas: required property names

    // Task and event form fields only: a field is required unless optional, or required only
    // for the listed outcomes.
    bool optional = false;
    std::vector<std::string> required_for;

    // What each enum value is called, for people: value → text (a string or a language
    // object); null when the schema names none. Forms show them, and so do templates.
    json labels;

    // The schema of the member at a dotted path ("partner.name"); nullptr when none is declared.
    const FieldSchema* find(std::string_view path) const;

    // Checks `value` against this schema; the error's pointer is `pointer` or below it.
    Result<void> check(const json& value, const std::string& pointer) const;
};

// A form: the fields a task completion or an event payload must carry.
using Form = std::vector<std::pair<std::string, FieldSchema>>;

// Checks a completion's or event's fields against a form: required fields present (for the
// given outcome), each valid, and no field the form does not know. Pointers are /fields/NAME.
Result<void> check_form(const Form& form, const json& fields, const std::string& outcome,
                        const std::string& base_pointer = "/fields");

// Compiles a schema from JSON, appending problems to `errors` as (pointer, message).
// `form_field` allows the task/event-only keys (optional, required_for).
FieldSchema compile_field_schema(const json& spec, const std::string& pointer, bool form_field,
                                 std::vector<std::pair<std::string, std::string>>& errors);

}  // namespace accord::engine
