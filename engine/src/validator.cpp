// Loading a definition: every language rule checked, every problem reported with its pointer,
// lints for sound-but-suspicious definitions, and compilation to a Definition.
#include "accord/engine/validator.hpp"

#include <algorithm>
#include <cctype>
#include <deque>
#include <set>

#include "accord/engine/policy.hpp"
#include "pointer.hpp"

namespace accord::engine {

std::string Diagnostic::to_string() const {
    return (pointer.empty() ? std::string("(document)") : pointer) + ": " +
           (is_error() ? "" : "warning: ") + message;
}

Error definition_error(const std::vector<Diagnostic>& diagnostics) {
    std::string message;
    std::string pointer;
    int errors = 0;
    for (const auto& d : diagnostics) {
        if (!d.is_error()) continue;
        if (errors++ == 0) {
            pointer = d.pointer;
            message = d.message;
        }
    }
    if (errors > 1) message += " (and " + std::to_string(errors - 1) + " more errors)";
    return make_error(ErrorCode::invalid_definition, message, pointer);
}

// Builds a Definition from a document; the one friend of Definition.
class DefinitionBuilder {
public:
    // `ordered`: the same document with its members in the author's order.
    DefinitionBuilder(const json& doc, nlohmann::ordered_json ordered,
                      const WorkflowCatalog& catalog)
        : doc_(doc),
          ordered_(std::move(ordered)),
          catalog_(catalog),
          def_(std::make_shared<Definition>()) {}

    LoadResult build();

private:
    using KeySet = std::vector<std::string>;

    void error(std::string pointer, std::string message) {
        diagnostics_.push_back(
            {Diagnostic::Severity::error, std::move(pointer), std::move(message)});
    }
    void warn(std::string pointer, std::string message) {
        diagnostics_.push_back(
            {Diagnostic::Severity::warning, std::move(pointer), std::move(message)});
    }

    bool check_object(const json& j, const std::string& p, const KeySet& allowed, const char* what);
    bool check_name(const json& j, const std::string& p, const char* what, bool allow_dot = false);
    std::optional<std::string> get_string(const json& obj, const std::string& p, const char* key,
                                          bool required);
    std::optional<logic::Expression> expression(const json& rule, const std::string& p);
    std::optional<Duration> duration(const json& j, const std::string& p, bool allow_negative);
    // A duration or {"working_days": N}.
    std::optional<Delay> delay(const json& j, const std::string& p, bool allow_negative);
    TextTemplate text_template(const json& j, const std::string& p);
    // Text for people without placeholders: a string or a language object; empty on error.
    Text local_text(const json& j, const std::string& p);
    DataPath data_path(const json& j, const std::string& p);
    EventId intern_event(const std::string& name);
    StateId resolve_target(const json& j, const std::string& p);
    std::optional<Join> join(const json& j, const std::string& p);
    Form form(const json& j, const std::string& p);

    void compile_state(State& state, const json& spec);
    std::vector<Action> actions(const json& j, const std::string& p);
    std::vector<Transition> transitions(const json& j, const std::string& p);
    Transition transition(const json& j, const std::string& p, bool allow_internal);
    TaskSpec task(const json& j, const std::string& p);
    InvokeSpec invoke(const json& j, const std::string& p);
    std::vector<TimerSpec> timers(const json& j, const std::string& p, const std::string& state);
    void lint();

    const json& doc_;
    nlohmann::ordered_json ordered_;
    const WorkflowCatalog& catalog_;
    std::shared_ptr<Definition> def_;
    std::vector<Diagnostic> diagnostics_;
    std::vector<std::string> state_names_;
    // Per event id: where it is raised (for the unhandled-event lint), and handlers.
    std::vector<std::vector<std::pair<std::string, std::string>>>
        raised_;  // (pointer, state or "")
    // (state, event) → transitions, filled while compiling states.
    std::vector<std::vector<std::pair<EventId, std::vector<Transition>>>> handlers_;
    std::vector<std::pair<std::string, std::string>> started_workflows_;  // (pointer, name)
};

namespace {
// [a-z][a-z0-9_]*, checked by hand: std::regex recurses per character and a long name would
// overflow the stack.
bool is_identifier(std::string_view s) {
    if (s.empty() || s.front() < 'a' || s.front() > 'z') return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}
// A name, or <name>.<name> (a child workflow's outcome).
bool is_event_name(std::string_view s) {
    const auto dot = s.find('.');
    return dot == std::string_view::npos
               ? is_identifier(s)
               : is_identifier(s.substr(0, dot)) && is_identifier(s.substr(dot + 1));
}

std::string quote_name(const std::string& s) {
    return "\"" + s + "\"";
}
}  // namespace

bool DefinitionBuilder::check_object(const json& j, const std::string& p, const KeySet& allowed,
                                     const char* what) {
    if (!j.is_object()) {
        error(p, std::string(what) + " must be an object");
        return false;
    }
    for (auto it = j.begin(); it != j.end(); ++it) {
        if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end()) {
            error(pointer_join(p, it.key()), "unknown key " + quote_name(it.key()) + " in " + what +
                                                 did_you_mean(it.key(), allowed));
        }
    }
    // Wherever a description is allowed, it is text for people.
    if (auto d = j.find("description"); d != j.end()) (void)local_text(*d, pointer_join(p, "description"));
    return true;
}

bool DefinitionBuilder::check_name(const json& j, const std::string& p, const char* what,
                                   bool allow_dot) {
    if (!j.is_string() || !(allow_dot ? is_event_name(j.get_ref<const std::string&>())
                                      : is_identifier(j.get_ref<const std::string&>()))) {
        error(p,
              std::string(what) +
                  " must be a name of lower-case letters, digits and _, starting "
                  "with a letter" +
                  (j.is_string() ? ", got " + j.dump(-1, ' ', false, json::error_handler_t::replace)
                                 : ""));
        return false;
    }
    return true;
}

