// Lightweight encodings for blocks of 64-bit integers (column values, string lengths,
// dictionary codes). EncodeInts measures every candidate in one or two passes and writes only
// the smallest; DecodeInts is on the scan hot path and unpacks 64 values per step with
// code specialized per bit width.
//
// Format: one tag byte (IntEncoding), then the body. `count` is not stored; the caller keeps
// it. A "packed block" of n values is
//   zigzag-varint base | u8 width (0..64) | bit-packed (value - base) as uint64
// where the bit stream holds floor(n/64) groups of 64 values in exactly `width` 64-bit
// little-endian words each (value j of a group at bits [j*width, (j+1)*width)), then the
// remaining n%64 values packed the same way but cut to ceil((n%64)*width/8) bytes.
//   kPlain            count x fixed64.
//   kFrameOfReference packed block of the values (base = min).
//   kDelta            zigzag first value | packed block of the count-1 wrapping differences.
//   kDeltaOfDelta     zigzag first | zigzag first difference | packed block of the count-2
//                     second differences. Omitted parts when count < 2 or < 3.
//   kRunLength        runs until count values: zigzag(run value - previous run value, the
//                     first against 0) | varint run length (>= 1).
// All arithmetic is wrapping uint64, so the full int64 range round-trips. Zero values have
// an empty body (the encoder writes kPlain).
// Thread safety: all functions are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/status.h"
#include "storage/encoding/byte_io.h"

namespace strata::storage {

enum class IntEncoding : uint8_t {
  kPlain = 0,
  kFrameOfReference = 1,
  kDelta = 2,
  kDeltaOfDelta = 3,
  kRunLength = 4,
};

// "plain", "for", "delta", "delta_of_delta", "rle" (or "unknown").
std::string_view IntEncodingName(IntEncoding encoding);

// Appends a tag byte plus the body of the encoding that is smallest for `values`, and
// returns that encoding. Ties go to the faster decoder. Empty spans are allowed.
IntEncoding EncodeInts(std::span<const int64_t> values, ByteWriter& out);

// Decodes exactly `count` values written by EncodeInts into out[0, count) and leaves `in`
// just past them. Malformed or truncated input gives Corruption, never an out-of-bounds
// access; `out` then holds unspecified values.
// REQUIRES: out has room for count values.
[[nodiscard]] Status DecodeInts(ByteReader& in, size_t count, int64_t* out);

}  // namespace strata::storage
