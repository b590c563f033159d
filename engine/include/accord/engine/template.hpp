// Text templates: "Review the draft with {{partner.name}}". Split once at load time into
// literal parts and var paths; rendering never re-parses.
#pragma once

#include <string>
#include <vector>

#include <memory>
#include <string_view>
#include <utility>

#include "accord/engine/field_schema.hpp"
#include "accord/engine/jsonlogic.hpp"

namespace accord::engine {

using json = nlohmann::json;

class Template {
public:
    Template() = default;

    // Returns an error naming `pointer` when a {{ is not closed or a path is empty. With the
    // workflow's data schema, a path to a member whose schema has `labels` renders a value by
    // its label in `language` ("student_exchange" → "Student exchange").
    static Result<Template> parse(const std::string& text, const std::string& pointer,
                                  const FieldSchema* data = nullptr,
                                  std::string_view language = {});

    std::string render(const json& data, const logic::Context& ctx) const;
    bool empty() const { return parts_.empty(); }

private:
    struct Part {
        std::string literal;
        logic::Expression value;  // {"var": path}; unused when is_path is false
        bool is_path = false;
        // value → label, for a member with labels.
        std::shared_ptr<const std::vector<std::pair<std::string, std::string>>> labels;
    };
    std::vector<Part> parts_;
};

// Text of a value as people read it: strings bare, numbers as in JavaScript, null empty.
std::string display_text(const json& value);

}  // namespace accord::engine
