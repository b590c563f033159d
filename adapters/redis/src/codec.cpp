// codec: zstd with one compression and one decompression context per thread (creating them
// costs more than compressing a document).
#include "codec.hpp"

#include <memory>

#include <zstd.h>

namespace accord::redis::codec {

namespace {

constexpr unsigned char kMagic[] = {0x28, 0xB5, 0x2F, 0xFD};  // ZSTD_MAGICNUMBER, little endian
constexpr std::size_t kShortest = 128;                        // not worth a frame below this
constexpr unsigned long long kLargest = 64ULL << 20;          // what a frame may expand to

struct Contexts {
    std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> c{ZSTD_createCCtx(), ZSTD_freeCCtx};
    std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> d{ZSTD_createDCtx(), ZSTD_freeDCtx};
    int level = 0;
};

Contexts& contexts() {
    thread_local Contexts c;
    return c;
}

// Whether `stored` is a zstd frame.
bool compressed(std::string_view stored) {
    return stored.size() >= 4 && std::string_view(stored.data(), 4) ==
                                     std::string_view(reinterpret_cast<const char*>(kMagic), 4);
}

}  // namespace

std::string encode(std::string text, int level) {
    if (level == 0 || text.size() < kShortest) return text;
    Contexts& z = contexts();
    if (z.level != level) {
        ZSTD_CCtx_setParameter(z.c.get(), ZSTD_c_compressionLevel, level);
        ZSTD_CCtx_setParameter(z.c.get(), ZSTD_c_checksumFlag, 0);
        ZSTD_CCtx_setParameter(z.c.get(), ZSTD_c_contentSizeFlag, 1);
        z.level = level;
    }
    std::string out(ZSTD_compressBound(text.size()), '\0');
    const std::size_t n =
        ZSTD_compress2(z.c.get(), out.data(), out.size(), text.data(), text.size());
    if (ZSTD_isError(n) || n >= text.size()) return text;  // no gain: keep the text
    out.resize(n);
    return out;
}

std::string encode(std::string text, const Dictionary& dictionary) {
    if (dictionary.compression() == nullptr) return text;
    // With a dictionary even short texts shrink: most of them is in it.
    std::string out(ZSTD_compressBound(text.size()), '\0');
    // The frame has the content size and the dictionary's ID, no checksum.
    const std::size_t n =
        ZSTD_compress_usingCDict(contexts().c.get(), out.data(), out.size(), text.data(),
                                 text.size(), dictionary.compression());
    if (ZSTD_isError(n) || n >= text.size()) return text;
    out.resize(n);
    return out;
}

engine::Result<std::string_view> decode(std::string_view stored, std::string& buffer,
                                        const Dictionaries& known) {
    if (!compressed(stored)) return stored;
    const unsigned long long size = ZSTD_getFrameContentSize(stored.data(), stored.size());
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > kLargest)
        return engine::make_error(engine::ErrorCode::storage_error, "malformed compressed record");
    const ZSTD_DDict* ddict = nullptr;
    if (const unsigned id = ZSTD_getDictID_fromFrame(stored.data(), stored.size()); id != 0) {
        const Dictionary* d = known.find(id);
        if (d == nullptr)
            return engine::make_error(engine::ErrorCode::storage_error,
                                      "record compressed with dictionary " + std::to_string(id) +
                                          ", which is not stored");
        ddict = d->decompression();
    }
    buffer.resize(static_cast<std::size_t>(size));
    const std::size_t n = ZSTD_decompress_usingDDict(
        contexts().d.get(), buffer.data(), buffer.size(), stored.data(), stored.size(), ddict);
    if (ZSTD_isError(n) || n != size)
        return engine::make_error(engine::ErrorCode::storage_error, "malformed compressed record");
    return std::string_view(buffer);
}

}  // namespace accord::redis::codec