std::optional<std::string> DefinitionBuilder::get_string(const json& obj, const std::string& p,
                                                         const char* key, bool required) {
    auto it = obj.find(key);
    if (it == obj.end()) {
        if (required) error(p, std::string("missing required key \"") + key + "\"");
        return std::nullopt;
    }
    if (!it->is_string()) {
        error(pointer_join(p, key), std::string(key) + " must be a string");
        return std::nullopt;
    }
    return it->get<std::string>();
}

std::optional<logic::Expression> DefinitionBuilder::expression(const json& rule,
                                                               const std::string& p) {
    auto compiled = logic::compile(rule, p);
    if (!compiled) {
        error(compiled.error().pointer, "not valid JsonLogic: " + compiled.error().message);
        return std::nullopt;
    }
    return std::move(compiled).value();
}

std::optional<Duration> DefinitionBuilder::duration(const json& j, const std::string& p,
                                                    bool allow_negative) {
    std::optional<Duration> d;
    if (j.is_string()) d = parse_duration(j.get_ref<const std::string&>());
    if (!d) {
        error(p,
              "must be an ISO 8601 duration such as \"P10D\" or \"PT4H\"" +
                  (j.is_string() ? ", got " + j.dump(-1, ' ', false, json::error_handler_t::replace)
                                 : std::string{}));
        return std::nullopt;
    }
    if (d->negative && !allow_negative) {
        error(p, "must not be negative here, got " +
                     j.dump(-1, ' ', false, json::error_handler_t::replace));
        return std::nullopt;
    }
    return d;
}

TextTemplate DefinitionBuilder::text_template(const json& j, const std::string& p) {
    auto t = TextTemplate::parse(j, p, &def_->data_schema);
    if (!t) {
        error(t.error().pointer.empty() ? p : t.error().pointer, t.error().message);
        return {};
    }
    return std::move(t).value();
}

Text DefinitionBuilder::local_text(const json& j, const std::string& p) {
    if (auto t = Text::from_json(j)) return *t;
    if (j.is_object())
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (!is_language_tag(it.key())) {
                error(pointer_join(p, it.key()),
                      "\"" + it.key() + "\" is not a language tag (such as en, ar)");
                return {};
            }
            if (!it->is_string()) {
                error(pointer_join(p, it.key()), "must be a string");
                return {};
            }
        }
    error(p, "must be a string, or an object of language → string such as {\"en\": \"...\", "
             "\"ar\": \"...\"}");
    return {};
}

std::optional<Delay> DefinitionBuilder::delay(const json& j, const std::string& p,
                                              bool allow_negative) {
    if (!j.is_object()) {
        auto d = duration(j, p, allow_negative);
        if (!d) return std::nullopt;
        return Delay{*d, std::nullopt};
    }
    if (j.size() != 1 || !j.contains("working_days")) {
        error(p, "a span of time is an ISO 8601 duration (\"P10D\") or {\"working_days\": N}");
        return std::nullopt;
    }
    const json& n = j["working_days"];
    const std::string np = pointer_join(p, "working_days");
    if (n.is_number()) {
        if (!n.is_number_integer() || std::abs(n.get<double>()) > 3660) {
            error(np, "working_days is a whole number of at most 3660");
            return std::nullopt;
        }
        if (n.get<std::int64_t>() < 0 && !allow_negative) {
            error(np, "must not be negative here, got " + n.dump());
            return std::nullopt;
        }
    } else if (!n.is_object()) {
        error(np, "working_days is a whole number or an expression giving one");
        return std::nullopt;
    }
    auto e = expression(n, np);
    if (!e) return std::nullopt;
    return Delay{Duration{}, std::move(e)};
}

DataPath DefinitionBuilder::data_path(const json& j, const std::string& p) {
    DataPath path;
    if (!j.is_string() || j.get_ref<const std::string&>().empty()) {
        error(p, "must be a data path such as \"legal.approved_on\"");
        return path;
    }
    const auto& s = j.get_ref<const std::string&>();
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = s.find('.', start);
        path.push_back(s.substr(start, dot - start));
        if (path.back().empty() || path.back()[0] == '$') {
            error(p,
                  "must be a data path such as \"legal.approved_on\" (no empty segments, no $ "
                  "roots), got " +
                      j.dump(-1, ' ', false, json::error_handler_t::replace));
            return {};
        }
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    return path;
}

EventId DefinitionBuilder::intern_event(const std::string& name) {
    auto [it, inserted] =
        def_->event_ids_.try_emplace(name, static_cast<EventId>(def_->event_names.size()));
    if (inserted) {
        def_->event_names.push_back(name);
        def_->event_decls.emplace_back();
        raised_.emplace_back();
    }
    return it->second;
}

StateId DefinitionBuilder::resolve_target(const json& j, const std::string& p) {
    if (!j.is_string()) {
        error(p, "a target must be a state name");
        return kNoState;
    }
    const auto& name = j.get_ref<const std::string&>();
    auto it = def_->state_ids_.find(name);
    if (it == def_->state_ids_.end()) {
        error(p, "unknown state " + quote_name(name) + did_you_mean(name, state_names_));
        return kNoState;
    }
    return it->second;
}

std::optional<Join> DefinitionBuilder::join(const json& j, const std::string& p) {
    Join out;
    if (j == "all") return out;
    if (j == "any") {
        out.kind = Join::Kind::any;
        return out;
    }
    if (j.is_object() && j.size() == 1 && j.contains("at_least")) {
        const json& n = j["at_least"];
        if (!n.is_number_integer() || n.get<std::int64_t>() < 1 ||
            n.get<std::int64_t>() > 1'000'000) {
            error(pointer_join(p, "at_least"),
                  "at_least must be a whole number ≥ 1 (and at most 1000000)");
            return std::nullopt;
        }
        out.kind = Join::Kind::at_least;
        out.at_least = n.get<int>();
        return out;
    }
    error(p, "join must be \"all\", \"any\" or {\"at_least\": N}");
    return std::nullopt;
}

