// UTF-8 validation for ingest decoders (RFC 3629).
// Thread safety: all functions are thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace strata::ingest {

// Returns the offset of the first byte of the first invalid sequence in `text`, or npos if
// `text` is valid UTF-8. Invalid: stray continuation bytes, truncated sequences, overlong
// forms (C0, C1, E0 80..9F, F0 80..8F), surrogates (ED A0..BF) and code points above
// U+10FFFF (F4 90.., F5..FF). Runs of ASCII are checked 8 bytes at a time.
size_t FindInvalidUtf8(std::string_view text);

inline bool IsValidUtf8(std::string_view text) {
  return FindInvalidUtf8(text) == std::string_view::npos;
}

}  // namespace strata::ingest
