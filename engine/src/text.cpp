// Text in several languages (text.hpp).
#include "accord/engine/text.hpp"

#include <algorithm>
#include <array>

#include "pointer.hpp"

namespace accord::engine {

namespace {

bool lower(char c) { return c >= 'a' && c <= 'z'; }

const std::string& empty_string() {
    static const std::string none;
    return none;
}

}  // namespace

bool is_language_tag(std::string_view tag) {
    const auto dash = tag.find('-');
    const std::string_view primary = tag.substr(0, dash);
    if (primary.size() < 2 || primary.size() > 3 || !std::all_of(primary.begin(), primary.end(), lower))
        return false;
    if (dash == std::string_view::npos) return true;
    const std::string_view sub = tag.substr(dash + 1);
    return sub.size() >= 2 && sub.size() <= 8 && std::all_of(sub.begin(), sub.end(), [](char c) {
               return lower(c) || (c >= '0' && c <= '9');
           });
}

Text::Text(std::string plain) {
    mutable_entries().emplace_back(std::string(), std::move(plain));
}

const Text::Entries& Text::none() {
    static const Entries kNone;
    return kNone;
}

Text::Entries& Text::mutable_entries() {
    if (!p_)
        p_ = std::make_shared<Entries>();
    else if (p_.use_count() > 1)
        p_ = std::make_shared<Entries>(*p_);
    return *p_;
}

void Text::add(std::string language, std::string text) {
    Entries& entries = mutable_entries();
    for (auto& [lang, s] : entries)
        if (lang == language) {
            s = std::move(text);
            return;
        }
    entries.emplace_back(std::move(language), std::move(text));
}

std::optional<Text> Text::from_json(const json& j) {
    if (j.is_string()) return Text(j.get<std::string>());
    if (!j.is_object() || j.empty()) return std::nullopt;
    Text t;
    for (auto it = j.begin(); it != j.end(); ++it) {
        if (!is_language_tag(it.key()) || !it->is_string()) return std::nullopt;
        t.mutable_entries().emplace_back(it.key(), it->get<std::string>());
    }
    return t;
}

json Text::to_json() const {
    const Entries& entries = this->entries();
    if (plain()) return entries.empty() ? json("") : json(entries[0].second);
    json j = json::object();
    for (const auto& [lang, s] : entries) j[lang] = s;
    return j;
}

const std::string& Text::in(std::string_view language) const {
    const Entries& entries_ = entries();
    if (entries_.empty()) return empty_string();
    for (const auto& [lang, s] : entries_)
        if (lang == language) return s;
    // "pt-br" falls back to "pt" before English.
    if (const auto dash = language.find('-'); dash != std::string_view::npos)
        for (const auto& [lang, s] : entries_)
            if (lang == language.substr(0, dash)) return s;
    for (const auto& [lang, s] : entries_)
        if (lang == "en") return s;
    return entries_.front().second;
}

Result<TextTemplate> TextTemplate::parse(const json& j, const std::string& pointer,
                                         const FieldSchema* data) {
    TextTemplate out;
    if (j.is_string()) {
        auto t = Template::parse(j.get<std::string>(), pointer, data);
        if (!t) return t.error();
        out.entries_.emplace_back(std::string(), std::move(t).value());
        return out;
    }
    if (!j.is_object() || j.empty())
        return make_error(ErrorCode::invalid_definition,
                          "must be a string, or an object of language → string such as "
                          "{\"en\": \"...\", \"ar\": \"...\"}",
                          pointer);
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string p = pointer_join(pointer, it.key());
        if (!is_language_tag(it.key()))
            return make_error(ErrorCode::invalid_definition,
                              "\"" + it.key() + "\" is not a language tag (such as en, ar)", p);
        if (!it->is_string())
            return make_error(ErrorCode::invalid_definition, "must be a string", p);
        auto t = Template::parse(it->get<std::string>(), p, data, it.key());
        if (!t) return t.error();
        out.entries_.emplace_back(it.key(), std::move(t).value());
    }
    return out;
}

Text TextTemplate::render(const json& data, const logic::Context& ctx) const {
    Text out;
    for (const auto& [lang, t] : entries_) out.add(lang, t.render(data, ctx));
    return out;
}

void write_text(JsonWriter& w, JsonKey key, const Text& t) {
    if (t.plain()) {
        w.str(key, t.text());
        return;
    }
    // The object to_json() gives, written straight (this is on every commit's path): its
    // members in the order of their keys, as nlohmann writes an object.
    const auto& entries = t.entries();
    std::array<std::size_t, 8> order{};
    const std::size_t n = entries.size();
    if (n > order.size()) {
        w.json(key, t.to_json());
        return;
    }
    for (std::size_t i = 0; i < n; ++i) order[i] = i;
    std::sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n),
              [&](std::size_t a, std::size_t b) { return entries[a].first < entries[b].first; });
    w.key(key).object();
    for (std::size_t i = 0; i < n; ++i) w.member(entries[order[i]].first, entries[order[i]].second);
    w.end_object();
}

std::string text_in(const json& text, std::string_view language) {
    if (text.is_string()) return text.get<std::string>();
    auto t = Text::from_json(text);
    return t ? t->in(language) : std::string();
}

namespace {

std::optional<Text> text_of(const json& j) {
    return Text::from_json(j);
}
std::optional<Text> text_of(const nlohmann::ordered_json& j) {
    // Texts are small objects of language → string; their order does not matter.
    return j.is_object() || j.is_string() ? Text::from_json(json(j)) : std::nullopt;
}

template <typename J>
J localized_doc(J doc, std::string_view language) {
    static constexpr std::array<std::string_view, 6> kTexts = {"title",   "description", "help",
                                                               "subject", "message",     "label"};
    if (doc.is_array()) {
        for (auto& x : doc) x = localized_doc(std::move(x), language);
        return doc;
    }
    if (!doc.is_object()) return doc;
    for (auto it = doc.begin(); it != doc.end(); ++it) {
        const bool text = std::find(kTexts.begin(), kTexts.end(), it.key()) != kTexts.end();
        if (text && it->is_object()) {
            if (auto t = text_of(*it)) {
                *it = t->in(language);
                continue;
            }
        }
        if (it.key() == "labels" && it->is_object()) {
            for (auto& label : *it)
                if (auto t = text_of(label)) label = t->in(language);
            continue;
        }
        *it = localized_doc(std::move(*it), language);
    }
    return doc;
}

}  // namespace

json localized(json doc, std::string_view language) {
    return localized_doc(std::move(doc), language);
}

nlohmann::ordered_json localized(nlohmann::ordered_json doc, std::string_view language) {
    return localized_doc(std::move(doc), language);
}

}  // namespace accord::engine
