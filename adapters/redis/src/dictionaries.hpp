// Internal: a zstd dictionary per definition version, learned from that version's first records
// in the keyspace (documents, history entries, feed entries). The records of one workflow repeat
// each other's keys, names, titles and texts, which a record of a kilobyte or two cannot exploit
// alone: with a dictionary made of its siblings it compresses several times smaller, which is
// what Redis stores, reads, writes to its AOF and rewrites (docs/redis-layout.md, Compression).
//
// A dictionary is identified by the ID in its header, which zstd writes into every frame made
// with it, so a reader finds it from the frame alone. Thread safety: none; one per store.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

struct ZSTD_CDict_s;
struct ZSTD_DDict_s;

namespace accord::redis {

class Dictionary {
public:
    // A dictionary from its bytes (the zstd dictionary format, with its ID), ready to compress
    // at `level` and to decompress; null if the bytes are not such a dictionary.
    static std::shared_ptr<const Dictionary> make(std::string bytes, int level);
    ~Dictionary();
    Dictionary(const Dictionary&) = delete;
    Dictionary& operator=(const Dictionary&) = delete;

    unsigned id() const { return id_; }
    const std::string& bytes() const { return bytes_; }
    const ZSTD_CDict_s* compression() const { return cdict_; }
    const ZSTD_DDict_s* decompression() const { return ddict_; }

private:
    Dictionary() = default;
    unsigned id_ = 0;
    std::string bytes_;
    ZSTD_CDict_s* cdict_ = nullptr;
    ZSTD_DDict_s* ddict_ = nullptr;
};

// The ID in a dictionary's header; 0 if `bytes` is no zstd dictionary.
unsigned dictionary_id(std::string_view bytes);

// The ID of the dictionary `record` was compressed with: 0 for JSON text, a frame made without
// one, or anything else. A stored instance ("<revision> <head> <document>") counts as its
// document.
unsigned dictionary_of(std::string_view record);

class Dictionaries {
public:
    // Records are sampled for this long: at most kPerTransition commits of each (from, to)
    // pair of states, until kEnough commits are kept or kSeen were seen.
    static constexpr std::size_t kEnough = 64, kPerTransition = 4, kSeen = 256;
    // The dictionary's content is at most this many bytes (its most recent samples).
    static constexpr std::size_t kMaxContent = 32 * 1024;

    // `level`: the zstd level records are compressed at with a dictionary; 0: no dictionaries
    // are learned (known ones are still read).
    explicit Dictionaries(int level) : level_(level) {}

    int level() const { return level_; }

    // For reading: every dictionary known, by ID.
    const Dictionary* find(unsigned id) const;
    void add(std::shared_ptr<const Dictionary> dictionary);

    // The dictionary the version's records are compressed with, once one is adopted.
    const Dictionary* of_version(std::string_view workflow, int version) const;
    void adopt(const std::string& workflow, int version,
               std::shared_ptr<const Dictionary> dictionary);

    // Learning. A version's records are offered until it has a dictionary (or gave up);
    // `transition` names the commit's (from, to). Ready: enough are kept to learn from.
    bool wants_samples(std::string_view workflow, int version) const;
    void sample(const std::string& workflow, int version, const std::string& transition,
                std::vector<std::string_view> records);
    bool ready(std::string_view workflow, int version) const;
    // What a dictionary is made of: the definition's source and the samples, cut to
    // kMaxContent, with the level and the sizes zstd needs.
    struct Learning {
        std::string content, samples;
        std::vector<std::size_t> sizes;
        int level = 0;
    };
    // The version's samples, let go here. Until adopt() or forget_learning(), the version is
    // neither sampled nor learned again.
    Learning take_samples(const std::string& workflow, int version, std::string_view source);
    // The dictionary made of them; empty if zstd could not make one. Pure CPU work (a few ms):
    // safe on any thread, so that it leaves the one serving requests.
    static std::string train(const Learning& learning);
    // Both at once.
    std::string learn(const std::string& workflow, int version, std::string_view source) {
        return train(take_samples(workflow, version, source));
    }
    // Learning failed for want of Redis: sample again from scratch.
    void forget_learning(const std::string& workflow, int version);
    // Learning gave up for good on this version (zstd made nothing of its samples).
    void give_up(const std::string& workflow, int version);

private:
    struct Version {
        const Dictionary* adopted = nullptr;
        bool closed = false;  // adopted, learning in flight, or given up: sample no more
        std::size_t seen = 0;
        std::map<std::string, std::size_t, std::less<>> per_transition;
        std::vector<std::string> samples;  // records of the kept commits, in commit order
        std::size_t kept = 0;              // commits kept
    };
    // (workflow, version), found without making a string.
    struct Less {
        using is_transparent = void;
        template <typename A, typename B>
        bool operator()(const A& a, const B& b) const {
            return std::tie(a.first, a.second) < std::tie(b.first, b.second);
        }
    };
    using Key = std::pair<std::string, int>;
    const Version* version(std::string_view workflow, int v) const;

    int level_;
    std::unordered_map<unsigned, std::shared_ptr<const Dictionary>> by_id_;
    std::map<Key, Version, Less> versions_;
};

}  // namespace accord::redis
