#include "common/ids.h"

#include <cstdint>
#include <random>

#include "common/time_util.h"

namespace strata {
namespace {

// xoshiro256** seeded once per thread from the OS.
class FastRandom {
 public:
  FastRandom() {
    std::random_device device;
    for (uint64_t& word : state_) word = (uint64_t{device()} << 32) | device();
  }
  uint64_t Next() {
    const uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

}  // namespace

std::string NewUlid() {
  static constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  thread_local FastRandom random;
  const uint64_t millis = static_cast<uint64_t>(NowMicros() / 1000);
  const uint64_t hi = random.Next();  // 80 random bits: 16 from hi, 64 from lo.
  const uint64_t lo = random.Next();
  std::string out(26, '0');
  // 48-bit time in 10 characters (the first carries 3 bits of a 50-bit field).
  for (int i = 9; i >= 0; --i) out[9 - i] = kCrockford[(millis >> (i * 5)) & 31];
  // 80 random bits in 16 characters.
  const unsigned __int128 bits = (static_cast<unsigned __int128>(hi & 0xFFFF) << 64) | lo;
  for (int i = 15; i >= 0; --i)
    out[25 - i] = kCrockford[static_cast<unsigned>(bits >> (i * 5)) & 31];
  return out;
}

bool IsValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace strata
