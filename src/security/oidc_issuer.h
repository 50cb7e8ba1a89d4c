// OidcIssuer: one configured external OIDC issuer — its current JWKS, and the JwtVerifier
// built from it (exact iss, audiences, typ, leeway, algorithm allow-list).
//
// Keys come only from the configured jwks_file or jwks_url, never from a token (RFC 8725
// §3.10). Each key is bound to one algorithm (jwk.h); a key whose algorithm is outside the
// issuer's `algorithms` is left out. An RSA key whose JWK names no "alg" (as some providers
// publish them) is used with RS256 when RS256 is allowed.
//
// Refetching: Refresh() loads the JWKS again and swaps the verifier; when the load fails or
// yields no usable key, the previous keys stay and the failure is logged. Verify() refetches
// once when a token names an unknown kid — at most once per min_refetch_interval_seconds —
// and then verifies again, so a key the issuer rotated in is picked up at its first use.
//
// Thread safety: thread-safe. Verify() runs on many threads; fetches are serialised, and
// while one runs the others keep verifying with the current keys.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "common/result.h"
#include "security/jwk.h"
#include "security/jwt_verifier.h"

namespace strata::security {

// Returns the body of the document at `url` (an issuer's jwks_url). Any failure (transport,
// non-200, too large) is a non-OK status whose message may be logged.
using JwksFetcher = std::function<Result<std::string>(const std::string& url)>;

// JWKS documents (files and bodies) larger than this are refused.
inline constexpr size_t kMaxJwksBytes = 1 << 20;

// Parses `jwks_json` into the keys `issuer` may use (see above); `skipped` collects the keys
// left out and why. InvalidArgument when the document is malformed or has no usable key.
Result<std::vector<JwtPublicKey>> IssuerKeysFromJwks(const OidcIssuerConfig& issuer,
                                                     std::string_view jwks_json,
                                                     std::vector<std::string>& skipped);

class OidcIssuer {
 public:
  // InvalidArgument when ValidateOidcIssuer(config) fails, or config.jwks_url is set without
  // `fetch_url`. Holds no keys until the first successful Refresh().
  static Result<std::unique_ptr<OidcIssuer>> Create(OidcIssuerConfig config, JwksFetcher fetch_url,
                                                    int64_t min_refetch_interval_seconds,
                                                    int64_t failed_fetch_retry_seconds);

  OidcIssuer(const OidcIssuer&) = delete;
  OidcIssuer& operator=(const OidcIssuer&) = delete;

  // Loads the JWKS now and installs its keys. On failure the previous keys stay; the error
  // names the issuer and its jwks_file/jwks_url option (never a key).
  Status Refresh(int64_t now_unix_seconds);

  // The token verified with the current keys, after one rate-limited refetch when it names an
  // unknown kid. Unauthenticated ("invalid_token") with JwtVerifier's safe reasons.
  Result<VerifiedJwt> Verify(std::string_view token, int64_t now_unix_seconds);

  // When the periodic refresh is due (jwks_url only): jwks_refresh_seconds after the last
  // successful fetch, failed_fetch_retry_seconds after a failed one. INT64_MAX for a file.
  int64_t next_refresh_at() const;

  const OidcIssuerConfig& config() const { return config_; }
  size_t key_count() const;

 private:
  OidcIssuer(OidcIssuerConfig config, JwksFetcher fetch_url, int64_t min_refetch_interval_seconds,
             int64_t failed_fetch_retry_seconds, std::shared_ptr<const JwtVerifier> verifier);

  JwtVerifierOptions VerifierOptions(std::vector<JwtPublicKey> keys) const;
  Result<std::string> LoadDocument() const;
  std::shared_ptr<const JwtVerifier> current() const;

  const OidcIssuerConfig config_;
  const JwksFetcher fetch_url_;
  const int64_t min_refetch_interval_seconds_;
  const int64_t failed_fetch_retry_seconds_;

  std::mutex fetch_mu_;  // Held for a whole fetch: one at a time.
  mutable std::mutex mu_;
  std::shared_ptr<const JwtVerifier> verifier_;  // Guarded by mu_. Never null.
  int64_t last_refetch_at_ = 0;                  // Guarded by mu_. Unknown-kid refetches.
  bool refetched_once_ = false;                  // Guarded by mu_.
  int64_t next_refresh_at_ = 0;                  // Guarded by mu_.
};

}  // namespace strata::security
