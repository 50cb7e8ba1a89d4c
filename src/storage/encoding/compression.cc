#include "storage/encoding/compression.h"

#include <lz4.h>
#include <zstd.h>

#include <limits>

namespace strata::storage {
namespace {

// One compression and one decompression context per thread, created on first use.
struct ZstdContexts {
  ZSTD_CCtx* compress = nullptr;
  ZSTD_DCtx* decompress = nullptr;

  ~ZstdContexts() {
    ZSTD_freeCCtx(compress);
    ZSTD_freeDCtx(decompress);
  }
};

ZstdContexts& ThreadZstd() {
  thread_local ZstdContexts contexts;
  return contexts;
}

// True when `compressed` bytes save at least 1/8 of `raw` bytes.
bool WorthIt(size_t compressed, size_t raw) { return compressed <= raw - raw / 8; }

Compression StoreRaw(std::string_view input, std::string& out) {
  out.assign(input);
  return Compression::kNone;
}

Status Corrupt(std::string_view what) {
  return Status::Corruption(std::string("compressed block: ") + std::string(what));
}

}  // namespace

std::string_view CompressionName(Compression codec) {
  switch (codec) {
    case Compression::kNone: return "none";
    case Compression::kLz4: return "lz4";
    case Compression::kZstd: return "zstd";
  }
  return "unknown";
}

std::optional<Compression> ParseCompression(std::string_view name) {
  for (Compression codec : {Compression::kNone, Compression::kLz4, Compression::kZstd}) {
    if (name == CompressionName(codec)) return codec;
  }
  return std::nullopt;
}

Compression Compress(Compression codec, std::string_view input, std::string& out, int zstd_level) {
  if (input.size() < kMinCompressBytes) return StoreRaw(input, out);
  switch (codec) {
    case Compression::kNone: break;
    case Compression::kLz4: {
      if (input.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) break;
      const int src_size = static_cast<int>(input.size());
      out.resize(static_cast<size_t>(LZ4_compressBound(src_size)));
      const int written =
          LZ4_compress_default(input.data(), out.data(), src_size, static_cast<int>(out.size()));
      if (written <= 0 || !WorthIt(static_cast<size_t>(written), input.size())) break;
      out.resize(static_cast<size_t>(written));
      return Compression::kLz4;
    }
    case Compression::kZstd: {
      ZstdContexts& contexts = ThreadZstd();
      if (contexts.compress == nullptr) contexts.compress = ZSTD_createCCtx();
      if (contexts.compress == nullptr) break;
      out.resize(ZSTD_compressBound(input.size()));
      const size_t written = ZSTD_compressCCtx(contexts.compress, out.data(), out.size(),
                                               input.data(), input.size(), zstd_level);
      if (ZSTD_isError(written) || !WorthIt(written, input.size())) break;
      out.resize(written);
      return Compression::kZstd;
    }
  }
  return StoreRaw(input, out);
}

Status Decompress(Compression codec, std::string_view input, size_t raw_size, std::string& out) {
  out.clear();
  switch (codec) {
    case Compression::kNone:
      if (input.size() != raw_size) return Corrupt("stored size mismatch");
      out.assign(input);
      return Status();
    case Compression::kLz4: {
      constexpr size_t kMaxInt = std::numeric_limits<int>::max();
      // LZ4 expands at most ~255x; a larger claim cannot be right, so never allocate it.
      if (input.size() > kMaxInt || raw_size > kMaxInt || raw_size / 255 > input.size() + 16) {
        return Corrupt("lz4 sizes out of range");
      }
      out.resize(raw_size);
      const int read = LZ4_decompress_safe(input.data(), out.data(), static_cast<int>(input.size()),
                                           static_cast<int>(raw_size));
      if (read < 0 || static_cast<size_t>(read) != raw_size) {
        out.clear();
        return Corrupt("malformed lz4 data");
      }
      return Status();
    }
    case Compression::kZstd: {
      // Compress always records the content size; check it before allocating.
      const unsigned long long frame_size = ZSTD_getFrameContentSize(input.data(), input.size());
      if (frame_size == ZSTD_CONTENTSIZE_ERROR || frame_size == ZSTD_CONTENTSIZE_UNKNOWN ||
          frame_size != raw_size) {
        return Corrupt("bad zstd frame header");
      }
      ZstdContexts& contexts = ThreadZstd();
      if (contexts.decompress == nullptr) contexts.decompress = ZSTD_createDCtx();
      if (contexts.decompress == nullptr) return Status::Internal("cannot create zstd context");
      out.resize(raw_size);
      const size_t read = ZSTD_decompressDCtx(contexts.decompress, out.data(), out.size(),
                                              input.data(), input.size());
      if (ZSTD_isError(read) || read != raw_size) {
        out.clear();
        return Corrupt("malformed zstd data");
      }
      return Status();
    }
  }
  return Corrupt("unknown codec");
}

}  // namespace strata::storage
