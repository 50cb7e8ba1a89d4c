// API keys: generation and the checks that can be made before any lookup.
//
// Format: "strata_" + 40 random base62 characters (~238 bits) + 6 base62 characters of a
// CRC-32 checksum over what precedes it, so a mistyped or truncated key is refused without
// touching the store, and secret scanners can recognise leaked keys by their prefix.
// Only SHA-256(key) is stored.
// Thread safety: all functions are thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace strata::security {

inline constexpr std::string_view kApiKeyPrefix = "strata_";
// Keys supplied by operators (STRATA_BOOTSTRAP_KEY) need not follow the format but must be
// at least this long.
inline constexpr size_t kMinOperatorKeyLength = 32;

struct GeneratedKey {
  std::string key;     // Shown to the user once.
  std::string prefix;  // First 12 characters, safe to display.
};

GeneratedKey GenerateApiKey();

// False for keys that use the "strata_" prefix but whose length or checksum is wrong.
// Any other non-empty string may be an operator-chosen key and passes.
bool ApiKeyChecksumOk(std::string_view key);

}  // namespace strata::security
