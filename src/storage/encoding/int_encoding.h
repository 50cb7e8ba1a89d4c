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
//   kGroupedFrameOfReference  grouped block of the values.
//   kGroupedDelta             zigzag first value | grouped block of the count-1 differences.
//   kGroupedDeltaOfDelta      zigzag first | zigzag first difference | grouped block of the
//                             count-2 second differences. Omitted parts as above.
// A "grouped block" of n values gives every 64-value group (the last one may be shorter) its
// own base (the group's min) and width, so a few outliers (e.g. the jumps at the host
// boundaries of a host-sorted chunk) widen only their own group:
//   per group: u8 header | [zigzag-varint base - previous group's base] | packed bytes
// where header = width (0..64) | 0x80 if the base differs from the previous group's (the
// first group's "previous base" is 0; without the flag the base is repeated and the varint
// is absent), and the packed bytes are (value - base) at `width` bits: width * 8 bytes for a
// full group, ceil(len * width / 8) for a last group of len < 64 values (same bit layout as
// above). Constant-stride runs thus cost one byte per 64 values.
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
  kGroupedFrameOfReference = 5,
  kGroupedDelta = 6,
  kGroupedDeltaOfDelta = 7,
};

// "plain", "for", "delta", "delta_of_delta", "rle", "grouped_for", "grouped_delta",
// "grouped_delta_of_delta" (or "unknown").
std::string_view IntEncodingName(IntEncoding encoding);

// Appends a tag byte plus the body of the encoding that is smallest for `values`, and
// returns that encoding. Ties go to the faster decoder; a grouped encoding (slower to
// decode) must beat the best single-width one by more than 1/32 of its size. Of
// frame-of-reference and delta at equal size, delta is kept when its differences are the more
// regular stream (smaller grouped size), since block compression then shrinks it further.
// Empty spans are allowed.
IntEncoding EncodeInts(std::span<const int64_t> values, ByteWriter& out);

// Appends a tag byte plus the body of `encoding` for `values`, whatever its size (for tests
// and benchmarks of a single decoder). REQUIRES: encoding is one of the enumerators.
void EncodeIntsAs(IntEncoding encoding, std::span<const int64_t> values, ByteWriter& out);

// Decodes exactly `count` values written by EncodeInts into out[0, count) and leaves `in`
// just past them. Malformed or truncated input gives Corruption, never an out-of-bounds
// access; `out` then holds unspecified values.
// REQUIRES: out has room for count values.
[[nodiscard]] Status DecodeInts(ByteReader& in, size_t count, int64_t* out);

// Like DecodeInts, but stores only the values at `rows`: out[i] = value rows[i]. Checks the
// whole block as DecodeInts does and leaves `in` just past it. Groups of 64 values without
// a wanted row are not unpacked where the encoding allows (frame of reference; the running
// sum of delta encodings takes such a group's sum, counted by bit planes), so a sparse
// selection costs a fraction of a full decode.
// REQUIRES: rows ascending, each < count; out has room for rows.size() values.
[[nodiscard]] Status DecodeIntsAt(ByteReader& in, size_t count, std::span<const uint32_t> rows,
                                  int64_t* out);

}  // namespace strata::storage
