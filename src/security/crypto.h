// Cryptographic helpers over OpenSSL: hashing, MACs, secure randomness, constant-time compare.
// Thread safety: all functions are thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace strata::security {

// 32 raw bytes.
std::string Sha256(std::string_view data);
// 20 raw bytes. Only for integrity checks that protocols prescribe (tus Upload-Checksum).
std::string Sha1(std::string_view data);
// 16 raw bytes. As Sha1: protocol checksums only, never security.
std::string Md5(std::string_view data);
// 32 raw bytes.
std::string HmacSha256(std::string_view key, std::string_view data);
// 20 raw bytes. Only for protocols that prescribe it (TOTP, RFC 6238); never for new designs.
std::string HmacSha1(std::string_view key, std::string_view data);
// `count` bytes from the OS CSPRNG. Aborts if the CSPRNG fails (nothing safe can follow).
std::string RandomBytes(size_t count);
// `count` characters of [0-9A-Za-z], uniformly random.
std::string RandomBase62(size_t count);
// Ed25519 (RFC 8032) with raw keys: 32-byte private seed, 32-byte public key, 64-byte
// signatures. Used for audit checkpoints and EdDSA access tokens.
struct Ed25519KeyPair {
  std::string private_key;  // 32 raw bytes; a secret.
  std::string public_key;   // 32 raw bytes.
};
Ed25519KeyPair GenerateEd25519KeyPair();
// The public key of a 32-byte private seed. REQUIRES: private_key.size() == 32.
std::string Ed25519PublicKey(std::string_view private_key);
// REQUIRES: private_key.size() == 32. Returns 64 bytes.
std::string Ed25519Sign(std::string_view private_key, std::string_view message);
// False for a wrong signature, a malformed key or signature; never throws.
bool Ed25519Verify(std::string_view public_key, std::string_view message,
                   std::string_view signature);

// Compares in time independent of where the inputs differ (lengths are not secret).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace strata::security