Form DefinitionBuilder::form(const json& j, const std::string& p) {
    Form out;
    if (!j.is_object()) {
        error(p, "fields must be an object: field name → schema");
        return out;
    }
    std::vector<std::pair<std::string, std::string>> errors;
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string fp = pointer_join(p, it.key());
        check_name(it.key(), fp, "a field name");
        out.emplace_back(it.key(), compile_field_schema(it.value(), fp, true, errors));
    }
    for (auto& [ep, message] : errors) error(ep, message);
    return out;
}

std::vector<Action> DefinitionBuilder::actions(const json& j, const std::string& p) {
    std::vector<Action> out;
    if (!j.is_array()) {
        error(p, "actions must be an array");
        return out;
    }
    static const KeySet kinds = {"set", "unset", "notify", "emit", "start"};
    for (std::size_t i = 0; i < j.size(); ++i) {
        const std::string ap = pointer_join(p, i);
        const json& a = j[i];
        if (!a.is_object() || a.size() != 1) {
            error(
                ap,
                "an action must be an object with exactly one of set, unset, notify, emit, start");
            continue;
        }
        const std::string& kind = a.begin().key();
        const json& body = a.begin().value();
        const std::string bp = pointer_join(ap, kind);
        if (kind == "set") {
            SetAction set;
            if (!body.is_object() || body.empty()) {
                error(bp, "set must be an object: data path → expression");
                continue;
            }
            for (auto it = body.begin(); it != body.end(); ++it) {
                const std::string vp = pointer_join(bp, it.key());
                DataPath path = data_path(it.key(), vp);
                auto e = expression(it.value(), vp);
                if (!path.empty() && e)
                    set.assignments.emplace_back(std::move(path), std::move(*e));
            }
            out.emplace_back(std::move(set));
        } else if (kind == "unset") {
            UnsetAction unset;
            if (!body.is_array() || body.empty()) {
                error(bp, "unset must be an array of data paths");
                continue;
            }
            for (std::size_t k = 0; k < body.size(); ++k) {
                DataPath path = data_path(body[k], pointer_join(bp, k));
                if (!path.empty()) unset.paths.push_back(std::move(path));
            }
            out.emplace_back(std::move(unset));
        } else if (kind == "notify") {
            NotifyAction notify;
            if (!check_object(body, bp, {"roles", "people", "units", "subject", "message"},
                              "notify"))
                continue;
            if (auto it = body.find("roles"); it != body.end()) {
                if (!it->is_array() || it->empty())
                    error(pointer_join(bp, "roles"),
                          "roles must be a non-empty array of role names");
                else
                    for (std::size_t k = 0; k < it->size(); ++k)
                        if (check_name((*it)[k], pointer_join(pointer_join(bp, "roles"), k),
                                       "a role"))
                            notify.roles.push_back((*it)[k].get<std::string>());
            }
            if (auto it = body.find("people"); it != body.end())
                notify.people = expression(*it, pointer_join(bp, "people"));
            if (auto it = body.find("units"); it != body.end())
                notify.units = expression(*it, pointer_join(bp, "units"));
            if (!body.contains("roles") && !body.contains("people") && !body.contains("units"))
                error(bp, "notify needs \"roles\", \"people\" or \"units\"");
            if (auto it = body.find("subject"); it != body.end())
                notify.subject = text_template(*it, pointer_join(bp, "subject"));
            else
                error(bp, "missing required key \"subject\"");
            if (auto it = body.find("message"); it != body.end())
                notify.message = text_template(*it, pointer_join(bp, "message"));
            out.emplace_back(std::move(notify));
        } else if (kind == "emit") {
            EmitAction emit{};
            const json* name = &body;
            if (body.is_object()) {
                if (!check_object(body, bp, {"event", "data"}, "emit")) continue;
                if (!body.contains("event")) {
                    error(bp, "missing required key \"event\"");
                    continue;
                }
                name = &body["event"];
                if (body.contains("data"))
                    emit.data = expression(body["data"], pointer_join(bp, "data"));
            }
            const std::string np = body.is_object() ? pointer_join(bp, "event") : bp;
            if (!check_name(*name, np, "an event", true)) continue;
            emit.event = intern_event(name->get<std::string>());
            raised_[emit.event].emplace_back(np, "");
            out.emplace_back(std::move(emit));
        } else if (kind == "start") {
            StartAction start;
            if (!check_object(body, bp, {"workflow", "data", "key"}, "start")) continue;
            if (auto w = get_string(body, bp, "workflow", true);
                w && check_name(*w, pointer_join(bp, "workflow"), "a workflow")) {
                start.workflow = *w;
                started_workflows_.emplace_back(pointer_join(bp, "workflow"), *w);
            }
            if (body.contains("data"))
                start.data = expression(body["data"], pointer_join(bp, "data"));
            if (body.contains("key")) start.key = expression(body["key"], pointer_join(bp, "key"));
            out.emplace_back(std::move(start));
        } else {
            error(pointer_join(ap, kind),
                  "unknown action " + quote_name(kind) + did_you_mean(kind, kinds));
        }
    }
    return out;
}

Transition DefinitionBuilder::transition(const json& j, const std::string& p, bool allow_internal) {
    Transition t;
    if (j.is_string()) {
        t.target = resolve_target(j, p);
        return t;
    }
    if (!check_object(j, p, {"target", "guard", "actions", "description"}, "a transition"))
        return t;
    if (auto it = j.find("target"); it != j.end())
        t.target = resolve_target(*it, pointer_join(p, "target"));
    else if (!allow_internal)
        error(p, "missing required key \"target\"");
    if (auto it = j.find("guard"); it != j.end())
        t.guard = expression(*it, pointer_join(p, "guard"));
    if (auto it = j.find("actions"); it != j.end())
        t.actions = actions(*it, pointer_join(p, "actions"));
    return t;
}

