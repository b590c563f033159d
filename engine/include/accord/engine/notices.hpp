// Notices: what a step tells people (a workflow's `notify`, a task's reminder, a task fallen
// overdue, an escalation, a task given to someone personally) and whom each one reaches. The
// organisation is asked through engine::Directory (who holds a role, who belongs to a unit, who
// stands in for whom); no storage and no clock.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "accord/engine/instance.hpp"
#include "accord/engine/interpreter.hpp"
#include "accord/engine/people.hpp"
#include "accord/engine/result.hpp"

namespace accord::engine {

struct Notice {
    // "notify", "reminder", "overdue", "escalation" (Notification::kind) or "task.assigned".
    std::string kind;
    std::string instance, workflow;
    TimeMs at = 0;           // the step's time (the instance's clock)
    std::string task;        // the task it is about; empty: none
    Text task_title;         // as the task has it
    // Whom it names: people, the holders of roles, the members of units (with roles: the
    // roles' holders in those units).
    std::vector<std::string> people, roles, units;
    // A workflow's notify: its texts; the others: the engine's, in English and Arabic.
    Text subject, message;
};

// The notice one effect of a step on `inst` makes, if any: a Notification, a task opened for a
// named person, a task reassigned to one.
std::optional<Notice> notice_of(const Effect& effect, const Instance& inst);

json to_json(const Notice& notice);
// Back from to_json; invalid_input when "kind" or "instance" is missing or a member has the
// wrong type.
Result<Notice> notice_from_json(const json& j);

// The subject of a notice the engine sends about a task ("reminder", "overdue", "escalation",
// "task.assigned"), in English and Arabic and any other language the title has (those with
// the English words): "Reminder: <title>", "تذكير: <title>".
Text notice_text(std::string_view kind, const Text& task_title);

// One person a notice reaches; `for_person` names the away person they stand in for.
struct Recipient {
    std::string person;
    std::string for_person;
    // Named by the notice, or the deputy of one named: theirs personally, not their role's.
    bool personal = false;

    bool operator==(const Recipient&) const = default;
};

// Everyone `notice` reaches at `now`, each once, sorted by name: the people it names, the
// holders of its roles (within its units when it names both), the members of its units (when
// it names no role), and the deputy of each who is away (unless reached in their own right).
std::vector<Recipient> recipients(const Notice& notice, const Directory& directory, TimeMs now);

}  // namespace accord::engine
