// People and their organisation as plain values: a person's profile (how to reach them, in
// which language and time zone, whether they are away and who stands in for them) and the tree
// of organisational units. Each is read from JSON with every refusal at its JSON Pointer, and
// written back to JSON. No storage and no clock: who checks a time zone name passes it in.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "accord/engine/result.hpp"

namespace accord::engine {

using json = nlohmann::json;

// A user's name and a unit's id: [a-z0-9][a-z0-9._-]{0,63}.
bool is_name(std::string_view text);

enum class EmailNotices { immediately, daily, never };
std::string_view to_string(EmailNotices notices);

// Leave: from and to are dates ("YYYY-MM-DD", both days included) in the person's time zone;
// the deputy acts for them meanwhile.
struct Away {
    std::string from, to;
    std::string deputy;

    bool operator==(const Away&) const = default;
};

struct Profile {
    std::string display_name;  // any script; empty: the name is shown
    std::string email;         // empty: no e-mail
    std::string language = "en";
    std::string time_zone = "UTC";   // an IANA name
    std::vector<std::string> units;  // sorted, deduplicated
    EmailNotices email_notices = EmailNotices::immediately;
    int digest_hour = 8;  // local hour of a daily digest, 0-23
    bool email_role_tasks = false;
    std::optional<Away> away;

    bool operator==(const Profile&) const = default;
};

// Who changes a profile: a person may change their language, time zone, e-mail notices and
// away; an admin (or accordctl) any member.
enum class ProfileEditor { self, admin };

// Whether a time zone name is known (the adapters ask their time zone database).
using ZoneCheck = std::function<bool(std::string_view zone)>;

// `changes` applied to `profile` as a JSON merge patch would be: members absent stay, null
// clears (away, email, display_name; others go back to their default). Refused, with nothing
// changed, when `changes` is not an object, names a member unknown or not the editor's to
// change, or holds a bad value: invalid_input at "/<member>" (or deeper).
Result<Profile> patch_profile(Profile profile, const json& changes, ProfileEditor editor,
                              const ZoneCheck& known_zone);
json to_json(const Profile& profile);
// The storage form back (every member optional); refused as patch_profile would.
Result<Profile> profile_from_json(const json& j);

// Whether `profile` is away on `date` ("YYYY-MM-DD", the date in their time zone).
bool away_on(const Profile& profile, std::string_view date);

// A user as stored: a person or a program, their roles and profile.
struct Person {
    std::string name;  // is_name()
    // Each [a-z0-9][a-z0-9_-]{0,63}; at least one, deduplicated, sorted.
    std::vector<std::string> roles;
    std::int64_t created_at = 0;  // ms
    bool revoked = false;
    Profile profile;
    bool has_password = false;

    bool operator==(const Person&) const = default;
};
json to_json(const Person& person);  // the profile, "name", "roles", "created_at", "revoked", "has_password"

// Failed sign-ins so far, per name and per address, and when the latest was (ms, 0: none).
struct SignInFailures {
    std::int64_t name_count = 0, address_count = 0;
    std::int64_t name_last = 0, address_last = 0;
};

// A page of the audit, newest first: entries are JSON {"id", "at", "by", "action", "target",
// "detail"}; `next` is the cursor of the following page (empty: none).
struct AuditPage {
    std::vector<json> entries;
    std::string next;
};

// One organisational unit: a faculty, a department, an office.
struct Unit {
    std::string id;
    std::string name_en, name_ar;
    std::string parent;  // empty: a root

    bool operator==(const Unit&) const = default;
};

// The organisation as a tree (a forest: several roots are allowed).
class Units {
public:
    // From `[{"id", "name": {"en", "ar"}, "parent"}...]`: ids unique names (is_name), both
    // names non-empty, every parent among the ids, no cycle. invalid_input at "/<i>/...".
    static Result<Units> from_json(const json& list);
    json to_json() const;  // in the order given

    const Unit* find(std::string_view id) const;
    bool contains(std::string_view id) const { return find(id) != nullptr; }
    // The unit's parent, its parent's parent and so on to the root; empty for a root or an
    // unknown id.
    std::vector<std::string> ancestors(std::string_view id) const;
    const std::vector<Unit>& all() const { return units_; }
    bool empty() const { return units_.empty(); }

private:
    std::vector<Unit> units_;
};

// What the interpreter asks of the organisation when a task names a unit (a runtime's snapshot
// of its people and units; none: the task is offered in the unit it names).
class Directory {
public:
    virtual ~Directory() = default;
    // Where a task of `role` for `unit` is offered: `unit` itself when someone there holds the
    // role, else the nearest of its ancestors where someone does; empty when nobody in its line
    // does (the task then goes to the role at large).
    virtual std::string offer_unit(std::string_view role, std::string_view unit) const = 0;
    // Who stands in for `person` at `now` (empty: nobody; they are not away).
    virtual std::string deputy_of(std::string_view /*person*/, std::int64_t /*now*/) const {
        return {};
    }
    // The people who hold `role` (empty: any role) and belong to `unit` or a unit under it
    // (empty: anywhere), sorted. Used for notices.
    virtual std::vector<std::string> members(std::string_view /*role*/,
                                             std::string_view /*unit*/) const {
        return {};
    }
    // A person's record (their profile: e-mail, language, notices); nullptr if unknown.
    virtual const Person* person(std::string_view /*name*/) const { return nullptr; }
};

}  // namespace accord::engine
