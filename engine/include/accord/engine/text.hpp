// Text for people in one language or several. Wherever a definition holds text for people
// (titles, descriptions, field titles and help, notify subjects and messages, outcome labels,
// event titles) it is a string or an object of language tags ({"en": "Approve", "ar": "موافقة"});
// a reader is given their language's, English when the text lacks it, else the first it has.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "accord/engine/json_text.hpp"
#include "accord/engine/template.hpp"

namespace accord::engine {

// A language tag as texts use it: "en", "ar", "fr", "pt-br" (2-3 lowercase letters, and a
// subtag of 2-8 letters or digits after a hyphen).
bool is_language_tag(std::string_view tag);

class Text {
public:
    Text() = default;
    Text(std::string plain);  // NOLINT: a plain string is a text in no language in particular
    Text(const char* plain) : Text(std::string(plain)) {}

    // A string, or an object of language tag → string with at least one member. nullopt for
    // anything else.
    static std::optional<Text> from_json(const json& j);
    json to_json() const;  // a string when plain, else the object

    // In `language`; English when it lacks it; else its first.
    const std::string& in(std::string_view language) const;
    // The text a reader without a language gets: English, else the first.
    const std::string& text() const { return in("en"); }
    bool empty() const { return entries().empty() || text().empty(); }
    bool plain() const {
        const Entries& e = entries();
        return e.size() <= 1 && (e.empty() || e[0].first.empty());
    }
    // (language, text); a plain text's one entry has the language "".
    using Entries = std::vector<std::pair<std::string, std::string>>;
    const Entries& entries() const { return p_ ? *p_ : none(); }
    void add(std::string language, std::string text);

    // Each entry with `before` prepended, in its own language (`before(language)`).
    template <typename F>
    Text prefixed(F&& before) const {
        Text out;
        for (const auto& [lang, s] : entries()) out.add(lang, before(lang) + s);
        return out;
    }

    // Plain texts compare by their string (no text and "" are the same); others entry by entry.
    bool operator==(const Text& other) const {
        if (plain() && other.plain()) return text() == other.text();
        return entries() == other.entries();
    }

private:
    static const Entries& none();
    Entries& mutable_entries();  // this text's own (copied first if another shares them)
    // Shared between copies until one of them changes (a task's texts are copied with it on
    // every step).
    std::shared_ptr<Entries> p_;
};

// A Text whose entries are templates ("Review {{partner.name}}"), rendered into a Text.
class TextTemplate {
public:
    // From a string or a language object: errors as Template::parse's, at the entry's pointer;
    // invalid_definition when `j` is neither or an object with a key that is no language tag.
    // With the workflow's data schema, members with labels render by their label in each
    // entry's language (Template::parse).
    static Result<TextTemplate> parse(const json& j, const std::string& pointer,
                                      const FieldSchema* data = nullptr);

    Text render(const json& data, const logic::Context& ctx) const;
    bool empty() const { return entries_.empty(); }

private:
    std::vector<std::pair<std::string, Template>> entries_;
};

// A member holding `t`: a string when plain, else the language object.
void write_text(JsonWriter& w, JsonKey key, const Text& t);

// A text as stored in JSON (a string or a language object) in `language`; "" for anything else.
std::string text_in(const json& text, std::string_view language);

// `doc` with every text for people in `language`: each member named title, description, help,
// subject, message or label whose value is a language object becomes that language's string,
// and so do the values of a "labels" object. Used for definitions' forms and labels.
json localized(json doc, std::string_view language);
nlohmann::ordered_json localized(nlohmann::ordered_json doc, std::string_view language);

}  // namespace accord::engine
