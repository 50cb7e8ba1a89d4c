// Internal to src/security: the OpenSSL side of JWS keys and signatures (RFC 7518 §3.3-3.4)
// behind an opaque handle, so no public header includes OpenSSL. EdDSA needs none of this:
// it uses the raw-key Ed25519 functions of crypto.h.
// Thread safety: an EvpKey is immutable once built and may be used by many threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace strata::security::internal {

class EvpKey;  // Owns one EVP_PKEY; defined in jws_crypto.cc.
using EvpKeyPtr = std::shared_ptr<const EvpKey>;

// Fixed-size big-endian coordinates and scalar of a P-256 key, as JWK stores them.
inline constexpr size_t kP256FieldBytes = 32;

// A P-256 public key. InvalidArgument unless x and y are kP256FieldBytes each and the point
// is on the curve.
Result<EvpKeyPtr> P256PublicKey(std::string_view x, std::string_view y);
// A P-256 key pair. InvalidArgument unless the public key is valid and belongs to `d`.
Result<EvpKeyPtr> P256PrivateKey(std::string_view d, std::string_view x, std::string_view y);

struct P256KeyPair {
  std::string d, x, y;  // kP256FieldBytes each; d is a secret.
  EvpKeyPtr key;
};
P256KeyPair GenerateP256KeyPair();

inline constexpr size_t kMinRsaBits = 2048;  // RFC 7518 §3.3.
inline constexpr size_t kMaxRsaBits = 8192;  // Bounds the cost of one verification.
// An RSA public key from big-endian modulus and exponent. InvalidArgument unless
// kMinRsaBits <= bits <= kMaxRsaBits, the modulus is odd, and the exponent is odd, > 1 and
// at most 64 bits.
Result<EvpKeyPtr> RsaPublicKey(std::string_view n, std::string_view e);

// ES256: `signature` is the JWS form R || S, 32 bytes each (not DER).
// REQUIRES: `key` holds a private key.
std::string Es256Sign(const EvpKey& key, std::string_view signing_input);
// False for any signature that is not exactly 64 bytes or does not verify.
bool Es256Verify(const EvpKey& key, std::string_view signing_input, std::string_view signature);
// RS256 (RSASSA-PKCS1-v1_5 with SHA-256). False for a signature whose length is not the
// modulus length or that does not verify.
bool Rs256Verify(const EvpKey& key, std::string_view signing_input, std::string_view signature);

}  // namespace strata::security::internal
