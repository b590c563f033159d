// What the API shows of instances and tasks, and problem+json responses (RFC 9457). Pure
// functions of engine values; who may see or do what is engine::policy's.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "accord/engine/definition.hpp"
#include "accord/engine/instance.hpp"
#include "accord/engine/json_text.hpp"
#include "accord/engine/policy.hpp"
#include "accord/engine/result.hpp"
#include "accord/http/api.hpp"

namespace accord::http {

// A problem+json response: `type` becomes "urn:accord:problem:<type>"; `extra` (an object)
// adds members, such as the `errors` of a definition.
Response problem(int status, std::string_view type, std::string detail, std::string pointer = {},
                 engine::json extra = {});
// An engine error as the problem of its status: 400 malformed, 403, 404, 409 conflict, stale or
// closed, 422 invalid against the definition, 503 unavailable.
Response problem(const engine::Error& error);

// An instance and a task as `reader` is shown them, written straight as JSON text: the object,
// or its members into an object the caller opened (to add some of its own). Times are RFC 3339
// strings in UTC; only open tasks and pending timers are listed; "can" says what the reader may
// do to it now (engine::policy).
void write_instance(engine::JsonWriter& w, const engine::Instance& instance,
                    const engine::Definition& definition, engine::TimeMs now,
                    const Principal& reader);
void write_instance_members(engine::JsonWriter& w, const engine::Instance& instance,
                            const engine::Definition& definition, engine::TimeMs now,
                            const Principal& reader);
void write_task(engine::JsonWriter& w, const engine::Task& task, engine::TimeMs now,
                const Principal& reader);
void write_task_members(engine::JsonWriter& w, const engine::Task& task, engine::TimeMs now,
                        const Principal& reader);
// "can": [the actions' names], in their order.
void write_can(engine::JsonWriter& w, engine::policy::TaskActions actions);
// The outcomes, their labels and the form of the task a state opens, its texts in `language`;
// null when the state opens none. An outcome without a label is labelled with its name in
// words ("send_back": "Send back"). The fields in the definition's order.
nlohmann::ordered_json task_form(const engine::Definition& definition, const std::string& state,
                                 std::string_view language);

// The list filters of GET /api/v1/instances.
bool matches(const engine::Instance& instance, const engine::Definition& definition,
             const std::string& state, const std::string& status, const std::string& role,
             const std::vector<std::pair<engine::json::json_pointer, engine::json>>& data,
             engine::TimeMs now);

// The OpenAPI 3 document of the API (adapters/http/openapi.json, compiled in).
const std::string& openapi_document();

}  // namespace accord::http
