// AES-256-GCM authenticated encryption over OpenSSL 3 EVP, the primitive under encryption at
// rest (master key -> wrapped data keys -> sealed blocks).
//
// Thread safety: all functions are thread-safe; each call uses its own cipher context.
// Invariants:
//   1. A sealed value is ciphertext || tag: exactly plaintext.size() + kTagBytes bytes.
//   2. Open never exposes plaintext that failed authentication: on any error `out` is empty.
// Security contract for callers: a (key, nonce) pair must never seal two different messages.
// GCM loses both confidentiality and integrity on nonce reuse. BlockCipher and WrapDataKey
// choose nonces safely; call Seal directly only with a nonce scheme of the same strength.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace strata::storage {

inline constexpr size_t kKeyBytes = 32;    // AES-256.
inline constexpr size_t kNonceBytes = 12;  // The GCM-native IV size.
inline constexpr size_t kTagBytes = 16;    // Full-length tag; never truncated.

using Key = std::array<uint8_t, kKeyBytes>;
using Nonce = std::array<uint8_t, kNonceBytes>;

// Encrypts `plaintext` and authenticates it together with `aad` (which is not stored), then
// appends ciphertext || tag (plaintext.size() + kTagBytes bytes) to `out`.
// REQUIRES: (key, nonce) has never sealed anything else. On error `out` is unchanged.
[[nodiscard]] Status Seal(const Key& key, const Nonce& nonce, std::string_view aad,
                          std::string_view plaintext, std::string& out);

// Verifies ciphertext || tag against key, nonce and `aad`, and replaces `out` with the
// plaintext. Returns Corruption ("authentication failed ...") if anything was tampered with
// or key, nonce or aad differ from sealing; `out` is then empty.
[[nodiscard]] Status Open(const Key& key, const Nonce& nonce, std::string_view aad,
                          std::string_view sealed, std::string& out);

// Fills out[0, n) from OpenSSL's CSPRNG (RAND_bytes). Internal if the CSPRNG fails.
[[nodiscard]] Status RandomBytes(void* out, size_t n);

}  // namespace strata::storage