std::vector<Transition> DefinitionBuilder::transitions(const json& j, const std::string& p) {
    std::vector<Transition> out;
    if (j.is_array()) {
        if (j.empty()) error(p, "a list of transitions must not be empty");
        for (std::size_t i = 0; i < j.size(); ++i) {
            const std::string tp = pointer_join(p, i);
            if (!j[i].is_object()) {
                error(tp, "each transition in a list must be an object with a target and a guard");
                continue;
            }
            out.push_back(transition(j[i], tp, true));
            if (!out.back().guard && i + 1 < j.size())
                error(tp, "this transition has no guard, so the ones after it can never be taken");
        }
    } else if (j.is_string() || j.is_object()) {
        out.push_back(transition(j, p, true));
    } else {
        error(p, "a transition must be a state name, an object, or a list of guarded objects");
    }
    return out;
}

TaskSpec DefinitionBuilder::task(const json& j, const std::string& p) {
    TaskSpec t;
    static const KeySet keys = {"role",     "title",         "description", "assignee", "assignees",
                                "join",     "fields",        "outcomes",    "labels",   "due",
                                "remind",   "escalate",      "separate_from", "unit",   "save_to"};
    if (!check_object(j, p, keys, "a task")) return t;
    if (auto role = get_string(j, p, "role", true)) {
        if (check_name(*role, pointer_join(p, "role"), "a role")) t.role = *role;
    }
    if (auto it = j.find("title"); it != j.end())
        t.title = text_template(*it, pointer_join(p, "title"));
    else
        error(p, "missing required key \"title\"");
    if (auto it = j.find("description"); it != j.end())
        t.description = text_template(*it, pointer_join(p, "description"));
    if (auto it = j.find("assignee"); it != j.end())
        t.assignee = expression(*it, pointer_join(p, "assignee"));
    if (auto it = j.find("assignees"); it != j.end())
        t.assignees = expression(*it, pointer_join(p, "assignees"));
    if (j.contains("assignee") && j.contains("assignees"))
        error(pointer_join(p, "assignees"),
              "a task has either \"assignee\" or \"assignees\", not both");
    if (auto it = j.find("join"); it != j.end()) {
        if (!j.contains("assignees")) error(pointer_join(p, "join"), "join needs \"assignees\"");
        if (auto jn = join(*it, pointer_join(p, "join"))) t.join = *jn;
    }
    if (auto it = j.find("fields"); it != j.end()) t.fields = form(*it, pointer_join(p, "fields"));
    if (auto it = j.find("outcomes"); it != j.end()) {
        const std::string op = pointer_join(p, "outcomes");
        if (!it->is_array() || it->empty()) {
            error(op, "outcomes must be a non-empty array of names");
        } else {
            for (std::size_t i = 0; i < it->size(); ++i) {
                const std::string ip = pointer_join(op, i);
                if (!check_name((*it)[i], ip, "an outcome")) continue;
                const std::string name = (*it)[i].get<std::string>();
                if (std::find(t.outcomes.begin(), t.outcomes.end(), name) != t.outcomes.end()) {
                    error(ip, "duplicate outcome " + quote_name(name));
                    continue;
                }
                t.outcomes.push_back(name);
                t.outcome_events.push_back(intern_event(name));
            }
        }
    } else {
        error(p, "missing required key \"outcomes\"");
    }
    if (auto it = j.find("due"); it != j.end()) {
        if (it->is_string() || (it->is_object() && it->contains("working_days")))
            t.due_after = delay(*it, pointer_join(p, "due"), false);
        else if (it->is_object())
            t.due_at = expression(*it, pointer_join(p, "due"));
        else
            error(pointer_join(p, "due"),
                  "due must be a duration (\"P10D\"), {\"working_days\": N} or a rule giving "
                  "a date");
    }
    if (auto it = j.find("remind"); it != j.end()) {
        const std::string rp = pointer_join(p, "remind");
        if (!it->is_array() || it->empty())
            error(rp, "remind must be a non-empty array of durations");
        else
            for (std::size_t i = 0; i < it->size(); ++i) {
                auto d = delay((*it)[i], pointer_join(rp, i), true);
                if (!d) continue;
                if (d->negative() && !j.contains("due"))
                    error(pointer_join(rp, i), "a reminder before the deadline needs \"due\"");
                t.reminders.push_back(*d);
            }
    }
    if (auto it = j.find("escalate"); it != j.end()) {
        // One step {"after", "role"}, or a ladder of them, each later than the one before.
        const std::string ep = pointer_join(p, "escalate");
        const bool ladder = it->is_array();
        if (ladder && (it->empty() || it->size() > 16))
            error(ep, "an escalation ladder has 1 to 16 steps");
        const json steps = ladder ? *it : json::array({*it});
        TimeMs previous = 0;
        for (std::size_t i = 0; i < steps.size() && i < 16; ++i) {
            const json& step = steps[i];
            const std::string sp = ladder ? pointer_join(ep, i) : ep;
            if (!check_object(step, sp, {"after", "role", "unit"}, "escalate")) continue;
            Escalation e;
            bool ok = true;
            if (step.contains("after")) {
                auto d = delay(step["after"], pointer_join(sp, "after"), false);
                ok = d.has_value();
                if (d) e.after = *d;
            } else {
                error(sp, "missing required key \"after\"");
                ok = false;
            }
            auto role = get_string(step, sp, "role", true);
            if (!(role && check_name(*role, pointer_join(sp, "role"), "a role") && ok)) continue;
            e.role = *role;
            if (auto u = step.find("unit"); u != step.end())
                e.unit = expression(*u, pointer_join(sp, "unit"));
            // Working days are compared as 7 days a week of 5 (an expression is not compared).
            TimeMs at = add_duration(0, e.after.duration);
            if (e.after.working_days && e.after.working_days->is_literal())
                at = static_cast<TimeMs>(
                    e.after.working_days->evaluate(json(), logic::Context{}).get<double>() *
                    kMsPerDay * 7 / 5);
            else if (e.after.working_days)
                at = previous + 1;
            if (i > 0 && at <= previous) {
                error(pointer_join(sp, "after"),
                      "each step of the ladder comes later than the one before");
                continue;
            }
            previous = at;
            t.escalate.push_back(std::move(e));
        }
    }
    if (auto it = j.find("separate_from"); it != j.end())
        t.separate_from = expression(*it, pointer_join(p, "separate_from"));
    if (auto it = j.find("unit"); it != j.end()) t.unit = expression(*it, pointer_join(p, "unit"));
    if (auto it = j.find("save_to"); it != j.end())
        t.save_to = data_path(*it, pointer_join(p, "save_to"));
    if (auto it = j.find("labels"); it != j.end()) {
        // What each outcome's button says: {"approve": {"en": "Approve", "ar": "موافقة"}}.
        const std::string lp = pointer_join(p, "labels");
        if (!it->is_object()) {
            error(lp, "labels must be an object: outcome → its label");
        } else {
            for (auto l = it->begin(); l != it->end(); ++l) {
                if (std::find(t.outcomes.begin(), t.outcomes.end(), l.key()) == t.outcomes.end()) {
                    error(pointer_join(lp, l.key()), "unknown outcome " + quote_name(l.key()) +
                                                         did_you_mean(l.key(), t.outcomes));
                    continue;
                }
                t.labels.emplace_back(l.key(), local_text(*l, pointer_join(lp, l.key())));
            }
        }
    }
    for (const auto& [name, schema] : t.fields) {
        for (const auto& o : schema.required_for) {
            if (std::find(t.outcomes.begin(), t.outcomes.end(), o) == t.outcomes.end())
                error(pointer_join(pointer_join(p, "fields"), name) + "/required_for",
                      "unknown outcome " + quote_name(o) + did_you_mean(o, t.outcomes));
        }
    }
    return t;
}

