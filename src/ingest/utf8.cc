#include "ingest/utf8.h"

#include <cstdint>
#include <cstring>

namespace strata::ingest {

size_t FindInvalidUtf8(std::string_view text) {
  const auto* const bytes = reinterpret_cast<const uint8_t*>(text.data());
  const size_t size = text.size();
  size_t i = 0;
  while (i < size) {
    // ASCII runs, 8 bytes at a time.
    while (i + 8 <= size) {
      uint64_t word;
      std::memcpy(&word, bytes + i, sizeof(word));
      if (word & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= size) break;
    const uint8_t lead = bytes[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    const auto is_continuation = [&](size_t at) { return (bytes[at] & 0xC0) == 0x80; };
    if (lead < 0xC2) return i;  // Continuation byte, or overlong 2-byte form (C0, C1).
    if (lead < 0xE0) {
      if (i + 1 >= size || !is_continuation(i + 1)) return i;
      i += 2;
      continue;
    }
    if (lead < 0xF0) {
      if (i + 2 >= size) return i;
      const uint8_t second = bytes[i + 1];
      // E0: A0..BF (no overlong); ED: 80..9F (no surrogates); others 80..BF.
      const uint8_t low = lead == 0xE0 ? 0xA0 : 0x80;
      const uint8_t high = lead == 0xED ? 0x9F : 0xBF;
      if (second < low || second > high || !is_continuation(i + 2)) return i;
      i += 3;
      continue;
    }
    if (lead < 0xF5) {
      if (i + 3 >= size) return i;
      const uint8_t second = bytes[i + 1];
      // F0: 90..BF (no overlong); F4: 80..8F (<= U+10FFFF); F1..F3: 80..BF.
      const uint8_t low = lead == 0xF0 ? 0x90 : 0x80;
      const uint8_t high = lead == 0xF4 ? 0x8F : 0xBF;
      if (second < low || second > high || !is_continuation(i + 2) || !is_continuation(i + 3)) {
        return i;
      }
      i += 4;
      continue;
    }
    return i;  // F5..FF never occur.
  }
  return std::string_view::npos;
}

}  // namespace strata::ingest
