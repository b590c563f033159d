// Loading a definition: parse, check against the language, lint, compile. Every problem is
// reported at once, each with the JSON Pointer of the place it concerns.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "accord/engine/definition.hpp"

namespace accord::engine {

struct Diagnostic {
    enum class Severity { error, warning };
    Severity severity = Severity::error;
    std::string pointer;
    std::string message;

    bool is_error() const { return severity == Severity::error; }
    std::string to_string() const;  // "POINTER: message" (warnings say so)
};

struct LoadResult {
    DefinitionPtr definition;  // null when any diagnostic is an error
    std::vector<Diagnostic> diagnostics;

    bool ok() const { return definition != nullptr; }
    bool clean() const { return ok() && diagnostics.empty(); }
};

// Answers whether a workflow of that name exists, for the lint on `invoke` and `start`.
// An empty function skips that lint.
using WorkflowCatalog = std::function<bool(std::string_view workflow)>;

LoadResult load_definition(const json& document, const WorkflowCatalog& catalog = {});

// Parses text first; malformed JSON is one error naming the line and column.
LoadResult load_definition_text(std::string_view text, const WorkflowCatalog& catalog = {});

// The diagnostics' errors folded into one Error (code invalid_definition), for callers that
// need a single Result.
Error definition_error(const std::vector<Diagnostic>& diagnostics);

}  // namespace accord::engine