InvokeSpec DefinitionBuilder::invoke(const json& j, const std::string& p) {
    InvokeSpec v;
    if (!check_object(j, p, {"workflow", "version", "data", "for_each", "join", "outcomes"},
                      "invoke"))
        return v;
    if (auto w = get_string(j, p, "workflow", true)) {
        if (check_name(*w, pointer_join(p, "workflow"), "a workflow")) {
            v.workflow = *w;
            started_workflows_.emplace_back(pointer_join(p, "workflow"), *w);
        }
    }
    if (auto it = j.find("version"); it != j.end()) {
        if (!it->is_number_integer() || it->get<std::int64_t>() < 1 ||
            it->get<std::int64_t>() > 1'000'000)
            error(pointer_join(p, "version"),
                  "version must be a whole number ≥ 1 (and at most 1000000)");
        else
            v.version = it->get<int>();
    }
    if (auto it = j.find("data"); it != j.end()) v.data = expression(*it, pointer_join(p, "data"));
    if (auto it = j.find("for_each"); it != j.end())
        v.for_each = expression(*it, pointer_join(p, "for_each"));
    if (auto it = j.find("join"); it != j.end()) {
        if (!j.contains("for_each")) error(pointer_join(p, "join"), "join needs \"for_each\"");
        if (auto jn = join(*it, pointer_join(p, "join"))) v.join = *jn;
    }
    if (auto it = j.find("outcomes"); it != j.end()) {
        const std::string op = pointer_join(p, "outcomes");
        if (!it->is_array() || it->empty())
            error(op, "outcomes must be a non-empty array of names");
        else
            for (std::size_t i = 0; i < it->size(); ++i) {
                if (!check_name((*it)[i], pointer_join(op, i), "an outcome")) continue;
                const std::string name = (*it)[i].get<std::string>();
                if (std::find(v.outcomes.begin(), v.outcomes.end(), name) != v.outcomes.end())
                    error(pointer_join(op, i), "duplicate outcome " + quote_name(name));
                else
                    v.outcomes.push_back(name);
            }
    } else if (j.contains("for_each")) {
        error(p,
              "several children (\"for_each\") need \"outcomes\": the first is the one joined on");
    }
    return v;
}

