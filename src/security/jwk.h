// JSON Web Keys (RFC 7517) for verifying JWS signatures: the public half of our own signing
// keys (signing_key.h) and the keys external OIDC issuers publish in their JWKS.
//
// Invariant (RFC 8725 §3.1): every JwtPublicKey is bound to exactly one JwtAlgorithm, and a
// signature is only ever checked with that algorithm. HS* and "none" do not exist here, so a
// public key can never be used as an HMAC secret.
// Thread safety: JwtPublicKey is immutable; copies share the parsed key and may be used by
// many threads at once.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/json_writer.h"
#include "common/result.h"

namespace strata::security {

namespace internal {
class EvpKey;
}  // namespace internal

// The JWS algorithms (RFC 7518 §3.1, RFC 8037) Strata accepts. RS256 only verifies tokens of
// external issuers; our own keys are ES256 or EdDSA.
enum class JwtAlgorithm {
  kES256,  // ECDSA P-256 with SHA-256; JWK kty "EC", crv "P-256".
  kEdDSA,  // Ed25519; JWK kty "OKP", crv "Ed25519".
  kRS256,  // RSASSA-PKCS1-v1_5 with SHA-256; JWK kty "RSA", 2048 to 8192 bits.
};

// "ES256", "EdDSA", "RS256".
std::string_view JwtAlgorithmName(JwtAlgorithm alg);
// Exact, case-sensitive match of one of the names above; nullopt for any other ("none",
// "HS256", "PS256", ...).
std::optional<JwtAlgorithm> JwtAlgorithmFromName(std::string_view name);

class JwtPublicKey {
 public:
  // Parses one public JWK. Its algorithm is its "alg" member; without one, `configured_alg`;
  // without that, the only algorithm its curve allows (ES256 for P-256, EdDSA for Ed25519).
  // InvalidArgument when: not an object; kty other than EC, OKP, RSA; an unsupported crv or
  // alg; an alg that differs from `configured_alg` or does not fit the kty; an RSA key with
  // no algorithm known; "use" other than "sig"; "key_ops" without "verify"; any private
  // member (d, p, q, dp, dq, qi, oth, k); a member that is not strict unpadded base64url; a
  // coordinate of the wrong length or a point not on the curve; an RSA key outside 2048..8192
  // bits. "kid" is optional (empty when absent).
  static Result<JwtPublicKey> FromJwk(const json::Value& jwk,
                                      std::optional<JwtAlgorithm> configured_alg = std::nullopt);
  static Result<JwtPublicKey> FromJwkJson(
      std::string_view json, std::optional<JwtAlgorithm> configured_alg = std::nullopt);

  const std::string& kid() const { return kid_; }
  JwtAlgorithm alg() const { return alg_; }

  // The public JWK with kty, crv/x/y (EC), crv/x (OKP) or n/e (RSA), then kid (when not
  // empty), "use":"sig" and alg; base64url without padding.
  void WriteJwk(JsonWriter& writer) const;
  std::string ToJwkJson() const;
  // JWK thumbprint (RFC 7638): base64url SHA-256 of the required members in canonical form.
  std::string Thumbprint() const;

  // True iff `signature` (the decoded third part of a JWS; R || S for ES256) signs
  // `signing_input` under this key with alg(). False for malformed signatures; never throws.
  bool VerifySignature(std::string_view signing_input, std::string_view signature) const;

 private:
  friend class SigningKey;
  JwtPublicKey() = default;

  std::string kid_;
  JwtAlgorithm alg_ = JwtAlgorithm::kES256;
  std::string x_, y_;  // EC: both coordinates; OKP: x is the 32-byte public key.
  std::string n_, e_;  // RSA modulus and exponent, big-endian.
  std::shared_ptr<const internal::EvpKey> evp_;  // Null for EdDSA (crypto.h needs none).
};

// A JWKS document (RFC 7517 §5) parsed into usable keys. Keys that cannot be used (see
// FromJwk, plus a kid already seen) are left out and described in `skipped`, for logs.
struct ParsedJwks {
  std::vector<JwtPublicKey> keys;
  std::vector<std::string> skipped;  // "keys[2] (kid 'abc'): unsupported kty", ...
};

inline constexpr size_t kMaxJwksKeys = 100;

// InvalidArgument when `json` is not an object with a "keys" array of at most kMaxJwksKeys
// items. `configured_alg` applies to every key as in FromJwk.
Result<ParsedJwks> ParseJwks(std::string_view json,
                             std::optional<JwtAlgorithm> configured_alg = std::nullopt);

// {"keys":[...]} of `keys` as WriteJwk writes them.
std::string JwksJson(const std::vector<JwtPublicKey>& keys);

}  // namespace strata::security
