// Authenticator: the one place where the identity of a caller is decided.
// Every /v1 route passes the Authorization header through Authenticate(); later credential
// kinds (JWT access tokens, OIDC) extend this class, not the handlers.
//
// Thread safety: thread-safe. Verified keys are cached for kCacheTtl so the hot path does
// not touch the metastore; revocation through this node clears the cache at once, through
// another node within kCacheTtl.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"
#include "meta/meta_store.h"
#include "security/principal.h"

namespace strata::security {

class Authenticator {
 public:
  static constexpr int64_t kCacheTtlMicros = 10'000'000;
  static constexpr size_t kMaxCacheEntries = 10'000;

  // `store` must outlive the Authenticator.
  explicit Authenticator(meta::MetaStore& store) : store_(store) {}

  // Decides the caller from the value of the Authorization header ("" when absent):
  // "Bearer <API key>", or "Token <API key>" as InfluxDB clients send it (schemes are
  // case-insensitive). Unauthenticated with problem code "missing_credentials" when there
  // is none, and "invalid_token" for another scheme or a key that is malformed, unknown,
  // expired or revoked.
  Result<Principal> Authenticate(std::string_view authorization);

  // At first start (no usable admin key), creates one holding the admin role and returns
  // the key so the caller can show it once. `operator_key` (STRATA_BOOTSTRAP_KEY; may be
  // empty) is used as the key instead of a generated one. Returns nullopt, changing nothing,
  // when an admin key already exists, so restarts with the same environment are no-ops.
  Result<std::optional<std::string>> EnsureBootstrapAdmin(std::string_view operator_key);

  void ClearCache();

 private:
  struct CacheEntry {
    Principal principal;
    int64_t expires_at;  // Key expiry, 0 = never.
    int64_t cached_until;
  };

  meta::MetaStore& store_;
  std::shared_mutex mu_;                               // Guards cache_.
  std::unordered_map<std::string, CacheEntry> cache_;  // SHA-256(key) -> verified principal.
};

}  // namespace strata::security