std::vector<TimerSpec> DefinitionBuilder::timers(const json& j, const std::string& p,
                                                 const std::string& state) {
    std::vector<TimerSpec> out;
    if (!j.is_array() || j.empty()) {
        error(p, "timers must be a non-empty array");
        return out;
    }
    for (std::size_t i = 0; i < j.size(); ++i) {
        const std::string tp = pointer_join(p, i);
        const json& t = j[i];
        if (!check_object(t, tp, {"after", "every", "at", "offset", "time", "event", "name"},
                          "a timer"))
            continue;
        TimerSpec spec;
        const int forms =
            static_cast<int>(t.contains("after")) + t.contains("every") + t.contains("at");
        if (forms != 1) {
            error(tp, "a timer has exactly one of \"after\", \"every\", \"at\"");
            continue;
        }
        if (t.contains("offset") && !t.contains("at"))
            error(pointer_join(tp, "offset"), "offset goes with \"at\"");
        if (t.contains("time") && !t.contains("at"))
            error(pointer_join(tp, "time"), "time goes with \"at\"");
        if (t.contains("after")) {
            spec.kind = TimerSpec::Kind::after;
            if (auto d = delay(t["after"], pointer_join(tp, "after"), false)) {
                spec.after = *d;
                const bool zero =
                    d->working_days ? d->working_days->is_literal() &&
                                          d->working_days->evaluate(json(), logic::Context{}) == 0
                                    : d->duration.is_zero();
                if (zero)
                    error(pointer_join(tp, "after"),
                          "a timer needs a delay above zero (use emit to act at once)");
            }
        } else if (t.contains("every")) {
            spec.kind = TimerSpec::Kind::every;
            if (auto d = duration(t["every"], pointer_join(tp, "every"), false)) {
                spec.period = *d;
                if (d->is_zero())
                    error(pointer_join(tp, "every"), "a repeating timer needs a period above zero");
            }
        } else {
            spec.kind = TimerSpec::Kind::at;
            if (auto e = expression(t["at"], pointer_join(tp, "at"))) spec.at = *e;
            if (t.contains("offset"))
                if (auto d = delay(t["offset"], pointer_join(tp, "offset"), true))
                    spec.offset = *d;
            if (auto time = t.find("time"); time != t.end()) {
                const std::string s = time->is_string() ? time->get<std::string>() : "";
                const bool ok = s.size() == 5 && s[2] == ':' && std::isdigit(s[0]) &&
                                std::isdigit(s[1]) && std::isdigit(s[3]) && std::isdigit(s[4]) &&
                                (s[0] - '0') * 10 + (s[1] - '0') < 24 && s[3] < '6';
                if (ok)
                    spec.time_of_day = ((s[0] - '0') * 10 + (s[1] - '0')) * 60 +
                                       (s[3] - '0') * 10 + (s[4] - '0');
                else
                    error(pointer_join(tp, "time"),
                          "time is the local time \"HH:MM\" an at timer on a date fires at");
            }
        }
        if (!t.contains("event")) {
            error(tp, "missing required key \"event\"");
            continue;
        }
        if (!check_name(t["event"], pointer_join(tp, "event"), "an event", true)) continue;
        spec.event = intern_event(t["event"].get<std::string>());
        raised_[spec.event].emplace_back(pointer_join(tp, "event"), state);
        spec.name = state + "." + std::to_string(i);
        if (t.contains("name") && check_name(t["name"], pointer_join(tp, "name"), "a timer name"))
            spec.name = t["name"].get<std::string>();
        out.push_back(std::move(spec));
    }
    return out;
}

void DefinitionBuilder::compile_state(State& state, const json& spec) {
    const std::string& p = state.pointer;
    static const KeySet keys = {"title",  "description", "entry", "exit",   "task",
                                "invoke", "timers",      "on",    "choice", "final"};
    if (!check_object(spec, p, keys, "a state")) return;
    if (auto it = spec.find("title"); it != spec.end())
        state.title = local_text(*it, pointer_join(p, "title"));
    const bool is_choice = spec.contains("choice");
    const bool is_final = spec.contains("final");
    if (is_choice && is_final) {
        error(p, "a state is either a choice or final, not both");
        return;
    }
    if (is_choice || is_final) {
        for (const char* key : {"exit", "task", "invoke", "timers", "on"}) {
            if (spec.contains(key))
                error(pointer_join(p, key), std::string("a ") + (is_choice ? "choice" : "final") +
                                                " state can't have \"" + key + "\"");
        }
    }
    if (auto it = spec.find("entry"); it != spec.end())
        state.entry = actions(*it, pointer_join(p, "entry"));
    if (auto it = spec.find("exit"); it != spec.end())
        state.exit = actions(*it, pointer_join(p, "exit"));
    if (is_final) {
        state.kind = State::Kind::final;
        if (check_name(spec["final"], pointer_join(p, "final"), "a final outcome"))
            state.outcome = spec["final"].get<std::string>();
        return;
    }
    if (is_choice) {
        state.kind = State::Kind::choice;
        const json& c = spec["choice"];
        const std::string cp = pointer_join(p, "choice");
        if (!c.is_array() || c.empty()) {
            error(cp, "choice must be a non-empty array of branches");
            return;
        }
        for (std::size_t i = 0; i < c.size(); ++i) {
            const std::string bp = pointer_join(cp, i);
            if (!c[i].is_object()) {
                error(bp, "a branch must be an object with a target and a guard");
                continue;
            }
            state.choice.push_back(transition(c[i], bp, false));
        }
        if (!state.choice.empty() && state.choice.back().guard)
            error(pointer_join(cp, c.size() - 1),
                  "the last branch of a choice must have no guard, so that the choice always has a "
                  "way out");
        for (std::size_t i = 0; i + 1 < state.choice.size(); ++i)
            if (!state.choice[i].guard)
                error(pointer_join(cp, i), "only the last branch of a choice may have no guard");
        return;
    }
    state.kind = State::Kind::wait;
    if (auto it = spec.find("task"); it != spec.end()) {
        state.task = task(*it, pointer_join(p, "task"));
        for (std::size_t i = 0; i < state.task->outcome_events.size(); ++i)
            raised_[state.task->outcome_events[i]].emplace_back(
                pointer_join(pointer_join(pointer_join(p, "task"), "outcomes"), i), state.name);
    }
    if (auto it = spec.find("invoke"); it != spec.end()) {
        state.invoke = invoke(*it, pointer_join(p, "invoke"));
        if (spec.contains("task"))
            error(pointer_join(p, "invoke"),
                  "a state waits on a task or on child workflows, not both");
        const std::string op = pointer_join(pointer_join(p, "invoke"), "outcomes");
        for (std::size_t i = 0; i < state.invoke->outcomes.size(); ++i) {
            const EventId e = intern_event(state.invoke->event_name(state.invoke->outcomes[i]));
            raised_[e].emplace_back(pointer_join(op, i), state.name);
        }
    }
    if (auto it = spec.find("timers"); it != spec.end())
        state.timers = timers(*it, pointer_join(p, "timers"), state.name);
    if (auto it = spec.find("on"); it != spec.end()) {
        const std::string op = pointer_join(p, "on");
        if (!it->is_object()) {
            error(op, "on must be an object: event name → transition");
            return;
        }
        for (auto e = it->begin(); e != it->end(); ++e) {
            const std::string ep = pointer_join(op, e.key());
            if (!check_name(e.key(), ep, "an event", true)) continue;
            const EventId id = intern_event(e.key());
            handlers_[&state - def_->states.data()].emplace_back(id, transitions(e.value(), ep));
        }
    }
}

