// Authenticator: the one place where the identity of a caller is decided.
// Every /v1 route passes the Authorization header through Authenticate(): API keys here,
// JWT access tokens (our own and external OIDC issuers') through the BearerTokenVerifier.
//
// Thread safety: thread-safe. Resolved principals are cached for kCacheTtl so the hot path
// does not touch the metastore. A change of users, grants, roles or keys on this node
// (Authorizer::NoteIdentityChanged) invalidates the cache at once; on another node the
// cache expires within kCacheTtl.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"
#include "meta/meta_store.h"
#include "security/authorizer.h"
#include "security/principal.h"
#include "security/principal_resolver.h"

namespace strata::security {

// Verifies bearer tokens that are not API keys (JWTs). Unauthenticated with problem code
// "invalid_token" for any token it refuses.
class BearerTokenVerifier {
 public:
  virtual ~BearerTokenVerifier() = default;
  virtual Result<Principal> Verify(std::string_view token) = 0;
};

class Authenticator {
 public:
  static constexpr int64_t kCacheTtlMicros = 10'000'000;
  static constexpr size_t kMaxCacheEntries = 10'000;
  // last_used_at of a key is written at most this often.
  static constexpr int64_t kTouchIntervalMicros = 60'000'000;

  // `store` and `authorizer` must outlive the Authenticator.
  Authenticator(meta::MetaStore& store, const Authorizer& authorizer)
      : store_(store), authorizer_(authorizer), resolver_(store) {}

  // Set once at start, before requests arrive. REQUIRES: outlives the Authenticator.
  void SetTokenVerifier(BearerTokenVerifier* verifier) { token_verifier_ = verifier; }

  // Decides the caller from the value of the Authorization header ("" when absent):
  // "Bearer <API key or access token>", or "Token <API key>" as InfluxDB clients send it
  // (schemes are case-insensitive). Unauthenticated with problem code
  // "missing_credentials" when there is none, and "invalid_token" otherwise; unknown,
  // expired and revoked keys, and keys of disabled accounts, get the same answer.
  Result<Principal> Authenticate(std::string_view authorization);

  // At first start (no admin yet), creates the user "admin" holding the admin role on "*"
  // and an API key of it, and returns the key so the caller can show it once.
  // `operator_key` (STRATA_BOOTSTRAP_KEY; may be empty) is used as the key instead of a
  // generated one. Returns nullopt, changing nothing, when an admin exists already, so
  // restarts with the same environment are no-ops.
  Result<std::optional<std::string>> EnsureBootstrapAdmin(std::string_view operator_key);

  PrincipalResolver& resolver() { return resolver_; }
  void ClearCache();

 private:
  struct CacheEntry {
    Principal principal;
    int64_t expires_at;  // Key expiry, 0 = never.
    int64_t cached_until;
    uint64_t generation;  // Authorizer::identity_generation() when resolved.
  };

  Result<Principal> AuthenticateKey(std::string_view key);
  Result<Principal> PrincipalOfKey(const meta::ApiKeyRecord& record);

  meta::MetaStore& store_;
  const Authorizer& authorizer_;
  PrincipalResolver resolver_;
  BearerTokenVerifier* token_verifier_ = nullptr;
  std::shared_mutex mu_;                               // Guards cache_.
  std::unordered_map<std::string, CacheEntry> cache_;  // SHA-256(key) -> resolved principal.
};

// True when `credential` has the shape of a JWS compact serialisation (three base64url
// parts, the first starting with "eyJ").
bool LooksLikeJwt(std::string_view credential);

}  // namespace strata::security
