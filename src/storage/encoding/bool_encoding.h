// Encodings for blocks of booleans (one byte per value in memory, 0 or 1).
//
// Format: one tag byte (BoolEncoding), then the body; `count` is kept by the caller.
//   kBitmap    ceil(count / 8) bytes, value i at bit i % 8 of byte i / 8 (LSB first);
//              padding bits are zero.
//   kConstant  one byte, 0 or 1: every value. Also written for count == 0.
// Thread safety: all functions are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/status.h"
#include "storage/encoding/byte_io.h"

namespace strata::storage {

enum class BoolEncoding : uint8_t { kBitmap = 0, kConstant = 1 };

// Appends the tag byte and body for `values`. Any nonzero value counts as 1.
void EncodeBools(std::span<const uint8_t> values, ByteWriter& out);

// Decodes exactly `count` values (each 0 or 1) into out[0, count) and leaves `in` just past
// them. Malformed or truncated input gives Corruption.
// REQUIRES: out has room for count values.
[[nodiscard]] Status DecodeBools(ByteReader& in, size_t count, uint8_t* out);

}  // namespace strata::storage