void DefinitionBuilder::lint() {
    const std::size_t n = def_->states.size();
    // Reachability from the start state, through transitions and choice branches.
    std::vector<bool> reached(n, false);
    std::deque<StateId> queue{def_->start};
    reached[def_->start] = true;
    auto visit = [&](StateId s) {
        if (s != kNoState && !reached[s]) {
            reached[s] = true;
            queue.push_back(s);
        }
    };
    while (!queue.empty()) {
        const StateId s = queue.front();
        queue.pop_front();
        for (const auto& b : def_->states[s].choice) visit(b.target);
        for (const auto& [event, list] : handlers_[s])
            for (const auto& t : list) visit(t.target);
    }
    for (StateId s = 0; s < n; ++s) {
        const State& st = def_->states[s];
        if (!reached[s])
            warn(st.pointer,
                 "state " + quote_name(st.name) + " can never be reached from the start state");
        if (st.kind == State::Kind::wait) {
            bool way_out = false;
            for (const auto& [event, list] : handlers_[s])
                for (const auto& t : list) way_out |= t.target != kNoState && t.target != s;
            if (!way_out)
                warn(st.pointer, "state " + quote_name(st.name) +
                                     " is not final but has no transition out of it");
        }
        if (st.task && !st.task->due_after && !st.task->due_at && st.task->reminders.empty())
            warn(pointer_join(st.pointer, "task"),
                 "task has neither \"due\" nor \"remind\": nobody is chased if it stalls");
    }
    // Every raised event must be handled: task outcomes, timers and children in their own state,
    // emitted and declared events in some state.
    for (EventId e = 0; e < def_->event_names.size(); ++e) {
        for (const auto& [where, state] : raised_[e]) {
            bool handled = false;
            for (StateId s = 0; s < n && !handled; ++s) {
                if (!state.empty() && def_->states[s].name != state) continue;
                handled = def_->transitions(s, e) != nullptr;
            }
            if (!handled)
                warn(where,
                     "event " + quote_name(def_->event_names[e]) + " is raised here but " +
                         (state.empty() ? std::string("no state handles it")
                                        : "state " + quote_name(state) + " does not handle it"));
        }
    }
    if (catalog_) {
        for (const auto& [where, name] : started_workflows_)
            if (name != def_->name && !catalog_(name))
                warn(where, "unknown workflow " + quote_name(name));
    }
}

