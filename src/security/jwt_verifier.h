// JwtVerifier: decides whether a JWS compact JWT was issued to us by a trusted issuer and is
// valid now (RFC 7519 §7.2, RFC 8725, CONVENTIONS §8). One verifier per kind of token and
// issuer: our access tokens, each configured OIDC issuer.
//
// Verify() checks, in order, and stops at the first failure:
//   1. size <= kMaxJwtBytes; exactly three parts; header and signature are strict unpadded
//      base64url (an empty signature is refused);
//   2. header: a JSON object with a string "alg"; "none" and every algorithm outside
//      ES256/EdDSA/RS256 are refused; no "crit"; "typ" accepted by the options; "kid" a
//      string if present. "jku", "x5u", "jwk", "x5c" are ignored: keys come only from the
//      options, never from the token;
//   3. key: the trusted key whose kid equals the header's; without a kid, the only key when
//      there is exactly one. An unknown kid fails with kUnknownJwtKeyMessage, so the caller
//      can refetch the issuer's JWKS (rate-limited) and retry;
//   4. header alg in options.algorithms (when not empty) and == the key's one allowed alg
//      (no ES256/EdDSA/RS256/HS* confusion);
//   5. signature over "header.payload" with that key;
//   6. only now the payload: a JSON object; "iss" == options.issuer exactly; "aud" (string
//      or array of strings) contains one of options.audiences; "exp" present and
//      now < exp + leeway; if present, nbf <= now + leeway and iat <= now + leeway;
//      sub/jti/scope are strings if present; every name in required_claims is present.
// Every failure is Unauthenticated with problem code "invalid_token" and a reason that is
// safe to show a client (it never contains the token or its values).
// Thread safety: immutable after Create(); Verify() may run on many threads. To change keys
// (JWKS refetch, rotation) build a new verifier and swap it in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/result.h"
#include "security/jwk.h"

namespace strata::security {

struct JwtVerifierOptions {
  // Trusted keys, each used only with its alg(). Kids must be distinct. May be empty (every
  // token then fails with kUnknownJwtKeyMessage).
  std::vector<JwtPublicKey> keys;
  // The exact "iss". REQUIRED: not empty.
  std::string issuer;
  // The token's "aud" must contain one of these. REQUIRED: not empty.
  std::vector<std::string> audiences;
  // Accepted "typ" values, e.g. {"at+jwt"}; compared case-insensitively with an optional
  // "application/" prefix (RFC 7515 §4.1.9). Empty: "typ" must be absent or "JWT".
  std::vector<std::string> types;
  // Clock skew allowed on exp, nbf and iat, in seconds. Default: 60. REQUIRED: 0..60.
  int64_t leeway_seconds = 60;
  // Claims that must be present besides iss, aud and exp (always required), e.g. RFC 9068's
  // {"sub", "client_id", "iat", "jti"}.
  std::vector<std::string> required_claims;
  // The issuer's algorithm allow-list; a token with another "alg" is refused before any key
  // is looked up. Empty: whatever each key is bound to.
  std::vector<JwtAlgorithm> algorithms;
};

struct JwtHeader {
  JwtAlgorithm alg = JwtAlgorithm::kES256;
  std::string typ;  // Empty when absent.
  std::string kid;  // Empty when absent.
};

// A verified token. String claims are empty when absent.
struct VerifiedJwt {
  JwtHeader header;
  std::string iss;
  std::string sub;
  std::vector<std::string> aud;  // A string "aud" becomes one item.
  int64_t exp = 0;               // NumericDates in Unix seconds, fractions dropped.
  std::optional<int64_t> nbf;
  std::optional<int64_t> iat;
  std::string jti;
  std::string scope;   // Space-separated (RFC 9068 §2.2.3).
  json::Value claims;  // The whole payload object, for custom claims such as "groups".
};

// The reason Verify() gives for a kid no trusted key has.
inline constexpr std::string_view kUnknownJwtKeyMessage = "token is signed by an unknown key";

// True iff `status` is Verify()'s unknown-kid failure.
bool IsUnknownJwtKey(const Status& status);

// The "iss" claim of a JWS compact token, read WITHOUT verifying anything: only for choosing
// which verifier to run (ours, or one OIDC issuer's), which then checks everything, iss
// included. nullopt when the token is not three parts, its payload is not a base64url JSON
// object, has no string "iss", or the token is longer than kMaxJwtBytes.
std::optional<std::string> UnverifiedIssuer(std::string_view token);

class JwtVerifier {
 public:
  // InvalidArgument when the options break a REQUIRED rule above.
  static Result<JwtVerifier> Create(JwtVerifierOptions options);

  Result<VerifiedJwt> Verify(std::string_view token, int64_t now_unix_seconds) const;

  const JwtVerifierOptions& options() const { return options_; }

 private:
  explicit JwtVerifier(JwtVerifierOptions options);

  JwtVerifierOptions options_;
  std::vector<std::string> normalised_types_;  // Of options_.types.
};

}  // namespace strata::security
