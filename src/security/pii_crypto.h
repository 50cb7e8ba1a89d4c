// Key derivation and deterministic encryption for field transforms (security/pii_transforms.h)
// over OpenSSL 3: HKDF-SHA256 (RFC 5869) and AES-256-SIV (RFC 5297).
// Thread safety: all functions are thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace strata::security {

// `length` bytes of HKDF-SHA256(ikm, salt, info). REQUIRES: 0 < length <= 8160.
std::string HkdfSha256(std::string_view ikm, std::string_view salt, std::string_view info,
                       size_t length);

inline constexpr size_t kSivKeyBytes = 64;  // Two AES-256 keys (MAC and CTR).
inline constexpr size_t kSivTagBytes = 16;

// AES-256-SIV: deterministic authenticated encryption. Equal (key, associated data,
// plaintext) give equal output: the 16-byte synthetic IV followed by the ciphertext, as long
// as the plaintext. REQUIRES: key.size() == kSivKeyBytes; plaintext not empty (OpenSSL's SIV
// does not encrypt an empty message; callers prefix a format byte).
std::string SivSeal(std::string_view key, std::span<const std::string_view> associated_data,
                    std::string_view plaintext);
// The plaintext of SivSeal's output, or nullopt when it does not authenticate under this key
// and associated data (tampered, truncated, another key or context).
std::optional<std::string> SivOpen(std::string_view key,
                                   std::span<const std::string_view> associated_data,
                                   std::string_view sealed);

}  // namespace strata::security
