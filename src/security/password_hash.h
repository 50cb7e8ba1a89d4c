// Password hashing with argon2id (RFC 9106) through libargon2, stored as PHC strings:
//
//   $argon2id$v=19$m=<memory KiB>,t=<iterations>,p=<parallelism>$<salt>$<hash>
//
// salt and hash are standard base64 without padding; HashPassword writes a 16-byte random
// salt and a 32-byte hash. Only this exact shape is accepted back: any other variant,
// version, parameter order, extra parameter, non-canonical number or encoding is malformed.
//
// Bounds: a stored string is trusted only within kMaxMemoryKib, kMaxIterations and
// kMaxParallelism, so a hostile or corrupted stored hash cannot make one verification
// exhaust the server; the caller still bounds how many hashes run at once (each one uses
// `memory_kib` of memory and `iterations` passes over it).
// Thread safety: all functions are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace strata::security {

// Defaults are the OWASP minimums for argon2id (19 MiB, 2 passes, 1 lane).
// The caller chooses the policy; HashPassword accepts anything within the bounds below.
struct PasswordParams {
  uint32_t memory_kib = 19456;  // REQUIRES: 8 * parallelism <= memory_kib <= kMaxMemoryKib.
  uint32_t iterations = 2;      // REQUIRES: 1 <= iterations <= kMaxIterations.
  uint32_t parallelism = 1;     // REQUIRES: 1 <= parallelism <= kMaxParallelism.

  bool operator==(const PasswordParams&) const = default;
};

inline constexpr uint32_t kMaxMemoryKib = 1024 * 1024;  // 1 GiB.
inline constexpr uint32_t kMaxIterations = 16;
inline constexpr uint32_t kMaxParallelism = 16;
// Longer passwords are refused rather than truncated.
inline constexpr size_t kMaxPasswordBytes = 1024;
inline constexpr size_t kPasswordSaltBytes = 16;
inline constexpr size_t kPasswordHashBytes = 32;

// Hashes `password` with a fresh random salt and returns the PHC string.
// Errors: ValidationFailed ("password_too_long") when password.size() > kMaxPasswordBytes;
// InvalidArgument when `params` are out of bounds; Internal when libargon2 fails (e.g. it
// cannot allocate the memory).
Result<std::string> HashPassword(std::string_view password, const PasswordParams& params);

// True iff `phc` is a well-formed argon2id string within the bounds and `password` hashes to
// it. False (never a crash) for a wrong password, a password longer than kMaxPasswordBytes,
// or a malformed or out-of-bounds string. Compares the hashes in constant time.
bool VerifyPassword(std::string_view password, std::string_view phc);

// True when `phc` should be replaced by a fresh HashPassword(password, current) after the
// next successful login: it is not a well-formed argon2id string, or any of its parameters is
// below `current`, or its salt or hash is shorter than what HashPassword writes.
bool NeedsRehash(std::string_view phc, const PasswordParams& current);

// The parameters of a well-formed argon2id string within the bounds; InvalidArgument
// otherwise (the message names the part that is wrong, never the hash).
Result<PasswordParams> ParsePasswordParams(std::string_view phc);

}  // namespace strata::security
