// Text templates with {{path}} placeholders.
#include "accord/engine/template.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "accord/engine/text.hpp"

namespace accord::engine {

Result<Template> Template::parse(const std::string& text, const std::string& pointer,
                                 const FieldSchema* data, std::string_view language) {
    Template t;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t open = text.find("{{", pos);
        if (open == std::string::npos) {
            t.parts_.push_back(Part{text.substr(pos), {}, false, nullptr});
            break;
        }
        if (open > pos) t.parts_.push_back(Part{text.substr(pos, open - pos), {}, false, nullptr});
        const std::size_t close = text.find("}}", open + 2);
        if (close == std::string::npos)
            return make_error(ErrorCode::invalid_definition,
                              "template has an unclosed \"{{\" at position " + std::to_string(open),
                              pointer);
        std::string path = text.substr(open + 2, close - open - 2);
        const auto first = path.find_first_not_of(' ');
        const auto last = path.find_last_not_of(' ');
        if (first == std::string::npos)
            return make_error(ErrorCode::invalid_definition,
                              "template has an empty \"{{}}\" at position " + std::to_string(open),
                              pointer);
        path = path.substr(first, last - first + 1);
        auto expr = logic::compile(json{{"var", path}}, pointer);
        if (!expr) return expr.error();
        t.parts_.push_back(Part{{}, std::move(expr).value(), true, nullptr});
        if (const FieldSchema* member = data ? data->find(path) : nullptr;
            member && member->labels.is_object()) {
            auto labels = std::make_shared<std::vector<std::pair<std::string, std::string>>>();
            for (auto it = member->labels.begin(); it != member->labels.end(); ++it)
                labels->emplace_back(it.key(), text_in(*it, language.empty() ? "en" : language));
            t.parts_.back().labels = std::move(labels);
        }
        pos = close + 2;
    }
    return t;
}

std::string Template::render(const json& data, const logic::Context& ctx) const {
    std::string out;
    for (const auto& part : parts_) {
        if (!part.is_path) {
            out += part.literal;
            continue;
        }
        json scratch;
        const json& value = part.value.evaluate(data, ctx, scratch);
        if (part.labels && value.is_string()) {
            const auto& s = value.get_ref<const std::string&>();
            const auto it = std::find_if(part.labels->begin(), part.labels->end(),
                                         [&](const auto& l) { return l.first == s; });
            if (it != part.labels->end()) {
                out += it->second;
                continue;
            }
        }
        out += display_text(value);
    }
    return out;
}

std::string display_text(const json& value) {
    switch (value.type()) {
        case json::value_t::null:
            return {};
        case json::value_t::string:
            return value.get<std::string>();
        case json::value_t::boolean:
            return value.get<bool>() ? "true" : "false";
        case json::value_t::number_integer:
            return std::to_string(value.get<std::int64_t>());
        case json::value_t::number_unsigned:
            return std::to_string(value.get<std::uint64_t>());
        case json::value_t::number_float: {
            const double d = value.get<double>();
            if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 1e15)
                return std::to_string(static_cast<std::int64_t>(d));
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.15g", d);
            return buf;
        }
        default:
            return value.dump(-1, ' ', false, json::error_handler_t::replace);
    }
}

}  // namespace accord::engine
