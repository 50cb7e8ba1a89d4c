// 64-bit hashes of column values for the distinct aggregates. Values equal under SQL equality
// of their type hash equally (for float64: -0.0 == 0.0, and every NaN is one value, as in
// PostgreSQL), and every output bit depends on every input bit, as HyperLogLog needs: it
// takes the register from the low bits and the rank from the others.
// Thread safety: stateless.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace strata::exec {

// Stafford's "Mix13" finalizer (splitmix64): a bijection with full avalanche.
inline uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Hash of an int64, timestamp or bool (as 0/1) value. The offset keeps 0 from hashing to 0.
inline uint64_t HashInt(int64_t value) {
  return Mix64(static_cast<uint64_t>(value) + 0x9e3779b97f4a7c15ULL);
}

// The bits that stand for `value` in equality tests: -0.0 reads as 0.0, every NaN as one NaN.
inline uint64_t CanonicalDoubleBits(double value) {
  if (std::isnan(value)) return 0x7ff8000000000000ULL;
  if (value == 0.0) return 0;
  return std::bit_cast<uint64_t>(value);
}

inline uint64_t HashDouble(double value) {
  return HashInt(static_cast<int64_t>(CanonicalDoubleBits(value)));
}

// Hash of a byte string (strings and JSON text), in the style of wyhash: 16 bytes per
// 64x64->128-bit multiply, folded.
uint64_t HashBytes(std::string_view bytes);

}  // namespace strata::exec
