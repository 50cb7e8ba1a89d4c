// A private key with which this server signs its own JWTs (ES256 or EdDSA), stored as a
// private JWK (RFC 7517 with the "d" member of RFC 7518 §6.2.2 / RFC 8037 §2).
//
// The kid of a generated key is its JWK thumbprint (RFC 7638), so it is unique and says
// nothing about the server.
// Secrets: Serialize() and WritePrivateJwk() output the private key; store them encrypted
// and never log them. PublicKey() is safe to publish.
// Thread safety: immutable; copies share the parsed key and may sign from many threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/json_writer.h"
#include "common/result.h"
#include "security/jwk.h"

namespace strata::security {

class SigningKey {
 public:
  // A fresh random key. InvalidArgument for RS256 (verification only).
  static Result<SigningKey> Generate(JwtAlgorithm alg);
  // Parses what WritePrivateJwk wrote: kty, crv, x (and y for EC), d, kid and alg are
  // required; InvalidArgument when a member is missing or malformed, the alg is not ES256 or
  // EdDSA, or "d" does not belong to the public key.
  static Result<SigningKey> FromPrivateJwk(const json::Value& jwk);
  static Result<SigningKey> Parse(std::string_view private_jwk_json);

  const std::string& kid() const { return public_key_.kid(); }
  JwtAlgorithm alg() const { return public_key_.alg(); }
  const JwtPublicKey& public_key() const { return public_key_; }

  // The private JWK: the public members, then "d". A secret.
  void WritePrivateJwk(JsonWriter& writer) const;
  std::string Serialize() const;

  // The JWS signature of `signing_input` (R || S for ES256, 64 bytes either way).
  std::string Sign(std::string_view signing_input) const;

 private:
  SigningKey() = default;

  JwtPublicKey public_key_;
  std::string d_;                                        // Ed25519 seed or P-256 scalar, 32 bytes.
  std::shared_ptr<const internal::EvpKey> private_evp_;  // ES256 only.
};

}  // namespace strata::security
