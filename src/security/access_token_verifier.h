// AccessTokenVerifier: authenticates callers by the access tokens this server issues
// (RFC 9068 JWTs, docs/security.md "Access tokens"), as the Authenticator's
// BearerTokenVerifier (directly or in a BearerTokenChain).
//
// A token is accepted when, in order:
//   1. its unverified "iss" is ours — otherwise the answer is NotMyToken() and nothing else
//      is checked (bearer_token_chain.h), so another verifier may take it;
//   2. JwtVerifier accepts it against the key ring's keys with typ "at+jwt", our issuer, our
//      audience and the claims RFC 9068 requires (sub, client_id, iat, jti; exp always). A
//      kid the ring lacks makes the ring re-read from the store (at most every
//      kKeyReloadIntervalMicros) and the token checked once more;
//   3. its jti is not revoked (revoked_token_list.h);
//   4. its subject ("user:<n>" or "service:<n>") still exists and is not disabled.
// Every refusal is Unauthenticated with problem code invalid_token.
// The principal: the subject's groups, attributes and grants as they are now; `scopes` = the
// token's "scope" claim (absent: everything the subject holds); credential "token:<jti>".
// Resolved principals are cached for kCacheTtlMicros per jti, and dropped at once when the
// Authorizer's identity generation changes on this node.
// Thread safety: thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"
#include "meta/meta_store.h"
#include "security/authenticator.h"
#include "security/authorizer.h"
#include "security/jwt_verifier.h"
#include "security/key_ring_store.h"
#include "security/principal_resolver.h"
#include "security/revoked_token_list.h"

namespace strata::security {

// The "typ" header of our access tokens (RFC 9068 §2.1).
inline constexpr std::string_view kAccessTokenType = "at+jwt";

struct AccessTokenOptions {
  // The exact "iss" of our tokens, also the discovery documents' issuer. REQUIRED.
  std::string issuer;
  // The "aud" of our tokens. Default: "strata".
  std::string audience = "strata";
  // Clock skew allowed on exp, nbf and iat. Default: 60 s.
  int64_t leeway_seconds = 60;
  // Microseconds since the epoch; null = NowMicros. Test hook.
  std::function<int64_t()> clock;
};

class AccessTokenVerifier final : public BearerTokenVerifier {
 public:
  static constexpr int64_t kCacheTtlMicros = 10'000'000;
  static constexpr size_t kMaxCacheEntries = 10'000;
  static constexpr int64_t kKeyReloadIntervalMicros = 30'000'000;

  // Every reference must outlive the verifier.
  AccessTokenVerifier(KeyRingStore& keys, RevokedTokenList& revoked, meta::MetaStore& store,
                      const Authorizer& authorizer, AccessTokenOptions options);

  Result<Principal> Verify(std::string_view token) override;

  // Steps 2 and 3 only (no account lookup): for introspection and revocation. `check_revoked`
  // false accepts a revoked token (to revoke it again is harmless).
  Result<VerifiedJwt> VerifyToken(std::string_view token, bool check_revoked = true);

  // Refuses the verified token `jwt` from now until it expires (RFC 7009).
  Status Revoke(const VerifiedJwt& jwt);

  // True when the token's unverified "iss" is ours (or absent, or unreadable: then only this
  // verifier can answer for it).
  bool ClaimsOurIssuer(std::string_view token) const;

  const AccessTokenOptions& options() const { return options_; }
  int64_t Now() const;

 private:
  struct CacheEntry {
    Principal principal;
    int64_t cached_until;
    uint64_t generation;
  };

  // The JwtVerifier of the ring's current keys, rebuilt when the ring changed.
  Result<std::shared_ptr<const JwtVerifier>> VerifierForKeys();

  KeyRingStore& keys_;
  RevokedTokenList& revoked_;
  PrincipalResolver resolver_;
  const Authorizer& authorizer_;
  const AccessTokenOptions options_;

  std::mutex mu_;  // Guards the members below.
  std::shared_ptr<const JwtVerifier> verifier_;
  uint64_t verifier_generation_ = 0;  // Of the ring verifier_ was built from; 0 = none.
  int64_t last_key_reload_ = INT64_MIN;
  std::unordered_map<std::string, CacheEntry> cache_;  // jti -> resolved principal.
};

}  // namespace strata::security