LoadResult DefinitionBuilder::build() {
    static const KeySet keys = {"$schema", "workflow", "version", "title", "description",
                                "data",    "events",   "on",      "start", "states"};
    if (!check_object(doc_, "", keys, "a workflow definition"))
        return {nullptr, std::move(diagnostics_)};
    Definition& def = *def_;
    def.source = doc_;
    def.ordered_source = std::move(ordered_);
    const std::string text = doc_.dump(-1, ' ', false, json::error_handler_t::replace);
    def.reads_instance_root = text.find("$instance") != std::string::npos;
    def.reads_actor_root = text.find("$actor") != std::string::npos;
    if (auto name = get_string(doc_, "", "workflow", true))
        if (check_name(*name, "/workflow", "the workflow name")) def.name = *name;
    if (auto it = doc_.find("version"); it == doc_.end())
        error("", "missing required key \"version\"");
    else if (!it->is_number_integer() || it->get<std::int64_t>() < 1 ||
             it->get<std::int64_t>() > 1'000'000)
        error("/version", "version must be a whole number ≥ 1");
    else
        def.version = it->get<int>();
    if (auto it = doc_.find("title"); it == doc_.end())
        error("", "missing required key \"title\"");
    else
        def.title = local_text(*it, "/title");
    if (auto d = doc_.find("description"); d != doc_.end()) def.description = local_text(*d, "/description");
    if (auto it = doc_.find("data"); it != doc_.end()) {
        std::vector<std::pair<std::string, std::string>> errors;
        if (!it->is_object())
            error("/data", "data must be an object schema");
        else
            def.data_schema = compile_field_schema(*it, "/data", false, errors);
        for (auto& [p, m] : errors) error(p, m);
    }
    def.data_schema.type = FieldSchema::Type::object;

    // States first, so that targets anywhere can be resolved.
    auto states = doc_.find("states");
    if (states == doc_.end() || !states->is_object() || states->empty()) {
        error(states == doc_.end() ? "" : "/states", states == doc_.end()
                                                         ? "missing required key \"states\""
                                                         : "states must be a non-empty object");
        return {nullptr, std::move(diagnostics_)};
    }
    if (states->size() >= kNoState) {
        error("/states", "too many states");
        return {nullptr, std::move(diagnostics_)};
    }
    for (auto it = states->begin(); it != states->end(); ++it) {
        const std::string p = pointer_join("/states", it.key());
        check_name(it.key(), p, "a state name");
        const auto id = static_cast<StateId>(def.states.size());
        def.state_ids_.emplace(it.key(), id);
        state_names_.push_back(it.key());
        State st;
        st.name = it.key();
        st.pointer = p;
        def.states.push_back(std::move(st));
    }
    handlers_.resize(def.states.size());
    if (auto it = doc_.find("start"); it == doc_.end())
        error("", "missing required key \"start\"");
    else if (StateId s = resolve_target(*it, "/start"); s != kNoState)
        def.start = s;

    if (auto it = doc_.find("events"); it != doc_.end()) {
        if (!it->is_object())
            error("/events", "events must be an object: event name → declaration");
        else
            for (auto e = it->begin(); e != it->end(); ++e) {
                const std::string ep = pointer_join("/events", e.key());
                if (!check_name(e.key(), ep, "an event", true)) continue;
                if (!check_object(e.value(), ep, {"title", "fields", "roles", "description"},
                                  "an event declaration"))
                    continue;
                EventDecl decl;
                if (auto t = e->find("title"); t != e->end())
                    decl.title = local_text(*t, pointer_join(ep, "title"));
                if (e->contains("fields"))
                    decl.fields = form((*e)["fields"], pointer_join(ep, "fields"));
                if (auto r = e->find("roles"); r != e->end()) {
                    if (!r->is_array() || r->empty())
                        error(pointer_join(ep, "roles"),
                              "roles must be a non-empty array of role names");
                    else
                        for (std::size_t k = 0; k < r->size(); ++k)
                            if (check_name((*r)[k], pointer_join(pointer_join(ep, "roles"), k),
                                           "a role"))
                                decl.roles.push_back((*r)[k].get<std::string>());
                }
                const EventId id = intern_event(e.key());
                def.event_decls[id] = std::move(decl);
                raised_[id].emplace_back(ep, "");
            }
    }
    {
        StateId s = 0;
        for (auto it = states->begin(); it != states->end(); ++it, ++s)
            compile_state(def.states[s], it.value());
    }

    // Transitions of the whole workflow: every wait state takes those it does not handle itself.
    if (auto it = doc_.find("on"); it != doc_.end()) {
        if (!it->is_object()) {
            error("/on", "on must be an object: event name → transition");
        } else {
            for (auto e = it->begin(); e != it->end(); ++e) {
                const std::string ep = pointer_join("/on", e.key());
                if (!check_name(e.key(), ep, "an event", true)) continue;
                const EventId id = intern_event(e.key());
                const std::vector<Transition> list = transitions(e.value(), ep);
                for (StateId s = 0; s < def.states.size(); ++s) {
                    if (def.states[s].kind != State::Kind::wait) continue;
                    auto& own = handlers_[s];
                    if (std::none_of(own.begin(), own.end(),
                                     [&](const auto& h) { return h.first == id; }))
                        own.emplace_back(id, list);
                }
            }
        }
    }

    // Events the workflow raises itself may not come from outside unless declared.
    def.internal_events.assign(def.event_names.size(), false);
    for (EventId e = 0; e < def.event_names.size(); ++e) {
        if (def.event_decls[e]) continue;
        const bool child_event = def.event_names[e].find('.') != std::string::npos;
        def.internal_events[e] = child_event || !raised_[e].empty();
    }

    for (const auto& s : def.states) {
        if (!s.task) continue;
        def.roles.push_back(s.task->role);
        def.roles.push_back(policy::lead_of(s.task->role));
        for (const auto& step : s.task->escalate) def.roles.push_back(step.role);
    }
    for (const auto& decl : def.event_decls)
        if (decl) def.roles.insert(def.roles.end(), decl->roles.begin(), decl->roles.end());
    std::sort(def.roles.begin(), def.roles.end());
    def.roles.erase(std::unique(def.roles.begin(), def.roles.end()), def.roles.end());

    // The dispatch table: (state, event) → transitions.
    const std::size_t events = def.event_names.size();
    def.table_.assign(def.states.size() * events, Definition::kNone);
    for (std::size_t s = 0; s < handlers_.size(); ++s) {
        for (auto& [event, list] : handlers_[s]) {
            def.table_[s * events + event] =
                static_cast<std::uint32_t>(def.transition_lists_.size());
            def.transition_lists_.push_back(list);
        }
    }
    const bool has_errors = std::any_of(diagnostics_.begin(), diagnostics_.end(),
                                        [](const Diagnostic& d) { return d.is_error(); });
    if (!has_errors) lint();
    std::stable_sort(
        diagnostics_.begin(), diagnostics_.end(),
        [](const Diagnostic& a, const Diagnostic& b) { return a.severity < b.severity; });
    return {has_errors ? nullptr : def_, std::move(diagnostics_)};
}

LoadResult load_definition(const json& document, const WorkflowCatalog& catalog) {
    // Without its text the author's order is gone: the document's own (sorted) order.
    return DefinitionBuilder(document, nlohmann::ordered_json(document), catalog).build();
}

LoadResult load_definition_text(std::string_view text, const WorkflowCatalog& catalog) {
    try {
        return DefinitionBuilder(json::parse(text), nlohmann::ordered_json::parse(text), catalog)
            .build();
    } catch (const json::parse_error& e) {
        // nlohmann reports a byte offset; people want a line and a column.
        const std::size_t offset = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
        std::size_t line = 1, column = 1;
        for (std::size_t i = 0; i < offset; ++i) {
            if (text[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        std::string what = e.what();
        if (auto pos = what.find("parse error"); pos != std::string::npos) what = what.substr(pos);
        return {nullptr,
                {{Diagnostic::Severity::error, "",
                  "malformed JSON at line " + std::to_string(line) + ", column " +
                      std::to_string(column) + ": " + what}}};
    }
}

// Definition lookups and small helpers.
std::optional<StateId> Definition::find_state(std::string_view state_name) const {
    auto it = state_ids_.find(state_name);
    if (it == state_ids_.end()) return std::nullopt;
    return it->second;
}

std::optional<EventId> Definition::find_event(std::string_view event_name) const {
    auto it = event_ids_.find(event_name);
    if (it == event_ids_.end()) return std::nullopt;
    return it->second;
}

int TaskSpec::outcome_index(std::string_view outcome) const {
    for (std::size_t i = 0; i < outcomes.size(); ++i)
        if (outcomes[i] == outcome) return static_cast<int>(i);
    return -1;
}

std::string InvokeSpec::event_name(std::string_view outcome) const {
    return workflow + "." + std::string(outcome);
}

}  // namespace accord::engine
