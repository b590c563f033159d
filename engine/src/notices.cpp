// Notices (notices.hpp): which effects tell people, and whom they reach.
#include "accord/engine/notices.hpp"

#include <algorithm>
#include <map>
#include <type_traits>

namespace accord::engine {

std::optional<Notice> notice_of(const Effect& effect, const Instance& inst) {
    // Asked of every effect of every commit: a Notice (and its strings) is made only for the
    // effects that tell someone.
    const auto notice = [&inst] {
        Notice n;
        n.instance = inst.id;
        n.workflow = inst.workflow;
        n.at = inst.updated_at;
        return n;
    };
    return std::visit(
        [&](const auto& e) -> std::optional<Notice> {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, Notification>) {
                Notice n = notice();
                n.kind = e.kind;
                n.people = e.people;
                n.roles = e.roles;
                n.units = e.units;
                n.subject = e.subject;
                n.message = e.message;
                n.task = e.task_id;
                if (const Task* t = inst.find_task(e.task_id)) n.task_title = t->title;
                return n;
            } else if constexpr (std::is_same_v<T, TaskOpened>) {
                // A task for a named person tells them; a role's task waits in the role's queue.
                if (e.task.assignee.empty()) return std::nullopt;
                Notice n = notice();
                n.kind = "task.assigned";
                n.people = {e.task.assignee};
                n.task = e.task.id;
                n.task_title = e.task.title;
                n.subject = notice_text(n.kind, e.task.title);
                return n;
            } else if constexpr (std::is_same_v<T, TaskReassigned>) {
                if (e.to.empty() || e.to == e.by) return std::nullopt;  // to a queue, or taken
                Notice n = notice();
                n.kind = "task.assigned";
                n.people = {e.to};
                n.task = e.task_id;
                if (const Task* t = inst.find_task(e.task_id)) n.task_title = t->title;
                n.subject = notice_text(n.kind, n.task_title);
                return n;
            } else {
                return std::nullopt;
            }
        },
        effect);
}

Text notice_text(std::string_view kind, const Text& task_title) {
    struct Words {
        std::string_view kind, en, ar;
    };
    static constexpr Words kWords[] = {
        {"reminder", "Reminder: ", "تذكير: "},
        {"overdue", "Overdue: ", "مهمة متأخرة: "},
        {"escalation", "Escalated to you: ", "مهمة مُصعَّدة إليك: "},
        {"task.assigned", "New task: ", "مهمة جديدة: "},
    };
    Words words{kind, "", ""};
    for (const auto& w : kWords)
        if (w.kind == kind) words = w;
    std::vector<std::string> languages = {"en", "ar"};
    for (const auto& [lang, s] : task_title.entries())
        if (!lang.empty() && std::find(languages.begin(), languages.end(), lang) == languages.end())
            languages.push_back(lang);
    Text out;
    for (const auto& lang : languages)
        out.add(lang, std::string(lang == "ar" ? words.ar : words.en) + task_title.in(lang));
    return out;
}

json to_json(const Notice& n) {
    json j = {{"kind", n.kind}, {"instance", n.instance}, {"workflow", n.workflow}};
    if (n.at != 0) j["at"] = n.at;
    if (!n.task.empty()) j["task"] = n.task;
    if (!n.task_title.empty()) j["task_title"] = n.task_title.to_json();
    if (!n.people.empty()) j["people"] = n.people;
    if (!n.roles.empty()) j["roles"] = n.roles;
    if (!n.units.empty()) j["units"] = n.units;
    j["subject"] = n.subject.to_json();
    if (!n.message.empty()) j["message"] = n.message.to_json();
    return j;
}

Result<Notice> notice_from_json(const json& j) {
    if (!j.is_object()) return make_error(ErrorCode::invalid_input, "a notice is an object");
    Notice n;
    auto local = [&](const char* key, Text& out) -> bool {
        auto it = j.find(key);
        if (it == j.end()) return true;
        auto t = Text::from_json(*it);
        if (!t) return false;
        out = std::move(*t);
        return true;
    };
    auto text = [&](const char* key, std::string& out, bool required) -> bool {
        auto it = j.find(key);
        if (it == j.end()) return !required;
        if (!it->is_string()) return false;
        out = it->get<std::string>();
        return !required || !out.empty();
    };
    auto names = [&](const char* key, std::vector<std::string>& out) -> bool {
        auto it = j.find(key);
        if (it == j.end()) return true;
        if (!it->is_array()) return false;
        for (const auto& x : *it) {
            if (!x.is_string()) return false;
            out.push_back(x.get<std::string>());
        }
        return true;
    };
    for (const char* key : {"kind", "instance"})
        if (!text(key, key[0] == 'k' ? n.kind : n.instance, true))
            return make_error(ErrorCode::invalid_input,
                              std::string("a notice needs a string \"") + key + "\"");
    if (!text("workflow", n.workflow, false) || !text("task", n.task, false) ||
        !local("task_title", n.task_title) || !local("subject", n.subject) ||
        !local("message", n.message) || !names("people", n.people) ||
        !names("roles", n.roles) || !names("units", n.units))
        return make_error(ErrorCode::invalid_input, "a notice member has the wrong type");
    if (auto at = j.find("at"); at != j.end()) {
        if (!at->is_number_integer())
            return make_error(ErrorCode::invalid_input, "a notice's \"at\" is a time in ms");
        n.at = at->get<TimeMs>();
    }
    // A notify from before "kind" existed.
    if (n.kind.empty()) n.kind = "notify";
    return n;
}

std::vector<Recipient> recipients(const Notice& notice, const Directory& directory, TimeMs now) {
    // person -> (whom they stand in for, named personally)
    std::map<std::string, std::pair<std::string, bool>> reached;
    auto add = [&](const std::vector<std::string>& people) {
        for (const auto& p : people)
            if (!p.empty()) reached[p];
    };
    for (const auto& p : notice.people)
        if (!p.empty()) reached[p].second = true;
    if (notice.roles.empty()) {
        for (const auto& unit : notice.units) add(directory.members("", unit));
    } else {
        for (const auto& role : notice.roles) {
            if (notice.units.empty()) add(directory.members(role, ""));
            for (const auto& unit : notice.units) add(directory.members(role, unit));
        }
    }
    // The deputies of those away, unless the notice reaches them in their own right.
    std::vector<std::pair<std::string, std::pair<std::string, bool>>> deputies;
    for (const auto& [person, how] : reached) {
        std::string deputy = directory.deputy_of(person, now);
        if (!deputy.empty() && deputy != person)
            deputies.emplace_back(std::move(deputy), std::make_pair(person, how.second));
    }
    for (auto& [deputy, how] : deputies) reached.emplace(std::move(deputy), std::move(how));
    std::vector<Recipient> out;
    out.reserve(reached.size());
    for (auto& [person, how] : reached) out.push_back({person, how.first, how.second});
    return out;
}

}  // namespace accord::engine
