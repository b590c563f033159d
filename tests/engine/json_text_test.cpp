// json_text writes exactly what nlohmann's compact dump (with replacement of invalid UTF-8)
// writes: for every shipped workflow, for escapes and control characters, for text beyond
// ASCII and invalid bytes, for numbers of every kind, and for many random documents.
#include "accord/engine/json_text.hpp"

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace accord::engine {
namespace {

using json = nlohmann::json;

std::string reference(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

TEST(JsonText, WritesTheShippedWorkflowsAsNlohmannDoes) {
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(ACCORD_SOURCE_DIR "/workflows")) {
        std::ifstream in(entry.path());
        const json doc = json::parse(in);
        EXPECT_EQ(json_text(doc), reference(doc)) << entry.path();
        ++files;
    }
    EXPECT_GE(files, 6);
}

TEST(JsonText, EscapesQuotesBackslashesAndControlCharacters) {
    std::string all_controls;
    for (int c = 0; c < 0x20; ++c) all_controls += static_cast<char>(c);
    for (const json& j :
         {json("plain"), json("quote \" and \\ backslash"), json(all_controls), json("\x7f delete"),
          json(std::string("nul\0inside", 10)), json::object({{"k\"ey", "v\nalue"}}), json("")})
        EXPECT_EQ(json_text(j), reference(j)) << reference(j);
}

TEST(JsonText, LeavesTextBeyondAsciiAndInvalidBytesToNlohmann) {
    for (const json& j :
         {json("Universidad de Málaga"), json("日本語 ✓"), json("bad \xff\xfe bytes"),
          json("cut \xe2\x82"), json::array({"ok", "\xc3\x28"})})
        EXPECT_EQ(json_text(j), reference(j)) << reference(j);
}

TEST(JsonText, FindsEveryEscapeWhereverItFallsInABlockOfSixteenOrEightBytes) {
    // The scan looks at sixteen bytes at a time (SSE2), then eight, then one: a character that
    // needs an escape, or a byte beyond ASCII, at each position of strings up to five words
    // long, and next to others.
    const std::vector<std::string> specials = {"\"", "\\",   "\n",       "\x01", "\x1f",
                                               " ",  "\x7f", "\xc3\xa9", "\xff", "\xe2\x82\xac"};
    int checked = 0;
    for (std::size_t len = 0; len <= 40; ++len)
        for (std::size_t at = 0; at <= len; ++at)
            for (const auto& c : specials) {
                std::string s(len, 'a');
                s.insert(at, c);
                if (at + 3 < s.size()) s.insert(at + 3, "\"");
                const json j(s);
                ASSERT_EQ(json_text(j), reference(j)) << reference(j);
                // The writer's own test of a value (one append when it is plain).
                std::string out;
                JsonWriter(out).object().str("k", s).end_object();
                ASSERT_EQ(out, "{\"k\":" + reference(j) + "}");
                ++checked;
            }
    EXPECT_GT(checked, 8000);
}

TEST(JsonText, TheWriterPlacesCommasAndWritesEachKindOfValue) {
    std::string out;
    JsonWriter w(out);
    w.object().str("a", "x\"y").num("n", -3).num("u", std::uint64_t{18446744073709551615ULL});
    w.flag("t", true).json("j", json::array({1, "two"})).key("list").array();
    w.string("p").integer(2).boolean(false).object().end_object().array().end_array();
    w.end_array().key("o").object().str("k", "v").end_object().end_object();
    EXPECT_EQ(out, R"({"a":"x\"y","n":-3,"u":18446744073709551615,"t":true,"j":[1,"two"],)"
                   R"("list":["p",2,false,{},[]],"o":{"k":"v"}})");
    EXPECT_TRUE(json::accept(out));
}

// A member is gathered into one append when its value is short and plain; longer values, and
// values with escapes or text beyond ASCII, take the general path. Both write nlohmann's text.
TEST(JsonText, TheWriterWritesShortLongPlainAndEscapedMembersAlike) {
    const std::string longest_key(48, 'k');
    const std::vector<std::string> values = {"",
                                             "plain",
                                             std::string(75, 'x'),
                                             std::string(76, 'y'),
                                             std::string(300, 'z'),
                                             "tab\there",
                                             "caf\xc3\xa9",
                                             "bad \xff byte",
                                             std::string(70, 'q') + "\"",
                                             "\x01"};
    for (const auto& v : values) {
        std::string out;
        JsonWriter w(out);
        w.object()
            .num("first", 1)
            .str("a", v)
            .str("kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk", v);
        w.num("n", std::int64_t{-9223372036854775807LL - 1}).end_object();
        const json expected = {{"first", 1},
                               {"a", v},
                               {longest_key, v},
                               {"n", std::int64_t{-9223372036854775807LL - 1}}};
        std::string reference_text = expected.dump(-1, ' ', false, json::error_handler_t::replace);
        // Same members; nlohmann sorts keys, so compare values member by member.
        const json back = json::parse(out, nullptr, false);
        ASSERT_TRUE(back.is_object()) << out;
        EXPECT_EQ(back, json::parse(reference_text)) << out;
        EXPECT_NE(out.find("\"a\":" + json(v).dump(-1, ' ', false, json::error_handler_t::replace)),
                  std::string::npos)
            << out;
    }
}

TEST(JsonText, WritesNumbersAsNlohmannDoes) {
    for (const json& j :
         {json(0), json(-1), json(INT64_MIN), json(INT64_MAX), json(UINT64_MAX), json(1.5),
          json(-0.0), json(1e300), json(0.1), json(3.0), json(true), json(false), json(nullptr),
          json::array(), json::object(), json(std::nan(""))})
        EXPECT_EQ(json_text(j), reference(j)) << reference(j);
}

json random_value(std::mt19937& rng, int depth) {
    std::uniform_int_distribution<int> kind(0, depth > 3 ? 5 : 7);
    auto text = [&] {
        static const std::string alphabet = std::string("abc \"\\/\n\t\x01\x1f") + "é✓\xff";
        std::string s;
        for (int i = std::uniform_int_distribution<int>(0, 12)(rng); i > 0; --i)
            s += alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(rng)];
        return s;
    };
    switch (kind(rng)) {
        case 0:
            return nullptr;
        case 1:
            return std::uniform_int_distribution<int>(0, 1)(rng) == 1;
        case 2:
            return std::uniform_int_distribution<std::int64_t>(INT64_MIN, INT64_MAX)(rng);
        case 3:
            return std::uniform_real_distribution<double>(-1e6, 1e6)(rng);
        case 4:
        case 5:
            return text();
        case 6: {
            json a = json::array();
            for (int i = std::uniform_int_distribution<int>(0, 4)(rng); i > 0; --i)
                a.push_back(random_value(rng, depth + 1));
            return a;
        }
        default: {
            json o = json::object();
            for (int i = std::uniform_int_distribution<int>(0, 4)(rng); i > 0; --i)
                o[text()] = random_value(rng, depth + 1);
            return o;
        }
    }
}

TEST(JsonText, AgreesWithNlohmannOnRandomDocuments) {
    std::mt19937 rng(20261201);
    for (int i = 0; i < 5000; ++i) {
        const json j = random_value(rng, 0);
        ASSERT_EQ(json_text(j), reference(j)) << "document " << i;
    }
}

}  // namespace
}  // namespace accord::engine
