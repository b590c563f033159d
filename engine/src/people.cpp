// Profiles and units (people.hpp): reading them from JSON, member by member, and back.
#include "accord/engine/people.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "accord/engine/time.hpp"

namespace accord::engine {

bool is_name(std::string_view s) {
    if (s.empty() || s.size() > 64) return false;
    auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!lower_or_digit(s[0])) return false;
    return std::all_of(s.begin() + 1, s.end(), [&](char c) {
        return lower_or_digit(c) || c == '.' || c == '_' || c == '-';
    });
}

std::string_view to_string(EmailNotices notices) {
    switch (notices) {
        case EmailNotices::immediately:
            return "immediately";
        case EmailNotices::daily:
            return "daily";
        case EmailNotices::never:
            return "never";
    }
    return "immediately";
}

namespace {

Error refuse(std::string message, std::string pointer) {
    return make_error(ErrorCode::invalid_input, std::move(message), std::move(pointer));
}

// Text a person reads: no control characters, at most `max` bytes of UTF-8.
bool plain_text(const std::string& s, std::size_t max) {
    return s.size() <= max && std::none_of(s.begin(), s.end(), [](char c) {
               return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
           });
}

// An address as a mail server takes it: local@domain, the domain dotted, nothing odd.
bool is_email(const std::string& s) {
    const auto at = s.find('@');
    if (at == std::string::npos || at == 0 || s.find('@', at + 1) != std::string::npos ||
        s.size() > 254)
        return false;
    const std::string domain = s.substr(at + 1);
    if (domain.size() < 3 || domain.find('.') == std::string::npos || domain.front() == '.' ||
        domain.back() == '.')
        return false;
    return std::none_of(s.begin(), s.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '<' || c == '>' ||
               c == '"' || c == ',' || c == ';' || c == '\\';
    });
}

bool is_date(const json& j) {
    if (!j.is_string()) return false;
    const std::string& s = j.get_ref<const std::string&>();
    const auto parsed = parse_time(s);
    return s.size() == 10 && parsed && parsed->date_only && format_date(parsed->ms) == s;
}

Result<std::string> text_member(const json& value, const std::string& pointer, std::size_t max) {
    if (value.is_null()) return std::string();
    if (!value.is_string()) return refuse("must be a string", pointer);
    const auto& s = value.get_ref<const std::string&>();
    if (!plain_text(s, max))
        return refuse("at most " + std::to_string(max) + " bytes, without control characters",
                      pointer);
    return s;
}

Result<std::optional<Away>> away_member(const json& value) {
    if (value.is_null()) return std::optional<Away>();
    if (!value.is_object())
        return refuse("away is {\"from\", \"to\", \"deputy\"} or null", "/away");
    for (const auto& [key, _] : value.items())
        if (key != "from" && key != "to" && key != "deputy")
            return refuse("unknown member " + key + " (from, to, deputy)", "/away/" + key);
    Away away;
    for (const char* member : {"from", "to"}) {
        auto it = value.find(member);
        if (it == value.end() || !is_date(*it))
            return refuse(std::string(member) + " must be a date (YYYY-MM-DD)",
                          std::string("/away/") + member);
        (member[0] == 'f' ? away.from : away.to) = it->get<std::string>();
    }
    if (away.to < away.from) return refuse("to comes before from", "/away/to");
    auto deputy = value.find("deputy");
    if (deputy == value.end() || !deputy->is_string() || !is_name(deputy->get<std::string>()))
        return refuse("deputy must be a user's name", "/away/deputy");
    away.deputy = deputy->get<std::string>();
    return std::optional<Away>(std::move(away));
}

