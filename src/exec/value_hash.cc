#include "exec/value_hash.h"

#include <cstring>

namespace strata::exec {
namespace {

constexpr uint64_t kSecret0 = 0xa0761d6478bd642fULL;
constexpr uint64_t kSecret1 = 0xe7037ed1a0b428dbULL;
constexpr uint64_t kSecret2 = 0x8ebc6af09c88c6e3ULL;

// The two halves of the 128-bit product, xor-ed: the multiply spreads every input bit.
inline uint64_t MultiplyFold(uint64_t a, uint64_t b) {
  const unsigned __int128 product = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(product) ^ static_cast<uint64_t>(product >> 64);
}

inline uint64_t Read64(const char* p) {
  uint64_t value;
  std::memcpy(&value, p, sizeof(value));
  return value;
}

inline uint64_t Read32(const char* p) {
  uint32_t value;
  std::memcpy(&value, p, sizeof(value));
  return value;
}

}  // namespace

uint64_t HashBytes(std::string_view bytes) {
  const char* p = bytes.data();
  const size_t length = bytes.size();
  uint64_t seed = kSecret0 ^ MultiplyFold(length ^ kSecret2, kSecret1);
  uint64_t a = 0;
  uint64_t b = 0;
  if (length <= 16) {
    if (length >= 4) {
      // Two overlapping 4-byte reads from each end cover 4..16 bytes.
      const size_t step = (length >> 3) << 2;
      a = (Read32(p) << 32) | Read32(p + step);
      b = (Read32(p + length - 4) << 32) | Read32(p + length - 4 - step);
    } else if (length > 0) {
      const auto byte = [&](size_t idx) {
        return static_cast<uint64_t>(static_cast<uint8_t>(p[idx]));
      };
      a = (byte(0) << 16) | (byte(length >> 1) << 8) | byte(length - 1);
    }
  } else {
    size_t remaining = length;
    while (remaining > 16) {
      seed = MultiplyFold(Read64(p) ^ kSecret1, Read64(p + 8) ^ seed);
      p += 16;
      remaining -= 16;
    }
    // The last 16 bytes, overlapping the final block when the length is not a multiple.
    a = Read64(p + remaining - 16);
    b = Read64(p + remaining - 8);
  }
  return MultiplyFold(kSecret1 ^ length, MultiplyFold(a ^ kSecret1, b ^ seed));
}

}  // namespace strata::exec
