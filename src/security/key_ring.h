// KeyRing: the keys this server signs its JWTs with. One current key signs; keys retired by
// Rotate() still verify until DropRetiredBefore() removes them, which the caller does once
// every token they signed has expired (retired_at + the longest token lifetime).
//
// Publish before use: JwksJson() lists every key, current first. A caller that runs several
// nodes publishes the new key to all of them before any signs with it.
// Secrets: Serialize() contains the private keys; store it encrypted, never log it.
// Thread safety: none; the owner guards mutation and hands out copies or the
// JwtVerifierOptions built from VerificationKeys().
// Invariant: kids are pairwise distinct; the current key is never in `retired()`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "security/jwk.h"
#include "security/signing_key.h"

namespace strata::security {

class KeyRing {
 public:
  struct RetiredKey {
    SigningKey key;
    int64_t retired_at;  // Unix seconds when Rotate() replaced it.
  };

  // A ring with one fresh key, current since `now_unix_seconds` (0 = unknown). InvalidArgument
  // for RS256.
  static Result<KeyRing> Create(JwtAlgorithm alg, int64_t now_unix_seconds = 0);
  // Parses what Serialize() wrote; InvalidArgument for anything else, including duplicate
  // kids.
  static Result<KeyRing> Parse(std::string_view text);

  const SigningKey& current() const { return current_; }
  // Unix seconds since the current key signs (Create or Rotate); 0 when unknown (a ring
  // serialized without it). Callers that rotate by age set it with SetCurrentSince.
  int64_t current_since() const { return current_since_; }
  void SetCurrentSince(int64_t unix_seconds) { current_since_ = unix_seconds; }
  const std::vector<RetiredKey>& retired() const { return retired_; }

  // Makes a fresh key of `alg` current and keeps the previous one for verification.
  // InvalidArgument (ring unchanged) for RS256.
  Status Rotate(JwtAlgorithm alg, int64_t now_unix_seconds);
  // The same algorithm as the current key.
  void Rotate(int64_t now_unix_seconds);
  // Forgets retired keys with retired_at < cutoff_unix_seconds; returns how many.
  size_t DropRetiredBefore(int64_t cutoff_unix_seconds);

  // The public keys of every key in the ring, current first; what a JwtVerifier of our own
  // tokens trusts.
  std::vector<JwtPublicKey> VerificationKeys() const;
  // {"keys":[...]} of VerificationKeys(), for /.well-known/jwks.json.
  std::string JwksJson() const;

  // {"version":1,"current":<private JWK>,"retired":[{"retired_at":N,"key":<private JWK>}]},
  // plus "current_since":N when known.
  std::string Serialize() const;

 private:
  explicit KeyRing(SigningKey current) : current_(std::move(current)) {}

  SigningKey current_;
  int64_t current_since_ = 0;
  std::vector<RetiredKey> retired_;  // Oldest first.
};

}  // namespace strata::security