// Applies one member; `pointer` is "/<member>".
Result<void> apply(Profile& p, const std::string& key, const json& value, const std::string& pointer,
                   const ZoneCheck& known_zone) {
    const Profile defaults;
    if (key == "display_name") {
        auto r = text_member(value, pointer, 200);
        if (!r) return r.error();
        p.display_name = *r;
    } else if (key == "email") {
        auto r = text_member(value, pointer, 254);
        if (!r) return r.error();
        if (!r->empty() && !is_email(*r)) return refuse("not an e-mail address", pointer);
        p.email = *r;
    } else if (key == "language") {
        if (value.is_null()) {
            p.language = defaults.language;
        } else if (value != "en" && value != "ar") {
            return refuse("language is \"en\" or \"ar\"", pointer);
        } else {
            p.language = value.get<std::string>();
        }
    } else if (key == "time_zone") {
        if (value.is_null()) {
            p.time_zone = defaults.time_zone;
        } else if (!value.is_string() || !known_zone(value.get<std::string>())) {
            return refuse("time_zone must be an IANA time zone name such as Asia/Hebron", pointer);
        } else {
            p.time_zone = value.get<std::string>();
        }
    } else if (key == "units") {
        if (value.is_null()) {
            p.units.clear();
            return Ok{};
        }
        if (!value.is_array()) return refuse("units is a list of unit ids", pointer);
        std::set<std::string> units;
        for (std::size_t i = 0; i < value.size(); ++i) {
            if (!value[i].is_string() || !is_name(value[i].get<std::string>()))
                return refuse("a unit id", pointer + "/" + std::to_string(i));
            units.insert(value[i].get<std::string>());
        }
        p.units.assign(units.begin(), units.end());
    } else if (key == "email_notices") {
        if (value.is_null() || value == "immediately")
            p.email_notices = EmailNotices::immediately;
        else if (value == "daily")
            p.email_notices = EmailNotices::daily;
        else if (value == "never")
            p.email_notices = EmailNotices::never;
        else
            return refuse("email_notices is \"immediately\", \"daily\" or \"never\"", pointer);
    } else if (key == "digest_hour") {
        if (value.is_null()) {
            p.digest_hour = defaults.digest_hour;
        } else if (!value.is_number_integer() || value.get<int>() < 0 || value.get<int>() > 23) {
            return refuse("digest_hour is an hour, 0 to 23", pointer);
        } else {
            p.digest_hour = value.get<int>();
        }
    } else if (key == "email_role_tasks") {
        if (value.is_null()) {
            p.email_role_tasks = defaults.email_role_tasks;
        } else if (!value.is_boolean()) {
            return refuse("email_role_tasks is true or false", pointer);
        } else {
            p.email_role_tasks = value.get<bool>();
        }
    } else if (key == "away") {
        auto r = away_member(value);
        if (!r) return r.error();
        p.away = std::move(*r);
    } else {
        return refuse("unknown member " + key, pointer);
    }
    return Ok{};
}

bool self_may_change(const std::string& key) {
    return key == "language" || key == "time_zone" || key == "email_notices" ||
           key == "digest_hour" || key == "email_role_tasks" || key == "away";
}

}  // namespace

Result<Profile> patch_profile(Profile profile, const json& changes, ProfileEditor editor,
                              const ZoneCheck& known_zone) {
    if (!changes.is_object()) return refuse("the changes must be a JSON object", "");
    for (const auto& [key, value] : changes.items()) {
        const std::string pointer = "/" + key;
        if (editor == ProfileEditor::self && !self_may_change(key)) {
            const bool known = key == "display_name" || key == "email" || key == "units";
            return make_error(known ? ErrorCode::forbidden : ErrorCode::invalid_input,
                              known ? key + " is changed by an admin"
                                    : "unknown member " + key +
                                          " (language, time_zone, email_notices, digest_hour, "
                                          "email_role_tasks, away)",
                              pointer);
        }
        if (auto r = apply(profile, key, value, pointer, known_zone); !r) return r.error();
    }
    return profile;
}

json to_json(const Profile& p) {
    json j = {{"display_name", p.display_name},
              {"email", p.email.empty() ? json(nullptr) : json(p.email)},
              {"language", p.language},
              {"time_zone", p.time_zone},
              {"units", p.units},
              {"email_notices", to_string(p.email_notices)},
              {"digest_hour", p.digest_hour},
              {"email_role_tasks", p.email_role_tasks},
              {"away", nullptr}};
    if (p.away)
        j["away"] = {{"from", p.away->from}, {"to", p.away->to}, {"deputy", p.away->deputy}};
    return j;
}

Result<Profile> profile_from_json(const json& j) {
    // Stored zones were checked when they were set; a zone the database has since dropped
    // still reads back (and is treated as UTC by who cannot find it).
    return patch_profile(Profile{}, j, ProfileEditor::admin, [](std::string_view) { return true; });
}

