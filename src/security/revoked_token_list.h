// RevokedTokenList: the ids (jti) of access tokens revoked before they expire (RFC 7009),
// checked on every request that carries one of our access tokens.
//
// Source of truth: the identity store (revoked_access_tokens), so revocations survive
// restarts. Lookups use an in-memory copy that is re-read from the store at most every
// kRefreshMicros: a revocation takes effect at once on the node that made it and within
// kRefreshMicros on others. When a re-read fails, the previous copy stays in use (it holds
// every revocation this node made) and the next lookup tries again.
// Size: one entry per revoked, unexpired token; entries go once their token has expired.
// Thread safety: thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"
#include "meta/meta_store.h"

namespace strata::security {

class RevokedTokenList {
 public:
  static constexpr int64_t kRefreshMicros = 10'000'000;
  // Tokens verify until exp + the verifier's leeway; their revocations are kept as long.
  static constexpr int64_t kLeewayMicros = 60'000'000;

  // `store` must outlive the list.
  explicit RevokedTokenList(meta::MetaStore& store) : store_(store) {}

  // Refuses the token `jti` (which expires at `expires_at_micros`) from now on.
  Status Revoke(std::string_view jti, int64_t expires_at_micros, int64_t now_micros);

  bool IsRevoked(std::string_view jti, int64_t now_micros);

 private:
  // Re-reads the store when the copy is older than kRefreshMicros. REQUIRES: mu_ held.
  void RefreshIfStale(int64_t now_micros);

  meta::MetaStore& store_;
  std::mutex mu_;                                     // Guards the members below.
  std::unordered_map<std::string, int64_t> revoked_;  // jti -> the token's expiry (micros).
  int64_t loaded_at_ = INT64_MIN;                     // Last re-read; INT64_MIN = never.
};

}  // namespace strata::security
