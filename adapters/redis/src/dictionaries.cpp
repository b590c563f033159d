// Dictionaries: zstd dictionaries learned per definition version (see dictionaries.hpp).
#include "dictionaries.hpp"

#include <cstring>

#include <zdict.h>
#include <zstd.h>

namespace accord::redis {

namespace {

constexpr unsigned char kMagic[] = {0x28, 0xB5, 0x2F, 0xFD};  // ZSTD_MAGICNUMBER, little endian

std::uint32_t fnv1a32(std::string_view s) {
    std::uint32_t h = 2166136261u;
    for (unsigned char c : s) h = (h ^ c) * 16777619u;
    return h;
}

}  // namespace

std::shared_ptr<const Dictionary> Dictionary::make(std::string bytes, int level) {
    const unsigned id = dictionary_id(bytes);
    if (id == 0) return nullptr;
    std::shared_ptr<Dictionary> d(new Dictionary());
    d->id_ = id;
    d->bytes_ = std::move(bytes);
    d->ddict_ = ZSTD_createDDict(d->bytes_.data(), d->bytes_.size());
    if (level != 0) d->cdict_ = ZSTD_createCDict(d->bytes_.data(), d->bytes_.size(), level);
    if (d->ddict_ == nullptr || (level != 0 && d->cdict_ == nullptr)) return nullptr;
    return d;
}

Dictionary::~Dictionary() {
    ZSTD_freeCDict(cdict_);
    ZSTD_freeDDict(ddict_);
}

unsigned dictionary_id(std::string_view bytes) {
    return ZDICT_getDictID(bytes.data(), bytes.size());
}

unsigned dictionary_of(std::string_view record) {
    auto frame = [](std::string_view s) {
        return s.size() >= 4 && std::memcmp(s.data(), kMagic, 4) == 0;
    };
    if (!frame(record)) {
        // "<revision> <head> <document>"
        if (record.empty() || record[0] < '0' || record[0] > '9') return 0;
        const auto a = record.find(' ');
        const auto b = a == std::string_view::npos ? a : record.find(' ', a + 1);
        if (b == std::string_view::npos) return 0;
        record.remove_prefix(b + 1);
        if (!frame(record)) return 0;
    }
    return ZSTD_getDictID_fromFrame(record.data(), record.size());
}

const Dictionary* Dictionaries::find(unsigned id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second.get();
}

void Dictionaries::add(std::shared_ptr<const Dictionary> dictionary) {
    const unsigned id = dictionary->id();
    by_id_.try_emplace(id, std::move(dictionary));
}

const Dictionaries::Version* Dictionaries::version(std::string_view workflow, int v) const {
    auto it = versions_.find(std::pair<std::string_view, int>(workflow, v));
    return it == versions_.end() ? nullptr : &it->second;
}

const Dictionary* Dictionaries::of_version(std::string_view workflow, int version) const {
    const Version* v = this->version(workflow, version);
    return v == nullptr ? nullptr : v->adopted;
}

void Dictionaries::adopt(const std::string& workflow, int version,
                         std::shared_ptr<const Dictionary> dictionary) {
    const unsigned id = dictionary->id();
    add(std::move(dictionary));
    Version& v = versions_[Key(workflow, version)];
    v.adopted = find(id);
    v.closed = true;
    v.samples = {};
    v.per_transition = {};
}

bool Dictionaries::wants_samples(std::string_view workflow, int version) const {
    if (level_ == 0) return false;
    const Version* v = this->version(workflow, version);
    return v == nullptr || !v->closed;
}

void Dictionaries::sample(const std::string& workflow, int version, const std::string& transition,
                          std::vector<std::string_view> records) {
    Version& v = versions_[Key(workflow, version)];
    if (v.closed) return;
    ++v.seen;
    auto& count = v.per_transition[transition];
    if (count < kPerTransition) {
        ++count;
        ++v.kept;
        for (auto r : records)
            if (!r.empty()) v.samples.emplace_back(r);
    }
}

bool Dictionaries::ready(std::string_view workflow, int version) const {
    const Version* v = this->version(workflow, version);
    return v != nullptr && !v->closed && (v->kept >= kEnough || (v->seen >= kSeen && v->kept > 0));
}

Dictionaries::Learning Dictionaries::take_samples(const std::string& workflow, int version,
                                                  std::string_view source) {
    Version& v = versions_[Key(workflow, version)];
    v.closed = true;
    // The content: the definition, then the samples, the latest last (zstd finds matches
    // nearest the end of a dictionary cheapest), cut to its last kMaxContent bytes: with a full
    // set of samples, the samples alone.
    Learning out;
    out.level = level_;
    out.content = std::string(source);
    for (const auto& s : v.samples) {
        out.content += s;
        out.samples += s;
        out.sizes.push_back(s.size());
    }
    v.samples = {};
    v.per_transition = {};
    if (out.content.size() > kMaxContent) out.content.erase(0, out.content.size() - kMaxContent);
    return out;
}

std::string Dictionaries::train(const Learning& learning) {
    ZDICT_params_t params{};
    params.compressionLevel = learning.level;
    // IDs below 32768 are reserved by zstd; one from the content, so that two nodes that
    // learned the same thing name it alike.
    params.dictID = 32768 + fnv1a32(learning.content) % (0x7FFFFFFFu - 32768);
    std::string dict(learning.content.size() + 4096, '\0');
    const std::size_t n = ZDICT_finalizeDictionary(
        dict.data(), dict.size(), learning.content.data(), learning.content.size(),
        learning.samples.data(), learning.sizes.data(),
        static_cast<unsigned>(learning.sizes.size()), params);
    if (ZDICT_isError(n)) return {};
    dict.resize(n);
    return dict;
}

void Dictionaries::forget_learning(const std::string& workflow, int version) {
    Version& v = versions_[Key(workflow, version)];
    if (v.adopted == nullptr) v = Version{};
}

void Dictionaries::give_up(const std::string& workflow, int version) {
    versions_[Key(workflow, version)].closed = true;
}

}  // namespace accord::redis
