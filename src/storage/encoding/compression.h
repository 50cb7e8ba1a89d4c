// Block compression with LZ4 or Zstandard. Compress falls back to storing the input as is
// (kNone) when the codec does not pay for itself, so readers must honour the returned codec.
// Thread safety: all functions are thread-safe; each thread reuses its own Zstandard
// contexts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace strata::storage {

enum class Compression : uint8_t { kNone = 0, kLz4 = 1, kZstd = 2 };

// "none", "lz4", "zstd" (or "unknown").
std::string_view CompressionName(Compression codec);
// The codec named by CompressionName (exact, lower case), else nullopt.
std::optional<Compression> ParseCompression(std::string_view name);

// Inputs below this many bytes are never compressed.
inline constexpr size_t kMinCompressBytes = 64;

// Compresses `input` with `codec` into `out` (replacing its contents) and returns the codec
// used: kNone, with out a copy of input, when the input is shorter than kMinCompressBytes,
// the codec is kNone or unknown, or compression would not save at least 1/8 of the bytes.
// zstd_level is passed to ZSTD_compress (1 is fast; up to ZSTD_maxCLevel()).
Compression Compress(Compression codec, std::string_view input, std::string& out,
                     int zstd_level = 1);

// Decompresses `input`, produced by Compress with the codec it returned, into `out`
// (replacing its contents). Corruption when the input is malformed, the codec is unknown, or
// the output would not be exactly raw_size bytes.
[[nodiscard]] Status Decompress(Compression codec, std::string_view input, size_t raw_size,
                                std::string& out);

}  // namespace strata::storage
