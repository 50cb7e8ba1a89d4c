// One-time recovery codes for accounts with TOTP: shown to the user once, stored as hashes,
// each accepted once (the caller deletes the matching hash when it is used).
//
// Format: "xxxxx-xxxxx", 10 characters of Crockford's base32 alphabet in lower case
// (0-9 and a-z without i, l, o, u), 5 bits each, so 50 bits per code. Input is normalised
// before hashing: case, dashes and spaces do not matter, and 'i'/'l' read as '1', 'o' as '0'
// (the look-alikes the alphabet leaves out).
// Thread safety: all functions are thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace strata::security {

inline constexpr size_t kRecoveryCodeCount = 10;

// `count` fresh random codes, pairwise distinct.
std::vector<std::string> GenerateRecoveryCodes(size_t count = kRecoveryCodeCount);

// Lower-case hex SHA-256 of the normalised code; what the caller stores and looks up.
// Hashes of equivalent spellings ("ABCDE-FGHJK", "abcdefghjk") are equal.
std::string HashRecoveryCode(std::string_view code);

}  // namespace strata::security
