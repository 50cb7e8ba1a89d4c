// Encodings for blocks of doubles. Every encoding round-trips the exact bit pattern,
// including NaN payloads, -0.0, infinities and denormals.
//
// Format: one tag byte (FloatEncoding), then the body; `count` is kept by the caller.
//   kPlain    count x fixed64 (the IEEE-754 bits).
//   kXor      Gorilla-style bit stream (LSB-first within little-endian bytes, cut to whole
//             bytes): 64 bits of the first value, then per value x = bits ^ previous bits:
//               '0'                      x == 0
//               '1' '0' <meaningful>     x fits the previous window (leading/trailing zeros
//                                        at least the previous ones): its window bits.
//               '1' '1' <6: leading zeros> <6: window length - 1> <window bits>
//   kIntegral EncodeInts body of the values as int64 (all values integers within +-2^53 and
//             none is -0.0).
// Thread safety: all functions are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/status.h"
#include "storage/encoding/byte_io.h"

namespace strata::storage {

enum class FloatEncoding : uint8_t { kPlain = 0, kXor = 1, kIntegral = 2 };

// "plain", "xor", "integral" (or "unknown").
std::string_view FloatEncodingName(FloatEncoding encoding);

// Appends a tag byte plus the body of the smallest encoding for `values` and returns it.
FloatEncoding EncodeDoubles(std::span<const double> values, ByteWriter& out);

// Decodes exactly `count` values written by EncodeDoubles into out[0, count) and leaves `in`
// just past them. Malformed or truncated input gives Corruption, never an out-of-bounds
// access. REQUIRES: out has room for count values.
[[nodiscard]] Status DecodeDoubles(ByteReader& in, size_t count, double* out);

// Like DecodeDoubles, but stores only the values at `rows`: out[i] = value rows[i]. Integral
// blocks decode through DecodeIntsAt; the XOR stream is sequential and decodes whole.
// REQUIRES: rows ascending, each < count; out has room for rows.size() values.
[[nodiscard]] Status DecodeDoublesAt(ByteReader& in, size_t count, std::span<const uint32_t> rows,
                                     double* out);

}  // namespace strata::storage