json to_json(const Person& person) {
    json j = to_json(person.profile);
    j["name"] = person.name;
    j["roles"] = person.roles;
    j["created_at"] = person.created_at;
    j["revoked"] = person.revoked;
    j["has_password"] = person.has_password;
    return j;
}

bool away_on(const Profile& profile, std::string_view date) {
    return profile.away && profile.away->from <= date && date <= profile.away->to;
}

// ---------------------------------------------------------------------------------------------

Result<Units> Units::from_json(const json& list) {
    if (!list.is_array())
        return refuse("the units are a list of {\"id\", \"name\": {\"en\", \"ar\"}, \"parent\"}",
                      "");
    Units out;
    std::unordered_map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const json& u = list[i];
        const std::string at = "/" + std::to_string(i);
        if (!u.is_object()) return refuse("a unit is an object", at);
        for (const auto& [key, _] : u.items())
            if (key != "id" && key != "name" && key != "parent")
                return refuse("unknown member " + key + " (id, name, parent)", at + "/" + key);
        Unit unit;
        auto id = u.find("id");
        if (id == u.end() || !id->is_string() || !is_name(id->get<std::string>()))
            return refuse("id must be [a-z0-9][a-z0-9._-]{0,63}", at + "/id");
        unit.id = id->get<std::string>();
        if (!index.emplace(unit.id, i).second)
            return refuse("unit " + unit.id + " is listed twice", at + "/id");
        auto name = u.find("name");
        if (name == u.end() || !name->is_object())
            return refuse("name is {\"en\": ..., \"ar\": ...}", at + "/name");
        for (const auto& [key, _] : name->items())
            if (key != "en" && key != "ar")
                return refuse("unknown language " + key + " (en, ar)", at + "/name/" + key);
        for (const char* lang : {"en", "ar"}) {
            auto text = name->find(lang);
            if (text == name->end() || !text->is_string() || text->get<std::string>().empty() ||
                !plain_text(text->get<std::string>(), 200))
                return refuse("the unit's name in " + std::string(lang == std::string("en")
                                                                      ? "English"
                                                                      : "Arabic") +
                                  ": non-empty text of at most 200 bytes",
                              at + "/name/" + lang);
            (lang[0] == 'e' ? unit.name_en : unit.name_ar) = text->get<std::string>();
        }
        if (auto parent = u.find("parent"); parent != u.end() && !parent->is_null()) {
            if (!parent->is_string() || !is_name(parent->get<std::string>()))
                return refuse("parent is a unit id or null", at + "/parent");
            unit.parent = parent->get<std::string>();
        }
        out.units_.push_back(std::move(unit));
    }
    for (std::size_t i = 0; i < out.units_.size(); ++i) {
        const Unit& unit = out.units_[i];
        if (unit.parent.empty()) continue;
        if (!index.contains(unit.parent))
            return refuse("no unit " + unit.parent, "/" + std::to_string(i) + "/parent");
        // Climbing from the unit must reach a root within as many steps as there are units.
        std::string at = unit.parent;
        for (std::size_t steps = 0; !at.empty(); ++steps) {
            if (at == unit.id || steps > out.units_.size())
                return refuse("unit " + unit.id + " would be its own ancestor",
                              "/" + std::to_string(i) + "/parent");
            at = out.units_[index.at(at)].parent;
        }
    }
    return out;
}

json Units::to_json() const {
    json list = json::array();
    for (const auto& u : units_)
        list.push_back({{"id", u.id},
                        {"name", {{"en", u.name_en}, {"ar", u.name_ar}}},
                        {"parent", u.parent.empty() ? json(nullptr) : json(u.parent)}});
    return list;
}

const Unit* Units::find(std::string_view id) const {
    auto it = std::find_if(units_.begin(), units_.end(), [&](const Unit& u) { return u.id == id; });
    return it == units_.end() ? nullptr : &*it;
}

std::vector<std::string> Units::ancestors(std::string_view id) const {
    std::vector<std::string> out;
    const Unit* u = find(id);
    while (u != nullptr && !u->parent.empty() && out.size() < units_.size()) {
        out.push_back(u->parent);
        u = find(u->parent);
    }
    return out;
}

}  // namespace accord::engine
